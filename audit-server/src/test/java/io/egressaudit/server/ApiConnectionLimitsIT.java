package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.http.ApiLimits;
import io.egressaudit.sql.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a connection to the API needs no token: connections that send nothing, half a request, or
 * a request a byte at a time are closed by the API's timeouts, and those over its cap at once.
 */
class ApiConnectionLimitsIT {

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

  private int api(ApiLimits limits) {
    server =
        AuditServer.start(
            TestServers.config(Database.at(dir.resolve("audit.db"))).apiLimits(limits).build());
    return server.apiPort();
  }

  @Test
  void heldConnectionsAreClosedByTheRequestTimeoutAndThoseOverTheCapAtOnce() throws Exception {
    int port = api(new ApiLimits(60, 3, 20));
    List<Socket> opened = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Socket s = connect(port);
      opened.add(s);
      if (i % 2 == 1) {
        write(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); // never finished
      }
    }

    // the ten over the cap are closed at once, long before any timeout
    List<Socket> refused = new ArrayList<>();
    long opening = System.nanoTime();
    while ((System.nanoTime() - opening) / 1_000_000 < 1000) {
      for (Socket s : opened) {
        if (!refused.contains(s) && closedWithin(s, 10)) {
          refused.add(s);
        }
      }
    }
    assertThat(refused).hasSize(10);

    // the twenty within the cap: closed by the request timeout (3 s), not the idle one (60 s)
    long start = System.nanoTime();
    for (Socket s : opened) {
      if (!refused.contains(s)) {
        assertThat(closedWithin(s, 6000)).as("closed by the request timeout").isTrue();
      }
    }
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(6000);

    assertThat(healthz(port)).startsWith("HTTP/1.1 200");
  }

  @Test
  void aRequestSentAByteAtATimeAndAKeptAliveConnectionAreClosedByTheRequestTimeout()
      throws Exception {
    int port = api(new ApiLimits(60, 2, 20));
    Socket answered = connect(port);
    write(answered, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    byte[] buf = new byte[4096];
    answered.setSoTimeout(5000);
    int n = answered.getInputStream().read(buf);
    assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");

    Socket dribbler = connect(port);
    dribbler.setSoTimeout(250);
    byte[] request =
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
    long start = System.nanoTime();
    boolean closed = false;
    for (int i = 0; i < 40 && !closed; i++) {
      try {
        OutputStream o = dribbler.getOutputStream();
        o.write(request[Math.min(i, request.length - 1)]);
        o.flush();
        closed = dribbler.getInputStream().read() == -1;
      } catch (SocketTimeoutException e) {
        // still open: another byte
      } catch (SocketException e) {
        closed = true;
      }
    }
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(closed).as("a byte every 250 ms does not keep the connection").isTrue();
    assertThat(millis).isBetween(1500L, 6000L);
    assertThat(closedWithin(answered, 1000)).as("kept alive, asked nothing since").isTrue();
  }

  @Test
  void aSilentConnectionIsClosedByTheIdleTimeout() throws Exception {
    int port = api(new ApiLimits(1, 60, 20));
    Socket silent = connect(port);
    long start = System.nanoTime();

    assertThat(closedWithin(silent, 10_000)).isTrue();
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
  }

  private Socket connect(int port) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return s;
  }

  private static void write(Socket s, String text) throws IOException {
    OutputStream o = s.getOutputStream();
    o.write(text.getBytes(StandardCharsets.US_ASCII));
    o.flush();
  }

  /** True when the server closes (or resets) the connection within the time, reading any answer. */
  private static boolean closedWithin(Socket s, int millis) throws IOException {
    s.setSoTimeout(millis);
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    try {
      while (in.read(buf) != -1) {
        // an answer (408, 400) before the close
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }

  private String healthz(int port) throws IOException {
    Socket s = connect(port);
    write(s, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.setSoTimeout(5000);
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
  }
}
