package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * Filters by owner and leak marking on the command line, on the bundled example cluster (simpson
 * leaves through egressip-demo, 127.0.0.100 on ocp-8vr6j-worker-0-sl79n, 127.0.0.51, where
 * simpson's pods run): a hit from 127.0.0.51 is a suspected leak of simpson.
 */
class OwnerFiltersIT {

  private static final String LOG =
      """
      127.0.0.100 - - [26/Nov/2021:12:53:13 -0500] "GET / HTTP/1.1" 200 3 "-" "curl/7.61.1"
      127.0.0.53 - - [26/Nov/2021:12:54:00 -0500] "GET /probe/p-42 HTTP/1.1" 200 3 "-" "curl/7.61.1"
      127.0.0.51 - - [26/Nov/2021:12:56:00 -0500] "GET /clientip HTTP/1.1" 200 15 "-" "-"
      """;

  @TempDir Path dir;
  private String db;

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

  @BeforeEach
  void exampleClusterAndLog() throws IOException {
    db = dir.resolve("audit.db").toString();
    Path cluster = dir.resolve("cluster.yaml");
    try (InputStream in =
        OwnerFiltersIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
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
            db);
    assertThat(imported.exitCode()).as("%s", imported).isZero();
    Run log =
        run("import-log", Files.writeString(dir.resolve("access_log"), LOG).toString(), "--db", db);
    assertThat(log.out()).as("%s", log).contains("3 hits imported");
  }

  private List<String> sourcesOf(String... filter) {
    String[] args = new String[filter.length + 5];
    args[0] = "hits";
    System.arraycopy(filter, 0, args, 1, filter.length);
    args[filter.length + 1] = "-o";
    args[filter.length + 2] = "jsonl";
    args[filter.length + 3] = "--db";
    args[filter.length + 4] = db;
    Run r = run(args);
    assertThat(r.exitCode()).as("%s", r).isZero();
    return r.out().lines().map(l -> ApiClient.parse(l).get("sourceIp").asString()).toList();
  }

  @Test
  void namespaceFilterIncludesSuspectedLeaksOfTheNamespace() {
    assertThat(sourcesOf("--namespace", "simpson")).containsExactly("127.0.0.100", "127.0.0.51");
    assertThat(sourcesOf("--namespace", "bouvier")).containsExactly("127.0.0.53");
  }

  @Test
  void leaksEgressIpNodeAndKindFilterByOwner() {
    assertThat(sourcesOf("--leaks")).containsExactly("127.0.0.51");
    assertThat(sourcesOf("--egressip", "egressip-demo")).containsExactly("127.0.0.100");
    assertThat(sourcesOf("--node", "ocp-8vr6j-worker-0-82t6f")).containsExactly("127.0.0.53");
    assertThat(sourcesOf("--node", "ocp-8vr6j-worker-0-sl79n"))
        .containsExactly("127.0.0.100", "127.0.0.51");
    assertThat(sourcesOf("--kind", "egress-ip")).containsExactly("127.0.0.100");
    assertThat(sourcesOf("--kind", "node")).containsExactly("127.0.0.53", "127.0.0.51");
    assertThat(sourcesOf("--namespace", "simpson", "--since", "2021-11-26T17:55:00Z"))
        .containsExactly("127.0.0.51");
  }

  @Test
  void tableAndCsvMarkTheLeak() {
    Run table = run("hits", "--namespace", "simpson", "-o", "table", "--db", db);
    assertThat(table.out())
        .contains("leak? simpson should leave through egressip-demo")
        .doesNotContain("127.0.0.53");
    Run csv = run("hits", "-o", "csv", "--db", db);
    List<String> lines = csv.out().lines().toList();
    assertThat(lines.get(0)).endsWith(",namespaces,leakSuspects");
    assertThat(lines.get(3)).contains("127.0.0.51").endsWith(",simpson");
    assertThat(lines.get(1)).endsWith(",simpson,");
  }

  @Test
  void anUnknownClusterIsAnErrorNamingTheKnownOnes() {
    Run r = run("whois", "127.0.0.100", "--cluster", "nosuch", "--db", db);
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).contains("nosuch").contains("demo");
    Run hits = run("hits", "--cluster", "nosuch", "--db", db);
    assertThat(hits.exitCode()).as("%s", hits).isEqualTo(2);
  }

  @Test
  void aTimeBeforeHistoryIsUnknownWithANoteSayingWhenHistoryStarts() {
    Run r = run("whois", "127.0.0.100", "--at", "2021-11-26T17:00:00Z", "--db", db);
    JsonNode match = ApiClient.parse(r.out()).get("matches").get(0);
    assertThat(match.get("kind").asString()).isEqualTo("unknown");
    assertThat(match.get("note").asString()).contains("history starts at 2021-11-26T17:40:43Z");
    Run covered = run("whois", "192.0.2.1", "--at", "2021-11-26T17:50:00Z", "--db", db);
    assertThat(ApiClient.parse(covered.out()).get("matches").get(0).has("note")).isFalse();
  }

  @Test
  void anOwnerNoClusterEverHeldIsAnErrorSuggestingACloseName() {
    Run namespace = run("hits", "--namespace", "simpsn", "--db", db);
    Run egressIp = run("hits", "--egressip", "nope", "--db", db);
    Run node = run("hits", "--node", "ocp-8vr6j-worker-0-sl79", "--cluster", "demo", "--db", db);

    assertThat(namespace.exitCode()).as("%s", namespace).isEqualTo(2);
    assertThat(namespace.err().lines())
        .containsExactly(
            "egress-audit hits: unknown namespace 'simpsn': no cluster's history has it; did you"
                + " mean 'simpson'?");
    assertThat(egressIp.exitCode()).as("%s", egressIp).isEqualTo(2);
    assertThat(egressIp.err().lines())
        .containsExactly("egress-audit hits: unknown EgressIP 'nope': no cluster's history has it");
    assertThat(node.exitCode()).as("%s", node).isEqualTo(2);
    assertThat(node.err().lines())
        .containsExactly(
            "egress-audit hits: unknown node 'ocp-8vr6j-worker-0-sl79': cluster demo's history has"
                + " none; did you mean 'ocp-8vr6j-worker-0-sl79n'?");
  }

  @Test
  void anOwnerHeldOnlyOutsideThePeriodAnswersAnEmptyList() {
    assertThat(sourcesOf("--namespace", "bouvier", "--until", "2021-11-26T17:00:00Z")).isEmpty();
    assertThat(sourcesOf("--egressip", "egressip-demo", "--until", "2021-11-26T17:00:00Z"))
        .isEmpty();
  }

  @Test
  void theApiAnswersAnUnknownOwnerWithABadRequestProblem() throws Exception {
    try (AuditServer server =
        TestServers.start(
            io.egressaudit.sql.Database.at(Path.of(db)),
            io.egressaudit.sql.HitWriter.Settings.DEFAULT,
            false)) {
      ApiClient api = new ApiClient(server.apiPort());

      ApiClient.Answer a = api.get("/api/v1/hits?node=nope");
      ApiClient.Answer known = api.get("/api/v1/hits?namespace=bouvier");

      assertThat(a.status()).isEqualTo(400);
      assertThat(a.contentType()).isEqualTo("application/problem+json");
      assertThat(a.json().get("detail").asString())
          .isEqualTo("unknown node 'nope': no cluster's history has it");
      assertThat(known.status()).isEqualTo(200);
      assertThat(known.json().get("hits")).hasSize(1);
    }
  }
}
