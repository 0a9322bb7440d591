package io.egressaudit.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes hits older than a retention period in small batches, each its own short transaction, so
 * the hit writer gets the write lock between batches and the listener never stalls; then returns
 * the freed pages to the file system ({@code PRAGMA incremental_vacuum}) a batch at a time as well.
 */
public final class HitRetention {

  private static final Logger LOG = LoggerFactory.getLogger(HitRetention.class);
  private static final SqlStatements SQL = SqlStatements.load("hits.sql");

  /** Hits deleted per transaction. */
  public static final int DEFAULT_BATCH = 2000;

  /** Pages given back per incremental_vacuum step (4 KiB each: 4 MiB). */
  private static final int VACUUM_PAGES = 1024;

  private final Database database;
  private final int batch;

  /**
   * @param database the database
   * @param batch hits deleted per transaction, at least 1
   */
  public HitRetention(Database database, int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1");
    }
    this.database = database;
    this.batch = batch;
  }

  /**
   * Deletes every hit received before {@code cutoff}, then vacuums the freed pages.
   *
   * @param cutoff hits with {@code receivedAt} before this are deleted
   * @return how many hits were deleted
   * @throws DatabaseException when the database cannot be written; batches already committed stay
   *     deleted
   */
  public long prune(Instant cutoff) {
    long deleted = 0;
    try (Connection c = database.openWriter();
        PreparedStatement delete = c.prepareStatement(SQL.get("delete-older-than"))) {
      delete.setLong(1, cutoff.toEpochMilli());
      delete.setInt(2, batch);
      while (true) {
        int n = locked(() -> delete.executeUpdate());
        deleted += n;
        if (n < batch) {
          break;
        }
      }
      if (deleted > 0) {
        vacuum(c);
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot prune hits in "
              + database.file()
              + " after "
              + deleted
              + " deleted: "
              + e.getMessage(),
          e);
    }
    if (deleted > 0) {
      LOG.info(
          "retention: deleted {} hits received before {} from {}",
          deleted,
          cutoff,
          database.file());
    }
    return deleted;
  }

  private void vacuum(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      while (true) {
        long free = pragma(st, "PRAGMA freelist_count");
        if (free == 0) {
          return;
        }
        locked(
            () -> {
              st.execute("PRAGMA incremental_vacuum(" + VACUUM_PAGES + ")");
              return 0;
            });
        if (pragma(st, "PRAGMA freelist_count") >= free) {
          return; // auto_vacuum is off for this file (created before it was set): nothing to give
          // back
        }
      }
    }
  }

  private static long pragma(Statement st, String sql) throws SQLException {
    try (var rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private interface SqlWork {
    int run() throws SQLException;
  }

  private int locked(SqlWork work) throws SQLException {
    ReentrantLock lock = database.writeLock();
    lock.lock();
    try {
      return work.run();
    } finally {
      lock.unlock();
    }
  }
}
