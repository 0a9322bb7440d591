package io.egressaudit.probes;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.probe.AllowedSource;
import io.egressaudit.correlator.probe.ExecOutcome;
import io.egressaudit.correlator.probe.ExpectationRule;
import io.egressaudit.correlator.probe.ObservedSource;
import io.egressaudit.correlator.probe.ProbeExpectation;
import io.egressaudit.correlator.probe.ProbeVerdict;
import io.egressaudit.correlator.probe.VerdictRules;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A probe run with one result of each kind a report must show, with fixed times and ids. */
final class ReportFixtures {

  static final Instant T0 = Instant.parse("2021-11-26T17:53:13Z");

  static final Attribution EGRESS =
      Attribution.builder(AttributionKind.EGRESS_IP)
          .cluster("demo")
          .egressIP("egressip-demo")
          .node("ocp-8vr6j-worker-0-sl79n")
          .namespaces(List.of("simpson"))
          .pods(List.of(new PodRef("simpson", "homer-deployment-5b7857cc48-fs2w4")))
          .since(Instant.parse("2021-11-26T17:40:43Z"))
          .assignedIPs(List.of("192.168.126.100"))
          .build();
  static final Attribution NODE =
      Attribution.builder(AttributionKind.NODE)
          .cluster("demo")
          .node("ocp-8vr6j-worker-0-sl79n")
          .since(Instant.parse("2021-11-08T10:14:27Z"))
          .ambiguous(false)
          .leakSuspects(List.of("simpson"))
          .build();

  static final ProbeTarget HOMER =
      new ProbeTarget(
          "simpson",
          "homer-deployment-5b7857cc48-fs2w4",
          "container-helper",
          "ocp-8vr6j-worker-0-sl79n");
  static final ProbeTarget MARGE =
      new ProbeTarget(
          "simpson",
          "marge-deployment-75474c9ff-jpkkv",
          "container-helper",
          "ocp-8vr6j-worker-0-sl79n");
  static final ProbeTarget PATTY =
      new ProbeTarget(
          "bouvier",
          "patty-deployment-6b9c8d7f5-k2xqz",
          "container-helper",
          "ocp-8vr6j-worker-0-82t6f");
  static final ProbeTarget NED =
      new ProbeTarget("flanders", "ned-0", "main", "ocp-8vr6j-worker-0-kvxr9");

  static final ProbeExpectation SIMPSON =
      new ProbeExpectation(
          "simpson",
          HOMER.pod(),
          HOMER.node(),
          ExpectationRule.EGRESS_IP,
          List.of(AllowedSource.parse("192.168.126.100")),
          "egressip-demo",
          null);

  static final ExecOutcome CURL_200 =
      new ExecOutcome(ExecOutcome.Status.COMPLETED, "curl", 0, 200, null);

  static ProbeAttempt attempt(
      String id, int secondsIn, ProbeExpectation e, ExecOutcome exec, ObservedSource... seen) {
    List<ObservedSource> observed = List.of(seen);
    return new ProbeAttempt(
        id,
        T0.plusSeconds(secondsIn),
        Duration.ofMillis(412),
        exec,
        observed,
        VerdictRules.judge(e, exec, observed));
  }

  static ProbeReport report() {
    ObservedSource egress = new ObservedSource("192.168.126.100", 1, List.of(EGRESS));
    ObservedSource leak = new ObservedSource("192.168.126.51", 1, List.of(NODE));
    ProbeAttempt pass = attempt("aaaaaaaaaaaaaaaaaaaa", 0, SIMPSON, CURL_200, egress);
    ProbeExpectation marge =
        new ProbeExpectation(
            "simpson",
            MARGE.pod(),
            MARGE.node(),
            ExpectationRule.EGRESS_IP,
            SIMPSON.allowed(),
            "egressip-demo",
            null);
    List<ProbeAttempt> leaking =
        List.of(
            attempt("bbbbbbbbbbbbbbbbbbbb", 0, marge, CURL_200, leak),
            attempt("cccccccccccccccccccc", 1, marge, CURL_200, leak));
    List<ProbeAttempt> converging =
        List.of(
            attempt("dddddddddddddddddddd", 0, SIMPSON, CURL_200, leak),
            attempt("eeeeeeeeeeeeeeeeeeee", 1, SIMPSON, CURL_200, egress));
    ProbeExpectation blocked =
        new ProbeExpectation(
            "flanders",
            NED.pod(),
            NED.node(),
            ExpectationRule.MUST_NOT_ARRIVE,
            List.of(),
            null,
            null);
    ProbeAttempt refused =
        attempt(
            "ffffffffffffffffffff",
            0,
            blocked,
            ExecOutcome.failed(
                "HTTP 403: pods \"ned-0\" is forbidden: <exec> & \"quotes\"\u0007 not allowed"));
    ProbeExpectation bouvierBlocked =
        new ProbeExpectation(
            "bouvier",
            PATTY.pod(),
            PATTY.node(),
            ExpectationRule.MUST_NOT_ARRIVE,
            List.of(),
            null,
            null);
    ProbeAttempt blockedAttempt =
        attempt(
            "gggggggggggggggggggg",
            0,
            bouvierBlocked,
            new ExecOutcome(
                ExecOutcome.Status.COMPLETED,
                "curl",
                7,
                null,
                "curl: (7) Failed to connect to 192.168.126.1 port 8080: Connection refused"));
    return new ProbeReport(
        "demo",
        "http://192.168.126.1:8080",
        "http://127.0.0.1:9090",
        "policy.yaml",
        T0,
        T0.plusMillis(2345),
        List.of(
            new ProbeResult(
                "bouvier",
                PATTY,
                bouvierBlocked,
                List.of(blockedAttempt),
                blockedAttempt.verdict(),
                Duration.ofMillis(412),
                Duration.ofMillis(412)),
            new ProbeResult(
                "flanders",
                NED,
                blocked,
                List.of(refused),
                refused.verdict(),
                Duration.ofMillis(412),
                null),
            new ProbeResult(
                "krusty",
                null,
                null,
                List.of(),
                VerdictRules.noReadyPod("krusty", "no running, Ready pod (1 pod: 1 Pending)"),
                Duration.ZERO,
                null),
            new ProbeResult(
                "simpson",
                HOMER,
                SIMPSON,
                List.of(pass),
                pass.verdict(),
                Duration.ofMillis(412),
                Duration.ofMillis(412)),
            new ProbeResult(
                "simpson",
                MARGE,
                marge,
                leaking,
                ProbeRunner.summarize(leaking, Duration.ofMillis(1412)),
                Duration.ofMillis(1412),
                null),
            new ProbeResult(
                "springfield",
                new ProbeTarget("springfield", "bart-0", "main", "ocp-8vr6j-worker-0-sl79n"),
                SIMPSON,
                converging,
                ProbeRunner.summarize(converging, Duration.ofMillis(1412)),
                Duration.ofMillis(1412),
                Duration.ofMillis(1412))),
        List.of("a note about the run"));
  }

  static ProbeVerdict verdictOf(ProbeReport r, String name) {
    return r.results().stream()
        .filter(x -> x.name().equals(name))
        .findFirst()
        .orElseThrow()
        .verdict();
  }

  private ReportFixtures() {}
}
