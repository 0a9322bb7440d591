package io.egressaudit.correlator;

/**
 * The Kubernetes kinds whose state attribution needs, with the spelling of their {@code kind}
 * field.
 */
public enum ObjectKind {
  NODE("Node"),
  NAMESPACE("Namespace"),
  POD("Pod"),
  EGRESS_IP("EgressIP");

  private final String kind;

  ObjectKind(String kind) {
    this.kind = kind;
  }

  /** The {@code kind} field as Kubernetes writes it, such as {@code EgressIP}. */
  public String kind() {
    return kind;
  }

  /**
   * Finds the kind for a {@code kind} field.
   *
   * @param kind a {@code kind} value such as {@code Pod}
   * @return the kind, or null when attribution does not use that kind
   */
  public static ObjectKind fromKind(String kind) {
    for (ObjectKind k : values()) {
      if (k.kind.equals(kind)) {
        return k;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return kind;
  }
}
