package io.egressaudit.server.cli;

import io.egressaudit.correlator.Attribution;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One-line human summaries of attributions, for table output. A list of more than {@value #NAMES}
 * names (the candidate namespaces of a crowded node, its leak suspects) shows its first names and
 * how many more: the JSON and CSV outputs carry them all.
 */
final class AttributionText {

  /** Most names a list shows in a table cell. */
  static final int NAMES = 5;

  private AttributionText() {}

  static String summary(List<Attribution> matches) {
    return summary(matches, null);
  }

  /**
   * The matches in a line.
   *
   * @param focus a namespace to name first in every list that holds it (the one a listing is
   *     filtered by), or null
   */
  static String summary(List<Attribution> matches, String focus) {
    return matches.stream().map(a -> summary(a, focus)).collect(Collectors.joining("; "));
  }

  /**
   * One match in a line: who owns the IP, then, for a node IP while namespaces with pods on the
   * node should leave through an EgressIP, {@code leak? simpson should leave through
   * egressip-demo}.
   */
  static String summary(Attribution a) {
    return summary(a, null);
  }

  private static String summary(Attribution a, String focus) {
    String owner = owner(a, focus);
    if (a.leakSuspects() == null || a.leakSuspects().isEmpty()) {
      return owner;
    }
    return owner
        + "; leak? "
        + names(a.leakSuspects(), focus)
        + " should leave through "
        + (a.leakEgressIPs() == null || a.leakEgressIPs().isEmpty()
            ? "an EgressIP"
            : names(a.leakEgressIPs(), null));
  }

  /**
   * The names joined by commas; past {@value #NAMES}, the first ones ({@code focus} first when the
   * list holds it) and {@code and N more}.
   */
  static String names(List<String> names, String focus) {
    if (names.size() <= NAMES) {
      return String.join(",", names);
    }
    List<String> shown = new ArrayList<>(NAMES);
    if (focus != null && names.contains(focus)) {
      shown.add(focus);
    }
    for (String n : names) {
      if (shown.size() == NAMES - 2) {
        break;
      }
      if (!n.equals(focus)) {
        shown.add(n);
      }
    }
    return String.join(",", shown) + " and " + (names.size() - shown.size()) + " more";
  }

  private static String owner(Attribution a, String focus) {
    String ns = a.namespaces().isEmpty() ? "no namespace" : names(a.namespaces(), focus);
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
