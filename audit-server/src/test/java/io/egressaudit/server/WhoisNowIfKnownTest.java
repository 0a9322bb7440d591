package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.StaleSpans;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A whois of now answered without working anything out ({@link AuditQueries#whoisNowIfKnown}, which
 * the API answers on its event loop) gives what {@link AuditQueries#whois} gives, and only when
 * every part of it is already known: the answer of each cluster's timeline, its current anomalies,
 * the stale spans. Real SQLite files; the example cluster and a cluster with an anomaly, imported
 * with the command line.
 */
class WhoisNowIfKnownTest {

  static final String EGRESS_IP = "127.0.0.100";
  static final String NODE_IP = "127.0.0.51";
  static final String UNKNOWN_IP = "203.0.113.9";
  static final String TWO_NODES_IP = "192.168.126.100";

  @TempDir Path dir;
  Database database;
  ClusterTimelines timelines;
  AuditQueries queries;

  @BeforeEach
  void importAndFollow() {
    Path db = dir.resolve("audit.db");
    importDump("../examples/loopback/cluster.yaml", "demo", db);
    importDump("src/test/resources/anomalies/ip-assigned-to-two-nodes.yaml", "lab", db);
    database = Database.at(db);
    timelines = ClusterTimelines.follow(database);
    queries = new AuditQueries(database, timelines);
  }

  @AfterEach
  void close() {
    queries.close();
    timelines.close();
  }

  @Test
  void anIpAskedAgainIsAnsweredAsWhoisAnswersIt() {
    for (String ip : List.of(EGRESS_IP, NODE_IP, TWO_NODES_IP)) {
      assertThat(queries.whoisNowIfKnown(ip, null)).as("%s before it was asked", ip).isNull();
    }
    for (String ip : List.of(EGRESS_IP, NODE_IP, UNKNOWN_IP, TWO_NODES_IP)) {

      WhoisResult worked = queries.whois(ip, null, null);
      WhoisResult known = queries.whoisNowIfKnown(ip, null);

      assertThat(known).as(ip).isNotNull();
      assertThat(known.ip()).isEqualTo(worked.ip());
      assertThat(known.at()).isAfterOrEqualTo(worked.at());
      assertThat(known.matches()).as(ip).isEqualTo(worked.matches());
    }
    WhoisResult twoNodes = queries.whoisNowIfKnown(TWO_NODES_IP, "lab");
    assertThat(twoNodes.matches().get(0).anomalies()).isNotEmpty();
  }

  @Test
  void anIpNoObjectEverHadIsKnownWithoutAsking() {
    WhoisResult known = queries.whoisNowIfKnown(UNKNOWN_IP, null);

    assertThat(known).isNotNull();
    assertThat(known.matches()).isEqualTo(queries.whois(UNKNOWN_IP, null, null).matches());
    assertThat(known.matches())
        .singleElement()
        .extracting(m -> m.kind().name())
        .isEqualTo("UNKNOWN");
  }

  @Test
  void aChangeToHistoryMakesItWorkTheAnswerOutAgain() {
    queries.whois(NODE_IP, null, "demo");
    assertThat(queries.whoisNowIfKnown(NODE_IP, "demo")).isNotNull();

    new ClusterHistory(database)
        .recordSnapshot(
            "demo",
            Instant.now(),
            List.of(new NodeState("worker-9", List.of("192.0.2.9"), Map.of(), true)),
            "test");

    assertThat(queries.whoisNowIfKnown(NODE_IP, "demo")).isNull();
    WhoisResult worked = queries.whois(NODE_IP, null, "demo");
    assertThat(queries.whoisNowIfKnown(NODE_IP, "demo").matches()).isEqualTo(worked.matches());
  }

  @Test
  void aStaleSpanWrittenSinceIsReadBeforeAnsweringAgain() {
    queries.whois(EGRESS_IP, null, "demo");
    assertThat(queries.whoisNowIfKnown(EGRESS_IP, "demo").matches().get(0).stale()).isNull();

    new StaleSpans(database).stale("demo", Instant.now().minusSeconds(5), "watch of pods lost");

    assertThat(queries.whoisNowIfKnown(EGRESS_IP, "demo")).isNull();
    assertThat(queries.whois(EGRESS_IP, null, "demo").matches().get(0).stale()).isNotNull();
    assertThat(queries.whoisNowIfKnown(EGRESS_IP, "demo").matches().get(0).stale().reason())
        .isEqualTo("watch of pods lost");
  }

  @Test
  void aCommandReadingHistoryForEachQuestionNeverHasOne() {
    AuditQueries command = new AuditQueries(database);
    command.whois(EGRESS_IP, null, null);

    assertThat(command.whoisNowIfKnown(EGRESS_IP, null)).isNull();
  }

  private static void importDump(String file, String cluster, Path db) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute("cluster", "import", file, "--cluster", cluster, "--db", db.toString());
    assertThat(code).as("%s%s", out, err).isZero();
  }
}
