package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --kubeconfig/--context} refuses what it cannot use before anything starts. */
class ServeKubeconfigTest {

  static final String KUBECONFIG =
      """
      apiVersion: v1
      kind: Config
      clusters:
      - name: c
        cluster: {server: "https://api.prod.example:6443"}
      users:
      - name: u
        user: {token: not-a-real-token}
      contexts:
      - name: prod
        context: {cluster: c, user: u}
      current-context: prod
      """;

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run serve(String... options) {
    String[] args = new String[options.length + 7];
    args[0] = "serve";
    System.arraycopy(options, 0, args, 1, options.length);
    String[] rest = {
      "--db", dir.resolve("audit.db").toString(), "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0"
    };
    System.arraycopy(rest, 0, args, options.length + 1, rest.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void anUnreadableKubeconfigIsAOneLineFailure() {
    Path missing = dir.resolve("nonexistent");

    Run r = serve("--kubeconfig", missing.toString());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "egress-audit serve: cannot read kubeconfig "
                + missing
                + ": no such file"
                + System.lineSeparator());
    assertThat(dir.resolve("audit.db")).doesNotExist();
  }

  @Test
  void anUnknownContextIsWrongUsageNamingTheContextsThereAre() throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), KUBECONFIG);

    Run r = serve("--kubeconfig", kubeconfig.toString(), "--context", "staging");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "egress-audit serve: kubeconfig "
                + kubeconfig
                + " has no context 'staging' (its contexts: prod)"
                + System.lineSeparator());
  }

  @Test
  void aClusterStateThatIsNotARegularFileIsWrongUsage() {
    // serve reads the file again whenever it changes: standard input or a pipe cannot be
    Run dash = serve("--cluster-state", "prod=-");
    Run device = serve("--cluster-state", "/dev/null");

    assertThat(dash.code()).as("%s", dash).isEqualTo(2);
    assertThat(dash.err()).contains("--cluster-state").contains("- is not a regular file");
    assertThat(device.code()).as("%s", device).isEqualTo(2);
    assertThat(device.err())
        .contains("--cluster-state")
        .contains("/dev/null is not a regular file");
  }

  @Test
  void aContextNamedLikeAClusterStateFileIsRefused() throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), KUBECONFIG);

    Run r =
        serve(
            "--kubeconfig",
            kubeconfig.toString(),
            "--cluster-state",
            "prod=" + dir.resolve("prod.yaml"));

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "cluster 'prod' is both a kubeconfig context and a --cluster-state/--example cluster");
  }

  @Test
  void helpDescribesTheOptions() {
    String usage = EgressAuditCommand.commandLine().getSubcommands().get("serve").getUsageMessage();

    assertThat(usage)
        .contains("--kubeconfig=FILE")
        .contains("--context=NAME")
        .contains("egressips.k8s.ovn.org");
  }
}
