package io.egressaudit.correlator;

import java.util.Objects;

/**
 * Identifies one Kubernetes object within a cluster.
 *
 * @param kind the kind
 * @param namespace the namespace for namespaced kinds (pods), the empty string otherwise
 * @param name {@code metadata.name}
 */
public record ObjectRef(ObjectKind kind, String namespace, String name) {

  /** Replaces a null namespace with the empty string. */
  public ObjectRef {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    namespace = namespace == null ? "" : namespace;
  }

  @Override
  public String toString() {
    return namespace.isEmpty() ? kind + "/" + name : kind + "/" + namespace + "/" + name;
  }
}
