package io.egressaudit.controller.informer;

/**
 * A cluster's API server that cannot be worked with, found by {@link ApiServerCheck}. The message
 * is one line naming the cluster, its URL and the reason, such as {@code cannot reach cluster lab
 * at https://127.0.0.1:1/: connection refused}.
 */
public class ClusterUnreachableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String server;
  private final String reason;

  /**
   * @param cluster the kubeconfig context's name
   * @param server the API server's URL
   * @param reason a few words: {@code connection refused}, {@code timed out after 5s}, {@code TLS:
   *     ...}
   * @param cause the underlying error, or null
   */
  public ClusterUnreachableException(
      String cluster, String server, String reason, Throwable cause) {
    super("cannot reach cluster " + cluster + " at " + server + ": " + reason, cause);
    this.server = server;
    this.reason = reason;
  }

  private ClusterUnreachableException(String message, String server, String reason) {
    super(message);
    this.server = server;
    this.reason = reason;
  }

  /**
   * An API server that answered, but refuses the runner or is not an API server: {@code cluster lab
   * at https://api.lab:6443/ refused the runner: HTTP 401 Unauthorized: ...}.
   *
   * @param cluster the kubeconfig context's name
   * @param server the API server's URL
   * @param reason the HTTP status and what it means
   */
  public static ClusterUnreachableException refused(String cluster, String server, String reason) {
    return new ClusterUnreachableException(
        "cluster " + cluster + " at " + server + " refused the runner: " + reason, server, reason);
  }

  /** The API server's URL, as the kubeconfig gives it. */
  public String server() {
    return server;
  }

  /** Why, in a few words, without the cluster and URL. */
  public String reason() {
    return reason;
  }
}
