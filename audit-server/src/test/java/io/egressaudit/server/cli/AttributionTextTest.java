package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Table cells of node matches stay readable on a crowded node, and short ones are whole. */
class AttributionTextTest {

  private static List<String> namespaces(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(String.format("%s-%03d", prefix, i));
    }
    return out;
  }

  private static Attribution crowdedNode() {
    return Attribution.builder(AttributionKind.NODE)
        .cluster("c")
        .node("node-022")
        .namespaces(namespaces("ns", 76))
        .ambiguous(true)
        .leakSuspects(namespaces("team", 90))
        .leakEgressIPs(namespaces("eip", 64))
        .podCount(80)
        .build();
  }

  @Test
  void longListsShowTheirFirstNamesAndHowManyMore() {
    assertThat(AttributionText.summary(crowdedNode()))
        .isEqualTo(
            "ns-000,ns-001,ns-002 and 73 more (ambiguous) via node node-022; leak?"
                + " team-000,team-001,team-002 and 87 more should leave through"
                + " eip-000,eip-001,eip-002 and 61 more");
  }

  @Test
  void theNamespaceAListingIsFilteredByComesFirst() {
    assertThat(AttributionText.summary(List.of(crowdedNode()), "ns-042"))
        .startsWith("ns-042,ns-000,ns-001 and 73 more (ambiguous) via node node-022");
    assertThat(AttributionText.summary(List.of(crowdedNode()), "team-089"))
        .contains("leak? team-089,team-000,team-001 and 87 more should leave through");
  }

  @Test
  void shortListsAreWhole() {
    Attribution a =
        Attribution.builder(AttributionKind.NODE)
            .cluster("c")
            .node("worker-0")
            .namespaces(List.of("bart", "lisa"))
            .ambiguous(true)
            .leakSuspects(List.of("simpson"))
            .leakEgressIPs(List.of("egressip-demo"))
            .podCount(2)
            .build();
    assertThat(AttributionText.summary(List.of(a), "simpson"))
        .isEqualTo(
            "bart,lisa (ambiguous) via node worker-0; leak? simpson should leave through"
                + " egressip-demo");
  }
}
