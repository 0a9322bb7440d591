package io.egressaudit.correlator.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.PodRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictRulesTest {

  static final ProbeExpectation EGRESS =
      new ProbeExpectation(
          "simpson",
          "homer",
          "w1",
          ExpectationRule.EGRESS_IP,
          List.of(AllowedSource.parse("192.168.126.100")),
          "egressip-demo",
          null);
  static final ProbeExpectation ECMP =
      new ProbeExpectation(
          "simpson",
          "homer",
          "w1",
          ExpectationRule.EGRESS_IP,
          List.of(AllowedSource.parse("192.168.126.100"), AllowedSource.parse("192.168.126.101")),
          "egressip-demo",
          null);
  static final ProbeExpectation BLOCKED =
      new ProbeExpectation(
          "flanders", "ned", "w2", ExpectationRule.MUST_NOT_ARRIVE, List.of(), null, null);

  static final ExecOutcome CURL_200 =
      new ExecOutcome(ExecOutcome.Status.COMPLETED, "curl", 0, 200, null);
  static final ExecOutcome CURL_TIMEOUT =
      new ExecOutcome(
          ExecOutcome.Status.COMPLETED,
          "curl",
          28,
          null,
          "curl: (28) Connection timed out after 5001 milliseconds");

  static final Attribution EGRESS_OWNER =
      Attribution.builder(AttributionKind.EGRESS_IP)
          .cluster("demo")
          .egressIP("egressip-demo")
          .node("w1")
          .namespaces(List.of("simpson"))
          .pods(List.of(new PodRef("simpson", "homer")))
          .assignedIPs(List.of("192.168.126.100"))
          .build();
  static final Attribution NODE_OWNER =
      Attribution.builder(AttributionKind.NODE)
          .cluster("demo")
          .node("w1")
          .namespaces(List.of("bouvier"))
          .ambiguous(false)
          .leakSuspects(List.of("simpson"))
          .build();

  static ObservedSource seen(String ip, Attribution... owners) {
    return new ObservedSource(ip, 1, List.of(owners));
  }

  @Test
  void aProbeFromTheEgressIpPassesAndSaysWhoseItIs() {
    ProbeVerdict v =
        VerdictRules.judge(EGRESS, CURL_200, List.of(seen("192.168.126.100", EGRESS_OWNER)));

    assertThat(v.verdict()).isEqualTo(Verdict.PASS);
    assertThat(v.passed()).isTrue();
    assertThat(v.message())
        .isEqualTo("arrived from 192.168.126.100, egress IP of egressip-demo on w1 (simpson)");
  }

  @Test
  void anEcmpPassCountsTheAssignedIpsSeen() {
    ProbeVerdict v =
        VerdictRules.judge(
            ECMP,
            CURL_200,
            List.of(seen("192.168.126.100", EGRESS_OWNER), seen("192.168.126.101", EGRESS_OWNER)));

    assertThat(v.verdict()).isEqualTo(Verdict.PASS);
    assertThat(v.message()).endsWith("(2 of 2 assigned IPs seen)");
  }

  @Test
  void aNodeIpWhereAnEgressIpIsExpectedIsAWrongSourceNamedALeak() {
    ProbeVerdict v =
        VerdictRules.judge(EGRESS, CURL_200, List.of(seen("192.168.126.51", NODE_OWNER)));

    assertThat(v.verdict()).isEqualTo(Verdict.WRONG_SOURCE);
    assertThat(v.passed()).isFalse();
    assertThat(v.message())
        .isEqualTo(
            "arrived from 192.168.126.51, node IP of w1 (namespaces bouvier; should use an egress"
                + " IP: simpson): a leak, simpson left with a node IP instead of its egress IP;"
                + " expected 192.168.126.100 (egressip-demo)");
  }

  @Test
  void aThirdIpBesideEcmpIpsIsWrongEvenWhenAnAllowedOneWasAlsoSeen() {
    ProbeVerdict v =
        VerdictRules.judge(
            ECMP,
            CURL_200,
            List.of(seen("192.168.126.100", EGRESS_OWNER), seen("192.168.126.102")));

    assertThat(v.verdict()).isEqualTo(Verdict.WRONG_SOURCE);
    assertThat(v.message())
        .startsWith(
            "arrived from 192.168.126.102, unknown to the audit server (and from allowed"
                + " 192.168.126.100)");
  }

  @Test
  void nothingArrivedIsNotArrivedWithTheExecsAccount() {
    ProbeVerdict v = VerdictRules.judge(EGRESS, CURL_TIMEOUT, List.of());

    assertThat(v.verdict()).isEqualTo(Verdict.NOT_ARRIVED);
    assertThat(v.message())
        .isEqualTo(
            "no request with the probe id reached the audit server (curl exit 28 (curl:"
                + " (28) Connection timed out after 5001 milliseconds)); expected from"
                + " 192.168.126.100 (egressip-demo)");
  }

  @Test
  void anExecThatCouldNotRunIsExecFailedOrNoHttpClientNeverAWrongIp() {
    ProbeVerdict refused =
        VerdictRules.judge(
            EGRESS,
            ExecOutcome.failed("pods \"homer\" is forbidden: cannot create pods/exec"),
            List.of());
    ProbeVerdict noClient =
        VerdictRules.judge(
            EGRESS,
            new ExecOutcome(ExecOutcome.Status.NO_HTTP_CLIENT, null, null, null, null),
            List.of());

    assertThat(refused.verdict()).isEqualTo(Verdict.EXEC_FAILED);
    assertThat(refused.message()).contains("forbidden");
    assertThat(noClient.verdict()).isEqualTo(Verdict.NO_HTTP_CLIENT);
    assertThat(noClient.verdict().unchecked()).isTrue();
  }

  @Test
  void unreadableOutputIsInconclusiveEvenWhenTheProbeArrived() {
    ExecOutcome garbled =
        new ExecOutcome(ExecOutcome.Status.UNPARSEABLE, "curl", 0, null, "<html>");

    ProbeVerdict v =
        VerdictRules.judge(EGRESS, garbled, List.of(seen("192.168.126.100", EGRESS_OWNER)));

    assertThat(v.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(v.passed()).isFalse();
  }

  @Test
  void aMustNotArriveNamespaceIsBlockedAsExpectedWhenNothingArrivesAndGotThroughOtherwise() {
    ProbeVerdict blocked = VerdictRules.judge(BLOCKED, CURL_TIMEOUT, List.of());
    ProbeVerdict hole =
        VerdictRules.judge(BLOCKED, CURL_200, List.of(seen("192.168.126.53", NODE_OWNER)));

    assertThat(blocked.verdict()).isEqualTo(Verdict.BLOCKED_AS_EXPECTED);
    assertThat(blocked.passed()).isTrue();
    assertThat(hole.verdict()).isEqualTo(Verdict.GOT_THROUGH);
    assertThat(hole.message()).contains("flanders must not reach the target");
  }

  @Test
  void aMustNotArriveNamespaceWhoseExecFailedIsNotCountedAsBlocked() {
    ProbeVerdict v = VerdictRules.judge(BLOCKED, ExecOutcome.failed("pod gone"), List.of());

    assertThat(v.verdict()).isEqualTo(Verdict.EXEC_FAILED);
  }

  @Test
  void anUnassignedEgressIpFailsEvenWhenTheProbeArrivedFromTheNodeIpItFallsBackTo() {
    ProbeExpectation unassigned =
        new ProbeExpectation(
            "simpson",
            "homer",
            "w1",
            ExpectationRule.EGRESS_IP_UNASSIGNED,
            List.of(AllowedSource.parse("192.168.126.51")),
            "egressip-demo",
            "egressip-demo has no assigned IP: simpson leaves with its node IP 192.168.126.51");

    ProbeVerdict v =
        VerdictRules.judge(unassigned, CURL_200, List.of(seen("192.168.126.51", NODE_OWNER)));

    assertThat(v.verdict()).isEqualTo(Verdict.EGRESS_IP_UNASSIGNED);
    assertThat(v.message())
        .startsWith(
            "egressip-demo has no assigned IP: simpson leaves with its node IP 192.168.126.51;"
                + " the probe arrived from 192.168.126.51, node IP of w1");
  }

  @Test
  void evidenceWinsOverAnExecErrorAfterTheRequest() {
    ProbeVerdict v =
        VerdictRules.judge(
            EGRESS,
            ExecOutcome.failed("connection reset"),
            List.of(seen("192.168.126.100", EGRESS_OWNER)));

    assertThat(v.verdict()).isEqualTo(Verdict.PASS);
  }

  @Test
  void noReadyPodNamesTheNamespace() {
    assertThat(VerdictRules.noReadyPod("simpson", "no running, Ready pod").message())
        .isEqualTo("simpson has no running, Ready pod");
  }
}
