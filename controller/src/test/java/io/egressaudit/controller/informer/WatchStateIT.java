package io.egressaudit.controller.informer;

import static io.egressaudit.controller.informer.MockCluster.EGRESS_IP;
import static io.egressaudit.controller.informer.MockCluster.HOMER;
import static io.egressaudit.controller.informer.MockCluster.HOMER_IP;
import static io.egressaudit.controller.informer.MockCluster.WORKER_0_IP;
import static io.egressaudit.controller.informer.MockCluster.WORKER_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.controller.SourceState;
import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryView;
import io.egressaudit.testsupport.ClosedPort;
import io.egressaudit.testsupport.WatchSendsOffLoop;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch's state as {@code /readyz} and {@code /healthz} report it, against the fabric8 mock API
 * server: syncing before the first list, synced after, stale while the API server is gone, and the
 * log lines each change costs.
 */
class WatchStateIT {

  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ClusterWatcher.Timing FAST =
      new ClusterWatcher.Timing(Duration.ofMillis(100), Duration.ofMillis(500));
  private static final Clock CLOCK = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  private Database db;
  private ClusterHistory history;
  private ClusterWatcher watcher;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void open() {
    server = WatchSendsOffLoop.crudServer();
    client = server.createClient();
    db = Database.at(dir.resolve("history.db"));
    history = new ClusterHistory(db);
  }

  @AfterEach
  void close() throws Exception {
    if (watcher != null) {
      watcher.close();
    }
    for (AutoCloseable c : toClose) {
      c.close();
    }
    client.close();
    server.destroy();
  }

  /** A client that retries fast: no request retries of its own, 100 ms between relists. */
  private KubernetesClient fastClient(String url) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url)
            .withRequestRetryBackoffLimit(0)
            .withWatchReconnectInterval(100)
            .withRequestTimeout(5_000)
            .build();
    KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
    toClose.add(c);
    return c;
  }

  private String mockUrl() {
    return "http://127.0.0.1:" + server.getPort();
  }

  private Instant synced() throws Exception {
    return watcher.synced().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private Attribution whois(String ip, Instant at) {
    try (HistoryView view = new HistoryView(db, "demo")) {
      return view.whois(ip, at).matches().get(0);
    }
  }

  private long count(String sql, Object... args) throws Exception {
    try (Connection c = db.openReader();
        PreparedStatement st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static Map<String, Object> status(int code, String reason, String message) {
    return Map.of(
        "kind",
        "Status",
        "apiVersion",
        "v1",
        "status",
        "Failure",
        "code",
        code,
        "reason",
        reason,
        "message",
        message);
  }

  @Test
  void syncingUntilTheFirstListIsRecordedThenSynced() throws Exception {
    new MockCluster(client).create(true);
    TcpProxy proxy = new TcpProxy(server.getPort()).start();
    toClose.add(proxy);
    proxy.stop(); // the API server is not up yet

    watcher =
        ClusterWatcher.start(
            fastClient("http://127.0.0.1:" + proxy.port()), "demo", history, CLOCK, FAST);

    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(watcher.state().reason()).contains("cannot list"));
    SourceState before = watcher.state();
    assertThat(before.status()).isEqualTo(SourceState.Status.SYNCING);
    assertThat(before.ready()).isFalse();
    assertThat(before.lastSynced()).isNull();
    assertThat(before.describe()).startsWith("syncing: cannot list ");

    proxy.start();
    Instant synced = synced();

    SourceState after = watcher.state();
    assertThat(after.status()).isEqualTo(SourceState.Status.SYNCED);
    assertThat(after.ready()).isTrue();
    assertThat(after.since()).isEqualTo(synced);
    assertThat(after.reason()).isNull();
    assertThat(after.lastSynced()).isAfterOrEqualTo(synced);
    assertThat(after.egressIps()).isNull();
  }

  @Test
  void aStoppedApiServerMakesTheClusterStaleAndChangesMissedMeanwhileAreRecordedOnceAtTheRelist()
      throws Exception {
    MockCluster cluster = new MockCluster(client).create(true);
    TcpProxy proxy = new TcpProxy(server.getPort()).start();
    toClose.add(proxy);
    watcher =
        ClusterWatcher.start(
            fastClient("http://127.0.0.1:" + proxy.port()), "demo", history, CLOCK, FAST);
    Instant synced = synced();
    long rowsBefore = count("SELECT count(*) FROM cluster_object");

    try (LogCapture log = new LogCapture()) {
      Instant stopped = CLOCK.instant();
      proxy.stop();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertThat(watcher.state().status()).isEqualTo(SourceState.Status.STALE));
      assertThat(watcher.state().since()).isAfterOrEqualTo(stopped);
      // made while egress-audit cannot see the cluster
      cluster.assignEgressIp(WORKER_1);
      client.pods().inNamespace("simpson").withName(HOMER).delete();
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(watcher.state().reason()).contains("cannot list"));
      SourceState stale = watcher.state();
      assertThat(stale.describe()).startsWith("stale since " + stale.since() + ": cannot list ");
      assertThat(stale.ready()).as("stale is still recorded once").isTrue();
      assertThat(whois(EGRESS_IP, CLOCK.instant()).node())
          .as("nothing recorded while the API server is gone")
          .isEqualTo(MockCluster.WORKER_0);

      Instant restarted = CLOCK.instant();
      proxy.start();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertThat(watcher.state().status()).isEqualTo(SourceState.Status.SYNCED));
      Instant relisted = watcher.state().since();
      assertThat(relisted).isAfterOrEqualTo(restarted);

      Attribution moved = whois(EGRESS_IP, CLOCK.instant());
      assertThat(moved.node()).isEqualTo(WORKER_1);
      assertThat(moved.since()).as("recorded at the relist").isEqualTo(relisted);
      assertThat(whois(HOMER_IP, relisted).kind()).isEqualTo(AttributionKind.UNKNOWN);
      assertThat(whois(HOMER_IP, relisted.minusMillis(1)).kind()).isEqualTo(AttributionKind.POD);
      assertThat(whois(EGRESS_IP, synced).node()).isEqualTo(MockCluster.WORKER_0);
      // one new interval (the EgressIP's new node); two ended at the relist (its old one, the pod)
      assertThat(count("SELECT count(*) FROM cluster_object")).isEqualTo(rowsBefore + 1);
      assertThat(
              count(
                  "SELECT count(*) FROM cluster_object WHERE valid_to = ?",
                  relisted.toEpochMilli()))
          .isEqualTo(2);
      assertThat(watcher.state().watchRestarts()).isGreaterThanOrEqualTo(1);

      List<String> ours = log.linesWith("cluster/demo");
      assertThat(ours).filteredOn(l -> l.contains("listing again")).hasSize(1);
      assertThat(ours).filteredOn(l -> l.contains("synced again")).hasSize(1);
      assertThat(ours)
          .filteredOn(l -> l.contains("Connection refused") && l.contains("retrying"))
          .hasSizeLessThanOrEqualTo(1);
      assertThat(log.lines())
          .as("no stack trace per retry")
          .noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by"));
    }
  }

  @Test
  void aClosedPortIsLoggedWithinSecondsNotAfterFabric8sRetries() throws Exception {
    int closed = ClosedPort.PORT;
    // fabric8's defaults, as serve builds its clients: 10 retries, ~20 s before a list fails
    KubernetesClient defaults =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(Config.empty())
                    .withMasterUrl("https://127.0.0.1:" + closed)
                    .withRequestRetryBackoffLimit(10)
                    .build())
            .build();
    toClose.add(defaults);
    try (LogCapture log = new LogCapture()) {
      watcher = ClusterWatcher.start(defaults, "demo", history, CLOCK, FAST);

      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(log.linesWith("cluster/demo: cannot reach the API server"))
                      .singleElement()
                      .asString()
                      .endsWith(
                          "cluster/demo: cannot reach the API server https://127.0.0.1:"
                              + closed
                              + "/: connection refused; not synced, still trying"));
      SourceState s = watcher.state();
      assertThat(s.status()).isEqualTo(SourceState.Status.SYNCING);
      assertThat(s.reason()).isEqualTo("cannot reach the API server: connection refused");
    }
  }

  @Test
  void unauthorizedIsOneLineAndTheReasonWhileFabric8Retries() throws Exception {
    new MockCluster(client).create(true);
    server
        .expect()
        .get()
        .withPath("/api/v1/nodes?resourceVersion=0")
        .andReturn(401, status(401, "Unauthorized", "Unauthorized"))
        .always();
    try (LogCapture log = new LogCapture()) {
      watcher = ClusterWatcher.start(fastClient(mockUrl()), "demo", history, CLOCK, FAST);
      int requests = server.getRequestCount();
      // several retries of the list
      await().atMost(WAIT).until(() -> server.getRequestCount() >= requests + 6);

      SourceState s = watcher.state();
      assertThat(s.status()).isEqualTo(SourceState.Status.SYNCING);
      assertThat(s.reason()).isEqualTo("cannot list nodes: HTTP 401: Unauthorized");
      assertThat(log.linesWith("HTTP 401")).hasSize(1);
      assertThat(log.lines()).noneMatch(l -> l.startsWith("\tat "));
    }
  }

  @Test
  void forbiddenNamesTheVerbTheResourceAndTheRbacFile() throws Exception {
    new MockCluster(client).create(true);
    server
        .expect()
        .get()
        .withPath("/api/v1/pods?resourceVersion=0")
        .andReturn(
            403,
            status(
                403,
                "Forbidden",
                "pods is forbidden: User \"system:serviceaccount:egress-audit:watcher\" cannot"
                    + " list resource \"pods\" in API group \"\" at the cluster scope"))
        .always();
    try (LogCapture log = new LogCapture()) {
      watcher = ClusterWatcher.start(fastClient(mockUrl()), "demo", history, CLOCK, FAST);

      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(watcher.state().reason()).contains("403"));
      assertThat(watcher.state().reason())
          .startsWith("forbidden to list pods (HTTP 403: pods is forbidden: ")
          .endsWith("): grant get, list and watch on pods, as deploy/rbac.yaml does");
      await().atMost(WAIT).until(() -> !log.linesWith("deploy/rbac.yaml").isEmpty());
      assertThat(log.linesWith("deploy/rbac.yaml")).hasSize(1);
    }
  }

  @Test
  void aRelistThatBringsNoChangeWritesNoHistory() throws Exception {
    new MockCluster(client).create(true);
    TcpProxy proxy = new TcpProxy(server.getPort()).start();
    toClose.add(proxy);
    watcher =
        ClusterWatcher.start(
            fastClient("http://127.0.0.1:" + proxy.port()), "demo", history, CLOCK, FAST);
    Instant synced = synced();
    long rows = count("SELECT count(*) FROM cluster_object");
    long imports = count("SELECT count(*) FROM cluster_import");

    proxy.stop();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(watcher.state().status()).isEqualTo(SourceState.Status.STALE));
    proxy.start();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(watcher.state().status()).isEqualTo(SourceState.Status.SYNCED));

    assertThat(watcher.state().since()).isAfter(synced);
    assertThat(watcher.state().watchRestarts()).isGreaterThanOrEqualTo(4);
    assertThat(count("SELECT count(*) FROM cluster_object")).isEqualTo(rows);
    assertThat(count("SELECT count(*) FROM cluster_import")).isEqualTo(imports);
    assertThat(whois(WORKER_0_IP, CLOCK.instant()).since()).isEqualTo(synced);
  }

  @Test
  void withoutTheEgressIpCrdTheStateSaysSoAndNodesAreStillWatched() throws Exception {
    server
        .expect()
        .get()
        .withPath("/apis/k8s.ovn.org/v1/egressips?resourceVersion=0")
        .andReturn(404, status(404, "NotFound", "the server could not find the requested resource"))
        .always();
    new MockCluster(client).create(false);
    try (LogCapture log = new LogCapture()) {
      watcher = ClusterWatcher.start(fastClient(mockUrl()), "demo", history, CLOCK, FAST);
      synced();

      SourceState s = watcher.state();
      assertThat(s.status()).isEqualTo(SourceState.Status.SYNCED);
      assertThat(s.egressIps()).startsWith("not watched: the cluster has no EgressIP CRD");
      assertThat(log.linesWith("EgressIP CRD")).hasSize(1);
      assertThat(whois(WORKER_0_IP, CLOCK.instant()).kind()).isEqualTo(AttributionKind.NODE);
      // the refused EgressIP informer does not count as a lost watch
      Instant later = CLOCK.instant().plusMillis(1000);
      await().atMost(WAIT).until(() -> watcher.state().lastSynced().isAfter(later));
      assertThat(watcher.state().status()).isEqualTo(SourceState.Status.SYNCED);
    }
  }
}
