package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvReadFeature;

/**
 * {@code timeline IP} and {@code sources NAMESPACE --since}, on the command line and through the
 * API, on the walkthrough's history: simpson leaves with worker sl79n's IP (192.168.126.51) until
 * egressip-demo (192.168.126.100) is assigned to sl79n at 17:40:43, which fails over to worker
 * 82t6f at 18:02:00.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryAnswersIT {

  private static final Path EXAMPLES = Path.of("..", "examples", "walkthrough");
  private static final String SL79N = "ocp-8vr6j-worker-0-sl79n";
  private static final String W82T6F = "ocp-8vr6j-worker-0-82t6f";
  private static final String EGRESS_IP = "192.168.126.100";
  private static final String HISTORY_START = "2021-11-25T12:00:00Z";
  private static final String ASSIGNED = "2021-11-26T17:40:43Z";
  private static final String FAILOVER = "2021-11-26T18:02:00Z";
  private static final JsonMapper JSON = new JsonMapper();

  private String db;

  @BeforeAll
  void replayTheWalkthroughsHistory(@TempDir Path dir) {
    db = dir.resolve("audit.db").toString();
    importState("01-before-egressip.yaml", HISTORY_START);
    importState("02-egressip-assigned.yaml", ASSIGNED);
    importState("03-after-failover.yaml", FAILOVER);
  }

  @Test
  void theEgressIpsFailoverShowsAsTwoRows() {
    JsonNode answer = json("timeline", EGRESS_IP, "-o", "json");

    assertThat(answer.get("ip").asString()).isEqualTo(EGRESS_IP);
    assertThat(answer.get("since").asString()).as("history start").isEqualTo(HISTORY_START);
    assertFailoverRows(answer.get("owners"));
  }

  @Test
  void aNodeIpWhoseOwnerStaysTheSameIsOneRowAlthoughTheNodeObjectChanged() {
    // worker 82t6f's object changes at the failover (it takes the egress IP), its namespaces do not
    JsonNode owners = json("timeline", "192.168.126.53", "-o", "json").get("owners");

    assertThat(owners).as("%s", owners).hasSize(1);
    assertThat(owners.get(0).get("owner").get("node").asString()).isEqualTo(W82T6F);
    assertThat(owners.get(0).get("from").asString()).isEqualTo(HISTORY_START);
  }

  @Test
  void theEgressIpsFailoverShowsAsTwoRowsThroughTheApi() throws Exception {
    try (AuditServer server =
        TestServers.start(Database.at(Path.of(db)), HitWriter.Settings.DEFAULT, false)) {
      ApiClient api = new ApiClient(server.apiPort());

      JsonNode answer =
          api.getJson("/api/v1/ips/" + EGRESS_IP + "/timeline?since=2021-11-26T00:00:00Z");

      assertThat(answer.get("since").asString()).isEqualTo("2021-11-26T00:00:00Z");
      assertFailoverRows(answer.get("owners"));
      assertThat(api.get("/api/v1/ips/" + EGRESS_IP + "/timeline?sinse=1d").status())
          .isEqualTo(400);
    }
  }

  private static void assertFailoverRows(JsonNode owners) {
    assertThat(owners).hasSize(2);
    JsonNode first = owners.get(0);
    assertThat(first.get("from").asString()).isEqualTo(ASSIGNED);
    assertThat(first.get("until").asString()).isEqualTo(FAILOVER);
    assertThat(first.get("owner").get("kind").asString()).isEqualTo("egress-ip");
    assertThat(first.get("owner").get("egressIP").asString()).isEqualTo("egressip-demo");
    assertThat(first.get("owner").get("node").asString()).isEqualTo(SL79N);
    JsonNode second = owners.get(1);
    assertThat(second.get("from").asString()).isEqualTo(FAILOVER);
    assertThat(second.has("until")).as("still holds: %s", second).isFalse();
    assertThat(second.get("owner").get("node").asString()).isEqualTo(W82T6F);
    assertThat(strings(second.get("owner").get("namespaces"))).containsExactly("simpson");
  }

  @Test
  void timelineTableHasOneRowPerOwner() {
    Run r = run("timeline", EGRESS_IP, "-o", "table", "--db", db);

    assertThat(r.code).as(r.err).isZero();
    List<String> lines = r.out.strip().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("FROM").contains("OWNER");
    assertThat(lines.get(1)).contains(ASSIGNED, FAILOVER, "egressip-demo on " + SL79N);
    assertThat(lines.get(2)).contains(FAILOVER, "<none>", "egressip-demo on " + W82T6F);
    // "until <none>" is as of the last state recorded, years ago: the answer says so
    assertThat(lines.get(3))
        .startsWith("note: " + OLD_STATE)
        .endsWith(" days before the time asked)");
  }

  /** The note of an answer from the walkthrough's last state, recorded in 2021. */
  private static final String OLD_STATE =
      "cluster/demo: state of cluster demo last recorded at " + FAILOVER + " (";

  @Test
  void simpsonsSourcesSinceBeforeHistoryAreItsNodeIpThenTheEgressIpOnEachNode() {
    JsonNode answer = json("sources", "simpson", "--since", "2021-11-25T00:00:00Z");

    List<String> rows = new ArrayList<>();
    answer
        .get("sources")
        .forEach(
            s ->
                rows.add(
                    s.get("ip").asString()
                        + " "
                        + s.get("kind").asString()
                        + " "
                        + s.get("node").asString()
                        + " "
                        + s.get("from").asString()
                        + " "
                        + (s.has("until") ? s.get("until").asString() : "-")));
    assertThat(rows)
        .containsExactly(
            "192.168.126.51 node " + SL79N + " " + HISTORY_START + " " + ASSIGNED,
            EGRESS_IP + " egress-ip " + SL79N + " " + ASSIGNED + " " + FAILOVER,
            EGRESS_IP + " egress-ip " + W82T6F + " " + FAILOVER + " -");
    List<String> notes = strings(answer.get("notes"));
    assertThat(notes).hasSize(2);
    assertThat(notes.get(0)).isEqualTo("cluster/demo: history starts at " + HISTORY_START);
    assertThat(notes.get(1)).startsWith(OLD_STATE);
  }

  @Test
  void sourcesAsCsvIsAHeaderThenOneRowPerSourceIpAsInTheJson() {
    JsonNode json = json("sources", "simpson", "--at", ASSIGNED);
    Run r = run("sources", "simpson", "--at", ASSIGNED, "-o", "csv", "--db", db);

    assertThat(r.code).as(r.err).isZero();
    List<List<String>> rows = csvRows(r.out);
    assertThat(rows.get(0)).containsExactly("cluster", "ip", "kind", "egressIP", "node", "pods");
    List<List<String>> expected = new ArrayList<>();
    json.get("sources")
        .forEach(
            s -> {
              List<String> pods = new ArrayList<>();
              s.get("pods").forEach(p -> pods.add(p.get("name").asString()));
              expected.add(
                  List.of(
                      s.get("cluster").asString(),
                      s.get("ip").asString(),
                      s.get("kind").asString(),
                      s.has("egressIP") ? s.get("egressIP").asString() : "",
                      s.get("node").asString(),
                      String.join(" ", pods)));
            });
    assertThat(expected).hasSize(1);
    assertThat(expected.get(0)).startsWith("demo", EGRESS_IP, "egress-ip", "egressip-demo", SL79N);
    assertThat(rows.subList(1, rows.size())).isEqualTo(expected);
  }

  @Test
  void sourcesSinceAsCsvHasTheSpansAndTheNotesOnStderr() {
    Run r = run("sources", "simpson", "--since", "2021-11-25T00:00:00Z", "-o", "csv", "--db", db);

    assertThat(r.code).as(r.err).isZero();
    assertThat(csvRows(r.out))
        .containsExactly(
            List.of("cluster", "ip", "kind", "egressIP", "node", "from", "until"),
            List.of("demo", "192.168.126.51", "node", "", SL79N, HISTORY_START, ASSIGNED),
            List.of("demo", EGRESS_IP, "egress-ip", "egressip-demo", SL79N, ASSIGNED, FAILOVER),
            List.of("demo", EGRESS_IP, "egress-ip", "egressip-demo", W82T6F, FAILOVER, ""));
    List<String> notes = r.err.strip().lines().toList();
    assertThat(notes).hasSize(2);
    assertThat(notes.get(0)).isEqualTo("note: cluster/demo: history starts at " + HISTORY_START);
    assertThat(notes.get(1)).startsWith("note: " + OLD_STATE);
  }

  @Test
  void sourcesOfAMisspelledNamespaceIsWrongUsageNotAnEmptyAllowList() throws Exception {
    Run r = run("sources", "simpsn", "-o", "csv", "--db", db);

    assertThat(r.code).as(r.out).isEqualTo(2);
    assertThat(r.out).isEmpty();
    assertThat(r.err.strip())
        .isEqualTo(
            "egress-audit sources: unknown namespace 'simpsn': no cluster's history has it;"
                + " did you mean 'simpson'?");
    assertThat(run("sources", "simpsn", "--since", "30d", "--db", db).code).isEqualTo(2);
    try (AuditServer server =
        TestServers.start(Database.at(Path.of(db)), HitWriter.Settings.DEFAULT, false)) {
      ApiClient api = new ApiClient(server.apiPort());
      ApiClient.Answer answer = api.get("/api/v1/namespaces/simpsn/sources");
      assertThat(answer.status()).isEqualTo(400);
      assertThat(answer.body()).contains("did you mean 'simpson'?");
    }
  }

  @Test
  void aNamespaceWithoutPodsHasNoSourceAndTheNoteSaysWhyNotThatHistoryIsMissing() {
    JsonNode answer = json("sources", "default", "--at", ASSIGNED);

    assertThat(answer.get("sources")).isEmpty();
    assertThat(strings(answer.get("notes")))
        .containsExactly(
            "no active pod of default at " + ASSIGNED + ": no source IP to allow then");
  }

  /** The rows of a sources answer for one namespace, as JSON text without the namespace key. */
  private static List<String> rowsOf(JsonNode answer, String namespace) {
    List<String> out = new ArrayList<>();
    answer
        .get("sources")
        .forEach(
            s -> {
              if (namespace == null || namespace.equals(s.path("namespace").asString())) {
                var copy = s.deepCopy();
                ((tools.jackson.databind.node.ObjectNode) copy).remove("namespace");
                out.add(copy.toString());
              }
            });
    return out;
  }

  @Test
  void allNamespacesSinceAreEveryNamespacesSpansKeyedAsOneNamespacesWithTheNamespaceFirst() {
    JsonNode all = json("sources", "-A", "--since", "2021-11-25T00:00:00Z");

    List<String> namespaces = new ArrayList<>();
    all.get("sources").forEach(s -> namespaces.add(s.get("namespace").asString()));
    assertThat(namespaces).contains("simpson", "bouvier").isSorted();
    for (String ns : new java.util.TreeSet<>(namespaces)) {
      JsonNode one = json("sources", ns, "--since", "2021-11-25T00:00:00Z");
      assertThat(rowsOf(all, ns)).as(ns).isEqualTo(rowsOf(one, null)).isNotEmpty();
    }
    assertThat(all.get("since").asString()).isEqualTo("2021-11-25T00:00:00Z");
    assertThat(all.has("until")).isTrue();
    assertThat(all.has("notes")).isTrue();
  }

  @Test
  void allNamespacesAtATimeAreEveryNamespacesSourcesKeyedAsOneNamespaces() {
    JsonNode all = json("sources", "--all-namespaces", "--at", ASSIGNED);

    JsonNode simpson = json("sources", "simpson", "--at", ASSIGNED);
    assertThat(rowsOf(all, "simpson")).isEqualTo(rowsOf(simpson, null)).hasSize(1);
    assertThat(rowsOf(all, "bouvier")).isNotEmpty();
    assertThat(all.get("at").asString()).isEqualTo(ASSIGNED);
  }

  @Test
  void allNamespacesAsTableAndCsvHaveTheNamespaceColumnFirst() {
    Run table = run("sources", "-A", "--since", "2021-11-25T00:00:00Z", "-o", "table", "--db", db);
    Run csv = run("sources", "-A", "--at", ASSIGNED, "-o", "csv", "--db", db);

    assertThat(table.code).as(table.err).isZero();
    assertThat(table.out.lines().findFirst().orElseThrow()).startsWith("NAMESPACE  CLUSTER");
    assertThat(table.out).contains("simpson", "bouvier");
    assertThat(csv.code).as(csv.err).isZero();
    List<List<String>> rows = csvRows(csv.out);
    assertThat(rows.get(0))
        .containsExactly("namespace", "cluster", "ip", "kind", "egressIP", "node", "pods");
    List<List<String>> simpson =
        rows.stream().filter(r -> r.get(0).equals("simpson")).map(r -> r.subList(0, 6)).toList();
    assertThat(simpson)
        .containsExactly(
            List.of("simpson", "demo", EGRESS_IP, "egress-ip", "egressip-demo", SL79N));
    assertThat(rows.stream().map(r -> r.get(0))).contains("bouvier");
  }

  @Test
  void aNamespaceWithAllNamespacesOrNeitherIsWrongUsage() {
    Run both = run("sources", "simpson", "-A", "--db", db);
    Run neither = run("sources", "--db", db);

    assertThat(both.code).isEqualTo(2);
    assertThat(both.err.lines().toList())
        .containsExactly(
            "egress-audit sources: NAMESPACE (simpson) and --all-namespaces cannot be used"
                + " together");
    assertThat(neither.code).isEqualTo(2);
    assertThat(neither.err.lines().toList())
        .containsExactly(
            "egress-audit sources: give a NAMESPACE, or --all-namespaces (-A) for every namespace");
  }

  @Test
  void allNamespacesThroughTheApiAnswersAsTheCommandLine() throws Exception {
    JsonNode cli = json("sources", "-A", "--since", ASSIGNED);
    try (AuditServer server =
        TestServers.start(Database.at(Path.of(db)), HitWriter.Settings.DEFAULT, false)) {
      ApiClient api = new ApiClient(server.apiPort());

      JsonNode since = api.getJson("/api/v1/sources?since=" + ASSIGNED);
      JsonNode at = api.getJson("/api/v1/sources?at=" + ASSIGNED + "&cluster=demo");

      assertThat(since.get("sources")).isEqualTo(cli.get("sources"));
      assertThat(rowsOf(at, "simpson")).hasSize(1);
      assertThat(api.get("/api/v1/sources?since=1d&at=1d").status()).isEqualTo(400);
      assertThat(api.get("/api/v1/sources?namespace=simpson").status()).isEqualTo(400);
    }
  }

  @Test
  void aNetworkWithAnOwnerFilterListsTheOwnersHitsFromThatNetworkOnly() {
    Run log = run("import-log", EXAMPLES.resolve("access_log").toString(), "--db", db);
    assertThat(log.code).as(log.err).isZero();

    List<String> simpson = new ArrayList<>();
    json("hits", "--namespace", "simpson", "-o", "json")
        .get("hits")
        .forEach(h -> simpson.add(h.get("id").asString() + " " + h.get("sourceIp").asString()));
    List<String> inNetwork = new ArrayList<>();
    json("hits", "--namespace", "simpson", "--ip", "192.168.126.96/28", "-o", "json")
        .get("hits")
        .forEach(h -> inNetwork.add(h.get("id").asString() + " " + h.get("sourceIp").asString()));

    assertThat(simpson).anyMatch(h -> h.endsWith(" 192.168.126.51"));
    assertThat(inNetwork)
        .isNotEmpty()
        .isEqualTo(simpson.stream().filter(h -> h.endsWith(" " + EGRESS_IP)).toList());
  }

  /** Parses CSV as a spreadsheet would (RFC 4180), every row as its cells. */
  private static List<List<String>> csvRows(String csv) {
    List<List<String>> rows = new ArrayList<>();
    try (MappingIterator<String[]> it =
        CsvMapper.builder()
            .enable(CsvReadFeature.WRAP_AS_ARRAY)
            .build()
            .readerFor(String[].class)
            .readValues(csv)) {
      it.forEachRemaining(row -> rows.add(List.of(row)));
    }
    return rows;
  }

  @Test
  void sourcesSinceTheFailoverThroughTheApiIsTheEgressIpOnTheNewNode() throws Exception {
    try (AuditServer server =
        TestServers.start(Database.at(Path.of(db)), HitWriter.Settings.DEFAULT, false)) {
      ApiClient api = new ApiClient(server.apiPort());

      JsonNode answer = api.getJson("/api/v1/namespaces/simpson/sources?since=" + FAILOVER);

      assertThat(answer.get("sources")).hasSize(1);
      JsonNode s = answer.get("sources").get(0);
      assertThat(s.get("ip").asString()).isEqualTo(EGRESS_IP);
      assertThat(s.get("egressIP").asString()).isEqualTo("egressip-demo");
      assertThat(s.get("node").asString()).isEqualTo(W82T6F);
      assertThat(api.get("/api/v1/namespaces/simpson/sources?since=1d&at=1d").status())
          .isEqualTo(400);
    }
  }

  @Test
  void sourcesRefusesSinceWithAt() {
    Run r = run("sources", "simpson", "--since", "1d", "--at", "1h", "--db", db);

    assertThat(r.code).isNotZero();
    assertThat(r.err).contains("egress-audit sources:", "--since and --at");
  }

  private JsonNode json(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--db";
    all[args.length + 1] = db;
    Run r = run(all);
    assertThat(r.code).as(r.err).isZero();
    return JSON.readTree(r.out);
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

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
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
