package io.egressaudit.server.json;

import io.egressaudit.correlator.AttributionKind;
import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code sources NAMESPACE --since T} and {@code GET
 * /api/v1/namespaces/{ns}/sources?since=T}: every source IP the namespace's traffic had to leave
 * with over a period, with the spans it had to, across clusters. A firewall rule that allowed these
 * IPs over these spans let every expected packet through.
 *
 * @param namespace the namespace
 * @param since the start of the period
 * @param until the end of the period (the time of the answer)
 * @param sources sorted by cluster, start, then IP; empty when the namespace had no active pod
 * @param notes what made the answer partial, each starting with {@code cluster/NAME:} when it is
 *     about one cluster
 */
public record SourceHistoryView(
    String namespace,
    Instant since,
    Instant until,
    List<SourceSpanView> sources,
    List<String> notes) {

  /**
   * One source IP and when the namespace had to leave with it.
   *
   * @param cluster the cluster
   * @param ip canonical source IP
   * @param kind {@code egress-ip} (an assigned EgressIP SNATs the pods to it) or {@code node}
   * @param egressIP the EgressIP object's name, for {@code egress-ip}
   * @param node the egress node holding the IP, or the node whose IP it is
   * @param from when it began (or the start of the period)
   * @param until when it ended; absent (null) while it still holds at the end of the period
   */
  public record SourceSpanView(
      String cluster,
      String ip,
      AttributionKind kind,
      String egressIP,
      String node,
      Instant from,
      Instant until) {}
}
