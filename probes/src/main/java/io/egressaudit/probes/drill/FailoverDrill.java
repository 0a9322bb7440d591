package io.egressaudit.probes.drill;

import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.drill.DrillLimits;
import io.egressaudit.correlator.drill.DrillTrigger;
import io.egressaudit.correlator.drill.FailoverAnalysis;
import io.egressaudit.correlator.drill.FailoverPrecheck;
import io.egressaudit.correlator.drill.FailoverReport;
import io.egressaudit.probes.AuditApiException;
import io.egressaudit.probes.ClusterModel;
import io.egressaudit.probes.ClusterReader;
import io.egressaudit.probes.ProbePlanner;
import io.egressaudit.probes.ProbeTarget;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code drill failover}: probes every namespace of an EgressIP every interval while its
 * egress node fails, and records the timeline that {@link FailoverAnalysis} judges.
 *
 * <p>Steps: read the EgressIP, nodes and namespaces and refuse what cannot fail over ({@link
 * FailoverPrecheck}); pick per namespace a running, Ready pod on the egress node and one elsewhere
 * (those that exist); start informers on the EgressIP and nodes; probe once for a baseline; fail
 * the node ({@code --trigger unlabel}) or wait for someone to ({@code --trigger none}); probe every
 * interval until every namespace has settled after the status move, or the timeout. The label goes
 * back in a {@code finally} (end, error, interruption) and from a shutdown hook (Ctrl-C).
 *
 * <p>Rounds start every interval whether or not the previous round's probes have returned (a probe
 * may wait for its HTTP client's timeout during the outage); each probe is timed when a worker
 * starts it. Workers: {@code parallel} threads, since each probe holds one pod exec.
 */
public final class FailoverDrill {

  private static final Logger LOG = LoggerFactory.getLogger(FailoverDrill.class);

  /** How long the drill waits at the end for probes still under way. */
  static final Duration DRAIN = Duration.ofSeconds(60);

  /** How the egress node is failed. */
  public enum Trigger {
    /** The operator fails the node (shutdown, network cut); the drill waits and watches. */
    NONE,
    /** The drill removes {@code k8s.ovn.org/egress-assignable} from the node, and puts it back. */
    UNLABEL
  }

  /**
   * A drill's settings.
   *
   * @param egressIp the EgressIP's name
   * @param trigger how the node is failed
   * @param limits interval, max outage and settle
   * @param timeout when the drill stops at the latest, counted from its start
   * @param parallel probes under way at once at most (pod execs)
   */
  public record Settings(
      String egressIp, Trigger trigger, DrillLimits limits, Duration timeout, int parallel) {}

  /**
   * What a drill found.
   *
   * @param report the analysis of the timeline
   * @param pods the pods probed
   * @param labelRemovedFrom the node whose label the drill removed, or null
   * @param labelRestoredAt when the label was put back, or null (not removed, or could not be put
   *     back: then {@code labelError} says why)
   * @param labelError why the label could not be put back, or null
   * @param interrupted true when the drill was interrupted before it settled or timed out
   * @param error why the drill stopped early or never started, one line: the audit server or the
   *     cluster could not be reached any more ({@link io.egressaudit.probes.AuditApiException},
   *     {@link io.fabric8.kubernetes.client.KubernetesClientException}), or the drill was refused
   *     ({@link #refused}); null when it ran to its end or was interrupted
   * @param started false when the drill was refused before it changed or probed anything
   */
  public record Outcome(
      FailoverReport report,
      List<DrillPod> pods,
      String labelRemovedFrom,
      Instant labelRestoredAt,
      String labelError,
      boolean interrupted,
      String error,
      boolean started) {

    /**
     * The outcome of a drill that did not start: nothing measured, no pod, no label touched.
     *
     * @param egressIp the EgressIP named on the command line
     * @param startedAt when the run started
     * @param endedAt when it was refused
     * @param interrupted true when it was stopped (Ctrl-C, SIGTERM) before it started
     * @param why why, one sentence each (the {@link FailoverNotPossibleException}'s problems, or an
     *     interruption)
     * @return the outcome; its report fails with {@code why} as its failures
     */
    public static Outcome refused(
        String egressIp,
        Instant startedAt,
        Instant endedAt,
        boolean interrupted,
        List<String> why) {
      FailoverReport empty =
          new FailoverReport(
              egressIp, startedAt, endedAt, null, null, List.of(), null, null, List.of(), List.of(),
              List.of(), false, why, List.of());
      return new Outcome(
          empty, List.of(), null, null, null, interrupted, String.join("; ", why), false);
    }
  }

  private final KubernetesClient client;
  private final ClusterModel model;
  private final DrillProber prober;
  private final Settings settings;
  private final Clock clock;

  /**
   * @param client the cluster's client
   * @param model the conversion of fabric8 objects into the correlator's model
   * @param prober sends the probes
   * @param settings the drill's settings
   * @param clock times every event
   */
  public FailoverDrill(
      KubernetesClient client,
      ClusterModel model,
      DrillProber prober,
      Settings settings,
      Clock clock) {
    this.client = client;
    this.model = model;
    this.prober = prober;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * Runs the drill to its end; an interruption of the calling thread ends it early (the label is
   * put back, the interrupt flag is set again, and the outcome says so).
   *
   * <p>When the audit server (after the prober's own retries) or the cluster cannot be reached once
   * the drill has started, it stops: the label is put back and the outcome holds what was measured
   * so far and the {@code error}.
   *
   * @return the outcome
   * @throws FailoverNotPossibleException before anything is changed, when the EgressIP does not
   *     exist or cannot fail over
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the cluster cannot be
   *     reached or refuses a read before the drill starts
   */
  public Outcome run() {
    GenericKubernetesResource resource =
        client
            .genericKubernetesResources(ClusterReader.EGRESS_IPS)
            .withName(settings.egressIp())
            .get();
    if (resource == null) {
      throw new FailoverNotPossibleException(
          List.of("EgressIP " + settings.egressIp() + " not found"));
    }
    EgressIpState egressIp = model.egressIp(resource);
    List<NodeState> nodes = client.nodes().list().getItems().stream().map(model::node).toList();
    Map<String, NamespaceState> namespaces = new TreeMap<>();
    client.namespaces().list().getItems().stream()
        .map(model::namespace)
        .filter(egressIp::selects)
        .forEach(ns -> namespaces.put(ns.name(), ns));
    List<String> problems =
        FailoverPrecheck.problems(
            egressIp, nodes, namespaces.keySet(), settings.trigger() == Trigger.UNLABEL);
    if (!problems.isEmpty()) {
      throw new FailoverNotPossibleException(problems);
    }
    String holder = egressIp.assignments().get(0).node();
    List<DrillPod> pods = new ArrayList<>();
    namespaces.values().forEach(ns -> pods.addAll(podsToProbe(egressIp, ns, holder)));
    Set<String> allowed = Set.copyOf(egressIp.egressIPs());
    LOG.info(
        "drill of EgressIP {} ({} on {}): probing {} pods of {}",
        egressIp.name(),
        egressIp.egressIPs(),
        holder,
        pods.size(),
        namespaces.keySet());

    Instant start = clock.instant();
    DrillRecorder recorder =
        new DrillRecorder(egressIp.name(), List.copyOf(namespaces.keySet()), start);
    recorder.status(start, egressIp.assignments());
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    ExecutorService workers = Executors.newFixedThreadPool(settings.parallel(), threads());
    List<Future<?>> underWay = new ArrayList<>();
    EgressAssignableLabel label = null;
    String labelError = null;
    boolean interrupted = false;
    String error = null;
    try (DrillWatch watch = DrillWatch.start(client, model, egressIp.name(), recorder, clock)) {
      try {
        Instant deadline = start.plus(settings.timeout());
        underWay.addAll(round(pods, allowed, recorder, workers, failure));
        awaitAll(underWay, deadline);
        throwIfFailed(failure);
        if (settings.trigger() == Trigger.UNLABEL) {
          label = EgressAssignableLabel.remove(client, holder, clock);
          recorder.trigger(
              new DrillTrigger(
                  label.removedAt(), holder, "removed label " + NodeState.EGRESS_ASSIGNABLE_LABEL));
        }
        Instant next = clock.instant();
        while (next.isBefore(deadline)) {
          sleepUntil(next);
          underWay.removeIf(Future::isDone);
          underWay.addAll(round(pods, allowed, recorder, workers, failure));
          throwIfFailed(failure);
          next = next.plus(settings.limits().interval());
          if (FailoverAnalysis.analyze(recorder.snapshot(clock.instant()), settings.limits())
              .settled()) {
            break;
          }
        }
        awaitAll(underWay, clock.instant().plus(DRAIN));
        throwIfFailed(failure);
      } catch (InterruptedException e) {
        interrupted = true;
        LOG.warn("drill of EgressIP {} interrupted", egressIp.name());
      } catch (AuditApiException | KubernetesClientException e) {
        // what was measured so far still goes into the reports, with why it stopped
        error = e.getMessage();
        LOG.warn("drill of EgressIP {} stopped: {}", egressIp.name(), e.getMessage());
      } finally {
        workers.shutdownNow();
        // an interrupt that reached a client call left the flag set: clear it so the patch runs
        interrupted |= Thread.interrupted();
        if (label != null) {
          try {
            label.restore();
          } catch (RuntimeException e) {
            labelError = e.getMessage();
            LOG.error("could not put the label back on node {}: {}", holder, e.getMessage());
          }
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    FailoverReport report =
        FailoverAnalysis.analyze(recorder.snapshot(clock.instant()), settings.limits());
    return new Outcome(
        report,
        pods,
        label == null ? null : label.node(),
        label == null ? null : label.restoredAt(),
        labelError,
        interrupted,
        error,
        true);
  }

  /**
   * A running, Ready pod of the namespace that the EgressIP selects, on the egress node, and one
   * elsewhere: the first by name of each, when there is one.
   */
  private List<DrillPod> podsToProbe(EgressIpState egressIp, NamespaceState ns, String holder) {
    List<Pod> candidates = new ArrayList<>();
    for (Pod p : client.pods().inNamespace(ns.name()).list().getItems()) {
      if (ProbePlanner.eligible(p) && egressIp.selects(model.pod(p), ns)) {
        candidates.add(p);
      }
    }
    candidates.sort(Comparator.comparing(p -> p.getMetadata().getName()));
    List<DrillPod> chosen = new ArrayList<>();
    candidates.stream()
        .filter(p -> holder.equals(p.getSpec().getNodeName()))
        .findFirst()
        .ifPresent(p -> chosen.add(drillPod(ns, p, true)));
    candidates.stream()
        .filter(p -> !holder.equals(p.getSpec().getNodeName()))
        .findFirst()
        .ifPresent(p -> chosen.add(drillPod(ns, p, false)));
    if (chosen.isEmpty()) {
      LOG.warn("namespace {}: no running, Ready pod to probe from", ns.name());
    }
    return chosen;
  }

  private static DrillPod drillPod(NamespaceState ns, Pod p, boolean onEgressNode) {
    return new DrillPod(
        new ProbeTarget(
            ns.name(),
            p.getMetadata().getName(),
            ProbePlanner.container(p),
            p.getSpec().getNodeName()),
        onEgressNode);
  }

  private List<Future<?>> round(
      List<DrillPod> pods,
      Set<String> allowed,
      DrillRecorder recorder,
      ExecutorService workers,
      AtomicReference<RuntimeException> failure) {
    List<Future<?>> sent = new ArrayList<>();
    for (DrillPod pod : pods) {
      sent.add(
          workers.submit(
              () -> {
                try {
                  recorder.probe(prober.probe(pod, clock.instant(), allowed));
                } catch (RuntimeException e) {
                  failure.compareAndSet(null, e);
                }
              }));
    }
    return sent;
  }

  private void awaitAll(List<Future<?>> futures, Instant until) throws InterruptedException {
    for (Future<?> f : futures) {
      long ms = Duration.between(clock.instant(), until).toMillis();
      try {
        f.get(Math.max(ms, 0), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException
          | java.util.concurrent.TimeoutException
          | java.util.concurrent.CancellationException e) {
        // a probe's own failure is recorded by the task; one that outlives the drill is dropped
      }
    }
  }

  private void sleepUntil(Instant t) throws InterruptedException {
    long ms = Duration.between(clock.instant(), t).toMillis();
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  private static void throwIfFailed(AtomicReference<RuntimeException> failure) {
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  private static ThreadFactory threads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "drill-probe-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
