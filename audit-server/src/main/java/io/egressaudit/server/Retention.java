package io.egressaudit.server;

import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.HitRetention;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of hits and of the cluster history they need: hits received before the cutoff are
 * deleted, then history intervals that ended before the oldest hit kept, less {@link #MARGIN}. An
 * interval that ended before a hit arrived never answers for that hit, so every remaining hit keeps
 * its attribution; the margin leaves room for access logs imported a little late. Blocking (JDBC).
 */
public final class Retention {

  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  /** History kept before the oldest hit kept: one day. */
  public static final Duration MARGIN = Duration.ofDays(1);

  private Retention() {}

  /**
   * What one run deleted.
   *
   * @param hits hits deleted
   * @param intervals history intervals deleted
   * @param historyCutoff intervals that ended at or before this were deleted
   */
  public record Result(long hits, long intervals, Instant historyCutoff) {}

  /**
   * Deletes hits received before {@code cutoff}, then the history no remaining hit reads.
   *
   * @param database the database
   * @param cutoff hits received before this are deleted
   * @return what was deleted
   * @throws io.egressaudit.sql.DatabaseException when the database cannot be written
   */
  public static Result prune(Database database, Instant cutoff) {
    return prune(database, cutoff, HitRetention.DEFAULT_BATCH);
  }

  /** As {@link #prune(Database, Instant)}, deleting {@code batch} rows per transaction. */
  public static Result prune(Database database, Instant cutoff, int batch) {
    long hits = new HitRetention(database, batch).prune(cutoff);
    Instant oldest = new HitRepository(database).oldest();
    Instant keepFrom = oldest == null || oldest.isAfter(cutoff) ? cutoff : oldest;
    Instant historyCutoff = keepFrom.minus(MARGIN);
    long intervals = new ClusterHistory(database).pruneEndedBefore(historyCutoff, batch);
    if (intervals > 0) {
      LOG.info(
          "retention: deleted {} history intervals that ended before {}", intervals, historyCutoff);
    }
    return new Result(hits, intervals, historyCutoff);
  }
}
