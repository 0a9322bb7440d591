package io.egressaudit.probes;

import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodState;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Converts fabric8 objects into the correlator's model. The project has one conversion, {@code
 * io.egressaudit.controller.KubernetesObjects}; probes may depend on the correlator only (the
 * controller brings the database), so the command line hands that conversion in through this
 * interface: a field then means the same in a probe's expectation as in the audit server's history.
 *
 * <p>Every method may throw an unchecked exception naming the object and field when the object is
 * invalid.
 */
public interface ClusterModel {

  /** A node: addresses, labels, readiness. */
  NodeState node(Node node);

  /** A namespace: name and labels. */
  NamespaceState namespace(Namespace namespace);

  /** A pod: node, pod IPs, hostNetwork, labels, phase. */
  PodState pod(Pod pod);

  /** An OVN-Kubernetes EgressIP read as a generic resource. */
  EgressIpState egressIp(GenericKubernetesResource egressIp);
}
