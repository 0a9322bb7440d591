package io.egressaudit.server.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How {@code probe} and {@code drill failover} end on Ctrl-C (SIGINT) or SIGTERM, which is how CI
 * cancels a job: a JVM shutdown hook interrupts the thread running the command, then waits, at most
 * {@link #GRACE}, until the command says it is done ({@link #close()}): the drill has put the label
 * back, and the text summary and every {@code --report} are written. Then the JVM exits with the
 * signal's code (130 for SIGINT, 143 for SIGTERM), which the hook leaves alone.
 *
 * <p>Use one per run, in try-with-resources around the whole command: {@link #close()} removes the
 * hook when the command ends on its own.
 */
final class StopOnShutdown implements AutoCloseable {

  /** How long the shutdown waits for the command to write what it has. */
  static final Duration GRACE = Duration.ofSeconds(10);

  private final Thread command;
  private final Thread hook;
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile boolean stopping;

  private StopOnShutdown(Thread command, String name) {
    this.command = command;
    this.hook = new Thread(this::stop, "stop-" + name);
  }

  /**
   * Registers the hook for the calling thread.
   *
   * @param name the command, for the hook thread's name
   * @return the registration, to close when the command ends
   */
  static StopOnShutdown install(String name) {
    StopOnShutdown s = new StopOnShutdown(Thread.currentThread(), name);
    Runtime.getRuntime().addShutdownHook(s.hook);
    return s;
  }

  /** True once the JVM is shutting down (a signal) and the command has been interrupted. */
  boolean stopping() {
    return stopping;
  }

  private void stop() {
    stopping = true;
    command.interrupt();
    try {
      if (!done.await(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        System.err.println(
            "egress-audit: gave up waiting "
                + GRACE.toSeconds()
                + " s for the run to write its reports");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Says the command is done (the shutdown may go on) and removes the hook. */
  @Override
  public void close() {
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it sees done and returns
    }
  }
}
