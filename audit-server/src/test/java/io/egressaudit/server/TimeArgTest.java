package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The edges of the times and durations users give: zero, a sign, and before 1970. */
class TimeArgTest {

  private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");

  @Test
  void zeroIsTheEpochAndZeroSecondsIsNow() {
    assertThat(TimeArg.parse("0", NOW, "--since")).isEqualTo(Instant.EPOCH);
    assertThat(TimeArg.parse("0s", NOW, "--since")).isEqualTo(NOW);
  }

  @Test
  void aDurationBackToExactly1970IsTakenAndOneDayMoreIsNot() {
    Instant midnight = Instant.parse("2026-12-02T00:00:00Z"); // 20,789 days after 1970-01-01

    assertThat(TimeArg.parse("20789d", midnight, "--since")).isEqualTo(Instant.EPOCH);
    assertThatThrownBy(() -> TimeArg.parse("20790d", midnight, "--since"))
        .hasMessage(
            "--since: '20790d' is longer than the time since 1970 (20789d), the longest duration"
                + " taken");
  }

  @Test
  void aSignedDurationIsRefusedSayingToDropTheSign() {
    assertThatThrownBy(() -> TimeArg.parse("-5m", NOW, "since"))
        .hasMessage("since: '-5m' has a sign: a duration counts back from now, so write 5m");
  }

  @Test
  void aDurationLongerThanTheTimeSince1970IsRefused() {
    assertThat(TimeArg.notBefore1970(Duration.ofDays(20_000), NOW, "20000d", "--older-than"))
        .isEqualTo(Duration.ofDays(20_000));
    assertThatThrownBy(
            () -> TimeArg.notBefore1970(Duration.ofDays(5_000_000), NOW, "5000000d", "--retention"))
        .hasMessageStartingWith("--retention: '5000000d' is longer than the time since 1970");
  }

  @Test
  void rfc3339TimesAreTakenWithASpaceForTheTAndInLowerCase() {
    Instant t = Instant.parse("2021-11-26T17:53:13Z");
    assertThat(TimeArg.parse("2021-11-26 18:53:13+01:00", NOW, "--at")).isEqualTo(t);
    assertThat(TimeArg.parse("2021-11-26t17:53:13z", NOW, "--at")).isEqualTo(t);
    assertThat(TimeArg.parse("2021-11-26T12:53:13.000-05:00", NOW, "--at")).isEqualTo(t);
  }

  @Test
  void aBareNumberBefore2001IsRefusedWithBothReadings() {
    assertThatThrownBy(() -> TimeArg.parse("30", NOW, "--since"))
        .hasMessage(
            "--since: '30': a bare number is a Unix time in seconds (1970-01-01T00:00:30Z); for 30"
                + " days ago write 30d (a bare number before 2001-09-09 other than 0 is refused)");
    assertThatThrownBy(() -> TimeArg.parse("999999999", NOW, "until"))
        .hasMessageStartingWith("until: '999999999': a bare number is a Unix time in seconds");
    assertThatThrownBy(() -> TimeArg.parse("999999999999", NOW, "at"))
        .hasMessageStartingWith(
            "at: '999999999999': a bare number of 12 or more digits is a Unix time in"
                + " milliseconds (2001-09-09T01:46:39.999Z)");
  }

  @Test
  void zeroAndUnixTimesFrom2001OnAreTaken() {
    assertThat(TimeArg.parse("000", NOW, "--since")).isEqualTo(Instant.EPOCH);
    assertThat(TimeArg.parse("1000000000", NOW, "--since"))
        .isEqualTo(Instant.parse("2001-09-09T01:46:40Z"));
    assertThat(TimeArg.parse("1637948993", NOW, "--at"))
        .isEqualTo(Instant.parse("2021-11-26T17:49:53Z"));
    assertThat(TimeArg.parse("1637948993000", NOW, "--at"))
        .isEqualTo(Instant.parse("2021-11-26T17:49:53Z"));
  }

  @Test
  void anErrorQuotesTheTimeAsTypedWithItsSpace() {
    assertThatThrownBy(() -> TimeArg.parse("2021-11-26 12:53:13", NOW, "--at"))
        .hasMessageStartingWith("--at: '2021-11-26 12:53:13' is not a time");
    assertThatThrownBy(() -> TimeArg.parse(" 0000-12-31 23:00:00Z", NOW, "at"))
        .hasMessage(
            "at: '0000-12-31 23:00:00Z' is outside the years 0001 to 9999 that times may have");
  }
}
