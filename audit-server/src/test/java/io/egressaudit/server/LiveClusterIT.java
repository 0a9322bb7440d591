package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.controller.informer.ClusterWatcher;
import io.egressaudit.controller.informer.KubeconfigClusters;
import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.sql.Database;
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
import tools.jackson.databind.JsonNode;

/**
 * {@code serve --kubeconfig --context} end to end: the bundled loopback cluster lives in a fabric8
 * mock API server, a kubeconfig names it, and requests from its egress IP are attributed through
 * what the informers recorded, before and after a failover.
 */
class LiveClusterIT {

  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  static final String EGRESS_IP = "127.0.0.100";
  static final Duration WAIT = Duration.ofSeconds(30);

  KubernetesMockServer mock;
  KubernetesClient client;

  @TempDir Path dir;

  private Database db;
  private AuditServer server;

  @BeforeEach
  void start() throws Exception {
    mock = WatchSendsOffLoop.crudServer();
    client = mock.createClient();
    loadLoopbackCluster();
    Path kubeconfig =
        Files.writeString(dir.resolve("kubeconfig"), kubeconfig(client.getMasterUrl().toString()));
    db = Database.at(dir.resolve("audit.db"));
    server =
        AuditServer.start(
            TestServers.config(db)
                .liveClusters(KubeconfigClusters.select(kubeconfig, List.of("loopback")))
                .build());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    client.close();
    mock.destroy();
  }

  @Test
  void requestsFromTheEgressIpAreAttributedThroughTheWatchedClusterAcrossAFailover()
      throws Exception {
    ClusterWatcher watcher = server.watchers().get(0);
    assertThat(watcher.cluster()).isEqualTo("loopback");
    Instant synced = watcher.synced().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    JsonNode whois = getJson("/api/v1/whois/" + EGRESS_IP);
    JsonNode match = whois.get("matches").get(0);
    assertThat(match.get("cluster").asString()).isEqualTo("loopback");
    assertThat(match.get("kind").asString()).isEqualTo("egress-ip");
    assertThat(match.get("node").asString()).isEqualTo("ocp-8vr6j-worker-0-sl79n");
    assertThat(match.get("namespaces").get(0).asString()).isEqualTo("simpson");

    assertThat(hit(EGRESS_IP, "/before-failover")).isEqualTo(200);
    assertThat(attributionOfHit("/before-failover").get("node").asString())
        .isEqualTo("ocp-8vr6j-worker-0-sl79n");

    GenericKubernetesResource eip =
        client
            .genericKubernetesResources(ClusterWatcher.EGRESS_IPS)
            .withName("egressip-demo")
            .get();
    eip.setAdditionalProperty(
        "status",
        Map.of(
            "items", List.of(Map.of("egressIP", EGRESS_IP, "node", "ocp-8vr6j-worker-0-82t6f"))));
    client.genericKubernetesResources(ClusterWatcher.EGRESS_IPS).resource(eip).update();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(whois(Instant.now()).node()).isEqualTo("ocp-8vr6j-worker-0-82t6f"));

    assertThat(hit(EGRESS_IP, "/after-failover")).isEqualTo(200);
    JsonNode after = attributionOfHit("/after-failover");
    assertThat(after.get("node").asString()).isEqualTo("ocp-8vr6j-worker-0-82t6f");
    assertThat(after.get("namespaces").get(0).asString()).isEqualTo("simpson");
    assertThat(attributionOfHit("/before-failover").get("node").asString())
        .as("the earlier hit keeps the node of its time")
        .isEqualTo("ocp-8vr6j-worker-0-sl79n");
    assertThat(whois(synced).since()).isEqualTo(synced);
  }

  private Attribution whois(Instant at) {
    List<Attribution> m = new AuditQueries(db).whois(EGRESS_IP, at, "loopback").matches();
    assertThat(m).hasSize(1);
    assertThat(m.get(0).kind()).isEqualTo(AttributionKind.EGRESS_IP);
    return m.get(0);
  }

  private JsonNode attributionOfHit(String path) throws Exception {
    for (JsonNode h : getJson("/api/v1/hits?limit=100").get("hits")) {
      if (path.equals(h.get("path").asString())) {
        return h.get("attribution").get(0);
      }
    }
    throw new AssertionError("no hit " + path);
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.apiPort() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return io.egressaudit.server.json.ApiJson.MAPPER.readTree(r.body());
  }

  private int hit(String from, String path) throws Exception {
    return LoopbackClient.get(from, server.hitPorts().get(0), path).status();
  }

  /** Creates the objects of the bundled example in the mock API server. */
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

  static String kubeconfig(String server) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster: {server: "%s"}
        users:
        - name: auditor
          user: {token: not-a-real-token}
        contexts:
        - name: loopback
          context: {cluster: mock, user: auditor}
        current-context: loopback
        """
        .formatted(server);
  }
}
