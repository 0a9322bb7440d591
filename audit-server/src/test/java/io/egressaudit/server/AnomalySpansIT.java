package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/anomalies?since=&until=}: the anomalies that held over a period, with when.
 * History of one cluster: healthy at 10:00, its EgressIP unassigned while pods run from 11:00,
 * healthy again from 12:00.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnomalySpansIT {

  private static final Path FIXTURES = Path.of("src/test/resources/anomalies");

  @TempDir static Path dir;

  private AuditServer server;
  private ApiClient api;

  @BeforeAll
  void importHistoryAndStartTheServer() {
    Path db = dir.resolve("audit.db");
    importState(db, "healthy.yaml", "2026-11-02T10:00:00Z");
    importState(db, "unassigned-with-running-pods.yaml", "2026-11-02T11:00:00Z");
    importState(db, "healthy.yaml", "2026-11-02T12:00:00Z");
    server = TestServers.start(Database.at(db), HitWriter.Settings.DEFAULT, false);
    api = new ApiClient(server.apiPort());
  }

  private static void importState(Path db, String file, String at) {
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    int code =
        cl.execute(
            "cluster",
            "import",
            FIXTURES.resolve(file).toString(),
            "--at",
            at,
            "--cluster",
            "c",
            "--db",
            db.toString());
    assertThat(code).as("%s", err).isZero();
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Runs the command line in-process; its exit code, standard output and error. */
  private static String[] cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void theCommandListsThePeriodsAnomaliesAsTheApiDoes() throws Exception {
    String db = dir.resolve("audit.db").toString();
    String[] json =
        cli(
            "anomalies",
            "--since",
            "2026-11-02T09:00:00Z",
            "--until",
            "2026-11-02T13:00:00Z",
            "-o",
            "json",
            "--db",
            db);
    assertThat(json[0]).as(json[2]).isEqualTo("0");
    JsonNode fromCli = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json[1]);
    JsonNode fromApi =
        api.getJson("/api/v1/anomalies?since=2026-11-02T09:00:00Z&until=2026-11-02T13:00:00Z");
    assertThat(fromCli).isEqualTo(fromApi);

    String[] table =
        cli(
            "anomalies",
            "--since",
            "2026-11-02T11:30:00Z",
            "--until",
            "2026-11-02T13:00:00Z",
            "--db",
            db);
    assertThat(table[0]).as(table[2]).isEqualTo("0");
    assertThat(table[1])
        .contains("FROM", "UNTIL", "unassigned-with-running-pods")
        .contains("2026-11-02T11:30:00Z", "2026-11-02T12:00:00Z");

    String[] both = cli("anomalies", "--at", "1h", "--since", "2h", "--db", db);
    assertThat(both[0]).isEqualTo("2");
    assertThat(both[2]).contains("--at cannot be used with --since or --until");

    String[] reversed =
        cli(
            "anomalies",
            "--since",
            "2026-11-02T13:00:00Z",
            "--until",
            "2026-11-02T09:00:00Z",
            "--db",
            db);
    assertThat(reversed[0]).isEqualTo("2");
    assertThat(reversed[2]).contains("is after until");
  }

  @Test
  void anAnomalyThatBeganAndEndedInThePeriodHasBothTimes() throws Exception {
    JsonNode a =
        api.getJson("/api/v1/anomalies?since=2026-11-02T09:00:00Z&until=2026-11-02T13:00:00Z");

    assertThat(a.get("since").asString()).isEqualTo("2026-11-02T09:00:00Z");
    assertThat(a.get("until").asString()).isEqualTo("2026-11-02T13:00:00Z");
    assertThat(a.get("anomalies")).hasSize(1);
    JsonNode span = a.get("anomalies").get(0);
    assertThat(span.get("rule").asString()).isEqualTo("unassigned-with-running-pods");
    assertThat(span.get("cluster").asString()).isEqualTo("c");
    assertThat(span.get("from").asString()).isEqualTo("2026-11-02T11:00:00Z");
    assertThat(span.get("until").asString()).isEqualTo("2026-11-02T12:00:00Z");
    assertThat(span.get("message").asString()).isNotEmpty();
    assertThat(a.get("notes").toString()).contains("history starts at 2026-11-02T10:00:00Z");
  }

  @Test
  void anAnomalyHeldAtTheStartOfThePeriodStartsThereAndOneHeldAtItsEndHasNoUntil()
      throws Exception {
    JsonNode a =
        api.getJson("/api/v1/anomalies?since=2026-11-02T11:30:00Z&until=2026-11-02T11:45:00Z");

    assertThat(a.get("anomalies")).hasSize(1);
    assertThat(a.get("anomalies").get(0).get("from").asString()).isEqualTo("2026-11-02T11:30:00Z");
    assertThat(a.get("anomalies").get(0).has("until")).isFalse();
    assertThat(a.get("notes")).isEmpty();
  }

  @Test
  void aPeriodWithoutAnomaliesHasNone() throws Exception {
    assertThat(api.getJson("/api/v1/anomalies?since=2026-11-02T12:00:00Z").get("anomalies"))
        .isEmpty();
    assertThat(api.getJson("/api/v1/anomalies?until=2026-11-02T11:00:00Z").get("anomalies"))
        .as("until alone: from where history starts, 11:00 excluded")
        .isEmpty();
  }

  @Test
  void atStillAnswersOneTime() throws Exception {
    JsonNode a = api.getJson("/api/v1/anomalies?at=2026-11-02T11:30:00Z");

    assertThat(a.get("at").asString()).isEqualTo("2026-11-02T11:30:00Z");
    assertThat(a.get("anomalies").get(0).has("from")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "since=2026-11-02T13:00:00Z&until=2026-11-02T12:00:00Z | since (2026-11-02T13:00:00Z) is"
            + " after until",
        "since=yesterday | since: 'yesterday' is not a time",
        "until=-999999999-01-01T00:00:00Z | until:",
        "since=1h&at=1h | at cannot be used with since or until",
        "sinse=1h | unknown query parameter sinse"
      })
  void aWrongPeriodIsA400ProblemSayingWhy(String query, String detail) throws Exception {
    ApiClient.Answer a = api.get("/api/v1/anomalies?" + query.strip());

    assertThat(a.status()).as(a.body()).isEqualTo(400);
    assertThat(a.contentType()).isEqualTo("application/problem+json");
    assertThat(a.json().get("detail").asString()).startsWith(detail.strip());
  }
}
