package io.egressaudit.server;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One audit server for every test of a class ({@code @RegisterExtension static final}): a real
 * SQLite file in a temporary directory, the hit listener and the API on loopback ports, with or
 * without the bundled example cluster; stopped, and its directory deleted, after the last test.
 */
final class SharedServer implements BeforeAllCallback, AfterAllCallback {

  private final boolean example;
  private Path dir;
  private AuditServer server;
  private ApiClient api;

  /**
   * @param example true to record the bundled example cluster (the walkthrough's loopback
   *     addresses) at start
   */
  SharedServer(boolean example) {
    this.example = example;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("egress-audit-it");
    server =
        TestServers.start(
            Database.at(dir.resolve("audit.db")), HitWriter.Settings.DEFAULT, example);
    api = new ApiClient(server.apiPort());
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (server != null) {
      server.close();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The running server. */
  AuditServer server() {
    return server;
  }

  /** Its SQLite file. */
  Path database() {
    return dir.resolve("audit.db");
  }

  /** The port of its (first) hit listener. */
  int hitPort() {
    return server.hitPorts().get(0);
  }

  /** A client of its API. */
  ApiClient api() {
    return api;
  }
}
