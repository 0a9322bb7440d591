package io.egressaudit.correlator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The intervals of one key (a node's pods, a namespace's pods, the owners of one IP...), sorted by
 * {@code validFrom}, answering "which were valid at t" in time proportional to the number valid
 * then plus a bounded block, not to the whole history.
 *
 * <p>How: checkpoints at some positions {@code p} of the sorted list remember which earlier
 * intervals were still valid at {@code items[p].validFrom}. A query at {@code t} finds the last
 * checkpoint before the first interval starting after {@code t} and looks at its remembered
 * intervals plus the ones after it. A checkpoint is set once the intervals since the last one
 * outnumber what that one remembers (and at least {@value #MIN_BLOCK}), so checkpoints cost memory
 * in proportion to the intervals, whatever the number valid at once. Intervals ending later never
 * invalidate a checkpoint (it remembers a superset); an interval inserted before the end (a late
 * observation) drops the checkpoints after it, which are rebuilt at once.
 *
 * <p>Positions are array indexes; {@code carried} holds indexes, 4 bytes each.
 *
 * <p>Not thread-safe: the timeline guards it.
 */
final class IntervalList {

  static final int MIN_BLOCK = 64;
  private static final int[] NONE = new int[0];

  private StateInterval[] items = new StateInterval[4];
  private int size;
  private int[] checkpointAt = new int[1]; // positions, ascending; checkpointAt[0] == 0
  private int[][] carried = {NONE}; // carried[c]: positions < checkpointAt[c] valid at its start
  private int checkpoints = 1;

  int size() {
    return size;
  }

  /** Adds an interval in {@code validFrom} order (after those with the same start). */
  void add(StateInterval interval) {
    int pos = size;
    if (size > 0 && items[size - 1].validFrom > interval.validFrom) {
      pos = upperBound(interval.validFrom);
    }
    if (size == items.length) {
      items = Arrays.copyOf(items, size * 2);
    }
    System.arraycopy(items, pos, items, pos + 1, size - pos);
    items[pos] = interval;
    size++;
    if (pos < size - 1) {
      dropCheckpointsAfter(pos);
      for (int p = checkpointAt[checkpoints - 1] + 1; p < size; p++) {
        maybeCheckpoint(p);
      }
    } else {
      maybeCheckpoint(pos);
    }
  }

  /**
   * Drops every interval that {@code drop} accepts (history retention) and rebuilds the
   * checkpoints.
   *
   * @return how many were dropped
   */
  int removeIf(java.util.function.Predicate<StateInterval> drop) {
    StateInterval[] kept = new StateInterval[Math.max(4, size)];
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (!drop.test(items[i])) {
        kept[n++] = items[i];
      }
    }
    int dropped = size - n;
    if (dropped > 0) {
      items = kept;
      size = n;
      checkpointAt = new int[1];
      carried = new int[][] {NONE};
      checkpoints = 1;
      for (int p = 1; p < size; p++) {
        maybeCheckpoint(p);
      }
    }
    return dropped;
  }

  /** Calls {@code into} with every interval valid at {@code t}. */
  void validAt(long t, Consumer<StateInterval> into) {
    int end = upperBound(t); // intervals [0, end) start at or before t
    if (end == 0) {
      return;
    }
    int c = lastCheckpointAtOrBefore(end - 1);
    for (int i : carried[c]) {
      if (items[i].validTo > t) {
        into.accept(items[i]);
      }
    }
    for (int i = checkpointAt[c]; i < end; i++) {
      if (items[i].validTo > t) {
        into.accept(items[i]);
      }
    }
  }

  /** The intervals valid at {@code t}. */
  List<StateInterval> validAt(long t) {
    List<StateInterval> out = new ArrayList<>();
    validAt(t, out::add);
    return out;
  }

  /** Calls {@code into} with every interval overlapping {@code [from, to)}. */
  void overlapping(long from, long to, Consumer<StateInterval> into) {
    if (from >= to) {
      return;
    }
    validAt(from, into);
    for (int i = upperBound(from); i < size && items[i].validFrom < to; i++) {
      into.accept(items[i]);
    }
  }

  /** Every interval, in start order. */
  void forEach(Consumer<StateInterval> into) {
    for (int i = 0; i < size; i++) {
      into.accept(items[i]);
    }
  }

  /** The earliest start, or {@link Long#MAX_VALUE} when empty. */
  /** The earliest start after {@code t}, or {@link AttributionTimeline#OPEN} when none. */
  long nextStartAfter(long t) {
    int i = upperBound(t);
    return i < size ? items[i].validFrom : AttributionTimeline.OPEN;
  }

  long firstStart() {
    return size == 0 ? Long.MAX_VALUE : items[0].validFrom;
  }

  private void maybeCheckpoint(int pos) {
    int last = checkpointAt[checkpoints - 1];
    int[] lastCarried = carried[checkpoints - 1];
    if (pos - last < Math.max(MIN_BLOCK, lastCarried.length)) {
      return;
    }
    long t = items[pos].validFrom;
    int[] next = new int[lastCarried.length + (pos - last)];
    int n = 0;
    for (int i : lastCarried) {
      if (items[i].validTo > t) {
        next[n++] = i;
      }
    }
    for (int i = last; i < pos; i++) {
      if (items[i].validTo > t) {
        next[n++] = i;
      }
    }
    if (checkpoints == checkpointAt.length) {
      checkpointAt = Arrays.copyOf(checkpointAt, checkpoints * 2);
      carried = Arrays.copyOf(carried, checkpoints * 2);
    }
    checkpointAt[checkpoints] = pos;
    carried[checkpoints] = Arrays.copyOf(next, n);
    checkpoints++;
  }

  private void dropCheckpointsAfter(int pos) {
    while (checkpoints > 1 && checkpointAt[checkpoints - 1] > pos) {
      carried[--checkpoints] = null;
    }
    // a checkpoint at pos itself remembers positions < pos, which did not move, but its own
    // position now holds another interval: drop it too unless it is the first
    if (checkpoints > 1 && checkpointAt[checkpoints - 1] == pos) {
      carried[--checkpoints] = null;
    }
  }

  private int lastCheckpointAtOrBefore(int pos) {
    int lo = 0;
    int hi = checkpoints - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (checkpointAt[mid] <= pos) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** The number of intervals starting at or before {@code t}. */
  private int upperBound(long t) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (items[mid].validFrom <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
