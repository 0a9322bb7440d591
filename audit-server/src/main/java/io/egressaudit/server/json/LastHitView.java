package io.egressaudit.server.json;

import java.time.Duration;
import java.time.Instant;

/**
 * The newest hit the database holds, in {@code GET /api/v1/clusters} ({@code lastHit}): for the web
 * page to say "no hit received since T", and to hint when none has arrived for {@link #QUIET_AFTER}
 * (or {@code serve --quiet-after}). A hint, not an error: a quiet hour is normal where nothing
 * leaves the clusters, but it is also what a hit listener no cluster can reach (a firewall, a wrong
 * {@code --listen} or {@code --target}) looks like.
 *
 * @param receivedAt when the newest hit arrived (also one {@code import-log} recorded)
 * @param secondsAgo seconds from {@code receivedAt} to the time of the answer
 * @param quietAfterSeconds the threshold of {@code quiet}, in seconds ({@code serve --quiet-after},
 *     default {@link #QUIET_AFTER})
 * @param quiet true when no hit has arrived for {@code quietAfterSeconds} or more
 */
public record LastHitView(
    Instant receivedAt, double secondsAgo, long quietAfterSeconds, boolean quiet) {

  /** How long without a hit before {@link #quiet()} says so, unless told otherwise: one hour. */
  public static final Duration QUIET_AFTER = Duration.ofHours(1);

  /** The view of a newest hit received at {@code receivedAt}, at {@code now}, quiet after 1 h. */
  public static LastHitView of(Instant receivedAt, Instant now) {
    return of(receivedAt, now, QUIET_AFTER);
  }

  /**
   * The view of a newest hit received at {@code receivedAt}, at {@code now}.
   *
   * @param quietAfter how long without a hit before it is quiet, whole seconds
   */
  public static LastHitView of(Instant receivedAt, Instant now, Duration quietAfter) {
    Duration ago = Duration.between(receivedAt, now);
    return new LastHitView(
        receivedAt,
        Math.max(0, ago.toMillis()) / 1e3,
        quietAfter.toSeconds(),
        ago.compareTo(quietAfter) >= 0);
  }
}
