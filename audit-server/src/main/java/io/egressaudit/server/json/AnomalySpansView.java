package io.egressaudit.server.json;

import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.anomaly.Anomaly;
import io.egressaudit.correlator.anomaly.AnomalyRule;
import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code GET /api/v1/anomalies?since=&until=}: every anomaly that held at some time
 * of a period, with when it did. Each is keyed as in {@link AnomaliesView}, plus {@code from} and
 * {@code until}.
 *
 * @param since the start of the period (or where history starts, when not given)
 * @param until the end of the period (now, when not given)
 * @param anomalies by cluster, then start, then rule; an anomaly that ended and began again is one
 *     span each time
 * @param notes sentences about the answer (history starting within the period, or none); empty when
 *     none
 */
public record AnomalySpansView(
    Instant since, Instant until, List<AnomalySpan> anomalies, List<String> notes) {

  /**
   * One anomaly and the span it held within the period.
   *
   * @param rule the rule that found it
   * @param cluster the cluster
   * @param egressIPs the EgressIP objects concerned
   * @param ips the egress IPs concerned
   * @param nodes the nodes concerned
   * @param namespaces the namespaces concerned
   * @param pods the pods concerned
   * @param message what is wrong, for people
   * @param from when it began (or the start of the period, when it held already)
   * @param until when it ended; absent (null) while it still holds at the end of the period
   */
  public record AnomalySpan(
      AnomalyRule rule,
      String cluster,
      List<String> egressIPs,
      List<String> ips,
      List<String> nodes,
      List<String> namespaces,
      List<PodRef> pods,
      String message,
      Instant from,
      Instant until) {

    /** The span of an anomaly from {@code from} until {@code until} (null: still holds). */
    public static AnomalySpan of(Anomaly a, Instant from, Instant until) {
      return new AnomalySpan(
          a.rule(),
          a.cluster(),
          a.egressIPs(),
          a.ips(),
          a.nodes(),
          a.namespaces(),
          a.pods(),
          a.message(),
          from,
          until);
    }
  }
}
