package io.egressaudit.correlator.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.PodState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each anomaly rule on a small cluster: two egress-assignable workers in 192.168.126.0/24, {@code
 * simpson} leaving through {@code egressip-demo} (192.168.126.100 on w1), {@code bouvier} with no
 * EgressIP. The healthy cluster has no anomaly; each test breaks one thing.
 */
class AnomaliesTest {

  private static final Map<String, String> ASSIGNABLE =
      Map.of(NodeState.EGRESS_ASSIGNABLE_LABEL, "");

  private static NodeState w1() {
    return new NodeState(
        "w1", List.of("192.168.126.51"), ASSIGNABLE, true, List.of("192.168.126.51/24"));
  }

  private static NodeState w2() {
    return new NodeState(
        "w2", List.of("192.168.126.52"), ASSIGNABLE, true, List.of("192.168.126.52/24"));
  }

  private static EgressIpState egress(
      String name, String namespaceLabel, List<String> ips, EgressIpAssignment... assigned) {
    return new EgressIpState(
        name,
        ips,
        new LabelSelector(Map.of("egress", namespaceLabel), null),
        null,
        List.of(assigned));
  }

  private static EgressIpState demo() {
    return egress(
        "egressip-demo",
        "simpson",
        List.of("192.168.126.100"),
        new EgressIpAssignment("192.168.126.100", "w1"));
  }

  private static PodState pod(String ns, String name, String phase, Map<String, String> labels) {
    return new PodState(ns, name, "w2", List.of("10.128.2.10"), false, labels, phase);
  }

  private static List<ClusterObject> healthy() {
    List<ClusterObject> l = new ArrayList<>();
    l.add(w1());
    l.add(w2());
    l.add(new NamespaceState("simpson", Map.of("egress", "simpson")));
    l.add(new NamespaceState("bouvier", Map.of("egress", "bouvier")));
    l.add(pod("simpson", "homer", "Running", Map.of("app", "homer")));
    l.add(pod("bouvier", "patty", "Running", Map.of()));
    l.add(demo());
    return l;
  }

  private static List<Anomaly> find(List<ClusterObject> objects) {
    return Anomalies.find(ClusterSnapshot.of("demo", objects));
  }

  private static List<ClusterObject> replace(ClusterObject old, ClusterObject by) {
    List<ClusterObject> l = healthy();
    l.removeIf(o -> o.ref().equals(old.ref()));
    l.add(by);
    return l;
  }

  @Test
  void aHealthyClusterHasNoAnomaly() {
    assertThat(find(healthy())).isEmpty();
  }

  @Test
  void anAssignedIpMissingFromTheSpecIsAnOldStatus() {
    EgressIpState changed =
        egress(
            "egressip-demo",
            "simpson",
            List.of("192.168.126.101"),
            new EgressIpAssignment("192.168.126.100", "w1"));
    List<Anomaly> found = find(replace(demo(), changed));
    assertThat(found)
        .extracting(Anomaly::rule, Anomaly::ips, Anomaly::nodes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AnomalyRule.ASSIGNED_IP_NOT_IN_SPEC, List.of("192.168.126.100"), List.of("w1")));
    assertThat(found.get(0).message()).contains("status kept an old IP");
  }

  @Test
  void oneIpOnTwoNodesIsFound() {
    EgressIpState twice =
        egress(
            "egressip-demo",
            "simpson",
            List.of("192.168.126.100"),
            new EgressIpAssignment("192.168.126.100", "w1"),
            new EgressIpAssignment("192.168.126.100", "w2"));
    assertThat(find(replace(demo(), twice)))
        .extracting(Anomaly::rule, Anomaly::nodes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AnomalyRule.IP_ASSIGNED_TO_TWO_NODES, List.of("w1", "w2")));
  }

  @Test
  void oneIpClaimedByTwoEgressIpsIsFoundAsInTheTwoDemoOverlays() {
    List<ClusterObject> l = healthy();
    l.add(egress("egressip-demo-bouvier", "bouvier", List.of("192.168.126.100")));
    List<Anomaly> found = find(l);
    assertThat(found)
        .filteredOn(a -> a.rule() == AnomalyRule.IP_CLAIMED_BY_TWO_EGRESSIPS)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.egressIPs()).containsExactly("egressip-demo", "egressip-demo-bouvier");
              assertThat(a.ips()).containsExactly("192.168.126.100");
            });
  }

  @Test
  void aNamespaceSelectedByTwoEgressIpsIsFound() {
    List<ClusterObject> l = healthy();
    l.add(
        egress(
            "second",
            "simpson",
            List.of("192.168.126.101"),
            new EgressIpAssignment("192.168.126.101", "w2")));
    assertThat(find(l))
        .extracting(Anomaly::rule, Anomaly::namespaces, Anomaly::egressIPs)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AnomalyRule.NAMESPACE_SELECTED_TWICE,
                List.of("simpson"),
                List.of("egressip-demo", "second")));
  }

  @Test
  void podsSelectedByTwoEgressIpsThroughPodSelectorsAreFoundAndOthersAreNot() {
    List<ClusterObject> l = healthy();
    l.add(pod("simpson", "marge", "Running", Map.of("app", "marge")));
    l.add(
        new EgressIpState(
            "homer-only",
            List.of("192.168.126.101"),
            new LabelSelector(Map.of("egress", "simpson"), null),
            new LabelSelector(Map.of("app", "homer"), null),
            List.of(new EgressIpAssignment("192.168.126.101", "w2"))));
    assertThat(find(l))
        .extracting(Anomaly::rule, Anomaly::pods)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AnomalyRule.POD_SELECTED_TWICE, List.of(new PodRef("simpson", "homer"))));
  }

  @Test
  void anUnassignedEgressIpWithRunningPodsIsFoundButNotWithoutThem() {
    EgressIpState unassigned = egress("egressip-demo", "simpson", List.of("192.168.126.100"));
    assertThat(find(replace(demo(), unassigned)))
        .extracting(Anomaly::rule, Anomaly::namespaces)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AnomalyRule.UNASSIGNED_WITH_RUNNING_PODS, List.of("simpson")));
    List<ClusterObject> done = replace(demo(), unassigned);
    done.removeIf(o -> o instanceof PodState p && p.namespace().equals("simpson"));
    done.add(pod("simpson", "homer", "Succeeded", Map.of()));
    assertThat(find(done)).isEmpty();
  }

  @Test
  void oneEgressAssignableNodeIsFound() {
    NodeState plain = new NodeState("w2", List.of("192.168.126.52"), Map.of(), true);
    assertThat(find(replace(w2(), plain)))
        .extracting(Anomaly::rule, Anomaly::nodes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(AnomalyRule.SINGLE_EGRESS_NODE, List.of("w1")));
  }

  @Test
  void anEgressIpOutsideEveryNodeSubnetIsFoundAndUnknownSubnetsSayNothing() {
    EgressIpState outside =
        egress(
            "egressip-demo",
            "simpson",
            List.of("10.0.0.100"),
            new EgressIpAssignment("10.0.0.100", "w1"));
    assertThat(find(replace(demo(), outside)))
        .extracting(Anomaly::rule, Anomaly::ips)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AnomalyRule.EGRESS_IP_OUTSIDE_NODE_SUBNETS, List.of("10.0.0.100")));
    List<ClusterObject> unknown = replace(demo(), outside);
    unknown.removeIf(o -> o instanceof NodeState);
    unknown.add(new NodeState("w1", List.of("192.168.126.51"), ASSIGNABLE, true));
    unknown.add(new NodeState("w2", List.of("192.168.126.52"), ASSIGNABLE, true));
    assertThat(find(unknown)).isEmpty();
  }

  @Test
  void anAssignedNodeThatIsNotReadyOrGoneIsFound() {
    NodeState down =
        new NodeState(
            "w1", List.of("192.168.126.51"), ASSIGNABLE, false, List.of("192.168.126.51/24"));
    assertThat(find(replace(w1(), down)))
        .extracting(Anomaly::rule, Anomaly::nodes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AnomalyRule.ASSIGNED_NODE_NOT_READY, List.of("w1")));
    List<ClusterObject> gone = healthy();
    gone.removeIf(o -> o.ref().equals(w1().ref()));
    assertThat(find(gone))
        .extracting(Anomaly::rule)
        .contains(AnomalyRule.ASSIGNED_NODE_NOT_READY, AnomalyRule.SINGLE_EGRESS_NODE);
  }

  @Test
  void anAssignedNodeNoLongerLabelledIsFound() {
    List<ClusterObject> l = healthy();
    l.removeIf(o -> o.ref().equals(w1().ref()));
    l.add(new NodeState("w1", List.of("192.168.126.51"), Map.of(), true));
    l.add(
        new NodeState(
            "w3", List.of("192.168.126.53"), ASSIGNABLE, true, List.of("192.168.126.53/24")));
    assertThat(find(l))
        .extracting(Anomaly::rule, Anomaly::nodes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AnomalyRule.ASSIGNED_NODE_NOT_ASSIGNABLE, List.of("w1")));
  }

  @Test
  void anAnomalyConcernsMatchesOfItsClusterByIpEgressIpNodeOrNamespace() {
    Anomaly a =
        new Anomaly(
            AnomalyRule.IP_CLAIMED_BY_TWO_EGRESSIPS,
            "demo",
            List.of("egressip-demo"),
            List.of("192.168.126.100"),
            null,
            null,
            null,
            "m");
    Attribution egress =
        Attribution.builder(AttributionKind.EGRESS_IP)
            .cluster("demo")
            .egressIP("egressip-demo")
            .node("w1")
            .namespaces(List.of("simpson"))
            .build();
    Attribution otherCluster =
        Attribution.builder(AttributionKind.EGRESS_IP)
            .cluster("other")
            .egressIP("egressip-demo")
            .node("w1")
            .build();
    Attribution node =
        Attribution.builder(AttributionKind.NODE)
            .cluster("demo")
            .node("w2")
            .namespaces(List.of("bouvier"))
            .build();
    assertThat(a.concerns("192.168.126.100", egress)).isTrue();
    assertThat(a.concerns("192.168.126.100", otherCluster)).isFalse();
    assertThat(a.concerns("192.168.126.52", node)).isFalse();
  }
}
