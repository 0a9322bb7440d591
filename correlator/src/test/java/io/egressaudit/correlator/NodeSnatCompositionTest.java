package io.egressaudit.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The node rule kept pod by pod ({@link NodeSnatAttribution.Composition}) answers as the rule on
 * the whole list of the node's pods does, whatever the order pods come and go in: property style,
 * fixed seeds.
 */
class NodeSnatCompositionTest {

  private static final NodeState NODE =
      new NodeState("worker-1", List.of("10.0.0.1"), Map.of(), true);

  @Test
  void podsAddedAndRemovedInAnyOrderGiveWhatTheRuleGivesOnTheWholeList() {
    int leaksSeen = 0;
    int ambiguousSeen = 0;
    for (long seed = 1; seed <= 30; seed++) {
      Random rnd = new Random(seed);
      Map<String, NamespaceState> namespaces = new HashMap<>();
      for (int n = 0; n < 8; n++) {
        if (n != 7) { // ns-7 has pods but no Namespace object
          namespaces.put(
              "ns-" + n,
              new NamespaceState(
                  "ns-" + n, Map.of("team", n % 3 == 0 ? "a" : n % 3 == 1 ? "b" : "c")));
        }
      }
      List<EgressIpState> egressIps =
          List.of(
              new EgressIpState(
                  "eip-a",
                  List.of("10.1.0.1"),
                  new LabelSelector(Map.of("team", "a"), List.of()),
                  null,
                  List.of(new EgressIpAssignment("10.1.0.1", "worker-2"))),
              new EgressIpState(
                  "eip-b",
                  List.of("10.1.0.2"),
                  new LabelSelector(Map.of("team", "b"), List.of()),
                  new LabelSelector(Map.of("app", "x"), null),
                  seed % 2 == 0
                      ? List.of()
                      : List.of(new EgressIpAssignment("10.1.0.2", "worker-3"))),
              new EgressIpState(
                  "eip-ab",
                  List.of("10.1.0.3"),
                  new LabelSelector(Map.of("team", "a"), List.of()),
                  new LabelSelector(Map.of("app", "y"), null),
                  List.of(new EgressIpAssignment("10.1.0.3", "worker-4"))));
      EgressSelection selection = new EgressSelection(egressIps);
      var composition =
          new NodeSnatAttribution.Composition(
              new NodeSnatAttribution.Namespaces(namespaces::get, selection));
      List<PodState> onNode = new ArrayList<>();
      List<NodeSnatAttribution.Member> members = new ArrayList<>();
      for (int step = 0; step < 400; step++) {
        if (!onNode.isEmpty() && rnd.nextInt(5) < 2) {
          int k = rnd.nextInt(onNode.size());
          onNode.remove(k);
          composition.remove(members.remove(k));
        } else {
          PodState p =
              new PodState(
                  "ns-" + rnd.nextInt(8),
                  "pod-" + rnd.nextInt(30), // the same pod twice on a node now and then
                  NODE.name(),
                  List.of("10.128.0." + rnd.nextInt(250)),
                  rnd.nextInt(12) == 0,
                  Map.of("app", rnd.nextBoolean() ? "x" : "y"),
                  rnd.nextInt(10) == 0 ? "Succeeded" : "Running");
          onNode.add(p);
          members.add(composition.add(p));
        }
        Attribution kept = composition.attribution("c", NODE, null);
        Attribution whole =
            NodeSnatAttribution.of("c", NODE, null, onNode, namespaces::get, selection);
        assertThat(kept).as("seed %d, step %d", seed, step).isEqualTo(whole);
        if (kept.leakSuspects() != null) {
          leaksSeen++;
        }
        if (kept.ambiguous()) {
          ambiguousSeen++;
        }
      }
    }
    assertThat(leaksSeen).as("answers with leak suspects").isGreaterThan(100);
    assertThat(ambiguousSeen).as("ambiguous answers").isGreaterThan(100);
  }

  @Test
  void aCrowdedNodesNoteNamesAFewNamespacesAndPointsToTheListOfAll() {
    Map<String, NamespaceState> namespaces = new HashMap<>();
    List<PodState> pods = new ArrayList<>();
    for (int n = 0; n < 9; n++) {
      String ns = "ns-" + n;
      namespaces.put(ns, new NamespaceState(ns, Map.of("team", n < 8 ? "a" : "b")));
      pods.add(
          new PodState(
              ns, "web", NODE.name(), List.of("10.128.0." + n), false, Map.of(), "Running"));
    }
    EgressSelection selection =
        new EgressSelection(
            List.of(
                new EgressIpState(
                    "eip-a",
                    List.of("10.1.0.1"),
                    new LabelSelector(Map.of("team", "a"), List.of()),
                    null,
                    List.of(new EgressIpAssignment("10.1.0.1", "worker-2")))));
    Attribution a = NodeSnatAttribution.of("c", NODE, null, pods, namespaces::get, selection);
    assertThat(a.leakSuspects()).hasSize(8);
    assertThat(a.note())
        .contains(
            "ns-0, ns-1, ns-2, ns-3, ns-4, and 3 more (see leakSuspects) should leave through an"
                + " egress IP")
        .doesNotContain("ns-5");
  }
}
