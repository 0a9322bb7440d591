package io.egressaudit.probes;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ClusterSnapshot;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a live cluster's state once through fabric8: lists of nodes, namespaces, pods (all
 * namespaces) and OVN-Kubernetes EgressIPs, converted by a {@link ClusterModel}.
 */
public final class ClusterReader {

  /**
   * OVN-Kubernetes EgressIPs ({@code egressips.k8s.ovn.org/v1}, cluster-scoped), named outright so
   * that fabric8 does not ask the API server's discovery first (which fails at once, instead of a
   * 404 on the list, when the CRD is missing).
   */
  public static final ResourceDefinitionContext EGRESS_IPS =
      new ResourceDefinitionContext.Builder()
          .withGroup("k8s.ovn.org")
          .withVersion("v1")
          .withKind("EgressIP")
          .withPlural("egressips")
          .withNamespaced(false)
          .build();

  private final KubernetesClient client;
  private final ClusterModel model;

  /**
   * @param client the cluster
   * @param model the conversion to the correlator's model
   */
  public ClusterReader(KubernetesClient client, ClusterModel model) {
    this.client = client;
    this.model = model;
  }

  /**
   * Lists everything once.
   *
   * @param cluster the name the snapshot carries (the kubeconfig context)
   * @param podSelector a Kubernetes label selector ({@code app=homer,tier!=db}) the pods to probe
   *     from must match, or null for all
   * @return the snapshot and the candidate pods
   * @throws KubernetesClientException when a list fails (unreachable API server, forbidden); a 404
   *     on EgressIPs (no OVN-Kubernetes) is not an error: the cluster has none, and a note says so
   */
  public ClusterView read(String cluster, String podSelector) {
    List<ClusterObject> objects = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (Node n : client.nodes().list().getItems()) {
      objects.add(model.node(n));
    }
    for (Namespace ns : client.namespaces().list().getItems()) {
      objects.add(model.namespace(ns));
    }
    List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
    for (Pod p : pods) {
      objects.add(model.pod(p));
    }
    try {
      for (GenericKubernetesResource e :
          client.genericKubernetesResources(EGRESS_IPS).list().getItems()) {
        objects.add(model.egressIp(e));
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      notes.add(
          "no EgressIP objects: the API server does not serve egressips.k8s.ovn.org/v1"
              + " (not OVN-Kubernetes?); every namespace is expected to leave with its node IPs");
    }
    List<Pod> candidates =
        podSelector == null || podSelector.isBlank()
            ? pods
            : client.pods().inAnyNamespace().withLabelSelector(podSelector).list().getItems();
    return new ClusterView(ClusterSnapshot.of(cluster, objects), candidates, notes);
  }
}
