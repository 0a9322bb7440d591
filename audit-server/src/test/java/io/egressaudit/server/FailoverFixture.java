package io.egressaudit.server;

import io.egressaudit.correlator.NodeState;
import io.egressaudit.probes.ClusterReader;
import io.egressaudit.testsupport.ClosedPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The walkthrough's failover in a fabric8 mock API server, on the loopback addresses of the bundled
 * example cluster, acting as OVN-Kubernetes would: when worker sl79n loses {@code
 * k8s.ovn.org/egress-assignable}, the EgressIP's status is emptied at once, and after {@code gap}
 * it names worker 82t6f. Meanwhile it plays the SNAT: {@link #sourceNow()} is the address a pod of
 * simpson leaves with (the egress IP while a node holds it, none while nobody does), and the first
 * request after the move leaves with the old node's IP once: a leak. As the exec handler of an
 * {@link ExecMockCluster}, it runs the probe's real {@code curl} bound to that address (to a closed
 * port while nobody holds the IP: the request goes nowhere).
 */
final class FailoverFixture implements AutoCloseable, ExecMockCluster.ExecHandler {

  static final String EGRESS_IP = "127.0.0.100";
  static final String OLD_NODE = "ocp-8vr6j-worker-0-sl79n";
  static final String OLD_NODE_IP = "127.0.0.51";
  static final String NEW_NODE = "ocp-8vr6j-worker-0-82t6f";
  static final String NEW_NODE_IP = "127.0.0.53";
  static final String HOMER = "homer-deployment-5b7857cc48-fs2w4";
  static final String MARGE = "marge-deployment-75474c9ff-jpkkv";

  private final KubernetesClient client;
  private final Duration gap;
  private final ScheduledExecutorService ovn = Executors.newSingleThreadScheduledExecutor();
  private final AtomicBoolean leakPending = new AtomicBoolean();
  private final AtomicBoolean failedOver = new AtomicBoolean();
  private SharedIndexInformer<Node> nodes;
  private volatile String source = EGRESS_IP;
  private volatile Instant unassignedAt;
  private volatile Instant movedAt;
  private volatile Instant trafficStoppedAt;
  private volatile Instant trafficResumedAt;

  FailoverFixture(KubernetesClient client, Duration gap) {
    this.client = client;
    this.gap = gap;
  }

  /** Creates the objects and starts acting as OVN-Kubernetes. */
  FailoverFixture create() {
    client.nodes().resource(node(OLD_NODE, OLD_NODE_IP)).create();
    client.nodes().resource(node(NEW_NODE, NEW_NODE_IP)).create();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("simpson")
                .addToLabels("house", "simpson")
                .endMetadata()
                .build())
        .create();
    client.pods().resource(pod(HOMER, OLD_NODE, "10.129.3.232")).create();
    client.pods().resource(pod(MARGE, NEW_NODE, "10.128.3.10")).create();
    client
        .genericKubernetesResources(ClusterReader.EGRESS_IPS)
        .resource(egressIp(OLD_NODE))
        .create();
    nodes =
        client
            .nodes()
            .withName(OLD_NODE)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Node n) {}

                  @Override
                  public void onUpdate(Node o, Node n) {
                    if (!n.getMetadata().getLabels().containsKey(NodeState.EGRESS_ASSIGNABLE_LABEL)
                        && failedOver.compareAndSet(false, true)) {
                      ovn.execute(FailoverFixture.this::unassign);
                    }
                  }

                  @Override
                  public void onDelete(Node n, boolean unknown) {}
                });
    return this;
  }

  /**
   * Fails the egress node as an operator does by hand for {@code --trigger none} (a shutdown): its
   * Ready condition turns False, and OVN-Kubernetes, seeing it, empties the status and after the
   * gap names the other worker, as after a label removal.
   *
   * @return when the node was marked NotReady
   */
  Instant failOldNodeByHand() {
    Instant at = Instant.now();
    client
        .nodes()
        .withName(OLD_NODE)
        .edit(
            n -> {
              n.getStatus().getConditions().stream()
                  .filter(c -> c.getType().equals("Ready"))
                  .forEach(c -> c.setStatus("False"));
              return n;
            });
    if (failedOver.compareAndSet(false, true)) {
      ovn.execute(this::unassign);
    }
    return at;
  }

  private void unassign() {
    source = null;
    if (trafficStoppedAt == null) {
      trafficStoppedAt = Instant.now();
    }
    try {
      setStatus(null);
    } catch (RuntimeException e) {
      System.err.println("failover fixture: emptying the status failed, again: " + e);
      ovn.schedule(this::unassign, 100, TimeUnit.MILLISECONDS);
      return;
    }
    unassignedAt = Instant.now();
    ovn.schedule(this::moveToNewNode, gap.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void moveToNewNode() {
    // before the update: the drill's informer can see the new status before update() returns
    movedAt = Instant.now();
    try {
      setStatus(NEW_NODE);
    } catch (RuntimeException e) {
      // a loaded machine can make the mock API server's answer late; OVN-Kubernetes retries too,
      // and an exception here would otherwise vanish in the executor and leave the IP nowhere
      System.err.println("failover fixture: assigning to " + NEW_NODE + " failed, again: " + e);
      ovn.schedule(this::moveToNewNode, 100, TimeUnit.MILLISECONDS);
      return;
    }
    leakPending.set(true);
    source = EGRESS_IP;
    trafficResumedAt = Instant.now();
  }

  /** How long the fixture's SNAT sent simpson's requests nowhere, or null before it resumed. */
  Duration trafficGap() {
    Instant resumed = trafficResumedAt;
    return resumed == null ? null : Duration.between(trafficStoppedAt, resumed);
  }

  /** The source address a simpson pod's request leaves with now, or null when it is dropped. */
  String sourceNow() {
    String s = source;
    if (s != null && leakPending.compareAndSet(true, false)) {
      return OLD_NODE_IP;
    }
    return s;
  }

  @Override
  public ExecMockCluster.ExecReply exec(String namespace, String pod, List<String> command) {
    if (!command.get(0).equals("curl")) {
      return ExecMockCluster.ExecReply.exited(127, "", "sh: " + command.get(0) + ": not found");
    }
    List<String> argv = new ArrayList<>(command);
    String source = sourceNow();
    if (source == null) {
      String url = argv.get(argv.size() - 1);
      argv.set(argv.size() - 1, url.replaceFirst(":\\d+/", ":" + ClosedPort.PORT + "/"));
      source = "127.0.0.1";
    }
    argv.add(1, "--interface");
    argv.add(2, source);
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(false).start();
      p.getOutputStream().close();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return ExecMockCluster.ExecReply.exited(28, out, "timed out");
      }
      return ExecMockCluster.ExecReply.exited(p.exitValue(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** When the fixture emptied the status, or null. */
  Instant unassignedAt() {
    return unassignedAt;
  }

  /**
   * When the fixture started assigning the IP to the new node (just before the update), or null.
   */
  Instant movedAt() {
    return movedAt;
  }

  /** The old node's egress-assignable label, or null when absent. */
  String oldNodeLabel() {
    Map<String, String> labels = client.nodes().withName(OLD_NODE).get().getMetadata().getLabels();
    return labels == null ? null : labels.get(NodeState.EGRESS_ASSIGNABLE_LABEL);
  }

  private void setStatus(String node) {
    client.genericKubernetesResources(ClusterReader.EGRESS_IPS).resource(egressIp(node)).update();
  }

  @Override
  public void close() {
    if (nodes != null) {
      nodes.close();
    }
    ovn.shutdownNow();
  }

  static Node node(String name, String ip) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels(NodeState.EGRESS_ASSIGNABLE_LABEL, "")
        .addToLabels("kubernetes.io/hostname", name)
        .endMetadata()
        .withNewStatus()
        .addNewAddress()
        .withType("InternalIP")
        .withAddress(ip)
        .endAddress()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }

  static io.fabric8.kubernetes.api.model.Pod pod(String name, String node, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("simpson")
        .withName(name)
        .addToLabels("app", name.split("-")[0])
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("container-helper")
        .withImage("quay.io/example/container-helper:1")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP(ip)
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
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
            "egressIPs",
            List.of(EGRESS_IP),
            "namespaceSelector",
            Map.of("matchLabels", Map.of("house", "simpson"))));
    r.setAdditionalProperty(
        "status",
        Map.of(
            "items",
            node == null ? List.of() : List.of(Map.of("egressIP", EGRESS_IP, "node", node))));
    return r;
  }
}
