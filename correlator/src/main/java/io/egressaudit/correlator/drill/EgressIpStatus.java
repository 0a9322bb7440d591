package io.egressaudit.correlator.drill;

import io.egressaudit.correlator.EgressIpAssignment;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;

/**
 * The drilled EgressIP's {@code status.items} as an informer event showed it at a time.
 *
 * @param at when the event was received
 * @param assignments the assigned IPs and their egress nodes; empty while no node holds any IP
 */
public record EgressIpStatus(Instant at, List<EgressIpAssignment> assignments) {

  /** Copies the assignments. */
  public EgressIpStatus {
    assignments = assignments == null ? List.of() : List.copyOf(assignments);
  }

  /** The egress nodes holding an IP, sorted, without repeats. */
  public List<String> nodes() {
    TreeSet<String> nodes = new TreeSet<>();
    assignments.forEach(a -> nodes.add(a.node()));
    return List.copyOf(nodes);
  }

  /** True while at least one IP is assigned. */
  public boolean assigned() {
    return !assignments.isEmpty();
  }
}
