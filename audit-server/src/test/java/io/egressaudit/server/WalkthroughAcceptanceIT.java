package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * The walkthrough the project grew from, replayed through the command line: its cluster before the
 * EgressIP, after egressip-demo is assigned to worker sl79n, and after the failover to worker
 * 82t6f, then the bastion's httpd access log; every line is attributed as the walkthrough explains.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalkthroughAcceptanceIT {

  private static final Path EXAMPLES = Path.of("..", "examples", "walkthrough");
  private static final String SL79N = "ocp-8vr6j-worker-0-sl79n";
  private static final String W82T6F = "ocp-8vr6j-worker-0-82t6f";
  private static final JsonMapper JSON = new JsonMapper();

  private String db;
  private final List<JsonNode> hits = new ArrayList<>();

  @BeforeAll
  void replayTheWalkthrough(@TempDir Path dir) {
    db = dir.resolve("audit.db").toString();
    importState("01-before-egressip.yaml", "2021-11-25T12:00:00Z");
    importState("02-egressip-assigned.yaml", "2021-11-26T17:40:43Z");
    importState("03-after-failover.yaml", "2021-11-26T18:02:00Z");
    Run log =
        run(
            "import-log",
            EXAMPLES.resolve("access_log").toString(),
            "--format",
            "combined",
            "--db",
            db);
    assertThat(log.code).as(log.err).isZero();
    assertThat(log.out).contains("22 hits imported");
    Run listed = run("hits", "-o", "jsonl", "--db", db);
    assertThat(listed.code).as(listed.err).isZero();
    for (String line : listed.out.split("\n")) {
      hits.add(JSON.readTree(line));
    }
    assertThat(hits).hasSize(22);
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

  @Test
  void theBastionsOwnCurlIsUnknown() {
    JsonNode hit = only("10.1.8.72");
    assertThat(hit.get("receivedAt").asString()).isEqualTo("2021-11-25T12:50:45Z");
    assertThat(hit.get("attribution")).hasSize(1);
    assertThat(hit.get("attribution").get(0).get("kind").asString()).isEqualTo("unknown");
  }

  @Test
  void bouvierLeavesThroughItsNodeBeforeAndAfterTheEgressIp() {
    List<JsonNode> fromWorker = from("192.168.126.53");
    assertThat(fromWorker).hasSize(8);
    for (JsonNode hit : fromWorker) {
      JsonNode m = single(hit);
      assertThat(m.get("kind").asString()).isEqualTo("node");
      assertThat(m.get("node").asString()).isEqualTo(W82T6F);
      assertThat(strings(m.get("namespaces"))).containsExactly("bouvier");
      assertThat(m.get("ambiguous").asBoolean()).isFalse();
      assertThat(m.get("podCount").asInt()).isEqualTo(m.get("pods").size());
    }
  }

  @Test
  void simpsonLeavesThroughItsNodeBeforeTheEgressIp() {
    List<JsonNode> fromWorker = from("192.168.126.51");
    assertThat(fromWorker).hasSize(5);
    for (JsonNode hit : fromWorker) {
      assertThat(hit.get("receivedAt").asString()).startsWith("2021-11-25T13:33:1");
      JsonNode m = single(hit);
      assertThat(m.get("kind").asString()).isEqualTo("node");
      assertThat(m.get("node").asString()).isEqualTo(SL79N);
      assertThat(strings(m.get("namespaces"))).containsExactly("simpson");
    }
  }

  @Test
  void simpsonLeavesThroughEgressIpDemoOnWhicheverNodeHeldIt() {
    List<JsonNode> fromEgressIp = from("192.168.126.100");
    assertThat(fromEgressIp).hasSize(8);
    for (JsonNode hit : fromEgressIp) {
      JsonNode m = single(hit);
      assertThat(m.get("kind").asString()).isEqualTo("egress-ip");
      assertThat(m.get("egressIP").asString()).isEqualTo("egressip-demo");
      assertThat(strings(m.get("namespaces"))).containsExactly("simpson");
      boolean beforeFailover =
          hit.get("receivedAt").asString().compareTo("2021-11-26T18:02:00Z") < 0;
      assertThat(m.get("node").asString()).isEqualTo(beforeFailover ? SL79N : W82T6F);
      assertThat(m.get("since").asString())
          .isEqualTo(beforeFailover ? "2021-11-26T17:40:43Z" : "2021-11-26T18:02:00Z");
    }
  }

  @Test
  void whoisAnswersTheDesignsExample() {
    Run r =
        run("whois", "192.168.126.100", "--at", "2021-11-26T17:53:13Z", "-o", "json", "--db", db);
    assertThat(r.code).as(r.err).isZero();
    JsonNode answer = JSON.readTree(r.out);
    assertThat(answer.get("ip").asString()).isEqualTo("192.168.126.100");
    assertThat(answer.get("at").asString()).isEqualTo("2021-11-26T17:53:13Z");
    JsonNode m = answer.get("matches").get(0);
    assertThat(m.get("cluster").asString()).isEqualTo("demo");
    assertThat(m.get("kind").asString()).isEqualTo("egress-ip");
    assertThat(m.get("egressIP").asString()).isEqualTo("egressip-demo");
    assertThat(m.get("node").asString()).isEqualTo(SL79N);
    assertThat(strings(m.get("namespaces"))).containsExactly("simpson");
    assertThat(m.get("pods").findValuesAsString("name"))
        .contains("homer-deployment-5b7857cc48-fs2w4");
    assertThat(m.get("since").asString()).isEqualTo("2021-11-26T17:40:43Z");
  }

  @Test
  void afterTheFailoverTheOldEgressNodeIpCarriesNoNamespace() {
    Run r = run("whois", "192.168.126.51", "--at", "2021-11-26T18:10:00Z", "--db", db);
    JsonNode m = JSON.readTree(r.out).get("matches").get(0);
    assertThat(m.get("kind").asString()).isEqualTo("node");
    assertThat(strings(m.get("namespaces"))).isEmpty();
  }

  @Test
  void hitsCanBeFilteredByNamespace() {
    Run r = run("hits", "--namespace", "simpson", "-o", "jsonl", "--db", db);
    assertThat(r.out.strip().split("\n")).hasSize(13);
  }

  private JsonNode only(String ip) {
    List<JsonNode> found = from(ip);
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  private List<JsonNode> from(String ip) {
    return hits.stream().filter(h -> h.get("sourceIp").asString().equals(ip)).toList();
  }

  private static JsonNode single(JsonNode hit) {
    assertThat(hit.get("attribution")).as(hit.toString()).hasSize(1);
    return hit.get("attribution").get(0);
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
