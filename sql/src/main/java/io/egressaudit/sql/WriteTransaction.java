package io.egressaudit.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One history write: a connection of its own, this process's write lock, then {@code BEGIN
 * IMMEDIATE}, the work, and {@code COMMIT} (or {@code ROLLBACK} on any failure, so nothing of the
 * work is left behind).
 */
final class WriteTransaction {

  /** Work done inside the transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private WriteTransaction() {}

  /**
   * Runs {@code work} in one write transaction.
   *
   * @param what what is written, for the error message, such as {@code cluster state}
   * @throws DatabaseException naming the file when the database cannot be written
   */
  static <T> T run(Database database, String what, Work<T> work) {
    return run(database, what, work, () -> {});
  }

  /**
   * Runs {@code work} in one write transaction, then {@code afterCommit} once it is committed and
   * before the next writer of this process may begin: so what it reports arrives in commit order.
   */
  static <T> T run(Database database, String what, Work<T> work, Runnable afterCommit) {
    try (Connection c = database.openWriter()) {
      return run(c, database, what, work, afterCommit);
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot record " + what + " in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /** {@link #run(Connection, Database, String, Work, Runnable)} with nothing after the commit. */
  static <T> T run(Connection c, Database database, String what, Work<T> work) {
    return run(c, database, what, work, () -> {});
  }

  /**
   * Runs {@code work} in one write transaction on {@code c}, a connection from {@link
   * Database#openWriter()} that the caller keeps for several transactions (opening one costs a file
   * open, the schema check and, at close, a WAL checkpoint attempt: milliseconds each, which a
   * snapshot written in hundreds of short steps would pay at every step).
   *
   * @param c an open writer connection of {@code database}, not in a transaction; left open
   * @throws DatabaseException naming the file when the database cannot be written
   */
  static <T> T run(
      Connection c, Database database, String what, Work<T> work, Runnable afterCommit) {
    try (Statement tx = c.createStatement()) {
      ReentrantLock lock = database.writeLock();
      lock.lock();
      try {
        // Take SQLite's write lock before reading: a deferred transaction that reads first cannot
        // become a write transaction once another connection (the hit writer) has committed in
        // between; SQLite then answers SQLITE_BUSY at once, without waiting for the busy timeout.
        tx.execute("BEGIN IMMEDIATE");
        try {
          T result = work.run(c);
          tx.execute("COMMIT");
          afterCommit.run();
          return result;
        } catch (SQLException | RuntimeException e) {
          try {
            tx.execute("ROLLBACK");
          } catch (SQLException r) {
            e.addSuppressed(r);
          }
          throw e;
        }
      } finally {
        lock.unlock();
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot record " + what + " in " + database.file() + ": " + e.getMessage(), e);
    }
  }
}
