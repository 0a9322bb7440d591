package io.egressaudit.controller.informer;

import io.egressaudit.controller.KubernetesObjects;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.DatabaseException;
import io.egressaudit.sql.HistoryOrderException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one live cluster and records what it sees as history, so that source IPs can be
 * attributed at any time since.
 *
 * <p>Sources of facts: fabric8 informers (list, then watch; no resync) on
 *
 * <ul>
 *   <li>{@code Node} ({@code v1}, cluster-scoped): addresses, labels, readiness;
 *   <li>{@code Namespace} ({@code v1}): labels;
 *   <li>{@code Pod} ({@code v1}, all namespaces): node, pod IPs, hostNetwork, labels, phase;
 *   <li>{@code EgressIP} ({@code k8s.ovn.org/v1}, cluster-scoped, read as a generic resource):
 *       {@code spec.egressIPs}, selectors and {@code status.items};
 * </ul>
 *
 * each converted by {@link KubernetesObjects}, the same path dump files take.
 *
 * <p>How: informer handlers only note the changed object's key and the time in a de-duplicating
 * queue. One worker thread per cluster ({@code cluster-watcher-NAME}) waits until every informer
 * has listed, records all listed objects as one snapshot (which also closes objects deleted while
 * egress-audit was down), then takes queued keys in batches of up to {@value #MAX_BATCH}, reads
 * each object's current state from its informer's store (absent means deleted), and records the
 * batch in one transaction, each object at the time its latest event was observed. A failed write
 * is retried after {@link #RETRY_AFTER}; nothing is dropped.
 *
 * <p>Without OVN-Kubernetes the list of EgressIPs answers 404 (403 when the credentials may not
 * read them): the watcher logs a warning once, records no EgressIPs, and keeps watching the other
 * kinds, so source IPs are attributed to nodes. Any other list or watch failure is logged and
 * retried by fabric8 with backoff.
 *
 * <p>The watcher does not own the client: close the client after the watcher.
 */
public final class ClusterWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterWatcher.class);

  /** Keys recorded per transaction at most. */
  static final int MAX_BATCH = 512;

  /** How long the first lists may take before the watcher says it is still waiting. */
  static final Duration SLOW_LIST = Duration.ofSeconds(30);

  /** Pause before writing again after the database refused a write. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  /**
   * OVN-Kubernetes EgressIPs ({@code egressips.k8s.ovn.org/v1}, cluster-scoped), named outright for
   * {@code client.genericKubernetesResources(EGRESS_IPS)}: {@code
   * genericKubernetesResources("k8s.ovn.org/v1", "EgressIP")} would first ask the API server's
   * discovery, and fail at once, not with a 404 on the list, when the CRD is missing.
   */
  public static final ResourceDefinitionContext EGRESS_IPS =
      new ResourceDefinitionContext.Builder()
          .withGroup("k8s.ovn.org")
          .withVersion("v1")
          .withKind("EgressIP")
          .withPlural("egressips")
          .withNamespaced(false)
          .build();

  private final String cluster;
  private final ChangeQueue queue = new ChangeQueue();
  private final ChangeRecorder recorder;
  private final List<WatchedKind<?>> kinds;
  private final WatchedKind<?> egressIps;
  private final CompletableFuture<Instant> synced = new CompletableFuture<>();
  private final Thread worker;
  private final Map<ObjectKind, CompletableFuture<Void>> firstLists =
      new EnumMap<>(ObjectKind.class);
  private volatile CompletableFuture<Void> listed;
  private volatile boolean egressIpsRefused;
  private volatile boolean closed;

  private ClusterWatcher(
      KubernetesClient client, String cluster, ClusterHistory history, Clock clock) {
    this.cluster = cluster;
    this.recorder =
        new ChangeRecorder(cluster, "kubernetes " + client.getMasterUrl(), history, clock);
    this.egressIps =
        new WatchedKind<>(
            ObjectKind.EGRESS_IP,
            client.genericKubernetesResources(EGRESS_IPS),
            KubernetesObjects::egressIp,
            queue,
            clock,
            this::onEgressIpError);
    this.kinds =
        List.of(
            watch(ObjectKind.NODE, client.nodes(), KubernetesObjects::node, clock),
            watch(ObjectKind.NAMESPACE, client.namespaces(), KubernetesObjects::namespace, clock),
            watch(ObjectKind.POD, client.pods().inAnyNamespace(), KubernetesObjects::pod, clock),
            egressIps);
    this.worker = new Thread(this::work, "cluster-watcher-" + cluster);
    worker.setDaemon(true);
  }

  /**
   * Starts watching: returns at once; listing and recording happen in the background.
   *
   * @param client a client for the cluster, with credentials that may list and watch nodes,
   *     namespaces, pods (all namespaces) and {@code egressips.k8s.ovn.org}
   * @param cluster the name history records the cluster under
   * @param history where to record
   * @return the running watcher
   */
  public static ClusterWatcher start(
      KubernetesClient client, String cluster, ClusterHistory history) {
    // history keeps epoch milliseconds: a finer "observed at" would not match what is read back
    return start(client, cluster, history, Clock.tick(Clock.systemUTC(), Duration.ofMillis(1)));
  }

  static ClusterWatcher start(
      KubernetesClient client, String cluster, ClusterHistory history, Clock clock) {
    ClusterWatcher w = new ClusterWatcher(client, cluster, history, clock);
    w.begin();
    LOG.info("cluster/{}: watching {}", cluster, client.getMasterUrl());
    return w;
  }

  private void begin() {
    // the EgressIP informer may give up (no CRD): then its first list is simply not waited for
    for (WatchedKind<?> k : kinds) {
      firstLists.put(k.kind(), k == egressIps ? k.start().exceptionally(e -> null) : k.start());
    }
    listed = CompletableFuture.allOf(firstLists.values().toArray(CompletableFuture[]::new));
    worker.start();
  }

  /** The name history records the cluster under. */
  public String cluster() {
    return cluster;
  }

  /**
   * Completes with the time of the first snapshot, once every informer has listed and the listed
   * state is recorded; fails with {@link CancellationException} when the watcher is closed before.
   */
  public CompletionStage<Instant> synced() {
    return synced.minimalCompletionStage();
  }

  /**
   * Whether EgressIPs are watched: false once the cluster answered their list with 404 (no
   * OVN-Kubernetes) or 403 (not allowed).
   */
  public boolean watchesEgressIps() {
    return !egressIpsRefused;
  }

  private void work() {
    try {
      awaitFirstLists();
      if (!recordFirstSnapshot()) {
        return;
      }
      while (true) {
        Map<ObjectRef, Instant> batch = queue.take(MAX_BATCH);
        if (batch.isEmpty()) {
          return;
        }
        if (!record(batch) && queue.awaitClosed(RETRY_AFTER)) {
          return;
        }
      }
    } catch (CancellationException | ExecutionException e) {
      // closed before every informer had listed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      synced.completeExceptionally(
          new CancellationException("cluster/" + cluster + ": watcher closed"));
    }
  }

  /**
   * Waits for every informer's first list, saying every {@link #SLOW_LIST} which kinds are still
   * missing: fabric8 retries a failing request with backoff (20 s and more) before an informer's
   * exception handler hears of it, and an unreachable API server should not look like silence.
   */
  private void awaitFirstLists() throws InterruptedException, ExecutionException {
    long waited = 0;
    while (true) {
      try {
        listed.get(SLOW_LIST.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        waited += SLOW_LIST.toSeconds();
        List<ObjectKind> missing =
            firstLists.entrySet().stream()
                .filter(f -> !f.getValue().isDone())
                .map(Map.Entry::getKey)
                .toList();
        LOG.warn(
            "cluster/{}: no complete list of {} after {} s: is the API server reachable? still trying",
            cluster,
            missing,
            waited);
      }
    }
  }

  private boolean recordFirstSnapshot() throws InterruptedException {
    kinds.stream().filter(k -> k != egressIps || !egressIpsRefused).forEach(recorder::watch);
    while (true) {
      // every key queued so far is already in the stores the snapshot reads
      queue.clear();
      try {
        synced.complete(recorder.recordSnapshot());
        return true;
      } catch (DatabaseException | HistoryOrderException e) {
        LOG.warn(
            "cluster/{}: cannot record the listed state, retrying: {}", cluster, e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("cluster/{}: recording the listed state failed, retrying", cluster, e);
      }
      if (queue.awaitClosed(RETRY_AFTER)) {
        return false;
      }
    }
  }

  private boolean record(Map<ObjectRef, Instant> batch) {
    try {
      recorder.record(batch);
      return true;
    } catch (DatabaseException e) {
      LOG.warn(
          "cluster/{}: cannot record {} changes, retrying: {}",
          cluster,
          batch.size(),
          e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("cluster/{}: recording {} changes failed, retrying", cluster, batch.size(), e);
    }
    queue.retry(batch);
    return false;
  }

  private boolean onEgressIpError(boolean started, Throwable t) {
    if (closed) {
      return false;
    }
    int code = httpCode(t);
    if (!started && (code == 404 || code == 403)) {
      egressIpsRefused = true;
      LOG.warn(
          "cluster/{}: cannot list EgressIPs (k8s.ovn.org/v1): {}; {}: watching nodes, namespaces and pods"
              + " only, so source IPs are attributed to nodes",
          cluster,
          describe(t),
          code == 404
              ? "is OVN-Kubernetes installed?"
              : "may these credentials list and watch egressips.k8s.ovn.org?");
      return false;
    }
    LOG.warn("cluster/{} EgressIP: list or watch failed, retrying: {}", cluster, describe(t));
    return true;
  }

  private <T extends HasMetadata> WatchedKind<T> watch(
      ObjectKind kind,
      Informable<T> source,
      Function<T, ? extends ClusterObject> convert,
      Clock clock) {
    return new WatchedKind<>(kind, source, convert, queue, clock, retry(kind));
  }

  /** Nodes, namespaces and pods are required: their failures are retried until they list. */
  private ExceptionHandler retry(ObjectKind kind) {
    return (started, t) -> {
      if (closed) {
        return false;
      }
      LOG.warn("cluster/{} {}: list or watch failed, retrying: {}", cluster, kind, describe(t));
      return true;
    };
  }

  private static int httpCode(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof KubernetesClientException k && k.getCode() > 0) {
        return k.getCode();
      }
    }
    return 0;
  }

  /** {@code HTTP 403: pods is forbidden: ...}, or the innermost cause's message. */
  static String describe(Throwable t) {
    Throwable last = t;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof KubernetesClientException k && k.getCode() > 0) {
        String m =
            k.getStatus() != null && k.getStatus().getMessage() != null
                ? k.getStatus().getMessage()
                : k.getMessage();
        return "HTTP " + k.getCode() + ": " + m;
      }
      last = c;
    }
    return last.getMessage() == null ? last.toString() : last.getMessage();
  }

  /**
   * Stops the informers and the worker; a batch being written is finished first (the wait is
   * bounded by the database's busy timeout). Closing again does nothing.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    kinds.forEach(WatchedKind::close);
    queue.close();
    CompletableFuture<Void> l = listed;
    if (l != null) {
      l.cancel(false);
    }
    try {
      worker.join(Duration.ofSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("cluster/{}: stopped watching", cluster);
  }
}
