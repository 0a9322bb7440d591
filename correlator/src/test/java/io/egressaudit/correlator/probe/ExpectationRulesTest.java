package io.egressaudit.correlator.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectationRulesTest {

  static final NodeState W1 = new NodeState("w1", List.of("192.168.126.51"), Map.of(), true);
  static final NodeState W2 = new NodeState("w2", List.of("192.168.126.53"), Map.of(), true);
  static final NamespaceState SIMPSON = new NamespaceState("simpson", Map.of("house", "simpson"));
  static final NamespaceState BOUVIER = new NamespaceState("bouvier", Map.of("house", "bouvier"));

  static PodState pod(String ns, String name, String node, Map<String, String> labels) {
    return new PodState(ns, name, node, List.of("10.128.0.9"), false, labels, "Running");
  }

  static EgressIpState egress(String name, List<EgressIpAssignment> assigned, LabelSelector pods) {
    return new EgressIpState(
        name,
        List.of("192.168.126.100", "192.168.126.101"),
        new LabelSelector(Map.of("house", "simpson"), List.of()),
        pods,
        assigned);
  }

  static ClusterSnapshot snapshot(ClusterObject... extra) {
    List<ClusterObject> objects = new ArrayList<>(List.of(W1, W2, SIMPSON, BOUVIER));
    objects.addAll(List.of(extra));
    return ClusterSnapshot.of("demo", objects);
  }

  @Test
  void aPodCarriedByAnAssignedEgressIpMustArriveFromItsEgressIp() {
    ClusterSnapshot s =
        snapshot(
            pod("simpson", "homer", "w1", Map.of()),
            egress(
                "egressip-demo", List.of(new EgressIpAssignment("192.168.126.100", "w2")), null));

    ProbeExpectation e = ExpectationRules.forPod(s, "simpson", "homer", null);

    assertThat(e.rule()).isEqualTo(ExpectationRule.EGRESS_IP);
    assertThat(e.allowedText()).containsExactly("192.168.126.100");
    assertThat(e.egressIP()).isEqualTo("egressip-demo");
    assertThat(e.node()).isEqualTo("w1");
    assertThat(e.allows("192.168.126.100")).isTrue();
    assertThat(e.allows("192.168.126.51")).as("its own node IP would be a leak").isFalse();
    assertThat(e.describe()).isEqualTo("192.168.126.100 (egressip-demo)");
  }

  @Test
  void anEcmpEgressIpAllowsEachOfItsAssignedIpsAndNoOther() {
    ClusterSnapshot s =
        snapshot(
            pod("simpson", "homer", "w1", Map.of()),
            egress(
                "egressip-demo",
                List.of(
                    new EgressIpAssignment("192.168.126.100", "w1"),
                    new EgressIpAssignment("192.168.126.101", "w2")),
                null));

    ProbeExpectation e = ExpectationRules.forPod(s, "simpson", "homer", null);

    assertThat(e.allowedText()).containsExactly("192.168.126.100", "192.168.126.101");
    assertThat(e.allows("192.168.126.101")).isTrue();
    assertThat(e.allows("192.168.126.102")).isFalse();
    assertThat(e.describe())
        .isEqualTo("any of 192.168.126.100, 192.168.126.101 (egressip-demo, ECMP)");
  }

  @Test
  void aPodNoEgressIpSelectsMustArriveFromItsOwnNodeIp() {
    ClusterSnapshot s =
        snapshot(
            pod("bouvier", "patty", "w2", Map.of()),
            egress(
                "egressip-demo", List.of(new EgressIpAssignment("192.168.126.100", "w1")), null));

    ProbeExpectation e = ExpectationRules.forPod(s, "bouvier", "patty", null);

    assertThat(e.rule()).isEqualTo(ExpectationRule.NODE);
    assertThat(e.allowedText()).containsExactly("192.168.126.53");
    assertThat(e.describe()).isEqualTo("node IP 192.168.126.53 (w2)");
  }

  @Test
  void aPodOutsideTheEgressIpsPodSelectorLeavesWithItsNodeIp() {
    ClusterSnapshot s =
        snapshot(
            pod("simpson", "homer", "w1", Map.of("app", "homer")),
            pod("simpson", "marge", "w2", Map.of("app", "marge")),
            egress(
                "egressip-demo",
                List.of(new EgressIpAssignment("192.168.126.100", "w1")),
                new LabelSelector(Map.of("app", "homer"), List.of())));

    assertThat(ExpectationRules.forPod(s, "simpson", "homer", null).rule())
        .isEqualTo(ExpectationRule.EGRESS_IP);
    ProbeExpectation marge = ExpectationRules.forPod(s, "simpson", "marge", null);
    assertThat(marge.rule()).isEqualTo(ExpectationRule.NODE);
    assertThat(marge.allowedText()).containsExactly("192.168.126.53");
  }

  @Test
  void anEgressIpWithoutAssignedIpIsAFailureNamingTheNodeIpItFallsBackTo() {
    ClusterSnapshot s =
        snapshot(pod("simpson", "homer", "w1", Map.of()), egress("egressip-demo", List.of(), null));

    ProbeExpectation e = ExpectationRules.forPod(s, "simpson", "homer", null);

    assertThat(e.rule()).isEqualTo(ExpectationRule.EGRESS_IP_UNASSIGNED);
    assertThat(e.egressIP()).isEqualTo("egressip-demo");
    assertThat(e.allowedText()).containsExactly("192.168.126.51");
    assertThat(e.problem())
        .isEqualTo(
            "egressip-demo has no assigned IP: simpson leaves with its node IP 192.168.126.51"
                + " (w1) instead of one of 192.168.126.100, 192.168.126.101");
  }

  @Test
  void anAssignedEgressIpWinsOverAnUnassignedOneSelectingTheSamePod() {
    ClusterSnapshot s =
        snapshot(
            pod("simpson", "homer", "w1", Map.of()),
            egress("a-unassigned", List.of(), null),
            egress("b-assigned", List.of(new EgressIpAssignment("192.168.126.101", "w2")), null));

    ProbeExpectation e = ExpectationRules.forPod(s, "simpson", "homer", null);

    assertThat(e.rule()).isEqualTo(ExpectationRule.EGRESS_IP);
    assertThat(e.egressIP()).isEqualTo("b-assigned");
  }

  @Test
  void aPolicyRuleReplacesTheClusterRulesForItsNamespaceOnly() {
    ClusterSnapshot s =
        snapshot(
            pod("simpson", "homer", "w1", Map.of()),
            pod("bouvier", "patty", "w2", Map.of()),
            egress(
                "egressip-demo", List.of(new EgressIpAssignment("192.168.126.100", "w1")), null));
    ProbePolicy policy =
        new ProbePolicy(
            Map.of(
                "simpson",
                new ProbePolicy.NamespacePolicy(
                    List.of(AllowedSource.parse("10.0.0.0/8"), AllowedSource.parse("192.0.2.7")),
                    false)));

    ProbeExpectation simpson = ExpectationRules.forPod(s, "simpson", "homer", policy);
    ProbeExpectation bouvier = ExpectationRules.forPod(s, "bouvier", "patty", policy);

    assertThat(simpson.rule()).isEqualTo(ExpectationRule.POLICY);
    assertThat(simpson.allows("10.20.30.40")).isTrue();
    assertThat(simpson.allows("192.0.2.7")).isTrue();
    assertThat(simpson.allows("192.168.126.100")).isFalse();
    assertThat(simpson.describe()).isEqualTo("policy: 10.0.0.0/8, 192.0.2.7");
    assertThat(bouvier.rule()).isEqualTo(ExpectationRule.NODE);
  }

  @Test
  void aMustNotArriveNamespaceAllowsNoSource() {
    ClusterSnapshot s = snapshot(pod("bouvier", "patty", "w2", Map.of()));
    ProbePolicy policy =
        new ProbePolicy(Map.of("bouvier", new ProbePolicy.NamespacePolicy(List.of(), true)));

    ProbeExpectation e = ExpectationRules.forPod(s, "bouvier", "patty", policy);

    assertThat(e.mustNotArrive()).isTrue();
    assertThat(e.allows("192.168.126.53")).isFalse();
    assertThat(e.node()).isEqualTo("w2");
  }

  @Test
  void aPodTheSnapshotDoesNotKnowOrThatIsNotScheduledCannotBeExpectedAnything() {
    ClusterSnapshot s = snapshot(pod("simpson", "pending", null, Map.of()));

    ProbeExpectation missing = ExpectationRules.forPod(s, "simpson", "ghost", null);
    ProbeExpectation pending = ExpectationRules.forPod(s, "simpson", "pending", null);

    assertThat(missing.rule()).isEqualTo(ExpectationRule.UNKNOWN);
    assertThat(missing.problem()).isEqualTo("pod simpson/ghost is not in the cluster state");
    assertThat(pending.rule()).isEqualTo(ExpectationRule.UNKNOWN);
    assertThat(pending.problem()).contains("is not scheduled");
  }

  @Test
  void theNamespacesToProbeByDefaultAreThoseEgressIpsSelectAssignedOrNot() {
    ClusterSnapshot s =
        snapshot(
            new NamespaceState("flanders", Map.of("house", "simpson")),
            egress("egressip-demo", List.of(), null));

    assertThat(ExpectationRules.namespacesSelectedByEgressIps(s))
        .containsExactly("flanders", "simpson");
  }
}
