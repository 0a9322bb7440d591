package io.egressaudit.sql;

import java.time.Instant;

/** A snapshot was older than what history already holds for its cluster. */
public class HistoryOrderException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param cluster the cluster
   * @param at the refused snapshot's time
   * @param latest the latest recorded change
   */
  public HistoryOrderException(String cluster, Instant at, Instant latest) {
    super(
        "cluster '"
            + cluster
            + "' already has history up to "
            + latest
            + "; a snapshot at "
            + at
            + " would rewrite the past (history only grows forward: use a later --at, or another"
            + " --cluster name)");
  }
}
