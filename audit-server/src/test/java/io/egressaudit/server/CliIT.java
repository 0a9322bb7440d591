package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;

/**
 * The {@code egress-audit} command line as a firewall team runs it, in-process: exit codes,
 * one-line errors on stderr, access-log import and the four output formats of {@code hits}.
 */
class CliIT {

  /** Keys every hit carries in json and jsonl, null or not (the design's contract). */
  private static final List<String> HIT_KEYS =
      List.of(
          "id",
          "receivedAt",
          "sourceIp",
          "sourcePort",
          "method",
          "path",
          "userAgent",
          "probeId",
          "attribution");

  /**
   * Three good lines (1, 3, 5) and two bad ones (2: not a log line, 4: a host name where the client
   * IP must be). Times are 17:53-17:56Z, after the example cluster's EgressIP appeared.
   */
  private static final String MIXED_LOG =
      """
      127.0.0.100 - - [26/Nov/2021:12:53:13 -0500] "GET / HTTP/1.1" 200 3 "-" "curl/7.61.1"
      this is not a log line
      127.0.0.53 - - [26/Nov/2021:12:54:00 -0500] "GET /probe/p-42 HTTP/1.1" 200 3 "-" "curl/7.61.1"
      bastion.example.com - - [26/Nov/2021:12:55:00 -0500] "GET / HTTP/1.1" 200 3 "-" "curl/7.61.1"
      127.0.0.51 - - [26/Nov/2021:12:56:00 -0500] "GET /clientip HTTP/1.1" 200 15 "-" "-"
      """;

  @TempDir Path dir;

  private Path db;

  /** What one run printed and returned. */
  record Run(int exitCode, String out, String err) {

    List<String> errLines() {
      return err.lines().toList();
    }
  }

  @BeforeEach
  void database() {
    db = dir.resolve("audit.db");
  }

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
  void clusterImportOfMalformedYamlExits1WithOneLineNamingTheFile() throws IOException {
    Path broken =
        Files.writeString(
            dir.resolve("broken.yaml"),
            "apiVersion: v1\nitems:\n- kind: Node\n  metadata: {name: [unclosed\n");

    Run r = run("cluster", "import", broken.toString(), "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err()).contains(broken.toString());
    assertThat(r.out()).isEmpty();
  }

  @Test
  void clusterImportOfAnAccessLogSaysAKubectlDumpIsExpectedNamingFileAndLine() throws IOException {
    Path log = Files.writeString(dir.resolve("access_log"), MIXED_LOG);

    Run r = run("cluster", "import", log.toString(), "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines())
        .containsExactly(
            "egress-audit cluster import: "
                + log
                + ":1:1: document 1: not a mapping (found a string): expected a kubectl dump"
                + " (kubectl get ... -o yaml or -o json)");
  }

  @Test
  void clusterImportRefusesADumpMissingAWholeKindTheClusterHasUnlessAllowed() throws IOException {
    Path full = Path.of("../examples/walkthrough/02-egressip-assigned.yaml");
    Run first =
        run("cluster", "import", full.toString(), "--cluster", "demo", "--db", db.toString());
    assertThat(first.exitCode()).as("%s", first).isZero();
    // what kubectl get pods -A -o yaml alone gives: the pods, no node, namespace or EgressIP
    String pods =
        "apiVersion: v1\nkind: List\nitems:\n"
            + "- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, namespace: simpson}\n"
            + "  spec: {nodeName: ocp-8vr6j-worker-0-sl79n}\n"
            + "  status: {phase: Running, podIP: 10.128.2.99}\n";
    Path partial = Files.writeString(dir.resolve("pods-only.yaml"), pods);

    Run refused =
        run("cluster", "import", partial.toString(), "--cluster", "demo", "--db", db.toString());

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(1);
    assertThat(refused.errLines()).as("%s", refused).hasSize(1);
    assertThat(refused.err())
        .contains(partial + ": no Node or Namespace or EgressIP object in it")
        .contains("cluster 'demo' has ")
        .contains("--allow-missing-kinds");
    Run whois = run("whois", "192.168.126.100", "--cluster", "demo", "--db", db.toString());
    assertThat(whois.out()).as("nothing was ended: %s", whois).contains("egressip-demo");

    Run allowed =
        run(
            "cluster",
            "import",
            partial.toString(),
            "--cluster",
            "demo",
            "--allow-missing-kinds",
            "--db",
            db.toString());
    assertThat(allowed.exitCode()).as("%s", allowed).isZero();
    Run after = run("whois", "192.168.126.100", "--cluster", "demo", "--db", db.toString());
    assertThat(after.out()).as("%s", after).doesNotContain("egressip-demo");
  }

  @Test
  void clusterImportReadsStandardInputForADash() throws IOException {
    InputStream saved = System.in;
    Run r;
    try {
      System.setIn(
          new ByteArrayInputStream(
              Files.readAllBytes(Path.of("../examples/walkthrough/01-before-egressip.yaml"))));
      r = run("cluster", "import", "-", "--cluster", "demo", "--db", db.toString());
    } finally {
      System.setIn(saved);
    }

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out())
        .contains("cluster/demo state at")
        .contains("recorded from standard input: ");
    Run whois = run("whois", "192.168.126.53", "--cluster", "demo", "--db", db.toString());
    assertThat(whois.out()).as("%s", whois).contains("ocp-8vr6j-worker-0-82t6f");
  }

  @Test
  void whoisOfSomethingThatIsNotAnIpIsWrongUsageNamingTheParameter() {
    Run r = run("whois", "not-an-ip", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.errLines()).as("the error, then where to find help: %s", r).hasSize(2);
    assertThat(r.errLines().get(0))
        .startsWith("egress-audit whois: ")
        .contains("(IP)")
        .contains("not an IP address: 'not-an-ip'");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void hitsWithGarbageSinceExits2NamingTheOption() {
    Run r = run("hits", "--since", "garbage", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.errLines()).as("the error, then where to find help: %s", r).hasSize(2);
    assertThat(r.errLines().get(0)).contains("--since").contains("garbage");
  }

  @Test
  void readingCommandsOnAMissingDatabaseExit1AndCreateNothing() {
    Path typo = db.resolveSibling("typo.db");
    for (String[] args :
        List.of(
            new String[] {"whois", "1.2.3.4", "--db", typo.toString()},
            new String[] {"sources", "simpson", "--db", typo.toString()},
            new String[] {"hits", "--db", typo.toString()})) {
      Run r = run(args);

      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.errLines()).as("%s", r).hasSize(1);
      assertThat(r.err()).contains(typo.toString()).contains("no such database");
      assertThat(typo).doesNotExist();
    }
  }

  @Test
  void serveWithAnUnknownTransportExits2NamingTheChoices() {
    Run r = run("serve", "--transport", "kqueue", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.errLines().get(0)).contains("--transport").contains("kqueue").contains("io_uring");
    assertThat(r.errLines()).as("the error, then where to find help").hasSize(2);
  }

  @Test
  void importLogImportsGoodLinesReportsBadOnesByLineAndAddsNothingTheSecondTime()
      throws IOException {
    Path log = Files.writeString(dir.resolve("access_log"), MIXED_LOG);

    Run first = run("import-log", log.toString(), "--db", db.toString());

    assertThat(first.exitCode()).as("%s", first).isEqualTo(1);
    assertThat(first.errLines()).as("%s", first).hasSize(2);
    assertThat(first.errLines().get(0)).startsWith(log + ":2: ");
    assertThat(first.errLines().get(1)).startsWith(log + ":4: ").contains("bastion.example.com");
    assertThat(first.out()).contains("3 hits imported").contains("2 rejected");

    Run again = run("import-log", log.toString(), "--db", db.toString());

    assertThat(again.out())
        .as("%s", again)
        .contains("0 hits imported")
        .contains("3 already present");
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(jsonl(run("hits", "-o", "jsonl", "--db", db.toString()).out())).hasSize(3);
  }

  @Test
  void hitsAsJsonlCarriesEveryKeyAndTheAttribution() throws IOException {
    recordExampleClusterAndLog();

    Run r = run("hits", "-o", "jsonl", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
    List<JsonNode> hits = jsonl(r.out());
    assertThat(hits).hasSize(3);
    hits.forEach(CliIT::assertHitShape);
    assertEgressIpHit(hits.get(0));
    assertThat(hits.get(1).get("probeId").asString()).isEqualTo("p-42");
    assertThat(hits.get(2).get("probeId").isNull()).isTrue();
    assertThat(hits.get(2).get("userAgent").isNull()).isTrue();
  }

  @Test
  void hitsAsJsonIsOneDocumentWithTheSameHits() throws IOException {
    recordExampleClusterAndLog();

    Run r = run("hits", "-o", "json", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
    JsonNode hits = ApiClient.parse(r.out()).get("hits");
    assertThat(hits).hasSize(3);
    hits.forEach(CliIT::assertHitShape);
    assertEgressIpHit(hits.get(0));
  }

  @Test
  void hitsAsCsvHasAHeaderAndOneRowPerHit() throws IOException {
    recordExampleClusterAndLog();

    Run r = run("hits", "-o", "csv", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
    CsvMapper csv = new CsvMapper();
    List<Map<String, String>> rows = new ArrayList<>();
    try (MappingIterator<Map<String, String>> it =
        csv.readerFor(Map.class).with(CsvSchema.emptySchema().withHeader()).readValues(r.out())) {
      it.forEachRemaining(rows::add);
    }
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0).keySet())
        .contains(
            "id",
            "receivedAt",
            "sourceIp",
            "sourcePort",
            "method",
            "path",
            "userAgent",
            "probeId",
            "kind",
            "namespaces");
    assertThat(rows.get(0))
        .containsEntry("sourceIp", "127.0.0.100")
        .containsEntry("receivedAt", "2021-11-26T17:53:13Z")
        .containsEntry("method", "GET")
        .containsEntry("path", "/")
        .containsEntry("userAgent", "curl/7.61.1")
        .containsEntry("probeId", "")
        .containsEntry("kind", "egress-ip")
        .containsEntry("egressIP", "egressip-demo")
        .containsEntry("namespaces", "simpson");
    assertThat(rows.get(1))
        .containsEntry("probeId", "p-42")
        .containsEntry("kind", "node")
        .containsEntry("namespaces", "bouvier");
    assertThat(rows).allSatisfy(row -> assertThat(row.get("kind")).isNotEmpty());
  }

  @Test
  void hitsAsTableHasOneLinePerHitUnderItsHeaders() throws IOException {
    recordExampleClusterAndLog();

    Run r = run("hits", "-o", "table", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0).split(" {2,}"))
        .containsExactly("ID", "RECEIVED", "SOURCE", "METHOD", "PATH", "PROBE", "ATTRIBUTION");
    String[] first = lines.get(1).split(" {2,}");
    assertThat(first).hasSize(7);
    assertThat(first[1]).isEqualTo("2021-11-26T17:53:13Z");
    assertThat(first[2]).isEqualTo("127.0.0.100");
    assertThat(first[5]).isEqualTo("<none>");
    assertThat(first[6]).contains("simpson").contains("egressip-demo");
    assertThat(lines.get(2).split(" {2,}")[5]).isEqualTo("p-42");
    assertThat(lines.get(3)).contains("127.0.0.51").contains("ocp-8vr6j-worker-0-sl79n");
  }

  @Test
  void whoisAnswersFromTheImportedClusterHistory() throws IOException {
    recordExampleClusterAndLog();

    Run json = run("whois", "127.0.0.100", "--at", "2021-11-26T17:53:13Z", "--db", db.toString());

    assertThat(json.exitCode()).as("%s", json).isZero();
    JsonNode match = ApiClient.parse(json.out()).get("matches").get(0);
    assertThat(match.get("kind").asString()).isEqualTo("egress-ip");
    assertThat(match.get("egressIP").asString()).isEqualTo("egressip-demo");
    Run before = run("whois", "127.0.0.100", "--at", "2021-11-26T17:00:00Z", "--db", db.toString());
    assertThat(ApiClient.parse(before.out()).get("matches").get(0).get("kind").asString())
        .isEqualTo("unknown");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"serve", "cluster", "cluster import", "whois", "hits", "import-log", "prune"})
  void helpOfEverySubcommandExits0(String command) {
    List<String> args = new ArrayList<>(List.of(command.split(" ")));
    args.add("--help");

    Run r = run(args.toArray(String[]::new));

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).startsWith("Usage: egress-audit " + command);
    assertThat(r.err()).isEmpty();
  }

  @Test
  void noCommandIsOneLineThenTheShortUsageListingTheCommandsAndExit2() {
    Run r = run();

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    List<String> lines = r.errLines();
    assertThat(lines.get(0)).isEqualTo("egress-audit: no command given");
    assertThat(lines.get(1)).startsWith("Usage: egress-audit ");
    assertThat(lines).contains("Commands:");
    assertThat(String.join("\n", lines))
        .containsPattern("(?m)^  serve +\\S")
        .containsPattern("(?m)^  whois +\\S")
        .containsPattern("(?m)^  prune +\\S")
        .doesNotContain("Exit codes:");
    assertThat(lines.subList(lines.indexOf("Commands:") + 1, lines.size() - 1))
        .as("one line per command")
        .hasSize(EgressAuditCommand.commandLine().getSubcommands().size())
        .allSatisfy(l -> assertThat(l).startsWith("  ").hasSizeLessThanOrEqualTo(80));
    assertThat(lines.get(lines.size() - 1))
        .isEqualTo("Try 'egress-audit --help' for more information.");
  }

  @Test
  void anUnknownCommandIsOneLineWithSuggestionsThenTheCommandsAndExit2() {
    Run r = run("whoi", "192.168.126.100");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    List<String> lines = r.errLines();
    assertThat(lines.get(0)).isEqualTo("egress-audit: 'whoi' is not a command");
    assertThat(lines.get(1)).isEqualTo("Did you mean: egress-audit whois?");
    assertThat(lines.get(2)).startsWith("Usage: egress-audit ");
    assertThat(lines).contains("Commands:");

    Run sub = run("cluster", "imprt", "x.yaml");
    assertThat(sub.exitCode()).isEqualTo(2);
    assertThat(sub.errLines().get(0)).isEqualTo("egress-audit cluster: 'imprt' is not a command");
    assertThat(sub.err()).contains("Did you mean: cluster import?", "  import ");
  }

  @Test
  void anUnknownOptionStaysPicoclisErrorAndWhereToFindHelp() {
    Run r = run("hits", "--limt", "5");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines().get(0))
        .startsWith("egress-audit hits: Unknown option")
        .contains("'--limt'");
    assertThat(r.err()).doesNotContain("Commands:");
  }

  @Test
  void helpCommandAndTopLevelHelpExit0() {
    assertThat(run("--help").exitCode()).isZero();
    assertThat(run("help", "hits").out()).startsWith("Usage: egress-audit hits");
  }

  /** The bundled example cluster as of 17:40:43Z (its EgressIP's creation), then MIXED_LOG. */
  private void recordExampleClusterAndLog() throws IOException {
    Path cluster = dir.resolve("cluster.yaml");
    try (InputStream in = CliIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      assertThat(in).as("the bundled example on the classpath").isNotNull();
      Files.copy(in, cluster);
    }
    Run imported =
        run(
            "cluster",
            "import",
            cluster.toString(),
            "--cluster",
            "demo",
            "--at",
            "2021-11-26T17:40:43Z",
            "--db",
            db.toString());
    assertThat(imported.exitCode()).as("%s", imported).isZero();
    Run log =
        run(
            "import-log",
            Files.writeString(dir.resolve("access_log"), MIXED_LOG).toString(),
            "--db",
            db.toString());
    assertThat(log.out()).as("%s", log).contains("3 hits imported");
  }

  private static List<JsonNode> jsonl(String text) {
    return text.lines().map(ApiClient::parse).toList();
  }

  private static void assertHitShape(JsonNode hit) {
    for (String key : HIT_KEYS) {
      assertThat(hit.has(key)).as("key %s in %s", key, hit).isTrue();
    }
    assertThat(hit.get("attribution")).as("attribution of %s", hit).isNotEmpty();
  }

  private static void assertEgressIpHit(JsonNode hit) {
    assertThat(hit.get("sourceIp").asString()).isEqualTo("127.0.0.100");
    assertThat(hit.get("receivedAt").asString()).isEqualTo("2021-11-26T17:53:13Z");
    assertThat(hit.get("sourcePort").isNull()).isTrue();
    assertThat(hit.get("userAgent").asString()).isEqualTo("curl/7.61.1");
    JsonNode a = hit.get("attribution").get(0);
    assertThat(a.get("kind").asString()).isEqualTo("egress-ip");
    assertThat(a.get("egressIP").asString()).isEqualTo("egressip-demo");
    assertThat(a.get("namespaces").get(0).asString()).isEqualTo("simpson");
  }
}
