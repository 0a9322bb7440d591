package io.egressaudit.server.json;

import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.ObjectKind;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One cluster in {@code GET /api/v1/clusters} and {@code egress-audit clusters}: its source, what
 * its history covers and, in the server, its live sync state. The sync fields are those of {@link
 * SourceView}, with the same names, absent for a cluster the server was not given (imported by
 * {@code cluster import}) and always absent from the command, which cannot know them.
 *
 * @param cluster the cluster's name
 * @param source where its facts come from: {@code kubernetes URL} (a live context), a file path,
 *     {@code bundled:...}; for a cluster the server was not given, the source of its latest import
 * @param state see {@link SourceView#state()}; absent when unknown here
 * @param status see {@link SourceView#status()}; absent when unknown here
 * @param since see {@link SourceView#since()}
 * @param reason see {@link SourceView#reason()}
 * @param lastSynced see {@link SourceView#lastSynced()}
 * @param secondsSinceSync see {@link SourceView#secondsSinceSync()}
 * @param watchRestarts see {@link SourceView#watchRestarts()}
 * @param egressIPs see {@link SourceView#egressIPs()}
 * @param lastRelist see {@link SourceView#lastRelist()}
 * @param historyFrom the earliest time history knows the cluster's state at; absent when none
 * @param lastChange the latest time a state began or ended; absent when none
 * @param objects objects valid now, by kind ({@code Node}, {@code Namespace}, {@code Pod}, {@code
 *     EgressIP}); absent when the cluster has no history
 * @param intervals stored states (history rows) of the cluster; absent when none
 * @param lastRecorded when its state was last recorded from a file or a {@code cluster import} (its
 *     latest snapshot); absent for a live cluster or one never imported
 * @param stateAge when that is more than an hour ago and no source of this server keeps the cluster
 *     current, the note whois gives its matches: {@code state of cluster C last recorded at T (N
 *     days before the time asked)}, the time asked being now; absent otherwise
 */
public record ClusterView(
    String cluster,
    String source,
    String state,
    String status,
    Instant since,
    String reason,
    Instant lastSynced,
    Double secondsSinceSync,
    Long watchRestarts,
    String egressIPs,
    String lastRelist,
    Instant historyFrom,
    Instant lastChange,
    Map<String, Integer> objects,
    Long intervals,
    Instant lastRecorded,
    String stateAge) {

  /**
   * Combines what is known of a cluster.
   *
   * @param cluster the name
   * @param source where its latest import came from, or null
   * @param live its source's state in this server, or null
   * @param coverage what its history covers, or null when it has none
   */
  public static ClusterView of(
      String cluster, String source, SourceView live, AttributionTimeline.Coverage coverage) {
    return of(cluster, source, live, coverage, null, null);
  }

  /**
   * Combines what is known of a cluster, with when its state was last recorded.
   *
   * @param cluster the name
   * @param source where its latest import came from, or null
   * @param live its source's state in this server, or null
   * @param coverage what its history covers, or null when it has none
   * @param lastRecorded see {@link #lastRecorded()}, or null
   * @param stateAge see {@link #stateAge()}, or null
   */
  public static ClusterView of(
      String cluster,
      String source,
      SourceView live,
      AttributionTimeline.Coverage coverage,
      Instant lastRecorded,
      String stateAge) {
    Map<String, Integer> objects = null;
    if (coverage != null) {
      objects = new LinkedHashMap<>();
      for (ObjectKind k : ObjectKind.values()) {
        objects.put(k.kind(), coverage.objectsNow().getOrDefault(k, 0));
      }
    }
    return new ClusterView(
        cluster,
        live != null ? live.source() : source,
        live == null ? null : live.state(),
        live == null ? null : live.status(),
        live == null ? null : live.since(),
        live == null ? null : live.reason(),
        live == null ? null : live.lastSynced(),
        live == null ? null : live.secondsSinceSync(),
        live == null ? null : live.watchRestarts(),
        live == null ? null : live.egressIPs(),
        live == null ? null : live.lastRelist(),
        coverage == null ? null : coverage.firstChange(),
        coverage == null ? null : coverage.lastChange(),
        objects,
        coverage == null ? null : coverage.intervals(),
        lastRecorded,
        stateAge);
  }
}
