package io.egressaudit.correlator.probe;

import io.egressaudit.correlator.Attribution;
import java.util.ArrayList;
import java.util.List;

/** Says in words whose a source IP is, from the audit server's attribution of it. */
public final class Owners {

  private Owners() {}

  /**
   * Describes attribution matches for a verdict's text.
   *
   * @param matches the whois matches of one IP
   * @return such as {@code egress IP of egressip-demo on ocp-8vr6j-worker-0-sl79n (simpson)},
   *     {@code node IP of ocp-8vr6j-worker-0-82t6f (namespaces bouvier; should use an egress IP:
   *     simpson)}, {@code unknown to the audit server}; matches joined with {@code ; }
   */
  public static String describe(List<Attribution> matches) {
    List<String> parts = new ArrayList<>();
    for (Attribution a : matches) {
      parts.add(describe(a));
    }
    return parts.isEmpty() ? "unknown to the audit server" : String.join("; ", parts);
  }

  private static String describe(Attribution a) {
    String ns = a.namespaces().isEmpty() ? "" : String.join(", ", a.namespaces());
    return switch (a.kind()) {
      case EGRESS_IP ->
          "egress IP of "
              + a.egressIP()
              + (a.node() != null ? " on " + a.node() : "")
              + (ns.isEmpty() ? "" : " (" + ns + ")");
      case EGRESS_IP_UNASSIGNED ->
          "egress IP of " + a.egressIP() + ", not assigned" + (ns.isEmpty() ? "" : " (" + ns + ")");
      case NODE -> {
        StringBuilder b = new StringBuilder("node IP of " + a.node());
        List<String> inside = new ArrayList<>();
        if (!ns.isEmpty()) {
          inside.add("namespaces " + ns);
        }
        if (a.leakSuspects() != null && !a.leakSuspects().isEmpty()) {
          inside.add("should use an egress IP: " + String.join(", ", a.leakSuspects()));
        }
        if (!inside.isEmpty()) {
          b.append(" (").append(String.join("; ", inside)).append(')');
        }
        yield b.toString();
      }
      case POD ->
          "pod IP of "
              + (a.pods().isEmpty()
                  ? ns
                  : a.pods().get(0).namespace() + "/" + a.pods().get(0).name());
      case UNKNOWN -> "unknown to the audit server";
    };
  }
}
