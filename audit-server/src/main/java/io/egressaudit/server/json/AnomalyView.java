package io.egressaudit.server.json;

import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.anomaly.Anomaly;
import io.egressaudit.correlator.anomaly.AnomalyRule;
import java.time.Instant;
import java.util.List;

/**
 * One anomaly in {@code GET /api/v1/anomalies} and {@code egress-audit anomalies -o json}: the
 * {@link Anomaly}'s fields, with when it began.
 *
 * @param rule the rule that found it
 * @param cluster the cluster
 * @param egressIPs the EgressIP objects concerned
 * @param ips the egress IPs concerned
 * @param nodes the nodes concerned
 * @param namespaces the namespaces concerned
 * @param pods the pods concerned
 * @param message what is wrong, for people
 * @param since when it began, as the cluster's history tells (the server's fact, the same for every
 *     reader): the earliest change of the cluster from which on the same rule has found it on the
 *     same EgressIPs, IPs, nodes and namespaces (its pods may have come and gone), or where history
 *     starts when it held from there; absent from a command, which reads history at the time asked
 *     only
 */
public record AnomalyView(
    AnomalyRule rule,
    String cluster,
    List<String> egressIPs,
    List<String> ips,
    List<String> nodes,
    List<String> namespaces,
    List<PodRef> pods,
    String message,
    Instant since) {

  /** The view of an anomaly that began at {@code since} (null: not known). */
  public static AnomalyView of(Anomaly a, Instant since) {
    return new AnomalyView(
        a.rule(),
        a.cluster(),
        a.egressIPs(),
        a.ips(),
        a.nodes(),
        a.namespaces(),
        a.pods(),
        a.message(),
        since);
  }
}
