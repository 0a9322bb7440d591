package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code serve --cluster-state c=FILE}: while the file cannot be read, the cluster is stale in
 * history as a live cluster whose watch is down is: hits and whois answers of that time say so,
 * with the file and the reason; once the file reads again, later hits do not. An unchanged file
 * found again at each rescan is in sync then; one that cannot be read says so, not that a watch is
 * down.
 */
class ClusterStateFileStaleIT {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private AuditServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void hitsWhileTheStateFileCannotBeReadAreMarkedStaleWithTheFileAndTheReason() throws Exception {
    Path file = dir.resolve("cluster.yaml");
    try (InputStream in =
        ClusterStateFileStaleIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      Files.copy(in, file);
    }
    String good = Files.readString(file);
    Database database = new Database(dir.resolve("audit.db"), Database.Durability.NORMAL, 30_000);
    server =
        AuditServer.start(
            TestServers.config(database)
                .writer(HitWriter.Settings.DEFAULT)
                .clusterStates(Map.of("c", file))
                .rescanSeconds(1)
                .build());
    ApiClient api = new ApiClient(server.apiPort());
    int hitPort = server.hitPorts().get(0);
    await().atMost(WAIT).until(() -> api.get("/readyz").status() == 200);

    Files.writeString(file, "items: [{kind: Node\n");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    await()
        .atMost(WAIT)
        .until(
            () ->
                api.getJson("/api/v1/clusters").toString().contains("stale since")
                    || api.getJson("/api/v1/clusters").toString().contains("\"stale\""));
    assertThat(LoopbackClient.get("127.0.0.100", hitPort, "/while-broken").status()).isEqualTo(200);
    JsonNode broken = api.getJson("/api/v1/hits?ip=127.0.0.100&cluster=c").get("hits").get(0);
    assertThat(broken.get("path").asString()).isEqualTo("/while-broken");
    JsonNode stale = broken.get("attribution").get(0).get("stale");
    assertThat(stale).as("%s", broken).isNotNull();
    assertThat(stale.get("reason").asString()).startsWith("cannot read " + file + ":1:");

    Files.writeString(file, good);
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
    await()
        .atMost(WAIT)
        .until(() -> !api.getJson("/api/v1/clusters").toString().contains("stale since"));
    assertThat(LoopbackClient.get("127.0.0.100", hitPort, "/after-fix").status()).isEqualTo(200);
    JsonNode fixed =
        api.getJson("/api/v1/hits?ip=127.0.0.100&cluster=c&order=desc").get("hits").get(0);
    assertThat(fixed.get("path").asString()).isEqualTo("/after-fix");
    assertThat(fixed.get("attribution").get(0).has("stale")).as("%s", fixed).isFalse();
  }

  @Test
  void anUnchangedFileFoundAgainAtEachRescanIsSyncedThenAndAnUnreadableOneSaysWhy()
      throws Exception {
    Path file = dir.resolve("cluster.yaml");
    try (InputStream in =
        ClusterStateFileStaleIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      Files.copy(in, file);
    }
    server =
        AuditServer.start(
            TestServers.config(Database.at(dir.resolve("audit.db")))
                .clusterStates(Map.of("c", file))
                .rescanSeconds(1)
                .build());
    ApiClient api = new ApiClient(server.apiPort());
    await().atMost(WAIT).until(() -> api.get("/readyz").status() == 200);
    Instant firstSync = Instant.parse(cluster(api).get("lastSynced").asString());

    // the file is not imported again (it did not change), but each rescan found it so
    await()
        .atMost(WAIT)
        .until(
            () ->
                Instant.parse(cluster(api).get("lastSynced").asString())
                    .isAfter(firstSync.plusSeconds(2)));
    JsonNode synced = cluster(api);
    assertThat(synced.get("status").asString()).isEqualTo("synced");
    assertThat(synced.get("secondsSinceSync").asDouble()).isLessThan(5.0);
    assertThat(syncAge(api)).isBetween(0.0, 5.0);

    Files.delete(file);
    await().atMost(WAIT).until(() -> "stale".equals(cluster(api).get("status").asString()));
    JsonNode gone = cluster(api);
    assertThat(gone.get("state").asString())
        .isEqualTo(
            "stale since "
                + gone.get("since").asString()
                + ": cannot read "
                + file
                + ": no such file");
    Instant lastGood = Instant.parse(gone.get("lastSynced").asString());
    // stale: rescans of a file that is not there are no sync
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> Instant.parse(cluster(api).get("lastSynced").asString()).equals(lastGood));
  }

  @Test
  void theBundledExampleIsInSyncAtEachRescan() throws Exception {
    server =
        AuditServer.start(
            TestServers.config(Database.at(dir.resolve("audit.db")))
                .example(true)
                .rescanSeconds(1)
                .build());
    ApiClient api = new ApiClient(server.apiPort());
    await().atMost(WAIT).until(() -> api.get("/readyz").status() == 200);
    Instant firstSync = Instant.parse(cluster(api).get("lastSynced").asString());

    await()
        .atMost(WAIT)
        .until(
            () ->
                Instant.parse(cluster(api).get("lastSynced").asString())
                    .isAfter(firstSync.plusSeconds(2)));
    assertThat(syncAge(api, "demo")).isBetween(0.0, 5.0);
  }

  private static JsonNode cluster(ApiClient api) throws Exception {
    return api.getJson("/api/v1/clusters").get("clusters").get(0);
  }

  /** {@code egress_audit_cluster_sync_age_seconds} of cluster c in /metrics. */
  private static double syncAge(ApiClient api) throws Exception {
    return syncAge(api, "c");
  }

  private static double syncAge(ApiClient api, String cluster) throws Exception {
    return api.get("/metrics")
        .body()
        .lines()
        .filter(
            l ->
                l.startsWith("egress_audit_cluster_sync_age_seconds{")
                    && l.contains("\"" + cluster + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow();
  }
}
