package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code egress-audit serve} (the jar, in its own process) when an address it must listen on is
 * taken: it exits 1 with one line naming that address, and a database file it created for the run
 * is gone again, while one that was there before stays.
 */
class ServeStartFailureIT {

  private static final Path JAR = Path.of("target", "egress-audit.jar");

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  private record Run(int exitCode, String err) {}

  @Test
  void aTakenHitListenerPortIsNamedAndTheNewDatabaseFileIsRemoved() throws Exception {
    Path db = dir.resolve("new.db");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      String address = "127.0.0.1:" + taken.getLocalPort();

      Run r = serve("--listen", address, "--api", "127.0.0.1:0", "--db", db.toString());

      assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
      assertThat(lastLine(r))
          .isEqualTo(
              "egress-audit serve: hit listener "
                  + address
                  + ": address already in use (another process listens there)");
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no database file, -wal or -shm left")
          .noneMatch(n -> n.startsWith("new.db"));
    }
  }

  @Test
  void aTakenApiPortIsNamedAndADatabaseThatWasThereBeforeIsKept() throws Exception {
    Path db = dir.resolve("kept.db");
    Database.at(db).migrate(); // there before, even though nothing is in it
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      String address = "127.0.0.1:" + taken.getLocalPort();

      Run r = serve("--listen", "127.0.0.1:0", "--api", address, "--db", db.toString());

      assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
      assertThat(lastLine(r))
          .isEqualTo(
              "egress-audit serve: API "
                  + address
                  + ": address already in use (another process listens there)");
    }
    assertThat(db).exists();
  }

  @Test
  void aDatabaseThisRunCreatedIsKeptOnceSomethingWasRecordedInIt() {
    Database database = Database.at(dir.resolve("written.db"));
    new ClusterHistory(database)
        .recordSnapshot("demo", Instant.parse("2021-11-26T17:40:43Z"), List.of(), "empty.yaml");

    assertThat(database.deleteIfEmpty()).isFalse();
    assertThat(database.file()).exists();
    Database empty = Database.at(dir.resolve("empty.db"));
    empty.migrate();
    assertThat(empty.deleteIfEmpty()).isTrue();
    assertThat(empty.file()).doesNotExist();
  }

  private static String lastLine(Run r) {
    List<String> lines = r.err().strip().lines().toList();
    return lines.get(lines.size() - 1);
  }

  private Run serve(String... args) throws IOException, InterruptedException {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    command.add("serve");
    command.addAll(List.of(args));
    Path err = dir.resolve("serve-" + processes.size() + ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(err.toFile())
            .start();
    processes.add(p);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("serve gave up").isTrue();
    return new Run(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
  }
}
