package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * What the live view says about age, against a server whose database holds clusters imported from
 * dumps of 2021 ({@code cluster import --at}) and no source for them: their state is "as of" then
 * in {@code /api/v1/clusters}, {@code /api/v1/anomalies} and on the page, never a green "none";
 * each anomaly says when it began from history (the same for every reader); the newest hit and its
 * age are shown, with a hint when none has arrived for an hour.
 */
class LiveViewAgeIT {

  private static final String HEALTHY = "src/test/resources/anomalies/healthy.yaml";
  private static final String TWO_CLAIMS =
      "src/test/resources/anomalies/ip-claimed-by-two-egressips.yaml";
  private static final Instant HEALTHY_AT = Instant.parse("2021-11-26T17:00:00Z");
  private static final Instant CLAIMED_AT = Instant.parse("2021-11-26T18:00:00Z");

  @TempDir Path dir;

  private AuditServer server;
  private ApiClient api;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /**
   * Cluster {@code quiet}: healthy, recorded at {@link #HEALTHY_AT}; cluster {@code dup}: healthy
   * then, two EgressIPs claiming one IP from {@link #CLAIMED_AT} on.
   */
  private Database importOldDumps() {
    Path db = dir.resolve("audit.db");
    cli(
        "cluster",
        "import",
        HEALTHY,
        "--cluster",
        "quiet",
        "--at",
        HEALTHY_AT + "",
        "--db",
        db + "");
    cli("cluster", "import", HEALTHY, "--cluster", "dup", "--at", HEALTHY_AT + "", "--db", db + "");
    cli(
        "cluster",
        "import",
        TWO_CLAIMS,
        "--cluster",
        "dup",
        "--at",
        CLAIMED_AT + "",
        "--db",
        db + "");
    return Database.at(db);
  }

  private void start(Database database) {
    server = AuditServer.start(TestServers.config(database).build());
    api = new ApiClient(server.apiPort());
  }

  @Test
  void aClusterImportedLongAgoSaysHowOldItsStateIsAndItsAnomaliesAreAsOfThenNeverNone()
      throws Exception {
    start(importOldDumps());

    JsonNode quiet = cluster("quiet");
    assertThat(quiet.has("status")).as("no source in this server").isFalse();
    assertThat(quiet.get("lastRecorded").asString()).isEqualTo(HEALTHY_AT.toString());
    long days = Duration.between(HEALTHY_AT, Instant.now()).toDays();
    String note =
        "state of cluster quiet last recorded at "
            + HEALTHY_AT
            + " ("
            + days
            + " days before the time asked)";
    assertThat(quiet.get("stateAge").asString()).isEqualTo(note);
    // the note whois gives its matches, word for word
    assertThat(api.getJson("/api/v1/whois/192.0.2.1?cluster=quiet").toString()).contains(note);

    JsonNode none = api.getJson("/api/v1/anomalies?cluster=quiet");
    assertThat(none.get("anomalies")).isEmpty();
    assertThat(none.get("stateAsOf").get("quiet").asString()).isEqualTo(HEALTHY_AT.toString());
    assertThat(none.get("notes").get(0).asString())
        .isEqualTo("cluster quiet: anomalies as of " + HEALTHY_AT + ": " + note);

    JsonNode page = render(api.get("/api/v1/clusters").body(), none.toString());
    assertThat(page.get("clusters").asString())
        .contains("quiet | ")
        .contains("imported (no source in this server)" + note)
        .contains("recorded " + HEALTHY_AT);
    assertThat(page.get("anomalies").asString())
        .startsWith("none as of " + HEALTHY_AT + " (cluster quiet, state last recorded then)")
        .doesNotStartWith("none | ");
    assertThat(page.get("anomalyCount").asString()).isEqualTo("none as of " + HEALTHY_AT);
    assertThat(page.get("anomalyCountClass").asString()).isEqualTo("warn");
  }

  @Test
  void anAnomalySaysWhenItBeganFromHistoryTheSameForEveryReader() throws Exception {
    start(importOldDumps());

    JsonNode first = api.getJson("/api/v1/anomalies?cluster=dup");
    JsonNode anomaly = first.get("anomalies").get(0);
    assertThat(anomaly.get("rule").asString()).isEqualTo("ip-claimed-by-two-egressips");
    // healthy at 17:00, claimed twice from 18:00: it began then, not when anyone first asked
    assertThat(anomaly.get("since").asString()).isEqualTo(CLAIMED_AT.toString());
    assertThat(first.get("stateAsOf").get("dup").asString()).isEqualTo(CLAIMED_AT.toString());
    JsonNode again = api.getJson("/api/v1/anomalies");
    assertThat(again.get("anomalies").get(0).get("since").asString())
        .isEqualTo(CLAIMED_AT.toString());
    // the period answer's span starts at the same time
    JsonNode spans = api.getJson("/api/v1/anomalies?cluster=dup&since=" + HEALTHY_AT);
    assertThat(spans.get("anomalies").get(0).get("from").asString())
        .isEqualTo(CLAIMED_AT.toString());

    JsonNode page = render(api.get("/api/v1/clusters").body(), first.toString());
    assertThat(page.get("anomalies").asString())
        .contains(
            "dup | ip-claimed-by-two-egressips | ",
            " | " + CLAIMED_AT + "as of " + CLAIMED_AT + "\n | ");
  }

  @Test
  void theNewestHitAndItsAgeAreShownWithAHintWhenNoneArrivedForAnHour() throws Exception {
    Path db = dir.resolve("audit.db");
    Path log = dir.resolve("access_log");
    Files.writeString(
        log,
        "192.168.126.53 - - [25/Nov/2021:08:04:35 -0500] \"HEAD / HTTP/1.1\" 200 - \"-\""
            + " \"curl/7.61.1\"\n");
    cli("import-log", log.toString(), "--db", db.toString());
    start(Database.at(db));

    JsonNode old = api.getJson("/api/v1/clusters").get("lastHit");
    assertThat(old.get("receivedAt").asString()).isEqualTo("2021-11-25T13:04:35Z");
    assertThat(old.get("quiet").asBoolean()).isTrue();
    assertThat(old.get("quietAfterSeconds").asLong()).isEqualTo(3600);
    assertThat(old.get("secondsAgo").asDouble()).isGreaterThan(3600 * 24 * 365);
    String quietLine = render(api.get("/api/v1/clusters").body(), "{}").get("lastHit").asString();
    assertThat(quietLine)
        .startsWith("no hit received since 2021-11-25T13:04:35Z (")
        .contains(
            " d ago): hint: nothing reached the hit listener for more than 60 min"
                + " (serve --quiet-after)");

    assertThat(LoopbackClient.get("127.0.0.77", server.hitPorts().get(0), "/now").status())
        .isEqualTo(200);
    JsonNode fresh = api.getJson("/api/v1/clusters").get("lastHit");
    assertThat(fresh.get("quiet").asBoolean()).isFalse();
    assertThat(fresh.get("secondsAgo").asDouble()).isLessThan(60);
    String line = render(api.get("/api/v1/clusters").body(), "{}").get("lastHit").asString();
    assertThat(line).startsWith("last hit received at ").contains(" s ago)");
  }

  @Test
  void quietAfterSetsWhenNoHitIsAHint() throws Exception {
    Path db = dir.resolve("audit.db");
    Path log = dir.resolve("access_log");
    String tenMinutesAgo =
        DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .format(ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(10));
    Files.writeString(
        log,
        "192.168.126.53 - - [" + tenMinutesAgo + "] \"HEAD / HTTP/1.1\" 200 - \"-\" \"curl\"\n");
    cli("import-log", log.toString(), "--db", db.toString());

    // ten minutes without a hit: not quiet by the default hour, quiet for probes every 2 minutes
    start(Database.at(db));
    JsonNode byDefault = api.getJson("/api/v1/clusters").get("lastHit");
    assertThat(byDefault.get("quiet").asBoolean()).isFalse();
    server.close();
    server =
        AuditServer.start(
            TestServers.config(Database.at(db)).quietAfter(Duration.ofMinutes(5)).build());
    api = new ApiClient(server.apiPort());
    JsonNode lastHit = api.getJson("/api/v1/clusters").get("lastHit");
    assertThat(lastHit.get("quiet").asBoolean()).isTrue();
    assertThat(lastHit.get("quietAfterSeconds").asLong()).isEqualTo(300);
    assertThat(render(api.get("/api/v1/clusters").body(), "{}").get("lastHit").asString())
        .contains("for more than 5 min (serve --quiet-after)");
  }

  @Test
  void anEmptyDatabaseHasNoLastHit() throws Exception {
    start(Database.at(dir.resolve("audit.db")));
    assertThat(api.getJson("/api/v1/clusters").has("lastHit")).isFalse();
  }

  private JsonNode cluster(String name) throws Exception {
    for (JsonNode c : api.getJson("/api/v1/clusters").get("clusters")) {
      if (name.equals(c.get("cluster").asString())) {
        return c;
      }
    }
    throw new AssertionError("no cluster " + name);
  }

  private static void cli(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    assertThat(cl.execute(args)).as("%s: %s", String.join(" ", args), err).isZero();
  }

  /**
   * Runs the page's renderers (web/app.js) under Node on the answers of /api/v1/clusters and
   * /api/v1/anomalies; their text by section (age.js).
   */
  private JsonNode render(String clusters, String anomalies) throws Exception {
    Assumptions.assumeTrue(
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .anyMatch(d -> Files.isExecutable(Path.of(d, "node"))),
        "node is not on PATH (.ci/run installs it) to run the page's renderers");
    Path file = Files.createTempFile(dir, "answers", ".json");
    Files.writeString(file, "{\"clusters\":" + clusters + ",\"anomalies\":" + anomalies + "}");
    List<String> command = new ArrayList<>();
    command.add("node");
    command.add(Path.of("src/test/resources/web/age.js").toAbsolutePath().toString());
    command.add(Path.of("src/main/resources/web/app.js").toAbsolutePath().toString());
    command.add(file.toString());
    Path out = Files.createTempFile(dir, "page", ".json");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node finished").isTrue();
    assertThat(p.exitValue()).as("node exit code").isZero();
    return ApiClient.parse(Files.readString(out));
  }
}
