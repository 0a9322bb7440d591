package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * A database with hits but no cluster history: whois says why its answer is unknown, on the command
 * line and in the API. A database file that does not exist or is empty is an error of the commands
 * that only read, which leave the file as it was.
 */
class NoHistoryIT {

  private static final String LOG =
      """
      192.168.126.53 - - [26/Nov/2021:12:54:00 -0500] "GET / HTTP/1.1" 200 3 "-" "curl/7.61.1"
      """;

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

  private String logOnly() throws IOException {
    String db = dir.resolve("log.db").toString();
    Run log =
        run("import-log", Files.writeString(dir.resolve("access_log"), LOG).toString(), "--db", db);
    assertThat(log.out()).as("%s", log).contains("1 hit imported");
    return db;
  }

  @Test
  void whoisWithoutClusterHistoryNotesItInJsonAndTable() throws IOException {
    String db = logOnly();

    Run json = run("whois", "192.168.126.53", "--db", db);
    Run table = run("whois", "192.168.126.53", "-o", "table", "--db", db);

    assertThat(json.exitCode()).as("%s", json).isZero();
    JsonNode match = ApiClient.parse(json.out()).get("matches").get(0);
    assertThat(match.get("kind").asString()).isEqualTo("unknown");
    assertThat(match.get("note").asString()).isEqualTo(AuditQueries.NO_HISTORY_NOTE);
    assertThat(table.exitCode()).as("%s", table).isZero();
    assertThat(table.out()).contains("note: " + AuditQueries.NO_HISTORY_NOTE);
  }

  @Test
  void anOwnerFilterWithoutClusterHistoryIsAnError() throws IOException {
    String db = logOnly();

    Run r = run("hits", "--namespace", "simpson", "--db", db);

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err().lines())
        .containsExactly(
            "egress-audit hits: unknown namespace 'simpson': no cluster's history has it");
  }

  @Test
  void theApiNotesThatThereIsNoClusterHistory() throws Exception {
    String db = logOnly();
    try (AuditServer server =
        TestServers.start(Database.at(Path.of(db)), HitWriter.Settings.DEFAULT, false)) {
      JsonNode answer = new ApiClient(server.apiPort()).getJson("/api/v1/whois/192.168.126.53");

      JsonNode match = answer.get("matches").get(0);
      assertThat(match.get("kind").asString()).isEqualTo("unknown");
      assertThat(match.get("note").asString()).isEqualTo(AuditQueries.NO_HISTORY_NOTE);
    }
  }

  private static final List<List<String>> READERS =
      List.of(
          List.of("whois", "192.168.126.53"),
          List.of("hits"),
          List.of("sources", "simpson"),
          List.of("timeline", "192.168.126.53"),
          List.of("clusters"),
          List.of("anomalies"));

  private static Run read(List<String> command, Path db) {
    List<String> args = new java.util.ArrayList<>(command);
    args.addAll(List.of("--db", db.toString()));
    return run(args.toArray(String[]::new));
  }

  @Test
  void readingCommandsRefuseAnEmptyFileAndLeaveItEmpty() throws IOException {
    Path db = Files.createFile(dir.resolve("empty.db"));
    for (List<String> command : READERS) {
      Run r = read(command, db);

      assertThat(r.exitCode()).as("%s: %s", command, r).isEqualTo(1);
      assertThat(r.err().lines())
          .as("%s", command)
          .containsExactly(
              "egress-audit "
                  + command.get(0)
                  + ": --db "
                  + db
                  + ": empty file (0 bytes), not a database (serve, cluster import and"
                  + " import-log create one)");
      assertThat(Files.size(db)).as("%s left the file empty", command).isZero();
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("empty.db");
    }
  }

  @Test
  void readingCommandsRefuseAMissingFileAndDoNotCreateIt() {
    Path db = dir.resolve("missing.db");
    for (List<String> command : READERS) {
      Run r = read(command, db);

      assertThat(r.exitCode()).as("%s: %s", command, r).isEqualTo(1);
      assertThat(r.err().lines())
          .as("%s", command)
          .containsExactly(
              "egress-audit "
                  + command.get(0)
                  + ": --db "
                  + db
                  + ": no such database (serve, cluster import and import-log create one)");
      assertThat(db).doesNotExist();
    }
  }
}
