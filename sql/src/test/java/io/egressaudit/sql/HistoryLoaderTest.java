package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.PodState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading history: every row once, in row order, and a reader that stops with its caller. */
class HistoryLoaderTest {

  @TempDir Path dir;

  /** More rows than a few batches of the reader. */
  private Database historyOf(int pods) {
    Database db = new Database(dir.resolve("h.db"), Database.Durability.NORMAL, 30_000);
    db.migrate();
    List<ClusterObject> objects = new ArrayList<>();
    objects.add(new NamespaceState("simpson", Map.of()));
    for (int i = 0; i < pods; i++) {
      objects.add(
          new PodState(
              "simpson",
              "pod-" + i,
              "worker-" + (i % 3),
              List.of("10.128." + (i >> 8) + "." + (i & 255)),
              false,
              Map.of("app", "a" + (i % 7)),
              "Running"));
    }
    new ClusterHistory(db).recordSnapshot("demo", Instant.ofEpochMilli(1_000), objects, "test");
    return db;
  }

  private static List<Thread> readers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("history-reader-") && t.isAlive())
        .toList();
  }

  @Test
  void everyIntervalIsOfferedOnceInRowOrder() {
    Database db = historyOf(IntervalRows.BATCH * 3 + 17);
    List<Long> ids = new ArrayList<>();
    List<ClusterObject> states = new ArrayList<>();
    long mark =
        HistoryLoader.load(
            db,
            null,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            (cluster, rowId, state, from, to) -> {
              assertThat(cluster).isEqualTo("demo");
              ids.add(rowId);
              states.add(state);
            });
    assertThat(ids).hasSize(IntervalRows.BATCH * 3 + 18).isSorted().doesNotHaveDuplicates();
    assertThat(mark).isEqualTo(ids.get(ids.size() - 1));
    int last = IntervalRows.BATCH * 3 + 16;
    assertThat(states.get(states.size() - 1))
        .isEqualTo(
            new PodState(
                "simpson",
                "pod-" + last,
                "worker-" + (last % 3),
                List.of("10.128." + (last >> 8) + "." + (last & 255)),
                false,
                Map.of("app", "a" + (last % 7)),
                "Running"));
  }

  @Test
  void aSinkThatFailsStopsTheReader() {
    Database db = historyOf(IntervalRows.BATCH * 8);
    int[] seen = {0};
    assertThatThrownBy(
            () ->
                HistoryLoader.load(
                    db,
                    null,
                    Long.MIN_VALUE,
                    Long.MAX_VALUE,
                    (cluster, rowId, state, from, to) -> {
                      if (++seen[0] == 10) {
                        throw new IllegalStateException("full");
                      }
                    }))
        .hasMessage("full");
    assertThat(seen[0]).isEqualTo(10);
    assertThat(readers()).isEmpty(); // load waits for its reader to end
  }

  @Test
  void aRowWhoseBodyCannotBeReadIsLeftOutAndTheOthersAreLoaded() throws Exception {
    Database db = historyOf(IntervalRows.BATCH + 5);
    long corrupt;
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db.file());
        java.sql.Statement st = c.createStatement()) {
      try (var rs =
          st.executeQuery("SELECT id FROM cluster_object WHERE name = 'pod-7' AND kind = 'Pod'")) {
        rs.next();
        corrupt = rs.getLong(1);
      }
      st.execute("UPDATE cluster_object SET body = '{bad' WHERE id = " + corrupt);
    }
    List<Long> ids = new ArrayList<>();
    List<String> names = new ArrayList<>();
    HistoryLoader.load(
        db,
        null,
        Long.MIN_VALUE,
        Long.MAX_VALUE,
        (cluster, rowId, state, from, to) -> {
          ids.add(rowId);
          names.add(state.ref().name());
        });

    assertThat(ids).hasSize(IntervalRows.BATCH + 5).doesNotContain(corrupt).isSorted();
    assertThat(names).contains("pod-6", "pod-8").doesNotContain("pod-7");
    try (HistoryView view = new HistoryView(db, "demo")) {
      assertThat(view.snapshotAt("demo", Instant.ofEpochMilli(2_000)).pods())
          .hasSize(IntervalRows.BATCH + 4);
    }
    try (java.sql.Connection c = db.openReader()) {
      assertThat(UnreadableRows.describe(db.file(), c, corrupt, new RuntimeException("x\ny")))
          .isEqualTo(
              db.file()
                  + ": table cluster_object, row id "
                  + corrupt
                  + " (cluster demo, Pod simpson/pod-7): body is not a readable state record,"
                  + " left out of history: x");
    }
  }
}
