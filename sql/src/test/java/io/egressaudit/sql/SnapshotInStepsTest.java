package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ClusterSnapshot;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot written in many transactions is seen whole or not at all, and one at a time. */
class SnapshotInStepsTest {

  static final Instant T1 = Instant.parse("2021-11-26T17:40:43Z");
  static final Instant T2 = T1.plusSeconds(60);

  @TempDir Path dir;

  private Database db;
  private ClusterHistory history;

  @BeforeEach
  void open() {
    db = Database.at(dir.resolve("history.db"));
    history = new ClusterHistory(db);
  }

  private int podsSeenAt(Instant at) {
    try (HistoryView view = new HistoryView(db, "demo")) {
      ClusterSnapshot s = view.snapshotAt("demo", at);
      return s.pods().size();
    }
  }

  @Test
  void readersSeeTheWholeSnapshotOrNoneOfIt() throws Exception {
    history.recordSnapshot("demo", T1, SnapshotImportProcess.cluster(2_000), "first");
    List<ClusterObject> second = SnapshotImportProcess.cluster(12_000);

    CompletableFuture<ImportSummary> writing =
        CompletableFuture.supplyAsync(() -> history.recordSnapshot("demo", T2, second, "second"));
    Set<Integer> seen = new HashSet<>();
    int looks = 0;
    while (!writing.isDone() || looks == 0) {
      seen.add(podsSeenAt(T2));
      looks++;
    }

    assertThat(writing.get().opened()).isEqualTo(10_000);
    assertThat(seen).isSubsetOf(2_000, 12_000);
    assertThat(podsSeenAt(T2)).isEqualTo(12_000);
    assertThat(podsSeenAt(T1)).isEqualTo(2_000);
    assertThat(looks).as("views opened while the import ran").isGreaterThan(1);
    assertThat(count("SELECT count(*) FROM cluster_object WHERE opened_by IS NOT NULL")).isZero();
    assertThat(count("SELECT count(*) FROM cluster_import_pending")).isZero();
  }

  @Test
  void aSecondImportOfTheClusterWhileOneIsBeingWrittenIsRefused() throws Exception {
    history.recordSnapshot("demo", T1, SnapshotImportProcess.cluster(10), "first");
    pending("demo", T2, "other.yaml", ProcessHandle.current().pid(), System.currentTimeMillis());

    assertThatThrownBy(
            () -> history.recordSnapshot("demo", T2, SnapshotImportProcess.cluster(20), "second"))
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(
            ": an import of cluster 'demo' from other.yaml is still being written (process "
                + ProcessHandle.current().pid())
        .hasMessageEndingWith("try again when it has finished");
    // Another cluster is not held up.
    assertThat(history.recordSnapshot("other", T2, SnapshotImportProcess.cluster(5), "x").opened())
        .isEqualTo(305);
  }

  @Test
  void anImportAbandonedByAProcessThatIsGoneIsRolledBackByTheNext() throws Exception {
    history.recordSnapshot("demo", T1, SnapshotImportProcess.cluster(10), "first");
    long gone = deadPid();
    long id = pending("demo", T2, "crashed.yaml", gone, System.currentTimeMillis());
    try (Connection c = MigrationsTest.raw(db.file());
        Statement st = c.createStatement()) {
      // Half an import: one pod closed, one new pod, as a killed import would leave them.
      st.executeUpdate(
          "UPDATE cluster_object SET valid_to = "
              + T2.toEpochMilli()
              + ", closed_by = "
              + id
              + " WHERE kind = 'Pod' AND name LIKE 'app-0-%'");
      st.executeUpdate(
          "INSERT INTO cluster_object (cluster, kind, namespace, name, valid_from, body, opened_by)"
              + " SELECT cluster, kind, namespace, 'half', "
              + T2.toEpochMilli()
              + ", body, "
              + id
              + " FROM cluster_object WHERE kind = 'Pod' AND name LIKE 'app-1-%'");
    }
    assertThat(podsSeenAt(T2)).as("readers ignore the half import").isEqualTo(10);

    ImportSummary s =
        history.recordSnapshot(
            "demo", T2.plusSeconds(1), SnapshotImportProcess.cluster(11), "next");

    assertThat(s.opened()).isEqualTo(1);
    assertThat(s.closed()).isZero();
    assertThat(s.unchanged()).isEqualTo(310);
    assertThat(count("SELECT count(*) FROM cluster_object WHERE name = 'half'")).isZero();
    assertThat(count("SELECT count(*) FROM cluster_import_pending")).isZero();
    assertThat(podsSeenAt(T2.plusSeconds(1))).isEqualTo(11);
  }

  private long pending(String cluster, Instant at, String source, long pid, long progressAt)
      throws SQLException {
    try (Connection c = MigrationsTest.raw(db.file());
        PreparedStatement st =
            c.prepareStatement(
                "INSERT INTO cluster_import_pending (cluster, at, source, pid, progress_at)"
                    + " VALUES (?, ?, ?, ?, ?)",
                new String[] {"id"})) {
      st.setString(1, cluster);
      st.setLong(2, at.toEpochMilli());
      st.setString(3, source);
      st.setLong(4, pid);
      st.setLong(5, progressAt);
      st.executeUpdate();
      try (ResultSet keys = st.getGeneratedKeys()) {
        keys.next();
        return keys.getLong(1);
      }
    }
  }

  /** The id of a process that has exited. */
  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  private long count(String sql) throws SQLException {
    try (Connection c = MigrationsTest.raw(db.file());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
