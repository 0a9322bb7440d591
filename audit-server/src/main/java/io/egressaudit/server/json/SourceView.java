package io.egressaudit.server.json;

import io.egressaudit.controller.SourceState;
import java.time.Instant;

/**
 * One cluster source in {@code GET /api/v1/clusters}, {@code /healthz} and {@code /readyz}.
 *
 * @param cluster the cluster's name
 * @param source where its facts come from: {@code kubernetes URL}, a file path, the bundled example
 * @param state one phrase: {@code synced}, {@code syncing}, {@code stale since T: reason}
 * @param status {@code syncing}, {@code synced} or {@code stale}
 * @param since when the status began
 * @param reason why stale (or still syncing); absent when synced
 * @param lastSynced the last time the source was known in sync
 * @param secondsSinceSync seconds from {@code lastSynced} to now; absent before the first sync
 * @param watchRestarts lists after the first one (410 Gone, lost watches); live clusters only
 * @param egressIPs absent when EgressIPs are watched; else why not (no CRD, forbidden)
 * @param lastRelist what the latest list the Kubernetes client made on its own found (after a watch
 *     expired with 410 Gone, or failed), in one phrase; absent before the first
 */
public record SourceView(
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
    String lastRelist) {

  /** The view of a state at {@code now}. */
  public static SourceView of(SourceState s, Instant now) {
    return new SourceView(
        s.cluster(),
        s.source(),
        s.describe(),
        s.status().toString(),
        s.since(),
        s.reason(),
        s.lastSynced(),
        s.lastSynced() == null ? null : s.secondsSinceSync(now),
        s.source().startsWith("kubernetes") ? s.watchRestarts() : null,
        s.egressIps(),
        s.lastRelist());
  }
}
