package io.egressaudit.controller.informer;

import io.egressaudit.controller.InvalidClusterObjectException;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.ImportSummary;
import io.egressaudit.sql.ObjectChange;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of a {@link ClusterWatcher}: records the informers' stores into history. Used
 * by one thread only.
 *
 * <p>It remembers the state it last recorded for every object, so an event that changes nothing
 * attribution uses (a node's heartbeat, a pod's condition) costs no database write. That memory is
 * only right while this watcher is the cluster's one source of history: do not also import dump
 * files under the same cluster name.
 */
final class ChangeRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(ChangeRecorder.class);

  private final String cluster;
  private final String source;
  private final ClusterHistory history;
  private final Clock clock;
  private final Map<ObjectKind, WatchedKind<?>> kinds = new EnumMap<>(ObjectKind.class);
  private final Map<ObjectRef, ClusterObject> recorded = new HashMap<>();

  ChangeRecorder(String cluster, String source, ClusterHistory history, Clock clock) {
    this.cluster = cluster;
    this.source = source;
    this.history = history;
    this.clock = clock;
  }

  /** Adds a kind whose store is read; kinds not added are absent from the cluster. */
  void watch(WatchedKind<?> kind) {
    kinds.put(kind.kind(), kind);
  }

  /**
   * Records every object in the stores as the cluster's state now (or at the end of its history,
   * when that is later: a clock that went back must not rewrite the past); objects recorded before
   * and not listed now are closed, such as those deleted while egress-audit was down.
   *
   * @return the snapshot's time
   * @throws io.egressaudit.sql.DatabaseException when history cannot be written
   */
  Instant recordSnapshot() {
    long started = System.nanoTime();
    Instant at = clock.instant();
    Instant latest = history.latestChange(cluster);
    if (latest != null && at.isBefore(latest)) {
      LOG.warn(
          "cluster/{}: history already runs to {}, after this clock's {}; recording the listed state at {}",
          cluster,
          latest,
          at,
          latest);
      at = latest;
    }
    Map<ObjectRef, ClusterObject> listed = new HashMap<>();
    Map<ObjectKind, Integer> counts = new EnumMap<>(ObjectKind.class);
    for (WatchedKind<?> kind : kinds.values()) {
      counts.put(kind.kind(), listAll(kind, listed));
    }
    ImportSummary s = history.recordSnapshot(cluster, at, listed.values(), source);
    recorded.clear();
    recorded.putAll(listed);
    LOG.info(
        "cluster/{}: ready: state listed at {}: {} nodes, {} namespaces, {} pods, {}; {} new, {} ended, {} unchanged; recorded in {} s",
        cluster,
        at,
        counts.get(ObjectKind.NODE),
        counts.get(ObjectKind.NAMESPACE),
        counts.get(ObjectKind.POD),
        counts.containsKey(ObjectKind.EGRESS_IP)
            ? counts.get(ObjectKind.EGRESS_IP) + " EgressIPs"
            : "EgressIPs not watched",
        s.opened(),
        s.closed(),
        s.unchanged(),
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
    return at;
  }

  private <T extends HasMetadata> int listAll(
      WatchedKind<T> kind, Map<ObjectRef, ClusterObject> into) {
    int n = 0;
    for (T o : kind.cached()) {
      try {
        ClusterObject state = kind.convert(o);
        into.put(state.ref(), state);
        n++;
      } catch (InvalidClusterObjectException e) {
        LOG.warn(
            "cluster/{} {}: {}; left out of history",
            cluster,
            WatchedKind.ref(kind.kind(), o),
            e.detail());
      }
    }
    return n;
  }

  /**
   * Records the current state of the objects whose keys were taken from the queue, each at the time
   * of its latest event, in one transaction. Objects whose state did not change since it was last
   * recorded are skipped; objects no longer in their store are recorded as deleted.
   *
   * @param batch keys and the times their latest events were observed
   * @return the changes recorded (empty when none)
   * @throws io.egressaudit.sql.DatabaseException when history cannot be written (nothing was)
   */
  List<ObjectChange> record(Map<ObjectRef, Instant> batch) {
    List<ObjectChange> changes = new ArrayList<>();
    batch.forEach(
        (ref, at) -> {
          ObjectChange c = change(ref, at);
          if (c != null) {
            changes.add(c);
          }
        });
    if (changes.isEmpty()) {
      return changes;
    }
    history.recordChanges(cluster, changes);
    for (ObjectChange c : changes) {
      ClusterObject before =
          c.isDeletion() ? recorded.remove(c.ref()) : recorded.put(c.ref(), c.state());
      log(c, before);
    }
    return changes;
  }

  /**
   * After a lost watch was listed again: records, all at {@code at}, every difference between the
   * stores and the state last recorded (objects changed, added or deleted while the watch was
   * down); nothing when there is none, so a relist that brings no change writes nothing.
   *
   * @param at the time the relist completed
   * @return the changes recorded (empty when none)
   * @throws io.egressaudit.sql.DatabaseException when history cannot be written (nothing was)
   */
  List<ObjectChange> reconcile(Instant at) {
    Map<ObjectRef, ClusterObject> listed = new HashMap<>();
    for (WatchedKind<?> kind : kinds.values()) {
      listAll(kind, listed);
    }
    List<ObjectChange> changes = new ArrayList<>();
    listed.forEach(
        (ref, state) -> {
          if (!state.equals(recorded.get(ref))) {
            changes.add(ObjectChange.observed(at, state));
          }
        });
    for (ObjectRef ref : recorded.keySet()) {
      if (!listed.containsKey(ref) && kinds.containsKey(ref.kind())) {
        changes.add(ObjectChange.deleted(at, ref));
      }
    }
    if (changes.isEmpty()) {
      return changes;
    }
    history.recordChanges(cluster, changes);
    for (ObjectChange c : changes) {
      ClusterObject before =
          c.isDeletion() ? recorded.remove(c.ref()) : recorded.put(c.ref(), c.state());
      log(c, before);
    }
    return changes;
  }

  private ObjectChange change(ObjectRef ref, Instant at) {
    WatchedKind<?> kind = kinds.get(ref.kind());
    ClusterObject now = null;
    if (kind != null) {
      try {
        now = kind.current(ref);
      } catch (InvalidClusterObjectException e) {
        LOG.warn("cluster/{} {}: {}; recorded as absent from {}", cluster, ref, e.detail(), at);
      }
    }
    ClusterObject before = recorded.get(ref);
    if (Objects.equals(now, before)) {
      return null;
    }
    return now == null ? ObjectChange.deleted(at, ref) : ObjectChange.observed(at, now);
  }

  /** One line per change; pods at debug level, as they come and go all day. */
  private void log(ObjectChange c, ClusterObject before) {
    boolean pod = c.ref().kind() == ObjectKind.POD;
    if (pod && !LOG.isDebugEnabled()) {
      return;
    }
    String what = c.isDeletion() ? "gone" : before == null ? "new" : "changed";
    String detail = c.state() instanceof EgressIpState e ? ": " + assignments(e) : "";
    if (pod) {
      LOG.debug("cluster/{} {}: {} at {}{}", cluster, c.ref(), what, c.at(), detail);
    } else {
      LOG.info("cluster/{} {}: {} at {}{}", cluster, c.ref(), what, c.at(), detail);
    }
  }

  private static String assignments(EgressIpState e) {
    if (e.assignments().isEmpty()) {
      return "no egress IP assigned";
    }
    List<String> items = new ArrayList<>();
    e.assignments().forEach(a -> items.add(a.egressIP() + " on " + a.node()));
    return "assigned " + String.join(", ", items);
  }
}
