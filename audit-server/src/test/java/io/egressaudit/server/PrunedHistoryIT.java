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

  /** The failover: the latest end of an interval prune deletes, where the state is whole again. */
  private static final String FAILOVER = "2021-11-26T18:02:00Z";

  private static final String PRUNED_NOTE =
      "before any cluster history: history before " + FAILOVER + " was pruned";

  @TempDir Path dir;

  private String db;

  @BeforeEach
  void replayTheWalkthroughsHistory() {
    db = dir.resolve("audit.db").toString();
    importState("01-before-egressip.yaml", "2021-11-25T12:00:00Z");
    importState("02-egressip-assigned.yaml", "2021-11-26T17:40:43Z");
    importState("03-after-failover.yaml", FAILOVER);
  }

  @Test
  void whoisBeforeThePruneHorizonSaysHistoryThereWasPruned() {
    Run prune = run("prune", "--older-than", "90d", "--db", db);
    assertThat(prune.code).as(prune.err).isZero();
    assertThat(prune.out).contains("cluster/demo: history before " + FAILOVER + " was pruned");

    for (String ip : new String[] {EGRESS_IP, SL79N_IP}) {
      JsonNode matches =
          json("whois", ip, "--at", WHILE_ASSIGNED_TO_SL79N, "-o", "json").get("matches");
      assertThat(matches).as("%s", matches).hasSize(1);
      assertThat(matches.get(0).get("kind").asString()).isEqualTo("unknown");
      assertThat(matches.get(0).get("note").asString()).isEqualTo(PRUNED_NOTE);
    }
    JsonNode afterFailover =
        json("whois", EGRESS_IP, "--at", "2021-11-26T18:30:00Z", "-o", "json")
            .get("matches")
            .get(0);
    assertThat(afterFailover.get("kind").asString())
        .as("the state after the horizon is whole")
        .isEqualTo("egress-ip");
    assertThat(afterFailover.get("node").asString()).isEqualTo("ocp-8vr6j-worker-0-82t6f");
    JsonNode demo = json("clusters", "-o", "json").get("clusters").get(0);
    assertThat(demo.get("historyFrom").asString()).isEqualTo(FAILOVER);
    assertThat(run("clusters", "--db", db).out.lines().skip(1).findFirst().orElseThrow())
        .contains(" " + FAILOVER + " ");
    JsonNode owners = json("timeline", EGRESS_IP, "-o", "json");
    assertThat(owners.get("since").asString()).isEqualTo(FAILOVER);
    assertThat(owners.get("owners")).hasSize(1); // on 82t6f since the failover; 17:40 is gone
  }

  @Test
  void theApiOfAServerStartedOnAPrunedDatabaseReportsTheHorizon() throws Exception {
    assertThat(run("prune", "--older-than", "90d", "--db", db).code).isZero();

    try (AuditServer server =
        TestServers.start(Database.at(Path.of(db)), HitWriter.Settings.DEFAULT, false)) {
      ApiClient api = new ApiClient(server.apiPort());

      JsonNode match =
          api.getJson("/api/v1/whois/" + EGRESS_IP + "?at=" + WHILE_ASSIGNED_TO_SL79N)
              .get("matches")
              .get(0);
      assertThat(match.get("note").asString()).isEqualTo(PRUNED_NOTE);
      assertThat(historyFrom(api)).isEqualTo(FAILOVER);
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
                      .isEqualTo(PRUNED_NOTE));
      assertThat(api.getJson(whois).get("matches").get(0).get("kind").asString())
          .isEqualTo("unknown");
      assertThat(historyFrom(api)).isEqualTo(FAILOVER);
    }
  }

  private static String historyFrom(ApiClient api) throws Exception {
    return api.getJson("/api/v1/clusters").get("clusters").get(0).get("historyFrom").asString();
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
