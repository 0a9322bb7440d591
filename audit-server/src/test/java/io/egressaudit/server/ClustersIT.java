package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * {@code egress-audit clusters} and {@code GET /api/v1/clusters}: a cluster imported by the command
 * line (history only) and one the server reads from a {@code --cluster-state} file (history and a
 * sync state).
 */
class ClustersIT {

  private static final Path HEALTHY = Path.of("src/test/resources/anomalies/healthy.yaml");
  private static final Path TWO_NODES =
      Path.of("src/test/resources/anomalies/ip-assigned-to-two-nodes.yaml");

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
  void theCommandReadsTheDatabaseAndSaysSyncStateNeedsAServer() throws Exception {
    Path db = dir.resolve("audit.db");
    assertThat(
            run(
                    "cluster",
                    "import",
                    HEALTHY.toString(),
                    "--cluster",
                    "prod",
                    "--at",
                    "2021-11-26T17:00:00Z",
                    "--db",
                    db.toString())
                .exitCode())
        .isZero();
    assertThat(
            run(
                    "cluster",
                    "import",
                    TWO_NODES.toString(),
                    "--cluster",
                    "prod",
                    "--at",
                    "2021-11-26T18:00:00Z",
                    "--db",
                    db.toString())
                .exitCode())
        .isZero();

    Run json = run("clusters", "-o", "json", "--db", db.toString());
    assertThat(json.exitCode()).as(json.err()).isZero();
    JsonNode body = ApiClient.parse(json.out());
    JsonNode prod = body.get("clusters").get(0);
    assertThat(prod.get("cluster").asString()).isEqualTo("prod");
    assertThat(prod.get("source").asString()).endsWith("ip-assigned-to-two-nodes.yaml");
    assertThat(prod.get("historyFrom").asString()).isEqualTo("2021-11-26T17:00:00Z");
    assertThat(prod.get("lastChange").asString()).isEqualTo("2021-11-26T18:00:00Z");
    assertThat(prod.get("objects").get("Node").asInt()).isEqualTo(2);
    assertThat(prod.get("objects").get("Namespace").asInt()).isEqualTo(2);
    assertThat(prod.get("objects").get("Pod").asInt()).isEqualTo(2);
    assertThat(prod.get("objects").get("EgressIP").asInt()).isEqualTo(1);
    assertThat(prod.get("intervals").asLong())
        .as("6 objects, then the EgressIP changed")
        .isEqualTo(8);
    assertThat(prod.has("state")).isFalse();
    assertThat(body.get("notes").get(0).asString()).contains("only known to a running server");

    Run table = run("clusters", "--db", db.toString());
    assertThat(table.out().lines().toList())
        .first()
        .asString()
        .startsWith("CLUSTER  SOURCE")
        .contains("HISTORY FROM", "LAST CHANGE", "NODES", "EGRESSIPS");
    assertThat(table.out()).contains("2021-11-26T17:00:00Z  2021-11-26T18:00:00Z  2");
    assertThat(table.out()).contains("note: sync state is only known to a running server");
    // state recorded in 2021, and no hit: both said under the table
    assertThat(table.out())
        .contains(
            "note: cluster/prod: state of cluster prod last recorded at 2021-11-26T18:00:00Z (",
            "note: no hit recorded");
    assertThat(body.has("lastHit")).isFalse();

    Path log = Files.writeString(dir.resolve("access_log"), LOG_LINE);
    assertThat(run("import-log", log.toString(), "--db", db.toString()).exitCode()).isZero();
    Run withHit = run("clusters", "--db", db.toString());
    assertThat(withHit.out())
        .containsPattern("note: newest hit received at 2021-11-25T13:04:35Z \\(\\d+ d ago\\)");
    JsonNode lastHit =
        ApiClient.parse(run("clusters", "-o", "json", "--db", db.toString()).out()).get("lastHit");
    assertThat(lastHit.get("receivedAt").asString()).isEqualTo("2021-11-25T13:04:35Z");
    assertThat(lastHit.get("quiet").asBoolean()).isTrue();
  }

  /** One request of an Apache access log (combined format). */
  private static final String LOG_LINE =
      "192.168.126.53 - - [25/Nov/2021:08:04:35 -0500] \"HEAD / HTTP/1.1\" 200 - \"-\" \"curl\"\n";

  @Test
  void theApiAddsHistoryToEachSourceAndListsImportedClustersToo() throws Exception {
    Path db = dir.resolve("audit.db");
    assertThat(
            run(
                    "cluster",
                    "import",
                    HEALTHY.toString(),
                    "--cluster",
                    "imported",
                    "--db",
                    db.toString())
                .exitCode())
        .isZero();
    try (AuditServer server =
        AuditServer.start(
            AuditServer.Config.builder(Database.at(db))
                .listen(List.of(new HostPort("127.0.0.1", 0)))
                .api(new HostPort("127.0.0.1", 0))
                .writer(HitWriter.Settings.DEFAULT)
                .listener(ListenerSettings.DEFAULT)
                .apiToken(null)
                .clusterStates(Map.of("dump", TWO_NODES))
                .example(false)
                .rescanSeconds(10)
                .trustedProxies(TrustedProxies.of(List.of()))
                .retention(null)
                .build())) {
      ApiClient api = new ApiClient(server.apiPort());
      await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/readyz").status() == 200);
      JsonNode clusters = api.get("/api/v1/clusters").json().get("clusters");
      assertThat(clusters).hasSize(2);
      JsonNode dump = clusters.get(0);
      assertThat(dump.get("cluster").asString()).isEqualTo("dump");
      assertThat(dump.get("state").asString()).isEqualTo("synced");
      assertThat(dump.get("source").asString()).endsWith("ip-assigned-to-two-nodes.yaml");
      assertThat(dump.get("objects").get("Node").asInt()).isEqualTo(2);
      assertThat(dump.has("historyFrom")).isTrue();
      JsonNode imported = clusters.get(1);
      assertThat(imported.get("cluster").asString()).isEqualTo("imported");
      assertThat(imported.has("state")).as("not a source of this server").isFalse();
      assertThat(imported.get("source").asString()).endsWith("healthy.yaml");
      assertThat(imported.get("objects").get("EgressIP").asInt()).isEqualTo(1);
      assertThat(api.get("/api/v1/clusters?x=1").status()).isEqualTo(400);
    }
  }
}
