package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.NamespaceState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML anchors, aliases and merge keys in hand-written cluster state files. */
class ClusterStateFileAliasesTest {

  @TempDir Path dir;

  private Path write(String content) throws IOException {
    return Files.writeString(dir.resolve("cluster.yaml"), content);
  }

  private static <T> T only(LoadedClusterState state, Class<T> type) {
    List<T> found = state.objects().stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  @Test
  void anAliasStandsForTheAnchoredScalarNotItsName() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: simpson
          labels: {team: &t red}
        ---
        apiVersion: k8s.ovn.org/v1
        kind: EgressIP
        metadata: {name: egressip-demo}
        spec:
          egressIPs: [192.168.126.100]
          namespaceSelector:
            matchLabels: {team: *t}
        """;
    // Anchors are scoped to their document: the second document cannot see &t.
    assertThatThrownBy(() -> ClusterStateFile.load(write(yaml)))
        .isInstanceOf(ClusterStateFileException.class)
        .hasMessageEndingWith(
            ":13:25: malformed YAML: alias *t refers to no anchor before it in its document");

    String oneDocument =
        """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Namespace
          metadata:
            name: simpson
            annotations: {owner: &t red}
            labels: {team: *t}
        - apiVersion: k8s.ovn.org/v1
          kind: EgressIP
          metadata: {name: egressip-demo}
          spec:
            egressIPs: [192.168.126.100]
            namespaceSelector:
              matchLabels: {team: *t}
        """;
    LoadedClusterState state = ClusterStateFile.load(write(oneDocument));

    assertThat(only(state, NamespaceState.class).labels())
        .containsExactly(Map.entry("team", "red"));
    assertThat(only(state, EgressIpState.class).namespaceSelector().matchLabels())
        .containsExactly(Map.entry("team", "red"));
  }

  @Test
  void anAliasOfAMappingOrAListIsItsWholeValue() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: k8s.ovn.org/v1
          kind: EgressIP
          metadata: {name: a}
          spec:
            egressIPs: &ips [192.168.126.100, 192.168.126.101]
            namespaceSelector: &sel
              matchExpressions:
              - {key: house, operator: In, values: [simpson]}
        - apiVersion: k8s.ovn.org/v1
          kind: EgressIP
          metadata: {name: b}
          spec: {egressIPs: *ips, namespaceSelector: *sel}
        """;
    List<EgressIpState> egressIps =
        ClusterStateFile.load(write(yaml)).objects().stream()
            .map(EgressIpState.class::cast)
            .toList();

    assertThat(egressIps.get(1).egressIPs()).isEqualTo(egressIps.get(0).egressIPs());
    assertThat(egressIps.get(1).namespaceSelector())
        .isEqualTo(egressIps.get(0).namespaceSelector())
        .isNotNull();
  }

  @Test
  void mergeKeysAddTheKeysTheMappingDoesNotSetItself() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Namespace
          metadata:
            name: simpson
            annotations:
              base: &base {team: red, tier: web}
              more: &more {tier: db, zone: a, region: eu}
            labels:
              zone: b
              <<: [*base, *more]
        - apiVersion: v1
          kind: Namespace
          metadata:
            name: flanders
            labels: {<<: *base}
        - apiVersion: v1
          kind: Namespace
          metadata:
            name: '<<'
            labels: {"<<": quoted}
        """;
    List<NamespaceState> namespaces =
        ClusterStateFile.load(write(yaml)).objects().stream()
            .map(NamespaceState.class::cast)
            .toList();

    assertThat(namespaces.get(0).labels())
        .isEqualTo(Map.of("team", "red", "tier", "web", "zone", "b", "region", "eu"));
    assertThat(namespaces.get(1).labels()).isEqualTo(Map.of("team", "red", "tier", "web"));
    // A quoted << is an ordinary key.
    assertThat(namespaces.get(2).labels()).isEqualTo(Map.of("<<", "quoted"));
  }

  @Test
  void aMergeKeyThatNamesNoMappingIsRefusedWithItsLine() throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: simpson
          annotations: {a: &a red}
          labels:
            <<: *a
        """;
    assertThatThrownBy(() -> ClusterStateFile.load(write(yaml)))
        .isInstanceOf(ClusterStateFileException.class)
        .hasMessage(
            dir.resolve("cluster.yaml")
                + ":7:5: malformed YAML: merge key <<: expected an alias of a mapping, a mapping"
                + " or a list of them, found 'red'");
  }

  @Test
  void anAliasBombIsRefusedWithItsLine() throws IOException {
    StringBuilder yaml =
        new StringBuilder("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lol\n");
    yaml.append("  annotations:\n    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 9; i++) {
      yaml.append("    a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      yaml.append("]\n");
    }
    yaml.append("  labels: {x: *a8}\n");

    assertThatThrownBy(() -> ClusterStateFile.load(write(yaml.toString())))
        .isInstanceOf(ClusterStateFileException.class)
        .hasMessageStartingWith(dir.resolve("cluster.yaml") + ":10:")
        .hasMessageContaining(
            "more than 100000 values in the anchored values of this document (aliases expanded)");
  }
}
