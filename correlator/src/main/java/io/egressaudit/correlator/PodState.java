package io.egressaudit.correlator;

import java.util.List;
import java.util.Map;

/**
 * A pod as attribution sees it.
 *
 * @param namespace {@code metadata.namespace}
 * @param name {@code metadata.name}
 * @param nodeName {@code spec.nodeName}; null while the pod is not scheduled
 * @param podIps canonical IPs from {@code status.podIPs} (or {@code status.podIP})
 * @param hostNetwork {@code spec.hostNetwork}: the pod uses the node's network and leaves with the
 *     node IP whatever EgressIP selects it
 * @param labels {@code metadata.labels}, which EgressIP podSelectors match
 * @param phase {@code status.phase}; pods in {@code Succeeded} or {@code Failed} send no traffic
 */
public record PodState(
    String namespace,
    String name,
    String nodeName,
    List<String> podIps,
    boolean hostNetwork,
    Map<String, String> labels,
    String phase)
    implements ClusterObject {

  /** Copies the collections and replaces null with empty. */
  public PodState {
    podIps = podIps == null ? List.of() : List.copyOf(podIps);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** True unless the pod has terminated ({@code Succeeded} or {@code Failed}). */
  public boolean active() {
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  @Override
  public ObjectRef ref() {
    return new ObjectRef(ObjectKind.POD, namespace, name);
  }
}
