package io.egressaudit.server;

import io.egressaudit.controller.SourceState;
import io.egressaudit.controller.informer.ClusterWatcher;
import io.egressaudit.sql.StaleSpans;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every cluster source {@code serve} was given ({@code --cluster-state} files, {@code --example},
 * watched kubeconfig contexts) and its {@link SourceState}: what {@code /readyz}, {@code /healthz},
 * {@code GET /api/v1/clusters} and {@code /metrics} report. Thread-safe.
 */
public final class ClusterSources {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterSources.class);

  private final Map<String, SourceState> files = new LinkedHashMap<>();
  private final List<String> liveNames = new ArrayList<>();
  private final List<ClusterWatcher> watchers = new CopyOnWriteArrayList<>();
  private StaleSpans fileSpans; // where a file source's stale spans are recorded, or null

  /**
   * @param files cluster name to the file (or bundled example) that records it
   * @param live the names of the live clusters that will be watched
   * @param now when the sources start syncing
   */
  public ClusterSources(Map<String, String> files, List<String> live, Instant now) {
    files.forEach(
        (cluster, file) -> this.files.put(cluster, SourceState.syncing(cluster, file, now)));
    liveNames.addAll(live);
  }

  /** A file's state was recorded at {@code at}: synced; the first time, says so in the log. */
  public synchronized void fileRecorded(String cluster, Instant at) {
    SourceState before = files.get(cluster);
    if (before == null) {
      return;
    }
    files.put(cluster, before.with(SourceState.Status.SYNCED, at, null).syncedAt(at));
    if (!before.ready()) {
      LOG.info("cluster/{}: ready: state from {} recorded at {}", cluster, before.source(), at);
    } else if (before.status() == SourceState.Status.STALE) {
      if (fileSpans != null) {
        fileSpans.synced(cluster, at);
      }
      LOG.info(
          "cluster/{}: synced again: state from {} recorded at {} (stale since {})",
          cluster,
          before.source(),
          at,
          before.since());
    }
  }

  /**
   * Records the stale spans of file sources in history from now on, as {@link #watching} does for
   * live clusters: hits and whois answers of a time when a file could not be read are marked stale
   * (the state they are attributed with is the last good one).
   *
   * @param spans where the spans are recorded
   */
  public synchronized void recordFileSpans(StaleSpans spans) {
    this.fileSpans = spans;
  }

  /**
   * A rescan found a file that was recorded before and has not changed since, still readable: its
   * history is the file's state now, so the source is in sync at {@code at} ({@code lastSynced},
   * {@code secondsSinceSync} and {@code egress_audit_cluster_sync_age_seconds} follow it). A file
   * that is stale (its last change could not be read) stays stale.
   */
  public synchronized void fileUnchanged(String cluster, Instant at) {
    SourceState before = files.get(cluster);
    if (before != null && before.status() == SourceState.Status.SYNCED) {
      files.put(cluster, before.syncedAt(at));
    }
  }

  /**
   * {@code cannot read FILE: problem}, the reason a file source is stale; a problem that names the
   * file first ({@code FILE:12:3: malformed YAML: ...}) is not given the file twice.
   *
   * @param file the file as {@code serve} was given it (absolute)
   * @param problem what went wrong reading or recording it
   */
  public static String cannotRead(String file, String problem) {
    String p = String.valueOf(problem);
    return p.startsWith(file) ? "cannot read " + p : "cannot read " + file + ": " + p;
  }

  /**
   * A file could not be read or recorded: its history keeps the last good state, stale since {@code
   * at} with {@code reason} ({@link #cannotRead}), in the source's state and in history's stale
   * spans.
   *
   * @return true when this changed the state or its reason (worth a line in the log)
   */
  public synchronized boolean fileFailed(String cluster, Instant at, String reason) {
    SourceState before = files.get(cluster);
    if (before == null || !before.ready()) {
      return false;
    }
    if (before.status() != SourceState.Status.STALE && fileSpans != null) {
      fileSpans.stale(cluster, at, reason);
    }
    files.put(
        cluster,
        before.status() == SourceState.Status.STALE
            ? before.withReason(reason)
            : before.with(SourceState.Status.STALE, at, reason));
    return before.status() != SourceState.Status.STALE || !reason.equals(before.reason());
  }

  /**
   * Adds the watchers of the live clusters once they are started. With {@code spans}, each time a
   * live cluster goes stale its span is opened in history, and ended when it is synced again.
   *
   * @param started the watchers
   * @param spans where stale spans are recorded, or null not to record them
   */
  public void watching(List<ClusterWatcher> started, StaleSpans spans) {
    watchers.addAll(started);
    if (spans == null) {
      return;
    }
    for (ClusterWatcher w : started) {
      w.onStatusChange(s -> recordStatus(spans, s));
      recordStatus(spans, w.state()); // a change before the listener was set
    }
  }

  /** Adds the watchers of the live clusters once they are started; stale spans not recorded. */
  public void watching(List<ClusterWatcher> started) {
    watching(started, null);
  }

  private static void recordStatus(StaleSpans spans, SourceState s) {
    switch (s.status()) {
      case STALE -> spans.stale(s.cluster(), s.since(), s.reason());
      case SYNCED -> spans.synced(s.cluster(), s.since());
      case SYNCING -> {}
    }
  }

  /**
   * Every source's state, files first then live clusters, in the order given; a live cluster not
   * started yet is syncing.
   */
  public synchronized List<SourceState> states() {
    List<SourceState> out = new ArrayList<>(files.values());
    for (String name : liveNames) {
      out.add(
          watchers.stream()
              .filter(w -> w.cluster().equals(name))
              .map(ClusterWatcher::state)
              .findFirst()
              .orElse(SourceState.syncing(name, "kubernetes", Instant.EPOCH)));
    }
    return out;
  }

  /** The state of one cluster's source, or null when it has none. */
  public SourceState state(String cluster) {
    return states().stream().filter(s -> s.cluster().equals(cluster)).findFirst().orElse(null);
  }

  /** The clusters that have a source, files first. */
  public synchronized List<String> clusters() {
    List<String> out = new ArrayList<>(files.keySet());
    out.addAll(liveNames);
    return out;
  }

  /** True when every source has been recorded at least once ({@code /readyz} answers 200). */
  public boolean ready() {
    return states().stream().allMatch(SourceState::ready);
  }
}
