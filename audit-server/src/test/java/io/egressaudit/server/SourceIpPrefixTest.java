package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Networks of source IPs as firewall teams write them, and the index ranges they read. */
class SourceIpPrefixTest {

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/24, 10.0.0.0/24",
    "2001:DB8:0:0::/64, 2001:db8::/64",
    "::ffff:10.0.0.0/120, 10.0.0.0/24",
    "0.0.0.0/0, 0.0.0.0/0",
    "10.0.0.7/32, 10.0.0.7/32"
  })
  void aNetworkIsReadAsItsCanonicalText(String text, String canonical) {
    assertThat(SourceIpPrefix.parse(text).canonical()).isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "10.0.0/24", "bastion/24", "10.0.0.0/", "010.0.0.0/8"})
  void aTextThatIsNotACidrIsRefusedNamingIt(String text) {
    assertThatThrownBy(() -> SourceIpPrefix.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' is not a CIDR like 10.0.0.0/24 or 2001:db8::/64");
  }

  @Test
  void bitsPastThePrefixAreRefusedNamingTheNetworkMeant() {
    assertThatThrownBy(() -> SourceIpPrefix.parse("10.0.0.5/24"))
        .hasMessage(
            "'10.0.0.5/24' has bits set past its prefix length: the network is 10.0.0.0/24");
  }

  @Test
  void theEnclosingNetworkClearsBitsPastThePrefixAndRefusesWhatIsNoCidr() {
    assertThat(SourceIpPrefix.enclosing("10.0.0.1/24").canonical()).isEqualTo("10.0.0.0/24");
    assertThat(SourceIpPrefix.enclosing("2001:db8::1/64").canonical()).isEqualTo("2001:db8::/64");
    assertThat(SourceIpPrefix.enclosing("10.0.0.0/8").canonical()).isEqualTo("10.0.0.0/8");
    assertThatThrownBy(() -> SourceIpPrefix.enclosing("10.0.0.1/33"))
        .hasMessage("'10.0.0.1/33' is not a CIDR like 10.0.0.0/24 or 2001:db8::/64");
  }

  @Test
  void containsComparesAddressesNotText() {
    SourceIpPrefix low = SourceIpPrefix.parse("10.0.0.0/28"); // 10.0.0.0 - 10.0.0.15

    assertThat(low.contains("10.0.0.9")).isTrue();
    assertThat(low.contains("10.0.0.10")).isTrue();
    assertThat(low.contains("10.0.0.100")).as("lexically between, numerically not").isFalse();
    assertThat(low.contains("2001:db8::a")).isFalse();
  }

  @Test
  void textPrefixesHoldEveryAddressOfTheNetwork() {
    assertThat(SourceIpPrefix.parse("10.0.0.0/24").textPrefixes()).containsExactly("10.0.0.");
    assertThat(SourceIpPrefix.parse("10.0.0.128/25").textPrefixes()).containsExactly("10.0.0.");
    assertThat(SourceIpPrefix.parse("10.0.16.0/20").textPrefixes())
        .hasSize(16)
        .startsWith("10.0.16.")
        .endsWith("10.0.31.");
    assertThat(SourceIpPrefix.parse("10.0.0.0/8").textPrefixes()).containsExactly("10.");
    assertThat(SourceIpPrefix.parse("0.0.0.0/0").textPrefixes()).containsExactly("");
    assertThat(SourceIpPrefix.parse("2001:db8::/64").textPrefixes()).containsExactly("2001:db8:");
    assertThat(SourceIpPrefix.parse("2001:0:5::/48").textPrefixes())
        .as("a zero group may be compressed: only the groups before it are fixed text")
        .containsExactly("2001:");
  }
}
