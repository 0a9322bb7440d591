package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodState;
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

  @Test
  void podsReadTokenByTokenEqualWhatDataBindingReads() {
    List<PodState> pods =
        List.of(
            new PodState(
                "simpson",
                "homer-deployment-5b7857cc48-fs2w4",
                "worker-0",
                List.of("10.128.2.14"),
                false,
                Map.of("app", "homer", "pod-template-hash", "5b7857cc48"),
                "Running"),
            new PodState(
                "simpson",
                "dual",
                "worker-1",
                List.of("10.128.2.15", "fd01:0:0:5::f"),
                true,
                Map.of(),
                "Running"),
            new PodState("ns", "pending", null, List.of(), false, Map.of(), null));
    for (PodState pod : pods) {
      String body = ObjectJson.write(pod);
      assertThat(ObjectJson.readPod(body)).as(body).isEqualTo(pod);
      assertThat(ObjectJson.read("Pod", body)).isEqualTo(pod);
    }
    // in another order, with fields this version does not know, and nulls for empty collections
    String other =
        "{\"phase\":\"Running\",\"future\":{\"a\":[1,{\"b\":2}]},\"podIps\":null,"
            + "\"labels\":null,\"name\":\"p\",\"namespace\":\"n\",\"hostNetwork\":true}";
    assertThat(ObjectJson.readPod(other))
        .isEqualTo(new PodState("n", "p", null, List.of(), true, Map.of(), "Running"));
  }

  @Test
  void aPodBodyInAnotherShapeIsLeftToDataBinding() {
    assertThat(ObjectJson.readPod("{\"name\":\"p\",\"namespace\":\"n\",\"podIps\":[null]}"))
        .isNull();
    assertThat(ObjectJson.readPod("{\"name\":7}")).isNull();
    assertThat(ObjectJson.readPod("[]")).isNull();
  }
}
