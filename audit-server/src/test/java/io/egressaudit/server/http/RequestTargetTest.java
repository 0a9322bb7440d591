package io.egressaudit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestTargetTest {

  @Test
  void originAndAbsoluteFormNameTheSamePath() {
    assertThat(RequestTarget.path("/clientip?x=1")).isEqualTo("/clientip");
    assertThat(RequestTarget.path("http://bastion:8080/clientip?x=1#f")).isEqualTo("/clientip");
    assertThat(RequestTarget.path("http://bastion:8080")).isEqualTo("/");
    assertThat(RequestTarget.path("*")).isEqualTo("*");
    assertThat(RequestTarget.path(null)).isNull();
  }

  @Test
  void theProbeIdOfAnAbsoluteFormTargetIsRead() {
    // what curl -x sends through a proxy
    assertThat(RequestTarget.probeId("http://bastion:8080/probe/abc")).isEqualTo("abc");
    assertThat(RequestTarget.probeId("/probe/abc/more?x=1")).isEqualTo("abc");
    assertThat(RequestTarget.probeId("/probe/abc?x=1")).isEqualTo("abc");
  }

  @Test
  void pathsThatAreNotProbePathsHaveNoProbeId() {
    assertThat(RequestTarget.probeId("/probe/")).isNull();
    assertThat(RequestTarget.probeId("/probes/abc")).isNull();
    assertThat(RequestTarget.probeId("/x?/probe/abc")).isNull();
    assertThat(RequestTarget.probeId(null)).isNull();
  }

  @Test
  void aProbeIdIsPercentDecodedAsTheApiDecodesIt() {
    assertThat(RequestTarget.probeId("/probe/a%20b")).isEqualTo("a b");
    assertThat(RequestTarget.probeId("/probe/a%2Fb/more")).isEqualTo("a/b");
    assertThat(RequestTarget.probeId("http://bastion:8080/probe/%C3%A9t%c3%a9?x=%20"))
        .isEqualTo("\u00e9t\u00e9");
    assertThat(RequestTarget.probeId("/probe/100%")).isEqualTo("100%");
    assertThat(RequestTarget.probeId("/probe/a%zzb%4")).isEqualTo("a%zzb%4");
    assertThat(RequestTarget.probeId("/probe/%FF%00x")).isEqualTo("\\xff\\x00x");
  }
}
