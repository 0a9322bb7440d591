package io.egressaudit.correlator;

import java.util.List;

/**
 * One source IP a namespace's traffic leaves the cluster with, as the cluster state says it must:
 * what a firewall rule for the namespace has to allow, and what a probe from its pods must see.
 *
 * @param cluster the cluster
 * @param ip the canonical source IP
 * @param kind {@link AttributionKind#EGRESS_IP} when an assigned EgressIP SNATs the pods to it,
 *     {@link AttributionKind#NODE} when the pods leave with their node's IP
 * @param egressIP the EgressIP object's name, for {@code egress-ip}
 * @param node the egress node holding the IP, or the node whose IP it is
 * @param pods the namespace's pods that leave with this IP, sorted
 */
public record ExpectedSource(
    String cluster,
    String ip,
    AttributionKind kind,
    String egressIP,
    String node,
    List<PodRef> pods) {

  /** Copies the pods. */
  public ExpectedSource {
    pods = List.copyOf(pods);
  }
}
