package io.egressaudit.correlator.drill;

import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.NodeState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Tells, before a failover drill starts, whether the EgressIP can fail over at all, by the
 * OVN-Kubernetes assignment rules: an egress IP is hosted by one Ready node labelled {@code
 * k8s.ovn.org/egress-assignable} at a time, and the IPs of one object are each on a different node.
 * A drill of an object that cannot move would only measure an outage that lasts until the node
 * comes back.
 */
public final class FailoverPrecheck {

  private FailoverPrecheck() {}

  /**
   * Checks an EgressIP and the nodes.
   *
   * @param egressIp the drilled EgressIP as read from the cluster ({@code spec} and {@code status})
   * @param nodes every node of the cluster, with labels and readiness
   * @param namespaces the namespaces its {@code namespaceSelector} matches
   * @param unlabel true for {@code --trigger unlabel}: the holding node must carry the label
   * @return why the drill cannot run, one sentence each; empty when it can
   */
  public static List<String> problems(
      EgressIpState egressIp,
      Collection<NodeState> nodes,
      Collection<String> namespaces,
      boolean unlabel) {
    List<String> problems = new ArrayList<>();
    String name = egressIp.name();
    if (namespaces.isEmpty()) {
      problems.add("EgressIP " + name + " selects no namespace: there is nothing to probe");
    }
    if (egressIp.egressIPs().size() > 1) {
      long assignable = nodes.stream().filter(n -> n.egressAssignable() && n.ready()).count();
      problems.add(
          "EgressIP "
              + name
              + " has "
              + egressIp.egressIPs().size()
              + " egress IPs ("
              + String.join(", ", egressIp.egressIPs())
              + "): OVN-Kubernetes puts each on a different node and spreads the traffic over"
              + " them (ECMP), so failing one node drills ECMP, not the failover of one IP, and"
              + " the failed node's IP can only move to an egress-assignable node that holds none"
              + " of them ("
              + Math.max(0, assignable - egressIp.egressIPs().size())
              + " such node here); drill an EgressIP with one IP");
      return problems;
    }
    if (!egressIp.assigned()) {
      problems.add(
          "EgressIP "
              + name
              + " has no assigned IP: nothing to fail over (its namespaces leave with their"
              + " node IPs)");
      return problems;
    }
    String holder = egressIp.assignments().get(0).node();
    NodeState holding =
        nodes.stream().filter(n -> n.name().equals(holder)).findFirst().orElse(null);
    if (unlabel && (holding == null || !holding.egressAssignable())) {
      problems.add(
          "node "
              + holder
              + " holds "
              + egressIp.assignments().get(0).egressIP()
              + " but has no label "
              + NodeState.EGRESS_ASSIGNABLE_LABEL
              + ": --trigger unlabel has nothing to remove");
    }
    List<String> spare =
        nodes.stream()
            .filter(n -> n.egressAssignable() && n.ready() && !n.name().equals(holder))
            .map(NodeState::name)
            .sorted()
            .toList();
    if (spare.isEmpty()) {
      List<String> notReady =
          nodes.stream()
              .filter(n -> n.egressAssignable() && !n.ready() && !n.name().equals(holder))
              .map(NodeState::name)
              .sorted()
              .toList();
      problems.add(
          "no failover possible: only one egress-assignable node ("
              + holder
              + ")"
              + (notReady.isEmpty()
                  ? "; label a second one: kubectl label node NODE "
                      + NodeState.EGRESS_ASSIGNABLE_LABEL
                      + "="
                  : "; the other one(s) are not Ready: " + String.join(", ", notReady)));
    }
    return problems;
  }
}
