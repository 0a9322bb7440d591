package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code serve --cluster-state c=FILE} when the file is deleted or replaced by a named pipe: the
 * rescan never opens what is not a regular file (a pipe with no writer would block it for good),
 * the cluster is stale with a reason naming the file, and a good file put back is read again.
 */
class ClusterStateFileGoneIT {

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
  void aFileReplacedByANamedPipeIsStaleAndAGoodFilePutBackIsRead() throws Exception {
    Path file = startWithExample();
    ApiClient api = new ApiClient(server.apiPort());
    String good = Files.readString(file);

    Files.delete(file);
    Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();
    JsonNode stale = awaitState(api, "stale");
    assertThat(stale.get("reason").asString())
        .contains(file.toString())
        .contains("not a regular file");

    Files.delete(file);
    Files.writeString(file, good.replace("127.0.0.100", "127.0.0.101"));
    awaitState(api, "synced");
    assertThat(whoisEgressIp(api, "127.0.0.101")).isEqualTo("egressip-demo");
  }

  @Test
  void aDeletedFileIsStaleUntilItIsBack() throws Exception {
    Path file = startWithExample();
    ApiClient api = new ApiClient(server.apiPort());
    Path kept = dir.resolve("kept.yaml");
    Files.move(file, kept);

    JsonNode stale = awaitState(api, "stale");
    assertThat(stale.get("reason").asString()).contains(file.toString()).contains("no such file");

    // back as it was, with its old modification time: read again all the same
    Files.move(kept, file);
    awaitState(api, "synced");
  }

  private Path startWithExample() throws Exception {
    Path file = dir.resolve("cluster.yaml");
    try (InputStream in =
        ClusterStateFileGoneIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      Files.copy(in, file);
    }
    Database database = new Database(dir.resolve("audit.db"), Database.Durability.NORMAL, 30_000);
    server =
        AuditServer.start(
            TestServers.config(database)
                .writer(HitWriter.Settings.DEFAULT)
                .clusterStates(Map.of("c", file))
                .rescanSeconds(1)
                .build());
    ApiClient api = new ApiClient(server.apiPort());
    await().atMost(WAIT).until(() -> api.get("/readyz").status() == 200);
    return file;
  }

  private static JsonNode awaitState(ApiClient api, String state) {
    JsonNode[] seen = new JsonNode[1];
    await()
        .atMost(WAIT)
        .until(
            () -> {
              seen[0] = api.getJson("/api/v1/clusters").get("clusters").get(0);
              return state.equals(seen[0].get("status").asString());
            });
    return seen[0];
  }

  private static String whoisEgressIp(ApiClient api, String ip) throws Exception {
    JsonNode match = api.getJson("/api/v1/whois/" + ip + "?cluster=c").get("matches").get(0);
    return match.has("egressIP") ? match.get("egressIP").asString() : match.toString();
  }
}
