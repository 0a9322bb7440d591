package io.egressaudit.correlator;

/**
 * One state of one object over {@code [validFrom, validTo)}, epoch milliseconds, as read from the
 * timeline's {@link IntervalStore} under its lock: {@code validTo} is {@link Long#MAX_VALUE} while
 * the state was still valid when read. Two views of the same stored interval are equal (same slot),
 * which is what remembered answers compare.
 */
final class StateInterval {

  final int slot;
  final ClusterObject state;
  final long validFrom;
  final long validTo;

  StateInterval(int slot, ClusterObject state, long validFrom, long validTo) {
    this.slot = slot;
    this.state = state;
    this.validFrom = validFrom;
    this.validTo = validTo;
  }

  boolean validAt(long t) {
    return validFrom <= t && t < validTo;
  }

  boolean overlaps(long from, long to) {
    return validFrom < to && from < validTo;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateInterval i && i.slot == slot;
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(slot);
  }
}
