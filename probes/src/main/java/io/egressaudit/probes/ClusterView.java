package io.egressaudit.probes;

import io.egressaudit.correlator.ClusterSnapshot;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * What a probe run reads from the cluster once, before probing.
 *
 * @param snapshot every node, namespace, pod and EgressIP, for expectations
 * @param pods the pods a probe may be sent from (those matching {@code --selector}, all when none),
 *     as fabric8 objects: the planner needs their readiness and containers, which the correlator's
 *     model does not keep
 * @param notes remarks for the user, such as {@code no EgressIP objects: k8s.ovn.org/v1 EgressIP is
 *     not served}
 */
public record ClusterView(ClusterSnapshot snapshot, List<Pod> pods, List<String> notes) {

  /** Copies the lists. */
  public ClusterView {
    pods = List.copyOf(pods);
    notes = List.copyOf(notes);
  }
}
