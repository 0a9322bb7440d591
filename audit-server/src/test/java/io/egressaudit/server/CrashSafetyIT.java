package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a separate process, killed with SIGKILL in the middle of a load: every request it
 * acknowledged with 200 must have its row after the restart, and the database must be intact.
 */
class CrashSafetyIT {

  private static final Path JAR = Path.of("target", "egress-audit.jar");
  private static final Pattern LISTENING = Pattern.compile("hit listener on http://([^\\s]+)");

  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void everyAcknowledgedHitSurvivesSigkill() throws Exception {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    Path db = dir.resolve("audit.db");
    Process server = start(db);
    String base = "http://" + listeningAddress(server);

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
    server.destroyForcibly(); // SIGKILL: no shutdown hook, no final commit
    server.waitFor(10, TimeUnit.SECONDS);
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

    Process restarted = start(db);
    String again = "http://" + listeningAddress(restarted);
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(again + "/probe/after-restart")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    restarted.destroy();
    assertThat(restarted.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  private Process start(Path db) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-jar",
                JAR.toString(),
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--api",
                "127.0.0.1:0",
                "--db",
                db.toString())
            .redirectError(dir.resolve("server-" + processes.size() + ".err").toFile())
            .start();
    processes.add(p);
    return p;
  }

  private String listeningAddress(Process p) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new IllegalStateException(
        "server exited before listening: "
            + Files.readString(dir.resolve("server-" + (processes.size() - 1) + ".err")));
  }
}
