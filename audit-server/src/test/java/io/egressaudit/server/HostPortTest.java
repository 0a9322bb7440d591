package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1:9090",
        "127.9.8.7:9090",
        "[::1]:9090",
        "localhost:9090",
        "[::ffff:127.0.0.1]:1"
      })
  void loopbackAddressesAreLoopback(String text) {
    assertThat(HostPort.parse(text, "--api").loopback()).as(text).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1.invalid:9090",
        "127.attacker.example:9090",
        "0.0.0.0:9090",
        "[::]:9090",
        "10.0.0.1:9090",
        "localhost.example.com:9090",
        ":9090"
      })
  void namesAndOtherAddressesAreNotLoopback(String text) {
    assertThat(HostPort.parse(text, "--api").loopback()).as(text).isFalse();
  }
}
