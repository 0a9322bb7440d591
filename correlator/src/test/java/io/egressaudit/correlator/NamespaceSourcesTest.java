package io.egressaudit.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamespaceSourcesTest {

  private static final NodeState W1 =
      new NodeState("w1", List.of("192.168.126.51"), Map.of(), true);
  private static final NodeState W2 =
      new NodeState("w2", List.of("192.168.126.53"), Map.of(), true);
  private static final NamespaceState SIMPSON =
      new NamespaceState("simpson", Map.of("house", "simpson"));
  private static final NamespaceState BOUVIER =
      new NamespaceState("bouvier", Map.of("house", "bouvier"));

  private static PodState pod(
      String ns, String name, String node, boolean hostNetwork, Map<String, String> labels) {
    return new PodState(
        ns, name, node, List.of("10.128.0." + name.length()), hostNetwork, labels, "Running");
  }

  private static EgressIpState egress(
      List<EgressIpAssignment> assignments, LabelSelector podSelector) {
    return new EgressIpState(
        "egressip-demo",
        List.of("192.168.126.100", "192.168.126.101"),
        new LabelSelector(Map.of("house", "simpson"), List.of()),
        podSelector,
        assignments);
  }

  @Test
  void aNamespaceCarriedByAnAssignedEgressIpLeavesWithEveryAssignedIp() {
    ClusterSnapshot s =
        ClusterSnapshot.of(
            "demo",
            List.of(
                W1,
                W2,
                SIMPSON,
                BOUVIER,
                pod("simpson", "homer", "w1", false, Map.of()),
                egress(
                    List.of(
                        new EgressIpAssignment("192.168.126.100", "w1"),
                        new EgressIpAssignment("192.168.126.101", "w2")),
                    null)));

    NamespaceSources r = NamespaceSources.of("simpson", s);

    assertThat(r.sources())
        .extracting(ExpectedSource::ip)
        .containsExactly("192.168.126.100", "192.168.126.101");
    assertThat(r.sources())
        .allSatisfy(
            e -> {
              assertThat(e.kind()).isEqualTo(AttributionKind.EGRESS_IP);
              assertThat(e.egressIP()).isEqualTo("egressip-demo");
              assertThat(e.pods()).containsExactly(new PodRef("simpson", "homer"));
            });
    assertThat(r.sources()).extracting(ExpectedSource::node).containsExactly("w1", "w2");
    assertThat(r.notes()).isEmpty();
  }

  @Test
  void podsNotCarriedLeaveWithTheirNodeIp() {
    ClusterSnapshot s =
        ClusterSnapshot.of(
            "demo",
            List.of(
                W1,
                W2,
                SIMPSON,
                pod("simpson", "homer", "w1", false, Map.of("app", "homer")),
                pod("simpson", "marge", "w2", false, Map.of("app", "marge")),
                pod("simpson", "agent", "w2", true, Map.of("app", "homer")),
                egress(
                    List.of(new EgressIpAssignment("192.168.126.100", "w1")),
                    new LabelSelector(Map.of("app", "homer"), List.of()))));

    NamespaceSources r = NamespaceSources.of("simpson", s);

    assertThat(r.sources())
        .extracting(ExpectedSource::ip, ExpectedSource::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("192.168.126.100", AttributionKind.EGRESS_IP),
            org.assertj.core.groups.Tuple.tuple("192.168.126.53", AttributionKind.NODE));
    assertThat(r.sources().get(1).pods())
        .containsExactly(new PodRef("simpson", "agent"), new PodRef("simpson", "marge"));
  }

  @Test
  void anUnassignedEgressIpFallsBackToNodeIpsWithANote() {
    ClusterSnapshot s =
        ClusterSnapshot.of(
            "demo",
            List.of(
                W1,
                SIMPSON,
                pod("simpson", "homer", "w1", false, Map.of()),
                egress(List.of(), null)));

    NamespaceSources r = NamespaceSources.of("simpson", s);

    assertThat(r.sources()).extracting(ExpectedSource::ip).containsExactly("192.168.126.51");
    assertThat(r.notes()).singleElement().asString().contains("egressip-demo", "no assigned IP");
  }

  @Test
  void anUnknownNamespaceHasNoSourcesAndSaysSo() {
    NamespaceSources r = NamespaceSources.of("nope", ClusterSnapshot.of("demo", List.of(W1)));
    assertThat(r.sources()).isEmpty();
    assertThat(r.notes()).singleElement().asString().contains("does not exist");
  }

  @Test
  void terminatedAndUnscheduledPodsAddNoSource() {
    PodState done = new PodState("simpson", "job", "w1", List.of(), false, Map.of(), "Succeeded");
    PodState pending = new PodState("simpson", "new", null, List.of(), false, Map.of(), "Pending");
    NamespaceSources r =
        NamespaceSources.of(
            "simpson", ClusterSnapshot.of("demo", List.of(W1, SIMPSON, done, pending)));
    assertThat(r.sources()).isEmpty();
    assertThat(r.notes()).singleElement().asString().contains("not scheduled");
  }

  @Test
  void aScheduledPendingPodWithoutIpAddsNoSourceAndSaysWhy() {
    PodState starting =
        new PodState("simpson", "starting", "w1", List.of(), false, Map.of(), "Pending");
    NamespaceSources r =
        NamespaceSources.of("simpson", ClusterSnapshot.of("demo", List.of(W1, SIMPSON, starting)));
    assertThat(r.sources()).isEmpty();
    assertThat(r.notes()).singleElement().asString().contains("starting", "no IP yet");
  }
}
