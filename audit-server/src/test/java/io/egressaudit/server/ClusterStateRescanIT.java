package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --cluster-state c=FILE --rescan 1}: the first import of a file comes first, and no
 * rescan imports the file while its first import still runs. The test holds the database's write
 * lock, so the first import cannot finish until the test lets it, however fast the machine is.
 */
class ClusterStateRescanIT {

  @TempDir Path dir;

  private AuditServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theFirstImportOfAFileComesFirstAndIsTheOnlyOneWhileTheFileIsUnchanged() throws Exception {
    Path dump = dir.resolve("cluster.yaml");
    try (InputStream in =
        ClusterStateRescanIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      Files.copy(in, dump);
    }
    Path dbFile = dir.resolve("audit.db");
    Database database = new Database(dbFile, Database.Durability.FULL, 60_000);
    database.migrate();
    int hitPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      hitPort = free.getLocalPort();
    }
    AuditServer.Config config =
        AuditServer.Config.builder(database)
            .listen(List.of(new HostPort("127.0.0.1", hitPort)))
            .api(new HostPort("127.0.0.1", 0))
            .writer(HitWriter.Settings.DEFAULT)
            .listener(TestServers.LIMITS)
            .apiToken(null)
            .clusterStates(Map.of("c", dump))
            .example(false)
            .rescanSeconds(1)
            .trustedProxies(TrustedProxies.NONE)
            .retention(null)
            .build();

    CompletableFuture<AuditServer> started;
    try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
        Statement st = lock.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      started = CompletableFuture.supplyAsync(() -> AuditServer.start(config));
      await().atMost(Duration.ofSeconds(30)).until(() -> listening(hitPort));
      // the listeners are up, the first import waits for the lock; rescans tick every second
      await()
          .during(Duration.ofMillis(2500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> imports(dbFile) == 0);
      st.execute("ROLLBACK");
    }
    server = started.get(60, TimeUnit.SECONDS);

    assertThat(imports(dbFile)).as("imports of cluster c right after start").isEqualTo(1);
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> imports(dbFile) == 1);
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int imports(Path dbFile) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM cluster_import WHERE cluster = 'c'")) {
      return rs.next() ? rs.getInt(1) : -1;
    }
  }
}
