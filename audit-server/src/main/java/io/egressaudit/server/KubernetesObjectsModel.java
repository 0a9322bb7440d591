package io.egressaudit.server;

import io.egressaudit.controller.KubernetesObjects;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodState;
import io.egressaudit.probes.ClusterModel;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * The controller's one conversion of fabric8 objects ({@link KubernetesObjects}), handed to the
 * probes module, which may not depend on the controller: a probe's expectation then reads the same
 * fields as the audit server's history.
 */
public final class KubernetesObjectsModel implements ClusterModel {

  /** The instance; stateless. */
  public static final KubernetesObjectsModel INSTANCE = new KubernetesObjectsModel();

  private KubernetesObjectsModel() {}

  @Override
  public NodeState node(Node node) {
    return KubernetesObjects.node(node);
  }

  @Override
  public NamespaceState namespace(Namespace namespace) {
    return KubernetesObjects.namespace(namespace);
  }

  @Override
  public PodState pod(Pod pod) {
    return KubernetesObjects.pod(pod);
  }

  @Override
  public EgressIpState egressIp(GenericKubernetesResource egressIp) {
    return KubernetesObjects.egressIp(egressIp);
  }
}
