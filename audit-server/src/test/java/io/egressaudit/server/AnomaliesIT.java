package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * Each anomaly through the command line and the API: one fixture per rule under {@code
 * src/test/resources/anomalies} (a two-worker cluster broken once), imported as a cluster named
 * after the rule; {@code healthy.yaml} has none. The EgressIP {@code egressip-demo} of every
 * fixture asks for 192.168.126.100 (10.0.0.100 in the subnet fixture), the IP {@code whois} asks
 * about.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnomaliesIT {

  private static final Path FIXTURES = Path.of("src/test/resources/anomalies");

  @TempDir static Path dir;

  private Path db;
  private AuditServer server;
  private ApiClient api;

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

  static Stream<String> rules() throws Exception {
    List<String> rules = new ArrayList<>();
    try (Stream<Path> files = Files.list(FIXTURES)) {
      files
          .map(f -> f.getFileName().toString().replace(".yaml", ""))
          .filter(n -> !n.equals("healthy"))
          .sorted()
          .forEach(rules::add);
    }
    return rules.stream();
  }

  private static String ipOf(String rule) {
    return rule.equals("egress-ip-outside-node-subnets") ? "10.0.0.100" : "192.168.126.100";
  }

  @BeforeAll
  void importEveryFixtureAndStartTheServer() throws Exception {
    db = dir.resolve("audit.db");
    List<String> clusters = new ArrayList<>(rules().toList());
    clusters.add("healthy");
    for (String c : clusters) {
      Run r =
          run(
              "cluster",
              "import",
              FIXTURES.resolve(c + ".yaml").toString(),
              "--cluster",
              c,
              "--db",
              db.toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
    }
    server = TestServers.start(Database.at(db), HitWriter.Settings.DEFAULT, false);
    api = new ApiClient(server.apiPort());
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @MethodSource("rules")
  void theCommandLineListsTheAnomalyAndWhoisCarriesIt(String rule) {
    Run json = run("anomalies", "--cluster", rule, "-o", "json", "--db", db.toString());
    assertThat(json.exitCode()).as(json.err()).isZero();
    JsonNode anomalies = ApiClient.parse(json.out()).get("anomalies");
    assertThat(anomalies).hasSize(1);
    assertThat(anomalies.get(0).get("rule").asString()).isEqualTo(rule);
    assertThat(anomalies.get(0).get("cluster").asString()).isEqualTo(rule);
    assertThat(anomalies.get(0).get("message").asString()).isNotBlank();

    Run table = run("anomalies", "--cluster", rule, "--db", db.toString());
    assertThat(table.out().lines().findFirst().orElseThrow()).startsWith("CLUSTER");
    assertThat(table.out()).contains(rule + ": ");

    Run whois = run("whois", ipOf(rule), "--cluster", rule, "--db", db.toString());
    JsonNode match = ApiClient.parse(whois.out()).get("matches").get(0);
    assertThat(match.get("anomalies")).hasSize(1);
    assertThat(match.get("anomalies").get(0).get("rule").asString()).isEqualTo(rule);
    Run whoisTable =
        run("whois", ipOf(rule), "--cluster", rule, "-o", "table", "--db", db.toString());
    assertThat(whoisTable.out()).contains("anomaly: " + rule + ": ");
  }

  @ParameterizedTest
  @MethodSource("rules")
  void theApiListsTheAnomalyAndWhoisCarriesIt(String rule) throws Exception {
    ApiClient.Answer a = api.get("/api/v1/anomalies?cluster=" + rule);
    assertThat(a.status()).isEqualTo(200);
    JsonNode anomalies = a.json().get("anomalies");
    assertThat(anomalies).hasSize(1);
    assertThat(anomalies.get(0).get("rule").asString()).isEqualTo(rule);

    JsonNode match =
        api.get("/api/v1/whois/" + ipOf(rule) + "?cluster=" + rule).json().get("matches").get(0);
    assertThat(match.get("anomalies").get(0).get("rule").asString()).isEqualTo(rule);
  }

  @Test
  void aHealthyClusterHasNoneAndItsWhoisMatchHasNoAnomaliesKey() throws Exception {
    Run r = run("anomalies", "--cluster", "healthy", "--db", db.toString());
    assertThat(r.out()).startsWith("no anomalies at ");
    assertThat(api.get("/api/v1/anomalies?cluster=healthy").json().get("anomalies")).isEmpty();
    JsonNode match =
        api.get("/api/v1/whois/192.168.126.100?cluster=healthy").json().get("matches").get(0);
    assertThat(match.get("kind").asString()).isEqualTo("egress-ip");
    assertThat(match.has("anomalies")).isFalse();
  }

  @Test
  void metricsCountCurrentAnomaliesByRuleWithoutIps() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              String metrics = api.get("/metrics").body();
              assertThat(metrics)
                  .contains("egress_audit_anomalies{rule=\"ip-assigned-to-two-nodes\"} 1.0")
                  .contains("egress_audit_anomalies{rule=\"single-egress-node\"} 1.0");
            });
    String metrics = Stream.of(api).map(c -> scrape()).findFirst().orElseThrow();
    metrics
        .lines()
        .filter(l -> l.startsWith("egress_audit_anomalies{"))
        .forEach(l -> assertThat(l).doesNotContain("192.168.").doesNotContain("10.0.0."));
  }

  @Test
  void theServerSeesAnAnomalyBeginAndEndAsHistoryIsRecorded() {
    String gauge = "egress_audit_anomalies{rule=\"assigned-node-not-ready\"} ";
    await().atMost(Duration.ofSeconds(30)).until(() -> scrape().contains(gauge + "1.0"));
    importAs("assigned-node-not-ready", "changing");
    await().atMost(Duration.ofSeconds(30)).until(() -> scrape().contains(gauge + "2.0"));
    importAs("healthy", "changing");
    await().atMost(Duration.ofSeconds(30)).until(() -> scrape().contains(gauge + "1.0"));
  }

  private void importAs(String fixture, String cluster) {
    Run r =
        run(
            "cluster",
            "import",
            FIXTURES.resolve(fixture + ".yaml").toString(),
            "--cluster",
            cluster,
            "--db",
            db.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
  }

  private String scrape() {
    try {
      return api.get("/metrics").body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void anUnknownClusterOrParameterIsRefused() throws Exception {
    ApiClient.Answer a = api.get("/api/v1/anomalies?cluster=nosuch");
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.body()).contains("unknown cluster 'nosuch'");
    assertThat(api.get("/api/v1/anomalies?clustr=x").status()).isEqualTo(400);
    Run r = run("anomalies", "--cluster", "nosuch", "--db", db.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("egress-audit anomalies: unknown cluster 'nosuch'");
  }
}
