package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.correlator.PodState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Timelines built from what history records (followed through the {@link HistoryFeed}, or loaded
 * with {@link HistoryLoader}) attribute every hit as a fresh {@link HistoryView} rebuild from
 * SQLite does: a randomized history (fixed seed) of snapshot imports and live changes, some
 * observed late, and retention.
 */
class TimelineFromHistoryTest {

  @TempDir Path dir;

  private final Random rnd = new Random(9);
  private final List<String> ips = new ArrayList<>();

  private String pick(String... options) {
    return options[rnd.nextInt(options.length)];
  }

  private ClusterObject randomObject() {
    return switch (rnd.nextInt(10)) {
      case 0 ->
          new NodeState(
              "node-" + rnd.nextInt(4), List.of("10.0.0." + (1 + rnd.nextInt(4))), Map.of(), true);
      case 1 ->
          new NamespaceState(
              "ns-" + rnd.nextInt(6),
              rnd.nextBoolean() ? Map.of("team", pick("a", "b", "c")) : Map.of());
      case 2 ->
          new EgressIpState(
              "eip-" + rnd.nextInt(3),
              List.of("10.1.0." + (1 + rnd.nextInt(4))),
              new LabelSelector(Map.of("team", pick("a", "b")), List.of()),
              null,
              rnd.nextInt(3) == 0
                  ? List.of()
                  : List.of(
                      new EgressIpAssignment(
                          "10.1.0." + (1 + rnd.nextInt(4)), "node-" + rnd.nextInt(4))));
      default ->
          new PodState(
              "ns-" + rnd.nextInt(6),
              "pod-" + rnd.nextInt(40),
              "node-" + rnd.nextInt(4),
              List.of("10.128.0." + (1 + rnd.nextInt(10))),
              rnd.nextInt(10) == 0,
              Map.of("app", pick("x", "y")),
              "Running");
    };
  }

  /** Records a randomized history; returns the time it ends at. */
  private long recordHistory(ClusterHistory history) {
    for (int i = 1; i <= 4; i++) {
      ips.add("10.0.0." + i);
      ips.add("10.1.0." + i);
    }
    for (int i = 1; i <= 10; i++) {
      ips.add("10.128.0." + i);
    }
    long t = 1_000_000;
    for (int round = 0; round < 6; round++) {
      Map<ObjectRef, ClusterObject> snapshot = new LinkedHashMap<>();
      for (int i = 0; i < 40; i++) {
        ClusterObject o = randomObject();
        snapshot.put(o.ref(), o);
      }
      history.recordSnapshot("c", Instant.ofEpochMilli(t), snapshot.values(), "dump-" + round);
      for (int batch = 0; batch < 10; batch++) {
        List<ObjectChange> changes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          t += 1 + rnd.nextInt(100);
          Instant at = Instant.ofEpochMilli(t - rnd.nextInt(300)); // some observed late
          ClusterObject o = randomObject();
          changes.add(
              rnd.nextInt(5) == 0
                  ? ObjectChange.deleted(at, o.ref())
                  : ObjectChange.observed(at, o));
        }
        history.recordChanges("c", changes);
      }
      t += 1000;
    }
    return t;
  }

  private static List<Attribution> viaView(HistoryView view, String ip, long t) {
    return view.whois(ip, Instant.ofEpochMilli(t)).matches();
  }

  private static List<Attribution> viaTimeline(AttributionTimeline tl, String ip, long t) {
    List<Attribution> m = tl.attribute(ip, Instant.ofEpochMilli(t));
    return m.isEmpty() ? List.of(Attribution.UNKNOWN) : m;
  }

  @Test
  void followedAndLoadedTimelinesAttributeEveryHitAsAFreshRebuildDoes() {
    Database db = Database.at(dir.resolve("audit.db"));
    db.migrate();
    Map<String, AttributionTimeline> followed = new HashMap<>();
    HistoryFeed.Listener listener =
        new HistoryFeed.Listener() {
          @Override
          public void opened(String cluster, long rowId, ClusterObject state, long validFrom) {
            followed
                .computeIfAbsent(cluster, AttributionTimeline::new)
                .opened(rowId, state, validFrom);
          }

          @Override
          public void closed(String cluster, long rowId, ObjectRef ref, long validTo) {
            followed.get(cluster).closed(rowId, ref, validTo);
          }
        };
    HistoryFeed.of(db).listen(listener);
    try {
      long end = recordHistory(new ClusterHistory(db));
      AttributionTimeline loaded = new AttributionTimeline("c");
      long through =
          HistoryLoader.load(
              db,
              null,
              Long.MIN_VALUE,
              Long.MAX_VALUE,
              (c, id, state, f, u) -> loaded.add(id, state, f, u));
      loaded.loadedThrough(through);
      assertThat(through).isPositive();
      try (HistoryView view = new HistoryView(db, "c")) {
        for (int q = 0; q < 1500; q++) {
          long t = 900_000 + (long) (rnd.nextDouble() * (end - 900_000));
          String ip = ips.get(rnd.nextInt(ips.size()));
          List<Attribution> expected = viaView(view, ip, t);
          assertThat(viaTimeline(followed.get("c"), ip, t))
              .as("followed: %s at %d", ip, t)
              .isEqualTo(expected);
          assertThat(viaTimeline(loaded, ip, t)).as("loaded: %s at %d", ip, t).isEqualTo(expected);
        }
      }
    } finally {
      HistoryFeed.of(db).stopListening(listener);
    }
  }

  @Test
  void historyRetentionKeepsEveryAttributionAfterTheCutoff() {
    Database db = Database.at(dir.resolve("retention.db"));
    db.migrate();
    long end = recordHistory(new ClusterHistory(db));
    long cutoff = 1_000_000 + (end - 1_000_000) / 2;
    Map<Long, List<Attribution>> before = new LinkedHashMap<>();
    List<String> asked = new ArrayList<>();
    try (HistoryView view = new HistoryView(db, "c")) {
      for (int q = 0; q < 500; q++) {
        long t = cutoff + (long) (rnd.nextDouble() * (end - cutoff));
        String ip = ips.get(rnd.nextInt(ips.size()));
        asked.add(ip);
        before.put(t * 100 + q, viaView(view, ip, t));
      }
    }
    long deleted = new ClusterHistory(db).pruneEndedBefore(Instant.ofEpochMilli(cutoff), 7);
    assertThat(deleted).isPositive();
    try (HistoryView view = new HistoryView(db, "c")) {
      int q = 0;
      for (var e : before.entrySet()) {
        long t = e.getKey() / 100;
        String ip = asked.get(q++);
        assertThat(viaView(view, ip, t)).as("%s at %d", ip, t).isEqualTo(e.getValue());
      }
    }
  }
}
