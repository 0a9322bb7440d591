package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryLoader;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code cluster import} says a dump came from ({@code cluster_import.source}, the SOURCE of
 * {@code clusters}): the jar run by bash with a process substitution and with standard input, and
 * {@code --source}.
 */
class ClusterImportSourceIT {

  private static final Path JAR = Path.of("target", "egress-audit.jar");

  @TempDir Path dir;

  private Path db;
  private Path dump;

  @BeforeEach
  void files() throws Exception {
    db = dir.resolve("audit.db");
    dump = dir.resolve("cluster.yaml");
    try (InputStream in =
        ClusterImportSourceIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      Files.copy(in, dump);
    }
  }

  @Test
  void aProcessSubstitutionIsRecordedAsPipeNotAsDevFd() throws Exception {
    String out =
        bash("exec java -jar \"$1\" cluster import <(cat \"$2\") --cluster sub --db \"$3\"");

    assertThat(out).contains("cluster/sub state at ").contains(" recorded from pipe: ");
    assertThat(HistoryLoader.sources(Database.at(db))).containsEntry("sub", "pipe");
  }

  @Test
  void standardInputIsRecordedAsStandardInput() throws Exception {
    bash("java -jar \"$1\" cluster import - --cluster in --db \"$3\" < \"$2\"");

    assertThat(HistoryLoader.sources(Database.at(db))).containsEntry("in", "standard input");
  }

  @Test
  void sourceNamesWhereTheDumpCameFromAndClustersShowsIt() {
    int code =
        run(
            "cluster",
            "import",
            dump.toString(),
            "--cluster",
            "prod",
            "--source",
            "kubectl --context prod",
            "--db",
            db.toString());

    assertThat(code).isZero();
    assertThat(HistoryLoader.sources(Database.at(db)))
        .containsEntry("prod", "kubectl --context prod");
    assertThat(run("cluster", "import", dump.toString(), "--source", " ", "--db", db.toString()))
        .as("an empty --source is wrong usage")
        .isEqualTo(2);
    assertThat(
            run("cluster", "import", dump.toString(), "--cluster", "file", "--db", db.toString()))
        .isZero();
    assertThat(HistoryLoader.sources(Database.at(db)))
        .containsEntry("file", dump.toAbsolutePath().toString());
  }

  /** Runs a bash script with $1 the jar, $2 the dump, $3 the database; returns its stdout. */
  private String bash(String script) throws Exception {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    Path err = dir.resolve("bash.err");
    Process p =
        new ProcessBuilder(
                List.of(
                    "bash",
                    "-c",
                    script,
                    "bash",
                    JAR.toAbsolutePath().toString(),
                    dump.toString(),
                    db.toString()))
            .redirectError(err.toFile())
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(err)).isZero();
    return out;
  }

  private static int run(String... args) {
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(new StringWriter()));
    return cl.execute(args);
  }
}
