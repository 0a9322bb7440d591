package io.egressaudit.correlator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Maps a source IP to its owners with the attribution rules of the design: {@code egress-ip},
 * {@code egress-ip-unassigned}, {@code node}, {@code pod}, else {@code unknown}. Every rule that
 * holds gives a match; the rules read only the snapshot, so the same call answers for any past time
 * given the snapshot valid then.
 */
public final class Correlator {

  private Correlator() {}

  /**
   * Attributes a source IP across clusters.
   *
   * @param ip the source IP, any literal form ({@code ::ffff:a.b.c.d} is {@code a.b.c.d})
   * @param at the time the IP was seen; only echoed in the result, the snapshots must be those
   *     valid at that time
   * @param snapshots one snapshot per cluster, valid at {@code at}
   * @return the matches of every cluster, or a single {@code unknown} match
   * @throws IllegalArgumentException when {@code ip} is not an IP address literal
   */
  public static WhoisResult whois(String ip, Instant at, Collection<ClusterSnapshot> snapshots) {
    String canonical = SourceIp.canonical(ip);
    List<Attribution> matches = new ArrayList<>();
    for (ClusterSnapshot s : snapshots) {
      matches.addAll(attribute(canonical, s));
    }
    if (matches.isEmpty()) {
      matches.add(Attribution.UNKNOWN);
    }
    return new WhoisResult(canonical, at, matches);
  }

  /**
   * Attributes a canonical source IP within one cluster.
   *
   * @param ip canonical text as {@link SourceIp#canonical(String)} returns it
   * @param s the cluster's state at the time the IP was seen
   * @return the matches, in rule order; empty when no rule holds in this cluster
   */
  public static List<Attribution> attribute(String ip, ClusterSnapshot s) {
    List<Attribution> nodeMatches = new ArrayList<>(1);
    for (NodeState n : s.nodesWithAddress(ip)) {
      nodeMatches.add(NodeSnatAttribution.of(s, n));
    }
    return attribute(ip, s, nodeMatches);
  }

  /**
   * Attributes a canonical source IP within one cluster, with the {@code node} rule's matches
   * worked out by the caller ({@link NodeSnatAttribution} on the nodes having the IP at that time,
   * sorted by node name): the timeline applies that rule to the node's pods without building a
   * snapshot of them. The other rules read {@code s}, which then need not hold the nodes.
   *
   * @param ip canonical source IP
   * @param s the state the other rules read
   * @param nodeMatches the {@code node} matches, in node name order
   * @return the matches, in rule order
   */
  static List<Attribution> attribute(String ip, ClusterSnapshot s, List<Attribution> nodeMatches) {
    List<Attribution> matches = new ArrayList<>();
    List<EgressIpState> egressIps = s.egressIps();
    egressMatches(
        ip,
        s.cluster(),
        egressIps,
        k -> Owners.of(s, egressIps.get(k)),
        k -> s.since(egressIps.get(k).ref()),
        s::namespacesWithoutObject,
        matches);
    matches.addAll(nodeMatches);
    for (PodState p : s.podsWithIp(ip)) {
      if (p.active()) {
        matches.add(podMatch(s, p));
      }
    }
    return matches;
  }

  /**
   * The EgressIP rules' matches for an IP, in rule order: for each EgressIP in the given order, one
   * {@code egress-ip} match per assignment of the IP; then for each EgressIP that lists the IP in
   * {@code spec.egressIPs} without it being assigned, one {@code egress-ip-unassigned} match. What
   * a match reads beyond the EgressIP comes from the caller, asked only for EgressIPs that match:
   * the whole snapshot's, or the timeline's kept readings.
   *
   * @param egressIps the EgressIP states valid then, in the order of a snapshot's (by name)
   * @param owners the owners of the EgressIP at an index of {@code egressIps}
   * @param since when the state at an index began, or null when unknown
   * @param namespacesWithoutObject the namespaces with pods but no Namespace object then, sorted
   * @param into where the matches are added
   */
  static void egressMatches(
      String ip,
      String cluster,
      List<EgressIpState> egressIps,
      java.util.function.IntFunction<Owners> owners,
      java.util.function.IntFunction<Instant> since,
      java.util.function.Supplier<List<String>> namespacesWithoutObject,
      List<Attribution> into) {
    for (int k = 0; k < egressIps.size(); k++) {
      EgressIpState e = egressIps.get(k);
      for (EgressIpAssignment a : e.assignments()) {
        if (a.egressIP().equals(ip)) {
          into.add(
              egressIpMatch(
                  cluster, e, a, owners.apply(k), since.apply(k), namespacesWithoutObject.get()));
        }
      }
    }
    for (int k = 0; k < egressIps.size(); k++) {
      EgressIpState e = egressIps.get(k);
      boolean assigned = e.assignments().stream().anyMatch(a -> a.egressIP().equals(ip));
      if (!assigned && e.egressIPs().contains(ip)) {
        into.add(
            unassignedMatch(
                cluster, e, owners.apply(k), since.apply(k), namespacesWithoutObject.get()));
      }
    }
  }

  /**
   * The {@code egress-ip} match of an assigned egress IP, from what it reads: the EgressIP's
   * owners, when its state began, and the namespaces with pods but no Namespace object then
   * (sorted).
   */
  private static Attribution egressIpMatch(
      String cluster,
      EgressIpState e,
      EgressIpAssignment a,
      Owners owners,
      Instant since,
      List<String> namespacesWithoutObject) {
    List<String> assigned = e.assignments().stream().map(EgressIpAssignment::egressIP).toList();
    return Attribution.builder(AttributionKind.EGRESS_IP)
        .cluster(cluster)
        .egressIP(e.name())
        .node(a.node())
        .namespaces(owners.namespaces())
        .pods(Attribution.capped(owners.pods()))
        .since(since)
        .assignedIPs(assigned)
        .note(namespacesNote(namespacesWithoutObject))
        .podCount(owners.pods().size())
        .build();
  }

  /**
   * Says that the owners may be incomplete because pods are in namespaces the state has no
   * Namespace object for (their labels are unknown); null when the state has them all.
   */
  private static String namespacesNote(List<String> missing) {
    if (missing.isEmpty()) {
      return null;
    }
    return "the cluster state has no Namespace object for "
        + missing.size()
        + (missing.size() == 1 ? " namespace" : " namespaces")
        + " with pods ("
        + String.join(", ", missing.size() > 10 ? missing.subList(0, 10) : missing)
        + (missing.size() > 10 ? ", ..." : "")
        + "): the namespaceSelector cannot be checked against them, so owners may be missing";
  }

  /**
   * The {@code egress-ip-unassigned} match of an IP in an EgressIP's {@code spec.egressIPs} that is
   * not assigned, from what it reads (as {@link #egressIpMatch}).
   */
  private static Attribution unassignedMatch(
      String cluster,
      EgressIpState e,
      Owners owners,
      Instant since,
      List<String> namespacesWithoutObject) {
    String note =
        e.assigned()
            ? "listed in spec.egressIPs of "
                + e.name()
                + " but not assigned; the object's traffic"
                + " leaves through its other assigned IPs"
            : "listed in spec.egressIPs of "
                + e.name()
                + " but assigned to no egress node: the"
                + " selected pods leave with their node IP; traffic from this IP may come from a"
                + " stale assignment or a status not yet written";
    String missing = namespacesNote(namespacesWithoutObject);
    if (missing != null) {
      note = note + "; " + missing;
    }
    return Attribution.builder(AttributionKind.EGRESS_IP_UNASSIGNED)
        .cluster(cluster)
        .egressIP(e.name())
        .namespaces(owners.namespaces())
        .pods(Attribution.capped(owners.pods()))
        .since(since)
        .note(note)
        .podCount(owners.pods().size())
        .build();
  }

  private static Attribution podMatch(ClusterSnapshot s, PodState p) {
    return Attribution.builder(AttributionKind.POD)
        .cluster(s.cluster())
        .node(p.nodeName())
        .namespaces(List.of(p.namespace()))
        .pods(List.of(new PodRef(p.namespace(), p.name())))
        .since(s.since(p.ref()))
        .build();
  }

  /** The namespaces an EgressIP's namespaceSelector matches and the active pods it selects. */
  record Owners(List<String> namespaces, List<PodRef> pods) {

    static Owners of(ClusterSnapshot s, EgressIpState e) {
      TreeSet<String> namespaces = new TreeSet<>();
      for (NamespaceState ns : s.namespaces()) {
        if (e.selects(ns)) {
          namespaces.add(ns.name());
        }
      }
      TreeSet<PodRef> pods = new TreeSet<>();
      for (PodState p : s.pods()) {
        if (p.active()
            && namespaces.contains(p.namespace())
            && e.selects(p, s.namespace(p.namespace()))) {
          pods.add(new PodRef(p.namespace(), p.name()));
        }
      }
      return new Owners(List.copyOf(namespaces), List.copyOf(pods));
    }
  }
}
