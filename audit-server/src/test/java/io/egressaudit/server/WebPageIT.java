package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.StaleSpans;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The web page the API serves at {@code /}, against a server that has every case the page shows:
 * the bundled example cluster ({@code demo}) whose live view is stale since a minute (a stale span
 * as a watcher records it), a hit from the node that carries simpson's EgressIP (a leak suspect),
 * and a cluster-state file ({@code dup}, two EgressIPs claiming one IP: an anomaly) that breaks
 * after its first import, so its source is stale.
 *
 * <p>The page's renderers (web/app.js) run under Node on the API's real answers, and its whole
 * script on a stand-in for the DOM against this server, then with the server unreachable; the
 * fields they read are checked in the answers without Node too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebPageIT {

  /** Node ocp-8vr6j-worker-0-sl79n, which holds simpson's egress IP: its IP is a leak suspect. */
  private static final String WORKER_SL79N = "127.0.0.51";

  private static final String STALE_REASON = "API unreachable: connection refused";

  /** The IP both EgressIPs of cluster dup claim. */
  private static final String DUP_IP = "192.168.126.100";

  /** The query the page asks for its hits table. */
  private static final String PAGE_HITS = "/api/v1/hits?since=1h&limit=200&order=desc";

  @TempDir static Path dir;

  private AuditServer server;
  private ApiClient api;
  private final HttpClient http = HttpClient.newHttpClient();
  private Instant staleSince;

  @BeforeAll
  void startWithEveryCaseThePageShows() throws Exception {
    Database database = Database.at(dir.resolve("audit.db"));
    database.migrate();
    staleSince = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
    new StaleSpans(database).stale("demo", staleSince, STALE_REASON);
    Path dump = dir.resolve("dup.yaml");
    Files.copy(Path.of("src/test/resources/anomalies/ip-claimed-by-two-egressips.yaml"), dump);

    server =
        AuditServer.start(
            TestServers.config(database)
                .example(true)
                .clusterStates(Map.of("dup", dump))
                .rescanSeconds(1)
                .build());
    api = new ApiClient(server.apiPort());
    await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/readyz").status() == 200);
    assertThat(LoopbackClient.get(WORKER_SL79N, server.hitPorts().get(0), "/from-sl79n").status())
        .isEqualTo(200);

    // the file breaks: its cluster keeps its last state, stale since the rescan that failed
    Files.writeString(dump, "kind: List\nitems: [ {kind: Node");
    Files.setLastModifiedTime(dump, FileTime.from(Instant.now().plusSeconds(5)));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "stale".equals(text(cluster("dup").get("status"))));
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void pageScriptAndStyleAreServedWithTheirTypesAndAPolicyAllowingThisServerOnly()
      throws Exception {
    Map<String, String> types =
        Map.of(
            "/", "text/html; charset=utf-8",
            "/app.js", "text/javascript; charset=utf-8",
            "/app.css", "text/css; charset=utf-8");
    for (var e : types.entrySet()) {
      HttpResponse<String> r = get(e.getKey());
      assertThat(r.statusCode()).as(e.getKey()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).as(e.getKey()).contains(e.getValue());
      assertThat(r.headers().firstValue("x-content-type-options")).contains("nosniff");
      String csp = r.headers().firstValue("content-security-policy").orElse("");
      assertThat(csp)
          .as(e.getKey())
          .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'")
          .doesNotContain("unsafe-inline", "unsafe-eval", "*");
      // no external URL: the page must work on a bastion without internet
      assertThat(r.body()).as(e.getKey()).doesNotContain("http:", "https:");
    }
    String html = get("/").body();
    Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
    List<String> loaded = new ArrayList<>();
    while (refs.find()) {
      loaded.add(refs.group(1));
    }
    assertThat(loaded).containsExactlyInAnyOrder("app.css", "app.js");
  }

  @Test
  void pageHasNothingInlineThePolicyWouldBlockAndTheScriptParsesNoMarkup() throws Exception {
    String html = get("/").body();
    assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)");
    assertThat(html).doesNotContainPattern("<style|\\sstyle=|\\son[a-z]+=");
    // names come from the cluster: the script builds elements and text nodes, never markup
    assertThat(get("/app.js").body())
        .doesNotContain(
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function");
  }

  @Test
  void apiAnswersCarryEveryFieldThePageReads() throws Exception {
    // the fields web/app.js reads; it also reads ambiguous, assignedIPs, watchRestarts and
    // egressIPs where present, which this set-up (no live cluster, no ECMP) does not give
    assertFields(api.get("/readyz").json(), "status", "sources[].cluster", "sources[].status");
    assertFields(
        api.getJson("/api/v1/clusters"),
        "clusters[].cluster",
        "clusters[].source",
        "clusters[].status",
        "clusters[].since",
        "clusters[].reason",
        "clusters[].lastSynced",
        "clusters[].secondsSinceSync",
        "clusters[].historyFrom",
        "clusters[].lastChange",
        "clusters[].objects",
        "clusters[].intervals");
    assertFields(
        api.getJson("/api/v1/anomalies"),
        "anomalies[].rule",
        "anomalies[].cluster",
        "anomalies[].message",
        "anomalies[].egressIPs",
        "anomalies[].ips",
        "anomalies[].nodes",
        "anomalies[].namespaces",
        "anomalies[].pods",
        "notes");
    assertFields(
        api.getJson(PAGE_HITS),
        "hits[].id",
        "hits[].receivedAt",
        "hits[].sourceIp",
        "hits[].sourcePort",
        "hits[].method",
        "hits[].path",
        "hits[].probeId",
        "hits[].attribution[].kind",
        "hits[].attribution[].cluster",
        "hits[].attribution[].namespaces",
        "hits[].attribution[].node",
        "hits[].attribution[].leakSuspects",
        "hits[].attribution[].leakEgressIPs",
        "hits[].attribution[].note",
        "hits[].attribution[].stale.since",
        "hits[].attribution[].stale.reason");
    assertFields(
        api.getJson("/api/v1/whois/" + DUP_IP + "?cluster=dup"),
        "ip",
        "at",
        "matches[].kind",
        "matches[].egressIP",
        "matches[].since",
        "matches[].pods[].namespace",
        "matches[].pods[].name",
        "matches[].podCount",
        "matches[].anomalies[].rule",
        "matches[].anomalies[].message");
  }

  @Test
  void pageShowsStatesAnomaliesLeaksAndStaleAttributionFromTheApisAnswers() throws Exception {
    Assumptions.assumeTrue(
        onPath("node"), "node is not on PATH (.ci/run installs it) to run the page's renderers");
    String answers =
        "{\"readyz\":"
            + api.get("/readyz").body()
            + ",\"clusters\":"
            + api.get("/api/v1/clusters").body()
            + ",\"anomalies\":"
            + api.get("/api/v1/anomalies").body()
            + ",\"hits\":"
            + api.get(PAGE_HITS).body()
            + ",\"whois\":["
            + api.get("/api/v1/whois/" + WORKER_SL79N).body()
            + ","
            + api.get("/api/v1/whois/" + DUP_IP + "?cluster=dup").body()
            + "]}";
    JsonNode page = render(answers);

    assertThat(text(page.get("readiness")))
        .startsWith("ready: every cluster source has been recorded");
    JsonNode dup = cluster("dup");
    assertThat(text(page.get("clusters")))
        .contains("demo | bundled:")
        .contains(" | synced")
        .contains(
            "dup | "
                + text(dup.get("source"))
                + " | stale since "
                + seconds(text(dup.get("since")))
                + ": "
                + text(dup.get("reason")));
    JsonNode anomaly = api.getJson("/api/v1/anomalies?cluster=dup").get("anomalies").get(0);
    assertThat(text(page.get("anomalies")))
        .contains("dup | ip-claimed-by-two-egressips | ")
        .contains(text(anomaly.get("message")));
    assertThat(text(page.get("hits")))
        .contains("host traffic of node ocp-8vr6j-worker-0-sl79n")
        .contains("leak? simpson should leave through egressip-demo")
        .contains("stale: watch down since " + staleSince + ": " + STALE_REASON);
    assertThat(text(page.get("whois")))
        .contains(WORKER_SL79N + " at ")
        .contains("leak? simpson should leave through egressip-demo")
        .contains("stale: watch down since " + staleSince + ": " + STALE_REASON)
        .contains("anomaly: ip-claimed-by-two-egressips: " + text(anomaly.get("message")))
        // a file has no watch to be down
        .contains(
            "stale since "
                + seconds(text(dup.get("since")))
                + ": cannot read "
                + dir.resolve("dup.yaml")
                + ":2:");
  }

  @Test
  void pageUpdatesItselfAndSaysSoWhenTheServerCannotBeReached() throws Exception {
    Assumptions.assumeTrue(
        onPath("node"), "node is not on PATH (.ci/run installs it) to run the page's script");
    JsonNode shown =
        node(
            "wiring.js",
            Path.of("src/main/resources/web/app.js").toAbsolutePath().toString(),
            "http://127.0.0.1:" + server.apiPort());
    JsonNode loaded = shown.get("loaded");
    int anomalies = api.getJson("/api/v1/anomalies").get("anomalies").size();

    assertThat(text(loaded.get("updated"))).startsWith("updated at ").contains(", every 5 s");
    assertThat(text(loaded.get("readiness"))).startsWith("ready: ");
    assertThat(text(loaded.get("clusters-body"))).contains("dup | ").contains(" | stale since ");
    assertThat(text(loaded.get("anomaly-count")).strip()).isEqualTo(String.valueOf(anomalies));
    assertThat(text(loaded.get("anomalies-body"))).contains("ip-claimed-by-two-egressips");
    assertThat(text(loaded.get("hits-body")))
        .contains("leak? simpson should leave through egressip-demo")
        .contains("stale: watch down since " + staleSince + ": " + STALE_REASON);
    assertThat(text(loaded.get("whois-result")))
        .startsWith(WORKER_SL79N + " at ")
        .contains("leak? simpson should leave through egressip-demo");
    assertThat(loaded.get("offline").asBoolean()).isFalse();

    JsonNode down = shown.get("unreachable");
    assertThat(text(down.get("updated")))
        .startsWith("cannot reach the audit server at ")
        .contains("what is shown is from ");
    assertThat(down.get("offline").asBoolean()).isTrue();
    // what was shown stays, greyed, rather than an empty page
    assertThat(text(down.get("clusters-body"))).isEqualTo(text(loaded.get("clusters-body")));
    assertThat(text(down.get("hits-body"))).isEqualTo(text(loaded.get("hits-body")));
  }

  private JsonNode cluster(String name) throws Exception {
    for (JsonNode c : api.getJson("/api/v1/clusters").get("clusters")) {
      if (name.equals(text(c.get("cluster")))) {
        return c;
      }
    }
    throw new AssertionError("no cluster " + name);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.apiPort() + path))
            .timeout(Duration.ofSeconds(15))
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Runs the page's renderers (web/app.js) under Node on the answers; their text by section. */
  private JsonNode render(String answers) throws Exception {
    Path file = dir.resolve("answers.json");
    Files.writeString(file, answers);
    return node(
        "render.js",
        Path.of("src/main/resources/web/app.js").toAbsolutePath().toString(),
        file.toString());
  }

  /** Runs a script of src/test/resources/web under Node; what it prints, as JSON. */
  private static JsonNode node(String script, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("node");
    command.add(Path.of("src/test/resources/web", script).toAbsolutePath().toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, script, ".json");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node " + script + " finished").isTrue();
    assertThat(p.exitValue()).as("node " + script + " exit code").isZero();
    return ApiClient.parse(Files.readString(out));
  }

  /**
   * Checks that each dotted path is in the answer; {@code a[]} means any element of array {@code
   * a}, so {@code hits[].attribution[].stale.since} needs one hit with one match that has it.
   */
  private static void assertFields(JsonNode answer, String... paths) {
    for (String path : paths) {
      assertThat(present(answer, List.of(path.split("\\.")))).as("%s in %s", path, answer).isTrue();
    }
  }

  private static boolean present(JsonNode node, List<String> path) {
    if (path.isEmpty()) {
      return true;
    }
    String step = path.get(0);
    boolean each = step.endsWith("[]");
    String field = each ? step.substring(0, step.length() - 2) : step;
    if (node == null || !node.isObject() || !node.has(field)) {
      return false;
    }
    JsonNode next = node.get(field);
    List<String> rest = path.subList(1, path.size());
    if (!each) {
      return present(next, rest);
    }
    for (JsonNode element : next) {
      if (present(element, rest)) {
        return true;
      }
    }
    return false;
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asString();
  }

  /** An RFC 3339 time as the page shows it: without its fraction of a second. */
  private static String seconds(String time) {
    return time.replaceAll("\\.\\d+Z$", "Z");
  }

  private static boolean onPath(String command) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
  }
}
