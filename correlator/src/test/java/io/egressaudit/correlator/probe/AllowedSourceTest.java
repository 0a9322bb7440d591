package io.egressaudit.correlator.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AllowedSourceTest {

  @Test
  void aSingleAddressAllowsExactlyItselfInCanonicalForm() {
    AllowedSource a = AllowedSource.parse("::ffff:192.0.2.7");

    assertThat(a.isBlock()).isFalse();
    assertThat(a).hasToString("192.0.2.7");
    assertThat(a.contains("192.0.2.7")).isTrue();
    assertThat(a.contains("192.0.2.8")).isFalse();
  }

  @Test
  void aCidrBlockAllowsItsAddressesOfTheSameFamilyOnly() {
    AllowedSource v4 = AllowedSource.parse("192.168.126.0/24");
    AllowedSource v6 = AllowedSource.parse("2001:DB8:0::/64");

    assertThat(v4.contains("192.168.126.255")).isTrue();
    assertThat(v4.contains("192.168.127.0")).isFalse();
    assertThat(v4.contains("2001:db8::1")).isFalse();
    assertThat(v6).hasToString("2001:db8::/64");
    assertThat(v6.contains("2001:db8::1")).isTrue();
    assertThat(v6.contains("2001:db8:0:1::1")).isFalse();
    assertThat(AllowedSource.parse("0.0.0.0/0").contains("203.0.113.9")).isTrue();
  }

  @Test
  void aBlockWithHostBitsOrAnythingElseIsRefusedWithTheText() {
    assertThatThrownBy(() -> AllowedSource.parse("10.1.2.3/8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host bits set: the block is 10.0.0.0/8");
    assertThatThrownBy(() -> AllowedSource.parse("bastion.example.com"))
        .hasMessageContaining("'bastion.example.com'");
    assertThatThrownBy(() -> AllowedSource.parse("10.0.0.0/33"))
        .hasMessageContaining("'10.0.0.0/33'");
    assertThatThrownBy(() -> AllowedSource.parse("10.0.0.0/")).hasMessageContaining("'10.0.0.0/'");
    assertThatThrownBy(() -> AllowedSource.parse(" ")).hasMessageContaining("empty");
  }
}
