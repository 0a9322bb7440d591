package io.egressaudit.server.json;

import io.egressaudit.correlator.AttributionKind;
import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code sources --all-namespaces --since T} and {@code GET /api/v1/sources?since=T}:
 * every source IP each namespace's traffic had to leave with over a period, with the spans it had
 * to, across clusters. Keyed as {@link SourceHistoryView}, with the namespace in each span instead
 * of once.
 *
 * @param since the start of the period
 * @param until the end of the period (the time of the answer)
 * @param sources one per (namespace, cluster, IP, span), sorted by namespace, cluster, start, then
 *     IP
 * @param notes what made the answer partial, each starting with {@code cluster/NAME:} when it is
 *     about one cluster
 */
public record AllNamespacesSourceHistoryView(
    Instant since, Instant until, List<NamespaceSpan> sources, List<String> notes) {

  /**
   * One source IP of one namespace and when it had to leave with it: {@link
   * SourceHistoryView.SourceSpanView} with its namespace first.
   *
   * @param namespace the namespace
   * @param cluster the cluster
   * @param ip canonical source IP
   * @param kind {@code egress-ip} or {@code node}
   * @param egressIP the EgressIP object's name, for {@code egress-ip}
   * @param node the egress node holding the IP, or the node whose IP it is
   * @param from when it began (or the start of the period)
   * @param until when it ended; absent (null) while it still holds at the end of the period
   */
  public record NamespaceSpan(
      String namespace,
      String cluster,
      String ip,
      AttributionKind kind,
      String egressIP,
      String node,
      Instant from,
      Instant until) {}
}
