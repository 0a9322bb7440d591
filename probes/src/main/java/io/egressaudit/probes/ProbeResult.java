package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ProbeExpectation;
import io.egressaudit.correlator.probe.ProbeVerdict;
import java.time.Duration;
import java.util.List;

/**
 * The outcome for one pod (or one namespace without a pod to probe from) after retries.
 *
 * @param namespace the namespace
 * @param target the pod probed from; null for {@code no-ready-pod}
 * @param expectation what its probes had to show; null for {@code no-ready-pod}
 * @param attempts every attempt in order; empty for {@code no-ready-pod}
 * @param verdict the last attempt's verdict, with a message that says when it passed only after
 *     failed attempts
 * @param elapsed from the first attempt's start to the end of the last
 * @param timeToPass from the first attempt's start to the end of the first passing attempt; null
 *     when none passed
 */
public record ProbeResult(
    String namespace,
    ProbeTarget target,
    ProbeExpectation expectation,
    List<ProbeAttempt> attempts,
    ProbeVerdict verdict,
    Duration elapsed,
    Duration timeToPass) {

  /** Copies the list. */
  public ProbeResult {
    attempts = List.copyOf(attempts);
  }

  /** True when the final verdict passes. */
  public boolean passed() {
    return verdict.passed();
  }

  /** True when it passed only after failed attempts. */
  public boolean passedAfterRetries() {
    return passed() && attempts.size() > 1;
  }

  /** {@code namespace/pod}, or the namespace alone without a pod. */
  public String name() {
    return target == null ? namespace : target.name();
  }
}
