package io.egressaudit.correlator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A derived fact of one set of EgressIP states: which assigned EgressIPs select a namespace (their
 * namespaceSelector matches its labels). The node rule asks it for every pod on a node; EgressIPs
 * change rarely, so the timeline shares one per span of unchanged EgressIPs and the answer per
 * namespace state is worked out once. Thread-safe.
 */
final class EgressSelection {

  private final List<EgressIpState> egressIps;
  private final boolean anyAssigned;
  private final Map<NamespaceState, List<EgressIpState>> assignedSelecting =
      new ConcurrentHashMap<>();
  private final Map<NamespaceState, List<EgressIpState>> selecting = new ConcurrentHashMap<>();

  /**
   * @param egressIps the EgressIP states valid together
   */
  EgressSelection(List<EgressIpState> egressIps) {
    this.egressIps = List.copyOf(egressIps);
    this.anyAssigned = egressIps.stream().anyMatch(EgressIpState::assigned);
  }

  /** True when at least one of the EgressIPs has an assigned IP. */
  boolean anyAssigned() {
    return anyAssigned;
  }

  /** The EgressIPs whose namespaceSelector matches the namespace, assigned or not, in order. */
  List<EgressIpState> selecting(NamespaceState ns) {
    return selecting.computeIfAbsent(
        ns,
        n -> {
          List<EgressIpState> out = new ArrayList<>(2);
          for (EgressIpState e : egressIps) {
            if (e.selects(n)) {
              out.add(e);
            }
          }
          return List.copyOf(out);
        });
  }

  /** The assigned EgressIPs whose namespaceSelector matches the namespace, in the given order. */
  List<EgressIpState> assignedSelecting(NamespaceState ns) {
    return assignedSelecting.computeIfAbsent(
        ns,
        n -> {
          List<EgressIpState> out = new ArrayList<>(2);
          for (EgressIpState e : egressIps) {
            if (e.assigned() && e.selects(n)) {
              out.add(e);
            }
          }
          return List.copyOf(out);
        });
  }
}
