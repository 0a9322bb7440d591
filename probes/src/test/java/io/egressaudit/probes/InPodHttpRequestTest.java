package io.egressaudit.probes;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.probe.ExecOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The curl-then-wget logic, from exec results as the exec API gives them. */
class InPodHttpRequestTest {

  static final ProbeTarget POD = new ProbeTarget("simpson", "homer", "app", "w1");
  static final String URL = "http://192.168.126.1:8080/probe/abc";

  final List<List<String>> commands = new ArrayList<>();

  ExecOutcome get(Function<String, ExecResult> byClient) {
    PodExecutor exec =
        (t, cmd, timeout) -> {
          commands.add(cmd);
          return byClient.apply(cmd.get(0));
        };
    return InPodHttpRequest.get(exec, POD, URL, Duration.ofSeconds(10));
  }

  @Test
  void curlPrintsOnlyTheStatusCodeAndGetsASecondLessThanTheExec() {
    ExecOutcome o = get(c -> ExecResult.exited(0, "200", "", null));

    assertThat(o).isEqualTo(new ExecOutcome(ExecOutcome.Status.COMPLETED, "curl", 0, 200, null));
    assertThat(commands)
        .containsExactly(
            List.of(
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "9", URL));
  }

  @Test
  void curlExiting127FallsBackToWget() {
    ExecOutcome o =
        get(
            c ->
                c.equals("curl")
                    ? ExecResult.exited(127, "", "sh: curl: not found", null)
                    : ExecResult.exited(0, "", "", null));

    assertThat(o.client()).isEqualTo("wget");
    assertThat(o.status()).isEqualTo(ExecOutcome.Status.COMPLETED);
    assertThat(commands.get(1)).containsExactly("wget", "-q", "-O", "/dev/null", "-T", "9", URL);
  }

  @Test
  void anExecutableTheRuntimeCannotFindIsMissingToo() {
    ExecResult notFound =
        ExecResult.exited(
            -1,
            "",
            "",
            "OCI runtime exec failed: exec: \"curl\": executable file not found in $PATH");

    ExecOutcome o = get(c -> notFound);

    assertThat(o.status()).isEqualTo(ExecOutcome.Status.NO_HTTP_CLIENT);
    assertThat(o.detail()).startsWith("curl: exit -1 (OCI runtime exec failed");
  }

  @Test
  void aCurlErrorIsReportedWithItsMessageNotAsAMissingClient() {
    ExecOutcome o =
        get(
            c ->
                ExecResult.exited(
                    7, "000", "curl: (7) Failed to connect: Connection refused", null));

    assertThat(o)
        .isEqualTo(
            new ExecOutcome(
                ExecOutcome.Status.COMPLETED,
                "curl",
                7,
                null,
                "curl: (7) Failed to connect: Connection refused"));
    assertThat(commands).hasSize(1);
  }

  @Test
  void outputThatIsNotAStatusCodeIsUnparseable() {
    ExecOutcome o = get(c -> ExecResult.exited(0, "<html>hello</html>", "", null));

    assertThat(o.status()).isEqualTo(ExecOutcome.Status.UNPARSEABLE);
    assertThat(o.detail()).isEqualTo("'<html>hello</html>'");
  }

  @Test
  void aRefusedExecAndATimeoutAreNotMistakenForAMissingClient() {
    assertThat(get(c -> ExecResult.refused(403, "forbidden")))
        .isEqualTo(ExecOutcome.failed("HTTP 403: forbidden"));
    assertThat(get(c -> ExecResult.timedOut("", "")).status())
        .isEqualTo(ExecOutcome.Status.TIMED_OUT);
  }
}
