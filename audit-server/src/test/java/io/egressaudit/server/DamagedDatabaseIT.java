package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.DatabaseException;
import io.egressaudit.sql.HitWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code serve} on a database with one damaged history row starts and attributes from the rest; on
 * a database it cannot write it refuses to start rather than answer 503 to every hit.
 */
class DamagedDatabaseIT {

  @TempDir Path dir;

  private AuditServer server;
  private Path immutable;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (immutable != null) {
      new ProcessBuilder("chattr", "-i", immutable.toString()).start().waitFor();
    }
  }

  private Database exampleDatabase() {
    Database database = new Database(dir.resolve("audit.db"), Database.Durability.NORMAL, 30_000);
    database.migrate();
    new ClusterStateImport(database).importExample(Instant.now().minusSeconds(60));
    return database;
  }

  @Test
  void serveStartsOnAHistoryWithOneUnreadableRowAndAttributesFromTheRest() throws Exception {
    Database database = exampleDatabase();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database.file());
        Statement st = c.createStatement()) {
      st.execute(
          "UPDATE cluster_object SET body = '{bad' WHERE kind = 'Node'"
              + " AND name = 'ocp-8vr6j-master-1'");
    }

    server =
        AuditServer.start(TestServers.config(database).writer(HitWriter.Settings.DEFAULT).build());

    int hitPort = server.hitPorts().get(0);
    assertThat(LoopbackClient.get("127.0.0.100", hitPort, "/after-damage").status()).isEqualTo(200);
    ApiClient api = new ApiClient(server.apiPort());
    JsonNode hit = api.getJson("/api/v1/hits?ip=127.0.0.100").get("hits").get(0);
    assertThat(hit.toString()).contains("egressip-demo").contains("simpson");
  }

  @Test
  void serveRefusesADatabaseItCanOnlyRead() throws Exception {
    Database database = exampleDatabase();
    Process chattr = new ProcessBuilder("chattr", "+i", database.file().toString()).start();
    assumeTrue(chattr.waitFor() == 0, "chattr +i is not allowed here");
    immutable = database.file();

    assertThatThrownBy(() -> server = AuditServer.start(TestServers.config(database).build()))
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(database.file() + " cannot be written");
  }
}
