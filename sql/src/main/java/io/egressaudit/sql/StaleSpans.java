package io.egressaudit.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The spans during which a live cluster's view was stale, recorded as history (table {@code
 * cluster_stale}): opened when its watcher goes stale, ended when a relist syncs it again. A span
 * still open at a server's stop stays open: the view was not known to be good after it.
 */
public final class StaleSpans {

  private static final SqlStatements SQL = SqlStatements.load("history.sql");

  /**
   * One span.
   *
   * @param cluster the cluster
   * @param since when the watch went down
   * @param until when it was synced again; null while stale
   * @param reason why, as the watcher said it
   */
  public record Span(String cluster, Instant since, Instant until, String reason) {

    /** True when {@code at} is inside the span: {@code since <= at < until}. */
    public boolean covers(Instant at) {
      return !at.isBefore(since) && (until == null || at.isBefore(until));
    }
  }

  /** Per database file: spans written by this process, and the spans last read with that count. */
  private static final java.util.concurrent.ConcurrentHashMap<java.nio.file.Path, Long> WRITES =
      new java.util.concurrent.ConcurrentHashMap<>();

  private record Loaded(long writes, Map<String, List<Span>> spans) {}

  private static final java.util.concurrent.ConcurrentHashMap<java.nio.file.Path, Loaded> LOADED =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Database database;

  /**
   * @param database where the spans are recorded
   */
  public StaleSpans(Database database) {
    this.database = database;
  }

  /**
   * A live cluster went stale; nothing when a span of it is open already.
   *
   * @throws DatabaseException when the span cannot be written
   */
  public void stale(String cluster, Instant since, String reason) {
    write("insert-stale-span", cluster, since, reason == null ? "unknown" : reason);
  }

  /**
   * A live cluster is synced again; nothing when no span of it is open.
   *
   * @throws DatabaseException when the span cannot be written
   */
  public void synced(String cluster, Instant at) {
    write("close-stale-span", cluster, at, null);
  }

  private void write(String statement, String cluster, Instant at, String reason) {
    ReentrantLock lock = database.writeLock();
    lock.lock();
    try (Connection c = database.openWriter();
        PreparedStatement st = c.prepareStatement(SQL.get(statement))) {
      st.setString(1, cluster);
      st.setLong(2, at.toEpochMilli());
      if (reason != null) {
        st.setString(3, reason);
      }
      st.executeUpdate();
      WRITES.merge(database.file().normalize(), 1L, Long::sum);
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot record the stale span of cluster "
              + cluster
              + " in "
              + database.file()
              + ": "
              + e.getMessage(),
          e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Every span, by cluster, oldest first. The table holds a row per outage, so reading it whole is
   * cheap; it is read again only after this process wrote a span (the server's watchers are the
   * only writers), so answering a {@code whois} does not open the database for it.
   *
   * @throws DatabaseException when it cannot be read
   */
  public static Map<String, List<Span>> load(Database database) {
    java.nio.file.Path file = database.file().normalize();
    long writes = WRITES.getOrDefault(file, 0L);
    Loaded loaded = LOADED.get(file);
    if (loaded != null && loaded.writes() == writes) {
      return loaded.spans();
    }
    Map<String, List<Span>> read = read(database);
    LOADED.put(file, new Loaded(writes, read));
    return read;
  }

  /**
   * The spans {@link #load} would return when they are already read and nothing was written since,
   * without opening the database; null when they must be read (for a thread that must not block).
   */
  public static Map<String, List<Span>> loadedIfCurrent(Database database) {
    java.nio.file.Path file = database.file().normalize();
    Loaded loaded = LOADED.get(file);
    return loaded != null && loaded.writes() == WRITES.getOrDefault(file, 0L)
        ? loaded.spans()
        : null;
  }

  private static Map<String, List<Span>> read(Database database) {
    Map<String, List<Span>> out = new TreeMap<>();
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-stale-spans"));
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        long until = rs.getLong(3);
        boolean open = rs.wasNull();
        out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
            .add(
                new Span(
                    rs.getString(1),
                    Instant.ofEpochMilli(rs.getLong(2)),
                    open ? null : Instant.ofEpochMilli(until),
                    rs.getString(4)));
      }
      out.replaceAll((cluster, l) -> List.copyOf(l));
      return java.util.Collections.unmodifiableMap(out);
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read stale spans in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The span of a cluster covering a time, or null.
   *
   * @param spans from {@link #load}
   */
  public static Span covering(Map<String, List<Span>> spans, String cluster, Instant at) {
    for (Span s : spans.getOrDefault(cluster, List.of())) {
      if (s.covers(at)) {
        return s;
      }
    }
    return null;
  }
}
