package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.sql.Database;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each limit of the hit listener on its own, the others set far out of the way, so that a test
 * fails when its limit is gone: the connection cap, and the idle timeout (the request deadline is
 * {@link SlowClientIT}'s slowloris; a client that does not read its answers is {@link
 * ListenerProtocolTests}').
 */
class ListenerLimitsIT {

  @TempDir Path dir;
  private AuditServer server;
  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private int start(ListenerSettings limits) {
    server =
        AuditServer.start(
            TestServers.config(Database.at(dir.resolve("audit.db"))).listener(limits).build());
    return server.hitPorts().get(0);
  }

  @Test
  void aConnectionOverTheCapIsClosedAtOnceWhileTheOthersStayOpen() throws Exception {
    int port =
        start(
            TestServers.LIMITS.toBuilder()
                .maxConnections(5)
                .requestTimeoutSeconds(60)
                .idleTimeoutSeconds(60)
                .build());
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(open("127.0.0.90", port));
    }
    // the server counts a connection once its event loop has set it up
    ApiClient api = new ApiClient(server.apiPort());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> api.get("/metrics").body().contains("egress_audit_listener_connections 5.0"));
    Socket over = open("127.0.0.91", port);

    assertThat(closedWithin(over, Duration.ofSeconds(5))).as("over the cap of 5").isTrue();
    for (Socket s : held) {
      assertThat(closedWithin(s, Duration.ofMillis(300))).as("within the cap").isFalse();
    }
    held.get(0).close();
    LoopbackClient.Response answer = null;
    for (int i = 0; i < 50 && (answer == null || answer.status() != 200); i++) {
      answer = LoopbackClient.get("127.0.0.92", port, "/after-one-closed");
    }
    assertThat(answer.status()).as("a place freed by a closed connection").isEqualTo(200);
  }

  @Test
  void aConnectionWithNothingReadOrWrittenIsClosedAfterTheIdleTimeout() throws Exception {
    int port =
        start(
            TestServers.LIMITS.toBuilder().idleTimeoutSeconds(1).requestTimeoutSeconds(60).build());
    Socket quiet = open("127.0.0.93", port);

    assertThat(closedWithin(quiet, Duration.ofSeconds(5)))
        .as("idle for 1 s, well before the request timeout of 60 s")
        .isTrue();
  }

  private Socket open(String from, int port) throws IOException {
    Socket s = LoopbackClient.connect(from, port);
    sockets.add(s);
    return s;
  }

  /** True when the server closes the connection (EOF or reset) within the time. */
  private static boolean closedWithin(Socket s, Duration limit) throws IOException {
    s.setSoTimeout((int) limit.toMillis());
    InputStream in = s.getInputStream();
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
