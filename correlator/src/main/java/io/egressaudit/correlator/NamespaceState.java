package io.egressaudit.correlator;

import java.util.Map;

/**
 * A namespace as attribution sees it.
 *
 * @param name {@code metadata.name}
 * @param labels {@code metadata.labels}, which EgressIP namespaceSelectors match
 */
public record NamespaceState(String name, Map<String, String> labels) implements ClusterObject {

  /** Copies the labels and replaces null with empty. */
  public NamespaceState {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  @Override
  public ObjectRef ref() {
    return new ObjectRef(ObjectKind.NAMESPACE, "", name);
  }
}
