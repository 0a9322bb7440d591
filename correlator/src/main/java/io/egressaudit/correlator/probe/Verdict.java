package io.egressaudit.correlator.probe;

/** The outcome of a probe; {@link #toString()} is the wire name used in reports. */
public enum Verdict {
  /** Arrived, and only from allowed source IPs. */
  PASS("pass", true),
  /** Arrived from a source IP that is not allowed. */
  WRONG_SOURCE("wrong-source", false),
  /** The request ran (or timed out) but no hit with the probe id reached the audit server. */
  NOT_ARRIVED("not-arrived", false),
  /** The exec API refused or broke: forbidden, pod gone, container not running. */
  EXEC_FAILED("exec-failed", false),
  /** The container has neither curl nor wget. */
  NO_HTTP_CLIENT("no-http-client", false),
  /** The namespace has no running, Ready pod to probe from. */
  NO_READY_POD("no-ready-pod", false),
  /**
   * The namespace has no pod at all (with {@code --all-namespaces}: {@code default}, {@code
   * kube-public}): nothing leaves it, so there is nothing to check. Neither passes nor fails.
   */
  NO_PODS("no-pods", false),
  /** The outcome cannot be judged (unreadable output, nothing to expect). */
  INCONCLUSIVE("inconclusive", false),
  /** A must-not-arrive namespace's probe did not arrive. */
  BLOCKED_AS_EXPECTED("blocked-as-expected", true),
  /** A must-not-arrive namespace's probe arrived: a hole in the firewall. */
  GOT_THROUGH("got-through", false),
  /** The EgressIP that selects the namespace has no assigned IP: its pods leave with node IPs. */
  EGRESS_IP_UNASSIGNED("egress-ip-unassigned", false);

  private final String wireName;
  private final boolean passing;

  Verdict(String wireName, boolean passing) {
    this.wireName = wireName;
    this.passing = passing;
  }

  /** True for {@code pass} and {@code blocked-as-expected}. */
  public boolean passing() {
    return passing;
  }

  /** True for {@code no-pods}: nothing to check; counted apart, and never fails a run. */
  public boolean skipped() {
    return this == NO_PODS;
  }

  /**
   * True when the probe could not check the egress at all (the mechanism failed, not the egress):
   * JUnit reports these as errors rather than failures.
   */
  public boolean unchecked() {
    return this == EXEC_FAILED
        || this == NO_HTTP_CLIENT
        || this == NO_READY_POD
        || this == INCONCLUSIVE;
  }

  /**
   * Reads a wire name.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static Verdict fromWireName(String name) {
    for (Verdict v : values()) {
      if (v.wireName.equals(name)) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown verdict '" + name + "'");
  }

  @Override
  public String toString() {
    return wireName;
  }
}
