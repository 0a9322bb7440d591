package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitQuery;
import io.egressaudit.sql.HitRepository;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle and slow clients cannot hold the listener: connections over the cap are closed at once, and
 * a connection that does not complete a request within the request timeout is closed, while a
 * legitimate client keeps being answered and recorded.
 */
class SlowClientIT {

  @TempDir Path dir;
  private AuditServer server;
  private Database db;
  private final List<Socket> sockets = new ArrayList<>();
  private final ScheduledExecutorService dribbler = Executors.newSingleThreadScheduledExecutor();

  @BeforeEach
  void start() {
    db = Database.at(dir.resolve("audit.db"));
    ListenerSettings limits =
        TestServers.LIMITS.toBuilder().requestTimeoutSeconds(1).maxConnections(40).build();
    server = AuditServer.start(TestServers.config(db).listener(limits).build());
  }

  @AfterEach
  void stop() throws IOException {
    dribbler.shutdownNow();
    for (Socket s : sockets) {
      s.close();
    }
    server.close();
  }

  @Test
  void connectionsOverTheCapAreClosedAndIdleOnesTimeOut() throws Exception {
    List<Socket> idle = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      idle.add(open("127.0.0.20"));
    }
    // Over the cap of 40, connections are closed at once; the rest within the 1 s request timeout.
    for (Socket s : idle) {
      assertThat(closedWithin(s, Duration.ofSeconds(10))).isTrue();
    }
    // the server counts a connection as gone once its close completes, a moment after the client
    // saw it
    await().atMost(Duration.ofSeconds(5)).until(() -> get("127.0.0.21", "/after-idle") == 200);
  }

  @Test
  void aSlowlorisClientIsClosedWhileOthersAreServed() throws Exception {
    Socket slow = open("127.0.0.30");
    OutputStream out = slow.getOutputStream();
    out.write("GET /slow HTTP/1.1\r\nHost: bastion\r\n".getBytes(StandardCharsets.US_ASCII));
    AtomicBoolean writing = new AtomicBoolean(true);
    dribbler.scheduleAtFixedRate(
        () -> {
          try {
            if (writing.get()) {
              out.write('X');
              out.flush();
            }
          } catch (IOException e) {
            writing.set(false);
          }
        },
        100,
        100,
        TimeUnit.MILLISECONDS);
    int served = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() < deadline || served == 0) {
      assertThat(get("127.0.0.31", "/legit-" + served)).isEqualTo(200);
      served++;
    }
    assertThat(closedWithin(slow, Duration.ofSeconds(10))).isTrue();
    int legit = served;
    await().atMost(Duration.ofSeconds(5)).until(() -> new HitRepository(db).count() == legit);
    assertThat(new HitRepository(db).find(HitQuery.all(10_000)))
        .noneMatch(h -> h.hit().path() != null && h.hit().path().startsWith("/slow"));
  }

  private Socket open(String from) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress("127.0.0.1", server.hitPorts().get(0)), 5000);
    return s;
  }

  /** True when the server closes the connection (EOF or reset) within the time. */
  private static boolean closedWithin(Socket s, Duration limit) throws IOException {
    s.setSoTimeout((int) limit.toMillis());
    InputStream in = s.getInputStream();
    try {
      while (in.read() >= 0) {
        // discard whatever the server sends before closing
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the server
    }
  }

  private int get(String from, String path) throws IOException {
    return LoopbackClient.get(from, server.hitPorts().get(0), path).status();
  }
}
