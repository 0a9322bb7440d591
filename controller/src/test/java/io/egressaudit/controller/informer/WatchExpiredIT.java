package io.egressaudit.controller.informer;

import static io.egressaudit.controller.informer.MockCluster.HOMER;
import static io.egressaudit.controller.informer.MockCluster.HOMER_IP;
import static io.egressaudit.controller.informer.MockCluster.PATTY;
import static io.egressaudit.controller.informer.MockCluster.WORKER_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.controller.SourceState;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryView;
import io.egressaudit.testsupport.WatchSendsOffLoop;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch that an API server ends with {@code ERROR 410 Gone} (its resource version was compacted
 * away), against the fabric8 CRUD mock behind {@link ExpiringWatch}: fabric8 lists the kind again
 * on its own, and history must get what the watch missed, once, and nothing for what it did not.
 */
class WatchExpiredIT {

  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  private static final Duration WAIT = Duration.ofSeconds(30);

  /** A grace far above a relist's length: a 410 must not make the cluster stale. */
  private static final ClusterWatcher.Timing CHECK_OFTEN =
      new ClusterWatcher.Timing(Duration.ofMillis(100), Duration.ofSeconds(20));

  private static final Clock CLOCK = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));
  private static final String MARGE = "marge-deployment-7d9c5b6f4-x2x9q";
  private static final String MARGE_IP = "10.128.2.11";
  private static final Pattern RELIST_AT = Pattern.compile("^pods listed again at (\\S+) after ");

  @TempDir Path dir;

  private ExpiringWatch pods;
  private KubernetesMockServer server;
  private KubernetesClient client;
  private Database db;
  private ClusterHistory history;
  private ClusterWatcher watcher;
  private final List<SourceState> changes = new CopyOnWriteArrayList<>();

  /** One stored state of an object, as history keeps it. */
  record Row(String kind, String namespace, String name, long validFrom, Long validTo) {}

  @BeforeEach
  void open() {
    pods = new ExpiringWatch(new KubernetesCrudDispatcher(List.of()), "/api/v1/pods");
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new WatchSendsOffLoop(pods),
            false);
    server.init();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + server.getPort())
            .withRequestRetryBackoffLimit(0)
            .withWatchReconnectInterval(100)
            .withRequestTimeout(5_000)
            .build();
    client = new KubernetesClientBuilder().withConfig(config).build();
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
    watcher = ClusterWatcher.start(client, "demo", history, CLOCK, CHECK_OFTEN);
    watcher.onStatusChange(changes::add);
    Instant synced = watcher.synced().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    pods.awaitWatching(WAIT);
    return synced;
  }

  /** Ends the pods watch with 410 Gone and waits until the relist it causes is recorded. */
  private Instant expireAndAwaitRelist() throws Exception {
    pods.expire();
    await().atMost(WAIT).until(() -> watcher.state().lastRelist() != null);
    Matcher m = RELIST_AT.matcher(watcher.state().lastRelist());
    assertThat(m.find()).as(watcher.state().lastRelist()).isTrue();
    return Instant.parse(m.group(1));
  }

  private List<Row> rows() throws Exception {
    List<Row> out = new ArrayList<>();
    try (Connection c = db.openReader();
        PreparedStatement st =
            c.prepareStatement(
                "SELECT kind, namespace, name, valid_from, valid_to FROM cluster_object ORDER BY id");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        long to = rs.getLong(5);
        Long validTo = rs.wasNull() ? null : to;
        out.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), validTo));
      }
    }
    return out;
  }

  private List<Row> rowsOf(List<Row> rows, String name) {
    return rows.stream().filter(r -> r.name().equals(name)).toList();
  }

  private AttributionKind whois(String ip, Instant at) {
    try (HistoryView view = new HistoryView(db, "demo")) {
      return view.whois(ip, at).matches().get(0).kind();
    }
  }

  @Test
  void changesMissedBeforeA410AreRecordedOnceAtTheRelistAndUnchangedObjectsGetNoNewInterval()
      throws Exception {
    new MockCluster(client).create(true);
    Instant synced = startAndSync();
    List<Row> before = rows();
    assertThat(before).hasSize(7).allMatch(r -> r.validFrom() == synced.toEpochMilli());

    // made while the pods watch hears nothing, as when its events were compacted away
    client.pods().inNamespace("simpson").withName(HOMER).delete();
    client.pods().resource(MockCluster.pod("simpson", MARGE, WORKER_1, MARGE_IP)).create();
    // a new resource version, nothing attribution reads
    client
        .pods()
        .inNamespace("bouvier")
        .withName(PATTY)
        .edit(
            p -> {
              p.getMetadata()
                  .setAnnotations(java.util.Map.of("kubectl.kubernetes.io/restartedAt", "x"));
              return p;
            });

    Instant relisted;
    List<String> ours;
    try (LogCapture log = new LogCapture()) {
      relisted = expireAndAwaitRelist();
      ours = log.linesWith("cluster/demo");
      assertThat(log.lines())
          .as("no stack trace")
          .noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by"));
    }

    SourceState s = watcher.state();
    assertThat(s.lastRelist())
        .isEqualTo(
            "pods listed again at "
                + relisted
                + " after their watch expired (HTTP 410 Gone): 2 changes found, recorded at that"
                + " time as observed late");
    assertThat(ours).filteredOn(l -> l.contains("410")).hasSize(1);
    assertThat(ours).filteredOn(l -> l.contains("410")).allMatch(l -> l.endsWith(s.lastRelist()));
    // a relist by fabric8 is not an outage: synced all along
    assertThat(s.status()).isEqualTo(SourceState.Status.SYNCED);
    assertThat(s.since()).isEqualTo(synced);
    assertThat(changes).extracting(SourceState::status).doesNotContain(SourceState.Status.STALE);
    await().atMost(WAIT).until(() -> watcher.state().watchRestarts() == 1);

    List<Row> after = rows();
    assertThat(after).hasSize(before.size() + 1);
    assertThat(rowsOf(after, HOMER))
        .containsExactly(
            new Row("Pod", "simpson", HOMER, synced.toEpochMilli(), relisted.toEpochMilli()));
    assertThat(rowsOf(after, MARGE))
        .containsExactly(new Row("Pod", "simpson", MARGE, relisted.toEpochMilli(), null));
    // every other object keeps its one interval from the first list, still open
    List<Row> others =
        after.stream().filter(r -> !r.name().equals(HOMER) && !r.name().equals(MARGE)).toList();
    assertThat(others)
        .hasSize(before.size() - 1)
        .allMatch(r -> r.validFrom() == synced.toEpochMilli() && r.validTo() == null);
    assertThat(whois(MARGE_IP, relisted)).isEqualTo(AttributionKind.POD);
    assertThat(whois(MARGE_IP, relisted.minusMillis(1))).isEqualTo(AttributionKind.UNKNOWN);
    assertThat(whois(HOMER_IP, relisted.minusMillis(1))).isEqualTo(AttributionKind.POD);
    assertThat(whois(HOMER_IP, relisted)).isEqualTo(AttributionKind.UNKNOWN);
  }

  @Test
  void a410RelistThatFindsNothingChangedWritesNothing() throws Exception {
    new MockCluster(client).create(true);
    startAndSync();
    List<Row> before = rows();

    try (LogCapture log = new LogCapture()) {
      Instant relisted = expireAndAwaitRelist();
      assertThat(watcher.state().lastRelist())
          .isEqualTo(
              "pods listed again at "
                  + relisted
                  + " after their watch expired (HTTP 410 Gone): no change found, nothing"
                  + " recorded");
      assertThat(log.linesWith("cluster/demo")).filteredOn(l -> l.contains("410")).hasSize(1);
    }
    assertThat(rows()).isEqualTo(before);
  }
}
