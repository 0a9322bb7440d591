package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ProbeExpectation;
import io.egressaudit.correlator.probe.ProbeVerdict;
import io.egressaudit.correlator.probe.Verdict;
import io.egressaudit.correlator.probe.VerdictRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Probes every pod of a plan, a bounded number at a time, retrying honestly.
 *
 * <p>Retries: a pod is probed again (with a new id) only while its probe did not arrive or arrived
 * from a wrong IP, and only while the next attempt starts within {@code retryFor} of the first;
 * attempts are {@code retryInterval} apart. Every attempt is kept. A pass after failed attempts
 * says so ({@code passed after 3 attempts, 7.2 s}); it is never reported as a clean pass.
 */
public final class ProbeRunner {

  /**
   * How a run probes.
   *
   * @param retryFor how long after the first attempt a pod may be probed again; zero for no retry
   * @param retryInterval the pause between attempts on one pod
   * @param parallel how many execs run at once, at least 1
   */
  public record Settings(Duration retryFor, Duration retryInterval, int parallel) {

    /** Checks the values. */
    public Settings {
      if (retryFor.isNegative() || retryInterval.isNegative()) {
        throw new IllegalArgumentException("retry durations must not be negative");
      }
      if (parallel < 1) {
        throw new IllegalArgumentException("--parallel must be at least 1, not " + parallel);
      }
    }
  }

  private final Prober prober;
  private final Settings settings;

  /**
   * @param prober sends one probe
   * @param settings retries and parallelism
   */
  public ProbeRunner(Prober prober, Settings settings) {
    this.prober = prober;
    this.settings = settings;
  }

  /**
   * Probes one pod until it passes, fails for good, or {@code retryFor} is spent.
   *
   * @param target the pod
   * @param expected what its probes must show
   * @return every attempt and the final verdict
   * @throws AuditApiException when the audit server cannot say what arrived
   */
  public ProbeResult probeWithRetries(ProbeTarget target, ProbeExpectation expected) {
    long start = System.nanoTime();
    List<ProbeAttempt> attempts = new ArrayList<>();
    Duration timeToPass = null;
    while (true) {
      ProbeAttempt a = prober.probe(target, expected);
      attempts.add(a);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      if (a.verdict().passed()) {
        timeToPass = elapsed;
        break;
      }
      if (!retryable(a.verdict().verdict())
          || elapsed.plus(settings.retryInterval()).compareTo(settings.retryFor()) > 0) {
        break;
      }
      if (!pause()) {
        break;
      }
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    return new ProbeResult(
        target.namespace(),
        target,
        expected,
        attempts,
        summarize(attempts, elapsed),
        elapsed,
        timeToPass);
  }

  /**
   * Probes every pod of a plan, at most {@code parallel} at once; namespaces without a pod get
   * {@code no-ready-pod}.
   *
   * @param plan what to probe
   * @param expectations what each pod's probes must show
   * @return one result per target, then one per namespace without a pod, sorted by name
   * @throws AuditApiException when the audit server cannot say what arrived
   */
  public List<ProbeResult> run(
      ProbePlan plan, Function<ProbeTarget, ProbeExpectation> expectations) {
    List<ProbeResult> results = new ArrayList<>();
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(settings.parallel(), Math.max(1, plan.targets().size())),
            r -> {
              Thread t = new Thread(r, "probe-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<ProbeResult>> futures = new ArrayList<>();
      for (ProbeTarget t : plan.targets()) {
        futures.add(pool.submit(() -> probeWithRetries(t, expectations.apply(t))));
      }
      for (Future<ProbeResult> f : futures) {
        results.add(get(f));
      }
    } finally {
      pool.shutdownNow();
    }
    for (ProbePlan.Unprobeable u : plan.unprobeable()) {
      results.add(
          new ProbeResult(
              u.namespace(),
              null,
              null,
              List.of(),
              u.skipped()
                  ? VerdictRules.noPods(u.namespace(), u.why())
                  : VerdictRules.noReadyPod(u.namespace(), u.why()),
              Duration.ZERO,
              null));
    }
    results.sort(java.util.Comparator.comparing(ProbeResult::name));
    return results;
  }

  private static ProbeResult get(Future<ProbeResult> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while probing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Only a probe that did not arrive, or arrived from a wrong IP, may converge by waiting. */
  static boolean retryable(Verdict v) {
    return v == Verdict.NOT_ARRIVED || v == Verdict.WRONG_SOURCE;
  }

  private boolean pause() {
    try {
      Thread.sleep(settings.retryInterval().toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The last verdict, its message prefixed with the attempt count when there were several. */
  static ProbeVerdict summarize(List<ProbeAttempt> attempts, Duration elapsed) {
    ProbeVerdict last = attempts.get(attempts.size() - 1).verdict();
    if (attempts.size() == 1) {
      return last;
    }
    List<String> failed = new ArrayList<>();
    for (ProbeAttempt a : attempts.subList(0, attempts.size() - 1)) {
      failed.add(a.verdict().verdict().toString());
    }
    String took = seconds(elapsed);
    String prefix =
        last.passed()
            ? "passed after " + attempts.size() + " attempts, " + took
            : "still " + last.verdict() + " after " + attempts.size() + " attempts, " + took;
    return new ProbeVerdict(
        last.verdict(),
        prefix + " (earlier: " + String.join(", ", failed) + "): " + last.message());
  }

  /** {@code 7.2 s}. */
  public static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
