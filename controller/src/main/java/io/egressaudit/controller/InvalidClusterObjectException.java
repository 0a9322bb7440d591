package io.egressaudit.controller;

/**
 * A Kubernetes object that cannot be turned into the correlator model: a required field is missing,
 * a field has the wrong shape, an IP field is not an IP address literal, a label selector uses an
 * unknown operator.
 *
 * <p>The message names the object and the field, such as {@code EgressIP egressip-demo:
 * spec.egressIPs[0]: not an IP address: 'foo'}. {@link #object()} and {@link #detail()} give the
 * two halves separately, so that a loader can put its own location (file, line, item) in front of
 * the detail.
 */
public class InvalidClusterObjectException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String object;
  private final String detail;

  /**
   * Creates the exception.
   *
   * @param object the object, such as {@code Pod simpson/homer-deployment-5b7857cc48-fs2w4}
   * @param detail the field and the problem, such as {@code metadata.name is missing} or {@code
   *     spec.egressIPs[0]: not an IP address: 'foo'}
   */
  public InvalidClusterObjectException(String object, String detail) {
    super(object + ": " + detail);
    this.object = object;
    this.detail = detail;
  }

  /** The object: kind and name, with the namespace for pods ({@code Pod simpson/homer}). */
  public String object() {
    return object;
  }

  /** The field and what is wrong with it, without the object. */
  public String detail() {
    return detail;
  }
}
