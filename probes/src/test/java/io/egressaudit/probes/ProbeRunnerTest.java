package io.egressaudit.probes;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.probe.ObservedSource;
import io.egressaudit.correlator.probe.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries and parallelism with a scripted pod and audit server. */
class ProbeRunnerTest {

  /** The n-th request leaves from the n-th IP (the last repeats); an IP of null arrives nowhere. */
  static final class Script implements PodExecutor, ProbeArrivals {
    final List<String> sources;
    final AtomicInteger sent = new AtomicInteger();
    final Map<String, String> arrived = new ConcurrentHashMap<>();

    Script(String... sources) {
      this.sources = java.util.Arrays.asList(sources);
    }

    @Override
    public ExecResult exec(ProbeTarget t, List<String> command, Duration timeout) {
      int n = sent.getAndIncrement();
      String ip = sources.get(Math.min(n, sources.size() - 1));
      String url = command.get(command.size() - 1);
      if (ip != null) {
        arrived.put(url.substring(url.lastIndexOf('/') + 1), ip);
      }
      return ExecResult.exited(0, "200", "", null);
    }

    @Override
    public List<ObservedSource> observed(String probeId) {
      String ip = arrived.get(probeId);
      return ip == null ? List.of() : List.of(new ObservedSource(ip, 1, List.of()));
    }
  }

  static ProbeRunner runner(Script s, Duration retryFor) {
    return new ProbeRunner(
        new Prober(s, s, "http://192.168.126.1:8080/", Duration.ofSeconds(5), Clock.systemUTC()),
        new ProbeRunner.Settings(retryFor, Duration.ofMillis(10), 2));
  }

  @Test
  void aCleanPassTakesOneAttempt() {
    Script s = new Script("192.168.126.100");

    ProbeResult r =
        runner(s, Duration.ofSeconds(5))
            .probeWithRetries(ReportFixtures.HOMER, ReportFixtures.SIMPSON);

    assertThat(r.verdict().verdict()).isEqualTo(Verdict.PASS);
    assertThat(r.passedAfterRetries()).isFalse();
    assertThat(r.attempts()).hasSize(1);
    assertThat(r.timeToPass()).isNotNull();
  }

  @Test
  void retriesThatConvergeReportEveryAttemptAndNeverACleanPass() {
    Script s = new Script(null, "192.168.126.51", "192.168.126.100");

    ProbeResult r =
        runner(s, Duration.ofSeconds(30))
            .probeWithRetries(ReportFixtures.HOMER, ReportFixtures.SIMPSON);

    assertThat(r.verdict().verdict()).isEqualTo(Verdict.PASS);
    assertThat(r.passedAfterRetries()).isTrue();
    assertThat(r.attempts())
        .extracting(a -> a.verdict().verdict())
        .containsExactly(Verdict.NOT_ARRIVED, Verdict.WRONG_SOURCE, Verdict.PASS);
    assertThat(r.verdict().message())
        .matches(
            "passed after 3 attempts, \\d+\\.\\d s \\(earlier: not-arrived, wrong-source\\):"
                + " arrived from 192.168.126.100.*");
    assertThat(r.attempts()).extracting(ProbeAttempt::probeId).doesNotHaveDuplicates();
  }

  @Test
  void retriesThatDoNotConvergeStopAtRetryForAndKeepTheFailure() {
    Script s = new Script("192.168.126.51");

    ProbeResult r =
        runner(s, Duration.ofMillis(200))
            .probeWithRetries(ReportFixtures.HOMER, ReportFixtures.SIMPSON);

    assertThat(r.verdict().verdict()).isEqualTo(Verdict.WRONG_SOURCE);
    assertThat(r.attempts().size()).isGreaterThan(1);
    assertThat(r.verdict().message()).startsWith("still wrong-source after " + r.attempts().size());
    assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(5));
    assertThat(r.timeToPass()).isNull();
  }

  @Test
  void withoutRetryForAFailureIsFinalAtOnce() {
    Script s = new Script("192.168.126.51", "192.168.126.100");

    ProbeResult r =
        runner(s, Duration.ZERO).probeWithRetries(ReportFixtures.HOMER, ReportFixtures.SIMPSON);

    assertThat(r.attempts()).hasSize(1);
    assertThat(r.verdict().verdict()).isEqualTo(Verdict.WRONG_SOURCE);
  }

  @Test
  void aVerdictWaitingCannotChangeIsNotRetried() {
    assertThat(ProbeRunner.retryable(Verdict.EXEC_FAILED)).isFalse();
    assertThat(ProbeRunner.retryable(Verdict.GOT_THROUGH)).isFalse();
    assertThat(ProbeRunner.retryable(Verdict.NO_HTTP_CLIENT)).isFalse();
    assertThat(ProbeRunner.retryable(Verdict.NOT_ARRIVED)).isTrue();
  }

  @Test
  void aPlanGivesOneResultPerTargetAndPerNamespaceWithoutPod() {
    Script s = new Script("192.168.126.100");
    ProbePlan plan =
        new ProbePlan(
            List.of("krusty", "simpson"),
            List.of(ReportFixtures.HOMER, ReportFixtures.MARGE),
            List.of(new ProbePlan.Unprobeable("krusty", "no pods")));

    List<ProbeResult> results = runner(s, Duration.ZERO).run(plan, t -> ReportFixtures.SIMPSON);

    assertThat(results)
        .extracting(ProbeResult::name, r -> r.verdict().verdict())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("krusty", Verdict.NO_READY_POD),
            org.assertj.core.groups.Tuple.tuple(ReportFixtures.HOMER.name(), Verdict.PASS),
            org.assertj.core.groups.Tuple.tuple(ReportFixtures.MARGE.name(), Verdict.PASS));
  }
}
