package io.egressaudit.correlator;

import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code node} rule: traffic with a node's IP as source comes from pods on that node that no
 * assigned EgressIP carries (OVN-Kubernetes SNATs them to the node IP), from hostNetwork pods, or
 * from the host itself.
 *
 * <p>The match lists at most {@link Attribution#MAX_PODS} candidate pods, the first by namespace
 * and name, and counts them all in {@code podCount}.
 *
 * <p>A pod is carried by an egress IP only when an EgressIP selects it AND that object has at least
 * one assigned IP; an object with an empty {@code status.items} falls back to the node IP.
 */
final class NodeSnatAttribution {

  private NodeSnatAttribution() {}

  /** The node rule on a whole (or sufficient) snapshot. */
  static Attribution of(ClusterSnapshot s, NodeState node) {
    return of(
        s.cluster(),
        node,
        s.since(node.ref()),
        s.podsOn(node.name()),
        s::namespace,
        s.egressSelection());
  }

  /**
   * The node rule on just what it reads, so that a caller holding history need not build a
   * snapshot: the node, the pods on it and their namespaces, and the EgressIPs, all as valid at the
   * same time.
   *
   * @param cluster the cluster's name
   * @param node the node whose address the source IP is
   * @param since when the node's state began, or null when unknown
   * @param podsOnNode the pods whose {@code spec.nodeName} is the node, in any order
   * @param namespaceOf a pod namespace's state by name, null when the state has no such object
   * @param selection the EgressIPs valid then
   */
  static Attribution of(
      String cluster,
      NodeState node,
      java.time.Instant since,
      Iterable<PodState> podsOnNode,
      java.util.function.Function<String, NamespaceState> namespaceOf,
      EgressSelection selection) {
    Composition c = new Composition(new Namespaces(namespaceOf, selection));
    for (PodState p : podsOnNode) {
      c.add(p);
    }
    return c.attribution(cluster, node, since);
  }

  /**
   * What the rule reads of each namespace (its state, and the assigned EgressIPs that select it) in
   * one state of the namespaces and EgressIPs: shared by the {@link Composition}s of every node at
   * times with that state, each namespace worked out once. Thread-safe.
   */
  static final class Namespaces {
    private final java.util.function.Function<String, NamespaceState> namespaceOf;
    private final EgressSelection selection;
    private final boolean anyAssigned;
    private final java.util.Map<String, Selected> byName =
        new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param namespaceOf a namespace's state by name, null when the state has no such object
     * @param selection the EgressIPs valid with those namespaces
     */
    Namespaces(
        java.util.function.Function<String, NamespaceState> namespaceOf,
        EgressSelection selection) {
      this.namespaceOf = namespaceOf;
      this.selection = selection;
      this.anyAssigned = selection.anyAssigned();
    }

    private Selected of(String namespace) {
      Selected known = byName.get(namespace);
      return known != null
          ? known
          : byName.computeIfAbsent(namespace, n -> Selected.of(namespaceOf.apply(n), selection));
    }
  }

  /**
   * The node rule's reading of the pods on one node, kept up to date pod by pod: what {@link #of}
   * works out from a whole list, for a caller that sweeps through time and sees a node's pods come
   * and go (a page of hits in time order). Adding every pod and asking {@link #attribution} is
   * exactly {@link #of}; removing a pod undoes its {@link #add}.
   *
   * <p>Valid only while the namespaces and EgressIPs it was made with are: the caller makes a new
   * one when they change. Not thread-safe.
   */
  static final class Composition {
    private final Namespaces namespaces;
    // Counts: how many pods added (and not removed) put each key in the answer; the keys a match
    // lists are kept in order as they come and go. Sized for a crowded node (a couple of hundred
    // pods, a hundred namespaces): growing the tables cost a fresh composition more than filling.
    private final Counts<PodRef> candidatePods = new Counts<>(256);
    private final Counts<String> candidates = new Counts<>(128);
    private final Object2IntOpenHashMap<String> carried = new Object2IntOpenHashMap<>(256);
    private final java.util.Map<String, Object2IntOpenHashMap<String>> carriers =
        new java.util.HashMap<>();
    private final Counts<String> withoutObject = new Counts<>(16);
    private final Counts<String> leaking = new Counts<>(128); // each counted once
    private final Counts<String> leakVia = new Counts<>(128);
    // what the last match was built of, null when it changed since
    private List<String> candidateList;
    private List<PodRef> podList;
    private List<String> leakingList;
    private List<String> leakViaList;
    private List<String> withoutObjectList;
    private String note;
    private String noteOfNode;
    private Attribution built;

    /**
     * @param namespaces the namespaces and EgressIPs valid with the pods to be counted
     */
    Composition(Namespaces namespaces) {
      this.namespaces = namespaces;
    }

    /**
     * Counts a pod on the node.
     *
     * @return what it added, to hand back to {@link #remove}; null when it added nothing (a pod
     *     that is not active)
     */
    Member add(PodState p) {
      return add(p.active(), p.namespace(), p.hostNetwork(), p.labels(), p::name);
    }

    /**
     * Counts the pod in a slot of a timeline's store, read from its columns without building its
     * state (what {@link #add(PodState)} does with the state).
     */
    Member add(IntervalStore store, int slot) {
      return add(
          store.podActive(slot),
          store.podNamespace(slot),
          store.podHostNetwork(slot),
          store.podLabels(slot),
          () -> store.podName(slot));
    }

    private Member add(
        boolean active,
        String namespace,
        boolean hostNetwork,
        java.util.Map<String, String> labels,
        java.util.function.Supplier<String> name) {
      if (!active) {
        return null;
      }
      Selected selected = namespaces.of(namespace);
      List<String> via = carriers(selected, hostNetwork, labels);
      Member m =
          new Member(
              namespace,
              via.isEmpty() ? new PodRef(namespace, name.get()) : null,
              via,
              via.isEmpty()
                  && namespaces.anyAssigned
                  && !hostNetwork
                  && selected.namespace() == null);
      count(m, 1);
      return m;
    }

    /** Undoes an {@link #add}; null does nothing. */
    void remove(Member m) {
      if (m != null) {
        count(m, -1);
      }
    }

    private void count(Member m, int by) {
      built = null;
      String ns = m.namespace();
      if (m.pod() == null) {
        int c = bump(carried, ns, by);
        Object2IntOpenHashMap<String> via =
            carriers.computeIfAbsent(ns, k -> new Object2IntOpenHashMap<>(4));
        for (String e : m.via()) {
          int k = bump(via, e, by);
          if (k != 0 && leaking.contains(ns)) {
            leakVia.bump(e, k);
            leakViaList = null;
          }
        }
        if (c > 0 && !candidates.contains(ns)) {
          startsLeaking(ns);
        } else if (c < 0) {
          stopsLeaking(ns);
        }
      } else {
        int c = candidates.bump(ns, by);
        if (c != 0) {
          candidateList = null;
        }
        if (c > 0) {
          stopsLeaking(ns);
        } else if (c < 0 && carried.containsKey(ns)) {
          startsLeaking(ns);
        }
        if (candidatePods.bump(m.pod(), by) != 0) {
          podList = null;
        }
        if (m.withoutObject() && withoutObject.bump(ns, by) != 0) {
          withoutObjectList = null;
        }
      }
    }

    // A namespace with pods that use the node IP legitimately is a candidate, not a leak
    // suspect: its traffic with this IP is expected even if some other pod of it is carried. So
    // leaking = carried - candidates, and leakVia counts, per EgressIP, the leaking namespaces
    // it carries.

    private void startsLeaking(String ns) {
      if (!leaking.contains(ns)) {
        leaking.bump(ns, 1);
        leakingList = null;
        for (String e : carriers.get(ns).keySet()) {
          leakVia.bump(e, 1);
        }
        leakViaList = null;
      }
    }

    private void stopsLeaking(String ns) {
      if (leaking.contains(ns)) {
        leaking.bump(ns, -1);
        leakingList = null;
        for (String e : carriers.get(ns).keySet()) {
          leakVia.bump(e, -1);
        }
        leakViaList = null;
      }
    }

    /**
     * The node rule's match for the pods counted now: the same object until a pod is added or
     * removed.
     *
     * @param cluster the cluster's name
     * @param node the node whose address the source IP is
     * @param since when the node's state began, or null when unknown
     */
    Attribution attribution(String cluster, NodeState node, java.time.Instant since) {
      if (built != null
          && built.node().equals(node.name())
          && java.util.Objects.equals(built.since(), since)
          && java.util.Objects.equals(built.cluster(), cluster)) {
        return built;
      }
      boolean noteChanged =
          candidateList == null || leakingList == null || withoutObjectList == null;
      if (candidateList == null) {
        candidateList = List.copyOf(candidates.keys());
      }
      if (podList == null) {
        List<PodRef> all = candidatePods.keys();
        podList = List.copyOf(all.subList(0, Math.min(all.size(), Attribution.MAX_PODS)));
      }
      if (leakingList == null) {
        leakingList = leaking.isEmpty() ? null : List.copyOf(leaking.keys());
      }
      if (leakViaList == null) {
        leakViaList = leakVia.isEmpty() ? null : List.copyOf(leakVia.keys());
      }
      if (withoutObjectList == null) {
        withoutObjectList = List.copyOf(withoutObject.keys());
      }
      if (noteChanged || !node.name().equals(noteOfNode)) {
        noteOfNode = node.name();
        note =
            note(
                node,
                candidateList,
                leakingList == null ? List.of() : leakingList,
                withoutObjectList);
      }
      built =
          Attribution.builder(AttributionKind.NODE)
              .cluster(cluster)
              .node(node.name())
              .namespaces(candidateList)
              .pods(podList)
              .since(since)
              .ambiguous(candidateList.size() > 1)
              .leakSuspects(leakingList)
              .note(note)
              .leakEgressIPs(leakingList == null ? null : leakViaList)
              .podCount(candidatePods.keys().size())
              .build();
      return built;
    }
  }

  /**
   * Counts one more or less of a key (a count is never kept at zero): 1 when it appeared, -1 when
   * it went, else 0. The counts are an open-addressing map of ints (fastutil's): a fresh
   * composition counts a node's every pod, and a map entry and a boxed count per key were most of
   * what it allocated.
   */
  private static <K> int bump(Object2IntOpenHashMap<K> counts, K key, int by) {
    int before = counts.addTo(key, by);
    if (before + by == 0) {
      counts.removeInt(key);
      return -1;
    }
    return before == 0 ? 1 : 0;
  }

  /**
   * Counts by key in a hash map, and the keys counted (count not zero) in their natural order, kept
   * by binary insertion as keys come and go: what a {@code TreeMap} of counts gives, with hash
   * lookups for the counting and no walk of a tree for the ordered keys. Not thread-safe.
   */
  private static final class Counts<K extends Comparable<? super K>> {
    private final Object2IntOpenHashMap<K> counts;
    private final ArrayList<K> keys;

    /**
     * @param expected how many keys to make room for before growing
     */
    Counts(int expected) {
      counts = new Object2IntOpenHashMap<>(expected);
      keys = new ArrayList<>(expected);
    }

    /** Counts {@code by} more of a key: 1 when it appeared, -1 when it went, else 0. */
    int bump(K key, int by) {
      int c = NodeSnatAttribution.bump(counts, key, by);
      if (c > 0) {
        keys.add(-java.util.Collections.binarySearch(keys, key) - 1, key);
      } else if (c < 0) {
        keys.remove(java.util.Collections.binarySearch(keys, key));
      }
      return c;
    }

    boolean contains(K key) {
      return counts.containsKey(key);
    }

    boolean isEmpty() {
      return keys.isEmpty();
    }

    /** The keys counted, in order: a live view, copied by callers that keep it. */
    List<K> keys() {
      return keys;
    }
  }

  /**
   * What one pod added to a {@link Composition}: its namespace; the pod when the node IP is its
   * source (else null); the assigned EgressIPs carrying it (names, empty when none); whether it
   * counts its namespace as one without a Namespace object.
   */
  record Member(String namespace, PodRef pod, List<String> via, boolean withoutObject) {}

  /**
   * A namespace's state (null when unknown) and the assigned EgressIPs whose selector it matches.
   */
  private record Selected(NamespaceState namespace, List<EgressIpState> assigned) {
    static Selected of(NamespaceState ns, EgressSelection selection) {
      return new Selected(ns, ns == null ? List.of() : selection.assignedSelecting(ns));
    }
  }

  /** The assigned EgressIPs that select the pod (names); empty when the node IP is its source. */
  private static List<String> carriers(
      Selected selected, boolean hostNetwork, java.util.Map<String, String> labels) {
    if (selected.assigned().isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(1);
    for (EgressIpState e : selected.assigned()) {
      if (e.selects(hostNetwork, labels, selected.namespace())) {
        out.add(e.name());
      }
    }
    return out;
  }

  private static String note(
      NodeState node,
      java.util.Collection<String> candidates,
      java.util.Collection<String> carried,
      java.util.Collection<String> withoutObject) {
    List<String> parts = new ArrayList<>();
    if (candidates.size() > 1) {
      parts.add(
          "ambiguous: "
              + candidates.size()
              + " namespaces leave through node "
              + node.name()
              + " with its node IP; the source IP alone cannot tell them apart");
    } else if (candidates.isEmpty()) {
      parts.add(
          "no pod on node "
              + node.name()
              + " leaves with the node IP: host traffic"
              + (carried.isEmpty() ? "" : ", or a leak from " + named(carried, "leakSuspects")));
    }
    if (!candidates.isEmpty() && !carried.isEmpty()) {
      parts.add(
          named(carried, "leakSuspects")
              + " should leave through an egress IP; traffic from them with this IP would be a leak");
    }
    if (!withoutObject.isEmpty()) {
      parts.add(
          named(withoutObject, "namespaces")
              + " have pods on this node but no Namespace object in the cluster state: an"
              + " EgressIP may carry them, which the state cannot tell; counted as leaving with"
              + " the node IP");
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }

  /** Most namespaces a note names; the match's own lists hold them all. */
  static final int NOTE_NAMES = 5;

  /**
   * Names at most {@value #NOTE_NAMES} namespaces, then how many more and the field of the match
   * that lists them all: a crowded node's note stays a sentence, not a copy of its lists.
   */
  private static String named(java.util.Collection<String> namespaces, String listedIn) {
    if (namespaces.size() <= NOTE_NAMES) {
      return String.join(", ", namespaces);
    }
    StringBuilder out = new StringBuilder();
    int n = 0;
    for (String ns : namespaces) {
      if (n++ == NOTE_NAMES) {
        break;
      }
      out.append(ns).append(", ");
    }
    out.append("and ").append(namespaces.size() - NOTE_NAMES).append(" more");
    if (listedIn != null) {
      out.append(" (see ").append(listedIn).append(")");
    }
    return out.toString();
  }
}
