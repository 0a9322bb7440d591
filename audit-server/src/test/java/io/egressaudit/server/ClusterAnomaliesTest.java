package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodState;
import io.egressaudit.correlator.anomaly.Anomalies;
import io.egressaudit.correlator.anomaly.AnomalyRule;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Anomalies remembered per span of unchanged nodes, namespaces and EgressIPs stay those of the
 * rules on the whole state, as pods come and go and as late history changes a span already asked
 * about.
 */
class ClusterAnomaliesTest {

  private static final long OPEN = AttributionTimeline.OPEN;

  private final AttributionTimeline timeline = new AttributionTimeline("demo");
  private final ClusterAnomalies anomalies = new ClusterAnomalies();
  private long rowId;

  private EgressIpState egressIp(List<EgressIpAssignment> assigned) {
    return new EgressIpState(
        "egressip-demo",
        List.of("192.168.126.100"),
        new LabelSelector(Map.of("team", "yellow"), List.of()),
        null,
        assigned);
  }

  private PodState pod(String name) {
    return new PodState(
        "simpson", name, "worker-0", List.of("10.128.2.14"), false, Map.of(), "Running");
  }

  private void assertAsTheRulesOnTheWholeState(long... times) {
    for (long t : times) {
      Instant at = Instant.ofEpochMilli(t);
      assertThat(anomalies.at(timeline, at))
          .as("at %d", t)
          .isEqualTo(Anomalies.find(timeline.snapshotAt(at)));
    }
  }

  @Test
  void anomaliesFollowPodsAndLateHistoryOfASpanAlreadyAskedAbout() {
    timeline.add(
        ++rowId,
        new NodeState(
            "worker-0",
            List.of("192.168.126.51"),
            Map.of(NodeState.EGRESS_ASSIGNABLE_LABEL, ""),
            true),
        0,
        OPEN);
    timeline.add(++rowId, new NamespaceState("simpson", Map.of("team", "yellow")), 0, OPEN);
    long assigned = ++rowId;
    EgressIpState demo = egressIp(List.of(new EgressIpAssignment("192.168.126.100", "worker-0")));
    timeline.add(assigned, demo, 0, OPEN);
    long homer = ++rowId;
    timeline.add(homer, pod("homer"), 10, OPEN);
    // no pod is read while the EgressIP is assigned: the span's anomalies are remembered
    assertAsTheRulesOnTheWholeState(5, 100, 300, 1_000);
    assertThat(anomalies.at(timeline, Instant.ofEpochMilli(300)))
        .extracting(a -> a.rule())
        .doesNotContain(AnomalyRule.UNASSIGNED_WITH_RUNNING_PODS);

    // late history: the EgressIP lost its assignment at 150, inside the span already worked out
    timeline.closed(assigned, demo.ref(), 150);
    long unassigned = ++rowId;
    timeline.add(unassigned, egressIp(List.of()), 150, OPEN);
    assertThat(anomalies.at(timeline, Instant.ofEpochMilli(300)))
        .extracting(a -> a.rule())
        .contains(AnomalyRule.UNASSIGNED_WITH_RUNNING_PODS);
    assertAsTheRulesOnTheWholeState(5, 100, 160, 300, 1_000);

    // pod changes within that span: the pods of the selected namespace are read again
    timeline.closed(homer, pod("homer").ref(), 200);
    timeline.add(++rowId, pod("marge"), 250, 400);
    assertAsTheRulesOnTheWholeState(5, 100, 160, 220, 300, 1_000);
    assertThat(anomalies.at(timeline, Instant.ofEpochMilli(220)))
        .extracting(a -> a.rule())
        .doesNotContain(AnomalyRule.UNASSIGNED_WITH_RUNNING_PODS);
  }
}
