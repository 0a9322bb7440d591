package io.egressaudit.correlator.probe;

/** Where a probe's expected source IPs come from; {@link #toString()} is the wire name. */
public enum ExpectationRule {
  /** An assigned EgressIP selects the pod: any of its assigned IPs (ECMP over several). */
  EGRESS_IP("egress-ip"),
  /**
   * An EgressIP selects the pod but has no assigned IP: the pod falls back to its node IP, and that
   * is a failure of its own.
   */
  EGRESS_IP_UNASSIGNED("egress-ip-unassigned"),
  /** No EgressIP selects the pod: its node's IP. */
  NODE("node"),
  /** A policy file lists the allowed source IPs and CIDR blocks of the namespace. */
  POLICY("policy"),
  /** A policy file says the namespace must not reach the target at all. */
  MUST_NOT_ARRIVE("must-not-arrive"),
  /** Nothing can be expected: the pod is unknown, unscheduled, or its node has no address. */
  UNKNOWN("unknown");

  private final String wireName;

  ExpectationRule(String wireName) {
    this.wireName = wireName;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
