package io.egressaudit.server;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the times users give on the command line and in API query strings: RFC 3339 ({@code
 * 2021-11-26T17:53:13Z}, {@code 2021-11-26T12:53:13-05:00}, fractions allowed), epoch seconds
 * ({@code 1637948993}, up to 11 digits) or milliseconds ({@code 1637948993000}, 12 digits or more),
 * or a duration back from now as {@code kubectl logs --since} takes it ({@code 90s}, {@code 15m},
 * {@code 2h}, {@code 7d}). So {@code 0} is 1970-01-01 (every hit) and {@code 0s} is now; any other
 * bare number before 2001-09-09 ({@link #EARLIEST_BARE_NUMBER}) is refused, since {@code 30} is
 * most likely 30 days missing its unit, not 1970-01-01T00:00:30Z; a duration has no sign ({@code
 * -5m} is refused, saying to write {@code 5m}) and reaches no further back than 1970 ({@link
 * #notBefore1970}).
 */
public final class TimeArg {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  private TimeArg() {}

  /** Now, to the millisecond: the precision of every stored time. */
  public static Instant now() {
    return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }

  /** A full-date of RFC 3339: {@code 2021-11-26}. */
  private static final java.util.regex.Pattern DATE =
      java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  /**
   * Parses a time.
   *
   * @param text the user's text
   * @param now the instant durations count back from
   * @param what the option or parameter name, for the error message (such as {@code --since})
   * @return the instant
   * @throws IllegalArgumentException naming {@code what} and the text when it is not a time, or is
   *     outside the years 0001 to 9999
   */
  public static Instant parse(String text, Instant now, String what) {
    String t = text == null ? "" : text.strip();
    if (t.isEmpty()) {
      throw new IllegalArgumentException(what + ": empty time");
    }
    Matcher m = DURATION.matcher(t);
    if (m.matches()) {
      return now.minus(notBefore1970(of(m), now, t, what));
    }
    if ((t.startsWith("-") || t.startsWith("+")) && DURATION.matcher(t.substring(1)).matches()) {
      throw new IllegalArgumentException(
          what
              + ": '"
              + t
              + "' has a sign: a duration counts back from now, so write "
              + t.substring(1));
    }
    if (t.chars().allMatch(Character::isDigit) && t.length() <= 15) {
      // 11 digits of seconds reach the year 5138; 12 digits of milliseconds start in 1973
      long n = Long.parseLong(t);
      boolean seconds = t.length() <= 11;
      Instant at = seconds ? Instant.ofEpochSecond(n) : Instant.ofEpochMilli(n);
      if (n != 0 && at.isBefore(EARLIEST_BARE_NUMBER)) {
        throw new IllegalArgumentException(bareNumberTooEarly(t, n, seconds, at, what));
      }
      return inRange(at, t, what);
    }
    String typed = t; // what errors quote, not the T put in for a space
    if (t.length() > 11 && t.charAt(10) == ' ' && DATE.matcher(t.substring(0, 10)).matches()) {
      // RFC 3339 section 5.6 lets a space stand for the T between date and time
      t = t.substring(0, 10) + 'T' + t.substring(11);
    }
    try {
      return inRange(OffsetDateTime.parse(t).toInstant(), typed, what);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          what
              + ": '"
              + cut(typed)
              + "' is not a time (use RFC 3339 like 2021-11-26T17:53:13Z, epoch seconds or milliseconds, or a"
              + " duration back from now like 15m, 2h, 7d)");
    }
  }

  /**
   * The first instant a bare number other than 0 may name: 2001-09-09T01:46:40Z, Unix time
   * 1,000,000,000. A smaller number is far more often a duration missing its unit ({@code --since
   * 30} for 30 days) than a time in the 1970s to 1990s, long before any hit was recorded; read as
   * Unix seconds it would silently give a window from 1970.
   */
  public static final Instant EARLIEST_BARE_NUMBER = Instant.ofEpochSecond(1_000_000_000L);

  /** Why a bare number before {@link #EARLIEST_BARE_NUMBER} is refused, with both readings. */
  private static String bareNumberTooEarly(
      String text, long n, boolean seconds, Instant at, String what) {
    if (!seconds) {
      return what
          + ": '"
          + text
          + "': a bare number of 12 or more digits is a Unix time in milliseconds ("
          + at
          + "), before 2001-09-09 (1000000000000); write the time in RFC 3339 like"
          + " 2021-11-26T17:53:13Z";
    }
    return what
        + ": '"
        + text
        + "': a bare number is a Unix time in seconds ("
        + at
        + "); for "
        + n
        + " days ago write "
        + n
        + "d (a bare number before 2001-09-09 other than 0 is refused)";
  }

  /**
   * How far past now a time that starts history may be: 5 minutes, for clocks of the machine that
   * took a dump and of this one that disagree a little. History only grows forward, so one state
   * recorded at a later time would make every later import of the cluster, and {@code serve},
   * refuse to run until then.
   */
  public static final Duration MAX_FUTURE_SKEW = Duration.ofMinutes(5);

  /** The first instant taken: 0001-01-01T00:00:00Z, RFC 3339's first year. */
  public static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

  /** The last instant taken: the end of 9999, RFC 3339's last year. */
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

  /**
   * Keeps times within RFC 3339's years, so that epoch milliseconds (what SQLite stores) never
   * overflow: {@code -999999999-01-01T00:00:00Z} is a valid {@link Instant} but not a {@code long}
   * of milliseconds.
   */
  private static Instant inRange(Instant t, String text, String what) {
    if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
      throw new IllegalArgumentException(
          what + ": '" + cut(text) + "' is outside the years 0001 to 9999 that times may have");
    }
    return t;
  }

  /**
   * Parses a time history is written from ({@code cluster import --at}): as {@link #parse}, and not
   * later than now plus {@link #MAX_FUTURE_SKEW}.
   *
   * @param text the user's text
   * @param now the current time
   * @param what the option, for the message (such as {@code --at})
   * @return the instant
   * @throws IllegalArgumentException naming {@code what} and the text when it is not a time or is
   *     later than now plus the skew
   */
  public static Instant parseNotInTheFuture(String text, Instant now, String what) {
    Instant at = parse(text, now, what);
    if (at.isAfter(now.plus(MAX_FUTURE_SKEW))) {
      throw new IllegalArgumentException(
          what
              + ": '"
              + cut(text.strip())
              + "' ("
              + at
              + ") is in the future; at most "
              + MAX_FUTURE_SKEW.toMinutes()
              + " minutes past now ("
              + now
              + ") are taken, for clock skew: history only grows forward, and a future state"
              + " would block every later import of the cluster");
    }
    return at;
  }

  /**
   * Checks that a duration is no longer than the time since 1970-01-01 (about 20,000 days): a
   * duration back from now must not reach before anything was recorded, and a longer one is a typo
   * (or overflows what takes it, such as a timeout in seconds). Every duration of the command line
   * and the API goes through it.
   *
   * @param d the duration
   * @param now the instant it counts back from
   * @param text the user's text, for the message
   * @param what the option or parameter name, for the message ({@code duration} when the caller
   *     adds the option's name itself)
   * @return {@code d}
   * @throws IllegalArgumentException naming {@code what} and the text, and the longest taken
   */
  public static Duration notBefore1970(Duration d, Instant now, String text, String what) {
    Duration longest = Duration.between(Instant.EPOCH, now);
    if (d.compareTo(longest) > 0) {
      throw new IllegalArgumentException(
          what
              + ": '"
              + cut(text.strip())
              + "' is longer than the time since 1970 ("
              + longest.toDays()
              + "d), the longest duration taken");
    }
    return d;
  }

  /**
   * Parses a duration such as {@code 90d}, {@code 12h}, {@code 30s}.
   *
   * @throws IllegalArgumentException naming {@code what} when the text is not a duration
   */
  public static Duration duration(String text, String what) {
    Matcher m = DURATION.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          what
              + ": '"
              + text
              + "' is not a duration (use a number and ms, s, m, h or d, like 90d)");
    }
    return of(m);
  }

  private static String cut(String t) {
    return t.length() > 60 ? t.substring(0, 57) + "..." : t;
  }

  /** The duration a {@link #DURATION} match names. */
  private static Duration of(Matcher m) {
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
