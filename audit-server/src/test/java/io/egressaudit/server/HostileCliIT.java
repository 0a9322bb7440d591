package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The command line given what a careless operator or an attacker types: times far in the future or
 * the past, values that do not fit, files that are not what they should be. Each gets a one-line
 * message naming the option or file and a non-zero exit code, and leaves the database usable.
 */
class HostileCliIT {

  @TempDir Path dir;

  private Path db;
  private Path cluster;

  record Run(int exitCode, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  @BeforeEach
  void files() throws IOException {
    db = dir.resolve("audit.db");
    cluster = dir.resolve("cluster.yaml");
    try (InputStream in =
        HostileCliIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      Files.copy(in, cluster);
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"9999-01-01T00:00:00Z", "99999999999", "+10000-01-01T00:00:00Z"})
  void clusterImportRefusesATimeFarInTheFutureAndLaterImportsStillWork(String future) {
    Run refused =
        run("cluster", "import", cluster.toString(), "--at", future, "--db", db.toString());

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(2);
    assertThat(refused.errLines()).as("%s", refused).hasSize(1);
    assertThat(refused.err()).contains("--at").contains(future);

    Run now = run("cluster", "import", cluster.toString(), "--db", db.toString());
    assertThat(now.exitCode()).as("the cluster is not poisoned: %s", now).isZero();
  }

  @Test
  void clusterImportAcceptsATimeWithinTheClockSkew() {
    String soon =
        Instant.now().plus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString();

    Run r = run("cluster", "import", cluster.toString(), "--at", soon, "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
  }

  @Test
  void clusterImportPastTheSkewNamesTheSkew() {
    String later =
        Instant.now().plus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString();

    Run r = run("cluster", "import", cluster.toString(), "--at", later, "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err()).contains("--at").contains("5 minutes");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--since=-999999999-01-01T00:00:00Z",
        "--until=-999999999-01-01T00:00:00Z",
        "--since=999999999d",
        "--until=+999999999-01-01T00:00:00Z"
      })
  void hitsWithATimeBeyondTheYearsTakenIsAUsageErrorNamingTheOption(String option) {
    assertThat(run("cluster", "import", cluster.toString(), "--db", db.toString()).exitCode())
        .isZero();

    Run r = run("hits", option, "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err())
        .contains(option.substring(0, option.indexOf('=')))
        .doesNotContain("overflow");
  }

  @Test
  void whoisAtATimeBeyondTheYearsTakenIsAUsageErrorNamingTheOption() {
    assertThat(run("cluster", "import", cluster.toString(), "--db", db.toString()).exitCode())
        .isZero();

    Run r = run("whois", "127.0.0.100", "--at=-999999999-01-01T00:00:00Z", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err()).contains("--at").contains("0001");
  }
}
