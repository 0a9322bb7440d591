package io.egressaudit.correlator.anomaly;

/**
 * The rules that find something wrong in a cluster's EgressIP set-up, each named on the wire (JSON
 * {@code rule}, the {@code rule} label of {@code egress_audit_anomalies}) by {@link #toString()}.
 */
public enum AnomalyRule {
  /** A {@code status.items[].egressIP} not in {@code spec.egressIPs}: status kept an old IP. */
  ASSIGNED_IP_NOT_IN_SPEC("assigned-ip-not-in-spec"),
  /** One egress IP in the status of two or more nodes. */
  IP_ASSIGNED_TO_TWO_NODES("ip-assigned-to-two-nodes"),
  /** One egress IP in {@code spec.egressIPs} or status of two or more EgressIP objects. */
  IP_CLAIMED_BY_TWO_EGRESSIPS("ip-claimed-by-two-egressips"),
  /**
   * A namespace whose every pod is selected by two or more EgressIPs (no podSelector on them):
   * OVN-Kubernetes leaves which one wins undefined.
   */
  NAMESPACE_SELECTED_TWICE("namespace-selected-twice"),
  /** Pods selected by two or more EgressIPs through their podSelectors. */
  POD_SELECTED_TWICE("pod-selected-twice"),
  /**
   * An EgressIP with no assigned IP while pods it selects are running: they leave with node IPs.
   */
  UNASSIGNED_WITH_RUNNING_PODS("unassigned-with-running-pods"),
  /** EgressIPs exist and exactly one node is egress-assignable: no failover possible. */
  SINGLE_EGRESS_NODE("single-egress-node"),
  /** An egress IP outside the subnet of every egress-assignable node whose subnet is known. */
  EGRESS_IP_OUTSIDE_NODE_SUBNETS("egress-ip-outside-node-subnets"),
  /** An EgressIP assigned to a node that is NotReady or no longer exists. */
  ASSIGNED_NODE_NOT_READY("assigned-node-not-ready"),
  /** An EgressIP assigned to a node that no longer carries the egress-assignable label. */
  ASSIGNED_NODE_NOT_ASSIGNABLE("assigned-node-not-assignable");

  private final String wireName;

  AnomalyRule(String wireName) {
    this.wireName = wireName;
  }

  /** The wire name, such as {@code ip-assigned-to-two-nodes}. */
  @Override
  public String toString() {
    return wireName;
  }

  /**
   * Reads a wire name.
   *
   * @throws IllegalArgumentException naming the known rules for any other text
   */
  public static AnomalyRule fromWireName(String name) {
    for (AnomalyRule r : values()) {
      if (r.wireName.equals(name)) {
        return r;
      }
    }
    StringBuilder known = new StringBuilder();
    for (AnomalyRule r : values()) {
      known.append(known.isEmpty() ? "" : ", ").append(r.wireName);
    }
    throw new IllegalArgumentException("unknown anomaly rule '" + name + "'; known: " + known);
  }
}
