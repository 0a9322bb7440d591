package io.egressaudit.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.anomaly.Anomaly;
import io.egressaudit.correlator.anomaly.AnomalyRule;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attributions are built component by component, and copied with some changed. */
class AttributionTest {

  private static final Instant SINCE = Instant.parse("2021-11-26T17:40:43Z");
  private static final Anomaly SINGLE_NODE =
      new Anomaly(
          AnomalyRule.SINGLE_EGRESS_NODE,
          "demo",
          List.of("egressip-demo"),
          List.of(),
          List.of("w1"),
          List.of(),
          List.of(),
          "only one egress-assignable node");

  /** A node match with every component set, none to its default. */
  private static Attribution everyComponent() {
    return new Attribution(
        "demo",
        AttributionKind.NODE,
        "egressip-demo",
        "w1",
        List.of("bouvier", "simpson"),
        List.of(new PodRef("bouvier", "patty"), new PodRef("simpson", "homer")),
        SINCE,
        List.of("192.168.126.100"),
        true,
        List.of("simpson"),
        "two candidate namespaces",
        List.of("egressip-demo"),
        42,
        List.of(SINGLE_NODE),
        new Attribution.Stale(SINCE, "API unreachable"));
  }

  @Test
  void theBuilderSetsEachComponentOfItsName() {
    Attribution built =
        Attribution.builder(AttributionKind.NODE)
            .cluster("demo")
            .egressIP("egressip-demo")
            .node("w1")
            .namespaces(List.of("bouvier", "simpson"))
            .pods(List.of(new PodRef("bouvier", "patty"), new PodRef("simpson", "homer")))
            .since(SINCE)
            .assignedIPs(List.of("192.168.126.100"))
            .ambiguous(true)
            .leakSuspects(List.of("simpson"))
            .note("two candidate namespaces")
            .leakEgressIPs(List.of("egressip-demo"))
            .podCount(42)
            .anomalies(List.of(SINGLE_NODE))
            .stale(new Attribution.Stale(SINCE, "API unreachable"))
            .build();

    assertThat(built).isEqualTo(everyComponent());
  }

  @Test
  void toBuilderKeepsEveryComponent() {
    Attribution a = everyComponent();

    assertThat(a.toBuilder().build()).isEqualTo(a);
    assertThat(a.toBuilder().node("w2").build())
        .isEqualTo(
            new Attribution(
                a.cluster(),
                a.kind(),
                a.egressIP(),
                "w2",
                a.namespaces(),
                a.pods(),
                a.since(),
                a.assignedIPs(),
                a.ambiguous(),
                a.leakSuspects(),
                a.note(),
                a.leakEgressIPs(),
                a.podCount(),
                a.anomalies(),
                a.stale()));
  }

  @Test
  void whatIsNotSetIsNullAndTheListsOfOwnersEmpty() {
    Attribution pod = Attribution.builder(AttributionKind.POD).cluster("demo").node("w1").build();

    assertThat(pod.namespaces()).isEmpty();
    assertThat(pod.pods()).isEmpty();
    assertThat(pod.egressIP()).isNull();
    assertThat(pod.podCount()).isNull();
    assertThat(pod.anomalies()).isNull();
    assertThat(Attribution.UNKNOWN.kind()).isEqualTo(AttributionKind.UNKNOWN);
    assertThat(Attribution.UNKNOWN.cluster()).isNull();
    assertThat(Attribution.UNKNOWN.note()).isNull();
  }

  @Test
  void staleAddsItsSentenceAfterTheNoteAndKeepsTheRest() {
    Attribution a = everyComponent().toBuilder().stale(null).build();

    Attribution stale = a.withStale(new Attribution.Stale(SINCE, "401"));

    assertThat(stale.note())
        .isEqualTo(
            "two candidate namespaces; the view of cluster demo was stale since "
                + SINCE
                + " (401): changes made meanwhile may be missing from this answer");
    assertThat(stale.toBuilder().note(a.note()).stale(null).build()).isEqualTo(a);
    assertThat(a.withAnomalies(List.of()).anomalies()).isNull();
  }
}
