package io.egressaudit.controller.informer;

import static io.egressaudit.controller.informer.MockCluster.EGRESS_IP;
import static io.egressaudit.controller.informer.MockCluster.HOMER;
import static io.egressaudit.controller.informer.MockCluster.HOMER_IP;
import static io.egressaudit.controller.informer.MockCluster.WORKER_0;
import static io.egressaudit.controller.informer.MockCluster.WORKER_0_IP;
import static io.egressaudit.controller.informer.MockCluster.WORKER_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.PodState;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryView;
import io.egressaudit.testsupport.WatchSendsOffLoop;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterWatcherIT {

  /**
   * The mock server logs every request through java.util.logging; kept referenced so it stays
   * quiet.
   */
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  private static final Duration WAIT = Duration.ofSeconds(20);

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  private Database db;
  private ClusterHistory history;
  private ClusterWatcher watcher;

  @BeforeEach
  void open() {
    server = WatchSendsOffLoop.crudServer();
    client = server.createClient();
    db = Database.at(dir.resolve("history.db"));
    history = new ClusterHistory(db);
  }

  @AfterEach
  void close() {
    if (watcher != null) {
      watcher.close();
    }
    client.close();
    server.destroy();
  }

  private Instant startAndSync() throws Exception {
    watcher = ClusterWatcher.start(client, "demo", history);
    return watcher.synced().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private Attribution whois(String ip, Instant at) {
    try (HistoryView view = new HistoryView(db, "demo")) {
      List<Attribution> matches = view.whois(ip, at).matches();
      assertThat(matches).hasSize(1);
      return matches.get(0);
    }
  }

  private ClusterSnapshot snapshot(Instant at) {
    try (HistoryView view = new HistoryView(db, "demo")) {
      return view.snapshotAt("demo", at);
    }
  }

  @Test
  void theListedStateIsRecordedOnceEveryInformerHasSynced() throws Exception {
    new MockCluster(client).create(true);

    Instant synced = startAndSync();

    assertThat(watcher.watchesEgressIps()).isTrue();
    Attribution a = whois(EGRESS_IP, Instant.now());
    assertThat(a.kind()).isEqualTo(AttributionKind.EGRESS_IP);
    assertThat(a.egressIP()).isEqualTo("egressip-demo");
    assertThat(a.node()).isEqualTo(WORKER_0);
    assertThat(a.namespaces()).containsExactly("simpson");
    assertThat(a.pods()).containsExactly(new PodRef("simpson", HOMER));
    assertThat(a.since()).isEqualTo(synced);
    assertThat(whois(WORKER_0_IP, synced).kind()).isEqualTo(AttributionKind.NODE);
    assertThat(whois(EGRESS_IP, synced.minusMillis(1)).kind()).isEqualTo(AttributionKind.UNKNOWN);
    assertThat(snapshot(synced).pods()).hasSize(2);
    assertThat(snapshot(synced).namespaces())
        .extracting(NamespaceState::name)
        .containsExactlyInAnyOrder("simpson", "bouvier");
  }

  @Test
  void anEgressIpFailoverOpensANewIntervalAtTheTimeItWasObserved() throws Exception {
    MockCluster cluster = new MockCluster(client).create(true);
    Instant synced = startAndSync();
    Instant beforeFailover = Instant.now();

    cluster.assignEgressIp(WORKER_1);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(whois(EGRESS_IP, Instant.now()).node()).isEqualTo(WORKER_1));
    Attribution after = whois(EGRESS_IP, Instant.now());
    Instant failover = after.since();
    assertThat(failover).isAfterOrEqualTo(beforeFailover).isBeforeOrEqualTo(Instant.now());
    assertThat(after.namespaces()).containsExactly("simpson");
    Attribution before = whois(EGRESS_IP, failover.minusMillis(1));
    assertThat(before.node()).isEqualTo(WORKER_0);
    assertThat(before.since()).isEqualTo(synced);
  }

  @Test
  void aDeletedPodsIntervalEndsAndANewNamespaceAppears() throws Exception {
    new MockCluster(client).create(true);
    Instant synced = startAndSync();

    client.pods().inNamespace("simpson").withName(HOMER).delete();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("flanders")
                .addToLabels("env", "flanders")
                .endMetadata()
                .build())
        .create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(whois(HOMER_IP, Instant.now()).kind())
                    .isEqualTo(AttributionKind.UNKNOWN));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(snapshot(Instant.now()).namespaces())
                    .extracting(NamespaceState::name)
                    .contains("flanders"));
    assertThat(whois(HOMER_IP, synced).kind())
        .as("the pod's past is kept")
        .isEqualTo(AttributionKind.POD);
    assertThat(whois(EGRESS_IP, Instant.now()).pods()).as("simpson has no pod left").isEmpty();
    ClusterSnapshot now = snapshot(Instant.now());
    assertThat(now.since(new ObjectRef(ObjectKind.NAMESPACE, "", "flanders")))
        .isAfterOrEqualTo(synced);
    assertThat(now.since(new ObjectRef(ObjectKind.NAMESPACE, "", "simpson"))).isEqualTo(synced);
  }

  @Test
  void anUpdateThatAttributionDoesNotUseKeepsTheInterval() throws Exception {
    new MockCluster(client).create(true);
    Instant synced = startAndSync();

    client
        .nodes()
        .withName(WORKER_0)
        .edit(
            n -> {
              n.getMetadata().setAnnotations(Map.of("node.alpha.kubernetes.io/ttl", "0"));
              return n;
            });
    client
        .namespaces()
        .withName("bouvier")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("team", "selma");
              return n;
            });

    // one worker takes keys in order: once the later change is in history, the earlier one was
    // handled
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        snapshot(Instant.now())
                            .since(new ObjectRef(ObjectKind.NAMESPACE, "", "bouvier")))
                    .isAfter(synced));
    assertThat(snapshot(Instant.now()).since(new ObjectRef(ObjectKind.NODE, "", WORKER_0)))
        .isEqualTo(synced);
  }

  @Test
  void objectsDeletedWhileEgressAuditWasDownEndAtTheFirstSnapshot() throws Exception {
    Instant earlier = Instant.now().minusSeconds(3600);
    PodState ghost =
        new PodState(
            "simpson", "ghost-0", WORKER_0, List.of("10.128.2.99"), false, Map.of(), "Running");
    history.recordSnapshot("demo", earlier, List.of(ghost), "before");
    new MockCluster(client).create(true);

    Instant synced = startAndSync();

    assertThat(whois("10.128.2.99", synced.minusMillis(1)).kind()).isEqualTo(AttributionKind.POD);
    assertThat(whois("10.128.2.99", synced).kind()).isEqualTo(AttributionKind.UNKNOWN);
  }

  @Test
  void withoutTheEgressIpCrdTheOtherKindsAreWatchedAndIpsFallBackToNodes() throws Exception {
    server
        .expect()
        .get()
        .withPath("/apis/k8s.ovn.org/v1/egressips?resourceVersion=0")
        .andReturn(
            404,
            Map.of(
                "kind",
                "Status",
                "apiVersion",
                "v1",
                "status",
                "Failure",
                "code",
                404,
                "reason",
                "NotFound",
                "message",
                "the server could not find the requested resource"))
        .always();
    EgressIpState stale =
        new EgressIpState(
            "egressip-old",
            List.of(EGRESS_IP),
            new LabelSelector(Map.of("env", "simpson"), List.of()),
            null,
            List.of(new EgressIpAssignment(EGRESS_IP, WORKER_0)));
    history.recordSnapshot("demo", Instant.now().minusSeconds(60), List.of(stale), "before");
    new MockCluster(client).create(false);

    Instant synced = startAndSync();

    assertThat(watcher.watchesEgressIps()).isFalse();
    assertThat(whois(EGRESS_IP, synced).kind())
        .as("the EgressIP of an earlier run ended")
        .isEqualTo(AttributionKind.UNKNOWN);
    Attribution node = whois(WORKER_0_IP, synced);
    assertThat(node.kind()).isEqualTo(AttributionKind.NODE);
    assertThat(node.namespaces()).containsExactly("simpson");

    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("flanders").endMetadata().build())
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(snapshot(Instant.now()).namespaces())
                    .extracting(NamespaceState::name)
                    .contains("flanders"));
  }

  @Test
  void closingBeforeTheFirstListEndsTheWatcherAndFailsSynced() {
    server
        .expect()
        .get()
        .withPath("/api/v1/nodes?resourceVersion=0")
        .andReturn(500, "boom")
        .always();
    watcher = ClusterWatcher.start(client, "demo", history);

    watcher.close();

    assertThat(watcher.synced().toCompletableFuture()).isCompletedExceptionally();
  }
}
