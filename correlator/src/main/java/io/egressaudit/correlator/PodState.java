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
 * @param phase {@code status.phase}; pods in {@code Succeeded} or {@code Failed} send no traffic,
 *     nor do pods that are not {@code Running} and have no IP yet (see {@link #active()})
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

  /**
   * True when the pod can send traffic: it has not terminated ({@code Succeeded} or {@code Failed})
   * and it has a pod IP or is {@code Running}. A {@code Pending} pod without an IP has no network
   * yet, so it is neither a candidate for its node's IP nor an owner of an egress IP.
   */
  public boolean active() {
    return active(phase, !podIps.isEmpty());
  }

  /** {@link #active()} of a pod in a phase (or null) that has a pod IP or not. */
  static boolean active(String phase, boolean hasIp) {
    return !"Succeeded".equals(phase)
        && !"Failed".equals(phase)
        && (hasIp || "Running".equals(phase));
  }

  /** True while the pod waits for its network: not terminated, no IP yet, not {@code Running}. */
  public boolean starting() {
    return !"Succeeded".equals(phase) && !"Failed".equals(phase) && !active();
  }

  @Override
  public ObjectRef ref() {
    return new ObjectRef(ObjectKind.POD, namespace, name);
  }
}
