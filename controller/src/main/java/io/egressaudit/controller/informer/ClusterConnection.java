package io.egressaudit.controller.informer;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * How to reach one live cluster.
 *
 * @param cluster the name history records the cluster under: the kubeconfig context's name
 * @param config fabric8's client configuration for that context (API server URL, credentials)
 */
public record ClusterConnection(String cluster, Config config) {

  /** The API server's URL, such as {@code https://api.ocp.example:6443/}. */
  public String server() {
    return config.getMasterUrl();
  }

  /**
   * Builds a client. It uses fabric8's Vert.x 5 HTTP client with a Vert.x instance of its own, so
   * parsing a large list of pods never runs on the hit listener's event loops. Close it after the
   * {@link ClusterWatcher} that uses it.
   */
  public KubernetesClient connect() {
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
