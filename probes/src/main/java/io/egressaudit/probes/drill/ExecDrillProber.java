package io.egressaudit.probes.drill;

import io.egressaudit.correlator.drill.DrillProbe;
import io.egressaudit.correlator.drill.DrillProbe.Arrival;
import io.egressaudit.correlator.probe.ExecOutcome;
import io.egressaudit.correlator.probe.ObservedSource;
import io.egressaudit.probes.AuditApiClient;
import io.egressaudit.probes.AuditApiException;
import io.egressaudit.probes.InPodHttpRequest;
import io.egressaudit.probes.PodExecutor;
import io.egressaudit.probes.ProbeIds;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A drill's probe the way {@code probe} sends one: a fresh id, {@code GET TARGET/probe/<id>} from
 * inside the pod through the exec API (curl, else wget, see {@link InPodHttpRequest}), then the
 * audit server's record of that id ({@link AuditApiClient#observed(String)}, with the owner of the
 * source IP).
 *
 * <p>Arrived: the audit server holds a hit with the id (when hits came from several IPs, the first
 * not allowed is reported, so a leak is never hidden behind a good hit). Not arrived: no hit, and
 * the HTTP client ran or timed out. Not sent: no hit and the exec failed, the container has no HTTP
 * client, or its output could not be read; the detail says which.
 *
 * <p>The audit server's API is asked again, every {@value #API_RETRY_PAUSE_MS} ms, while it does
 * not answer (a restart of {@code serve}, a blip of the network between runner and bastion), for up
 * to {@code apiRetryFor} ({@link #API_RETRY_FOR} by default): hits are committed before the
 * listener answers, so an id asked late is still found. Only then does the probe give up, which
 * ends the drill.
 */
public final class ExecDrillProber implements DrillProber {

  private final PodExecutor executor;
  private final AuditApiClient api;
  private final String target;
  private final Duration execTimeout;
  private final Duration apiRetryFor;

  /** How long a probe asks the API again while it does not answer, by default: 30 s. */
  public static final Duration API_RETRY_FOR = Duration.ofSeconds(30);

  /** The pause between two asks of an API that did not answer. */
  static final long API_RETRY_PAUSE_MS = 500;

  /**
   * A prober that asks the API again for up to {@link #API_RETRY_FOR}.
   *
   * @param executor runs commands in pods
   * @param api the audit server's API
   * @param target the hit listener as pods reach it, such as {@code http://192.168.126.1:8080}
   * @param execTimeout how long one exec may take
   */
  public ExecDrillProber(
      PodExecutor executor, AuditApiClient api, String target, Duration execTimeout) {
    this(executor, api, target, execTimeout, API_RETRY_FOR);
  }

  /**
   * @param executor runs commands in pods
   * @param api the audit server's API
   * @param target the hit listener as pods reach it, such as {@code http://192.168.126.1:8080}
   * @param execTimeout how long one exec may take
   * @param apiRetryFor how long to ask the API again while it does not answer; zero for never
   */
  public ExecDrillProber(
      PodExecutor executor,
      AuditApiClient api,
      String target,
      Duration execTimeout,
      Duration apiRetryFor) {
    this.executor = executor;
    this.api = api;
    this.target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    this.execTimeout = execTimeout;
    this.apiRetryFor = apiRetryFor;
  }

  @Override
  public DrillProbe probe(DrillPod pod, Instant sentAt, Set<String> allowedIps) {
    String id = ProbeIds.next();
    ExecOutcome exec =
        InPodHttpRequest.get(executor, pod.target(), target + "/probe/" + id, execTimeout);
    List<ObservedSource> observed = observed(id);
    if (!observed.isEmpty()) {
      ObservedSource shown =
          observed.stream()
              .filter(o -> !allowedIps.contains(o.ip()))
              .findFirst()
              .orElse(observed.get(0));
      return new DrillProbe(
          pod.pod(),
          pod.node(),
          sentAt,
          Arrival.ARRIVED,
          shown.ip(),
          allowedIps,
          shown.owner(),
          null);
    }
    boolean ran =
        exec.status() == ExecOutcome.Status.COMPLETED
            || exec.status() == ExecOutcome.Status.TIMED_OUT;
    return new DrillProbe(
        pod.pod(),
        pod.node(),
        sentAt,
        ran ? Arrival.NOT_ARRIVED : Arrival.NOT_SENT,
        null,
        allowedIps,
        null,
        exec.describe());
  }

  /**
   * The API's record of the id, asked again while the API does not answer, up to {@code
   * apiRetryFor}.
   *
   * @throws AuditApiException the last failure, once the time is up or the thread is interrupted
   */
  private List<ObservedSource> observed(String id) {
    long giveUpAt = System.nanoTime() + apiRetryFor.toNanos();
    while (true) {
      try {
        return api.observed(id);
      } catch (AuditApiException e) {
        if (System.nanoTime() - giveUpAt >= 0) {
          throw new AuditApiException(
              e.getMessage()
                  + (apiRetryFor.isZero()
                      ? ""
                      : " (asked again for " + apiRetryFor.toSeconds() + " s)"),
              e.unreachable(),
              e);
        }
        try {
          Thread.sleep(API_RETRY_PAUSE_MS);
        } catch (InterruptedException stop) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
