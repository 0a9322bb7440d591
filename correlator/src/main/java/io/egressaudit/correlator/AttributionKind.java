package io.egressaudit.correlator;

/** Which attribution rule matched a source IP; {@link #toString()} is the wire name. */
public enum AttributionKind {
  /** The IP is assigned to an EgressIP object ({@code status.items[].egressIP}). */
  EGRESS_IP("egress-ip"),
  /** The IP is in an EgressIP's {@code spec.egressIPs} but not assigned at that time. */
  EGRESS_IP_UNASSIGNED("egress-ip-unassigned"),
  /** The IP is a node address: pod traffic SNATed to the node IP, or host traffic. */
  NODE("node"),
  /** The IP is a pod IP: a routed, un-NATed pod network. */
  POD("pod"),
  /** Nothing known owns the IP. */
  UNKNOWN("unknown");

  private final String wireName;

  AttributionKind(String wireName) {
    this.wireName = wireName;
  }

  /**
   * Reads a wire name.
   *
   * @param wireName such as {@code egress-ip}
   * @return the kind
   * @throws IllegalArgumentException for any other text
   */
  public static AttributionKind fromWireName(String wireName) {
    for (AttributionKind k : values()) {
      if (k.wireName.equals(wireName)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown attribution kind '" + wireName + "'");
  }

  /**
   * Every kind's wire name, in declaration order, as a sentence lists them: {@code egress-ip,
   * egress-ip-unassigned, node, pod or unknown} (for errors that name the kinds a value may be).
   */
  public static String wireNames() {
    AttributionKind[] all = values();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < all.length; i++) {
      sb.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].wireName);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
