package io.egressaudit.correlator.anomaly;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.PodState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Applies every {@link AnomalyRule} to a cluster's state at one time. Pure: the answer depends on
 * the snapshot only, and each rule is a public method so it can be tested and explained alone.
 */
public final class Anomalies {

  private Anomalies() {}

  /**
   * What two rules share, worked out once per snapshot: active pods by namespace, and for each
   * namespace the EgressIPs (by name) whose namespaceSelector matches it.
   */
  private record Facts(
      Map<String, List<PodState>> podsByNamespace, Map<String, List<EgressIpState>> selecting) {

    static Facts of(ClusterSnapshot s) {
      Map<String, List<PodState>> pods = new TreeMap<>();
      for (PodState p : s.pods()) {
        if (p.active()) {
          pods.computeIfAbsent(p.namespace(), k -> new ArrayList<>()).add(p);
        }
      }
      return new Facts(pods, selecting(s));
    }

    /** For each namespace the EgressIPs (by name) whose namespaceSelector matches it. */
    static Map<String, List<EgressIpState>> selecting(ClusterSnapshot s) {
      List<EgressIpState> egressIps = byName(s);
      Map<String, List<EgressIpState>> selecting = new TreeMap<>();
      for (NamespaceState ns : s.namespaces()) {
        List<EgressIpState> l = new ArrayList<>(2);
        for (EgressIpState e : egressIps) {
          if (e.selects(ns)) {
            l.add(e);
          }
        }
        if (!l.isEmpty()) {
          selecting.put(ns.name(), l);
        }
      }
      return selecting;
    }
  }

  /**
   * The namespaces whose pods the rules read, worked out from the nodes, namespaces and EgressIPs
   * of a snapshot alone (its pods are not read): those two or more EgressIPs select ({@link
   * AnomalyRule#POD_SELECTED_TWICE}) and those an EgressIP without an assigned IP selects ({@link
   * AnomalyRule#UNASSIGNED_WITH_RUNNING_PODS}). {@link #find} on a snapshot holding every node,
   * namespace and EgressIP but only these namespaces' pods answers as on the whole snapshot, so a
   * caller can skip the other pods, and when this is empty the answer holds as long as the nodes,
   * namespaces and EgressIPs do.
   *
   * @param s the cluster's state at a time; its pods, if any, are not read
   * @return namespace names, sorted
   */
  public static Set<String> namespacesWhosePodsAreRead(ClusterSnapshot s) {
    Set<String> out = new TreeSet<>();
    Facts.selecting(s)
        .forEach(
            (ns, egressIps) -> {
              if (readsPodsOf(egressIps)) {
                out.add(ns);
              }
            });
    return out;
  }

  /**
   * Every anomaly of the snapshot, ordered by rule, then as each rule finds them (by EgressIP, IP,
   * namespace or node name).
   *
   * @param s the cluster's state at a time
   * @return the anomalies; empty when none
   */
  public static List<Anomaly> find(ClusterSnapshot s) {
    List<Anomaly> out = new ArrayList<>();
    out.addAll(assignedIpNotInSpec(s));
    out.addAll(ipAssignedToTwoNodes(s));
    out.addAll(ipClaimedByTwoEgressIps(s));
    Facts facts = Facts.of(s);
    out.addAll(selectedTwice(s, facts));
    out.addAll(unassignedWithRunningPods(s, facts));
    out.addAll(singleEgressNode(s));
    out.addAll(egressIpOutsideNodeSubnets(s));
    out.addAll(assignedNodeUnfit(s));
    out.sort(Comparator.comparing(Anomaly::rule));
    return out;
  }

  /**
   * Tells whether any rule reads the pods of a namespace: only {@link #selectedTwice} (a namespace
   * that two or more EgressIPs select) and {@link #unassignedWithRunningPods} (a namespace that an
   * EgressIP without assigned IP selects) do. Pods of other namespaces change no anomaly, so a
   * caller holding history may leave them out of the snapshot it passes to {@link #find}.
   *
   * @param selecting the EgressIPs whose namespaceSelector matches the namespace, at one time
   */
  public static boolean readsPodsOf(Collection<EgressIpState> selecting) {
    return selecting.size() > 1 || selecting.stream().anyMatch(e -> !e.assigned());
  }

  private static List<EgressIpState> byName(ClusterSnapshot s) {
    List<EgressIpState> l = new ArrayList<>(s.egressIps());
    l.sort(Comparator.comparing(EgressIpState::name));
    return l;
  }

  /** {@link AnomalyRule#ASSIGNED_IP_NOT_IN_SPEC}: one per EgressIP and stray assigned IP. */
  public static List<Anomaly> assignedIpNotInSpec(ClusterSnapshot s) {
    List<Anomaly> out = new ArrayList<>();
    for (EgressIpState e : byName(s)) {
      for (EgressIpAssignment a : e.assignments()) {
        if (!e.egressIPs().contains(a.egressIP())) {
          out.add(
              new Anomaly(
                  AnomalyRule.ASSIGNED_IP_NOT_IN_SPEC,
                  s.cluster(),
                  List.of(e.name()),
                  List.of(a.egressIP()),
                  List.of(a.node()),
                  null,
                  null,
                  "EgressIP "
                      + e.name()
                      + " has "
                      + a.egressIP()
                      + " assigned on node "
                      + a.node()
                      + " but spec.egressIPs is "
                      + e.egressIPs()
                      + ": the status kept an old IP"));
        }
      }
    }
    return out;
  }

  /** {@link AnomalyRule#IP_ASSIGNED_TO_TWO_NODES}: one per IP in the status of several nodes. */
  public static List<Anomaly> ipAssignedToTwoNodes(ClusterSnapshot s) {
    Map<String, Set<String>> nodes = new TreeMap<>();
    Map<String, Set<String>> owners = new TreeMap<>();
    for (EgressIpState e : s.egressIps()) {
      for (EgressIpAssignment a : e.assignments()) {
        nodes.computeIfAbsent(a.egressIP(), k -> new TreeSet<>()).add(a.node());
        owners.computeIfAbsent(a.egressIP(), k -> new TreeSet<>()).add(e.name());
      }
    }
    List<Anomaly> out = new ArrayList<>();
    nodes.forEach(
        (ip, n) -> {
          if (n.size() > 1) {
            out.add(
                new Anomaly(
                    AnomalyRule.IP_ASSIGNED_TO_TWO_NODES,
                    s.cluster(),
                    List.copyOf(owners.get(ip)),
                    List.of(ip),
                    List.copyOf(n),
                    null,
                    null,
                    ip
                        + " is assigned to "
                        + n.size()
                        + " nodes ("
                        + String.join(", ", n)
                        + "): which one SNATs its traffic is undefined"));
          }
        });
    return out;
  }

  /**
   * {@link AnomalyRule#IP_CLAIMED_BY_TWO_EGRESSIPS}: one per IP that several EgressIP objects name
   * in {@code spec.egressIPs} or hold in their status.
   */
  public static List<Anomaly> ipClaimedByTwoEgressIps(ClusterSnapshot s) {
    Map<String, Set<String>> claims = new TreeMap<>();
    for (EgressIpState e : s.egressIps()) {
      e.egressIPs().forEach(ip -> claims.computeIfAbsent(ip, k -> new TreeSet<>()).add(e.name()));
      e.assignments()
          .forEach(a -> claims.computeIfAbsent(a.egressIP(), k -> new TreeSet<>()).add(e.name()));
    }
    List<Anomaly> out = new ArrayList<>();
    claims.forEach(
        (ip, names) -> {
          if (names.size() > 1) {
            out.add(
                new Anomaly(
                    AnomalyRule.IP_CLAIMED_BY_TWO_EGRESSIPS,
                    s.cluster(),
                    List.copyOf(names),
                    List.of(ip),
                    null,
                    null,
                    null,
                    ip
                        + " is claimed by EgressIPs "
                        + String.join(", ", names)
                        + ": a hit from it cannot be told apart"));
          }
        });
    return out;
  }

  /**
   * {@link AnomalyRule#NAMESPACE_SELECTED_TWICE} and {@link AnomalyRule#POD_SELECTED_TWICE}: a
   * namespace that two or more EgressIPs without podSelector select is one anomaly; otherwise the
   * pods (not on the host network, not terminated) that two or more EgressIPs select are one
   * anomaly per namespace and set of EgressIPs.
   */
  public static List<Anomaly> selectedTwice(ClusterSnapshot s) {
    return selectedTwice(s, Facts.of(s));
  }

  private static List<Anomaly> selectedTwice(ClusterSnapshot s, Facts facts) {
    List<Anomaly> out = new ArrayList<>();
    for (Map.Entry<String, List<EgressIpState>> entry : facts.selecting().entrySet()) {
      List<EgressIpState> selecting = entry.getValue();
      if (selecting.size() < 2) {
        continue;
      }
      NamespaceState ns = s.namespace(entry.getKey());
      List<String> whole =
          selecting.stream()
              .filter(e -> e.podSelector() == null || e.podSelector().selectsEverything())
              .map(EgressIpState::name)
              .toList();
      if (whole.size() > 1) {
        out.add(
            new Anomaly(
                AnomalyRule.NAMESPACE_SELECTED_TWICE,
                s.cluster(),
                whole,
                null,
                null,
                List.of(ns.name()),
                null,
                "namespace "
                    + ns.name()
                    + " is selected by EgressIPs "
                    + String.join(", ", whole)
                    + ": which one its pods leave through is undefined"));
        continue;
      }
      Map<List<String>, List<PodRef>> bySet = new LinkedHashMap<>();
      for (PodState p : facts.podsByNamespace().getOrDefault(ns.name(), List.of())) {
        List<String> names =
            selecting.stream().filter(e -> e.selects(p, ns)).map(EgressIpState::name).toList();
        if (names.size() > 1) {
          bySet
              .computeIfAbsent(names, k -> new ArrayList<>())
              .add(new PodRef(p.namespace(), p.name()));
        }
      }
      bySet.forEach(
          (names, pods) ->
              out.add(
                  new Anomaly(
                      AnomalyRule.POD_SELECTED_TWICE,
                      s.cluster(),
                      names,
                      null,
                      null,
                      List.of(ns.name()),
                      pods,
                      pods.size()
                          + " pod(s) of namespace "
                          + ns.name()
                          + " are selected by EgressIPs "
                          + String.join(", ", names)
                          + ": which one they leave through is undefined")));
    }
    return out;
  }

  /**
   * {@link AnomalyRule#UNASSIGNED_WITH_RUNNING_PODS}: one per EgressIP without assigned IP that
   * selects pods in phase {@code Running} (not on the host network).
   */
  public static List<Anomaly> unassignedWithRunningPods(ClusterSnapshot s) {
    return unassignedWithRunningPods(s, Facts.of(s));
  }

  private static List<Anomaly> unassignedWithRunningPods(ClusterSnapshot s, Facts facts) {
    Map<EgressIpState, List<String>> namespacesOf = new LinkedHashMap<>();
    facts
        .selecting()
        .forEach(
            (ns, egressIps) ->
                egressIps.stream()
                    .filter(e -> !e.assigned())
                    .forEach(e -> namespacesOf.computeIfAbsent(e, k -> new ArrayList<>()).add(ns)));
    List<Anomaly> out = new ArrayList<>();
    for (EgressIpState e : byName(s)) {
      if (e.assigned() || !namespacesOf.containsKey(e)) {
        continue;
      }
      List<PodRef> running = new ArrayList<>();
      Set<String> namespaces = new TreeSet<>();
      for (String name : namespacesOf.get(e)) {
        NamespaceState ns = s.namespace(name);
        for (PodState p : facts.podsByNamespace().getOrDefault(name, List.of())) {
          if ("Running".equals(p.phase()) && e.selects(p, ns)) {
            running.add(new PodRef(p.namespace(), p.name()));
            namespaces.add(p.namespace());
          }
        }
      }
      if (!running.isEmpty()) {
        out.add(
            new Anomaly(
                AnomalyRule.UNASSIGNED_WITH_RUNNING_PODS,
                s.cluster(),
                List.of(e.name()),
                e.egressIPs(),
                null,
                List.copyOf(namespaces),
                running,
                "EgressIP "
                    + e.name()
                    + " has no assigned IP while "
                    + running.size()
                    + " pod(s) it selects are running (namespaces "
                    + String.join(", ", namespaces)
                    + "): they leave with node IPs"));
      }
    }
    return out;
  }

  private static List<NodeState> assignable(ClusterSnapshot s) {
    List<NodeState> l = new ArrayList<>();
    for (NodeState n : s.nodes()) {
      if (n.egressAssignable()) {
        l.add(n);
      }
    }
    l.sort(Comparator.comparing(NodeState::name));
    return l;
  }

  /**
   * {@link AnomalyRule#SINGLE_EGRESS_NODE}: at most one, when the cluster has EgressIPs and exactly
   * one egress-assignable node.
   */
  public static List<Anomaly> singleEgressNode(ClusterSnapshot s) {
    List<NodeState> nodes = assignable(s);
    if (s.egressIps().isEmpty() || nodes.size() != 1) {
      return List.of();
    }
    String node = nodes.get(0).name();
    return List.of(
        new Anomaly(
            AnomalyRule.SINGLE_EGRESS_NODE,
            s.cluster(),
            byName(s).stream().map(EgressIpState::name).toList(),
            null,
            List.of(node),
            null,
            null,
            "only node "
                + node
                + " is labelled "
                + NodeState.EGRESS_ASSIGNABLE_LABEL
                + ": its egress IPs cannot fail over"));
  }

  /**
   * {@link AnomalyRule#EGRESS_IP_OUTSIDE_NODE_SUBNETS}: one per EgressIP and IP of {@code
   * spec.egressIPs} that no egress-assignable node's subnet ({@link NodeState#subnets()}, of the
   * same address family) contains. Says nothing when no such node has a known subnet.
   */
  public static List<Anomaly> egressIpOutsideNodeSubnets(ClusterSnapshot s) {
    List<NodeState> nodes = assignable(s);
    List<String> names = new ArrayList<>();
    List<IPAddress> blocks = new ArrayList<>();
    for (NodeState n : nodes) {
      for (String cidr : n.subnets()) {
        IPAddress block = new IPAddressString(cidr).getAddress();
        if (block != null && block.getNetworkPrefixLength() != null) {
          blocks.add(block.toPrefixBlock());
          names.add(n.name());
        }
      }
    }
    List<Anomaly> out = new ArrayList<>();
    for (EgressIpState e : byName(s)) {
      for (String ip : e.egressIPs()) {
        IPAddress address = new IPAddressString(ip).getAddress();
        if (address == null) {
          continue;
        }
        boolean sameFamily = false;
        boolean inside = false;
        for (IPAddress b : blocks) {
          if (b.getIPVersion() == address.getIPVersion()) {
            sameFamily = true;
            inside |= b.contains(address);
          }
        }
        if (sameFamily && !inside) {
          out.add(
              new Anomaly(
                  AnomalyRule.EGRESS_IP_OUTSIDE_NODE_SUBNETS,
                  s.cluster(),
                  List.of(e.name()),
                  List.of(ip),
                  null,
                  null,
                  null,
                  "egress IP "
                      + ip
                      + " of EgressIP "
                      + e.name()
                      + " is outside the subnet of every egress-assignable node ("
                      + String.join(", ", new TreeSet<>(names))
                      + "): no node can host it"));
        }
      }
    }
    return out;
  }

  /**
   * {@link AnomalyRule#ASSIGNED_NODE_NOT_READY} and {@link
   * AnomalyRule#ASSIGNED_NODE_NOT_ASSIGNABLE}: one per assignment whose node is NotReady (or gone),
   * or no longer labelled egress-assignable; the status has not moved yet.
   */
  public static List<Anomaly> assignedNodeUnfit(ClusterSnapshot s) {
    Map<String, NodeState> nodes = new TreeMap<>();
    s.nodes().forEach(n -> nodes.put(n.name(), n));
    List<Anomaly> out = new ArrayList<>();
    for (EgressIpState e : byName(s)) {
      for (EgressIpAssignment a : e.assignments()) {
        NodeState n = nodes.get(a.node());
        if (n == null || !n.ready()) {
          out.add(
              new Anomaly(
                  AnomalyRule.ASSIGNED_NODE_NOT_READY,
                  s.cluster(),
                  List.of(e.name()),
                  List.of(a.egressIP()),
                  List.of(a.node()),
                  null,
                  null,
                  a.egressIP()
                      + " of EgressIP "
                      + e.name()
                      + " is assigned to node "
                      + a.node()
                      + (n == null ? ", which no longer exists" : ", which is NotReady")
                      + ": its traffic may be dropped until the IP moves"));
        } else if (!n.egressAssignable()) {
          out.add(
              new Anomaly(
                  AnomalyRule.ASSIGNED_NODE_NOT_ASSIGNABLE,
                  s.cluster(),
                  List.of(e.name()),
                  List.of(a.egressIP()),
                  List.of(a.node()),
                  null,
                  null,
                  a.egressIP()
                      + " of EgressIP "
                      + e.name()
                      + " is assigned to node "
                      + a.node()
                      + ", which is no longer labelled "
                      + NodeState.EGRESS_ASSIGNABLE_LABEL
                      + ": the status has not moved yet"));
        }
      }
    }
    return out;
  }
}
