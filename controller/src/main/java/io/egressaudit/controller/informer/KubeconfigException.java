package io.egressaudit.controller.informer;

/**
 * A kubeconfig that cannot be used: missing, unreadable, not YAML, or not a kubeconfig. The message
 * is one line naming the file, such as {@code cannot read kubeconfig /etc/kube/prod: no such file}.
 */
public class KubeconfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message one line naming the file and the problem
   */
  public KubeconfigException(String message) {
    super(message);
  }

  /**
   * @param message one line naming the file and the problem
   * @param cause the underlying error
   */
  public KubeconfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
