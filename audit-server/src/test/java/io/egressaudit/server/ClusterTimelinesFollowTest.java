package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.sql.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the server reads history again: for a snapshot another process is writing, not for one it
 * writes itself (a live cluster's first list), whose rows its own feed delivers when it ends.
 */
class ClusterTimelinesFollowTest {

  @TempDir Path dir;

  /** Registers a pending snapshot import of {@code pid} and one hidden row it wrote. */
  private static void pendingImport(Database db, long pid) throws Exception {
    try (Connection c = db.openWriter()) {
      long id;
      try (PreparedStatement st =
          c.prepareStatement(
              "INSERT INTO cluster_import_pending (cluster, at, source, pid, progress_at)"
                  + " VALUES ('demo', 1000, 'test', ?, ?)",
              new String[] {"id"})) {
        st.setLong(1, pid);
        st.setLong(2, System.currentTimeMillis());
        st.executeUpdate();
        try (ResultSet keys = st.getGeneratedKeys()) {
          keys.next();
          id = keys.getLong(1);
        }
      }
      try (PreparedStatement st =
          c.prepareStatement(
              "INSERT INTO cluster_object (cluster, kind, namespace, name, valid_from, body,"
                  + " opened_by) VALUES ('demo', 'Namespace', '', 'simpson', 1000, '{}', ?)")) {
        st.setLong(1, id);
        st.executeUpdate();
      }
    }
  }

  @Test
  void aSnapshotThisProcessIsWritingDoesNotMakeItReadHistoryAgain() throws Exception {
    Database db = Database.at(dir.resolve("audit.db"));
    try (ClusterTimelines timelines = ClusterTimelines.follow(db)) {
      pendingImport(db, ProcessHandle.current().pid());

      assertThat(timelines.reloadIfChangedElsewhere()).isFalse();
    }
  }

  @Test
  void aSnapshotAnotherProcessIsWritingDoes() throws Exception {
    Database db = Database.at(dir.resolve("audit.db"));
    try (ClusterTimelines timelines = ClusterTimelines.follow(db)) {
      long other = ProcessHandle.current().pid() + 1;
      pendingImport(db, other);

      assertThat(timelines.reloadIfChangedElsewhere()).isTrue();
    }
  }

  /** Runs one statement on a connection of its own, as another process would write. */
  private static void elsewhere(Database db, String sql) throws Exception {
    try (Connection c = db.openWriter();
        PreparedStatement st = c.prepareStatement(sql)) {
      st.executeUpdate();
    }
  }

  private static final String OPEN_NAMESPACE =
      "INSERT INTO cluster_object (cluster, kind, namespace, name, valid_from, body)"
          + " VALUES ('demo', 'Namespace', '', 'simpson', 1000,"
          + " '{\"name\":\"simpson\",\"labels\":{}}')";

  @Test
  void nothingWrittenElsewhereReadsNothingAgain() throws Exception {
    Database db = Database.at(dir.resolve("audit.db"));
    elsewhere(db, OPEN_NAMESPACE);
    try (ClusterTimelines timelines = ClusterTimelines.follow(db)) {
      assertThat(timelines.reloadIfChangedElsewhere()).isFalse();
      assertThat(timelines.reloadIfChangedElsewhere()).isFalse();
    }
  }

  @Test
  void anIntervalAnotherProcessEndedIsReadAgain() throws Exception {
    Database db = Database.at(dir.resolve("audit.db"));
    elsewhere(db, OPEN_NAMESPACE);
    try (ClusterTimelines timelines = ClusterTimelines.follow(db)) {
      elsewhere(db, "UPDATE cluster_object SET valid_to = 2000 WHERE name = 'simpson'");

      assertThat(timelines.reloadIfChangedElsewhere()).isTrue();
      assertThat(timelines.reloadIfChangedElsewhere()).as("once").isFalse();
    }
  }

  @Test
  void intervalsAnotherProcessPrunedAreReadAgain() throws Exception {
    Database db = Database.at(dir.resolve("audit.db"));
    elsewhere(db, OPEN_NAMESPACE);
    elsewhere(
        db,
        "INSERT INTO cluster_object (cluster, kind, namespace, name, valid_from, valid_to, body)"
            + " VALUES ('demo', 'Namespace', '', 'flanders', 1000, 1500,"
            + " '{\"name\":\"flanders\",\"labels\":{}}')");
    try (ClusterTimelines timelines = ClusterTimelines.follow(db)) {
      // what retention does: the horizon first, then the ended intervals before it
      elsewhere(db, "INSERT INTO history_horizon (cluster, pruned_before) VALUES ('demo', 1500)");
      elsewhere(db, "DELETE FROM cluster_object WHERE name = 'flanders'");

      assertThat(timelines.reloadIfChangedElsewhere()).isTrue();
      assertThat(timelines.reloadIfChangedElsewhere()).as("once").isFalse();
    }
  }
}
