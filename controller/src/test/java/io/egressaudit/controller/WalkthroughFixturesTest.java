package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.Correlator;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.PodState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Loads the example files under {@code examples/} and checks the walkthrough's cluster states. */
class WalkthroughFixturesTest {

  static final Path EXAMPLES = Path.of("..", "examples");
  static final String SL79N = "ocp-8vr6j-worker-0-sl79n";
  static final String W82T6F = "ocp-8vr6j-worker-0-82t6f";

  static List<ClusterObject> load(String file) {
    LoadedClusterState state = ClusterStateFile.load(EXAMPLES.resolve(file));
    assertThat(state.notes()).as(file + " notes").isEmpty();
    return state.objects();
  }

  static <T> List<T> of(List<ClusterObject> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static Map<String, NodeState> nodes(List<ClusterObject> objects) {
    return of(objects, NodeState.class).stream().collect(Collectors.toMap(NodeState::name, n -> n));
  }

  static EgressIpState demo(String ip, String node) {
    return new EgressIpState(
        "egressip-demo",
        List.of(ip),
        new LabelSelector(Map.of("house", "simpson"), List.of()),
        LabelSelector.EVERYTHING,
        List.of(new EgressIpAssignment(ip, node)));
  }

  static Attribution only(String ip, List<ClusterObject> objects) {
    List<Attribution> matches = Correlator.attribute(ip, ClusterSnapshot.of("demo", objects));
    assertThat(matches).hasSize(1);
    return matches.get(0);
  }

  @Test
  void beforeTheEgressIp() {
    List<ClusterObject> objects = load("walkthrough/01-before-egressip.yaml");

    assertThat(of(objects, NodeState.class))
        .hasSize(7)
        .allMatch(NodeState::ready)
        .noneMatch(NodeState::egressAssignable);
    assertThat(of(objects, NamespaceState.class))
        .extracting(NamespaceState::name)
        .containsExactly("bouvier", "default", "simpson");
    assertThat(of(objects, PodState.class)).hasSize(4).noneMatch(PodState::hostNetwork);
    assertThat(of(objects, EgressIpState.class)).isEmpty();
    Map<String, NodeState> nodes = nodes(objects);
    assertThat(nodes.get("ocp-8vr6j-master-0").addresses()).containsExactly("192.168.126.11");
    assertThat(nodes.get(W82T6F).addresses()).containsExactly("192.168.126.53");
    assertThat(nodes.get(SL79N).addresses()).containsExactly("192.168.126.51");
    assertThat(of(objects, PodState.class))
        .contains(
            new PodState(
                "simpson",
                "homer-deployment-5b7857cc48-fs2w4",
                SL79N,
                List.of("10.129.3.232"),
                false,
                Map.of("app", "homer", "pod-template-hash", "5b7857cc48"),
                "Running"));

    Attribution fromSl79n = only("192.168.126.51", objects);
    assertThat(fromSl79n.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(fromSl79n.namespaces()).containsExactly("simpson");
    assertThat(only("192.168.126.53", objects).namespaces()).containsExactly("bouvier");
  }

  @Test
  void egressIpAssignedToSl79n() {
    List<ClusterObject> objects = load("walkthrough/02-egressip-assigned.yaml");

    assertThat(objects).hasSize(15);
    assertThat(of(objects, EgressIpState.class)).containsExactly(demo("192.168.126.100", SL79N));
    assertThat(of(objects, NodeState.class))
        .filteredOn(NodeState::egressAssignable)
        .extracting(NodeState::name)
        .containsExactly(SL79N);

    Attribution a = only("192.168.126.100", objects);
    assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP);
    assertThat(a.node()).isEqualTo(SL79N);
    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods())
        .containsExactly(
            new PodRef("simpson", "homer-deployment-5b7857cc48-fs2w4"),
            new PodRef("simpson", "marge-deployment-75474c9ff-jpkkv"));
  }

  @Test
  void afterTheFailover() {
    List<ClusterObject> objects = load("walkthrough/03-after-failover.yaml");

    assertThat(objects).hasSize(15);
    assertThat(of(objects, EgressIpState.class)).containsExactly(demo("192.168.126.100", W82T6F));
    Map<String, NodeState> nodes = nodes(objects);
    assertThat(nodes.get(SL79N).ready()).isFalse();
    assertThat(nodes.values())
        .filteredOn(NodeState::egressAssignable)
        .extracting(NodeState::name)
        .containsExactlyInAnyOrder(SL79N, W82T6F);
    assertThat(of(objects, PodState.class))
        .filteredOn(p -> p.namespace().equals("simpson"))
        .extracting(PodState::name, PodState::nodeName, PodState::podIps)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "homer-deployment-5b7857cc48-x7q2m",
                "ocp-8vr6j-worker-0-kvxr9",
                List.of("10.131.0.24")),
            org.assertj.core.groups.Tuple.tuple(
                "marge-deployment-75474c9ff-t4n8b",
                "ocp-8vr6j-worker-0-kvxr9",
                List.of("10.131.0.25")));

    Attribution a = only("192.168.126.100", objects);
    assertThat(a.node()).isEqualTo(W82T6F);
    assertThat(a.pods())
        .extracting(PodRef::name)
        .containsExactly("homer-deployment-5b7857cc48-x7q2m", "marge-deployment-75474c9ff-t4n8b");
    assertThat(only("192.168.126.53", objects).namespaces()).containsExactly("bouvier");
  }

  @Test
  void loopbackCluster() {
    List<ClusterObject> objects = load("loopback/cluster.yaml");

    assertThat(objects).hasSize(15);
    assertThat(of(objects, EgressIpState.class)).containsExactly(demo("127.0.0.100", SL79N));
    assertThat(of(objects, NodeState.class))
        .extracting(n -> n.addresses().get(0))
        .containsExactly(
            "127.0.0.11",
            "127.0.0.12",
            "127.0.0.13",
            "127.0.0.53",
            "127.0.0.54",
            "127.0.0.52",
            "127.0.0.51");
    assertThat(of(objects, NodeState.class)).allMatch(n -> n.addresses().size() == 1);
    assertThat(only("127.0.0.100", objects).namespaces()).containsExactly("simpson");
  }

  @Test
  void loopbackClusterAfterTheFailover() {
    List<ClusterObject> objects = load("loopback/after-failover.yaml");

    assertThat(objects).hasSize(15);
    assertThat(of(objects, EgressIpState.class)).containsExactly(demo("127.0.0.100", W82T6F));
    assertThat(nodes(objects).get(SL79N).ready()).isFalse();
    Attribution a = only("127.0.0.100", objects);
    assertThat(a.node()).isEqualTo(W82T6F);
    assertThat(a.pods())
        .extracting(PodRef::name)
        .containsExactly("homer-deployment-5b7857cc48-x7q2m", "marge-deployment-75474c9ff-t4n8b");
    // the walkthrough's state after the failover, moved onto 127.0.0.0/8 as cluster.yaml is
    assertThat(of(objects, NodeState.class))
        .extracting(n -> n.addresses().get(0))
        .containsExactlyElementsOf(
            of(load("walkthrough/03-after-failover.yaml"), NodeState.class).stream()
                .map(n -> n.addresses().get(0).replace("192.168.126.", "127.0.0."))
                .toList());
  }
}
