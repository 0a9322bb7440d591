package io.egressaudit.correlator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The source IPs a namespace must leave with at a time: the inverse of attribution, for the
 * firewall team's question "which source IPs must my rule for this namespace allow?" and for
 * probes' expectations.
 *
 * <p>Per active pod ({@link PodState#active()}: it has an IP or is {@code Running}; a pod that is
 * still starting only gets a note): a hostNetwork pod leaves with its node's IPs; a pod selected by
 * an EgressIP with assigned IPs leaves with every assigned IP of that object (ECMP spreads it over
 * all of them); any other pod leaves with its node's IPs. An EgressIP that selects the namespace
 * but has no assigned IP is reported as a note, since its pods fall back to node IPs until it is
 * assigned.
 *
 * @param cluster the cluster
 * @param namespace the namespace asked about
 * @param sources the expected source IPs, sorted by IP; empty when the namespace has no active pod
 * @param notes anomalies worth a person's attention
 */
public record NamespaceSources(
    String cluster, String namespace, List<ExpectedSource> sources, List<String> notes) {

  /** Copies the lists. */
  public NamespaceSources {
    sources = List.copyOf(sources);
    notes = List.copyOf(notes);
  }

  /**
   * Works out the expected source IPs of a namespace.
   *
   * @param namespace the namespace's name
   * @param s the cluster's state at the time asked about
   * @return the sources; a note says when the namespace does not exist
   */
  public static NamespaceSources of(String namespace, ClusterSnapshot s) {
    List<String> notes = new ArrayList<>();
    NamespaceState ns = s.namespace(namespace);
    if (ns == null) {
      notes.add(
          "namespace " + namespace + " does not exist in cluster " + s.cluster() + " at that time");
      return new NamespaceSources(s.cluster(), namespace, List.of(), notes);
    }
    Map<String, Builder> byIp = new TreeMap<>();
    for (PodState p : s.pods()) {
      if (!p.namespace().equals(namespace)) {
        continue;
      }
      if (p.starting()) {
        notes.add(
            p.nodeName() == null
                ? "pod "
                    + p.name()
                    + " is not scheduled yet: its source IP will be that of the node it lands on"
                : "pod "
                    + p.name()
                    + " is starting on node "
                    + p.nodeName()
                    + " and has no IP yet: it sends nothing until it has one");
      }
      if (!p.active()) {
        continue;
      }
      PodRef ref = new PodRef(p.namespace(), p.name());
      EgressIpState carrier = carrier(s, p, ns);
      if (carrier != null) {
        for (EgressIpAssignment a : carrier.assignments()) {
          byIp.computeIfAbsent(
                  a.egressIP(),
                  ip -> new Builder(ip, AttributionKind.EGRESS_IP, carrier.name(), a.node()))
              .pods
              .add(ref);
        }
      } else if (p.nodeName() != null) {
        for (NodeState n : s.nodes()) {
          if (n.name().equals(p.nodeName())) {
            n.addresses()
                .forEach(
                    ip ->
                        byIp.computeIfAbsent(
                                ip, k -> new Builder(ip, AttributionKind.NODE, null, n.name()))
                            .pods
                            .add(ref));
          }
        }
      }
    }
    for (EgressIpState e : s.egressIps()) {
      if (!e.assigned() && e.selects(ns)) {
        notes.add(
            "EgressIP "
                + e.name()
                + " selects "
                + namespace
                + " but has no assigned IP: its pods leave with"
                + " their node IPs until one of "
                + e.egressIPs()
                + " is assigned");
      }
    }
    List<ExpectedSource> sources = new ArrayList<>();
    byIp.values()
        .forEach(
            b ->
                sources.add(
                    new ExpectedSource(
                        s.cluster(), b.ip, b.kind, b.egressIP, b.node, List.copyOf(b.pods))));
    return new NamespaceSources(s.cluster(), namespace, sources, notes);
  }

  /** The assigned EgressIP that SNATs the pod, or null; the first by name when several do. */
  private static EgressIpState carrier(ClusterSnapshot s, PodState p, NamespaceState ns) {
    EgressIpState found = null;
    for (EgressIpState e : s.egressIps()) {
      if (e.assigned()
          && e.selects(p, ns)
          && (found == null || e.name().compareTo(found.name()) < 0)) {
        found = e;
      }
    }
    return found;
  }

  private static final class Builder {
    final String ip;
    final AttributionKind kind;
    final String egressIP;
    final String node;
    final TreeSet<PodRef> pods = new TreeSet<>();

    Builder(String ip, AttributionKind kind, String egressIP, String node) {
      this.ip = ip;
      this.kind = kind;
      this.egressIP = egressIP;
      this.node = node;
    }
  }
}
