package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dump without the Namespace objects its pods and selectors need is imported with a warning. */
class ClusterStateFileNamespacesTest {

  @TempDir Path dir;

  static final String WITHOUT_NAMESPACES =
      """
      apiVersion: v1
      kind: List
      items:
      - {apiVersion: v1, kind: Namespace, metadata: {name: bouvier}}
      - apiVersion: v1
        kind: Pod
        metadata: {name: homer, namespace: simpson}
        spec: {nodeName: w1}
        status: {phase: Running, podIP: 10.128.2.11}
      - apiVersion: v1
        kind: Pod
        metadata: {name: ned, namespace: flanders}
        spec: {nodeName: w1}
        status: {phase: Running, podIP: 10.128.2.12}
      - apiVersion: v1
        kind: Pod
        metadata: {name: patty, namespace: bouvier}
        spec: {nodeName: w1}
        status: {phase: Running, podIP: 10.128.2.13}
      - apiVersion: k8s.ovn.org/v1
        kind: EgressIP
        metadata: {name: egressip-demo}
        spec:
          egressIPs: [192.168.126.100]
          namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: lovejoy}
      """;

  @Test
  void podsAndSelectorsThatNameNamespacesTheFileLacksGiveAWarning() throws IOException {
    Path file = Files.writeString(dir.resolve("cluster.yaml"), WITHOUT_NAMESPACES);

    LoadedClusterState state = ClusterStateFile.load(file);

    assertThat(state.objects()).hasSize(5);
    assertThat(state.notes())
        .containsExactly(
            "no Namespace object for 2 namespaces that pods are in (flanders, simpson): no"
                + " EgressIP can select their pods, so whois counts them as leaving with their"
                + " node IP; dump namespaces too (kubectl get nodes,namespaces,pods,egressips -A)",
            "EgressIP egressip-demo selects namespace lovejoy by name, and the file has no"
                + " Namespace object for it");
  }

  @Test
  void aCompleteDumpHasNoSuchWarning() throws IOException {
    Path file = Files.writeString(dir.resolve("cluster.yaml"), ClusterStateFileTest.LIST_YAML);

    assertThat(ClusterStateFile.load(file).notes()).isEmpty();
  }
}
