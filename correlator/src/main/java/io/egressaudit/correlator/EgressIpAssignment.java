package io.egressaudit.correlator;

/**
 * One item of an EgressIP's {@code status.items}: OVN-Kubernetes has assigned {@code egressIP} to
 * the egress node {@code node}, which SNATs the selected pods' traffic to it.
 *
 * @param egressIP the canonical egress IP
 * @param node the egress node's name
 */
public record EgressIpAssignment(String egressIP, String node) {}
