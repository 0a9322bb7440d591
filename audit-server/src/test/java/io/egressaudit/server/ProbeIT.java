package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.controller.informer.KubeconfigClusters;
import io.egressaudit.probes.ClusterReader;
import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import io.egressaudit.testsupport.ClosedPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code egress-audit probe} end to end: the bundled loopback cluster in a fabric8 mock API server,
 * a real audit server watching it, and pod exec answered by real curl/wget sent from the loopback
 * address the fixture gives each pod (its egress IP or node IP), as the cluster's SNAT would.
 */
class ProbeIT {

  static final String EGRESS_IP = "127.0.0.100";
  static final String SL79N = "127.0.0.51";
  static final String HOMER = "homer-deployment-5b7857cc48-fs2w4";

  @TempDir Path dir;

  ExecMockCluster cluster;
  LoopbackSnat snat = new LoopbackSnat();
  AuditServer server;
  Path kubeconfig;

  @BeforeEach
  void cluster() throws Exception {
    cluster = new ExecMockCluster().load(Path.of("../examples/loopback/cluster.yaml")).onExec(snat);
    kubeconfig = cluster.kubeconfig(dir);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    cluster.close();
  }

  /** Starts the audit server watching the mock cluster, once the fixture has changed it. */
  void startServer() throws Exception {
    server =
        AuditServer.start(
            AuditServer.Config.builder(Database.at(dir.resolve("audit.db")))
                .listen(List.of(new HostPort("127.0.0.1", 0)))
                .api(new HostPort("127.0.0.1", 0))
                .writer(HitWriter.Settings.DEFAULT)
                .listener(ListenerSettings.DEFAULT)
                .apiToken(null)
                .clusterStates(Map.of())
                .example(false)
                .rescanSeconds(10)
                .trustedProxies(TrustedProxies.of(List.of()))
                .retention(null)
                .liveClusters(KubeconfigClusters.select(kubeconfig, List.of("loopback")))
                .apiTls(null)
                .build());
    server.watchers().get(0).synced().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  record Run(int exitCode, String out, String err) {}

  /** Runs {@code probe} against the mock cluster and the server; {@code extra} may override. */
  Run probe(String... extra) {
    List<String> given = List.of(extra);
    List<String> args = new ArrayList<>(List.of("probe", "--context", "loopback"));
    Map<String, String> defaults = new java.util.LinkedHashMap<>();
    defaults.put("--kubeconfig", kubeconfig.toString());
    defaults.put("--target", "http://127.0.0.1:" + server.hitPorts().get(0));
    defaults.put("--api", "http://127.0.0.1:" + server.apiPort());
    defaults.forEach(
        (option, value) -> {
          if (!given.contains(option)) {
            args.add(option);
            args.add(value);
          }
        });
    args.addAll(given);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  static final String EGRESS_IP_2 = "127.0.0.101";
  static final String SL79N_NODE = "ocp-8vr6j-worker-0-sl79n";
  static final String W82T6F_NODE = "ocp-8vr6j-worker-0-82t6f";
  static final String W82T6F = "127.0.0.53";
  static final String MARGE = "marge-deployment-75474c9ff-jpkkv";
  static final String PATTY = "patty-deployment-6b9c8d7f5-k2xqz";
  static final String SELMA = "selma-deployment-7c4f9b8d6-w8r5t";

  /** Sets egressip-demo's spec.egressIPs and status.items ({@code ip@node}; none: unassigned). */
  void egressIp(List<String> spec, String... assigned) {
    GenericKubernetesResource eip =
        cluster
            .client
            .genericKubernetesResources(ClusterReader.EGRESS_IPS)
            .withName("egressip-demo")
            .get();
    @SuppressWarnings("unchecked")
    Map<String, Object> s = (Map<String, Object>) eip.getAdditionalProperties().get("spec");
    s.put("egressIPs", spec);
    List<Map<String, String>> items = new ArrayList<>();
    for (String a : assigned) {
      String[] ipNode = a.split("@");
      items.add(Map.of("egressIP", ipNode[0], "node", ipNode[1]));
    }
    eip.setAdditionalProperty("status", Map.of("items", items));
    cluster.client.genericKubernetesResources(ClusterReader.EGRESS_IPS).resource(eip).update();
  }

  /** Adds a pod made like another, under a new name. */
  void podLike(String namespace, String model, String name) {
    Pod p = cluster.client.pods().inNamespace(namespace).withName(model).get();
    p.getMetadata().setName(name);
    p.getMetadata().setResourceVersion(null);
    p.getMetadata().setUid(null);
    cluster.client.resource(p).create();
  }

  Path policy(String yaml) throws Exception {
    return Files.writeString(dir.resolve("policy.yaml"), yaml);
  }

  @Test
  void aNamespaceLeavingWithItsEgressIpPassesAndExitsZero() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();

    Run run = probe();

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out())
        .containsPattern("simpson\\s+" + HOMER + "\\s+ocp-8vr6j-worker-0-sl79n\\s+pass\\s+")
        .contains("127.0.0.100 (egressip-demo)")
        .contains("1 of 1 passed");
    assertThat(snat.requests("simpson", HOMER)).isEqualTo(1);
    assertThat(cluster.commands().get(0)).startsWith("curl", "-sS", "-o", "/dev/null");
  }

  @Test
  void anEcmpEgressIpAcceptsEitherAssignedIpAndNotAThird() throws Exception {
    egressIp(
        List.of(EGRESS_IP, EGRESS_IP_2),
        EGRESS_IP + "@" + SL79N_NODE,
        EGRESS_IP_2 + "@" + W82T6F_NODE);
    podLike("simpson", HOMER, "bart-0");
    snat.from("simpson", HOMER, EGRESS_IP)
        .from("simpson", MARGE, EGRESS_IP_2)
        .from("simpson", "bart-0", "127.0.0.102");
    startServer();

    Run run = probe("--pods", "all");

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
    assertThat(run.out())
        .containsPattern(
            "simpson\\s+"
                + HOMER
                + "\\s+\\S+\\s+pass\\s+any of 127.0.0.100, 127.0.0.101 \\(egressip-demo, ECMP\\)\\s+127.0.0.100")
        .containsPattern("simpson\\s+" + MARGE + "\\s+\\S+\\s+pass\\s+.*127.0.0.101\\s+1")
        .containsPattern("simpson\\s+bart-0\\s+\\S+\\s+wrong-source\\s+.*127.0.0.102")
        .contains(
            "simpson/bart-0: wrong-source: arrived from 127.0.0.102, unknown to the audit server; expected any of 127.0.0.100, 127.0.0.101")
        .contains(
            "simpson: egressip-demo (ECMP) seen from 2 of 2 assigned IPs: 127.0.0.100, 127.0.0.101")
        .contains("2 of 3 passed; failing: 1 wrong-source");
  }

  @Test
  void allNamespacesChecksNamespacesNoEgressIpSelectsAgainstTheirNodeIpAndSkipsOnesWithoutPods()
      throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP).from("bouvier", PATTY, W82T6F);
    startServer();
    Path json = dir.resolve("all.json");
    Path junit = dir.resolve("all.xml");

    Run selected = probe();
    Run all = probe("--all-namespaces", "--report", "json:" + json, "--report", "junit:" + junit);

    assertThat(selected.out()).doesNotContain("bouvier").contains("1 of 1 passed");
    assertThat(all.exitCode()).as(all.out() + all.err()).isZero();
    assertThat(all.out())
        .containsPattern(
            "bouvier\\s+"
                + PATTY
                + "\\s+"
                + W82T6F_NODE
                + "\\s+pass\\s+node IP "
                + W82T6F
                + " \\("
                + W82T6F_NODE
                + "\\)\\s+"
                + W82T6F)
        .containsPattern("simpson\\s+" + HOMER + "\\s+" + SL79N_NODE + "\\s+pass\\s+")
        .containsPattern("(?m)^default\\s+.*no-pods")
        .contains("2 of 2 passed; skipped: 1 namespace without pods");
    tools.jackson.databind.JsonNode report = ApiClient.parse(Files.readString(json));
    assertThat(report.path("passed").asBoolean()).isTrue();
    assertThat(report.path("summary").path("skipped").asInt()).isEqualTo(1);
    assertThat(report.path("summary").path("verdicts").path("no-pods").asInt()).isEqualTo(1);
    String xml = Files.readString(junit);
    FailoverDrillEndsIT.validJunit(xml);
    assertThat(xml)
        .contains("skipped=\"1\"")
        .contains(
            "<testcase name=\"default\" classname=\"egress-audit.probe.default\""
                + " time=\"0.000\">\n      <skipped message=\"no-pods: default has no pods: nothing to"
                + " probe\"/>");
    assertThat(snat.requests("bouvier", PATTY)).isEqualTo(1);
    assertThat(snat.requests("bouvier", SELMA)).isZero();
  }

  @Test
  void allNamespacesStillFailsANamespaceWhosePodsAreNoneReady() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP).from("bouvier", PATTY, W82T6F);
    cluster
        .client
        .pods()
        .inNamespace("bouvier")
        .list()
        .getItems()
        .forEach(
            p -> {
              p.getStatus().setPhase("Pending");
              cluster.client.resource(p).updateStatus();
            });
    startServer();

    Run all = probe("--all-namespaces");

    assertThat(all.exitCode()).as(all.out() + all.err()).isEqualTo(1);
    assertThat(all.out())
        .containsPattern("(?m)^bouvier\\s+.*no-ready-pod")
        .containsPattern("(?m)^default\\s+.*no-pods")
        .contains("1 of 2 passed; failing: 1 no-ready-pod; skipped: 1 namespace without pods");
  }

  @Test
  void anInterruptedProbeWritesEveryReportSayingSo() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();
    java.util.concurrent.CountDownLatch execStarted = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    cluster.onExec(
        (ns, pod, command) -> {
          execStarted.countDown();
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return snat.exec(ns, pod, command);
        });
    Path json = dir.resolve("probe.json");
    Path junit = dir.resolve("probe.xml");
    java.util.concurrent.atomic.AtomicReference<Run> result =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread running =
        new Thread(
            () -> result.set(probe("--report", "json:" + json, "--report", "junit:" + junit)));
    try {
      running.start();
      assertThat(execStarted.await(30, TimeUnit.SECONDS)).isTrue();

      // what the shutdown hook does on SIGINT/SIGTERM
      running.interrupt();
      running.join(Duration.ofSeconds(30).toMillis());
    } finally {
      release.countDown();
    }

    Run run = result.get();
    assertThat(run).as("the probe returned").isNotNull();
    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(130);
    assertThat(run.err())
        .startsWith("egress-audit probe: interrupted (Ctrl-C or SIGTERM) while probing from 1 pod");
    tools.jackson.databind.JsonNode report = ApiClient.parse(Files.readString(json));
    assertThat(report.path("passed").asBoolean(true)).isFalse();
    assertThat(report.path("error").asString()).startsWith("interrupted");
    String xml = Files.readString(junit);
    FailoverDrillEndsIT.validJunit(xml);
    assertThat(xml)
        .contains("<testcase name=\"interrupted\"")
        .contains("<error type=\"interrupted\"");
  }

  @Test
  void aNamespaceTheClusterDoesNotHaveIsWrongUsageNamingTheCluster() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();

    Run run = probe("--namespace", "nosuch");

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(2);
    assertThat(run.err())
        .isEqualTo(
            "egress-audit probe: --namespace nosuch: no such namespace in cluster loopback at "
                + cluster.client.getMasterUrl()
                + System.lineSeparator());
    assertThat(snat.requests("simpson", HOMER)).isZero();
  }

  @Test
  void aNamespaceLeakingThroughItsNodeIpFailsNamingWhoseIpItIs() throws Exception {
    snat.from("simpson", MARGE, SL79N);
    startServer();

    Run run = probe("--selector", "app=marge");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out())
        .contains(
            "simpson/"
                + MARGE
                + ": wrong-source: arrived from 127.0.0.51, node IP of "
                + SL79N_NODE
                + " (should use an egress IP: simpson): a leak, simpson left with a"
                + " node IP instead of its egress IP; expected 127.0.0.100 (egressip-demo)");
  }

  @Test
  void aProbeThatNeverArrivesIsNotArrivedWithCurlsReason() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP).dropped("simpson", HOMER);
    startServer();

    Run run = probe();

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out())
        .containsPattern(
            "simpson\\s+"
                + HOMER
                + "\\s+\\S+\\s+not-arrived\\s+127.0.0.100 \\(egressip-demo\\)\\s+-\\s+1")
        .contains(
            "no request with the probe id reached the audit server (curl exit 7 (curl: (7) Failed to connect to 127.0.0.1 port");
  }

  @Test
  void execFailuresAreNamedAndWgetStandsInForAMissingCurl() throws Exception {
    snat.forbidden("simpson", HOMER)
        .from("simpson", MARGE, EGRESS_IP)
        .from("bouvier", PATTY, W82T6F)
        .image("bouvier", PATTY, LoopbackSnat.Image.WGET_ONLY)
        .from("bouvier", SELMA, W82T6F)
        .image("bouvier", SELMA, LoopbackSnat.Image.NO_HTTP_CLIENT);
    startServer();

    Run run = probe("--namespace", "bouvier", "--pods", "all");

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
    assertThat(run.out())
        .containsPattern(
            "bouvier\\s+"
                + PATTY
                + "\\s+"
                + W82T6F_NODE
                + "\\s+pass\\s+node IP 127.0.0.53 \\("
                + W82T6F_NODE
                + "\\)\\s+127.0.0.53")
        .contains(
            "bouvier/"
                + SELMA
                + ": no-http-client: neither curl nor wget in the container: curl: exit -1 (OCI runtime exec failed")
        .contains(
            "executable file not found in $PATH: unknown); wget: exit 127 (sh: wget: not found)")
        .contains(
            "simpson/"
                + HOMER
                + ": exec-failed: exec failed: HTTP 403: forbidden: the runner may not exec into"
                + " this pod (create and get pods/exec)")
        .contains("2 of 4 passed; failing: 1 exec-failed, 1 no-http-client");
    assertThat(cluster.commands())
        .extracting(c -> c.get(0))
        .containsExactlyInAnyOrder("curl", "wget", "curl", "wget", "curl", "curl");
  }

  @Test
  void anEgressIpWithoutAssignedIpFailsNamingTheNodeIpThePodsFallBackTo() throws Exception {
    egressIp(List.of(EGRESS_IP));
    snat.from("simpson", HOMER, SL79N);
    startServer();

    Run run = probe();

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out())
        .contains(
            "simpson/"
                + HOMER
                + ": egress-ip-unassigned: egressip-demo has no assigned IP: simpson"
                + " leaves with its node IP 127.0.0.51 ("
                + SL79N_NODE
                + ") instead of one of"
                + " 127.0.0.100; the probe arrived from 127.0.0.51, node IP of "
                + SL79N_NODE);
  }

  @Test
  void aMustNotArriveNamespaceBlockedByTheFirewallPassesAndOneGettingThroughFails()
      throws Exception {
    Path policy =
        policy(
            """
            namespaces:
              simpson:
                allow: [127.0.0.100/32]
              bouvier:
                mustNotArrive: true
            """);
    snat.from("simpson", HOMER, EGRESS_IP).from("bouvier", PATTY, W82T6F).dropped("bouvier", PATTY);
    startServer();

    Run blocked = probe("--policy", policy.toString());

    assertThat(blocked.exitCode()).as(blocked.out() + blocked.err()).isZero();
    assertThat(blocked.out())
        .containsPattern(
            "bouvier\\s+" + PATTY + "\\s+\\S+\\s+blocked-as-expected\\s+must not arrive\\s+-")
        .containsPattern("simpson\\s+" + HOMER + "\\s+\\S+\\s+pass\\s+policy: 127.0.0.100/32")
        .contains("2 of 2 passed");

    LoopbackSnat open =
        new LoopbackSnat().from("simpson", HOMER, EGRESS_IP).from("bouvier", PATTY, W82T6F);
    cluster.onExec(open);
    Run through = probe("--policy", policy.toString());

    assertThat(through.exitCode()).isEqualTo(1);
    assertThat(through.out())
        .contains(
            "bouvier/"
                + PATTY
                + ": got-through: arrived from 127.0.0.53, node IP of "
                + W82T6F_NODE
                + " (namespaces bouvier): bouvier must not reach the target");
  }

  @Test
  void retriesThatConvergeReportEveryFailedAttemptAndThenThePass() throws Exception {
    snat.from("simpson", HOMER, SL79N, SL79N, EGRESS_IP);
    startServer();

    Run run = probe("--retry-for", "30s");

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out())
        .containsPattern(
            "simpson\\s+"
                + HOMER
                + "\\s+\\S+\\s+pass \\(after retries\\)\\s+127.0.0.100 \\(egressip-demo\\)\\s+127.0.0.100\\s+3")
        .containsPattern(
            "simpson/"
                + HOMER
                + ": pass: passed after 3 attempts, \\d+\\.\\d s \\(earlier: wrong-source, wrong-source\\)");
    assertThat(snat.requests("simpson", HOMER)).isEqualTo(3);
  }

  @Test
  void retriesThatDoNotConvergeStopAfterRetryForAndFail() throws Exception {
    snat.from("simpson", HOMER, SL79N);
    startServer();

    Run run = probe("--retry-for", "2s");

    assertThat(run.exitCode()).isEqualTo(1);
    int attempts = snat.requests("simpson", HOMER);
    assertThat(attempts).isBetween(2, 3);
    assertThat(run.out())
        .contains(
            "simpson/"
                + HOMER
                + ": wrong-source: still wrong-source after "
                + attempts
                + " attempts");
  }

  @Test
  void theJsonAndJunitReportsOfARealRunMatchTheirGoldenFilesAndTheJunitSchema() throws Exception {
    Path policy =
        policy(
            """
            namespaces:
              bouvier:
                mustNotArrive: true
            """);
    snat.from("simpson", HOMER, EGRESS_IP)
        .from("simpson", MARGE, SL79N)
        .from("bouvier", PATTY, W82T6F)
        .dropped("bouvier", PATTY)
        .from("bouvier", SELMA, W82T6F)
        .dropped("bouvier", SELMA);
    startServer();
    Path json = dir.resolve("reports/probe.json");
    Path junit = dir.resolve("reports/probe.xml");

    Run run =
        probe(
            "--pods",
            "all",
            "--policy",
            policy.toString(),
            "--report",
            "json:" + json,
            "--report",
            "junit:" + junit);

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
    String xml = Files.readString(junit);
    javax.xml.validation.SchemaFactory.newInstance(javax.xml.XMLConstants.W3C_XML_SCHEMA_NS_URI)
        .newSchema(Path.of("../probes/src/test/resources/junit.xsd").toFile())
        .newValidator()
        .validate(new javax.xml.transform.stream.StreamSource(new java.io.StringReader(xml)));
    assertThat(normalize(Files.readString(json)))
        .isEqualTo(golden("probe-run.json", normalize(Files.readString(json))));
    assertThat(normalize(xml)).isEqualTo(golden("probe-run.xml", normalize(xml)));
  }

  /**
   * Replaces what changes from run to run: ports, ids, times, durations, the temporary directory.
   */
  String normalize(String report) {
    return report
        .replace(dir.toString(), "<dir>")
        .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:<port>")
        .replaceAll("localhost:\\d+", "localhost:<port>")
        .replaceAll("port \\d+", "port <port>")
        .replaceAll("(\"probeId\" : \"|probe id )[a-z2-7]{20}", "$1<id>")
        .replaceAll("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z?", "<time>")
        .replaceAll("(\"seconds(ToPass)?\" : )[0-9.]+", "$10")
        .replaceAll("time=\"[0-9.]+\"", "time=\"0\"")
        .replaceAll("curl: \\((\\d+)\\) [^)\"]*", "curl: ($1) <curl's message>");
  }

  static String golden(String name, String actual) throws Exception {
    Path file = Path.of("src/test/resources/probe").resolve(name);
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(file, actual);
    }
    return Files.readString(file);
  }

  @Test
  void anUnreachableAuditServerExitsThree() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();
    int closed = ClosedPort.PORT;

    Run run = probe("--api", "http://127.0.0.1:" + closed);

    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.err())
        .isEqualTo(
            "egress-audit probe: cannot reach the audit server API at http://127.0.0.1:"
                + closed
                + ": connection refused"
                + System.lineSeparator());
    assertThat(snat.requests("simpson", HOMER)).isZero();
  }

  @Test
  void anUnreachableAuditServerStillWritesTheReportsSayingWhy() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();
    int closed = ClosedPort.PORT;
    Path json = dir.resolve("reports/probe.json");
    Path junit = dir.resolve("reports/probe.xml");

    Run run =
        probe(
            "--api",
            "http://127.0.0.1:" + closed,
            "--report",
            "json:" + json,
            "--report",
            "junit:" + junit);

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
    String why =
        run.err().lines().findFirst().orElseThrow().substring("egress-audit probe: ".length());
    assertThat(why).startsWith("cannot reach the audit server API at http://127.0.0.1:" + closed);
    String xml = Files.readString(junit);
    javax.xml.validation.SchemaFactory.newInstance(javax.xml.XMLConstants.W3C_XML_SCHEMA_NS_URI)
        .newSchema(Path.of("../probes/src/test/resources/junit.xsd").toFile())
        .newValidator()
        .validate(new javax.xml.transform.stream.StreamSource(new java.io.StringReader(xml)));
    assertThat(xml)
        .contains("tests=\"1\"")
        .contains("errors=\"1\"")
        .contains("<testcase name=\"unreachable\"")
        .contains("<error type=\"unreachable\" message=\"" + why + "\"");
    tools.jackson.databind.JsonNode report = ApiClient.parse(Files.readString(json));
    assertThat(report.get("report").asString()).isEqualTo("egress-audit-probe");
    assertThat(report.get("passed").asBoolean()).isFalse();
    assertThat(report.get("error").asString()).isEqualTo(why);
  }

  @Test
  void anUnreachableClusterExitsThree() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();
    int closed = ClosedPort.PORT;
    Path elsewhere = dir.resolve("elsewhere");
    Files.createDirectories(elsewhere);
    Path unreachable =
        Files.writeString(
            elsewhere.resolve("kubeconfig"),
            LiveClusterIT.kubeconfig("http://127.0.0.1:" + closed));

    long started = System.nanoTime();
    Run run = probe("--kubeconfig", unreachable.toString());
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
    assertThat(run.err())
        .isEqualTo(
            "egress-audit probe: cannot reach cluster loopback at http://127.0.0.1:"
                + closed
                + "/: connection refused"
                + System.lineSeparator());
    // fabric8's own request retries (10, backoff up to 3.2 s) took ~20 s to give up
    assertThat(took).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aClusterThatAcceptsConnectionsButNeverAnswersExitsThreeAfterFiveSeconds() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();
    // the kernel completes connections into the backlog; nothing ever reads or answers them
    try (java.net.ServerSocket silent =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
      Path hung =
          Files.writeString(
              elsewhere.resolve("kubeconfig"),
              LiveClusterIT.kubeconfig("https://127.0.0.1:" + silent.getLocalPort()));

      long started = System.nanoTime();
      Run run = probe("--kubeconfig", hung.toString());
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
      assertThat(run.err())
          .isEqualTo(
              "egress-audit probe: cannot reach cluster loopback at https://127.0.0.1:"
                  + silent.getLocalPort()
                  + "/: timed out after 5s"
                  + System.lineSeparator());
      assertThat(took).isLessThan(Duration.ofSeconds(10));
    }
    assertThat(snat.requests("simpson", HOMER)).isZero();
  }

  @Test
  void anApiThatAcceptsConnectionsButNeverAnswersExitsThreeAfterFiveSeconds() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();
    try (java.net.ServerSocket silent =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      String api = "http://127.0.0.1:" + silent.getLocalPort();

      long started = System.nanoTime();
      Run run = probe("--api", api);
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
      assertThat(run.err())
          .isEqualTo(
              "egress-audit probe: cannot reach the audit server API at "
                  + api
                  + ": no answer within 5s"
                  + System.lineSeparator());
      // the API client's request timeout is 10 s; the check before the run allows 5 (the bound
      // leaves room for a loaded machine: the message above is what tells the two apart)
      assertThat(took).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void missingPermissionsAreNamedWithTheirRuleAndExitThree() throws Exception {
    cluster.allow(a -> !"exec".equals(a.getSubresource()) && !"k8s.ovn.org".equals(a.getGroup()));
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();

    Run run = probe();

    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.err())
        .contains(
            "get egressips.k8s.ovn.org: grant the ClusterRole rule {apiGroups: [\"k8s.ovn.org\"], resources: [\"egressips\"], verbs: [\"get\"]}")
        .contains("list egressips.k8s.ovn.org")
        .contains(
            "create pods/exec: grant the ClusterRole rule {apiGroups: [\"\"], resources: [\"pods/exec\"], verbs: [\"create\"]}")
        .contains("get pods/exec")
        .doesNotContain("list pods:");
    assertThat(snat.requests("simpson", HOMER)).isZero();
  }

  @Test
  void wrongUsageExitsTwoWithOneLineNamingTheProblem() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();
    Path policy = policy("namespaces:\n  simpson:\n    allow: [10.0.0.1/8]\n");

    Run badReport = probe("--report", "html:x.html");
    Run badPolicy = probe("--policy", policy.toString());
    Run badRetry = probe("--retry-for", "soon");

    assertThat(badReport.exitCode()).isEqualTo(2);
    assertThat(badReport.err())
        .startsWith(
            "egress-audit probe: Invalid value for option '--report' (FORMAT:FILE): 'html:x.html':"
                + " unknown format");
    assertThat(badPolicy.exitCode()).isEqualTo(2);
    assertThat(badPolicy.err())
        .startsWith(
            "egress-audit probe: Invalid value for option '--policy': "
                + policy
                + ":3: namespaces.simpson.allow[0]: '10.0.0.1/8' has host bits set");
    assertThat(badRetry.exitCode()).isEqualTo(2);
    assertThat(badRetry.err())
        .startsWith(
            "egress-audit probe: Invalid value for option '--retry-for': 'soon' is not a"
                + " duration");
    assertThat(snat.requests("simpson", HOMER)).isZero();
  }

  @Test
  void anApiWithATokenIsAskedWithTheTokenFileAndRefusesARunWithout() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    server =
        AuditServer.start(
            AuditServer.Config.builder(Database.at(dir.resolve("audit.db")))
                .listen(List.of(new HostPort("127.0.0.1", 0)))
                .api(new HostPort("127.0.0.1", 0))
                .writer(HitWriter.Settings.DEFAULT)
                .listener(ListenerSettings.DEFAULT)
                .apiToken("s3cret-token")
                .clusterStates(Map.of())
                .example(true)
                .rescanSeconds(10)
                .trustedProxies(TrustedProxies.of(List.of()))
                .retention(null)
                .build());
    Path token = Files.writeString(dir.resolve("token"), "s3cret-token\n");

    Run without = probe();
    Run with = probe("--api-token-file", token.toString());

    assertThat(without.exitCode()).isEqualTo(3);
    assertThat(without.err()).contains("answered 401: it needs a bearer token (--api-token-file)");
    assertThat(with.exitCode()).as(with.out() + with.err()).isZero();
  }

  @Test
  void helpListsEveryOptionOfTheContractAndTheExitCodes() {
    StringWriter out = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));

    assertThat(cl.execute("probe", "--help")).isZero();
    assertThat(out.toString())
        .contains(
            "--kubeconfig=FILE",
            "--context=NAME",
            "--target=URL",
            "--api=URL",
            "--api-token-file=FILE",
            "--namespace=NS",
            "--all-namespaces",
            "--policy=FILE",
            "--pods=one|all",
            "--selector=SELECTOR",
            "--retry-for=DURATION",
            "--parallel=N",
            "--exec-timeout=DURATION",
            "--report=FORMAT:FILE")
        .contains(
            "Exit codes:",
            "0     every verdict passes",
            "3     the cluster or the audit server",
            "130   stopped by Ctrl-C (SIGINT)",
            "143   stopped by SIGTERM");
  }
}
