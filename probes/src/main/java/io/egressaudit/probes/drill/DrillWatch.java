package io.egressaudit.probes.drill;

import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.drill.NodeChange;
import io.egressaudit.probes.ClusterModel;
import io.egressaudit.probes.ClusterReader;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster side of a drill's timeline: fabric8 informers on the drilled EgressIP ({@code
 * status.items}) and on nodes ({@code Ready} condition, {@code k8s.ovn.org/egress-assignable}
 * label, deletion). Handlers only compare with the last state seen and record; no long work.
 */
final class DrillWatch implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DrillWatch.class);

  private final SharedIndexInformer<GenericKubernetesResource> egressIpInformer;
  private final SharedIndexInformer<Node> nodeInformer;

  private DrillWatch(
      SharedIndexInformer<GenericKubernetesResource> egressIpInformer,
      SharedIndexInformer<Node> nodeInformer) {
    this.egressIpInformer = egressIpInformer;
    this.nodeInformer = nodeInformer;
  }

  /**
   * Starts both informers and returns once their first lists are in.
   *
   * @param client the cluster's client, with list and watch on nodes and EgressIPs
   * @param model the conversion of fabric8 objects into the correlator's model
   * @param egressIp the drilled EgressIP's name
   * @param recorder where to record
   * @param clock the drill's clock: events are timed when received
   */
  static DrillWatch start(
      KubernetesClient client,
      ClusterModel model,
      String egressIp,
      DrillRecorder recorder,
      Clock clock) {
    SharedIndexInformer<GenericKubernetesResource> e =
        client
            .genericKubernetesResources(ClusterReader.EGRESS_IPS)
            .withName(egressIp)
            .inform(new EgressIpHandler(model, recorder, clock));
    SharedIndexInformer<Node> n = null;
    try {
      n = client.nodes().inform(new NodeHandler(model, recorder, clock));
    } finally {
      if (n == null) {
        e.close();
      }
    }
    return new DrillWatch(e, n);
  }

  @Override
  public void close() {
    egressIpInformer.close();
    nodeInformer.close();
  }

  private record EgressIpHandler(ClusterModel model, DrillRecorder recorder, Clock clock)
      implements ResourceEventHandler<GenericKubernetesResource> {
    @Override
    public void onAdd(GenericKubernetesResource obj) {
      record(obj);
    }

    @Override
    public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
      record(newObj);
    }

    @Override
    public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
      LOG.warn("EgressIP {} was deleted during the drill", obj.getMetadata().getName());
      recorder.status(clock.instant(), List.of());
    }

    private void record(GenericKubernetesResource obj) {
      try {
        recorder.status(clock.instant(), model.egressIp(obj).assignments());
      } catch (RuntimeException invalid) {
        LOG.warn("EgressIP {}: {}", obj.getMetadata().getName(), invalid.getMessage());
      }
    }
  }

  /** Remembers each node's readiness and label, and records what changed. */
  private static final class NodeHandler implements ResourceEventHandler<Node> {
    private record Seen(boolean ready, boolean assignable) {}

    private final ClusterModel model;
    private final DrillRecorder recorder;
    private final Clock clock;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    NodeHandler(ClusterModel model, DrillRecorder recorder, Clock clock) {
      this.model = model;
      this.recorder = recorder;
      this.clock = clock;
    }

    @Override
    public void onAdd(Node node) {
      NodeState s = state(node);
      if (s != null) {
        seen.put(s.name(), new Seen(s.ready(), s.egressAssignable()));
      }
    }

    @Override
    public void onUpdate(Node oldNode, Node newNode) {
      NodeState s = state(newNode);
      if (s == null) {
        return;
      }
      Seen now = new Seen(s.ready(), s.egressAssignable());
      Seen before = seen.put(s.name(), now);
      if (before == null) {
        return;
      }
      if (before.ready() != now.ready()) {
        change(s.name(), now.ready() ? NodeChange.Kind.READY : NodeChange.Kind.NOT_READY);
      }
      if (before.assignable() != now.assignable()) {
        change(
            s.name(),
            now.assignable() ? NodeChange.Kind.LABEL_ADDED : NodeChange.Kind.LABEL_REMOVED);
      }
    }

    @Override
    public void onDelete(Node node, boolean deletedFinalStateUnknown) {
      String name = node.getMetadata().getName();
      seen.remove(name);
      change(name, NodeChange.Kind.DELETED);
    }

    private void change(String node, NodeChange.Kind kind) {
      recorder.nodeChange(new NodeChange(clock.instant(), node, kind));
    }

    private NodeState state(Node node) {
      try {
        return model.node(node);
      } catch (RuntimeException invalid) {
        LOG.warn("node {}: {}", node.getMetadata().getName(), invalid.getMessage());
        return null;
      }
    }
  }
}
