package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EgressIPTest {

  @Test
  void unknownFieldsAreIgnoredAtEveryLevel() {
    EgressIpState state =
        KubernetesObjects.egressIp(
            KubernetesObjectsTest.egressIp(
                Map.of(
                    "egressIPs",
                    List.of("192.168.126.100"),
                    "namespaceSelector",
                    Map.of("matchLabels", Map.of("house", "simpson"), "futureField", 1),
                    "reroutePolicy",
                    Map.of("mode", "strict")),
                Map.of(
                    "items",
                    List.of(
                        Map.of(
                            "egressIP", "192.168.126.100",
                            "node", "worker-0",
                            "since", "2026-01-01T00:00:00Z")),
                    "conditions",
                    List.of(Map.of("type", "Ready")))));

    assertThat(state)
        .isEqualTo(
            new EgressIpState(
                "egressip-demo",
                List.of("192.168.126.100"),
                new LabelSelector(Map.of("house", "simpson"), List.of()),
                null,
                List.of(new EgressIpAssignment("192.168.126.100", "worker-0"))));
  }

  @Test
  void theTypedResourceReadsYamlWithUnknownFields() {
    EgressIP typed =
        new KubernetesSerialization()
            .unmarshal(
                """
                apiVersion: k8s.ovn.org/v1
                kind: EgressIP
                metadata: {name: egressip-demo, uid: 1234}
                spec:
                  egressIPs: [2001:db8::0100]
                  podSelector: {matchLabels: {app: homer}}
                  somethingNew: true
                status:
                  items: [{egressIP: 2001:db8::100, node: worker-1, extra: x}]
                """,
                EgressIP.class);

    EgressIpState state = KubernetesObjects.egressIp(typed);

    assertThat(typed.getCRDName()).isEqualTo("egressips.k8s.ovn.org");
    assertThat(typed.getScope()).isEqualTo("Cluster");
    assertThat(state.egressIPs()).containsExactly("2001:db8::100");
    assertThat(state.podSelector()).isEqualTo(new LabelSelector(Map.of("app", "homer"), List.of()));
    assertThat(state.assignments())
        .containsExactly(new EgressIpAssignment("2001:db8::100", "worker-1"));
  }

  @Test
  void aMalformedSelectorIsNamedByItsField() {
    assertThatThrownBy(
            () ->
                KubernetesObjects.egressIp(
                    KubernetesObjectsTest.egressIp(
                        Map.of("namespaceSelector", Map.of("matchLabels", List.of("house"))),
                        null)))
        .isInstanceOf(InvalidClusterObjectException.class)
        .hasMessage(
            "EgressIP egressip-demo: spec.namespaceSelector.matchLabels: expected a mapping, found"
                + " a list");
    assertThatThrownBy(
            () ->
                KubernetesObjects.egressIp(
                    KubernetesObjectsTest.egressIp(
                        Map.of(
                            "podSelector", Map.of("matchExpressions", List.of("app in (homer)"))),
                        null)))
        .isInstanceOf(InvalidClusterObjectException.class)
        .hasMessage(
            "EgressIP egressip-demo: spec.podSelector.matchExpressions[0]: expected a mapping,"
                + " found 'app in (homer)'");
    assertThatThrownBy(
            () ->
                KubernetesObjects.egressIp(
                    KubernetesObjectsTest.egressIp(
                        Map.of(
                            "podSelector",
                            Map.of(
                                "matchExpressions",
                                List.of(
                                    Map.of("key", "app", "operator", "Exists", "values", "x")))),
                        null)))
        .isInstanceOf(InvalidClusterObjectException.class)
        .hasMessage(
            "EgressIP egressip-demo: spec.podSelector.matchExpressions[0].values: expected a list,"
                + " found 'x'");
  }
}
