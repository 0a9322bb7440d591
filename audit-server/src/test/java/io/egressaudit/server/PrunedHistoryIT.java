package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * History pruned by retention ({@code prune}, {@code serve --retention}) on the walkthrough's 2021
 * history: a time before the prune horizon is reported as pruned history, not as a time nobody
 * owned the IP, and the clusters list starts history at the horizon.
 */
class PrunedHistoryIT {

  private static final Path EXAMPLES = Path.of("..", "examples", "walkthrough");
  private static final String EGRESS_IP = "192.168.126.100";
  private static final String SL79N_IP = "192.168.126.51";
  private static final String WHILE_ASSIGNED_TO_SL79N = "2021-11-26T17:53:13Z";
  private static final Pattern HORIZON =
      Pattern.compile("history intervals that ended before (\\S+)");

  @TempDir Path dir;

  private String db;

  @BeforeEach
  void replayTheWalkthroughsHistory() {
    db = dir.resolve("audit.db").toString();
    importState("01-before-egressip.yaml", "2021-11-25T12:00:00Z");
    importState("02-egressip-assigned.yaml", "2021-11-26T17:40:43Z");
    importState("03-after-failover.yaml", "2021-11-26T18:02:00Z");
  }

  @Test
  void whoisBeforeThePruneHorizonSaysHistoryThereWasPruned() {
    Run prune = run("prune", "--older-than", "90d", "--db", db);
    assertThat(prune.code).as(prune.err).isZero();
    Instant horizon = horizonOf(prune.out);

    for (String ip : new String[] {EGRESS_IP, SL79N_IP}) {
      JsonNode matches =
          json("whois", ip, "--at", WHILE_ASSIGNED_TO_SL79N, "-o", "json").get("matches");
      assertThat(matches).as("%s", matches).hasSize(1);
      assertThat(matches.get(0).get("kind").asString()).isEqualTo("unknown");
      assertThat(matches.get(0).get("note").asString())
          .isEqualTo("before any cluster history: history before " + horizon + " was pruned");
    }
    JsonNode demo = json("clusters", "-o", "json").get("clusters").get(0);
    assertThat(demo.get("historyFrom").asString()).isEqualTo(horizon.toString());
    assertThat(run("clusters", "--db", db).out).contains(horizon.toString());
    JsonNode owners = json("timeline", EGRESS_IP, "-o", "json");
    assertThat(owners.get("since").asString()).isEqualTo(horizon.toString());
    assertThat(owners.get("owners")).hasSize(1); // on 82t6f since the failover; 17:40 is gone
  }

  @Test
  void theApiOfAServerStartedOnAPrunedDatabaseReportsTheHorizon() throws Exception {
    Run prune = run("prune", "--older-than", "90d", "--db", db);
    Instant horizon = horizonOf(prune.out);

    try (AuditServer server =
        TestServers.start(Database.at(Path.of(db)), HitWriter.Settings.DEFAULT, false)) {
      ApiClient api = new ApiClient(server.apiPort());

      JsonNode match =
          api.getJson("/api/v1/whois/" + EGRESS_IP + "?at=" + WHILE_ASSIGNED_TO_SL79N)
              .get("matches")
              .get(0);
      assertThat(match.get("note").asString())
          .isEqualTo("before any cluster history: history before " + horizon + " was pruned");
      assertThat(
              api.getJson("/api/v1/clusters").get("clusters").get(0).get("historyFrom").asString())
          .isEqualTo(horizon.toString());
    }
  }

  @Test
  void aServerWithRetentionReportsTheHorizonOfThePruneItRan() throws Exception {
    Database database = Database.at(Path.of(db));
    try (AuditServer server =
        AuditServer.start(TestServers.config(database).retention(Duration.ofDays(90)).build())) {
      ApiClient api = new ApiClient(server.apiPort());
      String whois = "/api/v1/whois/" + SL79N_IP + "?at=" + WHILE_ASSIGNED_TO_SL79N;

      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(api.getJson(whois).get("matches").get(0).get("note").asString())
                      .startsWith("before any cluster history: history before ")
                      .endsWith(" was pruned"));
      JsonNode match = api.getJson(whois).get("matches").get(0);
      assertThat(match.get("kind").asString()).isEqualTo("unknown");
      String horizon =
          match.get("note").asString().replaceAll(".*history before (\\S+) was pruned", "$1");
      assertThat(Instant.parse(horizon)).isAfter(Instant.parse("2021-11-26T18:02:00Z"));
      assertThat(
              api.getJson("/api/v1/clusters").get("clusters").get(0).get("historyFrom").asString())
          .isEqualTo(horizon);
    }
  }

  private static Instant horizonOf(String pruneOutput) {
    Matcher m = HORIZON.matcher(pruneOutput);
    assertThat(m.find()).as(pruneOutput).isTrue();
    return Instant.parse(m.group(1));
  }

  private JsonNode json(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--db";
    all[args.length + 1] = db;
    Run r = run(all);
    assertThat(r.code).as(r.err).isZero();
    return ApiClient.parse(r.out);
  }

  private void importState(String file, String at) {
    Run r =
        run(
            "cluster",
            "import",
            EXAMPLES.resolve(file).toString(),
            "--at",
            at,
            "--cluster",
            "demo",
            "--db",
            db);
    assertThat(r.code).as(r.err).isZero();
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }
}
