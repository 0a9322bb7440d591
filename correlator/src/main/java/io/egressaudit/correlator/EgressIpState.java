package io.egressaudit.correlator;

import java.util.List;
import java.util.Map;

/**
 * An OVN-Kubernetes {@code EgressIP} ({@code k8s.ovn.org/v1}, cluster-scoped) as attribution sees
 * it.
 *
 * @param name {@code metadata.name}
 * @param egressIPs canonical IPs of {@code spec.egressIPs}: the IPs the object asks for
 * @param namespaceSelector {@code spec.namespaceSelector}; null selects no namespace
 * @param podSelector {@code spec.podSelector}; null (absent) selects every pod of the selected
 *     namespaces
 * @param assignments {@code status.items}: the IPs actually assigned, and to which egress node
 */
public record EgressIpState(
    String name,
    List<String> egressIPs,
    LabelSelector namespaceSelector,
    LabelSelector podSelector,
    List<EgressIpAssignment> assignments)
    implements ClusterObject {

  /** Copies the lists and replaces null with empty. */
  public EgressIpState {
    egressIPs = egressIPs == null ? List.of() : List.copyOf(egressIPs);
    assignments = assignments == null ? List.of() : List.copyOf(assignments);
  }

  /** True when at least one egress IP is assigned, so the selected pods leave through it. */
  public boolean assigned() {
    return !assignments.isEmpty();
  }

  /** Tells whether the namespaceSelector matches the namespace. */
  public boolean selects(NamespaceState namespace) {
    return namespaceSelector != null && namespaceSelector.matches(namespace.labels());
  }

  /**
   * Tells whether a pod's traffic is SNATed by this object when it is assigned: the pod is not on
   * the host network, its namespace is selected and the podSelector matches it.
   *
   * @param pod the pod
   * @param namespace the pod's namespace, null when unknown (then nothing is selected)
   */
  public boolean selects(PodState pod, NamespaceState namespace) {
    return selects(pod.hostNetwork(), pod.labels(), namespace);
  }

  /** {@link #selects(PodState, NamespaceState)} from what it reads of the pod. */
  boolean selects(boolean hostNetwork, Map<String, String> podLabels, NamespaceState namespace) {
    return !hostNetwork
        && namespace != null
        && selects(namespace)
        && (podSelector == null || podSelector.matches(podLabels));
  }

  @Override
  public ObjectRef ref() {
    return new ObjectRef(ObjectKind.EGRESS_IP, "", name);
  }
}
