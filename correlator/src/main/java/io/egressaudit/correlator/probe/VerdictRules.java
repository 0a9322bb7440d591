package io.egressaudit.correlator.probe;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges a probe from what was expected, how the exec went and which source IPs the audit server
 * recorded for the probe id. The rules, in order:
 *
 * <ol>
 *   <li>nothing could be expected ({@code unknown}), or the client's output could not be read:
 *       {@code inconclusive}, never a pass nor a wrong IP;
 *   <li>the EgressIP that selects the pod has no assigned IP: {@code egress-ip-unassigned},
 *       whatever arrived;
 *   <li>nothing arrived: {@code exec-failed} or {@code no-http-client} when the request could not
 *       be sent; else {@code blocked-as-expected} for a must-not-arrive namespace, {@code
 *       not-arrived} otherwise;
 *   <li>something arrived: {@code got-through} for a must-not-arrive namespace; {@code
 *       wrong-source} when any source IP is not allowed; else {@code pass}.
 * </ol>
 *
 * Evidence wins over the exec's account: a hit that arrived is judged by its source IP even when
 * the exec reported an error afterwards.
 */
public final class VerdictRules {

  private VerdictRules() {}

  /**
   * Judges one probe.
   *
   * @param e what the pod's probe must show
   * @param exec how the request inside the pod went
   * @param observed the source IPs the audit server recorded for the probe id; empty when none
   * @return the verdict and its sentence
   */
  public static ProbeVerdict judge(
      ProbeExpectation e, ExecOutcome exec, List<ObservedSource> observed) {
    String arrived = observed.isEmpty() ? null : arrivedFrom(observed);
    if (e.rule() == ExpectationRule.UNKNOWN) {
      return new ProbeVerdict(
          Verdict.INCONCLUSIVE,
          "nothing to compare with: "
              + e.problem()
              + (arrived == null ? "" : "; the probe arrived from " + arrived));
    }
    if (exec.status() == ExecOutcome.Status.UNPARSEABLE) {
      return new ProbeVerdict(
          Verdict.INCONCLUSIVE,
          exec.describe() + (arrived == null ? "" : "; the probe arrived from " + arrived));
    }
    if (e.rule() == ExpectationRule.EGRESS_IP_UNASSIGNED) {
      return new ProbeVerdict(
          Verdict.EGRESS_IP_UNASSIGNED,
          e.problem()
              + (arrived == null
                  ? "; the probe did not arrive (" + exec.describe() + ")"
                  : "; the probe arrived from " + arrived));
    }
    if (observed.isEmpty()) {
      return switch (exec.status()) {
        case FAILED -> new ProbeVerdict(Verdict.EXEC_FAILED, exec.describe());
        case NO_HTTP_CLIENT -> new ProbeVerdict(Verdict.NO_HTTP_CLIENT, exec.describe());
        default ->
            e.mustNotArrive()
                ? new ProbeVerdict(
                    Verdict.BLOCKED_AS_EXPECTED,
                    "did not arrive, as required (" + exec.describe() + ")")
                : new ProbeVerdict(
                    Verdict.NOT_ARRIVED,
                    "no request with the probe id reached the audit server ("
                        + exec.describe()
                        + "); expected from "
                        + e.describe());
      };
    }
    if (e.mustNotArrive()) {
      return new ProbeVerdict(
          Verdict.GOT_THROUGH,
          "arrived from " + arrived + ": " + e.namespace() + " must not reach the target");
    }
    List<ObservedSource> wrong = new ArrayList<>();
    List<ObservedSource> right = new ArrayList<>();
    for (ObservedSource o : observed) {
      (e.allows(o.ip()) ? right : wrong).add(o);
    }
    if (!wrong.isEmpty()) {
      String also = right.isEmpty() ? "" : " (and from allowed " + ips(right) + ")";
      return new ProbeVerdict(
          Verdict.WRONG_SOURCE,
          "arrived from "
              + arrivedFrom(wrong)
              + also
              + leak(e, wrong)
              + "; expected "
              + e.describe());
    }
    String ecmp =
        e.rule() == ExpectationRule.EGRESS_IP && e.allowed().size() > 1
            ? " (" + right.size() + " of " + e.allowed().size() + " assigned IPs seen)"
            : "";
    return new ProbeVerdict(Verdict.PASS, "arrived from " + arrivedFrom(right) + ecmp);
  }

  /**
   * The verdict for a namespace with no pod to probe from.
   *
   * @param namespace the namespace
   * @param why such as {@code no running, Ready pod (2 pods, none Ready)}
   */
  public static ProbeVerdict noReadyPod(String namespace, String why) {
    return new ProbeVerdict(Verdict.NO_READY_POD, namespace + " has " + why);
  }

  /**
   * The verdict for a namespace without any pod, when every namespace is checked: skipped.
   *
   * @param namespace the namespace
   * @param why such as {@code no pods}
   */
  public static ProbeVerdict noPods(String namespace, String why) {
    return new ProbeVerdict(Verdict.NO_PODS, namespace + " has " + why + ": nothing to probe");
  }

  /** {@code 127.0.0.53, node IP of w2 (...)}; IPs with their owners, joined. */
  private static String arrivedFrom(List<ObservedSource> sources) {
    List<String> parts = new ArrayList<>();
    for (ObservedSource o : sources) {
      parts.add(o.ip() + (o.hits() > 1 ? " (" + o.hits() + " requests)" : "") + ", " + o.owner());
    }
    return String.join("; ", parts);
  }

  private static String ips(List<ObservedSource> sources) {
    return String.join(", ", sources.stream().map(ObservedSource::ip).toList());
  }

  /** Names a leak: an egress-IP namespace seen with a node IP. */
  private static String leak(ProbeExpectation e, List<ObservedSource> wrong) {
    if (e.rule() != ExpectationRule.EGRESS_IP) {
      return "";
    }
    for (ObservedSource o : wrong) {
      for (Attribution a : o.owners()) {
        if (a.kind() == AttributionKind.NODE) {
          return ": a leak, " + e.namespace() + " left with a node IP instead of its egress IP";
        }
      }
    }
    return "";
  }
}
