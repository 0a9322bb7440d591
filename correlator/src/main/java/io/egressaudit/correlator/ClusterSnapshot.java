package io.egressaudit.correlator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The state of one cluster at one point in time: every node, namespace, pod and EgressIP valid
 * then, each with the time its current state began. Built once and read by many attributions, so it
 * indexes the objects by name and by IP.
 */
public final class ClusterSnapshot {

  private static final Comparator<ObjectRef> REF_ORDER =
      Comparator.comparing(ObjectRef::kind)
          .thenComparing(ObjectRef::namespace)
          .thenComparing(ObjectRef::name);

  private final String cluster;
  private final List<NodeState> nodes = new ArrayList<>();
  private final Map<String, NamespaceState> namespaces = new HashMap<>();
  private final List<PodState> pods = new ArrayList<>();
  private final List<EgressIpState> egressIps = new ArrayList<>();
  private final Map<ObjectRef, Instant> since = new HashMap<>();
  private final Map<String, List<NodeState>> nodesByIp = new HashMap<>();
  private final Map<String, List<PodState>> podsByNode = new HashMap<>();
  private final Map<String, List<PodState>> podsByIp = new HashMap<>();
  private EgressSelection egressSelection;
  private List<String> namespacesWithoutObject;

  /**
   * Builds a snapshot.
   *
   * @param cluster the cluster's name, as given at import or in the kubeconfig context
   * @param objects the objects valid at the snapshot's time, each mapped to the instant its state
   *     began (its {@code valid_from}); the instant may be null when unknown
   */
  public ClusterSnapshot(String cluster, Map<? extends ClusterObject, Instant> objects) {
    this(cluster, objects, null);
  }

  /**
   * Builds a snapshot that shares what is worked out about its EgressIPs with other snapshots of
   * the same EgressIP states (see {@link AttributionTimeline}).
   *
   * @param selection derived facts of exactly the EgressIP states in {@code objects}, or null
   */
  ClusterSnapshot(
      String cluster, Map<? extends ClusterObject, Instant> objects, EgressSelection selection) {
    this.egressSelection = selection;
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    // Add in a fixed order (by kind, namespace, name) so that lists, indexes and therefore the
    // order of matches do not depend on the iteration order of the caller's map.
    // Each object's ref is made once: the sort compares refs n log n times.
    record Keyed(ObjectRef ref, ClusterObject object, Instant validFrom) {}
    List<Keyed> entries = new ArrayList<>(objects.size());
    objects.forEach((o, from) -> entries.add(new Keyed(o.ref(), o, from)));
    entries.sort(Comparator.comparing(Keyed::ref, REF_ORDER));
    entries.forEach(e -> add(e.object(), e.validFrom()));
  }

  /**
   * Builds a snapshot whose objects have no known start time.
   *
   * @param cluster the cluster's name
   * @param objects the objects
   */
  public static ClusterSnapshot of(String cluster, Collection<? extends ClusterObject> objects) {
    Map<ClusterObject, Instant> m = new HashMap<>();
    objects.forEach(o -> m.put(o, null));
    return new ClusterSnapshot(cluster, m);
  }

  private void add(ClusterObject object, Instant validFrom) {
    if (validFrom != null) {
      since.put(object.ref(), validFrom);
    }
    if (object instanceof NodeState n) {
      nodes.add(n);
      n.addresses().forEach(ip -> nodesByIp.computeIfAbsent(ip, k -> new ArrayList<>()).add(n));
    } else if (object instanceof NamespaceState ns) {
      namespaces.put(ns.name(), ns);
    } else if (object instanceof PodState p) {
      pods.add(p);
      if (p.nodeName() != null) {
        podsByNode.computeIfAbsent(p.nodeName(), k -> new ArrayList<>()).add(p);
      }
      if (!p.hostNetwork()) {
        p.podIps().forEach(ip -> podsByIp.computeIfAbsent(ip, k -> new ArrayList<>()).add(p));
      }
    } else if (object instanceof EgressIpState e) {
      egressIps.add(e);
    }
  }

  /** The cluster's name. */
  public String cluster() {
    return cluster;
  }

  /** All nodes. */
  public List<NodeState> nodes() {
    return List.copyOf(nodes);
  }

  /** All namespaces. */
  public Collection<NamespaceState> namespaces() {
    return List.copyOf(namespaces.values());
  }

  /** All pods. */
  public List<PodState> pods() {
    return List.copyOf(pods);
  }

  /** All EgressIP objects. */
  public List<EgressIpState> egressIps() {
    return List.copyOf(egressIps);
  }

  /**
   * What is derived from the snapshot's EgressIPs alone: which assigned EgressIPs select a
   * namespace (those that carry its pods when their podSelector matches too).
   */
  EgressSelection egressSelection() {
    if (egressSelection == null) {
      egressSelection = new EgressSelection(egressIps);
    }
    return egressSelection;
  }

  /** The namespace with that name, or null. */
  public NamespaceState namespace(String name) {
    return namespaces.get(name);
  }

  /** Nodes that have the canonical IP among their addresses (normally zero or one). */
  public List<NodeState> nodesWithAddress(String ip) {
    return nodesByIp.getOrDefault(ip, List.of());
  }

  /** Pods scheduled on the node. */
  public List<PodState> podsOn(String nodeName) {
    return podsByNode.getOrDefault(nodeName, List.of());
  }

  /** Non-hostNetwork pods that have the canonical IP as a pod IP. */
  public List<PodState> podsWithIp(String ip) {
    return podsByIp.getOrDefault(ip, List.of());
  }

  /** When the object's current state began, or null when unknown. */
  public Instant since(ObjectRef ref) {
    return since.get(ref);
  }

  /**
   * Namespaces that pods are in but that have no Namespace object in the snapshot, sorted: a dump
   * taken without {@code namespaces} ({@code kubectl get nodes,pods,egressips -A}). No EgressIP
   * namespaceSelector can match them, so attribution cannot tell whether an EgressIP carries their
   * pods.
   */
  public List<String> namespacesWithoutObject() {
    if (namespacesWithoutObject == null) {
      TreeSet<String> missing = new TreeSet<>();
      for (PodState p : pods) {
        if (!namespaces.containsKey(p.namespace())) {
          missing.add(p.namespace());
        }
      }
      namespacesWithoutObject = List.copyOf(missing);
    }
    return namespacesWithoutObject;
  }

  /** True when the snapshot holds no object at all. */
  public boolean isEmpty() {
    return nodes.isEmpty() && namespaces.isEmpty() && pods.isEmpty() && egressIps.isEmpty();
  }
}
