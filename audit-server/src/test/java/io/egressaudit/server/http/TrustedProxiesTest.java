package io.egressaudit.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  private final TrustedProxies proxies =
      TrustedProxies.of(List.of("10.0.0.0/8", "192.0.2.10", "2001:db8::/32"));

  private final TrustedProxies forwardedWriters =
      TrustedProxies.of(
          List.of("10.0.0.0/8", "192.0.2.10", "2001:db8::/32"), ForwardedHeader.FORWARDED);

  @Test
  void anUntrustedPeersHeaderIsOnlyAClaim() {
    assertThat(proxies.clientOf("198.51.100.1", xff("192.168.126.100"), none())).isNull();
    assertThat(TrustedProxies.NONE.clientOf("10.1.1.1", xff("192.168.126.100"), none())).isNull();
  }

  @Test
  void aTrustedPeerNamesTheRightMostUntrustedAddress() {
    assertThat(proxies.clientOf("10.1.1.1", xff("6.6.6.6, 192.168.126.100, 10.2.2.2"), none()))
        .isEqualTo("192.168.126.100");
    assertThat(proxies.clientOf("192.0.2.10", xff("::ffff:192.168.126.51"), none()))
        .isEqualTo("192.168.126.51");
  }

  @Test
  void repeatedHeaderLinesAreOneListInOrder() {
    // the client forged the first line; the proxy (HAProxy's option forwardfor) added the second
    assertThat(proxies.clientOf("10.1.1.1", xff("198.51.100.100", "203.0.113.55"), none()))
        .isEqualTo("203.0.113.55");
    assertThat(
            proxies.clientOf(
                "10.1.1.1", xff("198.51.100.100", "203.0.113.55, 10.2.2.2", "10.3.3.3"), none()))
        .isEqualTo("203.0.113.55");
    assertThat(
            proxies.clientOf("10.1.1.1", xff("198.51.100.100, 10.2.2.2", "", "10.3.3.3"), none()))
        .as("an empty line is no entry")
        .isEqualTo("198.51.100.100");
    assertThat(
            forwardedWriters.clientOf(
                "10.1.1.1", none(), List.of("for=198.51.100.100", "for=203.0.113.55;proto=http")))
        .isEqualTo("203.0.113.55");
  }

  @Test
  void theClaimIsEveryLineInOrder() {
    assertThat(proxies.claimOf(xff("198.51.100.100", "203.0.113.55, 10.2.2.2"), none()))
        .isEqualTo("198.51.100.100, 203.0.113.55, 10.2.2.2");
    assertThat(proxies.claimOf(xff("198.51.100.100"), none())).isEqualTo("198.51.100.100");
    assertThat(proxies.claimOf(none(), List.of("for=a", "for=b"))).isEqualTo("for=a, for=b");
    assertThat(proxies.claimOf(none(), none())).isNull();
  }

  @Test
  void garbageInTheChainKeepsThePeerAsTheSource() {
    assertThat(proxies.clientOf("10.1.1.1", xff("192.168.126.100, not-an-ip"), none())).isNull();
    assertThat(proxies.clientOf("10.1.1.1", xff(""), none())).isNull();
    assertThat(proxies.clientOf("10.1.1.1", xff("10.3.3.3"), none()))
        .as("only proxies in the chain")
        .isNull();
    assertThat(
            forwardedWriters.clientOf("10.1.1.1", none(), List.of("for=192.0.2.60, proto=https")))
        .as("a trusted proxy's element without for= names nobody; the one to its left is a claim")
        .isNull();
  }

  @Test
  void onlyTheConfiguredHeaderNamesTheClient() {
    assertThat(proxies.header()).isEqualTo(ForwardedHeader.X_FORWARDED_FOR);
    assertThat(proxies.clientOf("10.1.1.1", none(), List.of("for=203.0.113.55")))
        .as("Forwarded is a claim when the proxies write X-Forwarded-For")
        .isNull();
    assertThat(proxies.clientOf("10.1.1.1", xff("203.0.113.55"), List.of("for=198.51.100.100")))
        .isEqualTo("203.0.113.55");
    assertThat(
            forwardedWriters.clientOf(
                "10.1.1.1", xff("198.51.100.100"), List.of("for=203.0.113.55")))
        .isEqualTo("203.0.113.55");
    assertThat(forwardedWriters.clientOf("10.1.1.1", xff("198.51.100.100"), none()))
        .as("X-Forwarded-For is a claim when the proxies write Forwarded")
        .isNull();
  }

  @Test
  void bothHeadersAreKeptInTheClaimTheConfiguredOneFirst() {
    assertThat(proxies.claimOf(xff("198.51.100.100", "10.2.2.2"), List.of("for=203.0.113.55")))
        .isEqualTo("X-Forwarded-For: 198.51.100.100, 10.2.2.2 | Forwarded: for=203.0.113.55");
    assertThat(forwardedWriters.claimOf(xff("198.51.100.100"), List.of("for=a", "for=b")))
        .isEqualTo("Forwarded: for=a, for=b | X-Forwarded-For: 198.51.100.100");
    assertThat(forwardedWriters.claimOf(xff("198.51.100.100"), none())).isEqualTo("198.51.100.100");
  }

  @Test
  void theForwardedHeaderNamesTheClientWhenTheProxiesWriteIt() {
    assertThat(
            forwardedWriters.clientOf(
                "10.1.1.1",
                none(),
                List.of("for=192.0.2.60;proto=http, for=\"[2001:db9::1]:4711\";by=10.1.1.1")))
        .isEqualTo("2001:db9::1");
    assertThat(
            forwardedWriters.clientOf(
                "2001:db8::5", none(), List.of("For=\"192.168.126.100:5555\"")))
        .isEqualTo("192.168.126.100");
  }

  @Test
  void onlyTheLastHopsOfALongChainAreRead() {
    String trustedHops = String.join(", ", Collections.nCopies(1000, "10.1.2.3"));
    assertThat(proxies.clientOf("10.0.0.1", xff("198.51.100.7, " + trustedHops), none())).isNull();
    String justEnough =
        String.join(", ", Collections.nCopies(TrustedProxies.MAX_HOPS - 1, "10.1.2.3"));
    assertThat(proxies.clientOf("10.0.0.1", xff("198.51.100.7, " + justEnough), none()))
        .isEqualTo("198.51.100.7");
    List<String> oneHopPerLine = Collections.nCopies(TrustedProxies.MAX_HOPS, "10.1.2.3");
    assertThat(
            proxies.clientOf(
                "10.0.0.1",
                xff(
                    java.util.stream.Stream.concat(
                            java.util.stream.Stream.of("198.51.100.7"), oneHopPerLine.stream())
                        .toArray(String[]::new)),
                none()))
        .as("the hops count across lines")
        .isNull();
  }

  @Test
  void theForwardedHeaderOptionNamesTheAcceptedValues() {
    assertThat(ForwardedHeader.parse("Forwarded")).isEqualTo(ForwardedHeader.FORWARDED);
    assertThat(ForwardedHeader.parse("x-forwarded-for")).isEqualTo(ForwardedHeader.X_FORWARDED_FOR);
    assertThatThrownBy(() -> ForwardedHeader.parse("x-real-ip"))
        .hasMessageContaining("--forwarded-header")
        .hasMessageContaining("x-real-ip")
        .hasMessageContaining("x-forwarded-for or forwarded");
  }

  @Test
  void aBadCidrIsRefusedNamingTheOption() {
    assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--trusted-proxy")
        .hasMessageContaining("10.0.0.0/33");
  }

  private static List<String> xff(String... lines) {
    return List.of(lines);
  }

  private static List<String> none() {
    return List.of();
  }

  @Test
  void xForwardedForEntriesWithAPortNameTheirAddress() {
    assertThat(proxies.clientOf("10.1.1.1", xff("1.2.3.4:5555"), none())).isEqualTo("1.2.3.4");
    assertThat(proxies.clientOf("10.1.1.1", xff("[2001:db9::1]:443, 10.2.2.2"), none()))
        .isEqualTo("2001:db9::1");
    assertThat(proxies.clientOf("10.1.1.1", xff("[2001:db9::1]"), none())).isEqualTo("2001:db9::1");
    assertThat(proxies.clientOf("10.1.1.1", xff("1.2.3.4:99999"), none()))
        .as("not a port")
        .isNull();
  }

  @Test
  void entriesThatNameNoClientsAddressLeaveTheProxyAsSource() {
    for (String entry :
        List.of(
            "fe80::1%eth0",
            "1.2.3.4%eth0", "0.0.0.0", "255.255.255.255", "224.0.0.1", "::", "ff02::1")) {
      assertThat(proxies.clientOf("10.1.1.1", xff(entry), none())).as(entry).isNull();
      assertThat(forwardedWriters.clientOf("10.1.1.1", none(), List.of("for=\"" + entry + "\"")))
          .as(entry)
          .isNull();
    }
  }

  @Test
  void ambiguousOrUnquotedIpv6ForwardedElementsAreUnparseable() {
    assertThat(forwardedWriters.clientOf("10.1.1.1", none(), List.of("for=1.2.3.4;for=5.6.7.8")))
        .as("for= twice in one element")
        .isNull();
    assertThat(forwardedWriters.clientOf("10.1.1.1", none(), List.of("for=2001:db9::1")))
        .as("IPv6 without quotes")
        .isNull();
    assertThat(forwardedWriters.clientOf("10.1.1.1", none(), List.of("for=[2001:db9::1]")))
        .as("brackets without quotes")
        .isNull();
    assertThat(forwardedWriters.clientOf("10.1.1.1", none(), List.of("for=\"[2001:db9::1]:4711\"")))
        .isEqualTo("2001:db9::1");
    assertThat(forwardedWriters.clientOf("10.1.1.1", none(), List.of("for=1.2.3.4:80")))
        .isEqualTo("1.2.3.4");
  }
}
