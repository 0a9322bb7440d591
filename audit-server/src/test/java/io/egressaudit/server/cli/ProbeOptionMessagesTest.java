package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-line messages of {@code probe} and {@code drill failover} for values a person gets wrong
 * on a CI job's command line: each names the option and says what to write, exit 2, before any
 * connection (the URLs given point nowhere).
 */
class ProbeOptionMessagesTest {

  @TempDir Path dir;

  record Run(int code, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, err.toString());
  }

  static Run drill(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "drill",
                "failover",
                "--egressip",
                "egressip-demo",
                "--target",
                "http://127.0.0.1:1",
                "--api",
                "http://127.0.0.1:1"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  static String firstLine(Run r) {
    return r.err().lines().findFirst().orElse("");
  }

  @Test
  void anApiWithoutSchemeIsAnsweredWithTheUrlItMeans() {
    Run r = drill("--api", "127.0.0.1:9090");

    assertThat(r.code()).isEqualTo(2);
    assertThat(firstLine(r))
        .isEqualTo(
            "egress-audit drill failover: Invalid value for option '--api': '127.0.0.1:9090' must"
                + " be an http(s) URL such as http://127.0.0.1:9090");
  }

  @Test
  void aTargetThatIsNotHttpIsAnsweredWithAnExample() {
    Run r = run("probe", "--target", "ftp://bastion", "--api", "http://127.0.0.1:1");

    assertThat(r.code()).isEqualTo(2);
    assertThat(firstLine(r))
        .isEqualTo(
            "egress-audit probe: Invalid value for option '--target': 'ftp://bastion' must be an"
                + " http(s) URL such as http://192.168.126.1:8080");
  }

  @Test
  void aMissingTokenFileSaysSoWithoutAJavaExceptionName() {
    Run r = drill("--api-token-file", dir.resolve("nonexist").toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(firstLine(r))
        .isEqualTo(
            "egress-audit drill failover: cannot read --api-token-file "
                + dir.resolve("nonexist")
                + ": no such file");
  }

  @Test
  void aMalformedKubeconfigSaysTheLineAndColumn() throws Exception {
    Path k =
        Files.writeString(
            dir.resolve("kubeconfig"),
            "apiVersion: v1\nclusters:\n- cluster:\n    server: https://x\n  name: [bad\n"
                + "contexts: {\n");

    Run r = drill("--kubeconfig", k.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(firstLine(r))
        .isEqualTo(
            "egress-audit drill failover: kubeconfig "
                + k
                + " is not a kubeconfig: line 6, column 9: expected ',' or ']', but got : (while"
                + " parsing a flow sequence at line 5, column 9)");
  }

  @Test
  void aKubeconfigFieldOfTheWrongTypeIsNamed() throws Exception {
    Path k = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\ncontexts: 5\n");

    Run r = drill("--kubeconfig", k.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(firstLine(r))
        .startsWith(
            "egress-audit drill failover: kubeconfig "
                + k
                + " is not a kubeconfig: field contexts: ");
  }

  @Test
  void anUnknownTriggerIsRefusedInTheWordsOfTheCommandLine() {
    Run r = drill("--trigger", "kill");

    assertThat(r.code()).isEqualTo(2);
    assertThat(firstLine(r))
        .isEqualTo(
            "egress-audit drill failover: Invalid value for option '--trigger': 'kill' is not a"
                + " trigger: use none or unlabel");
  }

  @Test
  void aNegativeDurationSaysWhatToWrite() {
    Run r = drill("--timeout", "-5s");

    assertThat(r.code()).isEqualTo(2);
    assertThat(firstLine(r))
        .isEqualTo(
            "egress-audit drill failover: Invalid value for option '--timeout': '-5s' is negative:"
                + " a duration has no sign (write 5s)");
  }

  static String help(String... command) {
    StringWriter out = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute(command)).isZero();
    return out.toString();
  }

  @Test
  void probeHelpGivesEachVerdictALineOfMeaningAndTheSignalExitCodes() {
    String help = help("probe", "--help");

    for (String verdict :
        List.of(
            "pass",
            "blocked-as-expected",
            "wrong-source",
            "not-arrived",
            "got-through",
            "egress-ip-unassigned",
            "exec-failed",
            "no-http-client",
            "no-ready-pod",
            "inconclusive",
            "no-pods")) {
      assertThat(help).containsPattern("(?m)^  " + verdict + " +\\S.*$");
    }
    assertThat(help)
        .contains("Errors fail the run as failures do (exit 1)")
        .contains("Ctrl-C or SIGTERM")
        .containsPattern("(?m)^  130 +stopped by Ctrl-C")
        .containsPattern("(?m)^  143 +stopped by SIGTERM")
        .contains("Default: 15s");
    assertThat(help.lines()).allMatch(l -> l.length() <= 80, "fits 80 columns");
  }

  @Test
  void drillHelpGivesEachFailureTypeALineOfMeaningTheCtrlCBehaviourAndTheSignalExitCodes() {
    String help = help("drill", "failover", "--help");

    for (String type :
        List.of(
            "failover",
            "outage",
            "outage-ongoing",
            "not-settled",
            "leak",
            "not-possible",
            "not-sent",
            "label-not-restored",
            "interrupted",
            "unreachable")) {
      assertThat(help).containsPattern("(?m)^  " + type + " +(failure|error): \\S.*$");
    }
    assertThat(help)
        .contains("it puts the label")
        .contains("Errors fail the drill as failures do")
        .containsPattern("(?m)^  130 +stopped by Ctrl-C")
        .containsPattern("(?m)^  143 +stopped by SIGTERM")
        .contains("Default: 5s (probe: 15s");
    assertThat(help.lines()).allMatch(l -> l.length() <= 80, "fits 80 columns");
  }
}
