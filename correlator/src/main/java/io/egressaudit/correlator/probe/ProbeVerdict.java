package io.egressaudit.correlator.probe;

import java.util.Objects;

/**
 * The judgement of one probe.
 *
 * @param verdict the outcome
 * @param message a sentence a person can act on: what was expected, what was seen, whose the seen
 *     IP is
 */
public record ProbeVerdict(Verdict verdict, String message) {

  /** Requires both. */
  public ProbeVerdict {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(message, "message");
  }

  /** True when the verdict passes. */
  public boolean passed() {
    return verdict.passing();
  }
}
