package io.egressaudit.correlator.probe;

import java.util.Objects;

/**
 * How the HTTP request inside the pod went, as the pod exec API reported it.
 *
 * @param status what happened
 * @param client the HTTP client that ran ({@code curl} or {@code wget}); null when none did
 * @param exitCode the client's exit code; null when it did not end (timeout, exec refused)
 * @param httpStatus the HTTP status the target answered, when the client printed it (curl's {@code
 *     %{http_code}}); null otherwise ({@code wget -q} prints none)
 * @param detail a line for people: the exec API's message, the client's stderr, or the output that
 *     could not be read; null when there is nothing to add
 */
public record ExecOutcome(
    Status status, String client, Integer exitCode, Integer httpStatus, String detail) {

  /** Requires a status. */
  public ExecOutcome {
    Objects.requireNonNull(status, "status");
  }

  /** What happened to the exec. */
  public enum Status {
    /** The HTTP client ran and ended with {@code exitCode}. */
    COMPLETED("completed"),
    /** The exec did not end within its timeout; it was abandoned. */
    TIMED_OUT("timed-out"),
    /** Neither curl nor wget exists in the container. */
    NO_HTTP_CLIENT("no-http-client"),
    /** The exec API refused or broke: forbidden, pod gone, container not running. */
    FAILED("failed"),
    /** The client ended but printed something that is not what it was asked to print. */
    UNPARSEABLE("unparseable");

    private final String wireName;

    Status(String wireName) {
      this.wireName = wireName;
    }

    @Override
    public String toString() {
      return wireName;
    }
  }

  /** The exec could not run the request at all (FAILED), with the API's message. */
  public static ExecOutcome failed(String detail) {
    return new ExecOutcome(Status.FAILED, null, null, null, detail);
  }

  /**
   * A short account for failure texts: {@code curl exit 0, HTTP 200}, {@code curl exit 28
   * (Operation timed out...)}, {@code exec timed out}, {@code exec failed: forbidden}.
   */
  public String describe() {
    String d = detail == null || detail.isBlank() ? "" : detail;
    return switch (status) {
      case COMPLETED ->
          client
              + " exit "
              + exitCode
              + (httpStatus != null ? ", HTTP " + httpStatus : "")
              + (d.isEmpty() ? "" : " (" + d + ")");
      case TIMED_OUT -> "exec timed out" + (client != null ? " running " + client : "") + suffix(d);
      case NO_HTTP_CLIENT -> "neither curl nor wget in the container" + suffix(d);
      case FAILED -> "exec failed" + suffix(d);
      case UNPARSEABLE ->
          client + " exit " + exitCode + ", output not understood: " + (d.isEmpty() ? "''" : d);
    };
  }

  private static String suffix(String d) {
    return d.isEmpty() ? "" : ": " + d;
  }
}
