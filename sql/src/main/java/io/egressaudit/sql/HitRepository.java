package io.egressaudit.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads hits, and writes hits that do not come from the live listener (imported access logs). Each
 * call opens its own connection: WAL lets it read while the hit writer commits.
 */
public final class HitRepository {

  private static final SqlStatements SQL = SqlStatements.load("hits.sql");

  private final Database database;
  private final int keepIdle;
  private final java.util.concurrent.BlockingDeque<Reader> idle;

  /**
   * Opens a connection for each reader and closes it with the reader (one-shot commands).
   *
   * @param database the database to read
   */
  public HitRepository(Database database) {
    this(database, 0);
  }

  /**
   * Keeps up to {@code keepIdle} closed readers open for the next ones (a server answering pages):
   * opening a connection runs several statements (WAL, schema version, query-only) and starts with
   * an empty page cache, about a millisecond per page of hits. A reader kept has run every
   * statement to its end, so it holds no read transaction: each read still sees every commit.
   * {@link #close} closes those kept.
   *
   * @param database the database to read
   * @param keepIdle most readers kept open while unused; 0 keeps none
   */
  public HitRepository(Database database, int keepIdle) {
    this.database = database;
    this.keepIdle = keepIdle;
    this.idle = new java.util.concurrent.LinkedBlockingDeque<>(Math.max(1, keepIdle));
  }

  /**
   * Closes the readers kept open (see {@link #HitRepository(Database, int)}); readers in use close
   * their connection when closed.
   */
  public void close() {
    closed = true;
    Reader r;
    while ((r = idle.poll()) != null) {
      r.release();
    }
  }

  private volatile boolean closed;

  /**
   * Reads hits matching the query, by id in the query's order.
   *
   * @throws DatabaseException when the database cannot be read
   */
  public List<StoredHit> find(HitQuery q) {
    try (Reader r = reader()) {
      return r.find(q);
    }
  }

  /**
   * Opens a reader for many small reads on one connection (a page merged from the hits of many
   * source IPs): each read through {@link #find} opens a connection of its own, which costs more
   * than a small indexed query. Close it when done.
   *
   * @throws DatabaseException when the database cannot be opened
   */
  public Reader reader() {
    Reader kept = idle.pollFirst();
    return kept != null ? kept : new Reader(database.openReader());
  }

  /** A hit's id, when it arrived (epoch ms) and its source IP: what attribution reads of it. */
  public record HitKey(long id, long receivedAtMillis, String sourceIp) {}

  /**
   * Reads on one connection, its statements prepared once. Not thread-safe; each read is its own
   * transaction (autocommit), as with {@link HitRepository#find}.
   */
  public final class Reader implements AutoCloseable {
    private final Connection c;
    private final java.util.Map<String, PreparedStatement> statements = new java.util.HashMap<>();

    private Reader(Connection c) {
      this.c = c;
    }

    private PreparedStatement prepared(String name) throws SQLException {
      PreparedStatement st = statements.get(name);
      if (st == null) {
        st = c.prepareStatement(SQL.get(name));
        statements.put(name, st);
      }
      return st;
    }

    /**
     * The keys of one source IP's hits over {@code [sinceMillis, untilMillis)} after an id, by id
     * in the query's order, at most {@code limit}: from the source IP index alone when no probe is
     * asked for.
     *
     * @param q the query; its {@code sourceIp} must be set
     * @throws DatabaseException when the database cannot be read
     */
    public List<HitKey> keys(HitQuery q) {
      if (q.sourceIp() == null) {
        throw new IllegalArgumentException("keys of hits need a source IP");
      }
      try {
        if (q.probeId() != null) {
          List<HitKey> out = new ArrayList<>();
          for (StoredHit h : find(q)) {
            out.add(new HitKey(h.id(), h.hit().receivedAtMillis(), h.hit().sourceIp()));
          }
          return out;
        }
        PreparedStatement st =
            prepared(
                q.newestFirst() ? "select-hit-keys-of-ip-newest-first" : "select-hit-keys-of-ip");
        st.setString(1, q.sourceIp());
        st.setLong(2, q.sinceMillis());
        st.setLong(3, q.untilMillis());
        st.setLong(4, q.afterId());
        st.setInt(5, q.limit());
        List<HitKey> out = new ArrayList<>(Math.min(q.limit(), 1024));
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            out.add(new HitKey(rs.getLong(1), rs.getLong(2), q.sourceIp()));
          }
        }
        return out;
      } catch (SQLException e) {
        throw new DatabaseException(
            "cannot read hits from " + database.file() + ": " + e.getMessage(), e);
      }
    }

    /**
     * {@link HitRepository#find} on this reader's connection.
     *
     * @throws DatabaseException when the database cannot be read
     */
    public List<StoredHit> find(HitQuery q) {
      try {
        PreparedStatement st =
            prepared(HitRepository.statement(q) + (q.newestFirst() ? "-newest-first" : ""));
        st.setLong(1, q.sinceMillis());
        st.setLong(2, q.untilMillis());
        st.setString(3, q.sourceIp());
        st.setString(4, q.probeId());
        st.setLong(5, q.afterId());
        st.setInt(6, q.limit());
        List<StoredHit> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            out.add(read(rs));
          }
        }
        return out;
      } catch (SQLException e) {
        throw new DatabaseException(
            "cannot read hits from " + database.file() + ": " + e.getMessage(), e);
      }
    }

    /**
     * The hits with these ids, by id; an id with no hit (deleted by retention meanwhile) is left
     * out. One query per 1,000 ids.
     *
     * @throws DatabaseException when the database cannot be read
     */
    public java.util.Map<Long, StoredHit> byIds(List<Long> ids) {
      java.util.Map<Long, StoredHit> out = new java.util.HashMap<>(ids.size() * 2);
      try {
        PreparedStatement st = prepared("select-hits-with-ids");
        for (int from = 0; from < ids.size(); from += 1000) {
          List<Long> part = ids.subList(from, Math.min(ids.size(), from + 1000));
          StringBuilder json = new StringBuilder(part.size() * 9).append('[');
          for (int i = 0; i < part.size(); i++) {
            json.append(i == 0 ? "" : ",").append(part.get(i));
          }
          st.setString(1, json.append(']').toString());
          try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
              StoredHit h = read(rs);
              out.put(h.id(), h);
            }
          }
        }
        return out;
      } catch (SQLException e) {
        throw new DatabaseException(
            "cannot read hits from " + database.file() + ": " + e.getMessage(), e);
      }
    }

    /**
     * Hands the connection back to be kept for the next reader (see {@link
     * HitRepository#HitRepository(Database, int)}), or closes it.
     */
    @Override
    public void close() {
      try {
        if (keepIdle > 0 && !closed && c.getAutoCommit() && idle.offerFirst(this)) {
          if (closed && idle.remove(this)) {
            release();
          }
          return;
        }
      } catch (SQLException e) {
        // not fit to keep: closed below
      }
      release();
    }

    private void release() {
      try {
        for (PreparedStatement st : statements.values()) {
          st.close();
        }
        statements.clear();
        c.close();
      } catch (SQLException e) {
        throw new DatabaseException("cannot close " + database.file() + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Which index a query walks: the source IP's for one IP; the ids (the table itself) when neither
   * a period nor a probe bounds it, so a page reads its rows and no more; else the received_at
   * index.
   */
  private static String statement(HitQuery q) {
    if (q.sourceIp() != null) {
      return "select-hits-of-ip";
    }
    if (q.probeId() == null
        && q.sinceMillis() == Long.MIN_VALUE
        && q.untilMillis() == Long.MAX_VALUE) {
      return "select-hits-by-id";
    }
    return "select-hits";
  }

  /**
   * When the oldest stored hit arrived, or null when there is none.
   *
   * @throws DatabaseException when the database cannot be read
   */
  public java.time.Instant oldest() {
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("oldest-hit"));
        ResultSet rs = st.executeQuery()) {
      if (rs.next()) {
        long v = rs.getLong(1);
        return rs.wasNull() ? null : java.time.Instant.ofEpochMilli(v);
      }
      return null;
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read hits from " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The distinct source IPs of the stored hits whose canonical text starts with one of the given
   * prefixes ({@code "10.0.0."}, {@code "2001:db8:"}; {@code ""} for all), by text. Reads one seek
   * in the source IP index per distinct IP found (a skip scan), not a row per hit: a network of a
   * few hundred source IPs costs a few hundred seeks however many hits they have.
   *
   * @param textPrefixes prefixes of canonical IP text
   * @return the source IPs, each once, sorted as text
   * @throws DatabaseException when the database cannot be read
   */
  public List<String> sourceIpsStartingWith(List<String> textPrefixes) {
    java.util.TreeSet<String> out = new java.util.TreeSet<>();
    try (Connection c = database.openReader();
        PreparedStatement first = c.prepareStatement(SQL.get("select-first-source-ip-between"));
        PreparedStatement next = c.prepareStatement(SQL.get("select-next-source-ip-between"))) {
      for (String prefix : textPrefixes) {
        String end = prefix + Character.MAX_VALUE; // past every ASCII text starting with prefix
        PreparedStatement st = first;
        String from = prefix;
        while (true) {
          st.setString(1, from);
          st.setString(2, end);
          try (ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
              break;
            }
            from = rs.getString(1);
          }
          out.add(from);
          st = next;
        }
      }
      return new ArrayList<>(out);
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read source IPs from " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /** The number of hits stored. */
  public long count() {
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("count-hits"));
        ResultSet rs = st.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot count hits in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Inserts hits in one transaction. A hit whose {@code origin} and {@code originLine} are already
   * stored is skipped, so importing the same access log twice adds nothing.
   *
   * @return how many rows were inserted
   * @throws DatabaseException when the transaction fails (nothing is inserted)
   */
  public int insertAll(List<HitRecord> hits) {
    try (Connection c = database.openWriter()) {
      c.setAutoCommit(false);
      ReentrantLock lock = database.writeLock();
      lock.lock();
      try (PreparedStatement st = c.prepareStatement(SQL.get("insert-hit"))) {
        int inserted = 0;
        for (HitRecord h : hits) {
          bind(st, h.bounded());
          inserted += st.executeUpdate();
        }
        c.commit();
        return inserted;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        lock.unlock();
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot write hits to " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * What {@link #importAll} did with a batch of access-log lines.
   *
   * @param inserted lines stored now
   * @param present lines stored by an earlier import of the same log, with the same content
   * @param differing line numbers an earlier import stored for the same origin with other content
   *     (time, source IP, method or path): another log that only shares the first line; not stored
   */
  public record ImportedLines(int inserted, int present, List<Integer> differing) {}

  /**
   * Inserts imported access-log lines in one transaction. A line whose {@code origin} and {@code
   * originLine} are already stored is skipped; it counts as present when the stored row has the
   * same time, source IP, method and path, and as differing otherwise.
   *
   * @param hits lines with a non-null {@code origin} and {@code originLine}
   * @throws DatabaseException when the transaction fails (nothing is inserted)
   */
  public ImportedLines importAll(List<HitRecord> hits) {
    try (Connection c = database.openWriter()) {
      c.setAutoCommit(false);
      ReentrantLock lock = database.writeLock();
      lock.lock();
      try (PreparedStatement insert = c.prepareStatement(SQL.get("insert-hit"));
          PreparedStatement stored = c.prepareStatement(SQL.get("select-imported-line"))) {
        int inserted = 0;
        int present = 0;
        List<Integer> differing = new ArrayList<>();
        for (HitRecord h : hits) {
          HitRecord b = h.bounded();
          bind(insert, b);
          if (insert.executeUpdate() == 1) {
            inserted++;
          } else if (sameAsStored(stored, b)) {
            present++;
          } else {
            differing.add(b.originLine());
          }
        }
        c.commit();
        return new ImportedLines(inserted, present, List.copyOf(differing));
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        lock.unlock();
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot write hits to " + database.file() + ": " + e.getMessage(), e);
    }
  }

  private static boolean sameAsStored(PreparedStatement st, HitRecord h) throws SQLException {
    st.setString(1, h.origin());
    st.setInt(2, h.originLine());
    try (ResultSet rs = st.executeQuery()) {
      return rs.next()
          && rs.getLong(1) == h.receivedAtMillis()
          && java.util.Objects.equals(rs.getString(2), h.sourceIp())
          && java.util.Objects.equals(rs.getString(3), h.method())
          && java.util.Objects.equals(rs.getString(4), h.path());
    }
  }

  /**
   * The origin of an earlier import whose text ends with {@code suffix} (the digest of a log's
   * first line), so a log imported again under another path keeps its first origin. Reads the
   * origin index once: fast enough for a command, not for a hot path.
   *
   * @return the stored origin, or null when no imported line has one ending so
   * @throws DatabaseException when the database cannot be read
   */
  public String originEndingWith(String suffix) {
    try (Connection c = database.openReader();
        PreparedStatement st = c.prepareStatement(SQL.get("select-origin-ending"))) {
      st.setString(1, suffix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"));
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read origins from " + database.file() + ": " + e.getMessage(), e);
    }
  }

  static PreparedStatement prepareInsert(Connection c) throws SQLException {
    return c.prepareStatement(SQL.get("insert-hit"));
  }

  static void bind(PreparedStatement st, HitRecord h) throws SQLException {
    st.setLong(1, h.receivedAtMillis());
    st.setString(2, h.sourceIp());
    setInt(st, 3, h.sourcePort());
    setInt(st, 4, h.localPort());
    st.setString(5, h.method());
    st.setString(6, h.path());
    st.setString(7, h.host());
    st.setString(8, h.userAgent());
    st.setString(9, h.probeId());
    st.setString(10, h.forwardedFor());
    st.setString(11, h.httpVersion());
    st.setString(12, h.origin());
    setInt(st, 13, h.originLine());
    st.setString(14, h.peerIp());
  }

  private static void setInt(PreparedStatement st, int i, Integer v) throws SQLException {
    if (v == null) {
      st.setNull(i, Types.INTEGER);
    } else {
      st.setInt(i, v);
    }
  }

  private static StoredHit read(ResultSet rs) throws SQLException {
    return new StoredHit(
        rs.getLong(1),
        new HitRecord(
            rs.getLong(2),
            rs.getString(3),
            intOrNull(rs, 4),
            intOrNull(rs, 5),
            rs.getString(6),
            rs.getString(7),
            rs.getString(8),
            rs.getString(9),
            rs.getString(10),
            rs.getString(11),
            rs.getString(12),
            rs.getString(13),
            intOrNull(rs, 14),
            rs.getString(15)));
  }

  private static Integer intOrNull(ResultSet rs, int i) throws SQLException {
    int v = rs.getInt(i);
    return rs.wasNull() ? null : v;
  }
}
