package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a process under a low {@code ulimit -n}: connections held open on the API, more
 * than the process has descriptors, must not leave the hit listener unable to accept.
 */
class DescriptorReserveIT {

  /** The descriptors of the server process, soft and hard: {@code ulimit -n 1200}. */
  private static final int NOFILE = 1200;

  @TempDir Path dir;
  private ServeProcess server;
  private final List<Socket> held = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Socket s : held) {
      s.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void apiConnectionsBeyondTheDescriptorsLeaveTheHitListenerAccepting() throws Exception {
    server =
        ServeProcess.start(
            dir, List.of("sh", "-c", "ulimit -n " + NOFILE + " && exec \"$0\" \"$@\""));
    int hitPort = server.hitPort();
    int apiPort = server.apiPort();

    // more API connections than the server has descriptors; every other one starts a request it
    // never finishes
    for (int i = 0; i < NOFILE + 100; i++) {
      Socket s = new Socket();
      held.add(s);
      try {
        s.connect(new InetSocketAddress("127.0.0.1", apiPort), 2000);
        if (i % 2 == 1) {
          OutputStream o = s.getOutputStream();
          o.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
          o.flush();
        }
      } catch (IOException e) {
        // refused or reset: the API is full, as it should be
      }
    }

    // the server has taken (or refused) what it will once its descriptor count stops changing
    AtomicLong previous = new AtomicLong(-1);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> previous.getAndSet(openDescriptors(server.process())) == previous.get());

    LoopbackClient.Response r = LoopbackClient.get("127.0.0.5", hitPort, "/under-api-flood");

    assertThat(r.status()).as("%s", r).isEqualTo(200);
    String log = Files.readString(dir.resolve("server.err"));
    assertThat(log).contains("soft limit " + NOFILE).contains("hard limit " + NOFILE);
    assertThat(log)
        .as("not even for a moment did the API's connections take every descriptor")
        .doesNotContain("Too many open files");
  }

  private static long openDescriptors(Process p) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
      return fds.count();
    }
  }
}
