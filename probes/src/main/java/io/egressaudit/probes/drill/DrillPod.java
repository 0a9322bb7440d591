package io.egressaudit.probes.drill;

import io.egressaudit.correlator.PodRef;
import io.egressaudit.probes.ProbeTarget;

/**
 * A pod a drill probes from.
 *
 * @param target the pod, its container and node
 * @param onEgressNode true when its node held the egress IP when the drill started
 */
public record DrillPod(ProbeTarget target, boolean onEgressNode) {

  /** The pod as the correlator names it. */
  public PodRef pod() {
    return new PodRef(target.namespace(), target.pod());
  }

  /** The node it runs on. */
  public String node() {
    return target.node();
  }
}
