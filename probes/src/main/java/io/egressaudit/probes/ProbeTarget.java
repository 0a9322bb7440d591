package io.egressaudit.probes;

import java.util.Objects;

/**
 * A pod a probe is sent from.
 *
 * @param namespace {@code metadata.namespace}
 * @param pod {@code metadata.name}
 * @param container the container the request runs in: the {@code
 *     kubectl.kubernetes.io/default-container} annotation's, else the first of {@code
 *     spec.containers}
 * @param node {@code spec.nodeName}
 */
public record ProbeTarget(String namespace, String pod, String container, String node) {

  /** Requires namespace and pod. */
  public ProbeTarget {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(pod, "pod");
  }

  /** {@code namespace/pod}. */
  public String name() {
    return namespace + "/" + pod;
  }
}
