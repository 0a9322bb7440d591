package io.egressaudit.correlator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SourceIpTest {

  @Test
  void ipv4IsTheDottedQuad() {
    assertThat(SourceIp.canonical("192.168.126.100")).isEqualTo("192.168.126.100");
    assertThat(SourceIp.canonical("0.0.0.0")).isEqualTo("0.0.0.0");
    assertThat(SourceIp.canonical("255.255.255.255")).isEqualTo("255.255.255.255");
  }

  @Test
  void surroundingWhitespaceIsIgnored() {
    assertThat(SourceIp.canonical(" 192.168.126.100\n")).isEqualTo("192.168.126.100");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "::ffff:192.168.126.100",
        "::FFFF:192.168.126.100",
        "::ffff:c0a8:7e64",
        "0:0:0:0:0:ffff:c0a8:7e64",
        "[::ffff:192.168.126.100]",
        "::ffff:192.168.126.100%eth0"
      })
  void ipv4MappedIpv6IsTheIpv4Address(String text) {
    assertThat(SourceIp.canonical(text)).isEqualTo("192.168.126.100");
  }

  @ParameterizedTest
  @CsvSource({
    "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
    "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
    "2001:db8::1, 2001:db8::1",
    "FE80::ABCD, fe80::abcd",
    // a single zero field is not shortened to ::
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    // the longest run of zeros is shortened
    "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
    // of two equal runs, the first
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "0:0:0:0:0:0:0:0, ::",
    "0:0:0:0:0:0:0:1, ::1",
    "1:2:3:4:5:6:7:0, 1:2:3:4:5:6:7:0"
  })
  void ipv6IsCompressedLowercaseAsRfc5952Asks(String text, String canonical) {
    assertThat(SourceIp.canonical(text)).isEqualTo(canonical);
  }

  @Test
  void bracketsAreRemoved() {
    assertThat(SourceIp.canonical("[2001:db8::1]")).isEqualTo("2001:db8::1");
    assertThat(SourceIp.canonical("[2001:DB8:0:0:0:0:0:1]")).isEqualTo("2001:db8::1");
  }

  @Test
  void ipv6ZoneIsDropped() {
    assertThat(SourceIp.canonical("fe80::1%eth0")).isEqualTo("fe80::1");
    assertThat(SourceIp.canonical("fe80::1%2")).isEqualTo("fe80::1");
    assertThat(SourceIp.canonical("[fe80::1%eth0]")).isEqualTo("fe80::1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"example.com", "localhost", "bastion", "ocp-8vr6j-worker-0-sl79n"})
  void rejectsHostNamesWithoutResolvingThem(String text) {
    // "localhost" resolves on every machine: were it resolved, it would come back as 127.0.0.1
    assertThat(SourceIp.parse(text)).isEmpty();
    assertThatThrownBy(() -> SourceIp.canonical(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"   ", "[]", "%eth0"})
  void rejectsEmptyText(String text) {
    assertThat(SourceIp.parse(text)).isEmpty();
    assertThatThrownBy(() -> SourceIp.canonical(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not an IP address");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "garbage",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.3.-1",
        "1.2.3.4:80",
        "0x01020304",
        "16909060",
        "0b00000001.1.1.1",
        "010.1.2.3",
        "1.2.3.04",
        "1.2.3.*",
        "1.2.3.0-255",
        "*",
        "1:*::",
        "1::2-3",
        "00001::",
        "1:2:3:4:5:6:7:8:9",
        "2001:db8::1::2",
        "1.2.3.4%eth0",
        "fe80::1%",
        "[1.2.3.4",
        "1.2.3.4]",
        "4)+k&C#VzJ4br>0wv%Yp"
      })
  void rejectsGarbage(String text) {
    assertThat(SourceIp.parse(text)).isEmpty();
    assertThatThrownBy(() -> SourceIp.canonical(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/8", "192.168.126.100/32", "2001:db8::/32", "1.2.3.4/255.0.0.0"})
  void rejectsCidrBlocksAndMasks(String text) {
    assertThatThrownBy(() -> SourceIp.canonical(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an IP address: '" + text + "'");
  }

  @Test
  void rejectsOverLongText() {
    String longDigits = "1".repeat(10_000);
    assertThat(SourceIp.parse(longDigits)).isEmpty();
    String longZone = "fe80::1%" + "a".repeat(200);
    assertThat(SourceIp.parse(longZone)).isEmpty();
    String padded = "0".repeat(100) + "1.2.3.4";
    assertThat(SourceIp.parse(padded)).isEmpty();
  }

  @Test
  void errorMessageNamesTheText() {
    assertThatThrownBy(() -> SourceIp.canonical("no-such-address"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an IP address: 'no-such-address'");
    assertThatThrownBy(() -> SourceIp.canonical(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an IP address: 'null'");
  }

  @Test
  void errorMessageAbbreviatesOverLongText() {
    String text = "x".repeat(500);
    assertThatThrownBy(() -> SourceIp.canonical(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an IP address: '" + "x".repeat(77) + "...'");
  }

  @Test
  void parseGivesTheCanonicalTextOfAValidLiteral() {
    assertThat(SourceIp.parse("2001:DB8::1")).contains("2001:db8::1");
    assertThat(SourceIp.parse("::ffff:10.0.0.1")).contains("10.0.0.1");
  }

  @Test
  void canonicalTextIsAFixedPoint() {
    for (String text : new String[] {"192.168.126.100", "2001:db8::1", "fe80::abcd", "::"}) {
      assertThat(SourceIp.canonical(SourceIp.canonical(text))).isEqualTo(text);
    }
  }

  @Test
  void tellsIpv6FromIpv4() {
    assertThat(SourceIp.isIpv6(SourceIp.canonical("2001:db8::1"))).isTrue();
    assertThat(SourceIp.isIpv6(SourceIp.canonical("192.168.126.100"))).isFalse();
    assertThat(SourceIp.isIpv6(SourceIp.canonical("::ffff:192.168.126.100"))).isFalse();
  }
}
