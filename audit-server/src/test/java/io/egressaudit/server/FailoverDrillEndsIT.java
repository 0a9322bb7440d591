package io.egressaudit.server;

import static io.egressaudit.server.FailoverFixture.NEW_NODE;
import static io.egressaudit.server.FailoverFixture.OLD_NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.correlator.drill.DrillLimits;
import io.egressaudit.probes.AuditApiClient;
import io.egressaudit.probes.Fabric8PodExecutor;
import io.egressaudit.probes.drill.ExecDrillProber;
import io.egressaudit.probes.drill.FailoverDrill;
import io.egressaudit.probes.drill.FailoverDrillReport;
import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * How a failover drill ends when it does not run its course, as a CI job sees it: interrupted
 * (Ctrl-C, a cancelled job), refused before it starts, refused for its limits, or losing the audit
 * server's API for a while. Same parts as {@link FailoverDrillIT}: the fixture's failover in a
 * fabric8 mock API server, real curl, a real audit server.
 */
class FailoverDrillEndsIT {

  /** Every key the drill's JSON report documents (docs/probe-report.md), and {@code error}. */
  static final List<String> KEYS =
      List.of(
          "report",
          "version",
          "cluster",
          "target",
          "api",
          "policy",
          "startedAt",
          "finishedAt",
          "passed",
          "egressIP",
          "limits",
          "trigger",
          "nodesBefore",
          "move",
          "firstViaNewNode",
          "settled",
          "namespaces",
          "leaks",
          "trafficAbsent",
          "pods",
          "label",
          "interrupted",
          "failures",
          "timeline",
          "error");

  /** The launcher's jar, built in the package phase. */
  static final Path JAR = Path.of("target", "egress-audit.jar");

  ExecMockCluster cluster;
  @TempDir Path dir;
  AuditServer server;
  FailoverFixture fixture;

  @BeforeEach
  void start() {
    server =
        TestServers.start(Database.at(dir.resolve("audit.db")), HitWriter.Settings.DEFAULT, true);
    cluster = new ExecMockCluster();
    fixture = new FailoverFixture(cluster.client, FailoverDrillIT.GAP).create();
    cluster.onExec(fixture);
  }

  @AfterEach
  void stop() {
    fixture.close();
    cluster.close();
    server.close();
  }

  record Run(int code, String out, String err) {}

  /** Starts {@link #drill} on a thread of its own, which puts its run in {@code result}. */
  Thread drillInBackground(AtomicReference<Run> result, String api, String... extra) {
    Thread running =
        new Thread(
            () -> {
              try {
                result.set(drill(api, extra));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    running.start();
    return running;
  }

  /** Runs {@code drill failover --trigger unlabel} on the fixture with these options. */
  Run drill(String api, String... extra) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> args =
        new ArrayList<>(
            List.of(
                "drill",
                "failover",
                "--trigger",
                "unlabel",
                "--kubeconfig",
                cluster.kubeconfig(dir).toString(),
                "--context",
                "loopback",
                "--target",
                "http://127.0.0.1:" + server.hitPorts().get(0),
                "--api",
                api));
    args.addAll(List.of(extra));
    int code = cl.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  String api() {
    return "http://127.0.0.1:" + server.apiPort();
  }

  static void validJunit(String xml) throws Exception {
    SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
        .newSchema(Path.of("../probes/src/test/resources/junit.xsd").toFile())
        .newValidator()
        .validate(new StreamSource(new StringReader(xml)));
  }

  static List<String> keys(JsonNode report) {
    List<String> keys = new ArrayList<>();
    report.propertyNames().forEach(keys::add);
    return keys;
  }

  /** Asserts that the timeline's times never go back. */
  static void inTimeOrder(JsonNode timeline) {
    Instant last = Instant.MIN;
    for (JsonNode e : timeline) {
      Instant at = Instant.parse(e.path("at").asString());
      assertThat(at).as("%s", timeline).isAfterOrEqualTo(last);
      last = at;
    }
  }

  @Test
  void anInterruptedDrillPutsTheLabelBackThenWritesItsSummaryAndEveryReportSayingSo()
      throws Exception {
    Path json = dir.resolve("drill.json");
    Path junit = dir.resolve("drill.xml");
    AtomicReference<Run> result = new AtomicReference<>();
    Thread running =
        drillInBackground(
            result,
            api(),
            "--egressip",
            "egressip-demo",
            "--interval",
            "500ms",
            "--timeout",
            "5m",
            "--report",
            "json:" + json,
            "--report",
            "junit:" + junit);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.unassignedAt() != null);
    assertThat(fixture.oldNodeLabel()).isNull();

    // what the shutdown hook does on SIGINT/SIGTERM
    running.interrupt();
    running.join(Duration.ofSeconds(30).toMillis());

    Run run = result.get();
    assertThat(run).as("the drill returned").isNotNull();
    assertThat(run.code()).as("%s%s", run.out(), run.err()).isEqualTo(130);
    assertThat(fixture.oldNodeLabel()).isEqualTo("");
    assertThat(run.out())
        .contains("EgressIP egressip-demo: FAIL")
        .contains(
            "the drill was interrupted; label k8s.ovn.org/egress-assignable put back on "
                + OLD_NODE);
    JsonNode report = ApiClient.parse(Files.readString(json));
    assertThat(keys(report)).containsExactlyElementsOf(KEYS);
    assertThat(report.path("interrupted").asBoolean()).isTrue();
    assertThat(report.path("passed").asBoolean(true)).isFalse();
    assertThat(report.path("label").path("restoredAt").isNull()).isFalse();
    assertThat(report.path("trigger").path("what").asString()).startsWith("removed label");
    inTimeOrder(report.path("timeline"));
    String xml = Files.readString(junit);
    validJunit(xml);
    assertThat(xml)
        .contains(
            "<error type=\"interrupted\" message=\"the drill was interrupted; label"
                + " k8s.ovn.org/egress-assignable put back on "
                + OLD_NODE
                + "\"");
  }

  @Test
  void anUnknownEgressIpFailsWithReportsThatSayWhy() throws Exception {
    Path json = dir.resolve("drill.json");
    Path junit = dir.resolve("drill.xml");

    Run run =
        drill(
            api(),
            "--egressip",
            "nosuch",
            "--report",
            "json:" + json,
            "--report",
            "junit:" + junit);

    assertThat(run.code()).as("%s%s", run.out(), run.err()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "egress-audit drill failover: EgressIP nosuch not found" + System.lineSeparator());
    JsonNode report = ApiClient.parse(Files.readString(json));
    assertThat(keys(report)).containsExactlyElementsOf(KEYS);
    assertThat(report.path("passed").asBoolean(true)).isFalse();
    assertThat(report.path("error").asString()).isEqualTo("EgressIP nosuch not found");
    assertThat(report.path("egressIP").asString()).isEqualTo("nosuch");
    assertThat(report.path("failures").get(0).asString()).isEqualTo("EgressIP nosuch not found");
    String xml = Files.readString(junit);
    validJunit(xml);
    assertThat(xml)
        .contains("<failure type=\"not-possible\" message=\"EgressIP nosuch not found\"")
        .contains("failures=\"1\"");
    assertThat(cluster.commands()).isEmpty();
  }

  @Test
  void anEgressIpThatCannotFailOverFailsWithReportsThatSayWhy() throws Exception {
    cluster
        .client
        .nodes()
        .withName(NEW_NODE)
        .edit(
            n -> {
              n.getMetadata().getLabels().remove("k8s.ovn.org/egress-assignable");
              return n;
            });
    Path json = dir.resolve("drill.json");
    Path junit = dir.resolve("drill.xml");

    Run run =
        drill(
            api(),
            "--egressip",
            "egressip-demo",
            "--report",
            "json:" + json,
            "--report",
            "junit:" + junit);

    assertThat(run.code()).as("%s%s", run.out(), run.err()).isEqualTo(1);
    JsonNode report = ApiClient.parse(Files.readString(json));
    assertThat(keys(report)).containsExactlyElementsOf(KEYS);
    assertThat(report.path("error").asString())
        .startsWith("no failover possible: only one egress-assignable node (" + OLD_NODE + ")");
    assertThat(report.path("label").isNull()).isTrue();
    String xml = Files.readString(junit);
    validJunit(xml);
    assertThat(xml)
        .contains(
            "<failure type=\"not-possible\" message=\"no failover possible: only one"
                + " egress-assignable node ("
                + OLD_NODE
                + ")");
    assertThat(fixture.oldNodeLabel()).isEqualTo("");
  }

  @Test
  void limitsThatWouldRemoveTheLabelForNothingAreWrongUsageBeforeTheClusterIsTouched()
      throws Exception {
    String[][] wrong = {
      {"--timeout 0s is shorter than --interval 1s", "--timeout", "0"},
      {"--timeout 300ms is shorter than --interval 1s", "--timeout", "300ms"},
      {"--max-outage 90s is longer than --timeout 60s", "--max-outage", "90s", "--timeout", "60s"},
      {"--interval 1ms is shorter than 100ms", "--interval", "1ms"},
    };
    for (String[] w : wrong) {
      List<String> args = new ArrayList<>(List.of("--egressip", "egressip-demo"));
      args.addAll(List.of(w).subList(1, w.length));
      args.add("--report");
      args.add("json:" + dir.resolve("drill.json"));

      Run run = drill(api(), args.toArray(String[]::new));

      assertThat(run.code()).as("%s: %s%s", args, run.out(), run.err()).isEqualTo(2);
      assertThat(run.err()).startsWith("egress-audit drill failover: " + w[0]);
      assertThat(run.err().lines()).hasSize(1);
    }
    assertThat(fixture.unassignedAt()).isNull();
    assertThat(fixture.oldNodeLabel()).isEqualTo("");
    assertThat(cluster.commands()).isEmpty();
    assertThat(dir.resolve("drill.json")).doesNotExist();
  }

  @Test
  void aTimeoutShorterThanTheDefaultMaxOutageLowersItInsteadOfBeingRefused() throws Exception {
    Path json = dir.resolve("drill.json");

    Run run =
        drill(
            api(),
            "--egressip",
            "nosuch",
            "--interval",
            "500ms",
            "--timeout",
            "20s",
            "--report",
            "json:" + json);

    assertThat(run.code()).as("%s%s", run.out(), run.err()).isEqualTo(1);
    JsonNode report = ApiClient.parse(Files.readString(json));
    assertThat(report.path("limits").path("maxOutageSeconds").asDouble()).isEqualTo(20.0);
  }

  @Test
  void aShortApiOutageDuringTheDrillIsRiddenOut() throws Exception {
    try (TcpProxy proxy = new TcpProxy(server.apiPort()).start()) {
      Path json = dir.resolve("drill.json");
      AtomicReference<Run> result = new AtomicReference<>();
      Thread running =
          drillInBackground(
              result,
              "http://127.0.0.1:" + proxy.port(),
              "--egressip",
              "egressip-demo",
              "--interval",
              "500ms",
              "--settle",
              "4",
              "--timeout",
              "90s",
              "--report",
              "json:" + json);
      await().atMost(Duration.ofSeconds(30)).until(() -> fixture.unassignedAt() != null);
      proxy.stop();
      int before = cluster.commands().size();
      // probes go on while the API is away: four more execs, their ids asked again and again
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.commands().size() >= before + 4);
      proxy.start();
      running.join(Duration.ofSeconds(120).toMillis());

      Run run = result.get();
      assertThat(run).as("the drill returned").isNotNull();
      // the fixture's one leaked probe fails it; the API outage does not stop it
      assertThat(run.code()).as("%s%s", run.out(), run.err()).isEqualTo(1);
      JsonNode report = ApiClient.parse(Files.readString(json));
      assertThat(report.path("error").isNull()).as("%s", report).isTrue();
      assertThat(report.path("move").path("to").asString()).isEqualTo(NEW_NODE);
      assertThat(report.path("settled").asBoolean()).isTrue();
      assertThat(fixture.oldNodeLabel()).isEqualTo("");
    }
  }

  @Test
  void anApiGoneForGoodStopsTheDrillWithEverythingMeasuredSoFarAndTheLabelBack() throws Exception {
    try (TcpProxy proxy = new TcpProxy(server.apiPort()).start()) {
      ExecDrillProber prober =
          new ExecDrillProber(
              new Fabric8PodExecutor(cluster.client),
              new AuditApiClient(
                  URI.create("http://127.0.0.1:" + proxy.port()), null, Duration.ofSeconds(10)),
              "http://127.0.0.1:" + server.hitPorts().get(0),
              Duration.ofSeconds(5),
              Duration.ofSeconds(2));
      DrillLimits limits = new DrillLimits(Duration.ofMillis(500), Duration.ofSeconds(60), 4);
      FailoverDrill drill =
          new FailoverDrill(
              cluster.client,
              KubernetesObjectsModel.INSTANCE,
              prober,
              new FailoverDrill.Settings(
                  "egressip-demo", FailoverDrill.Trigger.UNLABEL, limits, Duration.ofMinutes(5), 8),
              Clock.systemUTC());
      AtomicReference<FailoverDrill.Outcome> result = new AtomicReference<>();
      Thread running = new Thread(() -> result.set(drill.run()));
      running.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> fixture.unassignedAt() != null);
      proxy.stop();
      running.join(Duration.ofSeconds(60).toMillis());

      FailoverDrill.Outcome outcome = result.get();
      assertThat(outcome).as("the drill returned").isNotNull();
      assertThat(outcome.error())
          .contains("127.0.0.1:" + proxy.port())
          .endsWith("(asked again for 2 s)");
      assertThat(outcome.labelRestoredAt()).isNotNull();
      assertThat(fixture.oldNodeLabel()).isEqualTo("");
      JsonNode report =
          new FailoverDrillReport("loopback", "http://target", "http://api", limits, outcome)
              .tree();
      assertThat(keys(report)).containsExactlyElementsOf(KEYS);
      assertThat(report.path("trigger").path("what").asString()).startsWith("removed label");
      assertThat(report.path("namespaces").get(0).path("probes").asInt()).isPositive();
      assertThat(report.path("passed").asBoolean(true)).isFalse();
      assertThat(report.path("error").asString()).isEqualTo(outcome.error());
      inTimeOrder(report.path("timeline"));
    }
  }

  @Test
  void sigtermToTheLauncherPutsTheLabelBackWritesTheReportsAndExits143() throws Exception {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    Path json = dir.resolve("drill.json");
    Path junit = dir.resolve("drill.xml");
    Path out = dir.resolve("stdout.txt");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "drill",
                "failover",
                "--egressip",
                "egressip-demo",
                "--trigger",
                "unlabel",
                "--interval",
                "500ms",
                "--timeout",
                "5m",
                "--kubeconfig",
                cluster.kubeconfig(dir).toString(),
                "--context",
                "loopback",
                "--target",
                "http://127.0.0.1:" + server.hitPorts().get(0),
                "--api",
                api(),
                "--report",
                "json:" + json,
                "--report",
                "junit:" + junit)
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("stderr.txt").toFile())
            .start();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> fixture.unassignedAt() != null);

      p.destroy(); // SIGTERM, as CI cancels a job

      assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue())
          .as("%s%s", Files.readString(out), Files.readString(dir.resolve("stderr.txt")))
          .isEqualTo(143);
      assertThat(fixture.oldNodeLabel()).isEqualTo("");
      assertThat(Files.readString(out))
          .contains(
              "the drill was interrupted; label k8s.ovn.org/egress-assignable put back on "
                  + OLD_NODE);
      JsonNode report = ApiClient.parse(Files.readString(json));
      assertThat(report.path("interrupted").asBoolean()).isTrue();
      assertThat(report.path("label").path("restoredAt").isNull()).isFalse();
      assertThat(Files.readString(junit)).contains("<error type=\"interrupted\"");
    } finally {
      p.destroyForcibly();
    }
  }
}
