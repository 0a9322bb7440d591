package io.egressaudit.correlator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The intervals of one key (a node's pods, a namespace's pods, the owners of one IP...), as slots
 * of the timeline's {@link IntervalStore} sorted by {@code validFrom}, answering "which were valid
 * at t" in time proportional to the number valid then plus a bounded block, not to the whole
 * history.
 *
 * <p>How: checkpoints at some positions {@code p} of the sorted list remember which earlier
 * intervals were still valid at the start of the interval at {@code p}. A query at {@code t} finds
 * the last checkpoint before the first interval starting after {@code t} and looks at its
 * remembered intervals plus the ones after it. A checkpoint is set once the intervals since the
 * last one outnumber what that one remembers (and at least {@value #MIN_BLOCK}), so checkpoints
 * cost memory in proportion to the intervals, whatever the number valid at once. Intervals ending
 * later never invalidate a checkpoint (it remembers a superset); an interval inserted before the
 * end (a late observation) drops the checkpoints after it, which are rebuilt at once.
 *
 * <p>Memory: 4 bytes per interval for its slot, plus the checkpoints' positions (4 bytes each); a
 * list with fewer than {@value #MIN_BLOCK} intervals (most of the per-IP lists) has no checkpoint
 * arrays at all. Only intervals about to be handed out are read as {@link StateInterval}s.
 *
 * <p>Not thread-safe: the timeline guards it.
 */
final class IntervalList {

  static final int MIN_BLOCK = 64;
  private static final int[] NONE = new int[0];

  private final IntervalStore store;
  private int[] items = new int[2]; // slots, by validFrom
  private int size;
  private int[] checkpointAt; // positions, ascending; checkpointAt[0] == 0; null: only that one
  private int[][] carried; // carried[c]: positions < checkpointAt[c] valid at its start
  private int checkpoints = 1;

  IntervalList(IntervalStore store) {
    this.store = store;
  }

  int size() {
    return size;
  }

  /** Adds the interval in a slot, in {@code validFrom} order (after those with the same start). */
  void add(int slot) {
    long validFrom = store.from(slot);
    int pos = size;
    if (size > 0 && startAt(size - 1) > validFrom) {
      pos = upperBound(validFrom);
    }
    if (size == items.length) {
      items = Arrays.copyOf(items, size < 64 ? size * 2 : size + (size >> 1));
    }
    System.arraycopy(items, pos, items, pos + 1, size - pos);
    items[pos] = slot;
    size++;
    if (pos < size - 1) {
      dropCheckpointsAfter(pos);
      for (int p = checkpointAt(checkpoints - 1) + 1; p < size; p++) {
        maybeCheckpoint(p);
      }
    } else {
      maybeCheckpoint(pos);
    }
  }

  /**
   * Renumbers the slots after the store was compacted, dropping those it dropped, and rebuilds the
   * checkpoints.
   *
   * @param moved for each old slot its new one, or -1 when dropped
   */
  void renumber(int[] moved) {
    int n = 0;
    for (int i = 0; i < size; i++) {
      int slot = moved[items[i]];
      if (slot >= 0) {
        items[n++] = slot;
      }
    }
    size = n;
    items = Arrays.copyOf(items, Math.max(2, n));
    checkpointAt = null;
    carried = null;
    checkpoints = 1;
    for (int p = 1; p < size; p++) {
      maybeCheckpoint(p);
    }
  }

  /** Gives back the room kept for more intervals when it is more than an eighth (and 64). */
  void trim() {
    if (items.length - size > Math.max(MIN_BLOCK, size / 8)) {
      items = Arrays.copyOf(items, Math.max(2, size));
    }
  }

  /** Calls {@code into} with every interval valid at {@code t}. */
  void validAt(long t, Consumer<StateInterval> into) {
    for (int slot : slotsValidAt(t)) {
      into.accept(store.interval(slot));
    }
  }

  /**
   * The slots of the intervals valid at {@code t}, in no particular order: {@link #validAt} without
   * reading any state.
   */
  int[] slotsValidAt(long t) {
    int end = upperBound(t);
    if (end == 0) {
      return NONE;
    }
    int c = lastCheckpointAtOrBefore(end - 1);
    int[] carriedHere = carried(c);
    int[] out = new int[carriedHere.length + end - checkpointAt(c)];
    int n = 0;
    for (int i : carriedHere) {
      int slot = items[i];
      if (store.to(slot) > t) {
        out[n++] = slot;
      }
    }
    for (int i = checkpointAt(c); i < end; i++) {
      int slot = items[i];
      if (store.to(slot) > t) {
        out[n++] = slot;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** True when some interval is valid at {@code t}. */
  boolean anyValidAt(long t) {
    int end = upperBound(t);
    if (end == 0) {
      return false;
    }
    int c = lastCheckpointAtOrBefore(end - 1);
    for (int i : carried(c)) {
      if (store.to(items[i]) > t) {
        return true;
      }
    }
    for (int i = checkpointAt(c); i < end; i++) {
      if (store.to(items[i]) > t) {
        return true;
      }
    }
    return false;
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
    for (int i = upperBound(from); i < size && startAt(i) < to; i++) {
      into.accept(store.interval(items[i]));
    }
  }

  /** Every interval, in start order. */
  void forEach(Consumer<StateInterval> into) {
    for (int i = 0; i < size; i++) {
      into.accept(store.interval(items[i]));
    }
  }

  /** Every slot, in start order. */
  void forEachSlot(java.util.function.IntConsumer into) {
    for (int i = 0; i < size; i++) {
      into.accept(items[i]);
    }
  }

  /** The earliest start after {@code t}, or {@link AttributionTimeline#OPEN} when none. */
  long nextStartAfter(long t) {
    int i = upperBound(t);
    return i < size ? startAt(i) : AttributionTimeline.OPEN;
  }

  /** The earliest start, or {@link Long#MAX_VALUE} when empty. */
  long firstStart() {
    return size == 0 ? Long.MAX_VALUE : startAt(0);
  }

  private long startAt(int pos) {
    return store.from(items[pos]);
  }

  private int checkpointAt(int c) {
    return c == 0 ? 0 : checkpointAt[c];
  }

  private int[] carried(int c) {
    return c == 0 ? NONE : carried[c];
  }

  private void maybeCheckpoint(int pos) {
    int last = checkpointAt(checkpoints - 1);
    int[] lastCarried = carried(checkpoints - 1);
    if (pos - last < Math.max(MIN_BLOCK, lastCarried.length)) {
      return;
    }
    long t = startAt(pos);
    int[] next = new int[lastCarried.length + (pos - last)];
    int n = 0;
    for (int i : lastCarried) {
      if (store.to(items[i]) > t) {
        next[n++] = i;
      }
    }
    for (int i = last; i < pos; i++) {
      if (store.to(items[i]) > t) {
        next[n++] = i;
      }
    }
    if (checkpointAt == null) {
      checkpointAt = new int[4];
      carried = new int[4][];
      carried[0] = NONE;
    } else if (checkpoints == checkpointAt.length) {
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
      if (startAt(mid) <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
