package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The rows of {@code select-intervals}, read from SQLite and decoded on a thread of their own in
 * batches of {@value #BATCH}, so that the caller keeps one batch (a timeline's inserts) while the
 * next is read: loading millions of intervals at start then takes about the longer of the two
 * halves on two cores, not their sum. One read transaction, as {@link HistoryLoader#load} promises.
 * A body that cannot be decoded is left out, with a warning naming the row ({@link
 * UnreadableRows}).
 */
final class IntervalRows implements AutoCloseable {

  static final int BATCH = 1024;

  /** Rows of one batch, in row order; {@code size} of them are set. */
  static final class Batch {
    final long[] id = new long[BATCH];
    final String[] cluster = new String[BATCH];
    final ClusterObject[] state = new ClusterObject[BATCH];
    final long[] validFrom = new long[BATCH];
    final long[] validTo = new long[BATCH];
    int size;
  }

  private static final Batch END = new Batch();

  private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(4);
  private final Thread reader;
  private volatile boolean cancelled;
  private volatile long mark;
  private volatile Exception failure;

  /** Starts reading the intervals of a cluster (or all) overlapping {@code [from, to)}. */
  IntervalRows(Database database, String cluster, long from, long to, SqlStatements sql) {
    reader = new Thread(() -> read(database, cluster, from, to, sql), "history-reader-" + cluster);
    reader.setDaemon(true);
    reader.start();
  }

  private void read(Database database, String cluster, long from, long to, SqlStatements sql) {
    try (Connection c = database.openReader()) {
      c.setAutoCommit(false);
      try {
        mark = HistoryLoader.changeMark(c)[0];
        try (PreparedStatement st = c.prepareStatement(sql.get("select-intervals"))) {
          if (cluster == null) {
            st.setNull(1, Types.VARCHAR);
          } else {
            st.setString(1, cluster);
          }
          st.setLong(2, from);
          st.setLong(3, to);
          st.setFetchSize(10_000);
          UnreadableRows.Tally unreadable = new UnreadableRows.Tally(database.file());
          try (ResultSet rs = st.executeQuery()) {
            Batch b = new Batch();
            while (rs.next() && !cancelled) {
              int i = b.size;
              b.id[i] = rs.getLong(1);
              try {
                b.state[i] = ObjectJson.read(rs.getString(3), rs.getBytes(4));
              } catch (RuntimeException e) {
                unreadable.skipped(c, b.id[i], e);
                continue;
              }
              b.size++;
              b.cluster[i] = same(b, i, rs.getString(2), b.cluster);
              b.validFrom[i] = rs.getLong(5);
              long validTo = rs.getLong(6);
              b.validTo[i] = rs.wasNull() ? Long.MAX_VALUE : validTo;
              if (b.size == BATCH) {
                put(b);
                b = new Batch();
              }
            }
            if (b.size > 0) {
              put(b);
            }
          }
          unreadable.warn();
        }
      } finally {
        c.rollback();
      }
    } catch (SQLException | RuntimeException e) {
      failure = e;
    } finally {
      put(END);
    }
  }

  /** The previous row's string when equal (clusters and kinds repeat), so each batch shares it. */
  private static String same(Batch b, int i, String s, String[] column) {
    return i > 0 && s != null && s.equals(column[i - 1]) ? column[i - 1] : s;
  }

  private void put(Batch b) {
    try {
      while (!cancelled) {
        if (queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The next batch, or null after the last one.
   *
   * @throws SQLException when reading failed
   */
  Batch next() throws SQLException {
    Batch b;
    try {
      b = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while reading history", e);
    }
    if (b == END) {
      Exception e = failure;
      if (e instanceof SQLException s) {
        throw s;
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      return null;
    }
    return b;
  }

  /** The highest row id in history when the read began; valid once {@link #next} gave null. */
  long mark() {
    return mark;
  }

  /** Stops reading (when the caller gave up) and waits for the reader to end. */
  @Override
  public void close() {
    cancelled = true;
    queue.clear();
    try {
      reader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
