package io.egressaudit.probes.drill;

import io.egressaudit.correlator.NodeState;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code --trigger unlabel} of a failover drill: removes {@code k8s.ovn.org/egress-assignable}
 * from the egress node, so OVN-Kubernetes moves its egress IP elsewhere, and puts it back with the
 * value it had.
 *
 * <p>The label goes back exactly once, whichever comes first: {@link #restore()} (the drill's end,
 * or an error, through try-with-resources) or the JVM's shutdown hook (Ctrl-C, SIGTERM). Both patch
 * the label alone, so they neither conflict with other writers of the node nor need its
 * resourceVersion: the removal is a JSON Patch {@code remove} (it fails, rather than doing nothing,
 * when the label is already gone), the restore a JSON merge patch (it works whether or not the node
 * still has other labels).
 */
public final class EgressAssignableLabel implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EgressAssignableLabel.class);
  private static final String KEY = NodeState.EGRESS_ASSIGNABLE_LABEL;

  private final KubernetesClient client;
  private final String node;
  private final String value;
  private final Clock clock;
  private final AtomicBoolean removed = new AtomicBoolean(true);
  private final Thread hook;
  private volatile Instant removedAt;
  private volatile Instant restoredAt;

  private EgressAssignableLabel(KubernetesClient client, String node, String value, Clock clock) {
    this.client = client;
    this.node = node;
    this.value = value;
    this.clock = clock;
    this.hook = new Thread(this::restoreQuietly, "egress-assignable-restore-" + node);
  }

  /**
   * Removes the label from the node and registers the shutdown hook that puts it back.
   *
   * @param client the cluster's client, with {@code patch} on nodes
   * @param node the node's name
   * @param clock the drill's clock, for the time of removal
   * @return the removal, to restore
   * @throws IllegalStateException when the node does not exist or has no such label
   * @throws KubernetesClientException when the API server refuses the patch (e.g. 403)
   */
  public static EgressAssignableLabel remove(KubernetesClient client, String node, Clock clock) {
    Node n = client.nodes().withName(node).get();
    if (n == null) {
      throw new IllegalStateException("node " + node + " does not exist");
    }
    String value =
        n.getMetadata().getLabels() == null ? null : n.getMetadata().getLabels().get(KEY);
    if (value == null) {
      throw new IllegalStateException("node " + node + " has no label " + KEY);
    }
    EgressAssignableLabel label = new EgressAssignableLabel(client, node, value, clock);
    // the hook first: a Ctrl-C right after the patch must find it registered
    Runtime.getRuntime().addShutdownHook(label.hook);
    try {
      client
          .nodes()
          .withName(node)
          .patch(
              PatchContext.of(PatchType.JSON),
              "[{\"op\":\"remove\",\"path\":\"/metadata/labels/"
                  + KEY.replace("~", "~0").replace("/", "~1")
                  + "\"}]");
    } catch (RuntimeException e) {
      label.removed.set(false);
      label.unregisterHook();
      throw e;
    }
    label.removedAt = clock.instant();
    LOG.info("node {}: removed label {}", node, KEY);
    return label;
  }

  /** The node whose label was removed. */
  public String node() {
    return node;
  }

  /** When the API server accepted the removal. */
  public Instant removedAt() {
    return removedAt;
  }

  /** When the label was put back, or null while it is still removed. */
  public Instant restoredAt() {
    return restoredAt;
  }

  /**
   * Puts the label back with its former value, once; later calls do nothing. Synchronized: a call
   * made while the shutdown hook is putting it back (Ctrl-C during the drill) waits for it, so the
   * drill then reports {@link #restoredAt()} rather than a label still missing.
   *
   * @throws KubernetesClientException when the API server refuses the patch; the label is then
   *     considered still removed, and the shutdown hook tries again
   */
  public synchronized void restore() {
    if (!removed.compareAndSet(true, false)) {
      return;
    }
    try {
      client
          .nodes()
          .withName(node)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"labels\":{\""
                  + KEY
                  + "\":\""
                  + value.replace("\\", "\\\\").replace("\"", "\\\"")
                  + "\"}}}");
    } catch (RuntimeException e) {
      removed.set(true);
      throw e;
    }
    restoredAt = clock.instant();
    LOG.info("node {}: label {} put back", node, KEY);
    unregisterHook();
  }

  @Override
  public void close() {
    restore();
  }

  private void restoreQuietly() {
    try {
      restore();
    } catch (RuntimeException e) {
      LOG.error(
          "node {}: could not put label {} back ({}); run: kubectl label node {} {}={}",
          node,
          KEY,
          e.getMessage(),
          node,
          KEY,
          value);
    }
  }

  private void unregisterHook() {
    if (Thread.currentThread() == hook) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting: the hook runs (and finds the label already back)
    }
  }
}
