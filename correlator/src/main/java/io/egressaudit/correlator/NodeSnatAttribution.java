package io.egressaudit.correlator;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

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
    TreeSet<String> candidates = new TreeSet<>();
    List<PodRef> candidatePods = new ArrayList<>();
    TreeSet<String> carried = new TreeSet<>();
    java.util.Map<String, TreeSet<String>> carriers = new java.util.HashMap<>();
    TreeSet<String> withoutObject = new TreeSet<>();
    boolean anyAssigned = selection.anyAssigned();
    // per namespace of the node's pods: its state and the assigned EgressIPs selecting it
    java.util.Map<String, Selected> byNamespace = new java.util.HashMap<>();
    for (PodState p : podsOnNode) {
      if (!p.active()) {
        continue;
      }
      Selected selected =
          byNamespace.computeIfAbsent(
              p.namespace(), n -> Selected.of(namespaceOf.apply(n), selection));
      List<String> via = carriers(selected, p);
      if (!via.isEmpty()) {
        carried.add(p.namespace());
        carriers.computeIfAbsent(p.namespace(), k -> new TreeSet<>()).addAll(via);
      } else {
        candidates.add(p.namespace());
        candidatePods.add(new PodRef(p.namespace(), p.name()));
        if (anyAssigned && !p.hostNetwork() && selected.namespace() == null) {
          withoutObject.add(p.namespace());
        }
      }
    }
    List<PodRef> pods = sortedDistinct(candidatePods);
    // A namespace with pods that use the node IP legitimately is a candidate, not a leak suspect:
    // its traffic with this IP is expected even if some other pod of it is carried.
    carried.removeAll(candidates);
    TreeSet<String> leakVia = new TreeSet<>();
    carried.forEach(ns -> leakVia.addAll(carriers.get(ns)));
    boolean ambiguous = candidates.size() > 1;
    return Attribution.builder(AttributionKind.NODE)
        .cluster(cluster)
        .node(node.name())
        .namespaces(List.copyOf(candidates))
        .pods(Attribution.capped(pods))
        .since(since)
        .ambiguous(ambiguous)
        .leakSuspects(carried.isEmpty() ? null : List.copyOf(carried))
        .note(note(node, candidates, carried, withoutObject))
        .leakEgressIPs(carried.isEmpty() ? null : List.copyOf(leakVia))
        .podCount(pods.size())
        .build();
  }

  /**
   * A namespace's state (null when unknown) and the assigned EgressIPs whose selector it matches.
   */
  private record Selected(NamespaceState namespace, List<EgressIpState> assigned) {
    static Selected of(NamespaceState ns, EgressSelection selection) {
      return new Selected(ns, ns == null ? List.of() : selection.assignedSelecting(ns));
    }
  }

  /** The assigned EgressIPs that select the pod (names); empty when the node IP is its source. */
  private static List<String> carriers(Selected selected, PodState p) {
    if (selected.assigned().isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(1);
    for (EgressIpState e : selected.assigned()) {
      if (e.selects(p, selected.namespace())) {
        out.add(e.name());
      }
    }
    return out;
  }

  /** The pods sorted by namespace and name, each once. */
  private static List<PodRef> sortedDistinct(List<PodRef> pods) {
    pods.sort(null);
    List<PodRef> out = new ArrayList<>(pods.size());
    for (PodRef p : pods) {
      if (out.isEmpty() || !out.get(out.size() - 1).equals(p)) {
        out.add(p);
      }
    }
    return out;
  }

  private static String note(
      NodeState node,
      TreeSet<String> candidates,
      TreeSet<String> carried,
      TreeSet<String> withoutObject) {
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
              + (carried.isEmpty() ? "" : ", or a leak from " + String.join(", ", carried)));
    }
    if (!candidates.isEmpty() && !carried.isEmpty()) {
      parts.add(
          String.join(", ", carried)
              + " should leave through an egress IP; traffic from them with this IP would be a leak");
    }
    if (!withoutObject.isEmpty()) {
      parts.add(
          String.join(", ", withoutObject)
              + " have pods on this node but no Namespace object in the cluster state: an"
              + " EgressIP may carry them, which the state cannot tell; counted as leaving with"
              + " the node IP");
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }
}
