package io.egressaudit.sql;

import java.time.Instant;

/**
 * Where a cluster's history starts: the first state kept ({@code min(valid_from)} of {@code
 * cluster_object}) or, once retention pruned it, the prune horizon ({@code
 * history_horizon.pruned_before}) when that is later. Before the horizon some states are gone, so
 * the state at such a time is not whole: answers treat it as before history.
 *
 * @param firstState the earliest {@code valid_from} kept
 * @param prunedBefore intervals that ended at or before this were deleted by retention; null when
 *     the cluster's history was never pruned
 */
public record HistoryStart(Instant firstState, Instant prunedBefore) {

  /** The later of the first state kept and the prune horizon. */
  public Instant at() {
    return prunedBefore != null && prunedBefore.isAfter(firstState) ? prunedBefore : firstState;
  }

  /** Whether retention pruned part of this history. */
  public boolean pruned() {
    return prunedBefore != null;
  }

  /**
   * For a note: {@code history starts at T}, or {@code history before T was pruned} (T = {@link
   * #at()}).
   */
  public String describe() {
    return pruned() ? "history before " + at() + " was pruned" : "history starts at " + at();
  }
}
