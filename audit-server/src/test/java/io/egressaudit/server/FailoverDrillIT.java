package io.egressaudit.server;

import static io.egressaudit.server.FailoverFixture.EGRESS_IP;
import static io.egressaudit.server.FailoverFixture.NEW_NODE;
import static io.egressaudit.server.FailoverFixture.OLD_NODE;
import static io.egressaudit.server.FailoverFixture.OLD_NODE_IP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.correlator.drill.DrillLimits;
import io.egressaudit.correlator.drill.FailoverReport;
import io.egressaudit.correlator.drill.FailoverReport.Leak;
import io.egressaudit.probes.AuditApiClient;
import io.egressaudit.probes.Fabric8PodExecutor;
import io.egressaudit.probes.drill.ExecDrillProber;
import io.egressaudit.probes.drill.FailoverDrill;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import io.egressaudit.testsupport.ClosedPort;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failover drill end to end: the walkthrough's failover played by a fixture in a fabric8 mock
 * API server (CRUD), probes sent through the pod exec API and answered by real curl from the
 * loopback address the fixture's SNAT gives, a real audit server (with the bundled loopback
 * cluster, so it knows whose 127.0.0.51 is) recording them.
 */
class FailoverDrillIT {

  static final Duration INTERVAL = Duration.ofMillis(500);
  static final Duration GAP = Duration.ofSeconds(3);

  ExecMockCluster cluster;
  @TempDir Path dir;
  AuditServer server;
  FailoverFixture fixture;

  @BeforeEach
  void start() {
    server =
        TestServers.start(Database.at(dir.resolve("audit.db")), HitWriter.Settings.DEFAULT, true);
    cluster = new ExecMockCluster();
    fixture = new FailoverFixture(cluster.client, GAP).create();
    cluster.onExec(fixture);
  }

  @AfterEach
  void stop() {
    fixture.close();
    cluster.close();
    server.close();
  }

  private FailoverDrill drill(Duration timeout) {
    ExecDrillProber prober =
        new ExecDrillProber(
            new Fabric8PodExecutor(cluster.client),
            new AuditApiClient(
                URI.create("http://127.0.0.1:" + server.apiPort()), null, Duration.ofSeconds(10)),
            "http://127.0.0.1:" + server.hitPorts().get(0),
            Duration.ofSeconds(5));
    return new FailoverDrill(
        cluster.client,
        KubernetesObjectsModel.INSTANCE,
        prober,
        new FailoverDrill.Settings(
            "egressip-demo",
            FailoverDrill.Trigger.UNLABEL,
            new DrillLimits(INTERVAL, Duration.ofSeconds(60), 4),
            timeout,
            8),
        Clock.systemUTC());
  }

  /**
   * How far a measured outage may be from the fixture's gap: one interval (probes are that far
   * apart), plus how late the fixture saw a probe after the drill sent it. The drill times probes
   * from when it sent them, the fixture's SNAT decides when the exec runs; on a loaded machine the
   * two differ by hundreds of milliseconds, differently for the probe that starts the outage and
   * the one that ends it.
   */
  private long slackMs() {
    return INTERVAL.toMillis() + cluster.longestExecStartLag().toMillis();
  }

  @Test
  void reportsTriggerMoveOutageAndLeakAndPutsTheLabelBack() {
    FailoverDrill.Outcome outcome = drill(Duration.ofSeconds(60)).run();
    FailoverReport r = outcome.report();

    assertThat(outcome.interrupted()).isFalse();
    assertThat(outcome.pods())
        .extracting(p -> p.pod().name())
        .containsExactly(FailoverFixture.HOMER, FailoverFixture.MARGE);
    assertThat(r.triggeredAt()).isNotNull().isBefore(fixture.unassignedAt());
    assertThat(r.trigger())
        .isEqualTo("removed label k8s.ovn.org/egress-assignable on node " + OLD_NODE);
    assertThat(r.move().fromNode()).isEqualTo(OLD_NODE);
    assertThat(r.move().toNode()).isEqualTo(NEW_NODE);
    assertThat(r.move().unassignedAt()).isAfterOrEqualTo(r.triggeredAt());
    assertThat(r.move().at()).isAfterOrEqualTo(fixture.movedAt().minusMillis(1));
    assertThat(r.firstViaNewNode().sourceIp()).isEqualTo(EGRESS_IP);

    long fixtureGapMs = fixture.trafficGap().toMillis();
    long outageMs = r.namespaces().get(0).outage().duration().toMillis();
    assertThat(outageMs)
        .as("outage %d ms, the fixture's SNAT sent nothing for %d ms", outageMs, fixtureGapMs)
        .isBetween(fixtureGapMs - slackMs(), fixtureGapMs + slackMs());

    assertThat(r.leaks()).hasSize(1);
    Leak leak = r.leaks().get(0);
    assertThat(leak.sourceIp()).isEqualTo(OLD_NODE_IP);
    assertThat(leak.count()).isEqualTo(1);
    assertThat(leak.owner()).startsWith("node IP of " + OLD_NODE);
    assertThat(leak.first()).isAfter(r.triggeredAt());
    assertThat(r.settled()).isTrue();
    assertThat(r.passed()).isFalse();
    assertThat(r.failures())
        .singleElement()
        .asString()
        .startsWith("simpson: leaked 1 probe from " + OLD_NODE_IP + " (node IP of " + OLD_NODE);

    assertThat(outcome.labelRemovedFrom()).isEqualTo(OLD_NODE);
    assertThat(outcome.labelRestoredAt()).isNotNull();
    assertThat(fixture.oldNodeLabel()).isEqualTo("");
  }

  @Test
  void anInterruptedDrillPutsTheLabelBack() throws Exception {
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Future<FailoverDrill.Outcome> running =
          runner.submit(() -> drill(Duration.ofMinutes(5)).run());
      await().atMost(Duration.ofSeconds(30)).until(() -> fixture.unassignedAt() != null);
      assertThat(fixture.oldNodeLabel()).isNull();

      running.cancel(true);

      await().atMost(Duration.ofSeconds(30)).until(() -> "".equals(fixture.oldNodeLabel()));
    } finally {
      runner.shutdownNow();
    }
  }

  @Test
  void drillFailoverCommandPrintsTheTimelineWritesJsonAndJunitAndExitsOneOnALeak()
      throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = io.egressaudit.server.cli.EgressAuditCommand.commandLine();
    cl.setOut(new java.io.PrintWriter(out));
    cl.setErr(new java.io.PrintWriter(err));
    Path json = dir.resolve("drill.json");
    Path junit = dir.resolve("reports/drill.xml");

    int code =
        cl.execute(
            "drill",
            "failover",
            "--egressip",
            "egressip-demo",
            "--trigger",
            "unlabel",
            "--interval",
            "500ms",
            "--settle",
            "4",
            "--timeout",
            "60s",
            "--kubeconfig",
            cluster.kubeconfig(dir).toString(),
            "--context",
            "loopback",
            "--target",
            "http://127.0.0.1:" + server.hitPorts().get(0),
            "--api",
            "http://127.0.0.1:" + server.apiPort(),
            "--report",
            "json:" + json,
            "--report",
            "junit:" + junit);

    assertThat(code).as("%s%s", out, err).isEqualTo(1);
    assertThat(out.toString())
        .contains("EgressIP egressip-demo: FAIL")
        .contains(OLD_NODE + " -> " + NEW_NODE)
        .contains("trigger: removed label k8s.ovn.org/egress-assignable on node " + OLD_NODE)
        .contains("label k8s.ovn.org/egress-assignable put back on " + OLD_NODE)
        .contains("FAIL: simpson: leaked 1 probe from " + OLD_NODE_IP);
    assertThat(out.toString().indexOf("  label k8s.ovn.org/egress-assignable put back on "))
        .as("the label is put back before the drill ends, in the timeline:%n%s", out)
        .isPositive()
        .isLessThan(out.toString().indexOf("  drill ended"));
    tools.jackson.databind.JsonNode report = ApiClient.parse(java.nio.file.Files.readString(json));
    assertThat(report.path("report").asString()).isEqualTo("egress-audit-drill-failover");
    assertThat(report.path("cluster").asString()).isEqualTo("loopback");
    assertThat(report.path("passed").asBoolean(true)).isFalse();
    assertThat(report.path("move").path("to").asString()).isEqualTo(NEW_NODE);
    assertThat(report.path("leaks").get(0).path("sourceIp").asString()).isEqualTo(OLD_NODE_IP);
    assertThat(report.path("leaks").get(0).path("count").asInt()).isEqualTo(1);
    assertThat(report.path("namespaces").get(0).path("outageSeconds").asDouble())
        .isBetween(
            (fixture.trafficGap().toMillis() - slackMs()) / 1000.0,
            (fixture.trafficGap().toMillis() + slackMs()) / 1000.0);
    String xml = java.nio.file.Files.readString(junit);
    javax.xml.validation.SchemaFactory.newInstance(javax.xml.XMLConstants.W3C_XML_SCHEMA_NS_URI)
        .newSchema(Path.of("../probes/src/test/resources/junit.xsd").toFile())
        .newValidator()
        .validate(new javax.xml.transform.stream.StreamSource(new java.io.StringReader(xml)));
    assertThat(xml)
        .contains("<testcase name=\"simpson\"")
        .contains("<failure type=\"leak\" message=\"1 probe leaked: simpson: 1 from " + OLD_NODE_IP)
        .contains("put back on " + OLD_NODE);
    assertThat(fixture.oldNodeLabel()).isEqualTo("");
  }

  /** Runs {@code drill failover} on the fixture; returns exit code, stdout and stderr. */
  String[] drillCommand(String... extra) throws Exception {
    return drillCommandOn(cluster.kubeconfig(dir), extra);
  }

  /** Runs {@code drill failover} with this kubeconfig; returns exit code, stdout and stderr. */
  String[] drillCommandOn(Path kubeconfig, String... extra) throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = io.egressaudit.server.cli.EgressAuditCommand.commandLine();
    cl.setOut(new java.io.PrintWriter(out));
    cl.setErr(new java.io.PrintWriter(err));
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "drill",
                "failover",
                "--egressip",
                "egressip-demo",
                "--interval",
                "500ms",
                "--settle",
                "4",
                "--kubeconfig",
                kubeconfig.toString(),
                "--context",
                "loopback",
                "--target",
                "http://127.0.0.1:" + server.hitPorts().get(0),
                "--api",
                "http://127.0.0.1:" + server.apiPort()));
    args.addAll(java.util.List.of(extra));
    int code = cl.execute(args.toArray(String[]::new));
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void anUnreachableClusterExitsThreeAtOnceNamingItsUrl() throws Exception {
    int closed = ClosedPort.PORT;
    Path elsewhere = java.nio.file.Files.createDirectories(dir.resolve("elsewhere"));
    Path kubeconfig =
        java.nio.file.Files.writeString(
            elsewhere.resolve("kubeconfig"),
            LiveClusterIT.kubeconfig("https://127.0.0.1:" + closed));

    long started = System.nanoTime();
    String[] run = drillCommandOn(kubeconfig, "--timeout", "20s");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(run[0]).as("%s%s", run[1], run[2]).isEqualTo("3");
    assertThat(run[2])
        .isEqualTo(
            "egress-audit drill failover: cannot reach cluster loopback at https://127.0.0.1:"
                + closed
                + "/: connection refused"
                + System.lineSeparator());
    // fabric8's own request retries took ~20 s to give up on a closed port
    assertThat(took).isLessThan(Duration.ofSeconds(5));
    assertThat(cluster.commands()).isEmpty();
  }

  @Test
  void unlabelWithoutPatchOnNodesIsRefusedBeforeAnythingChangesNamingTheRuleInTheReportToo()
      throws Exception {
    cluster.allow(a -> !("patch".equals(a.getVerb()) && "nodes".equals(a.getResource())));

    Path junit = dir.resolve("reports/drill.xml");

    String[] run =
        drillCommand("--trigger", "unlabel", "--timeout", "20s", "--report", "junit:" + junit);

    assertThat(run[0]).as("%s%s", run[1], run[2]).isEqualTo("3");
    assertThat(java.nio.file.Files.readString(junit))
        .as("the report says why")
        .contains("<testcase name=\"unreachable\" classname=\"egress-audit.drill.failover\"")
        .contains("<error type=\"unreachable\" message=\"cluster loopback: the runner")
        .contains("patch nodes: grant the ClusterRole rule");
    assertThat(run[2])
        .startsWith(
            "egress-audit drill failover: cluster loopback: the runner's credentials lack what drill"
                + " failover --trigger unlabel needs")
        .contains(
            "patch nodes: grant the ClusterRole rule {apiGroups: [\"\"], resources: [\"nodes\"],"
                + " verbs: [\"patch\"]}")
        .contains("ClusterRole egress-audit-drill-unlabel")
        .doesNotContain("get nodes:");
    assertThat(fixture.oldNodeLabel()).isEqualTo("");
    assertThat(cluster.commands()).isEmpty();
  }

  @Test
  void triggerNoneWaitsForTheNodeFailedByHandAndNeedsNoPatchOnNodes() throws Exception {
    cluster.allow(a -> !("patch".equals(a.getVerb()) && "nodes".equals(a.getResource())));
    Path json = dir.resolve("drill.json");
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Future<String[]> running =
          runner.submit(
              () ->
                  drillCommand(
                      "--trigger", "none", "--timeout", "60s", "--report", "json:" + json));
      // the baseline round reached both pods: the drill is watching, fail the node as a person
      // would
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.commands().size() >= 2);
      java.time.Instant failedAt = fixture.failOldNodeByHand();

      String[] run = running.get(90, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(run[0]).as("%s%s", run[1], run[2]).isEqualTo("1");
      assertThat(run[1])
          .contains("trigger: node " + OLD_NODE + " became NotReady (observed)")
          .contains(OLD_NODE + " -> " + NEW_NODE)
          .contains("FAIL: simpson: leaked 1 probe from " + OLD_NODE_IP)
          .doesNotContain("label k8s.ovn.org/egress-assignable");
      tools.jackson.databind.JsonNode report =
          ApiClient.parse(java.nio.file.Files.readString(json));
      assertThat(java.time.Instant.parse(report.path("trigger").path("at").asString()))
          .isAfterOrEqualTo(failedAt.minusMillis(1))
          .isBefore(fixture.movedAt());
      assertThat(report.path("move").path("to").asString()).isEqualTo(NEW_NODE);
      assertThat(report.path("label").isNull()).isTrue();
      assertThat(report.path("namespaces").get(0).path("outageSeconds").asDouble())
          .isBetween(
              (fixture.trafficGap().toMillis() - slackMs()) / 1000.0,
              (fixture.trafficGap().toMillis() + slackMs()) / 1000.0);
      assertThat(fixture.oldNodeLabel()).as("nothing touched the label").isEqualTo("");
    } finally {
      runner.shutdownNow();
    }
  }

  @Test
  void helpListsEveryOptionOfTheContractTheSharedProbeOptionsAndTheExitCodes() {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cl = io.egressaudit.server.cli.EgressAuditCommand.commandLine();
    cl.setOut(new java.io.PrintWriter(out, true));

    assertThat(cl.execute("drill", "failover", "--help")).isZero();
    assertThat(out.toString())
        .contains(
            "--egressip=NAME",
            "--trigger=HOW",
            "--interval=DURATION",
            "--max-outage=DURATION",
            "--settle=N",
            "--timeout=DURATION",
            "--kubeconfig=FILE",
            "--context=NAME",
            "--target=URL",
            "--api=URL",
            "--api-token-file=FILE",
            "--report=FORMAT:FILE")
        .contains(
            "Exit codes:",
            "0     the drill passed",
            "1     the drill failed",
            "2     wrong usage",
            "3     the cluster or the audit server",
            "130   stopped by Ctrl-C (SIGINT)",
            "143   stopped by SIGTERM");
  }

  @Test
  void anEgressIpWithoutASecondAssignableNodeIsRefusedBeforeAnythingChanges() {
    cluster
        .client
        .nodes()
        .withName(NEW_NODE)
        .edit(
            n -> {
              n.getMetadata().getLabels().remove("k8s.ovn.org/egress-assignable");
              return n;
            });

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> drill(Duration.ofSeconds(10)).run())
        .isInstanceOf(io.egressaudit.probes.drill.FailoverNotPossibleException.class)
        .hasMessageStartingWith(
            "no failover possible: only one egress-assignable node (" + OLD_NODE + ")");
    assertThat(fixture.oldNodeLabel()).isEqualTo("");
    assertThat(cluster.commands()).isEmpty();
  }
}
