package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A whois answered from a dump imported long before the time asked says how old the cluster's state
 * is, in the match's note, and changes nothing else; live clusters and the sources a server follows
 * never get that note. Real SQLite files, the command line in-process.
 */
class OldClusterStateNoteTest {

  private static final String IMPORTED_AT = "2021-11-26T17:40:43Z";

  @TempDir Path dir;

  private Path db;

  @BeforeEach
  void importTheExampleDump() {
    db = dir.resolve("audit.db");
    String[] r =
        run(
            "cluster",
            "import",
            "../examples/loopback/cluster.yaml",
            "--cluster",
            "demo",
            "--at",
            IMPORTED_AT,
            "--db",
            db.toString());
    assertThat(r[0]).as("%s", String.join("\n", r)).isEqualTo("0");
  }

  @Test
  void aWhoisDaysAfterTheDumpNotesItsAgeAndChangesNoOtherField() {
    JsonNode fresh = whoisJson("127.0.0.100", "2021-11-26T17:53:13Z").get("matches").get(0);
    JsonNode old = whoisJson("127.0.0.100", "2021-12-01T17:53:13Z").get("matches").get(0);

    assertThat(fresh.has("note")).as("%s", fresh).isFalse();
    assertThat(old.get("note").asString())
        .isEqualTo(
            "state of cluster demo last recorded at 2021-11-26T17:40:43Z (5 days before the time"
                + " asked)");
    ObjectNode withoutNote = ((ObjectNode) old.deepCopy());
    withoutNote.remove("note");
    assertThat(withoutNote).isEqualTo(fresh);
    assertThat(old.get("kind").asString()).isEqualTo("egress-ip");
  }

  @Test
  void theNoteStartsAfterAnHourAndCountsHoursForTwoDays() {
    JsonNode within = whoisJson("127.0.0.100", "2021-11-26T18:40:43Z").get("matches").get(0);
    JsonNode after = whoisJson("127.0.0.100", "2021-11-26T19:41:00Z").get("matches").get(0);

    assertThat(within.has("note")).as("%s", within).isFalse();
    assertThat(after.get("note").asString())
        .endsWith("last recorded at 2021-11-26T17:40:43Z (2 hours before the time asked)");
  }

  @Test
  void aTimeBeforeTheDumpGetsNoNote() {
    JsonNode before = whoisJson("127.0.0.100", "2021-11-20T00:00:00Z").get("matches").get(0);

    assertThat(before.get("kind").asString()).isEqualTo("unknown");
    assertThat(before.get("note").asString()).doesNotContain("last recorded");
  }

  @Test
  void anUnknownIpFromAnOldDumpNotesTheAgeToo() {
    JsonNode match = whoisJson("203.0.113.9", "2021-12-01T17:53:13Z").get("matches").get(0);

    assertThat(match.get("kind").asString()).isEqualTo("unknown");
    assertThat(match.get("note").asString())
        .isEqualTo(
            "state of cluster demo last recorded at 2021-11-26T17:40:43Z (5 days before the time"
                + " asked)");
  }

  @Test
  void theTableSaysItInItsNoteLine() {
    String[] r =
        run("whois", "127.0.0.100", "--at", "2021-12-01T17:53:13Z", "-o", "table", "--db", "" + db);

    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1])
        .contains(
            "note: state of cluster demo last recorded at 2021-11-26T17:40:43Z (5 days before the"
                + " time asked)");
  }

  @Test
  void aLiveClustersSnapshotNeverGetsTheNote() {
    Database database = Database.at(db);
    new ClusterHistory(database)
        .recordSnapshot(
            "prod",
            Instant.parse(IMPORTED_AT),
            List.of(new NodeState("worker-9", List.of("192.0.2.9"), Map.of(), true)),
            "kubernetes https://api.prod.example:6443/");

    JsonNode match =
        whoisJson("192.0.2.9", "2021-12-01T17:53:13Z", "--cluster", "prod").get("matches").get(0);

    assertThat(match.get("kind").asString()).isEqualTo("node");
    assertThat(match.has("note") && match.get("note").asString().contains("last recorded"))
        .as("%s", match)
        .isFalse();
  }

  @Test
  void aSourceTheServerFollowsNeverGetsTheNote() {
    Database database = Database.at(db);
    Instant later = Instant.parse("2021-12-01T17:53:13Z");
    try (ClusterTimelines followed = ClusterTimelines.follow(database);
        ClusterTimelines asFile = ClusterTimelines.follow(database)) {
      followed.followedSources(Set.of("demo"));

      Attribution served =
          followed.whois("127.0.0.100", later, followed.select("demo")).matches().get(0);
      Attribution dump = asFile.whois("127.0.0.100", later, asFile.select("demo")).matches().get(0);

      assertThat(served.kind()).isEqualTo(AttributionKind.EGRESS_IP);
      assertThat(served.note()).isNull();
      assertThat(dump.note()).contains("last recorded at 2021-11-26T17:40:43Z");
    }
  }

  private JsonNode whoisJson(String ip, String at, String... extra) {
    String[] args =
        concat(new String[] {"whois", ip, "--at", at, "-o", "json", "--db", db.toString()}, extra);
    String[] r = run(args);
    assertThat(r[0]).as("%s", String.join("\n", r)).isEqualTo("0");
    return ApiClient.parse(r[1]);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Exit code, stdout, stderr. */
  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }
}
