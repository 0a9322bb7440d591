package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a cluster snapshot in short write transactions, so that the hit writer (in this process
 * or in {@code serve} while {@code cluster import} runs beside it) never waits long for the write
 * lock: a snapshot of tens of thousands of objects held it for seconds in one transaction, and the
 * writer refused hits (503).
 *
 * <p>The import is registered in {@code cluster_import_pending} first; each step then closes and
 * opens at most {@value #STEP_ROWS} rows (or what {@value #STEP_MILLIS} ms allow), tagged with the
 * pending import, and pauses {@value #PAUSE_MILLIS} ms so that a writer in another process, which
 * SQLite's busy handler lets retry only every few milliseconds, gets its turn; writers of this
 * process take turns through {@link Database#writeLock()}. Readers ignore what a pending import
 * wrote (see {@code history.sql}), so they see the cluster before or after the whole snapshot,
 * never half of it. The last step records the import in {@code cluster_import} and removes the
 * pending row; the tags are then cleared.
 *
 * <p>One snapshot per cluster at a time: an import finds another still being written (its process
 * alive, a step in the last {@value #STALE_MILLIS} ms) and is refused; one whose process is gone,
 * or that made no step for that long, was abandoned (a crash, a kill) and is rolled back first.
 */
final class SnapshotInSteps {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotInSteps.class);
  private static final SqlStatements SQL = SqlStatements.load("history.sql");

  /** Rows closed or opened per transaction at most. */
  static final int STEP_ROWS = 500;

  /** How long one step may take before it commits, in ms. */
  static final long STEP_MILLIS = 5;

  /** The pause between steps, in ms. */
  static final long PAUSE_MILLIS = 10;

  /** After how long without a step a pending import counts as abandoned, in ms. */
  static final long STALE_MILLIS = 60_000;

  /** One object's change: close its open row (when closeId is set), open a new one (with body). */
  /** A close of {@code closeId} and/or an insert of {@code object}; {@code ref} is always set. */
  private record Change(Long closeId, ObjectRef ref, ClusterObject object, String body) {}

  private record Current(long id, String body) {}

  private final Database database;
  private final String cluster;
  private final Instant at;
  private final String source;

  /** The one writer connection of this import's transactions, open while {@link #record} runs. */
  private Connection writer;

  SnapshotInSteps(Database database, String cluster, Instant at, String source) {
    this.database = database;
    this.cluster = cluster;
    this.at = at;
    this.source = source;
  }

  /**
   * Records the snapshot.
   *
   * @throws HistoryOrderException when {@code at} is before the cluster's latest change
   * @throws DatabaseException when another import of the cluster is being written, or the database
   *     cannot be written (what this import wrote is then rolled back)
   */
  ImportSummary record(Collection<? extends ClusterObject> objects) {
    try (Connection c = database.openWriter()) {
      writer = c;
      return recordOn(objects);
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot record cluster state in " + database.file() + ": " + e.getMessage(), e);
    } finally {
      writer = null;
    }
  }

  private ImportSummary recordOn(Collection<? extends ClusterObject> objects) {
    List<ClusterObject> states = new ArrayList<>(objects);
    List<String> bodies = new ArrayList<>(objects.size());
    for (ClusterObject o : states) {
      bodies.add(ObjectJson.write(o));
    }
    long id = begin();
    try {
      Map<ObjectRef, Current> current = current();
      List<Change> changes = new ArrayList<>();
      int unchanged = 0;
      for (int i = 0; i < states.size(); i++) {
        ClusterObject o = states.get(i);
        Current before = current.remove(o.ref());
        if (before != null && before.body().equals(bodies.get(i))) {
          unchanged++;
        } else {
          changes.add(new Change(before == null ? null : before.id(), o.ref(), o, bodies.get(i)));
        }
      }
      int opened = changes.size();
      current.forEach((ref, gone) -> changes.add(new Change(gone.id(), ref, null, null)));
      int closed = (int) changes.stream().filter(c -> c.closeId() != null).count();
      List<HistoryFeed.Event> events = new ArrayList<>();
      apply(id, changes, events);
      ImportSummary summary = new ImportSummary(cluster, at, opened, closed, unchanged);
      publish(id, summary, events);
      untag(id);
      return summary;
    } catch (RuntimeException e) {
      try {
        rollBack(id);
      } catch (RuntimeException r) {
        e.addSuppressed(r);
      }
      throw e;
    }
  }

  /**
   * Registers the import once no other import of the cluster is pending (rolling back abandoned
   * ones) and {@code at} is not before the cluster's history.
   */
  private long begin() {
    while (true) {
      List<Long> abandoned = new ArrayList<>();
      Long id =
          WriteTransaction.run(
              writer,
              database,
              "cluster state",
              c -> {
                try (PreparedStatement st =
                    c.prepareStatement(SQL.get("select-pending-of-cluster"))) {
                  st.setString(1, cluster);
                  try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                      long other = rs.getLong(1);
                      long pid = rs.getLong(3);
                      long progress = rs.getLong(4);
                      if (alive(pid, progress)) {
                        throw new DatabaseException(
                            "cannot record cluster state in "
                                + database.file()
                                + ": an import of cluster '"
                                + cluster
                                + "' from "
                                + rs.getString(2)
                                + " is still being written (process "
                                + pid
                                + ", last step at "
                                + Instant.ofEpochMilli(progress)
                                + "); try again when it has finished",
                            null);
                      }
                      abandoned.add(other);
                    }
                  }
                }
                if (!abandoned.isEmpty()) {
                  return null;
                }
                ClusterHistory.checkOrder(c, cluster, at);
                try (PreparedStatement st =
                    c.prepareStatement(SQL.get("insert-pending"), new String[] {"id"})) {
                  st.setString(1, cluster);
                  st.setLong(2, at.toEpochMilli());
                  st.setString(3, source);
                  st.setLong(4, ProcessHandle.current().pid());
                  st.setLong(5, System.currentTimeMillis());
                  st.executeUpdate();
                  try (ResultSet keys = st.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                  }
                }
              });
      if (id != null) {
        return id;
      }
      for (long other : abandoned) {
        LOG.warn(
            "cluster/{}: rolling back an import that was abandoned while being written", cluster);
        rollBack(other);
      }
    }
  }

  private static boolean alive(long pid, long progressAt) {
    if (System.currentTimeMillis() - progressAt > STALE_MILLIS) {
      return false;
    }
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The open rows of the cluster, by object. No other import of it is pending now. */
  private Map<ObjectRef, Current> current() {
    Map<ObjectRef, Current> out = new HashMap<>();
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-current"))) {
      st.setString(1, cluster);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          ObjectKind kind = ObjectKind.fromKind(rs.getString(2));
          out.put(
              new ObjectRef(kind, rs.getString(3), rs.getString(4)),
              new Current(rs.getLong(1), rs.getString(5)));
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
    return out;
  }

  private void apply(long id, List<Change> changes, List<HistoryFeed.Event> events) {
    long t = at.toEpochMilli();
    int next = 0;
    while (next < changes.size()) {
      int from = next;
      List<HistoryFeed.Event> stepEvents = new ArrayList<>();
      next =
          WriteTransaction.run(
              writer,
              database,
              "cluster state",
              c -> {
                stepEvents.clear();
                touch(c, id);
                long deadline = System.nanoTime() + STEP_MILLIS * 1_000_000;
                int i = from;
                try (PreparedStatement close = c.prepareStatement(SQL.get("close-object-pending"));
                    PreparedStatement insert =
                        c.prepareStatement(
                            SQL.get("insert-object-pending"),
                            java.sql.Statement.RETURN_GENERATED_KEYS)) {
                  while (i < changes.size()
                      && i - from < STEP_ROWS
                      && (i == from || System.nanoTime() < deadline)) {
                    Change change = changes.get(i++);
                    if (change.closeId() != null) {
                      close.setLong(1, t);
                      close.setLong(2, id);
                      close.setLong(3, change.closeId());
                      close.executeUpdate();
                      stepEvents.add(
                          new HistoryFeed.Event(cluster, change.closeId(), change.ref(), null, t));
                    }
                    if (change.body() != null) {
                      insert.setString(1, cluster);
                      insert.setString(2, change.ref().kind().kind());
                      insert.setString(3, change.ref().namespace());
                      insert.setString(4, change.ref().name());
                      insert.setLong(5, t);
                      insert.setString(6, change.body());
                      insert.setLong(7, id);
                      insert.executeUpdate();
                      try (java.sql.ResultSet keys = insert.getGeneratedKeys()) {
                        if (!keys.next()) {
                          throw new SQLException(
                              "no row id for the new interval of " + change.ref());
                        }
                        stepEvents.add(
                            new HistoryFeed.Event(
                                cluster, keys.getLong(1), change.ref(), change.object(), t));
                      }
                    }
                  }
                }
                return i;
              },
              () -> events.addAll(stepEvents));
      pause();
    }
  }

  /**
   * Makes the import visible, then hands its changes to the {@link HistoryFeed} (the server's
   * in-memory timelines), which see them only once readers of the database can.
   */
  private void publish(long id, ImportSummary s, List<HistoryFeed.Event> events) {
    HistoryFeed feed = HistoryFeed.of(database);
    WriteTransaction.run(
        writer,
        database,
        "cluster state",
        c -> {
          touch(c, id);
          try (PreparedStatement st = c.prepareStatement(SQL.get("insert-import"))) {
            st.setString(1, cluster);
            st.setLong(2, at.toEpochMilli());
            st.setString(3, source);
            st.setLong(4, System.currentTimeMillis());
            st.setInt(5, s.opened());
            st.setInt(6, s.closed());
            st.setInt(7, s.unchanged());
            st.executeUpdate();
          }
          try (PreparedStatement st = c.prepareStatement(SQL.get("delete-pending"))) {
            st.setLong(1, id);
            st.executeUpdate();
          }
          return null;
        },
        () -> feed.deliver(events));
  }

  /** Records progress; fails when the import was rolled back as abandoned meanwhile. */
  private void touch(Connection c, long id) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(SQL.get("touch-pending"))) {
      st.setLong(1, System.currentTimeMillis());
      st.setLong(2, id);
      if (st.executeUpdate() != 1) {
        throw new DatabaseException(
            "cannot record cluster state in "
                + database.file()
                + ": the import of cluster '"
                + cluster
                + "' was rolled back by another import, which took it for abandoned",
            null);
      }
    }
  }

  /** Clears the tags of a finished import, step by step; they are harmless if left. */
  private void untag(long id) {
    try {
      repeat(id, "untag-opened-by");
      repeat(id, "untag-closed-by");
    } catch (DatabaseException e) {
      LOG.debug("cluster/{}: clearing the tags of import {}: {}", cluster, id, e.getMessage());
    }
  }

  /** Undoes what a pending import wrote, step by step, then forgets it. */
  private void rollBack(long id) {
    repeat(id, "delete-opened-by");
    repeat(id, "reopen-closed-by");
    WriteTransaction.run(
        writer,
        database,
        "cluster state",
        c -> {
          try (PreparedStatement st = c.prepareStatement(SQL.get("delete-pending"))) {
            st.setLong(1, id);
            return st.executeUpdate();
          }
        });
  }

  /** Runs a statement that touches at most {@value #STEP_ROWS} rows until it touches none. */
  private void repeat(long id, String statement) {
    while (true) {
      int n =
          WriteTransaction.run(
              writer,
              database,
              "cluster state",
              c -> {
                try (PreparedStatement st = c.prepareStatement(SQL.get(statement))) {
                  st.setLong(1, id);
                  st.setInt(2, STEP_ROWS);
                  return st.executeUpdate();
                }
              });
      if (n == 0) {
        return;
      }
      pause();
    }
  }

  private static void pause() {
    LockSupport.parkNanos(PAUSE_MILLIS * 1_000_000);
  }
}
