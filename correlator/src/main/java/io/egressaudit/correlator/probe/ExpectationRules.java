package io.egressaudit.correlator.probe;

import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.ExpectedSource;
import io.egressaudit.correlator.NamespaceSources;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.PodState;
import java.util.ArrayList;
import java.util.List;

/**
 * The source IPs a probe from one pod may arrive from, by the design's rules: a policy's rule for
 * the namespace when there is one; else the assigned IPs of the EgressIP that selects the pod (any
 * of them: ECMP); else the pod's node IP. An EgressIP that selects the pod but has no assigned IP
 * is an expectation of its own ({@link ExpectationRule#EGRESS_IP_UNASSIGNED}) that fails whatever
 * the probe shows: the pod leaves with its node IP instead of an egress IP.
 *
 * <p>The cluster rules are those of {@link NamespaceSources}, read for the one pod.
 */
public final class ExpectationRules {

  private ExpectationRules() {}

  /**
   * Works out what a probe from a pod must show.
   *
   * @param s the cluster's state when the probe is sent
   * @param namespace the pod's namespace
   * @param pod the pod's name
   * @param policy the policy file's rules, or null to use the cluster's only
   * @return the expectation; {@link ExpectationRule#UNKNOWN} with a {@code problem} when the
   *     snapshot does not know the pod, the pod is not scheduled, or its node has no address
   */
  public static ProbeExpectation forPod(
      ClusterSnapshot s, String namespace, String pod, ProbePolicy policy) {
    PodState state = find(s, namespace, pod);
    String node = state == null ? null : state.nodeName();
    ProbePolicy.NamespacePolicy rule = policy == null ? null : policy.rule(namespace);
    if (rule != null) {
      return rule.mustNotArrive()
          ? new ProbeExpectation(
              namespace, pod, node, ExpectationRule.MUST_NOT_ARRIVE, List.of(), null, null)
          : new ProbeExpectation(
              namespace, pod, node, ExpectationRule.POLICY, rule.allow(), null, null);
    }
    if (state == null) {
      return unknown(
          namespace, pod, null, "pod " + namespace + "/" + pod + " is not in the cluster state");
    }
    PodRef ref = new PodRef(namespace, pod);
    List<ExpectedSource> mine = new ArrayList<>();
    for (ExpectedSource e : NamespaceSources.of(namespace, s).sources()) {
      if (e.pods().contains(ref)) {
        mine.add(e);
      }
    }
    List<AllowedSource> egress = new ArrayList<>();
    List<AllowedSource> nodeIps = new ArrayList<>();
    String egressIp = null;
    for (ExpectedSource e : mine) {
      if (e.kind() == AttributionKind.EGRESS_IP) {
        egress.add(AllowedSource.parse(e.ip()));
        egressIp = e.egressIP();
      } else {
        nodeIps.add(AllowedSource.parse(e.ip()));
      }
    }
    if (!egress.isEmpty()) {
      return new ProbeExpectation(
          namespace, pod, node, ExpectationRule.EGRESS_IP, egress, egressIp, null);
    }
    if (node == null) {
      return unknown(
          namespace,
          pod,
          null,
          "pod " + namespace + "/" + pod + " is not scheduled: it has no node IP yet");
    }
    EgressIpState unassigned = unassignedSelecting(s, state);
    if (nodeIps.isEmpty()) {
      return unknown(
          namespace,
          pod,
          node,
          "node " + node + " of pod " + namespace + "/" + pod + " has no known address");
    }
    if (unassigned != null) {
      String ips = String.join(", ", nodeIps.stream().map(AllowedSource::toString).toList());
      return new ProbeExpectation(
          namespace,
          pod,
          node,
          ExpectationRule.EGRESS_IP_UNASSIGNED,
          nodeIps,
          unassigned.name(),
          unassigned.name()
              + " has no assigned IP: "
              + namespace
              + " leaves with its node IP "
              + ips
              + " ("
              + node
              + ") instead of one of "
              + String.join(", ", unassigned.egressIPs()));
    }
    return new ProbeExpectation(namespace, pod, node, ExpectationRule.NODE, nodeIps, null, null);
  }

  private static ProbeExpectation unknown(String ns, String pod, String node, String problem) {
    return new ProbeExpectation(ns, pod, node, ExpectationRule.UNKNOWN, List.of(), null, problem);
  }

  private static PodState find(ClusterSnapshot s, String namespace, String pod) {
    for (PodState p : s.pods()) {
      if (p.namespace().equals(namespace) && p.name().equals(pod)) {
        return p;
      }
    }
    return null;
  }

  /** The first (by name) EgressIP without assigned IP that would carry the pod, or null. */
  private static EgressIpState unassignedSelecting(ClusterSnapshot s, PodState pod) {
    NamespaceState ns = s.namespace(pod.namespace());
    EgressIpState found = null;
    for (EgressIpState e : s.egressIps()) {
      if (!e.assigned()
          && e.selects(pod, ns)
          && (found == null || e.name().compareTo(found.name()) < 0)) {
        found = e;
      }
    }
    return found;
  }

  /**
   * The namespaces an assigned or unassigned EgressIP's namespaceSelector matches: those a probe
   * run checks by default.
   *
   * @param s the cluster's state
   * @return namespace names, sorted, without duplicates
   */
  public static List<String> namespacesSelectedByEgressIps(ClusterSnapshot s) {
    java.util.TreeSet<String> names = new java.util.TreeSet<>();
    for (EgressIpState e : s.egressIps()) {
      for (NamespaceState ns : s.namespaces()) {
        if (e.selects(ns)) {
          names.add(ns.name());
        }
      }
    }
    return List.copyOf(names);
  }
}
