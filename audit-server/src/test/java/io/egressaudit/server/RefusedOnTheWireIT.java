package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connections refused for their size (a 1 MB header block, a 1 MB request line, a body over {@code
 * --max-body}) whose clients keep them open without reading: the server's side must leave
 * ESTABLISHED at once, on each transport, on the hit listener and on the API. With io_uring a plain
 * close used to free the descriptor but keep the TCP connection for as long as the client did. The
 * server runs as its own process, as {@code serve} does: in the test JVM the leak did not show.
 */
class RefusedOnTheWireIT {

  @org.junit.jupiter.api.io.TempDir Path dir;
  private ServeProcess server;
  private final List<Socket> held = new ArrayList<>();
  private final ExecutorService writers = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws Exception {
    for (Socket s : held) {
      s.close();
    }
    writers.shutdownNow();
    if (server != null) {
      server.stop();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"io_uring", "epoll"})
  void oversizeRequestsHeldOpenByTheirClientsLeaveNoEstablishedConnection(String transport)
      throws Exception {
    server = ServeProcess.start(dir, List.of(), "--transport", transport);
    int hitPort = server.hitPort();
    int apiPort = server.apiPort();

    String hitClient = "127.0.0.73";
    String apiClient = "127.0.0.74";
    for (int i = 0; i < 24; i++) {
      String head =
          switch (i % 3) {
            case 0 -> "GET /h HTTP/1.1\r\nHost: x\r\nX-Big: ";
            case 1 -> "GET /";
            default -> "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n";
          };
      sendHeldOpen(hitClient, hitPort, head);
      if (i % 3 != 2) {
        sendHeldOpen(apiClient, apiPort, head);
      }
    }

    // well within --request-timeout (10 s) and --idle-timeout (30 s): the close after the answer
    // must be what ends them
    int hp = hitPort;
    int ap = apiPort;
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(TcpTable.established(hp, hitClient)).as("hit listener").isZero();
              assertThat(TcpTable.established(ap, apiClient)).as("API").isZero();
            });
  }

  /**
   * Connects, then sends the head and 1 MB of filler in one write, as one burst; the socket stays
   * open and unread. A write the server stopped reading without closing would block, so it is left
   * to a thread and waited for a while at most.
   */
  private void sendHeldOpen(String sourceIp, int port, String head) throws Exception {
    Socket s = LoopbackClient.connect(sourceIp, port);
    held.add(s);
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = Arrays.copyOf(h, h.length + 1_000_000);
    Arrays.fill(request, h.length, request.length, (byte) 'b');
    Future<?> sent =
        writers.submit(
            () -> {
              OutputStream o = s.getOutputStream();
              o.write(request);
              o.flush();
              return null;
            });
    try {
      sent.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException closedOrNotRead) {
      // the server closed meanwhile, or stopped reading
    }
  }
}
