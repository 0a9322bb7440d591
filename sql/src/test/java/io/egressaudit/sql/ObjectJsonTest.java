package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.NodeState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectJsonTest {

  @Test
  void aNodeWithoutSubnetsKeepsTheTextEarlierVersionsWrote() {
    NodeState n = new NodeState("w1", List.of("192.168.126.51"), Map.of(), true);
    String body = ObjectJson.write(n);
    assertThat(body).doesNotContain("subnets");
    assertThat(ObjectJson.read("Node", body)).isEqualTo(n);
  }

  @Test
  void aNodeWithSubnetsRoundTrips() {
    NodeState n =
        new NodeState(
            "w1", List.of("192.168.126.51"), Map.of(), true, List.of("192.168.126.51/24"));
    String body = ObjectJson.write(n);
    assertThat(body).contains("\"subnets\":[\"192.168.126.51/24\"]");
    assertThat(ObjectJson.read("Node", body)).isEqualTo(n);
  }
}
