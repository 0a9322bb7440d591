package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ExecOutcome;
import io.egressaudit.correlator.probe.ObservedSource;
import io.egressaudit.correlator.probe.ProbeExpectation;
import io.egressaudit.correlator.probe.VerdictRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Sends one probe and judges it: a fresh id, {@code GET TARGET/probe/<id>} from inside the pod
 * (curl, else wget), then the audit server's record of that id. The hit listener answers 2xx only
 * once the hit is committed, so one question to the API after the exec ends is enough. Blocking and
 * thread-safe: run one probe per worker thread.
 */
public final class Prober {

  private final PodExecutor executor;
  private final AuditApiClient api;
  private final String target;
  private final Duration execTimeout;
  private final Clock clock;

  /**
   * @param executor runs commands in pods
   * @param api the audit server's API
   * @param target the hit listener as pods reach it, such as {@code http://192.168.126.1:8080}
   * @param execTimeout how long one exec may take
   * @param clock what "now" is for the attempt's times
   */
  public Prober(
      PodExecutor executor, AuditApiClient api, String target, Duration execTimeout, Clock clock) {
    this.executor = executor;
    this.api = api;
    this.target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    this.execTimeout = execTimeout;
    this.clock = clock;
  }

  /** The URL a probe with this id requests. */
  public String url(String probeId) {
    return target + "/probe/" + probeId;
  }

  /**
   * Sends one probe from a pod and judges it against an expectation.
   *
   * @param from the pod
   * @param expected what it must show
   * @return the attempt and its verdict
   * @throws AuditApiException when the audit server cannot say what arrived
   */
  public ProbeAttempt probe(ProbeTarget from, ProbeExpectation expected) {
    String id = ProbeIds.next();
    Instant start = clock.instant();
    long t0 = System.nanoTime();
    ExecOutcome exec = InPodHttpRequest.get(executor, from, url(id), execTimeout);
    List<ObservedSource> observed = api.observed(id);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    return new ProbeAttempt(
        id, start, took, exec, observed, VerdictRules.judge(expected, exec, observed));
  }
}
