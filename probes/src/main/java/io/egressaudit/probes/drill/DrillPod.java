package io.egressaudit.probes.drill;

import io.egressaudit.correlator.PodRef;

/**
 * A pod a drill probes from.
 *
 * @param pod the pod
 * @param node the node it runs on ({@code spec.nodeName})
 * @param onEgressNode true when that node held the egress IP when the drill started
 */
public record DrillPod(PodRef pod, String node, boolean onEgressNode) {}
