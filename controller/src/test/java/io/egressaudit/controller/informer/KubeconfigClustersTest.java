package io.egressaudit.controller.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigClustersTest {

  static final String KUBECONFIG =
      """
      apiVersion: v1
      kind: Config
      clusters:
      - name: prod-cluster
        cluster: {server: "https://api.prod.example:6443"}
      - name: lab-cluster
        cluster: {server: "https://api.lab.example:6443"}
      users:
      - name: auditor
        user: {token: not-a-real-token}
      contexts:
      - name: prod
        context: {cluster: prod-cluster, user: auditor}
      - name: lab
        context: {cluster: lab-cluster, user: auditor, namespace: default}
      current-context: prod
      """;

  @TempDir Path dir;

  private String previousKubeconfigProperty = System.getProperty("kubeconfig");

  @AfterEach
  void restore() {
    if (previousKubeconfigProperty == null) {
      System.clearProperty("kubeconfig");
    } else {
      System.setProperty("kubeconfig", previousKubeconfigProperty);
    }
  }

  private Path file(String text) throws Exception {
    return Files.writeString(dir.resolve("kubeconfig"), text);
  }

  @Test
  void withoutContextTheCurrentContextIsTheClusterAndItsName() throws Exception {
    List<ClusterConnection> c = KubeconfigClusters.select(file(KUBECONFIG), List.of());

    assertThat(c).extracting(ClusterConnection::cluster).containsExactly("prod");
    assertThat(c.get(0).server()).isEqualTo("https://api.prod.example:6443/");
  }

  @Test
  void eachContextIsOneClusterInTheOrderGiven() throws Exception {
    List<ClusterConnection> c = KubeconfigClusters.select(file(KUBECONFIG), List.of("lab", "prod"));

    assertThat(c).extracting(ClusterConnection::cluster).containsExactly("lab", "prod");
    assertThat(c)
        .extracting(ClusterConnection::server)
        .containsExactly("https://api.lab.example:6443/", "https://api.prod.example:6443/");
  }

  @Test
  void anUnknownContextIsRefusedNamingTheContextsThereAre() throws Exception {
    Path f = file(KUBECONFIG);

    assertThatThrownBy(() -> KubeconfigClusters.select(f, List.of("prod", "staging")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("kubeconfig " + f + " has no context 'staging' (its contexts: prod, lab)");
    assertThatThrownBy(() -> KubeconfigClusters.select(f, List.of("lab", "lab")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--context lab is given twice");
  }

  @Test
  void withoutCurrentContextAContextMustBeNamed() throws Exception {
    Path f = file(KUBECONFIG.replace("current-context: prod", ""));

    assertThatThrownBy(() -> KubeconfigClusters.select(f, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "kubeconfig "
                + f
                + " has no current-context: name one with --context (its contexts: prod, lab)");
  }

  @Test
  void unreadableOrMalformedKubeconfigsAreOneLineErrors() throws Exception {
    Path missing = dir.resolve("nonexistent");
    assertThatThrownBy(() -> KubeconfigClusters.select(missing, List.of()))
        .isInstanceOf(KubeconfigException.class)
        .hasMessage("cannot read kubeconfig " + missing + ": no such file");
    assertThatThrownBy(() -> KubeconfigClusters.select(dir, List.of()))
        .isInstanceOf(KubeconfigException.class)
        .hasMessage("cannot read kubeconfig " + dir + ": it is a directory");

    Path notYaml = file("clusters: [\n");
    assertThatThrownBy(() -> KubeconfigClusters.select(notYaml, List.of()))
        .isInstanceOf(KubeconfigException.class)
        .hasMessageStartingWith("kubeconfig " + notYaml + " is not a kubeconfig: ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    Path empty = file("");
    assertThatThrownBy(() -> KubeconfigClusters.select(empty, List.of()))
        .isInstanceOf(KubeconfigException.class)
        .hasMessage("kubeconfig " + empty + " is empty");
  }

  @Test
  void withoutKubeconfigTheDefaultResolutionIsUsed() throws Exception {
    Path f = file(KUBECONFIG);
    System.setProperty("kubeconfig", f.toString());

    assertThat(KubeconfigClusters.select(null, List.of("lab")))
        .extracting(ClusterConnection::cluster, ClusterConnection::server)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("lab", "https://api.lab.example:6443/"));
    assertThatThrownBy(() -> KubeconfigClusters.select(null, List.of("staging")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no context 'staging'");

    System.setProperty("kubeconfig", dir.resolve("nowhere").toString());
    assertThatThrownBy(() -> KubeconfigClusters.select(null, List.of("lab")))
        .isInstanceOf(KubeconfigException.class)
        .hasMessageStartingWith("no kubeconfig found (" + dir.resolve("nowhere"));
  }
}
