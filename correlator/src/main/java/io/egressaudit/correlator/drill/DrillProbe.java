package io.egressaudit.correlator.drill;

import io.egressaudit.correlator.PodRef;
import java.time.Instant;
import java.util.Set;

/**
 * One probe of a failover drill, as the runner saw it: a request sent from inside a pod to the hit
 * listener, and what the audit server recorded for its probe id.
 *
 * @param pod the pod the request was sent from
 * @param podNode the node the pod runs on ({@code spec.nodeName})
 * @param sentAt when the runner started the pod exec that sent the request
 * @param arrival whether the request arrived, did not, or could not be sent
 * @param sourceIp the canonical source IP the audit server recorded; null unless {@link
 *     Arrival#ARRIVED}
 * @param allowedIps the canonical source IPs the namespace may leave with at {@code sentAt}: for a
 *     drill, the EgressIP's {@code spec.egressIPs}
 * @param sourceOwner whose IP {@code sourceIp} is, in words (the audit server's whois of it, e.g.
 *     "node ocp-8vr6j-worker-0-sl79n"); null when unknown
 * @param detail why the probe was not sent (the exec's message), or null
 */
public record DrillProbe(
    PodRef pod,
    String podNode,
    Instant sentAt,
    Arrival arrival,
    String sourceIp,
    Set<String> allowedIps,
    String sourceOwner,
    String detail) {

  /** Copies the allowed IPs. */
  public DrillProbe {
    allowedIps = allowedIps == null ? Set.of() : Set.copyOf(allowedIps);
  }

  /** What became of a probe's request. */
  public enum Arrival {
    /** The audit server recorded a hit with the probe's id. */
    ARRIVED,
    /** The request was sent (or timed out in the pod) but no hit carries the probe's id. */
    NOT_ARRIVED,
    /**
     * The request could not be sent or its outcome cannot be told (exec failed, no HTTP client in
     * the image, unreadable output): the probe says nothing about egress and is left out of outages
     * and settling.
     */
    NOT_SENT
  }

  /** The probe's namespace. */
  public String namespace() {
    return pod.namespace();
  }

  /** True when the request arrived from one of the allowed IPs. */
  public boolean good() {
    return arrival == Arrival.ARRIVED && allowedIps.contains(sourceIp);
  }

  /** True when the request arrived from an IP the namespace may not leave with. */
  public boolean leaked() {
    return arrival == Arrival.ARRIVED && !allowedIps.contains(sourceIp);
  }
}
