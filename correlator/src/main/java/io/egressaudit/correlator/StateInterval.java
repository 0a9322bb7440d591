package io.egressaudit.correlator;

/**
 * One state of one object over {@code [validFrom, validTo)}, epoch milliseconds: a row of {@code
 * cluster_object} held in memory, with its row id there. {@code validTo} is {@link Long#MAX_VALUE}
 * while the state is still valid; it only ever moves earlier (when the state ends), under the
 * timeline's write lock.
 */
final class StateInterval {

  final long rowId;
  final ClusterObject state;
  final long validFrom;
  volatile long validTo;

  StateInterval(long rowId, ClusterObject state, long validFrom, long validTo) {
    this.rowId = rowId;
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
}
