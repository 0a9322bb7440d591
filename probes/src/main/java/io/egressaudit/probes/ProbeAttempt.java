package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ExecOutcome;
import io.egressaudit.correlator.probe.ObservedSource;
import io.egressaudit.correlator.probe.ProbeVerdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One probe: a request with a fresh id from a pod, and what came of it.
 *
 * @param probeId the id in {@code TARGET/probe/<id>}
 * @param startedAt when the exec began
 * @param duration from the start of the exec to the audit server's answer about the id
 * @param exec how the request inside the pod went
 * @param observed the source IPs the audit server recorded for the id
 * @param verdict the judgement
 */
public record ProbeAttempt(
    String probeId,
    Instant startedAt,
    Duration duration,
    ExecOutcome exec,
    List<ObservedSource> observed,
    ProbeVerdict verdict) {

  /** Copies the list. */
  public ProbeAttempt {
    observed = List.copyOf(observed);
  }
}
