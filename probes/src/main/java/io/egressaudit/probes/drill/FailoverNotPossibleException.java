package io.egressaudit.probes.drill;

import java.util.List;

/**
 * The drill was not started: the EgressIP does not exist or cannot fail over (see {@link
 * io.egressaudit.correlator.drill.FailoverPrecheck}).
 */
public final class FailoverNotPossibleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why, one sentence each. */
  private final List<String> problems;

  /**
   * @param problems why the drill cannot run, at least one
   */
  public FailoverNotPossibleException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Why the drill cannot run, one sentence each. */
  public List<String> problems() {
    return problems;
  }
}
