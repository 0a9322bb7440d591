package io.egressaudit.server.cli;

import io.egressaudit.correlator.Attribution;
import java.util.List;
import java.util.stream.Collectors;

/** One-line human summaries of attributions, for table output. */
final class AttributionText {

  private AttributionText() {}

  static String summary(List<Attribution> matches) {
    return matches.stream().map(AttributionText::summary).collect(Collectors.joining("; "));
  }

  /**
   * One match in a line: who owns the IP, then, for a node IP while namespaces with pods on the
   * node should leave through an EgressIP, {@code leak? simpson should leave through
   * egressip-demo}.
   */
  static String summary(Attribution a) {
    String owner = owner(a);
    if (a.leakSuspects() == null || a.leakSuspects().isEmpty()) {
      return owner;
    }
    return owner
        + "; leak? "
        + String.join(",", a.leakSuspects())
        + " should leave through "
        + (a.leakEgressIPs() == null || a.leakEgressIPs().isEmpty()
            ? "an EgressIP"
            : String.join(",", a.leakEgressIPs()));
  }

  private static String owner(Attribution a) {
    String ns = a.namespaces().isEmpty() ? "no namespace" : String.join(",", a.namespaces());
    return switch (a.kind()) {
      case EGRESS_IP -> ns + " via EgressIP " + a.egressIP() + " on " + a.node();
      case EGRESS_IP_UNASSIGNED -> ns + " via EgressIP " + a.egressIP() + " (IP not assigned)";
      case NODE ->
          a.namespaces().isEmpty()
              ? "host traffic of node " + a.node()
              : ns
                  + (Boolean.TRUE.equals(a.ambiguous()) ? " (ambiguous)" : "")
                  + " via node "
                  + a.node();
      case POD -> ns + " pod " + (a.pods().isEmpty() ? "" : a.pods().get(0).name());
      case UNKNOWN -> "unknown";
    };
  }
}
