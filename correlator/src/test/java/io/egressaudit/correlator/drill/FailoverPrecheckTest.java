package io.egressaudit.correlator.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NodeState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailoverPrecheckTest {

  private static final Map<String, String> ASSIGNABLE =
      Map.of(NodeState.EGRESS_ASSIGNABLE_LABEL, "");
  private static final NodeState SL79N =
      new NodeState("ocp-8vr6j-worker-0-sl79n", List.of("192.168.126.51"), ASSIGNABLE, true);
  private static final NodeState K82T6F =
      new NodeState("ocp-8vr6j-worker-0-82t6f", List.of("192.168.126.53"), ASSIGNABLE, true);
  private static final NodeState KVXR9 =
      new NodeState("ocp-8vr6j-worker-0-kvxr9", List.of("192.168.126.52"), Map.of(), true);

  private static EgressIpState egressIp(List<String> ips, List<EgressIpAssignment> status) {
    return new EgressIpState(
        "egressip-demo",
        ips,
        new LabelSelector(Map.of("house", "simpson"), List.of()),
        null,
        status);
  }

  private static final EgressIpState ON_SL79N =
      egressIp(
          List.of("192.168.126.100"),
          List.of(new EgressIpAssignment("192.168.126.100", "ocp-8vr6j-worker-0-sl79n")));

  @Test
  void anEgressIpWithASecondAssignableReadyNodeCanFailOver() {
    assertThat(
            FailoverPrecheck.problems(
                ON_SL79N, List.of(SL79N, K82T6F, KVXR9), List.of("simpson"), true))
        .isEmpty();
  }

  @Test
  void onlyOneEgressAssignableNodeMeansNoFailover() {
    assertThat(
            FailoverPrecheck.problems(ON_SL79N, List.of(SL79N, KVXR9), List.of("simpson"), false))
        .containsExactly(
            "no failover possible: only one egress-assignable node (ocp-8vr6j-worker-0-sl79n);"
                + " label a second one: kubectl label node NODE k8s.ovn.org/egress-assignable=");
  }

  @Test
  void aSecondAssignableNodeThatIsNotReadyIsNamed() {
    NodeState down = new NodeState(K82T6F.name(), K82T6F.addresses(), ASSIGNABLE, false);

    assertThat(FailoverPrecheck.problems(ON_SL79N, List.of(SL79N, down), List.of("simpson"), false))
        .singleElement()
        .asString()
        .endsWith("the other one(s) are not Ready: ocp-8vr6j-worker-0-82t6f");
  }

  @Test
  void anEgressIpWithTwoIpsIsRefusedWithTheOvnRuleThatExplainsWhy() {
    EgressIpState ecmp =
        egressIp(
            List.of("192.168.126.100", "192.168.126.101"),
            List.of(
                new EgressIpAssignment("192.168.126.100", SL79N.name()),
                new EgressIpAssignment("192.168.126.101", K82T6F.name())));

    List<String> problems =
        FailoverPrecheck.problems(ecmp, List.of(SL79N, K82T6F, KVXR9), List.of("simpson"), true);

    assertThat(problems)
        .singleElement()
        .asString()
        .startsWith("EgressIP egressip-demo has 2 egress IPs (192.168.126.100, 192.168.126.101)")
        .contains("each on a different node")
        .contains("(0 such node here)");
  }

  @Test
  void anUnassignedEgressIpHasNothingToFailOver() {
    assertThat(
            FailoverPrecheck.problems(
                egressIp(List.of("192.168.126.100"), List.of()),
                List.of(SL79N, K82T6F),
                List.of("simpson"),
                false))
        .containsExactly(
            "EgressIP egressip-demo has no assigned IP: nothing to fail over (its namespaces leave"
                + " with their node IPs)");
  }

  @Test
  void unlabelNeedsTheLabelOnTheHoldingNode() {
    NodeState unlabelled = new NodeState(SL79N.name(), SL79N.addresses(), Map.of(), true);

    assertThat(
            FailoverPrecheck.problems(
                ON_SL79N, List.of(unlabelled, K82T6F), List.of("simpson"), true))
        .containsExactly(
            "node ocp-8vr6j-worker-0-sl79n holds 192.168.126.100 but has no label"
                + " k8s.ovn.org/egress-assignable: --trigger unlabel has nothing to remove");
    assertThat(
            FailoverPrecheck.problems(
                ON_SL79N, List.of(unlabelled, K82T6F), List.of("simpson"), false))
        .isEmpty();
  }

  @Test
  void anEgressIpThatSelectsNoNamespaceHasNothingToProbe() {
    assertThat(FailoverPrecheck.problems(ON_SL79N, List.of(SL79N, K82T6F), List.of(), false))
        .containsExactly("EgressIP egressip-demo selects no namespace: there is nothing to probe");
  }
}
