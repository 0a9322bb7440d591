package io.egressaudit.server.json;

import io.egressaudit.correlator.Attribution;
import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code timeline IP} and {@code GET /api/v1/ips/{ip}/timeline}: every owner a source
 * IP has had over a period, with the span each held it, as the attribution rules name it. An egress
 * node failover shows as two rows: the same EgressIP on one node, then on the other.
 *
 * @param ip canonical source IP
 * @param since the start of the period: the time asked, or where history starts when none was
 * @param until the end of the period (the time of the answer)
 * @param owners in the order they began; consecutive times with the same owner (all but its pods,
 *     which come and go) are one row; empty when no rule attributed the IP in the period
 * @param notes what made the answer partial (no history, history starting after {@code since})
 */
public record IpTimelineView(
    String ip, Instant since, Instant until, List<OwnerSpanView> owners, List<String> notes) {

  /**
   * One owner and the span it held the IP.
   *
   * @param from when it began (or the start of the period)
   * @param until when it ended; absent (null) while it still holds at the end of the period
   * @param owner the match, with the pods as at {@code from}
   */
  public record OwnerSpanView(Instant from, Instant until, Attribution owner) {}
}
