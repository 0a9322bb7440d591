package io.egressaudit.server.http;

/**
 * A request the API refuses, with the status and problem type to answer it with. Thrown by route
 * handlers; the failure handler turns it into {@code application/problem+json}.
 */
public class ApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String title;

  /**
   * @param status HTTP status, such as 400
   * @param type the last part of the problem type URI, such as {@code bad-request}
   * @param title short summary of the kind of problem
   * @param detail what is wrong with this request
   */
  public ApiException(int status, String type, String title, String detail) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
  }

  /** A 400 for a parameter the client got wrong. */
  public static ApiException badRequest(String detail) {
    return new ApiException(400, "bad-request", "Bad request", detail);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The problem type's last path segment. */
  public String type() {
    return type;
  }

  /** The problem title. */
  public String title() {
    return title;
  }
}
