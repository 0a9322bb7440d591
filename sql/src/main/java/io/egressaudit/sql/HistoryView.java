package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.Correlator;
import io.egressaudit.correlator.WhoisResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of cluster history for attributing many source IPs: it loads each cluster's
 * change points once and caches the snapshot of every interval it is asked about, so attributing a
 * page of hits costs a few queries, not one per hit.
 *
 * <p>A view sees history as it was when it was opened; open a new one to see later imports. Not
 * thread-safe: use one per request or command.
 */
public final class HistoryView implements AutoCloseable {

  private static final SqlStatements SQL = SqlStatements.load("history.sql");
  private static final int MAX_CACHED = 64;

  private final Connection connection;
  private final Path file;
  private final Map<String, long[]> changePoints = new LinkedHashMap<>();
  private final Map<String, ClusterSnapshot> cache =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ClusterSnapshot> e) {
          return size() > MAX_CACHED;
        }
      };

  /**
   * Opens a view.
   *
   * @param database the database
   * @param cluster only this cluster, or null for every cluster with history
   * @throws DatabaseException when the database cannot be read
   */
  public HistoryView(Database database, String cluster) {
    this.connection = database.openReader();
    this.file = database.file();
    try {
      List<String> clusters = cluster == null ? clusters(connection) : List.of(cluster);
      for (String c : clusters) {
        changePoints.put(c, changePoints(connection, c));
      }
    } catch (SQLException e) {
      close();
      throw new DatabaseException("cannot read history in " + file + ": " + e.getMessage(), e);
    }
  }

  /** The clusters in view. */
  public List<String> clusters() {
    return List.copyOf(changePoints.keySet());
  }

  /**
   * Attributes a source IP at a time with the state of every cluster in view valid then.
   *
   * @param ip any IP literal
   * @param at the time the IP was seen
   * @return never-empty matches (a single unknown when nothing owns the IP)
   * @throws IllegalArgumentException when {@code ip} is not an IP literal
   * @throws DatabaseException when history cannot be read
   */
  public WhoisResult whois(String ip, Instant at) {
    return Correlator.whois(ip, at, snapshotsAt(at));
  }

  /**
   * The snapshot of every cluster in view at {@code at}; clusters with no state then are left out.
   */
  public List<ClusterSnapshot> snapshotsAt(Instant at) {
    List<ClusterSnapshot> out = new ArrayList<>();
    for (String c : changePoints.keySet()) {
      ClusterSnapshot s = snapshotAt(c, at);
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * The state of one cluster at {@code at}.
   *
   * @throws DatabaseException when history cannot be read
   */
  public ClusterSnapshot snapshotAt(String cluster, Instant at) {
    long t = at.toEpochMilli();
    long[] points =
        changePoints.computeIfAbsent(
            cluster,
            c -> {
              try {
                return changePoints(connection, c);
              } catch (SQLException e) {
                throw new DatabaseException(
                    "cannot read history in " + file + ": " + e.getMessage(), e);
              }
            });
    int i = Arrays.binarySearch(points, t);
    int epoch = i >= 0 ? i : -i - 2; // index of the greatest change point <= t, -1 if none
    if (epoch < 0) {
      return ClusterSnapshot.of(cluster, List.of());
    }
    String key = cluster + "\u0000" + points[epoch];
    ClusterSnapshot s = cache.get(key);
    if (s == null) {
      s = load(cluster, points[epoch]);
      cache.put(key, s);
    }
    return s;
  }

  private ClusterSnapshot load(String cluster, long t) {
    Map<ClusterObject, Instant> objects = new HashMap<>();
    try (PreparedStatement st = connection.prepareStatement(SQL.get("select-valid-at"))) {
      st.setString(1, cluster);
      st.setLong(2, t);
      UnreadableRows.Tally unreadable = new UnreadableRows.Tally(file);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          ClusterObject o;
          try {
            o = ObjectJson.read(rs.getString(1), rs.getString(2));
          } catch (RuntimeException e) {
            unreadable.skipped(connection, rs.getLong(4), e);
            continue;
          }
          objects.put(o, Instant.ofEpochMilli(rs.getLong(3)));
        }
      }
      unreadable.warn();
    } catch (SQLException e) {
      throw new DatabaseException("cannot read history in " + file + ": " + e.getMessage(), e);
    }
    return new ClusterSnapshot(cluster, objects);
  }

  private static List<String> clusters(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement st = c.prepareStatement(SQL.get("select-clusters"));
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static long[] changePoints(Connection c, String cluster) throws SQLException {
    List<Long> points = new ArrayList<>();
    try (PreparedStatement st = c.prepareStatement(SQL.get("select-change-points"))) {
      st.setString(1, cluster);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          points.add(rs.getLong(1));
        }
      }
    }
    return points.stream().mapToLong(Long::longValue).toArray();
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing was written through this connection; closing it cannot lose data
    }
  }
}
