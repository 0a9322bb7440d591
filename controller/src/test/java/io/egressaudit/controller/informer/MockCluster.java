package io.egressaudit.controller.informer;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/**
 * The walkthrough's cluster, created in a fabric8 mock server: two workers, namespaces simpson
 * (with EgressIP {@code egressip-demo} holding {@value #EGRESS_IP} on worker 0) and bouvier.
 */
final class MockCluster {

  static final String EGRESS_IP = "192.168.126.100";
  static final String WORKER_0 = "ocp-8vr6j-worker-0-sl79n";
  static final String WORKER_1 = "ocp-8vr6j-worker-0-82t6f";
  static final String WORKER_0_IP = "192.168.126.51";
  static final String WORKER_1_IP = "192.168.126.52";
  static final String HOMER = "homer-deployment-5b7857cc48-fs2w4";
  static final String HOMER_IP = "10.128.2.10";
  static final String PATTY = "patty-deployment-55c6b8d9b8-k2l7m";

  private final KubernetesClient client;

  MockCluster(KubernetesClient client) {
    this.client = client;
  }

  /** Creates the walkthrough's objects; with {@code egressIp} false, no EgressIP. */
  MockCluster create(boolean egressIp) {
    client.nodes().resource(node(WORKER_0, WORKER_0_IP)).create();
    client.nodes().resource(node(WORKER_1, WORKER_1_IP)).create();
    client.namespaces().resource(namespace("simpson")).create();
    client.namespaces().resource(namespace("bouvier")).create();
    client.pods().resource(pod("simpson", HOMER, WORKER_0, HOMER_IP)).create();
    client.pods().resource(pod("bouvier", PATTY, WORKER_1, "10.131.0.9")).create();
    if (egressIp) {
      client
          .genericKubernetesResources(ClusterWatcher.EGRESS_IPS)
          .resource(egressIp(WORKER_0))
          .create();
    }
    return this;
  }

  /** Moves the egress IP to {@code node}, as OVN-Kubernetes does on failover. */
  void assignEgressIp(String node) {
    client.genericKubernetesResources(ClusterWatcher.EGRESS_IPS).resource(egressIp(node)).update();
  }

  static Node node(String name, String ip) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("k8s.ovn.org/egress-assignable", "")
        .addToLabels("kubernetes.io/hostname", name)
        .endMetadata()
        .withNewStatus()
        .addNewAddress()
        .withType("InternalIP")
        .withAddress(ip)
        .endAddress()
        .addNewAddress()
        .withType("Hostname")
        .withAddress(name)
        .endAddress()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }

  static Namespace namespace(String name) {
    return new NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("kubernetes.io/metadata.name", name)
        .addToLabels("env", name)
        .endMetadata()
        .build();
  }

  static Pod pod(String namespace, String name, String node, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .addToLabels("app", name.split("-")[0])
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("app")
        .withImage("registry.example/app:1")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP(ip)
        .addNewPodIP()
        .withIp(ip)
        .endPodIP()
        .endStatus()
        .build();
  }

  static GenericKubernetesResource egressIp(String node) {
    GenericKubernetesResource r =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("k8s.ovn.org/v1")
            .withKind("EgressIP")
            .withNewMetadata()
            .withName("egressip-demo")
            .endMetadata()
            .build();
    r.setAdditionalProperty(
        "spec",
        Map.of(
            "egressIPs", List.of(EGRESS_IP),
            "namespaceSelector", Map.of("matchLabels", Map.of("env", "simpson"))));
    r.setAdditionalProperty(
        "status", Map.of("items", List.of(Map.of("egressIP", EGRESS_IP, "node", node))));
    return r;
  }
}
