package io.egressaudit.probes;

/**
 * The audit server's API could not answer: unreachable, refused the credentials, or answered
 * something that is not its JSON. The message is one line naming the URL.
 */
public class AuditApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final boolean unreachable;

  /**
   * @param message one line naming the URL and what went wrong
   * @param unreachable true when the server cannot be reached or refuses the runner (connection
   *     refused, timeout, 401, 403): {@code probe} then exits 3
   * @param cause the underlying error, or null
   */
  public AuditApiException(String message, boolean unreachable, Throwable cause) {
    super(message, cause);
    this.unreachable = unreachable;
  }

  /** True when the server cannot be reached or refuses the runner's credentials. */
  public boolean unreachable() {
    return unreachable;
  }
}
