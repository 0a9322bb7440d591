package io.egressaudit.correlator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.egressaudit.correlator.LabelSelector.Operator;
import io.egressaudit.correlator.LabelSelector.Requirement;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The attribution rules, on cluster states modelled after the walkthrough: namespace {@code
 * simpson} leaves through the EgressIP {@code egressip-demo} (192.168.126.100), other namespaces
 * leave with their node's IP.
 */
class CorrelatorTest {

  private static final String CLUSTER = "demo";
  private static final Instant AT = Instant.parse("2021-11-26T17:53:13Z");
  private static final Instant EGRESS_SINCE = Instant.parse("2021-11-26T17:40:43Z");
  private static final Instant NODE_SINCE = Instant.parse("2021-11-20T08:00:00Z");
  private static final Instant POD_SINCE = Instant.parse("2021-11-26T17:30:00Z");

  private static final String WORKER_0 = "ocp-8vr6j-worker-0-sl79n";
  private static final String WORKER_1 = "ocp-8vr6j-worker-0-kvxr9";
  private static final String WORKER_0_IP = "192.168.126.51";
  private static final String WORKER_1_IP = "192.168.126.52";
  private static final String EGRESS_IP = "192.168.126.100";
  private static final String EGRESS_IP_2 = "192.168.126.101";

  private static final LabelSelector SIMPSON_NAMESPACES =
      new LabelSelector(Map.of("egress", "simpson"), null);

  // ---- building blocks -------------------------------------------------------------------------

  private static NodeState node(String name, String... addresses) {
    return new NodeState(
        name, List.of(addresses), Map.of(NodeState.EGRESS_ASSIGNABLE_LABEL, ""), true);
  }

  private static NamespaceState namespace(String name, String... labelKeyValues) {
    return new NamespaceState(name, labels(labelKeyValues));
  }

  private static PodState pod(String ns, String name, String node, String ip, String... labels) {
    return new PodState(ns, name, node, List.of(ip), false, labels(labels), "Running");
  }

  private static PodState podInPhase(String ns, String name, String node, String ip, String phase) {
    return new PodState(ns, name, node, List.of(ip), false, Map.of(), phase);
  }

  private static PodState hostNetworkPod(String ns, String name, String node, String nodeIp) {
    return new PodState(ns, name, node, List.of(nodeIp), true, Map.of(), "Running");
  }

  private static EgressIpState egressIp(
      String name,
      List<String> specIps,
      LabelSelector namespaceSelector,
      LabelSelector podSelector,
      EgressIpAssignment... assignments) {
    return new EgressIpState(
        name, specIps, namespaceSelector, podSelector, Arrays.asList(assignments));
  }

  private static EgressIpAssignment assigned(String ip, String node) {
    return new EgressIpAssignment(ip, node);
  }

  private static Map<String, String> labels(String... keyValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  private static ClusterSnapshot snapshot(ClusterObject... objects) {
    return snapshot(CLUSTER, objects);
  }

  private static ClusterSnapshot snapshot(String cluster, ClusterObject... objects) {
    return ClusterSnapshot.of(cluster, List.of(objects));
  }

  private static List<Attribution> whois(String ip, ClusterSnapshot... snapshots) {
    return Correlator.whois(ip, AT, List.of(snapshots)).matches();
  }

  private static Attribution onlyMatch(String ip, ClusterSnapshot snapshot) {
    List<Attribution> matches = whois(ip, snapshot);
    assertThat(matches).hasSize(1);
    return matches.get(0);
  }

  private static PodRef ref(String ns, String name) {
    return new PodRef(ns, name);
  }

  // ---- rule 1: egress-ip ----------------------------------------------------------------------

  @Test
  void assignedEgressIpIsAttributedToSelectedNamespacesAndAllTheirPodsWithoutPodSelector() {
    EgressIpState demo =
        egressIp(
            "egressip-demo",
            List.of(EGRESS_IP),
            SIMPSON_NAMESPACES,
            null,
            assigned(EGRESS_IP, WORKER_0));
    Map<ClusterObject, Instant> objects = new LinkedHashMap<>();
    objects.put(node(WORKER_0, WORKER_0_IP), NODE_SINCE);
    objects.put(node(WORKER_1, WORKER_1_IP), NODE_SINCE);
    objects.put(namespace("simpson", "egress", "simpson"), null);
    objects.put(namespace("flanders"), null);
    objects.put(pod("simpson", "homer-deployment-5b7857cc48-fs2w4", WORKER_1, "10.128.2.15"), null);
    objects.put(pod("simpson", "marge", WORKER_0, "10.131.0.20", "app", "marge"), null);
    objects.put(hostNetworkPod("simpson", "node-exporter", WORKER_1, WORKER_1_IP), null);
    objects.put(podInPhase("simpson", "job-done", WORKER_1, "10.128.2.16", "Succeeded"), null);
    objects.put(podInPhase("simpson", "job-crashed", WORKER_1, "10.128.2.17", "Failed"), null);
    objects.put(pod("flanders", "ned", WORKER_0, "10.131.0.21"), null);
    objects.put(demo, EGRESS_SINCE);
    ClusterSnapshot s = new ClusterSnapshot(CLUSTER, objects);

    Attribution a = onlyMatch(EGRESS_IP, s);

    assertThat(a.cluster()).isEqualTo(CLUSTER);
    assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP);
    assertThat(a.egressIP()).isEqualTo("egressip-demo");
    assertThat(a.node()).isEqualTo(WORKER_0);
    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods())
        .containsExactly(
            ref("simpson", "homer-deployment-5b7857cc48-fs2w4"), ref("simpson", "marge"));
    assertThat(a.since()).isEqualTo(EGRESS_SINCE);
    assertThat(a.assignedIPs()).containsExactly(EGRESS_IP);
    assertThat(a.ambiguous()).isNull();
    assertThat(a.leakSuspects()).isNull();
    assertThat(a.note()).isNull();
  }

  @Test
  void egressIpPodSelectorNarrowsThePodsButNotTheNamespaces() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_0, WORKER_0_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_0, "10.131.0.10", "app", "homer"),
            pod("simpson", "bart", WORKER_0, "10.131.0.11", "app", "bart"),
            pod("simpson", "lisa", WORKER_0, "10.131.0.12"),
            egressIp(
                "egressip-homer",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                new LabelSelector(Map.of("app", "homer"), null),
                assigned(EGRESS_IP, WORKER_0)));

    Attribution a = onlyMatch(EGRESS_IP, s);

    assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP);
    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods()).containsExactly(ref("simpson", "homer"));
  }

  @Test
  void egressIpNamespaceSelectorWithExpressionsOwnsEveryMatchingNamespaceSorted() {
    LabelSelector springfield =
        new LabelSelector(
            null, List.of(new Requirement("town", Operator.IN, List.of("springfield"))));
    ClusterSnapshot s =
        snapshot(
            namespace("simpson", "town", "springfield"),
            namespace("flanders", "town", "springfield"),
            namespace("burns", "town", "capital-city"),
            pod("simpson", "homer", WORKER_0, "10.131.0.10"),
            pod("flanders", "ned", WORKER_1, "10.128.2.10"),
            pod("burns", "smithers", WORKER_1, "10.128.2.11"),
            egressIp(
                "egressip-springfield",
                List.of(EGRESS_IP),
                springfield,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    Attribution a = onlyMatch(EGRESS_IP, s);

    assertThat(a.namespaces()).containsExactly("flanders", "simpson");
    assertThat(a.pods()).containsExactly(ref("flanders", "ned"), ref("simpson", "homer"));
  }

  @Test
  void egressIpWithoutNamespaceSelectorOwnsNoNamespace() {
    ClusterSnapshot s =
        snapshot(
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_0, "10.131.0.10"),
            egressIp(
                "egressip-orphan", List.of(EGRESS_IP), null, null, assigned(EGRESS_IP, WORKER_0)));

    Attribution a = onlyMatch(EGRESS_IP, s);

    assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP);
    assertThat(a.egressIP()).isEqualTo("egressip-orphan");
    assertThat(a.namespaces()).isEmpty();
    assertThat(a.pods()).isEmpty();
  }

  @Test
  void egressIpSinceIsNullWhenTheSnapshotDoesNotKnowIt() {
    ClusterSnapshot s =
        snapshot(
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    assertThat(onlyMatch(EGRESS_IP, s).since()).isNull();
  }

  @Test
  void ecmpObjectMapsEveryAssignedIpToTheSameOwnersEachOnItsOwnNode() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_0, WORKER_0_IP),
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_0, "10.131.0.10"),
            pod("simpson", "bart", WORKER_1, "10.128.2.10"),
            egressIp(
                "egressip-ecmp",
                List.of(EGRESS_IP, EGRESS_IP_2),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0),
                assigned(EGRESS_IP_2, WORKER_1)));

    Attribution first = onlyMatch(EGRESS_IP, s);
    Attribution second = onlyMatch(EGRESS_IP_2, s);

    for (Attribution a : List.of(first, second)) {
      assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP);
      assertThat(a.egressIP()).isEqualTo("egressip-ecmp");
      assertThat(a.namespaces()).containsExactly("simpson");
      assertThat(a.pods()).containsExactly(ref("simpson", "bart"), ref("simpson", "homer"));
      assertThat(a.assignedIPs()).containsExactly(EGRESS_IP, EGRESS_IP_2);
    }
    assertThat(first.node()).isEqualTo(WORKER_0);
    assertThat(second.node()).isEqualTo(WORKER_1);
  }

  @Test
  void ipv6EgressIpMatchesWhateverTheSpellingOfTheQuery() {
    ClusterSnapshot s =
        snapshot(
            namespace("simpson", "egress", "simpson"),
            egressIp(
                "egressip-v6",
                List.of("2001:db8::64"),
                SIMPSON_NAMESPACES,
                null,
                assigned("2001:db8::64", WORKER_0)));

    WhoisResult r = Correlator.whois("2001:DB8:0:0:0:0:0:64", AT, List.of(s));

    assertThat(r.ip()).isEqualTo("2001:db8::64");
    assertThat(r.matches())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP);
              assertThat(a.namespaces()).containsExactly("simpson");
            });
  }

  // ---- rule 2: egress-ip-unassigned -----------------------------------------------------------

  @Test
  void specIpOfObjectWithEmptyStatusIsEgressIpUnassigned() {
    Map<ClusterObject, Instant> objects = new LinkedHashMap<>();
    objects.put(namespace("simpson", "egress", "simpson"), null);
    objects.put(pod("simpson", "homer", WORKER_0, "10.131.0.10"), null);
    objects.put(
        egressIp("egressip-demo", List.of(EGRESS_IP), SIMPSON_NAMESPACES, null), EGRESS_SINCE);
    ClusterSnapshot s = new ClusterSnapshot(CLUSTER, objects);

    Attribution a = onlyMatch(EGRESS_IP, s);

    assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP_UNASSIGNED);
    assertThat(a.cluster()).isEqualTo(CLUSTER);
    assertThat(a.egressIP()).isEqualTo("egressip-demo");
    assertThat(a.node()).isNull();
    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods()).containsExactly(ref("simpson", "homer"));
    assertThat(a.since()).isEqualTo(EGRESS_SINCE);
    assertThat(a.assignedIPs()).isNull();
    assertThat(a.note())
        .contains("egressip-demo")
        .contains("assigned to no egress node")
        .contains("node IP");
  }

  @Test
  void specIpNotAssignedWhileAnotherIsIsEgressIpUnassigned() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_0, WORKER_0_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_0, "10.131.0.10"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP, EGRESS_IP_2),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    Attribution unassigned = onlyMatch(EGRESS_IP_2, s);
    Attribution assigned = onlyMatch(EGRESS_IP, s);

    assertThat(unassigned.kind()).isEqualTo(AttributionKind.EGRESS_IP_UNASSIGNED);
    assertThat(unassigned.egressIP()).isEqualTo("egressip-demo");
    assertThat(unassigned.node()).isNull();
    assertThat(unassigned.namespaces()).containsExactly("simpson");
    assertThat(unassigned.note()).contains("not assigned").contains("other assigned IPs");
    assertThat(assigned.kind()).isEqualTo(AttributionKind.EGRESS_IP);
    assertThat(assigned.node()).isEqualTo(WORKER_0);
    assertThat(assigned.assignedIPs()).containsExactly(EGRESS_IP);
  }

  @Test
  void ipAssignedToOneObjectAndListedUnassignedInAnotherGivesBothMatchesInRuleOrder() {
    ClusterSnapshot s =
        snapshot(
            namespace("simpson", "egress", "simpson"),
            namespace("flanders", "egress", "flanders"),
            egressIp(
                "a-stale",
                List.of(EGRESS_IP),
                new LabelSelector(Map.of("egress", "flanders"), null),
                null),
            egressIp(
                "b-current",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    List<Attribution> matches = whois(EGRESS_IP, s);

    assertThat(matches)
        .extracting(Attribution::kind, Attribution::egressIP)
        .containsExactly(
            tuple(AttributionKind.EGRESS_IP, "b-current"),
            tuple(AttributionKind.EGRESS_IP_UNASSIGNED, "a-stale"));
  }

  // ---- rule 3: node ---------------------------------------------------------------------------

  @Test
  void nodeIpIsAttributedToNamespacesWithoutEgressIp() {
    Map<ClusterObject, Instant> objects = new LinkedHashMap<>();
    objects.put(node(WORKER_0, WORKER_0_IP), NODE_SINCE);
    objects.put(node(WORKER_1, WORKER_1_IP), NODE_SINCE);
    objects.put(namespace("simpson", "egress", "simpson"), null);
    objects.put(namespace("flanders"), null);
    objects.put(pod("simpson", "homer", WORKER_1, "10.128.2.10"), null);
    objects.put(pod("flanders", "ned", WORKER_1, "10.128.2.11"), null);
    objects.put(pod("flanders", "rod", WORKER_1, "10.128.2.12"), null);
    objects.put(pod("flanders", "todd", WORKER_0, "10.131.0.12"), null);
    objects.put(
        egressIp(
            "egressip-demo",
            List.of(EGRESS_IP),
            SIMPSON_NAMESPACES,
            null,
            assigned(EGRESS_IP, WORKER_0)),
        EGRESS_SINCE);
    ClusterSnapshot s = new ClusterSnapshot(CLUSTER, objects);

    Attribution a = onlyMatch(WORKER_1_IP, s);

    assertThat(a.cluster()).isEqualTo(CLUSTER);
    assertThat(a.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(a.node()).isEqualTo(WORKER_1);
    assertThat(a.egressIP()).isNull();
    assertThat(a.namespaces()).containsExactly("flanders");
    assertThat(a.pods()).containsExactly(ref("flanders", "ned"), ref("flanders", "rod"));
    assertThat(a.since()).isEqualTo(NODE_SINCE);
    assertThat(a.assignedIPs()).isNull();
    assertThat(a.ambiguous()).isFalse();
    // homer runs on this node but leaves through the egress IP: seeing simpson here would be a leak
    assertThat(a.leakSuspects()).containsExactly("simpson");
    assertThat(a.note()).contains("simpson").contains("leak");
  }

  @Test
  void nodeIpWithOneCandidateAndNoCarriedPodHasNoNote() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("flanders"),
            pod("flanders", "ned", WORKER_1, "10.128.2.11"));

    Attribution a = onlyMatch(WORKER_1_IP, s);

    assertThat(a.namespaces()).containsExactly("flanders");
    assertThat(a.ambiguous()).isFalse();
    assertThat(a.leakSuspects()).isNull();
    assertThat(a.note()).isNull();
  }

  @Test
  void podSelectedByEgressIpWithEmptyStatusFallsBackToTheNodeIp() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_1, "10.128.2.10"),
            egressIp("egressip-demo", List.of(EGRESS_IP), SIMPSON_NAMESPACES, null));

    Attribution a = onlyMatch(WORKER_1_IP, s);

    assertThat(a.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods()).containsExactly(ref("simpson", "homer"));
    assertThat(a.leakSuspects()).isNull();
  }

  @Test
  void podNotMatchedByThePodSelectorOfAnAssignedEgressIpLeavesWithTheNodeIp() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_1, "10.128.2.10", "app", "homer"),
            egressIp(
                "egressip-bart",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                new LabelSelector(Map.of("app", "bart"), null),
                assigned(EGRESS_IP, WORKER_0)));

    Attribution a = onlyMatch(WORKER_1_IP, s);

    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.leakSuspects()).isNull();
  }

  @Test
  void hostNetworkPodsAreAlwaysCandidatesEvenInASelectedNamespace() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            hostNetworkPod("simpson", "node-agent", WORKER_1, WORKER_1_IP),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    // the hostNetwork pod's IP is the node IP: one node match, no pod match
    Attribution a = onlyMatch(WORKER_1_IP, s);

    assertThat(a.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods()).containsExactly(ref("simpson", "node-agent"));
    assertThat(a.leakSuspects()).isNull();
  }

  @Test
  void hostNetworkPodIsNotAnOwnerOfTheEgressIpThatSelectsItsNamespace() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            hostNetworkPod("simpson", "node-agent", WORKER_1, WORKER_1_IP),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    Attribution a = onlyMatch(EGRESS_IP, s);

    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods()).isEmpty();
  }

  @Test
  void namespaceWithCarriedAndUncarriedPodsIsACandidateNotALeakSuspect() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            namespace("burns", "egress", "burns"),
            pod("simpson", "homer", WORKER_1, "10.128.2.10", "app", "homer"),
            pod("simpson", "bart", WORKER_1, "10.128.2.11", "app", "bart"),
            pod("burns", "smithers", WORKER_1, "10.128.2.12"),
            egressIp(
                "egressip-homer",
                List.of(EGRESS_IP),
                new LabelSelector(null, List.of(new Requirement("egress", Operator.EXISTS, null))),
                new LabelSelector(
                    null, List.of(new Requirement("app", Operator.NOT_IN, List.of("bart")))),
                assigned(EGRESS_IP, WORKER_0)));

    Attribution a = onlyMatch(WORKER_1_IP, s);

    // bart leaves with the node IP legitimately, so simpson traffic from it is no leak; burns is
    // carried entirely
    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods()).containsExactly(ref("simpson", "bart"));
    assertThat(a.leakSuspects()).containsExactly("burns");
    assertThat(a.note()).contains("burns").doesNotContain("simpson");
  }

  @Test
  void severalCandidateNamespacesAreAmbiguous() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("flanders"),
            namespace("burns"),
            namespace("lovejoy"),
            pod("flanders", "ned", WORKER_1, "10.128.2.11"),
            pod("burns", "smithers", WORKER_1, "10.128.2.12"),
            pod("lovejoy", "helen", WORKER_0, "10.131.0.13"));

    Attribution a = onlyMatch(WORKER_1_IP, s);

    assertThat(a.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(a.namespaces()).containsExactly("burns", "flanders");
    assertThat(a.pods()).containsExactly(ref("burns", "smithers"), ref("flanders", "ned"));
    assertThat(a.ambiguous()).isTrue();
    assertThat(a.leakSuspects()).isNull();
    assertThat(a.note()).contains("ambiguous").contains("2 namespaces").contains(WORKER_1);
  }

  @Test
  void nodeWithoutCandidatesIsHostTrafficAndNamesLeakSuspects() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_0, WORKER_0_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_0, "10.131.0.10"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    Attribution a = onlyMatch(WORKER_0_IP, s);

    assertThat(a.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(a.node()).isEqualTo(WORKER_0);
    assertThat(a.namespaces()).isEmpty();
    assertThat(a.pods()).isEmpty();
    assertThat(a.ambiguous()).isFalse();
    assertThat(a.leakSuspects()).containsExactly("simpson");
    assertThat(a.note()).contains("host traffic").contains("leak").contains("simpson");
  }

  @Test
  void nodeWithoutAnyPodIsHostTrafficWithoutLeakSuspects() {
    ClusterSnapshot s = snapshot(node(WORKER_0, WORKER_0_IP, "2001:db8::51"));

    Attribution a = onlyMatch("2001:DB8::51", s);

    assertThat(a.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(a.node()).isEqualTo(WORKER_0);
    assertThat(a.namespaces()).isEmpty();
    assertThat(a.leakSuspects()).isNull();
    assertThat(a.note()).contains("host traffic").doesNotContain("leak");
  }

  @Test
  void succeededAndFailedPodsAreIgnored() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            namespace("flanders"),
            namespace("burns"),
            namespace("lovejoy"),
            podInPhase("flanders", "done", WORKER_1, "10.128.2.11", "Succeeded"),
            podInPhase("burns", "crashed", WORKER_1, "10.128.2.12", "Failed"),
            podInPhase("lovejoy", "helen", WORKER_1, "10.128.2.13", "Running"),
            podInPhase("simpson", "finished", WORKER_1, "10.128.2.14", "Succeeded"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    Attribution node = onlyMatch(WORKER_1_IP, s);
    Attribution egress = onlyMatch(EGRESS_IP, s);

    assertThat(node.namespaces()).containsExactly("lovejoy");
    assertThat(node.ambiguous()).isFalse();
    assertThat(node.leakSuspects()).isNull();
    assertThat(egress.pods()).isEmpty();
    assertThat(whois("10.128.2.11", s)).containsExactly(Attribution.UNKNOWN);
    assertThat(whois("10.128.2.14", s)).containsExactly(Attribution.UNKNOWN);
  }

  @Test
  void pendingPodIsActive() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("flanders"),
            podInPhase("flanders", "starting", WORKER_1, "10.128.2.11", "Pending"));

    assertThat(onlyMatch(WORKER_1_IP, s).namespaces()).containsExactly("flanders");
  }

  @Test
  void pendingPodWithoutIpIsNotANodeCandidateNorAnEgressIpOwner() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            namespace("flanders"),
            namespace("lovejoy"),
            podInPhase("flanders", "ned", WORKER_1, "10.128.2.11", "Running"),
            new PodState("lovejoy", "starting", WORKER_1, List.of(), false, Map.of(), "Pending"),
            new PodState("simpson", "starting", WORKER_1, List.of(), false, Map.of(), "Pending"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    Attribution node = onlyMatch(WORKER_1_IP, s);
    Attribution egress = onlyMatch(EGRESS_IP, s);

    assertThat(node.namespaces()).containsExactly("flanders");
    assertThat(node.ambiguous()).isFalse();
    assertThat(node.leakSuspects()).isNull();
    assertThat(egress.namespaces()).containsExactly("simpson");
    assertThat(egress.pods()).isEmpty();
  }

  @Test
  void runningPodWithoutAReportedIpIsStillANodeCandidate() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("flanders"),
            new PodState("flanders", "ned", WORKER_1, List.of(), false, Map.of(), "Running"));

    assertThat(onlyMatch(WORKER_1_IP, s).namespaces()).containsExactly("flanders");
  }

  @Test
  void matchesSayWhenPodsAreInNamespacesTheStateHasNoObjectFor() {
    // kubectl get nodes,pods,egressips -A: no Namespace objects, so no selector can match.
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            pod("simpson", "homer", WORKER_1, "10.128.2.11"),
            pod("flanders", "ned", WORKER_1, "10.128.2.12"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    Attribution node = onlyMatch(WORKER_1_IP, s);
    Attribution egress = onlyMatch(EGRESS_IP, s);

    assertThat(node.namespaces()).containsExactly("flanders", "simpson");
    assertThat(node.note())
        .contains("flanders, simpson", "no Namespace object", "EgressIP may carry them");
    assertThat(egress.namespaces()).isEmpty();
    assertThat(egress.note())
        .contains("no Namespace object for 2 namespaces with pods (flanders, simpson)");
  }

  @Test
  void noNoteAboutNamespacesWhenTheStateHasThemAll() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_1, WORKER_1_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_1, "10.128.2.11"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    assertThat(onlyMatch(EGRESS_IP, s).note()).isNull();
    assertThat(onlyMatch(WORKER_1_IP, s).note()).doesNotContain("Namespace object");
  }

  // ---- rule 4: pod ----------------------------------------------------------------------------

  @Test
  void podIpIsAttributedToItsPodAndNode() {
    Map<ClusterObject, Instant> objects = new LinkedHashMap<>();
    objects.put(node(WORKER_1, WORKER_1_IP), NODE_SINCE);
    objects.put(namespace("flanders"), null);
    objects.put(pod("flanders", "ned", WORKER_1, "10.128.2.11"), POD_SINCE);
    objects.put(pod("flanders", "rod", WORKER_1, "10.128.2.12"), null);
    ClusterSnapshot s = new ClusterSnapshot(CLUSTER, objects);

    Attribution a = onlyMatch("10.128.2.11", s);

    assertThat(a.cluster()).isEqualTo(CLUSTER);
    assertThat(a.kind()).isEqualTo(AttributionKind.POD);
    assertThat(a.node()).isEqualTo(WORKER_1);
    assertThat(a.namespaces()).containsExactly("flanders");
    assertThat(a.pods()).containsExactly(ref("flanders", "ned"));
    assertThat(a.since()).isEqualTo(POD_SINCE);
    assertThat(a.egressIP()).isNull();
    assertThat(a.assignedIPs()).isNull();
    assertThat(a.ambiguous()).isNull();
    assertThat(a.leakSuspects()).isNull();
    assertThat(a.note()).isNull();
  }

  @Test
  void dualStackPodIsFoundByEitherIp() {
    ClusterSnapshot s =
        snapshot(
            new PodState(
                "flanders",
                "ned",
                WORKER_1,
                List.of("10.128.2.11", "fd01:0:0:3::b"),
                false,
                Map.of(),
                "Running"));

    assertThat(onlyMatch("10.128.2.11", s).pods()).containsExactly(ref("flanders", "ned"));
    assertThat(onlyMatch("FD01::3:0:0:0:B", s).pods()).containsExactly(ref("flanders", "ned"));
  }

  // ---- rule 5: unknown ------------------------------------------------------------------------

  @Test
  void unknownIpGivesExactlyOneUnknownMatch() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_0, WORKER_0_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_0, "10.131.0.10"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    WhoisResult r = Correlator.whois("203.0.113.7", AT, List.of(s));

    assertThat(r.ip()).isEqualTo("203.0.113.7");
    assertThat(r.at()).isEqualTo(AT);
    assertThat(r.matches()).containsExactly(Attribution.UNKNOWN);
    Attribution a = r.matches().get(0);
    assertThat(a.kind()).isEqualTo(AttributionKind.UNKNOWN);
    assertThat(a.cluster()).isNull();
    assertThat(a.namespaces()).isEmpty();
    assertThat(a.pods()).isEmpty();
  }

  @Test
  void whoisWithoutAnySnapshotIsUnknown() {
    assertThat(Correlator.whois(EGRESS_IP, AT, List.of()).matches())
        .containsExactly(Attribution.UNKNOWN);
  }

  @Test
  void attributeWithinOneClusterIsEmptyWhenNoRuleHolds() {
    ClusterSnapshot s = snapshot(node(WORKER_0, WORKER_0_IP));

    assertThat(Correlator.attribute("203.0.113.7", s)).isEmpty();
  }

  // ---- whois ----------------------------------------------------------------------------------

  @Test
  void whoisAcrossTwoClustersReturnsMatchesOfBoth() {
    ClusterSnapshot east =
        snapshot(
            "east",
            namespace("simpson", "egress", "simpson"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));
    ClusterSnapshot west =
        snapshot(
            "west",
            node("west-worker-0", EGRESS_IP),
            namespace("flanders"),
            pod("flanders", "ned", "west-worker-0", "10.128.2.11"));
    ClusterSnapshot empty = snapshot("north");

    List<Attribution> matches = whois(EGRESS_IP, east, empty, west);

    assertThat(matches)
        .extracting(Attribution::cluster, Attribution::kind)
        .containsExactly(
            tuple("east", AttributionKind.EGRESS_IP), tuple("west", AttributionKind.NODE));
    assertThat(matches.get(0).namespaces()).containsExactly("simpson");
    assertThat(matches.get(1).namespaces()).containsExactly("flanders");
    assertThat(matches.get(1).node()).isEqualTo("west-worker-0");
  }

  @Test
  void whoisRejectsTextThatIsNotAnIpAddress() {
    ClusterSnapshot s = snapshot(node(WORKER_0, WORKER_0_IP));

    assertThatThrownBy(() -> Correlator.whois("example.com", AT, List.of(s)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("example.com");
    assertThatThrownBy(() -> Correlator.whois("10.0.0.0/8", AT, List.of(s)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.0.0.0/8");
  }

  @Test
  void ipv4MappedIpv6InputAttributesLikeTheIpv4Address() {
    ClusterSnapshot s =
        snapshot(
            node(WORKER_0, WORKER_0_IP),
            namespace("simpson", "egress", "simpson"),
            pod("simpson", "homer", WORKER_0, "10.131.0.10"),
            egressIp(
                "egressip-demo",
                List.of(EGRESS_IP),
                SIMPSON_NAMESPACES,
                null,
                assigned(EGRESS_IP, WORKER_0)));

    for (String ip : List.of(EGRESS_IP, WORKER_0_IP, "10.131.0.10", "203.0.113.7")) {
      WhoisResult mapped = Correlator.whois("::ffff:" + ip, AT, List.of(s));
      WhoisResult plain = Correlator.whois(ip, AT, List.of(s));

      assertThat(mapped.ip()).isEqualTo(ip);
      assertThat(mapped).isEqualTo(plain);
    }
    assertThat(Correlator.whois("::ffff:" + EGRESS_IP, AT, List.of(s)).matches())
        .singleElement()
        .extracting(Attribution::kind)
        .isEqualTo(AttributionKind.EGRESS_IP);
  }

  @Test
  void matchOrderDoesNotDependOnTheOrderObjectsWereGiven() {
    EgressIpState a =
        egressIp("a", List.of(EGRESS_IP), SIMPSON_NAMESPACES, null, assigned(EGRESS_IP, WORKER_0));
    EgressIpState b =
        egressIp(
            "b",
            List.of(EGRESS_IP),
            new LabelSelector(null, List.of(new Requirement("egress", Operator.EXISTS, null))),
            null,
            assigned(EGRESS_IP, WORKER_1));
    ClusterSnapshot ab = snapshot(a, b);
    ClusterSnapshot ba = snapshot(b, a);

    assertThat(whois(EGRESS_IP, ab)).extracting(Attribution::egressIP).containsExactly("a", "b");
    assertThat(whois(EGRESS_IP, ba)).isEqualTo(whois(EGRESS_IP, ab));
  }

  @Test
  void nodeMatchListsAtMostTheCapOfPodsAndCountsThemAll() {
    int count = Attribution.MAX_PODS + 5;
    List<ClusterObject> objects = new java.util.ArrayList<>();
    objects.add(node(WORKER_1, WORKER_1_IP));
    objects.add(namespace("flanders"));
    for (int i = 0; i < count; i++) {
      objects.add(pod("flanders", String.format("ned-%02d", i), WORKER_1, "10.128.2." + (10 + i)));
    }

    Attribution a = onlyMatch(WORKER_1_IP, ClusterSnapshot.of(CLUSTER, objects));

    assertThat(a.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(a.podCount()).isEqualTo(count);
    assertThat(a.pods()).hasSize(Attribution.MAX_PODS);
    assertThat(a.pods().get(0)).isEqualTo(ref("flanders", "ned-00"));
    assertThat(a.pods().get(Attribution.MAX_PODS - 1))
        .isEqualTo(ref("flanders", String.format("ned-%02d", Attribution.MAX_PODS - 1)));
  }

  @Test
  void egressIpMatchListsAtMostTheCapOfPodsAndCountsThemAll() {
    int count = Attribution.MAX_PODS + 3;
    List<ClusterObject> objects = new java.util.ArrayList<>();
    objects.add(node(WORKER_0, WORKER_0_IP));
    objects.add(namespace("simpson", "egress", "simpson"));
    for (int i = 0; i < count; i++) {
      objects.add(pod("simpson", String.format("homer-%02d", i), WORKER_0, "10.131.0." + (10 + i)));
    }
    objects.add(
        egressIp(
            "egressip-demo",
            List.of(EGRESS_IP),
            SIMPSON_NAMESPACES,
            null,
            assigned(EGRESS_IP, WORKER_0)));

    Attribution a = onlyMatch(EGRESS_IP, ClusterSnapshot.of(CLUSTER, objects));

    assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP);
    assertThat(a.podCount()).isEqualTo(count);
    assertThat(a.pods()).hasSize(Attribution.MAX_PODS);
    assertThat(a.pods().get(0)).isEqualTo(ref("simpson", "homer-00"));
  }

  @Test
  void podMatchHasNoPodCount() {
    ClusterSnapshot s =
        snapshot(namespace("simpson"), pod("simpson", "homer", WORKER_0, "10.131.0.10"));

    assertThat(onlyMatch("10.131.0.10", s).podCount()).isNull();
  }
}
