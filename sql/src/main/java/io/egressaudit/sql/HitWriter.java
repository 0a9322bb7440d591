package io.egressaudit.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of hits: a bounded queue in front of one thread that inserts whatever is
 * waiting in one transaction (group commit) and only then reports each hit as committed.
 *
 * <p>Callers never block: {@link #offer} returns false when the queue is full or the writer is
 * failing, and the listener then answers 503 instead of acknowledging a row it may lose. A failed
 * transaction reports every hit of the batch as failed; the next batch tries again.
 */
public final class HitWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HitWriter.class);

  /**
   * Told once the hit's transaction committed (failure null) or failed. Runs on the writer thread.
   */
  @FunctionalInterface
  public interface Completion {
    /**
     * @param failure null when the row is committed; the cause otherwise
     */
    void done(Throwable failure);
  }

  /**
   * Tuning of the writer.
   *
   * @param queueCapacity hits waiting at most; beyond it {@link #offer} refuses
   * @param maxBatch hits per transaction at most
   * @param batchDelayMicros how long the writer waits for more hits to fill a batch before
   *     committing, in microseconds; 0 commits what is there
   */
  public record Settings(int queueCapacity, int maxBatch, long batchDelayMicros) {

    /** 16384 waiting, 1024 per transaction, no extra wait. */
    public static final Settings DEFAULT = new Settings(16_384, 1024, 0);

    /** Checks the bounds. */
    public Settings {
      if (queueCapacity < 1 || maxBatch < 1 || batchDelayMicros < 0) {
        throw new IllegalArgumentException(
            "queueCapacity and maxBatch must be positive and batchDelayMicros not negative");
      }
    }
  }

  /** Counters since start; all monotonic except {@code queued}. */
  public record Stats(
      long accepted, long refused, long committed, long failed, long batches, int queued) {}

  private record Pending(HitRecord hit, Completion completion) {}

  /**
   * The transaction statements, prepared once: executing them as text would parse them again at
   * every group commit.
   */
  private record Control(
      PreparedStatement begin, PreparedStatement commit, PreparedStatement rollback)
      implements AutoCloseable {
    static Control prepare(Connection c) throws SQLException {
      return new Control(
          c.prepareStatement("BEGIN IMMEDIATE"),
          c.prepareStatement("COMMIT"),
          c.prepareStatement("ROLLBACK"));
    }

    @Override
    public void close() throws SQLException {
      begin.close();
      commit.close();
      rollback.close();
    }
  }

  private final Database database;
  private final Settings settings;
  private final BlockingQueue<Pending> queue;
  private final Thread thread;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();

  /** Calls of {@link #offer} in progress: the writer stops only when none can still enqueue. */
  private final AtomicInteger offering = new AtomicInteger();

  private volatile boolean running = true;
  private volatile boolean failing;

  /**
   * Starts the writer thread on the database.
   *
   * @throws DatabaseException when the database cannot be opened
   */
  public HitWriter(Database database, Settings settings) {
    this.database = database;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    Connection connection = database.openWriter();
    this.thread = new Thread(() -> run(connection), "hit-writer");
    this.thread.setDaemon(false);
    this.thread.start();
  }

  /**
   * Queues a hit for the next transaction. Never blocks.
   *
   * @param hit the hit; its text is bounded before storage
   * @param completion told on the writer thread when the row is committed or failed
   * @return false when the hit is refused: the queue is full, the writer is closed, or the last
   *     transaction failed and a retry is already queued (while failing, one hit at a time is let
   *     through to find out whether writes succeed again). The completion is then never called.
   */
  public boolean offer(HitRecord hit, Completion completion) {
    offering.incrementAndGet();
    try {
      if (!running
          || (failing && !queue.isEmpty())
          || !queue.offer(new Pending(hit.bounded(), completion))) {
        refused.incrementAndGet();
        return false;
      }
      accepted.incrementAndGet();
      return true;
    } finally {
      offering.decrementAndGet();
    }
  }

  /**
   * True when the last transaction failed; hits are refused, but for retries, until one succeeds.
   */
  public boolean failing() {
    return failing;
  }

  /** Current counters. */
  public Stats stats() {
    return new Stats(
        accepted.get(), refused.get(), committed.get(), failed.get(), batches.get(), queue.size());
  }

  private void run(Connection connection) {
    List<Pending> batch = new ArrayList<>(settings.maxBatch());
    PreparedStatement insert = null;
    Control control = null;
    try {
      // Transactions are begun and ended by hand (auto-commit stays on in the driver): SQLite rolls
      // a transaction back by itself on SQLITE_FULL and some I/O errors, and a driver that still
      // believes it is inside one would fail every later commit ("no transaction is active").
      control = Control.prepare(connection);
      insert = HitRepository.prepareInsert(connection);
      while (true) {
        Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
        if (first == null) {
          // Stop only when closed, no offer() is between its check of running and its enqueue
          // (checked in this order), and nothing is left: every accepted hit gets its completion.
          if (!running && offering.get() == 0 && queue.isEmpty()) {
            break;
          }
          continue;
        }
        batch.add(first);
        fill(batch);
        write(control, insert, batch);
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SQLException e) {
      LOG.error(
          "hit writer cannot prepare its statement on {}: {}", database.file(), e.getMessage());
    } catch (RuntimeException | Error e) {
      LOG.error("hit writer stopped on {}: {}", database.file(), e.toString());
      throw e;
    } finally {
      // However the thread ends, refuse new hits and fail those accepted but not written, so
      // that no completion is left uncalled (the listener would never answer).
      running = false;
      IllegalStateException stopped = new IllegalStateException("hit writer stopped");
      failAll(batch, stopped);
      while (offering.get() > 0) {
        Thread.onSpinWait();
      }
      List<Pending> rest = new ArrayList<>();
      queue.drainTo(rest);
      failAll(rest, stopped);
      close(control, insert, connection);
    }
  }

  private void fill(List<Pending> batch) throws InterruptedException {
    queue.drainTo(batch, settings.maxBatch() - batch.size());
    long delay = settings.batchDelayMicros();
    if (delay > 0 && batch.size() < settings.maxBatch()) {
      long deadline = System.nanoTime() + delay * 1000;
      while (batch.size() < settings.maxBatch()) {
        long left = deadline - System.nanoTime();
        Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
        if (next == null) {
          break;
        }
        batch.add(next);
        queue.drainTo(batch, settings.maxBatch() - batch.size());
      }
    }
  }

  private void write(Control control, PreparedStatement insert, List<Pending> batch) {
    SQLException failure = null;
    ReentrantLock lock = database.writeLock();
    lock.lock();
    try {
      control.begin().execute();
      for (Pending p : batch) {
        HitRepository.bind(insert, p.hit());
        insert.addBatch();
      }
      insert.executeBatch();
      control.commit().execute();
    } catch (SQLException e) {
      rollback(control, insert);
      failure = e;
    } finally {
      lock.unlock();
    }
    if (failure != null) {
      failed.addAndGet(batch.size());
      if (!failing) {
        LOG.error(
            "hit writer: transaction of {} hits failed on {}: {}; refusing hits (503) until a write"
                + " succeeds",
            batch.size(),
            database.file(),
            failure.getMessage());
      }
      failing = true;
      failAll(batch, failure);
      return;
    }
    if (failing) {
      LOG.info("hit writer: writes succeed again on {}; accepting hits", database.file());
      failing = false;
    }
    batches.incrementAndGet();
    committed.addAndGet(batch.size());
    for (Pending p : batch) {
      notify(p, null);
    }
  }

  /** Ends a failed transaction; SQLite may already have rolled it back, which is fine. */
  private static void rollback(Control control, PreparedStatement insert) {
    try {
      insert.clearBatch();
    } catch (SQLException e) {
      LOG.warn("hit writer: clearing the batch failed: {}", e.getMessage());
    }
    try {
      control.rollback().execute();
    } catch (SQLException e) {
      LOG.debug("hit writer: rollback: {}", e.getMessage()); // already rolled back by SQLite
    }
  }

  private static void failAll(List<Pending> pending, Throwable cause) {
    for (Pending p : pending) {
      notify(p, cause);
    }
    pending.clear();
  }

  private static void notify(Pending p, Throwable failure) {
    try {
      p.completion().done(failure);
    } catch (RuntimeException e) {
      LOG.warn("hit writer: completion failed: {}", e.toString());
    }
  }

  private static void close(Control control, PreparedStatement insert, Connection connection) {
    try {
      if (insert != null) {
        insert.close();
      }
      if (control != null) {
        control.close();
      }
      connection.close();
    } catch (SQLException e) {
      LOG.warn("hit writer: close failed: {}", e.getMessage());
    }
  }

  /** Stops accepting hits, commits those already queued, and stops the thread. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
