package io.egressaudit.correlator.drill;

import java.time.Duration;

/**
 * The bounds a failover drill is judged against.
 *
 * @param interval the time between two rounds of probes ({@code --interval}, default 1 s)
 * @param maxOutage the longest outage that still passes ({@code --max-outage}, default 60 s)
 * @param settle good probes in a row each namespace needs after the status move for the drill to
 *     end ({@code --settle}, default 5); also the failing probes in a row, with the status pointing
 *     at a node, that make "status moved but traffic absent"
 */
public record DrillLimits(Duration interval, Duration maxOutage, int settle) {

  /**
   * Checks the bounds.
   *
   * @throws IllegalArgumentException when the interval is not positive, the outage negative or
   *     settle below 1
   */
  public DrillLimits {
    if (interval == null || interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
    if (maxOutage == null || maxOutage.isNegative()) {
      throw new IllegalArgumentException("max-outage must not be negative, got " + maxOutage);
    }
    if (settle < 1) {
      throw new IllegalArgumentException("settle must be at least 1, got " + settle);
    }
  }

  /** The defaults of {@code drill failover}: 1 s, 60 s, 5. */
  public static DrillLimits defaults() {
    return new DrillLimits(Duration.ofSeconds(1), Duration.ofSeconds(60), 5);
  }
}
