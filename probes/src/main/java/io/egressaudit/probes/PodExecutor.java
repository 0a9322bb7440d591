package io.egressaudit.probes;

import java.time.Duration;
import java.util.List;

/**
 * Runs a command in a pod's container, as {@code kubectl exec} does, and waits for it. Blocking:
 * call it from a worker thread, never from an event loop. Implementations are thread-safe.
 */
public interface PodExecutor {

  /**
   * Runs a command.
   *
   * @param target the pod and container
   * @param command the argv, without a shell
   * @param timeout how long to wait for the command to end; then the exec is closed
   * @return how it ended; never throws for a refused or broken exec (see {@link
   *     ExecResult.Kind#REFUSED})
   */
  ExecResult exec(ProbeTarget target, List<String> command, Duration timeout);
}
