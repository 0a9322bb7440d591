package io.egressaudit.sql;

/**
 * Which hits to read, oldest or newest first.
 *
 * @param sinceMillis first receivedAt included, epoch ms ({@link Long#MIN_VALUE} for no bound)
 * @param untilMillis first receivedAt excluded, epoch ms ({@link Long#MAX_VALUE} for no bound)
 * @param sourceIp canonical source IP to match, or null for any
 * @param probeId probe id to match, or null for any
 * @param afterId keyset paging: oldest first, read hits with a larger id only; newest first, read
 *     hits with a smaller id only; 0 from the start
 * @param limit most rows returned, at least 1
 * @param newestFirst order by id descending
 */
public record HitQuery(
    long sinceMillis,
    long untilMillis,
    String sourceIp,
    String probeId,
    long afterId,
    int limit,
    boolean newestFirst) {

  /** A query oldest first. */
  public HitQuery(
      long sinceMillis,
      long untilMillis,
      String sourceIp,
      String probeId,
      long afterId,
      int limit) {
    this(sinceMillis, untilMillis, sourceIp, probeId, afterId, limit, false);
  }

  /** Checks the bounds. */
  public HitQuery {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    if (sinceMillis > untilMillis) {
      throw new IllegalArgumentException("since is after until");
    }
  }

  /** Every hit, up to {@code limit}. */
  public static HitQuery all(int limit) {
    return new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, null, 0, limit);
  }

  /** The same query continuing past the given id, in its order. */
  public HitQuery after(long id) {
    return new HitQuery(sinceMillis, untilMillis, sourceIp, probeId, id, limit, newestFirst);
  }
}
