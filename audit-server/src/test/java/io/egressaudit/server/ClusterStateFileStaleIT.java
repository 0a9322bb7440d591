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
 * with the file and the reason; once the file reads again, later hits do not.
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
    assertThat(stale.get("reason").asString())
        .contains("cluster state file")
        .contains(file.toString());

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
}
