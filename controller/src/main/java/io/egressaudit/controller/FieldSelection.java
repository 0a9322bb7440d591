package io.egressaudit.controller;

import java.util.HashMap;
import java.util.Map;

/**
 * Which fields of a Kubernetes object to keep while parsing a dump; everything else is skipped as
 * it streams past, so managed fields, container specs or a huge unused annotation cost no heap. A
 * selection applies to a mapping's fields and to every element of a list.
 */
final class FieldSelection {

  /** Keeps the whole value. */
  static final FieldSelection ALL = new FieldSelection(null);

  /**
   * The fields {@link KubernetesObjects} reads, for every kind it converts: {@code apiVersion},
   * {@code kind}; {@code metadata.name}, {@code .namespace}, {@code .labels} and the {@value
   * KubernetesObjects#NODE_PRIMARY_IFADDR_ANNOTATION} annotation; {@code spec.nodeName}, {@code
   * .hostNetwork}, {@code .egressIPs}, {@code .namespaceSelector}, {@code .podSelector}; {@code
   * status.addresses}, {@code .conditions[].type} and {@code .status}, {@code .phase}, {@code
   * .podIP}, {@code .podIPs}, {@code .items}. A field read there must be listed here.
   */
  static final FieldSelection ATTRIBUTION =
      of(
          "apiVersion", ALL,
          "kind", ALL,
          "metadata",
              of(
                  "name", ALL,
                  "namespace", ALL,
                  "labels", ALL,
                  "annotations",
                      of(
                          KubernetesObjects.NODE_PRIMARY_IFADDR_ANNOTATION, ALL,
                          KubernetesObjects.NODE_HOST_CIDRS_ANNOTATION, ALL)),
          "spec",
              of(
                  "nodeName", ALL,
                  "hostNetwork", ALL,
                  "egressIPs", ALL,
                  "namespaceSelector", ALL,
                  "podSelector", ALL),
          "status",
              of(
                  "addresses", ALL,
                  "conditions", of("type", ALL, "status", ALL),
                  "phase", ALL,
                  "podIP", ALL,
                  "podIPs", ALL,
                  "items", ALL));

  private final Map<String, FieldSelection> fields;

  private FieldSelection(Map<String, FieldSelection> fields) {
    this.fields = fields;
  }

  /** Keeps the named fields, each with its own selection: {@code of("name", ALL, ...)}. */
  private static FieldSelection of(Object... nameThenSelection) {
    Map<String, FieldSelection> m = new HashMap<>();
    for (int i = 0; i < nameThenSelection.length; i += 2) {
      m.put((String) nameThenSelection[i], (FieldSelection) nameThenSelection[i + 1]);
    }
    return new FieldSelection(Map.copyOf(m));
  }

  /** Whether the whole value is kept. */
  boolean all() {
    return fields == null;
  }

  /** The selection for a field of a mapping, or null when the field is skipped. */
  FieldSelection field(String name) {
    return fields == null ? ALL : fields.get(name);
  }
}
