package io.egressaudit.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  private final TrustedProxies proxies =
      TrustedProxies.of(List.of("10.0.0.0/8", "192.0.2.10", "2001:db8::/32"));

  @Test
  void anUntrustedPeersHeaderIsOnlyAClaim() {
    assertThat(proxies.clientOf("198.51.100.1", "192.168.126.100", null)).isNull();
    assertThat(TrustedProxies.NONE.clientOf("10.1.1.1", "192.168.126.100", null)).isNull();
  }

  @Test
  void aTrustedPeerNamesTheRightMostUntrustedAddress() {
    assertThat(proxies.clientOf("10.1.1.1", "6.6.6.6, 192.168.126.100, 10.2.2.2", null))
        .isEqualTo("192.168.126.100");
    assertThat(proxies.clientOf("192.0.2.10", "::ffff:192.168.126.51", null))
        .isEqualTo("192.168.126.51");
  }

  @Test
  void garbageInTheChainKeepsThePeerAsTheSource() {
    assertThat(proxies.clientOf("10.1.1.1", "192.168.126.100, not-an-ip", null)).isNull();
    assertThat(proxies.clientOf("10.1.1.1", "", null)).isNull();
    assertThat(proxies.clientOf("10.1.1.1", "10.3.3.3", null))
        .as("only proxies in the chain")
        .isNull();
  }

  @Test
  void theForwardedHeaderIsReadWhenThereIsNoXForwardedFor() {
    assertThat(
            proxies.clientOf(
                "10.1.1.1",
                null,
                "for=192.0.2.60;proto=http, for=\"[2001:db9::1]:4711\";by=10.1.1.1"))
        .isEqualTo("2001:db9::1");
    assertThat(proxies.clientOf("2001:db8::5", null, "For=\"192.168.126.100:5555\""))
        .isEqualTo("192.168.126.100");
  }

  @Test
  void onlyTheLastHopsOfALongChainAreRead() {
    String trustedHops = String.join(", ", java.util.Collections.nCopies(1000, "10.1.2.3"));
    assertThat(proxies.clientOf("10.0.0.1", "198.51.100.7, " + trustedHops, null)).isNull();
    String justEnough =
        String.join(", ", java.util.Collections.nCopies(TrustedProxies.MAX_HOPS - 1, "10.1.2.3"));
    assertThat(proxies.clientOf("10.0.0.1", "198.51.100.7, " + justEnough, null))
        .isEqualTo("198.51.100.7");
  }

  @Test
  void aBadCidrIsRefusedNamingTheOption() {
    assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--trusted-proxy")
        .hasMessageContaining("10.0.0.0/33");
  }
}
