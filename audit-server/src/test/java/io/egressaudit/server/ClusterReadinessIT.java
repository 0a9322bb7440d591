package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.controller.informer.ClusterWatcher;
import io.egressaudit.controller.informer.KubeconfigClusters;
import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.server.json.ApiJson;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import io.egressaudit.testsupport.WatchSendsOffLoop;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code /readyz}, {@code /healthz}, {@code GET /api/v1/clusters} and {@code /metrics} for a {@code
 * --cluster-state} file and a watched cluster (the bundled example in a fabric8 mock API server,
 * behind a proxy that plays the API server going away).
 */
class ClusterReadinessIT {

  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  static final Duration WAIT = Duration.ofSeconds(90);

  KubernetesMockServer mock;
  KubernetesClient client;

  @TempDir Path dir;

  private TcpProxy proxy;
  private AuditServer server;

  /**
   * The mock API server in CRUD mode, as {@code @EnableKubernetesMockClient(crud = true)} makes it,
   * but stopped by this test, with its watches' sends off its event loop: the proxy cuts watch
   * connections while events may be on their way to them ({@link WatchSendsOffLoop}).
   */
  private void startMock() {
    mock =
        new KubernetesMockServer(
            new io.fabric8.mockwebserver.Context(),
            new io.fabric8.mockwebserver.MockWebServer(),
            new java.util.HashMap<>(),
            new WatchSendsOffLoop(
                new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(List.of())),
            false);
    mock.init();
    client = mock.createClient();
  }

  private void stopMock() {
    if (client != null) {
      client.close();
    }
    if (mock != null) {
      mock.destroy();
    }
  }

  @BeforeEach
  void start() throws Exception {
    startMock();
    loadLoopbackCluster();
    proxy = new TcpProxy(mock.getPort()).start();
    proxy.stop(); // the API server is not reachable yet
    Path kubeconfig =
        Files.writeString(
            dir.resolve("kubeconfig"),
            LiveClusterIT.kubeconfig("http://127.0.0.1:" + proxy.port()));
    server =
        AuditServer.start(
            AuditServer.Config.builder(Database.at(dir.resolve("audit.db")))
                .listen(List.of(new HostPort("127.0.0.1", 0)))
                .api(new HostPort("127.0.0.1", 0))
                .writer(HitWriter.Settings.DEFAULT)
                .listener(ListenerSettings.DEFAULT)
                .apiToken(null)
                .clusterStates(Map.of("dump", Path.of("../examples/loopback/cluster.yaml")))
                .example(false)
                .rescanSeconds(10)
                .trustedProxies(TrustedProxies.of(List.of()))
                .retention(null)
                .liveClusters(KubeconfigClusters.select(kubeconfig, List.of("loopback")))
                .apiTls(null)
                .build());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    stopMock();
  }

  @Test
  void readyOnlyOnceEverySourceIsRecordedAndStaleWhileTheApiServerIsGone() throws Exception {
    HttpResponse<String> notReady = get("/readyz");
    assertThat(notReady.statusCode()).isEqualTo(503);
    JsonNode body = ApiJson.MAPPER.readTree(notReady.body());
    assertThat(body.get("status").asString()).isEqualTo("syncing");
    assertThat(source(body, "dump").get("status").asString()).isEqualTo("synced");
    assertThat(source(body, "loopback").get("status").asString()).isEqualTo("syncing");
    assertThat(metrics()).contains("egress_audit_cluster_ready{cluster=\"loopback\"} 0.0");

    proxy.start();
    await().atMost(WAIT).until(() -> get("/readyz").statusCode() == 200);
    JsonNode clusters = getJson("/api/v1/clusters").get("clusters");
    assertThat(source(clusters, "loopback").get("state").asString()).isEqualTo("synced");
    assertThat(source(clusters, "loopback").get("source").asString()).startsWith("kubernetes ");
    assertThat(source(clusters, "dump").get("source").asString()).endsWith("cluster.yaml");
    assertThat(getJson("/healthz").get("sources")).hasSize(2);
    assertThat(metrics())
        .contains("egress_audit_cluster_ready{cluster=\"loopback\"} 1.0")
        .contains("egress_audit_cluster_stale{cluster=\"loopback\"} 0.0")
        .contains("egress_audit_cluster_sync_age_seconds{cluster=\"dump\"}");

    proxy.stop();
    await()
        .atMost(WAIT)
        .until(
            () ->
                source(getJson("/api/v1/clusters").get("clusters"), "loopback")
                    .get("state")
                    .asString()
                    .startsWith("stale since "));
    assertThat(get("/readyz").statusCode()).as("recorded once: still ready").isEqualTo(200);
    assertThat(metrics()).contains("egress_audit_cluster_stale{cluster=\"loopback\"} 1.0");
    assertThat(LoopbackClient.get("127.0.0.100", server.hitPorts().get(0), "/while-stale").status())
        .as("hits are recorded while the cluster is stale")
        .isEqualTo(200);
    await()
        .atMost(WAIT)
        .until(() -> loopbackMatch(getJson("/api/v1/whois/127.0.0.100?cluster=loopback")) != null);
    JsonNode staleWhois =
        loopbackMatch(getJson("/api/v1/whois/127.0.0.100?cluster=loopback")).get("stale");
    String since = staleWhois.get("since").asString();
    assertThat(staleWhois.get("reason").asString()).startsWith("watch of ");
    JsonNode staleHit = getJson("/api/v1/hits?ip=127.0.0.100&cluster=loopback").get("hits").get(0);
    assertThat(staleHit.get("path").asString()).isEqualTo("/while-stale");
    assertThat(staleHit.get("attribution").get(0).get("stale").get("since").asString())
        .isEqualTo(since);
    assertThat(staleHit.get("attribution").get(0).get("note").asString())
        .contains("was stale since " + since);

    proxy.start();
    await()
        .atMost(WAIT)
        .until(
            () ->
                source(getJson("/api/v1/clusters").get("clusters"), "loopback")
                    .get("state")
                    .asString()
                    .equals("synced"));
    assertThat(metrics())
        .containsPattern(
            "egress_audit_cluster_watch_restarts_total\\{cluster=\"loopback\"\\} [1-9]");
    await()
        .atMost(WAIT)
        .until(
            () ->
                !getJson("/api/v1/whois/127.0.0.100?cluster=loopback")
                    .get("matches")
                    .get(0)
                    .has("stale"));
    JsonNode hitAfter = getJson("/api/v1/hits?ip=127.0.0.100&cluster=loopback").get("hits").get(0);
    assertThat(hitAfter.get("attribution").get(0).get("stale").get("since").asString())
        .as("the span ended, the hit received inside it stays marked")
        .isEqualTo(since);
  }

  /** The first match of a whois answer when it carries {@code stale}, else null. */
  private static JsonNode loopbackMatch(JsonNode whois) {
    JsonNode m = whois.get("matches").get(0);
    return m.has("stale") ? m : null;
  }

  private static JsonNode source(JsonNode body, String cluster) {
    JsonNode list = body.has("sources") ? body.get("sources") : body;
    for (JsonNode s : list) {
      if (cluster.equals(s.get("cluster").asString())) {
        return s;
      }
    }
    throw new AssertionError("no source " + cluster + " in " + body);
  }

  private String metrics() throws Exception {
    return get("/metrics").body();
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return ApiJson.MAPPER.readTree(r.body());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.apiPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private void loadLoopbackCluster() throws Exception {
    KubernetesList list;
    try (InputStream in = Files.newInputStream(Path.of("../examples/loopback/cluster.yaml"))) {
      list = new KubernetesSerialization().unmarshal(in, KubernetesList.class);
    }
    for (HasMetadata o : list.getItems()) {
      o.getMetadata().setResourceVersion(null);
      if (o instanceof GenericKubernetesResource g) {
        client.genericKubernetesResources(ClusterWatcher.EGRESS_IPS).resource(g).create();
      } else {
        client.resource(o).create();
      }
    }
  }
}
