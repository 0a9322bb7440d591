package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One database has one {@code serve} (the design's single writer): a second {@code serve} on the
 * same file, each the jar in its own process, refuses at start with one line naming the file and
 * the first one's pid, and writes nothing; {@code cluster import}, {@code prune} and the commands
 * that read still run beside the server; once the server is killed, the OS has released its lock.
 */
class OneServerPerDatabaseIT {

  private static final Path JAR = Path.of("target", "egress-audit.jar");
  private static final Path DUMP = Path.of("../examples/walkthrough/02-egressip-assigned.yaml");

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void aSecondServeOnTheSameDatabaseRefusesNamingTheFileAndTheFirstOnesPidAndWritesNothing()
      throws Exception {
    Path db = dir.resolve("audit.db");
    Process first = startServe(db, "--cluster-state", "first=" + DUMP);

    Path err = dir.resolve("second.err");
    Process second =
        jar(
                err,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--api",
                "127.0.0.1:0",
                "--db",
                db.toString(),
                "--cluster-state",
                "second=" + DUMP)
            .start();
    processes.add(second);
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("second serve gave up").isTrue();
    String lines = Files.readString(err, StandardCharsets.UTF_8).strip();

    assertThat(second.exitValue()).as(lines).isEqualTo(1);
    assertThat(lines.lines().toList().get((int) lines.lines().count() - 1))
        .isEqualTo(
            "egress-audit serve: database "
                + db
                + " is in use by another egress-audit serve (pid "
                + first.pid()
                + "; lock "
                + ServeLock.fileOf(db)
                + "): one database has one server; stop that one or give --db another file");
    assertThat(HistoryLoader.sources(Database.at(db)))
        .as("only the first server's cluster is recorded")
        .containsOnlyKeys("first");
    assertThat(first.isAlive()).isTrue();
  }

  @Test
  void importPruneAndReadingCommandsRunBesideAServerAndAKilledServerLeavesNoLock()
      throws Exception {
    Path db = dir.resolve("audit.db");
    Process server = startServe(db);

    assertThat(
            cli("cluster", "import", DUMP.toString(), "--cluster", "demo", "--db", db.toString()))
        .isZero();
    assertThat(cli("whois", "192.168.126.100", "--db", db.toString())).isZero();
    assertThat(cli("hits", "--db", db.toString())).isZero();
    assertThat(cli("clusters", "--db", db.toString())).isZero();
    assertThat(cli("prune", "--older-than", "90d", "--db", db.toString())).isZero();

    server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    // the lock file stays, but the OS released its lock with the process
    assertThat(ServeLock.fileOf(db)).exists();
    Process next = startServe(db);
    assertThat(next.isAlive()).isTrue();
  }

  /** Starts {@code serve} on loopback ports; returns once it says it serves the database. */
  private Process startServe(Path db, String... more) throws IOException {
    Path out = dir.resolve("serve-" + processes.size() + ".out");
    List<String> args =
        new ArrayList<>(
            List.of(
                "serve", "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0", "--db", db.toString()));
    args.addAll(List.of(more));
    Process p =
        jar(dir.resolve("serve-" + processes.size() + ".err"), args.toArray(String[]::new))
            .redirectOutput(out.toFile())
            .start();
    processes.add(p);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !p.isAlive() || Files.readString(out).contains("database " + db));
    assertThat(p.isAlive()).as("serve started").isTrue();
    return p;
  }

  private static ProcessBuilder jar(Path err, String... args) {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile());
  }

  /** Runs a command in this JVM; its exit code (what it printed on stderr in the failure). */
  private static int cli(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    assertThat(code).as("%s: %s", String.join(" ", args), err).isZero();
    return code;
  }
}
