package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.LabelSelector.Operator;
import io.egressaudit.correlator.LabelSelector.Requirement;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodState;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubernetesObjectsTest {

  static Node node(String primaryIfAddr, String... typeAndAddress) {
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName("ocp-8vr6j-worker-0-sl79n");
    if (primaryIfAddr != null) {
      meta.addToAnnotations(KubernetesObjects.NODE_PRIMARY_IFADDR_ANNOTATION, primaryIfAddr);
    }
    NodeStatusBuilder status = new NodeStatusBuilder();
    for (int i = 0; i < typeAndAddress.length; i += 2) {
      status
          .addNewAddress()
          .withType(typeAndAddress[i])
          .withAddress(typeAndAddress[i + 1])
          .endAddress();
    }
    status.addNewCondition().withType("Ready").withStatus("Unknown").endCondition();
    return new NodeBuilder().withMetadata(meta.build()).withStatus(status.build()).build();
  }

  static GenericKubernetesResource egressIp(Map<String, Object> spec, Map<String, Object> status) {
    GenericKubernetesResource r =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("k8s.ovn.org/v1")
            .withKind("EgressIP")
            .withNewMetadata()
            .withName("egressip-demo")
            .endMetadata()
            .build();
    if (spec != null) {
      r.setAdditionalProperty("spec", spec);
    }
    if (status != null) {
      r.setAdditionalProperty("status", status);
    }
    return r;
  }

  @Test
  void nodeAddressesComeFromInternalAndExternalIpsAndThePrimaryIfAddrAnnotation() {
    Node node =
        node(
            "{\"ipv4\":\"192.168.126.61/24\",\"ipv6\":\"2001:DB8::61/64\"}",
            "InternalIP",
            "192.168.126.51",
            "Hostname",
            "ocp-8vr6j-worker-0-sl79n",
            "ExternalIP",
            "::ffff:192.168.126.51",
            "ExternalIP",
            "203.0.113.7");

    NodeState state = KubernetesObjects.node(node);

    assertThat(state.name()).isEqualTo("ocp-8vr6j-worker-0-sl79n");
    assertThat(state.addresses())
        .containsExactly("192.168.126.51", "203.0.113.7", "192.168.126.61", "2001:db8::61");
    assertThat(state.ready()).as("Ready=Unknown is not ready").isFalse();
    assertThat(state.subnets()).containsExactly("192.168.126.61/24", "2001:db8::61/64");
  }

  @Test
  void nodeSubnetsAddTheHostCidrsAnnotationAndRejectAnEntryThatIsNotACidr() {
    Node node = node("{\"ipv4\":\"192.168.126.51/24\"}", "InternalIP", "192.168.126.51");
    node.getMetadata()
        .getAnnotations()
        .put(
            KubernetesObjects.NODE_HOST_CIDRS_ANNOTATION,
            "[\"192.168.126.51/24\",\"10.0.5.2/16\"]");
    assertThat(KubernetesObjects.node(node).subnets())
        .containsExactly("192.168.126.51/24", "10.0.5.2/16");

    node.getMetadata()
        .getAnnotations()
        .put(KubernetesObjects.NODE_HOST_CIDRS_ANNOTATION, "[\"10.0.5.2\"]");
    assertThatThrownBy(() -> KubernetesObjects.node(node))
        .hasMessage(
            "Node ocp-8vr6j-worker-0-sl79n: metadata.annotations[k8s.ovn.org/host-cidrs][0]:"
                + " not a CIDR: '\"10.0.5.2\"'");
  }

  @Test
  void nodeWithoutStatusHasNoAddressAndIsNotReady() {
    NodeState state =
        KubernetesObjects.node(
            new NodeBuilder().withNewMetadata().withName("n").endMetadata().build());

    assertThat(state).isEqualTo(new NodeState("n", List.of(), Map.of(), false));
  }

  @Test
  void nodeReadyWhenTheReadyConditionIsTrue() {
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName("n")
            .addToLabels("k8s.ovn.org/egress-assignable", "")
            .endMetadata()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();

    NodeState state = KubernetesObjects.node(node);

    assertThat(state.ready()).isTrue();
    assertThat(state.egressAssignable()).isTrue();
  }

  @Test
  void rejectsANodeAddressThatIsNotAnIp() {
    assertThatThrownBy(() -> KubernetesObjects.node(node(null, "InternalIP", "ocp-host")))
        .isInstanceOf(InvalidClusterObjectException.class)
        .hasMessage(
            "Node ocp-8vr6j-worker-0-sl79n: status.addresses[0].address: not an IP address: 'ocp-host'");
  }

  @Test
  void rejectsAPrimaryIfAddrAnnotationThatIsNotJsonOrNotAnAddress() {
    assertThatThrownBy(() -> KubernetesObjects.node(node("192.168.126.51/24")))
        .hasMessage(
            "Node ocp-8vr6j-worker-0-sl79n: metadata.annotations[k8s.ovn.org/node-primary-ifaddr]:"
                + " not a JSON object: '192.168.126.51/24'");
    assertThatThrownBy(() -> KubernetesObjects.node(node("{\"ipv4\":\"eth0/24\"}")))
        .hasMessage(
            "Node ocp-8vr6j-worker-0-sl79n: metadata.annotations[k8s.ovn.org/node-primary-ifaddr].ipv4:"
                + " not an IP address: 'eth0/24'");
  }

  @Test
  void podIpsPreferPodIpsOverPodIp() {
    PodState dual =
        KubernetesObjects.pod(
            new PodBuilder()
                .withNewMetadata()
                .withName("homer")
                .withNamespace("simpson")
                .addToLabels("app", "homer")
                .endMetadata()
                .withNewSpec()
                .withNodeName("ocp-8vr6j-worker-0-sl79n")
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP("10.129.3.232")
                .addNewPodIP("10.129.3.232")
                .addNewPodIP("FD01::E8")
                .endStatus()
                .build());
    PodState single =
        KubernetesObjects.pod(
            new PodBuilder()
                .withNewMetadata()
                .withName("marge")
                .withNamespace("simpson")
                .endMetadata()
                .withNewSpec()
                .withNodeName("")
                .withHostNetwork(true)
                .endSpec()
                .withNewStatus()
                .withPodIP("192.168.126.51")
                .endStatus()
                .build());

    assertThat(dual)
        .isEqualTo(
            new PodState(
                "simpson",
                "homer",
                "ocp-8vr6j-worker-0-sl79n",
                List.of("10.129.3.232", "fd01::e8"),
                false,
                Map.of("app", "homer"),
                "Running"));
    assertThat(single)
        .isEqualTo(
            new PodState(
                "simpson", "marge", null, List.of("192.168.126.51"), true, Map.of(), null));
  }

  @Test
  void rejectsAPodWithoutNamespace() {
    assertThatThrownBy(
            () ->
                KubernetesObjects.pod(
                    new PodBuilder().withNewMetadata().withName("homer").endMetadata().build()))
        .hasMessage("Pod homer: metadata.namespace is missing");
  }

  @Test
  void namespaceKeepsItsLabels() {
    NamespaceState ns =
        KubernetesObjects.namespace(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("simpson")
                .addToLabels("house", "simpson")
                .endMetadata()
                .build());

    assertThat(ns).isEqualTo(new NamespaceState("simpson", Map.of("house", "simpson")));
  }

  @Test
  void egressIpWithMatchExpressionsAndWithoutStatus() {
    Map<String, Object> spec =
        Map.of(
            "egressIPs", List.of("192.168.126.100", "192.168.126.101"),
            "namespaceSelector",
                Map.of(
                    "matchLabels", Map.of("house", "simpson"),
                    "matchExpressions",
                        List.of(
                            Map.of(
                                "key", "tier", "operator", "In", "values", List.of("frontend", 1)),
                            Map.of("key", "env", "operator", "NotIn", "values", List.of("dev")),
                            Map.of("key", "audited", "operator", "Exists"),
                            Map.of(
                                "key", "legacy", "operator", "DoesNotExist", "values", List.of()))),
            "podSelector", Map.of("matchLabels", Map.of("app", "homer")));

    EgressIpState state = KubernetesObjects.egressIp(egressIp(spec, null));

    assertThat(state)
        .isEqualTo(
            new EgressIpState(
                "egressip-demo",
                List.of("192.168.126.100", "192.168.126.101"),
                new LabelSelector(
                    Map.of("house", "simpson"),
                    List.of(
                        new Requirement("tier", Operator.IN, List.of("frontend", "1")),
                        new Requirement("env", Operator.NOT_IN, List.of("dev")),
                        new Requirement("audited", Operator.EXISTS, List.of()),
                        new Requirement("legacy", Operator.DOES_NOT_EXIST, List.of()))),
                new LabelSelector(Map.of("app", "homer"), List.of()),
                List.of()));
    assertThat(state.assigned()).isFalse();
  }

  @Test
  void egressIpWithoutPodSelectorSelectsEveryPodAndEmptyStatusItemsAssignNothing() {
    EgressIpState state =
        KubernetesObjects.egressIp(
            egressIp(
                Map.of("egressIPs", List.of("192.168.126.100"), "namespaceSelector", Map.of()),
                Map.of("items", List.of())));

    assertThat(state.podSelector()).isNull();
    assertThat(state.namespaceSelector()).isEqualTo(LabelSelector.EVERYTHING);
    assertThat(state.assignments()).isEmpty();
  }

  @Test
  void rejectsAnEgressIpThatIsNotAnIp() {
    assertThatThrownBy(
            () -> KubernetesObjects.egressIp(egressIp(Map.of("egressIPs", List.of("foo")), null)))
        .isInstanceOf(InvalidClusterObjectException.class)
        .hasMessage("EgressIP egressip-demo: spec.egressIPs[0]: not an IP address: 'foo'")
        .satisfies(
            e -> {
              InvalidClusterObjectException ice = (InvalidClusterObjectException) e;
              assertThat(ice.object()).isEqualTo("EgressIP egressip-demo");
              assertThat(ice.detail()).isEqualTo("spec.egressIPs[0]: not an IP address: 'foo'");
            });
  }

  @Test
  void rejectsMalformedEgressIpFields() {
    assertThatThrownBy(() -> KubernetesObjects.egressIp(egressIp(null, null)))
        .hasMessage("EgressIP egressip-demo: spec is missing");
    assertThatThrownBy(
            () ->
                KubernetesObjects.egressIp(egressIp(Map.of("egressIPs", "192.168.126.100"), null)))
        .hasMessage(
            "EgressIP egressip-demo: spec.egressIPs: expected a list, found '192.168.126.100'");
    assertThatThrownBy(
            () ->
                KubernetesObjects.egressIp(
                    egressIp(
                        Map.of(
                            "podSelector",
                            Map.of(
                                "matchExpressions",
                                List.of(Map.of("key", "app", "operator", "In")))),
                        null)))
        .hasMessage(
            "EgressIP egressip-demo: spec.podSelector.matchExpressions[0].values: must not be empty for operator In");
    assertThatThrownBy(
            () ->
                KubernetesObjects.egressIp(
                    egressIp(
                        Map.of("egressIPs", List.of("192.168.126.100")),
                        Map.of("items", List.of(Map.of("egressIP", "192.168.126.100"))))))
        .hasMessage("EgressIP egressip-demo: status.items[0].node is missing");
    assertThatThrownBy(
            () ->
                KubernetesObjects.egressIp(
                    egressIp(
                        Map.of(
                            "namespaceSelector",
                            Map.of(
                                "matchExpressions",
                                List.of(Map.of("key", "house", "operator", "Like")))),
                        null)))
        .hasMessage(
            "EgressIP egressip-demo: spec.namespaceSelector.matchExpressions[0].operator:"
                + " unknown label selector operator 'Like' (expected In, NotIn, Exists, DoesNotExist)");
  }

  @Test
  void rejectsAnotherKind() {
    GenericKubernetesResource r = egressIp(Map.of(), null);
    r.setKind("EgressFirewall");

    assertThatThrownBy(() -> KubernetesObjects.egressIp(r))
        .hasMessage("EgressIP egressip-demo: kind: expected EgressIP, found 'EgressFirewall'");
  }
}
