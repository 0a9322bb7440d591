package io.egressaudit.correlator.probe;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A firewall team's statement of how namespaces must leave the cluster, instead of what the
 * cluster's EgressIPs say: per namespace, the source IPs and CIDR blocks its probes may arrive
 * from, or that they must not arrive at all (the firewall in front of the target must block them).
 * Namespaces the policy does not name keep the cluster's expectations.
 *
 * @param namespaces namespace name to its rule, sorted by name
 */
public record ProbePolicy(Map<String, NamespacePolicy> namespaces) {

  /** Copies the map, sorted. */
  public ProbePolicy {
    namespaces = java.util.Collections.unmodifiableMap(new TreeMap<>(namespaces));
  }

  /** The rule for a namespace, or null when the policy does not name it. */
  public NamespacePolicy rule(String namespace) {
    return namespaces.get(namespace);
  }

  /**
   * One namespace's rule: either {@code allow} is non-empty, or {@code mustNotArrive} is true.
   *
   * @param allow the allowed source IPs and CIDR blocks
   * @param mustNotArrive true when no probe of the namespace may reach the target
   * @throws IllegalArgumentException when both or neither are given
   */
  public record NamespacePolicy(List<AllowedSource> allow, boolean mustNotArrive) {

    /** Copies the list and checks that exactly one of the two is given. */
    public NamespacePolicy {
      allow = allow == null ? List.of() : List.copyOf(allow);
      if (mustNotArrive && !allow.isEmpty()) {
        throw new IllegalArgumentException(
            "give either allow or mustNotArrive: true, not both (a namespace that must not"
                + " arrive has no allowed source)");
      }
      if (!mustNotArrive && allow.isEmpty()) {
        throw new IllegalArgumentException(
            "give allow (a list of source IPs or CIDR blocks) or mustNotArrive: true");
      }
    }
  }
}
