package io.egressaudit.probes;

import java.util.Objects;

/**
 * What one command run in a pod through the exec API gave.
 *
 * @param kind how it ended
 * @param exitCode the command's exit code for {@link Kind#EXITED}; -1 when the exec API reported a
 *     failure without an exit code (a command that could not be started); null otherwise
 * @param stdout what it wrote on stdout, at most {@link #MAX_OUTPUT} bytes, UTF-8
 * @param stderr what it wrote on stderr, at most {@link #MAX_OUTPUT} bytes, UTF-8
 * @param message the exec API's message: the {@code v1.Status} message of the error channel when
 *     the command failed, the API server's refusal for {@link Kind#REFUSED}; null when none
 * @param apiStatus the HTTP status with which the API server refused the exec ({@code 403}, {@code
 *     404}), for {@link Kind#REFUSED}; null otherwise
 */
public record ExecResult(
    Kind kind, Integer exitCode, String stdout, String stderr, String message, Integer apiStatus) {

  /** Bytes kept of each output stream; the rest is drained and dropped. */
  public static final int MAX_OUTPUT = 16 * 1024;

  /** Requires a kind and replaces null output with empty. */
  public ExecResult {
    Objects.requireNonNull(kind, "kind");
    stdout = stdout == null ? "" : stdout;
    stderr = stderr == null ? "" : stderr;
  }

  /** How an exec ended. */
  public enum Kind {
    /** The command ran and ended (or could not start, exit code -1). */
    EXITED,
    /** The command did not end within the timeout; the exec was closed. */
    TIMED_OUT,
    /** The API server refused the exec or the connection broke before an exit status came. */
    REFUSED
  }

  /** A command that ended with an exit code. */
  public static ExecResult exited(int exitCode, String stdout, String stderr, String message) {
    return new ExecResult(Kind.EXITED, exitCode, stdout, stderr, message, null);
  }

  /** An exec abandoned after its timeout. */
  public static ExecResult timedOut(String stdout, String stderr) {
    return new ExecResult(Kind.TIMED_OUT, null, stdout, stderr, null, null);
  }

  /** An exec the API server refused or that broke. */
  public static ExecResult refused(Integer apiStatus, String message) {
    return new ExecResult(Kind.REFUSED, null, "", "", message, apiStatus);
  }
}
