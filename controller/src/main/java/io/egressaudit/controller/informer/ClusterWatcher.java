package io.egressaudit.controller.informer;

import io.egressaudit.controller.EgressIP;
import io.egressaudit.controller.KubernetesObjects;
import io.egressaudit.controller.SourceState;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
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
 *   <li>{@code EgressIP} ({@code k8s.ovn.org/v1}, cluster-scoped, read as the typed {@link
 *       EgressIP}): {@code spec.egressIPs}, selectors and {@code status.items};
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
 * read them): the watcher logs a warning once, records no EgressIPs, says so in {@link #state()},
 * and keeps watching the other kinds, so source IPs are attributed to nodes. Any other list failure
 * is retried by fabric8 with backoff and logged once per distinct reason (a 403 names the verb, the
 * resource and {@value #RBAC_FILE}).
 *
 * <p>Staleness: the worker checks every second that each informer's watch is open. A watch closed
 * for longer than a grace period (API server unreachable, credentials revoked) makes the cluster
 * {@code stale} from the moment it closed, logged in one line; that kind is then listed again
 * through a fresh informer (fabric8 would otherwise keep reopening the watch from its last resource
 * version, logging each attempt). When every such list is in, the stores are compared with what was
 * recorded: differences (changes missed during the outage) are recorded once, at that time; no
 * difference writes nothing; the cluster is {@code synced} again.
 *
 * <p>Relists fabric8 makes on its own (a watch that ended with 410 Gone because its resource
 * version was compacted away, or that failed) are quicker than the grace and do not make the
 * cluster stale: what such a list finds changed is recorded once, at the time the list was in, and
 * logged in one line that {@link SourceState#lastRelist()} repeats; objects it finds as they were
 * recorded write nothing.
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
   * OVN-Kubernetes EgressIPs ({@code egressips.k8s.ovn.org/v1}, cluster-scoped), the context of the
   * typed {@link EgressIP}, named outright for {@code
   * client.genericKubernetesResources(EGRESS_IPS)} (the watcher itself uses {@code
   * client.resources(EgressIP.class)}, which needs no discovery either): {@code
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

  /**
   * How the source of a live cluster's snapshots begins in history ({@code cluster_import.source}):
   * {@value}, then the API server's URL.
   */
  public static final String SOURCE_PREFIX = "kubernetes ";

  /** Where the RBAC a watcher needs is written down, named in every 403 message. */
  public static final String RBAC_FILE = "deploy/rbac.yaml";

  /**
   * How often the worker checks its watches, and how long a watch may be down before the cluster is
   * stale and the kind is listed again. A watch is closed and reopened by fabric8 every 5 to 10
   * minutes; the grace keeps that from counting as an outage.
   *
   * @param check how often the watches are checked
   * @param grace how long a watch may stay closed before the view is stale
   */
  record Timing(Duration check, Duration grace) {
    static final Timing DEFAULT = new Timing(Duration.ofSeconds(1), Duration.ofSeconds(5));
  }

  private final KubernetesClient client;
  private final String cluster;
  private final Clock clock;
  private final Timing timing;
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
  private volatile SourceState state;
  private volatile java.util.function.Consumer<SourceState> statusListener = s -> {};

  /** Per cluster: the last failure text logged, so that a retry loop logs one line. */
  private final Set<String> logged = ConcurrentHashMap.newKeySet();

  // the worker's own: which kinds' watches are down since when, which are being listed again
  private final Map<WatchedKind<?>, Instant> notWatching = new HashMap<>();
  private final Map<WatchedKind<?>, CompletableFuture<Void>> relisting = new HashMap<>();

  private ClusterWatcher(
      KubernetesClient client, String cluster, ClusterHistory history, Clock clock, Timing timing) {
    this.client = client;
    this.cluster = cluster;
    this.clock = clock;
    this.timing = timing;
    String source = SOURCE_PREFIX + client.getMasterUrl();
    this.state = SourceState.syncing(cluster, source, clock.instant());
    this.recorder = new ChangeRecorder(cluster, source, history, clock);
    this.egressIps =
        new WatchedKind<>(
            ObjectKind.EGRESS_IP,
            client.resources(EgressIP.class),
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
    return start(client, cluster, history, clock, Timing.DEFAULT);
  }

  static ClusterWatcher start(
      KubernetesClient client, String cluster, ClusterHistory history, Clock clock, Timing timing) {
    ClusterWatcher w = new ClusterWatcher(client, cluster, history, clock, timing);
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
   * The watch's state now: syncing until the first list is recorded, then synced, or stale while a
   * watch is down (since when, and why). Thread-safe.
   */
  public SourceState state() {
    return state;
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
      sayIfUnreachable();
      awaitFirstLists();
      if (!recordFirstSnapshot()) {
        return;
      }
      while (!queue.isClosed()) {
        if (!recordRelists() && queue.awaitClosed(RETRY_AFTER)) {
          return;
        }
        Map<ObjectRef, Instant> batch = queue.take(MAX_BATCH, timing.check());
        // keys of kinds being listed again are left to the reconciliation that ends the relist
        batch
            .keySet()
            .removeIf(ref -> relisting.keySet().stream().anyMatch(k -> k.kind() == ref.kind()));
        if (!batch.isEmpty() && !record(batch) && queue.awaitClosed(RETRY_AFTER)) {
          return;
        }
        checkWatches();
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
   * Says within seconds, in the log and in {@link #state()}, that the API server cannot be reached
   * ({@link ApiServerCheck}: one {@code GET /version}, no retry): the informers' own lists are
   * retried by fabric8 for ~20 s before their failure is heard of. It changes nothing else: the
   * informers go on trying, and the cluster stays {@code syncing} until they list.
   */
  private void sayIfUnreachable() {
    try {
      ApiServerCheck.check(client, cluster, ApiServerCheck.DEFAULT_TIMEOUT);
    } catch (ClusterUnreachableException e) {
      if (closed) {
        return;
      }
      String reason = "cannot reach the API server: " + e.reason();
      update(s -> s.status() == SourceState.Status.SYNCED ? s : s.withReason(reason));
      LOG.warn(
          "cluster/{}: cannot reach the API server {}: {}; not synced, still trying",
          cluster,
          e.server(),
          e.reason());
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
        Instant at = recorder.recordSnapshot();
        logged.clear();
        update(s -> s.with(SourceState.Status.SYNCED, at, null).syncedAt(at));
        synced.complete(at);
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

  /**
   * Records what the lists fabric8 made on its own found (a watch that ended with 410 Gone, or
   * failed, is followed by a list from scratch): the objects it found changed, added or removed,
   * each at the time that list was in, as observed late; objects it found as recorded write
   * nothing. One log line and {@link SourceState#lastRelist()} say what each relist found.
   *
   * @return false when history could not be written (the relist waits to be recorded again)
   */
  private boolean recordRelists() {
    ChangeQueue.Relist r;
    while ((r = queue.pollRelist()) != null) {
      ObjectKind kind = r.kind();
      if (relisting.keySet().stream().anyMatch(k -> k.kind() == kind)) {
        continue; // a fresh informer lists that kind: its reconciliation covers this list
      }
      Map<ObjectRef, Instant> batch = new HashMap<>();
      for (ObjectRef ref : r.keys()) {
        batch.put(ref, r.at());
      }
      int found;
      try {
        found = recorder.record(batch).size();
      } catch (DatabaseException e) {
        LOG.warn(
            "cluster/{}: cannot record the relist of {}, retrying: {}",
            cluster,
            resource(kind),
            e.getMessage());
        queue.retryRelist(r);
        return false;
      } catch (RuntimeException e) {
        LOG.error(
            "cluster/{}: recording the relist of {} failed, retrying", cluster, resource(kind), e);
        queue.retryRelist(r);
        return false;
      }
      String what = relisted(r, found);
      update(s -> s.withLastRelist(what));
      LOG.info("cluster/{}: {}", cluster, what);
    }
    return true;
  }

  /**
   * {@code pods listed again at T after their watch expired (HTTP 410 Gone): 1 change found,
   * recorded at that time as observed late}.
   */
  static String relisted(ChangeQueue.Relist r, int changes) {
    String why =
        r.after() == null
            ? "their watch expired (HTTP 410 Gone)"
            : "their watch failed (" + describe(r.after()) + ")";
    String found =
        switch (changes) {
          case 0 -> "no change found, nothing recorded";
          case 1 -> "1 change found, recorded at that time as observed late";
          default -> changes + " changes found, recorded at that time as observed late";
        };
    return resource(r.kind()) + " listed again at " + r.at() + " after " + why + ": " + found;
  }

  private boolean onEgressIpError(boolean started, Throwable t) {
    if (closed) {
      return false;
    }
    int code = httpCode(t);
    if (!started && (code == 404 || code == 403)) {
      egressIpsRefused = true;
      String note =
          code == 404
              ? "not watched: the cluster has no EgressIP CRD (k8s.ovn.org/v1), so source IPs are"
                  + " attributed to nodes"
              : "not watched: " + failure(ObjectKind.EGRESS_IP, t);
      update(s -> s.withEgressIps(note));
      LOG.warn(
          "cluster/{}: EgressIPs {}; watching nodes, namespaces and pods only{}",
          cluster,
          note,
          code == 404 ? " (is OVN-Kubernetes installed?)" : "");
      return false;
    }
    onFailure(ObjectKind.EGRESS_IP, t);
    return true;
  }

  /**
   * A list failed (fabric8 retries it with backoff): the reason goes into the state, and into the
   * log once per distinct reason, not once per retry.
   */
  private void onFailure(ObjectKind kind, Throwable t) {
    String reason = failure(kind, t);
    update(s -> s.status() == SourceState.Status.SYNCED ? s : s.withReason(reason));
    // kinds failing for one cause (connection refused, 401) make one line, not one per kind
    if (logged.add(httpCode(t) == 403 ? reason : describe(t))) {
      LOG.warn("cluster/{}: {}; retrying", cluster, reason);
    }
  }

  /**
   * {@code cannot list pods: HTTP 401: Unauthorized}; a 403 also says what to grant and where the
   * role is written ({@value #RBAC_FILE}).
   */
  static String failure(ObjectKind kind, Throwable t) {
    String resource = resource(kind);
    String detail = describe(t);
    if (httpCode(t) == 403) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("cannot (\\w+) resource").matcher(detail);
      String verb = m.find() ? m.group(1) : "list";
      return "forbidden to "
          + verb
          + " "
          + resource
          + " ("
          + detail
          + "): grant get, list and watch on "
          + resource
          + ", as "
          + RBAC_FILE
          + " does";
    }
    return "cannot list " + resource + ": " + detail;
  }

  /** The resource as RBAC names it: {@code nodes}, {@code pods}, {@code egressips.k8s.ovn.org}. */
  static String resource(ObjectKind kind) {
    return switch (kind) {
      case NODE -> "nodes";
      case NAMESPACE -> "namespaces";
      case POD -> "pods";
      case EGRESS_IP -> "egressips.k8s.ovn.org";
    };
  }

  /**
   * Runs on the worker every {@link Timing#check()}: a watch closed for longer than {@link
   * Timing#grace()} makes the cluster stale and its kind is listed again through a fresh informer;
   * once every such list is in, the stores are reconciled with history at that time and the cluster
   * is synced again.
   */
  private void checkWatches() {
    Instant now = clock.instant();
    for (WatchedKind<?> k : kinds) {
      if ((k == egressIps && egressIpsRefused) || relisting.containsKey(k)) {
        continue;
      }
      if (k.isWatching()) {
        notWatching.remove(k);
        continue;
      }
      Instant down = notWatching.computeIfAbsent(k, x -> now);
      if (Duration.between(down, now).compareTo(timing.grace()) >= 0) {
        notWatching.remove(k);
        if (state.status() != SourceState.Status.STALE) {
          logged.clear();
          update(
              s ->
                  s.with(
                      SourceState.Status.STALE, down, "watch of " + resource(k.kind()) + " lost"));
        }
        relisting.put(k, k.restart());
      }
    }
    if (egressIpsRefused) {
      relisting.remove(egressIps);
    }
    long restarts = kinds.stream().mapToLong(WatchedKind::relists).sum();
    if (!relisting.isEmpty() && relisting.values().stream().allMatch(this::listedOk)) {
      Instant at = clock.instant();
      try {
        int late = recorder.reconcile(at).size();
        relisting.clear();
        SourceState was = state;
        logged.clear();
        update(
            s -> s.with(SourceState.Status.SYNCED, at, null).syncedAt(at).withRestarts(restarts));
        LOG.info(
            "cluster/{}: synced again at {} (stale since {}: {}); {} changes found by the relist,"
                + " recorded at {} as observed late",
            cluster,
            at,
            was.since(),
            was.reason(),
            late,
            at);
      } catch (DatabaseException e) {
        LOG.warn(
            "cluster/{}: cannot record the relisted state, retrying: {}", cluster, e.getMessage());
      }
      return;
    }
    boolean allWatching = notWatching.isEmpty();
    update(
        s ->
            (s.status() == SourceState.Status.SYNCED && allWatching ? s.syncedAt(now) : s)
                .withRestarts(restarts));
  }

  private boolean listedOk(CompletableFuture<Void> f) {
    return f.isDone() && !f.isCompletedExceptionally();
  }

  /**
   * Calls {@code listener} with the new state at every change of status (syncing to synced, synced
   * to stale, stale to synced), on the watcher's thread; a listener's failure is logged and
   * ignored. Replaces the previous listener.
   */
  public void onStatusChange(java.util.function.Consumer<SourceState> listener) {
    statusListener = listener;
  }

  /** A change to stale is logged in one line; other updates (reason, counters) are not. */
  private synchronized void update(UnaryOperator<SourceState> change) {
    SourceState before = state;
    SourceState next = change.apply(before);
    state = next;
    if (before.status() != next.status() && next.status() == SourceState.Status.STALE) {
      LOG.warn("cluster/{}: {}; listing again", cluster, next.describe());
    }
    if (before.status() != next.status()) {
      try {
        statusListener.accept(next);
      } catch (RuntimeException e) {
        LOG.warn(
            "cluster/{}: recording the change to {}: {}", cluster, next.status(), e.getMessage());
      }
    }
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
      onFailure(kind, t);
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
  public void close() {
    // not while holding this object's monitor: the worker takes it to update the state, and the
    // join below would then wait out its whole timeout
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
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
