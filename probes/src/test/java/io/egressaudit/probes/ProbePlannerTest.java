package io.egressaudit.probes;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.probe.ProbePolicy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbePlannerTest {

  static Pod pod(String ns, String name, String phase, boolean ready) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNodeName("w1")
        .addNewContainer()
        .withName("app")
        .endContainer()
        .addNewContainer()
        .withName("sidecar")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase(phase)
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .endCondition()
        .endStatus()
        .build();
  }

  static ClusterView view(List<Pod> pods, String... namespaces) {
    List<ClusterObject> objects = new ArrayList<>();
    for (String ns : namespaces) {
      objects.add(new NamespaceState(ns, Map.of("house", ns)));
    }
    objects.add(
        new EgressIpState(
            "egressip-demo",
            List.of("192.168.126.100"),
            new LabelSelector(Map.of("house", "simpson"), List.of()),
            null,
            List.of(new EgressIpAssignment("192.168.126.100", "w1"))));
    return new ClusterView(ClusterSnapshot.of("demo", objects), pods, List.of());
  }

  static ProbePlanner.Selection select(List<String> ns, boolean all, boolean allPods) {
    return new ProbePlanner.Selection(ns, all, allPods, null, null);
  }

  @Test
  void byDefaultProbesTheNamespacesEgressIpsSelectFromTheirFirstReadyPod() {
    ClusterView v =
        view(
            List.of(
                pod("simpson", "marge", "Running", true),
                pod("simpson", "homer", "Running", true),
                pod("simpson", "abe", "Running", false),
                pod("bouvier", "patty", "Running", true)),
            "simpson",
            "bouvier");

    ProbePlan plan = ProbePlanner.plan(v, select(List.of(), false, false));

    assertThat(plan.namespaces()).containsExactly("simpson");
    assertThat(plan.targets()).containsExactly(new ProbeTarget("simpson", "homer", "app", "w1"));
    assertThat(plan.unprobeable()).isEmpty();
  }

  @Test
  void namedNamespacesPolicyNamespacesAndAllPodsWiden() {
    ClusterView v =
        view(
            List.of(
                pod("simpson", "marge", "Running", true),
                pod("simpson", "homer", "Running", true),
                pod("bouvier", "patty", "Running", true),
                pod("flanders", "ned", "Running", true)),
            "simpson",
            "bouvier",
            "flanders");
    ProbePolicy policy =
        new ProbePolicy(Map.of("flanders", new ProbePolicy.NamespacePolicy(List.of(), true)));

    ProbePlan plan =
        ProbePlanner.plan(
            v, new ProbePlanner.Selection(List.of("bouvier"), false, true, policy, null));

    assertThat(plan.targets())
        .extracting(ProbeTarget::name)
        .containsExactly("bouvier/patty", "flanders/ned", "simpson/homer", "simpson/marge");
  }

  @Test
  void allNamespacesIncludesNamespacesNoEgressIpSelects() {
    ClusterView v =
        view(
            List.of(
                pod("simpson", "homer", "Running", true), pod("bouvier", "patty", "Running", true)),
            "simpson",
            "bouvier");

    assertThat(ProbePlanner.plan(v, select(List.of(), true, false)).namespaces())
        .containsExactly("bouvier", "simpson");
  }

  @Test
  void aNamespaceWithoutAnEligiblePodSaysWhatItHasInstead() {
    Pod host = pod("bouvier", "agent", "Running", true);
    host.getSpec().setHostNetwork(true);
    ClusterView v =
        view(
            List.of(
                pod("simpson", "homer", "Pending", false),
                pod("simpson", "marge", "Running", false),
                host),
            "simpson",
            "bouvier",
            "krusty");

    ProbePlan plan =
        ProbePlanner.plan(v, select(List.of("bouvier", "krusty", "nowhere"), false, false));

    assertThat(plan.targets()).isEmpty();
    assertThat(plan.unprobeable())
        .containsExactly(
            new ProbePlan.Unprobeable(
                "bouvier", "no running, Ready pod (1 pod: 1 on the host network)"),
            new ProbePlan.Unprobeable("krusty", "no pods"),
            new ProbePlan.Unprobeable("nowhere", "no such namespace in the cluster"),
            new ProbePlan.Unprobeable(
                "simpson", "no running, Ready pod (2 pods: 1 Pending, 1 not Ready)"));
  }

  @Test
  void theDefaultContainerAnnotationChoosesTheContainer() {
    Pod p = pod("simpson", "homer", "Running", true);
    p.getMetadata().setAnnotations(Map.of(ProbePlanner.DEFAULT_CONTAINER_ANNOTATION, "sidecar"));

    assertThat(ProbePlanner.container(p)).isEqualTo("sidecar");
    p.getMetadata().setAnnotations(Map.of(ProbePlanner.DEFAULT_CONTAINER_ANNOTATION, "gone"));
    assertThat(ProbePlanner.container(p)).isEqualTo("app");
  }
}
