package io.egressaudit.correlator.probe;

import java.util.List;
import java.util.Objects;

/**
 * What a probe sent from one pod must show at the audit server.
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name
 * @param node the pod's node ({@code spec.nodeName}), or null when unknown
 * @param rule where the allowed sources come from
 * @param allowed the source IPs (and, from a policy, CIDR blocks) the probe may arrive from, sorted
 *     as given; empty for {@link ExpectationRule#MUST_NOT_ARRIVE} and {@link
 *     ExpectationRule#UNKNOWN}. For {@link ExpectationRule#EGRESS_IP_UNASSIGNED}: the node IPs the
 *     pod falls back to
 * @param egressIP the EgressIP object's name for {@code egress-ip} and {@code
 *     egress-ip-unassigned}; null otherwise
 * @param problem for {@code egress-ip-unassigned} and {@code unknown}, a sentence saying why this
 *     expectation fails or cannot be checked whatever the probe shows; null otherwise
 */
public record ProbeExpectation(
    String namespace,
    String pod,
    String node,
    ExpectationRule rule,
    List<AllowedSource> allowed,
    String egressIP,
    String problem) {

  /** Copies the list. */
  public ProbeExpectation {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(rule, "rule");
    allowed = allowed == null ? List.of() : List.copyOf(allowed);
  }

  /** True when the namespace must not reach the target at all. */
  public boolean mustNotArrive() {
    return rule == ExpectationRule.MUST_NOT_ARRIVE;
  }

  /**
   * Tells whether a probe that arrived from this source IP shows the expected egress.
   *
   * @param canonicalIp the source IP the audit server recorded, canonical
   * @return true when one of {@link #allowed} contains it; always false for {@code must-not-arrive}
   */
  public boolean allows(String canonicalIp) {
    return allowed.stream().anyMatch(a -> a.contains(canonicalIp));
  }

  /** The allowed sources as text, such as {@code 192.168.126.100, 192.168.126.101}. */
  public List<String> allowedText() {
    return allowed.stream().map(AllowedSource::toString).toList();
  }

  /**
   * The expectation in a few words, for tables and failure texts: {@code 192.168.126.100
   * (egressip-demo)}, {@code any of 192.168.126.100, 192.168.126.101 (egressip-demo, ECMP)}, {@code
   * node IP 192.168.126.53 (ocp-8vr6j-worker-0-82t6f)}, {@code policy: 10.0.0.0/8}, {@code must not
   * arrive}.
   */
  public String describe() {
    String ips = String.join(", ", allowedText());
    return switch (rule) {
      case EGRESS_IP ->
          allowed.size() > 1
              ? "any of " + ips + " (" + egressIP + ", ECMP)"
              : ips + " (" + egressIP + ")";
      case EGRESS_IP_UNASSIGNED -> "an egress IP of " + egressIP + " (none assigned)";
      case NODE -> "node IP " + ips + (node == null ? "" : " (" + node + ")");
      case POLICY -> "policy: " + ips;
      case MUST_NOT_ARRIVE -> "must not arrive";
      case UNKNOWN -> "unknown";
    };
  }
}
