package io.egressaudit.sql;

import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads cluster history as intervals, for building in-memory timelines: every stored state of every
 * object, in the order it was recorded. One read transaction, so the intervals and the row id they
 * run to are one consistent picture even while history is written. Rows are read from SQLite and
 * decoded on a thread of their own ({@link IntervalRows}) while the caller's thread keeps them.
 */
public final class HistoryLoader {

  private static final SqlStatements SQL = SqlStatements.load("history.sql");

  private HistoryLoader() {}

  /** Receives intervals. */
  @FunctionalInterface
  public interface Sink {
    /**
     * One stored interval.
     *
     * @param cluster the cluster
     * @param rowId its row id in {@code cluster_object}
     * @param state the object's state
     * @param validFrom epoch ms
     * @param validTo epoch ms, or {@link Long#MAX_VALUE} while still valid
     */
    void interval(String cluster, long rowId, ClusterObject state, long validFrom, long validTo);
  }

  /**
   * Reads the intervals of a cluster (or all) that overlap a period.
   *
   * @param database the database
   * @param cluster only this cluster, or null for all
   * @param from epoch ms, included ({@link Long#MIN_VALUE} for all)
   * @param to epoch ms, excluded ({@link Long#MAX_VALUE} for all)
   * @param sink receives each interval, in row order
   * @return the highest row id in history when it was read: every interval up to it was offered
   * @throws DatabaseException when history cannot be read
   */
  public static long load(Database database, String cluster, long from, long to, Sink sink) {
    try (IntervalRows rows = new IntervalRows(database, cluster, from, to, SQL)) {
      for (IntervalRows.Batch b = rows.next(); b != null; b = rows.next()) {
        for (int i = 0; i < b.size; i++) {
          sink.interval(b.cluster[i], b.id[i], b.state[i], b.validFrom[i], b.validTo[i]);
        }
      }
      return rows.mark();
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A value that changes whenever any process writes history: compare two to know whether history
   * must be read again (another process imported a dump). Shape {@code
   * MAXROWID/OPEN/PENDING/OWN/HORIZON}: the highest interval row id, the number of open intervals
   * (an interval ending lowers it; one beginning raises the first number), the number of snapshot
   * imports other processes are still writing (what they wrote is hidden from readers until they
   * end, which moves none of the others: a reader that saw one pending must read again), the number
   * this process is writing (its {@link HistoryFeed} delivers them when they end, while the first
   * number already moves), and the latest prune horizon (epoch ms, 0 when never pruned: retention
   * deletes ended intervals, which moves none of the others). Each is read from an index: a few
   * milliseconds however long the history.
   *
   * @throws DatabaseException when history cannot be read
   */
  public static String changeMark(Database database) {
    try (Connection c = database.openReader()) {
      long[] m = changeMark(c);
      return m[0] + "/" + m[1] + "/" + m[2] + "/" + m[3] + "/" + m[4];
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  static long[] changeMark(Connection c) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(SQL.get("select-change-mark"))) {
      st.setLong(1, ProcessHandle.current().pid());
      try (ResultSet rs = st.executeQuery()) {
        return rs.next()
            ? new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)}
            : new long[] {0, 0, 0, 0, 0};
      }
    }
  }

  /**
   * The clusters with history and where each one's history starts: the earliest {@code valid_from}
   * kept, or the prune horizon when retention pruned it (see {@link HistoryStart}), sorted by
   * cluster.
   *
   * @throws DatabaseException when history cannot be read
   */
  public static Map<String, HistoryStart> historyStarts(Database database) {
    Map<String, HistoryStart> out = new LinkedHashMap<>();
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-history-starts"));
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        String cluster = rs.getString(1);
        java.time.Instant first = java.time.Instant.ofEpochMilli(rs.getLong(2));
        long horizon = rs.getLong(3);
        java.time.Instant prunedBefore =
            rs.wasNull() ? null : java.time.Instant.ofEpochMilli(horizon);
        out.put(cluster, new HistoryStart(first, prunedBefore));
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The prune horizon of each cluster whose history retention pruned ({@code
   * history_horizon.pruned_before}): intervals that ended at or before it were deleted.
   *
   * @return by cluster, sorted; empty when no history was ever pruned
   * @throws DatabaseException when history cannot be read
   */
  public static Map<String, java.time.Instant> horizons(Database database) {
    Map<String, java.time.Instant> out = new LinkedHashMap<>();
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-horizons"));
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getString(1), java.time.Instant.ofEpochMilli(rs.getLong(2)));
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A cluster's latest snapshot.
   *
   * @param source where it came from ({@code cluster_import.source}: a file path, {@code -}, {@code
   *     bundled:...}, or {@code kubernetes URL} for a live cluster's list)
   * @param at the time its state is valid from ({@code cluster_import.at})
   */
  public record LatestSnapshot(String source, java.time.Instant at) {}

  /**
   * Each cluster's latest snapshot ({@code cluster_import}: the one with the latest {@code at}), by
   * cluster; one aggregate query over the imports, which are few.
   *
   * @throws DatabaseException when history cannot be read
   */
  public static Map<String, LatestSnapshot> latestSnapshots(Database database) {
    Map<String, LatestSnapshot> out = new LinkedHashMap<>();
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-cluster-sources"));
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.put(
            rs.getString(1),
            new LatestSnapshot(rs.getString(2), java.time.Instant.ofEpochMilli(rs.getLong(3))));
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Where each cluster's latest snapshot import came from ({@code cluster_import.source}: a file
   * path, {@code bundled:...}, or the live context's source), by cluster.
   *
   * @throws DatabaseException when history cannot be read
   */
  public static Map<String, String> sources(Database database) {
    Map<String, String> out = new LinkedHashMap<>();
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-cluster-sources"));
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether a cluster's history (what retention kept of it) ever held a Node, Namespace or EgressIP
   * of that name; for {@link ObjectKind#NAMESPACE}, a pod in that namespace counts too (its
   * Namespace object may never have been recorded). A few index seeks.
   *
   * @param kind {@code NODE}, {@code NAMESPACE} or {@code EGRESS_IP} (cluster-scoped kinds)
   * @param name {@code metadata.name} of the object (of the namespace for pods)
   * @throws DatabaseException when history cannot be read
   */
  public static boolean everHeld(Database database, String cluster, ObjectKind kind, String name) {
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-name-held"))) {
      st.setString(1, cluster);
      st.setString(2, kind.kind());
      st.setString(3, name);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() && rs.getInt(1) != 0;
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every name of a cluster-scoped kind that a cluster's history ever held (for {@link
   * ObjectKind#NAMESPACE} also the namespaces of its pods), sorted. Reads every interval of the
   * kind: for error messages, not for each query.
   *
   * @throws DatabaseException when history cannot be read
   */
  public static java.util.List<String> namesEverHeld(
      Database database, String cluster, ObjectKind kind) {
    java.util.List<String> out = new java.util.ArrayList<>();
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-names-held"))) {
      st.setString(1, cluster);
      st.setString(2, kind.kind());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * What each cluster's history covers, read with two aggregate queries (for a command, which has
   * no timeline in memory): the same figures as {@link AttributionTimeline#coverage()}, except that
   * {@code firstChange} is where history starts ({@link HistoryStart#at()}: not before the prune
   * horizon).
   *
   * @return by cluster, sorted
   * @throws DatabaseException when history cannot be read
   */
  public static Map<String, AttributionTimeline.Coverage> coverage(Database database) {
    Map<String, AttributionTimeline.Coverage> out = new LinkedHashMap<>();
    try (Connection c = database.openReader()) {
      Map<String, Map<ObjectKind, Integer>> counts = new java.util.HashMap<>();
      try (PreparedStatement st = c.prepareStatement(SQL.get("select-current-counts"));
          ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          ObjectKind k = ObjectKind.fromKind(rs.getString(2));
          if (k != null) {
            counts
                .computeIfAbsent(rs.getString(1), x -> new java.util.EnumMap<>(ObjectKind.class))
                .put(k, rs.getInt(3));
          }
        }
      }
      try (PreparedStatement st = c.prepareStatement(SQL.get("select-history-coverage"));
          ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          String cluster = rs.getString(1);
          long last = rs.getLong(3);
          long ended = rs.getLong(4);
          if (!rs.wasNull()) {
            last = Math.max(last, ended);
          }
          long horizon = rs.getLong(6);
          HistoryStart start =
              new HistoryStart(
                  java.time.Instant.ofEpochMilli(rs.getLong(2)),
                  rs.wasNull() ? null : java.time.Instant.ofEpochMilli(horizon));
          Map<ObjectKind, Integer> byKind = new java.util.EnumMap<>(ObjectKind.class);
          for (ObjectKind k : ObjectKind.values()) {
            byKind.put(k, counts.getOrDefault(cluster, Map.of()).getOrDefault(k, 0));
          }
          out.put(
              cluster,
              new AttributionTimeline.Coverage(
                  start.at(), java.time.Instant.ofEpochMilli(last), byKind, rs.getLong(5)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }
}
