package io.egressaudit.controller;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether the history of one cluster source (a {@code --cluster-state} file, a watched kubeconfig
 * context) can be trusted now: what {@code /healthz}, {@code GET /api/v1/clusters}, {@code /readyz}
 * and {@code /metrics} report.
 *
 * @param cluster the cluster the source records history for
 * @param source where facts come from: {@code kubernetes https://api...:6443/} or a file path
 * @param status syncing, synced or stale
 * @param since when the current status began
 * @param reason why the source is stale, or why it is still syncing (the last error seen); null
 *     when synced
 * @param lastSynced the last time the source was known to be in sync: a file's last import, a live
 *     cluster's last check with every watch up; null before the first sync
 * @param watchRestarts how many times a watch of this cluster was listed again (410 Gone, lost
 *     watch); 0 for files
 * @param egressIps null when EgressIPs are watched (or the source is a file); else why not, such as
 *     {@code not watched: the cluster has no EgressIP CRD (k8s.ovn.org/v1)}
 * @param lastRelist null until fabric8 lists a kind again on its own (its watch expired with 410
 *     Gone, or failed); then what the latest such relist found, in one phrase, such as {@code pods
 *     listed again at 2026-01-02T03:04:05Z after their watch expired (HTTP 410 Gone): 1 change
 *     found, recorded at that time as observed late}
 */
public record SourceState(
    String cluster,
    String source,
    Status status,
    Instant since,
    String reason,
    Instant lastSynced,
    long watchRestarts,
    String egressIps,
    String lastRelist) {

  /** The state of a source; {@link #toString()} is the wire name. */
  public enum Status {
    /** Not recorded yet: the file is being read, the informers are listing. */
    SYNCING("syncing"),
    /** Recorded, and (for a live cluster) every watch is up. */
    SYNCED("synced"),
    /** Recorded once, but the view is out of date since {@code since}: a watch is down. */
    STALE("stale");

    private final String wire;

    Status(String wire) {
      this.wire = wire;
    }

    @Override
    public String toString() {
      return wire;
    }
  }

  /** A source not recorded yet. */
  public static SourceState syncing(String cluster, String source, Instant since) {
    return new SourceState(cluster, source, Status.SYNCING, since, null, null, 0, null, null);
  }

  /** True once the source has been recorded at least once (synced or stale since). */
  public boolean ready() {
    return status != Status.SYNCING;
  }

  /** The same state, with another status from {@code at}. */
  public SourceState with(Status status, Instant at, String reason) {
    return new SourceState(
        cluster, source, status, at, reason, lastSynced, watchRestarts, egressIps, lastRelist);
  }

  /** The same state, with the reason replaced (no change of status). */
  public SourceState withReason(String reason) {
    return new SourceState(
        cluster, source, status, since, reason, lastSynced, watchRestarts, egressIps, lastRelist);
  }

  /** The same state, known in sync at {@code at}. */
  public SourceState syncedAt(Instant at) {
    return new SourceState(
        cluster, source, status, since, reason, at, watchRestarts, egressIps, lastRelist);
  }

  /** The same state with the count of watch restarts. */
  public SourceState withRestarts(long restarts) {
    return new SourceState(
        cluster, source, status, since, reason, lastSynced, restarts, egressIps, lastRelist);
  }

  /** The same state with the note on EgressIPs. */
  public SourceState withEgressIps(String note) {
    return new SourceState(
        cluster, source, status, since, reason, lastSynced, watchRestarts, note, lastRelist);
  }

  /** The same state with what the latest relist fabric8 made on its own found. */
  public SourceState withLastRelist(String relist) {
    return new SourceState(
        cluster, source, status, since, reason, lastSynced, watchRestarts, egressIps, relist);
  }

  /**
   * Seconds since {@link #lastSynced} at {@code now}, or -1 before the first sync (a gauge's
   * value).
   */
  public double secondsSinceSync(Instant now) {
    return lastSynced == null
        ? -1
        : Math.max(0, Duration.between(lastSynced, now).toMillis()) / 1e3;
  }

  /**
   * One phrase: {@code synced}, {@code syncing} ({@code syncing: <last error>}), {@code stale since
   * 2026-01-02T03:04:05Z: <reason>}.
   */
  public String describe() {
    return switch (status) {
      case SYNCED -> "synced";
      case SYNCING -> reason == null ? "syncing" : "syncing: " + reason;
      case STALE -> "stale since " + since + (reason == null ? "" : ": " + reason);
    };
  }
}
