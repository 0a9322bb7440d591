package io.egressaudit.correlator.anomaly;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.PodRef;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * One thing wrong in a cluster's state at a time, found by an {@link AnomalyRule}. Two anomalies
 * are the same anomaly (one that goes on) when they are equal.
 *
 * @param rule the rule that found it
 * @param cluster the cluster
 * @param egressIPs the EgressIP objects concerned (names, sorted); never null
 * @param ips the egress IPs concerned (canonical, sorted); never null
 * @param nodes the nodes concerned (names, sorted); never null
 * @param namespaces the namespaces concerned (sorted); never null
 * @param pods the pods concerned, sorted by namespace and name; never null
 * @param message a sentence for people saying what is wrong and what follows from it
 */
public record Anomaly(
    AnomalyRule rule,
    String cluster,
    List<String> egressIPs,
    List<String> ips,
    List<String> nodes,
    List<String> namespaces,
    List<PodRef> pods,
    String message) {

  /** Sorts and copies the lists; null becomes empty. */
  public Anomaly {
    Objects.requireNonNull(rule, "rule");
    egressIPs = sorted(egressIPs);
    ips = sorted(ips);
    nodes = sorted(nodes);
    namespaces = sorted(namespaces);
    pods =
        pods == null
            ? List.of()
            : pods.stream()
                .sorted(
                    java.util.Comparator.comparing(PodRef::namespace).thenComparing(PodRef::name))
                .toList();
  }

  private static List<String> sorted(Collection<String> l) {
    return l == null ? List.of() : l.stream().distinct().sorted().toList();
  }

  /**
   * Tells whether a whois match concerns this anomaly: same cluster, and the match's egress IP (the
   * source IP asked about), EgressIP object, node or one of its namespaces is among those
   * concerned.
   *
   * @param ip the canonical source IP the match answers for
   * @param match the match
   */
  public boolean concerns(String ip, Attribution match) {
    if (match.cluster() == null || !match.cluster().equals(cluster)) {
      return false;
    }
    return ips.contains(ip)
        || (match.egressIP() != null && egressIPs.contains(match.egressIP()))
        || (match.node() != null && nodes.contains(match.node()))
        || match.namespaces().stream().anyMatch(namespaces::contains);
  }
}
