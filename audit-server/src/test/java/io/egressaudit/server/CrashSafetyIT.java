package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a separate process, killed with SIGKILL in the middle of a load: every request it
 * acknowledged with 200 must have its row after the restart, and the database must be intact.
 */
class CrashSafetyIT {

  @TempDir Path dir;
  private final List<ServeProcess> servers = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    servers.forEach(s -> s.process().destroyForcibly());
  }

  @Test
  void everyAcknowledgedHitSurvivesSigkill() throws Exception {
    Path db = dir.resolve("audit.db");
    ServeProcess server = start();
    String base = "http://127.0.0.1:" + server.hitPort();

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean running = new AtomicBoolean(true);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ExecutorService senders = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      senders.submit(
          () -> {
            while (running.get()) {
              String id = UUID.randomUUID().toString();
              try {
                HttpResponse<String> r =
                    client.send(
                        HttpRequest.newBuilder(URI.create(base + "/probe/" + id))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                  acknowledged.add(id);
                }
              } catch (IOException e) {
                // the server was killed under us: this request was never acknowledged
              } catch (InterruptedException e) {
                return;
              }
            }
          });
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 3000);
    server.process().destroyForcibly(); // SIGKILL: no shutdown hook, no final commit
    server.process().waitFor(10, TimeUnit.SECONDS);
    running.set(false);
    senders.shutdown();
    assertThat(senders.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("ok");
      }
      List<String> missing = new ArrayList<>();
      try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM hit WHERE probe_id = ?")) {
        for (String id : acknowledged) {
          st.setString(1, id);
          try (ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
              missing.add(id);
            }
          }
        }
      }
      assertThat(missing)
          .as("acknowledged with 200 but not stored, of " + acknowledged.size())
          .isEmpty();
    }

    ServeProcess restarted = start();
    String again = "http://127.0.0.1:" + restarted.hitPort();
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(again + "/probe/after-restart")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    restarted.process().destroy();
    assertThat(restarted.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Starts serve on {@code dir/audit.db}; its log goes to {@code dir/server.err}. */
  private ServeProcess start() throws IOException {
    ServeProcess server = ServeProcess.start(dir, List.of());
    servers.add(server);
    return server;
  }
}
