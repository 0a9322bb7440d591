package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryLoader;
import io.egressaudit.sql.HitWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code serve --example} on a database that already holds a cluster {@code demo}: refused when
 * that cluster came from another source (its history would be ended by the example), fine when the
 * bundled example recorded it before.
 */
class ExampleClusterIT {

  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void serveExampleRefusesADemoClusterImportedFromADump() throws IOException {
    Path db = dir.resolve("real.db");
    Path dump = dir.resolve("prod-dump.yaml");
    try (InputStream in =
        ExampleClusterIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      Files.copy(in, dump);
    }
    Run imported =
        run(
            "cluster",
            "import",
            dump.toString(),
            "--cluster",
            "demo",
            "--at",
            "2021-11-26T17:40:43Z",
            "--db",
            db.toString());
    assertThat(imported.exitCode()).as("%s", imported).isZero();
    String source = HistoryLoader.sources(Database.at(db)).get("demo");
    assertThat(source).contains("prod-dump.yaml");
    String before = run("clusters", "-o", "json", "--db", db.toString()).out();

    // a serve that starts runs until stopped: bounded, a start is a failure of this test
    Run serve =
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () ->
                run(
                    "serve",
                    "--example",
                    "--listen",
                    "127.0.0.1:0",
                    "--api",
                    "127.0.0.1:0",
                    "--db",
                    db.toString()));

    assertThat(serve.exitCode()).as("%s", serve).isEqualTo(1);
    assertThat(serve.err().lines())
        .containsExactly(
            "egress-audit serve: --example: cluster demo in "
                + db
                + " comes from "
                + source
                + "; --example would record the bundled example over its history: give serve"
                + " --example another --db");
    assertThat(run("clusters", "-o", "json", "--db", db.toString()).out())
        .as("nothing recorded")
        .isEqualTo(before);
  }

  @Test
  void serveExampleTwiceOnTheSameDatabaseIsFine() {
    Database db = Database.at(dir.resolve("example.db"));
    TestServers.start(db, HitWriter.Settings.DEFAULT, true).close();

    AuditServer again = TestServers.start(db, HitWriter.Settings.DEFAULT, true);
    again.close();

    assertThat(HistoryLoader.sources(db)).containsEntry("demo", ClusterStateImport.EXAMPLE_SOURCE);
  }

  @Test
  void aDemoClusterFromTheWalkthroughFilesIsRefusedAtStart() {
    Database db = Database.at(dir.resolve("other.db"));
    db.migrate();
    new ClusterStateImport(db)
        .importFile(
            Path.of("..", "examples", "walkthrough", "01-before-egressip.yaml"),
            "demo",
            Instant.parse("2021-11-25T12:00:00Z"));

    assertThatThrownBy(() -> TestServers.start(db, HitWriter.Settings.DEFAULT, true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("01-before-egressip.yaml")
        .hasMessageContaining("give serve --example another --db");
  }
}
