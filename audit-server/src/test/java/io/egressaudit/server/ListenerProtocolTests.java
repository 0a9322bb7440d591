package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.ListenerTransport;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitQuery;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.HitWriter;
import io.egressaudit.sql.StoredHit;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/1.x as clients speak it to the hit listener: pipelined requests answered in order,
 * persistent and non-persistent connections of HTTP/1.0 and 1.1, half-closed clients, what is
 * refused, absolute-form targets, and a real {@code curl} as a probe in a pod runs it. The same
 * tests run on each network transport ({@link ListenerProtocolIoUringIT}, {@link
 * ListenerProtocolEpollIT}, {@link ListenerProtocolNioIT}); a transport this machine lacks is
 * skipped.
 */
abstract class ListenerProtocolTests {

  private final ListenerTransport transport;

  ListenerProtocolTests(ListenerTransport transport) {
    this.transport = transport;
  }

  @TempDir Path dir;

  private Database db;
  private AuditServer server;
  private int port;

  @BeforeEach
  void start() {
    ListenerSettings limits = TestServers.LIMITS.toBuilder().transport(transport).build();
    db = Database.at(dir.resolve("audit.db"));
    try {
      server = TestServers.start(db, HitWriter.Settings.DEFAULT, false, limits);
    } catch (IllegalStateException e) {
      assumeTrue(
          !String.valueOf(e.getMessage()).contains("is not available"),
          transport + " is not available here: " + e.getMessage());
      throw e;
    }
    port = server.hitPorts().get(0);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The hits from one source address, in the order they were committed. */
  private List<HitRecord> hitsFrom(String ip) {
    return new HitRepository(db)
        .find(HitQuery.all(1000)).stream()
            .sorted(Comparator.comparingLong(StoredHit::id))
            .map(StoredHit::hit)
            .filter(h -> h.sourceIp().equals(ip))
            .toList();
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderAndEachIsRecorded() throws Exception {
    String ip = "127.0.0.61";
    LoopbackClient.Conversation c =
        LoopbackClient.pipeline(
            ip,
            port,
            ascii(
                "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /second HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /clientip HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /fourth HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            false,
            true,
            false,
            false,
            false);

    assertThat(c.answers()).extracting(LoopbackClient.Response::status).containsOnly(200);
    assertThat(c.answers().get(0).bodyText()).isEqualTo("OK\n");
    assertThat(c.answers().get(1).bodyText()).isEmpty();
    assertThat(c.answers().get(2).bodyText()).isEqualTo(ip + ":" + c.answers().get(2).localPort());
    assertThat(c.answers().get(3).bodyText()).isEqualTo("OK\n");
    assertThat(c.answers().get(4).header("connection")).isEqualTo("close");
    assertThat(c.closedAfter()).isTrue();
    assertThat(hitsFrom(ip))
        .extracting(HitRecord::method, HitRecord::path)
        .containsExactly(
            tuple("GET", "/first"),
            tuple("HEAD", "/second"),
            tuple("GET", "/clientip"),
            tuple("POST", "/fourth"),
            tuple("GET", "/last"));
  }

  @Test
  void nothingAfterARequestThatClosesTheConnectionIsReadOrRecorded() throws Exception {
    String ip = "127.0.0.62";
    LoopbackClient.Conversation c =
        LoopbackClient.pipeline(
            ip,
            port,
            ascii(
                "GET /closing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    + "GET /ignored HTTP/1.1\r\nHost: x\r\n\r\n"),
            false,
            false);

    assertThat(c.answers().get(0).status()).isEqualTo(200);
    assertThat(c.answers().get(0).header("connection")).isEqualTo("close");
    assertThat(c.answers().get(1).closedWithoutAnswer()).isTrue();
    assertThat(hitsFrom(ip)).extracting(HitRecord::path).containsExactly("/closing");
  }

  @Test
  void http10IsClosedAfterItsAnswerUnlessItAsksForKeepAlive() throws Exception {
    String ip = "127.0.0.63";
    LoopbackClient.Conversation plain =
        LoopbackClient.pipeline(
            ip, port, ascii("GET /one-shot HTTP/1.0\r\n\r\nGET /never HTTP/1.0\r\n\r\n"), false);
    assertThat(plain.answers().get(0).status()).isEqualTo(200);
    assertThat(plain.answers().get(0).bodyText()).isEqualTo("OK\n");
    assertThat(plain.closedAfter()).isTrue();

    LoopbackClient.Conversation kept =
        LoopbackClient.pipeline(
            ip,
            port,
            ascii(
                "GET /kept HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                    + "GET /then-closed HTTP/1.0\r\n\r\n"),
            false,
            false);
    assertThat(kept.answers()).extracting(LoopbackClient.Response::status).containsOnly(200);
    assertThat(kept.answers().get(0).header("connection")).isEqualToIgnoringCase("keep-alive");
    assertThat(kept.closedAfter()).isTrue();
    assertThat(hitsFrom(ip))
        .extracting(HitRecord::path, HitRecord::httpVersion)
        .containsExactly(
            tuple("/one-shot", "HTTP/1.0"),
            tuple("/kept", "HTTP/1.0"),
            tuple("/then-closed", "HTTP/1.0"));
  }

  @Test
  void aClientThatPipelinesWithoutReadingItsAnswersStopsBeingReadUntilItReads() throws Exception {
    String ip = "127.0.0.66";
    // More answers than the kernel's socket buffers hold (about 4 MiB on the listener's side of
    // loopback, the client's receive buffer is made small), so they back up into the listener
    int n = 150_000;
    byte[] one = ascii("GET /unread HTTP/1.1\r\nHost: x\r\n\r\n");
    HitRepository repo = new HitRepository(db);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(4096);
      s.bind(new InetSocketAddress(ip, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port));
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
      Future<?> writing =
          pool.submit(
              () -> {
                for (int i = 0; i < n; i++) {
                  out.write(one);
                }
                out.flush();
                return null;
              });
      // Nobody reads the answers: the listener must stop reading this client instead of
      // buffering answers without bound, so the rows stop growing well before n.
      AtomicLong previous = new AtomicLong(-1);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                long c = repo.count();
                return c < n && c == previous.getAndSet(c);
              });
      assertThat(repo.count()).isLessThan(n);

      InputStream in = new BufferedInputStream(s.getInputStream());
      int ok = 0;
      for (int i = 0; i < n; i++) {
        if (LoopbackClient.read(in, false, s.getLocalPort()).status() == 200) {
          ok++;
        }
      }
      writing.get(60, TimeUnit.SECONDS);
      assertThat(ok).isEqualTo(n);
      assertThat(repo.count()).isEqualTo(n);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aClientThatShutsDownItsSendingSideIsClosedWithoutAnswers() throws Exception {
    // Vert.x closes a connection as soon as its client half-closes (README, "The hit listener")
    String ip = "127.0.0.67";
    try (Socket s = LoopbackClient.connect(ip, port)) {
      OutputStream out = s.getOutputStream();
      out.write(ascii("GET /half-1 HTTP/1.1\r\nHost: x\r\n\r\nGET /half-2 HTTP/1.0\r\n\r\n"));
      out.flush();
      s.shutdownOutput(); // as printf ... | nc -N does
      int first;
      try {
        first = s.getInputStream().read();
      } catch (IOException reset) {
        first = -1;
      }
      assertThat(first).as("closed, no answer").isEqualTo(-1);
    }
    // a request read before the close may still be recorded; its answer counts as "none"
    assertThat(hitsFrom(ip)).extracting(HitRecord::path).isSubsetOf("/half-1", "/half-2");
  }

  @Test
  void requestsThatAreNotPlainHttp11AreRefusedWithoutARow() throws Exception {
    String ip = "127.0.0.68";
    String[][] cases = {
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "505"},
      {"GET /v3 HTTP/3.0\r\nHost: x\r\n\r\n", "505"},
      {"POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc", "400"},
      {"POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", "400"},
      {
        "POST /smuggle HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n"
            + "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
        "400"
      },
      {"GET /expect HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n", "417"},
      {"POST /zzz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n", "400"},
      {
        "POST /ffff HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "FFFFFFFFFFFFFFFF\r\nabc\r\n",
        "400"
      },
    };
    for (String[] c : cases) {
      LoopbackClient.Response r = LoopbackClient.exchangeThenClosed(ip, port, ascii(c[0]));
      assertThat(r.status()).as("%s -> %s", c[0], r).isEqualTo(Integer.parseInt(c[1]));
    }
    assertThat(hitsFrom(ip)).isEmpty();
    assertThat(LoopbackClient.get(ip, port, "/still-serving").status()).isEqualTo(200);
  }

  @Test
  void aLaterMinorVersionIsAnsweredAsHttp11() throws Exception {
    String ip = "127.0.0.69";
    LoopbackClient.Conversation c =
        LoopbackClient.pipeline(
            ip, port, ascii("GET /v12 HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n"), false);
    assertThat(c.answers().get(0).status()).isEqualTo(200);
    assertThat(c.answers().get(0).statusLine()).startsWith("HTTP/1.1 200");
    assertThat(hitsFrom(ip)).extracting(HitRecord::path).containsExactly("/v12");
    assertThat(hitsFrom(ip)).extracting(HitRecord::httpVersion).containsExactly("HTTP/1.2");
  }

  @Test
  void eachPipelinedRequestIsRecordedWithTheVersionItNamed() throws Exception {
    String ip = "127.0.0.75";
    LoopbackClient.Conversation c =
        LoopbackClient.pipeline(
            ip,
            port,
            ascii(
                "GET /p1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /p2 HTTP/1.9\r\nHost: x\r\n\r\n"
                    + "GET /p3 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /p4\u0000x HTTP/1.0\r\n\r\n"),
            false,
            false,
            false,
            false);
    assertThat(c.answers()).extracting(LoopbackClient.Response::status).containsOnly(200);
    assertThat(hitsFrom(ip))
        .extracting(HitRecord::path, HitRecord::httpVersion)
        .containsExactly(
            tuple("/p1", "HTTP/1.1"),
            tuple("/p2", "HTTP/1.9"),
            tuple("/p3", "HTTP/1.1"),
            tuple("/p4\\x00x", "HTTP/1.0"));
  }

  @Test
  void connectionsResetByTheirClientsAreForgottenAtOnceAndNotAnswered() throws Exception {
    String ip = "127.0.0.70";
    ApiClient api = new ApiClient(server.apiPort());
    for (int i = 0; i < 200; i++) {
      try (Socket s = LoopbackClient.connect(ip, port)) {
        if (i % 2 == 0) {
          // some request bytes, a client's pause (the listener reads them meanwhile), the reset
          s.getOutputStream().write(ascii("GET /reset-" + i + " HTTP/1.1\r\nHost: x\r\nX-A: b"));
          s.getOutputStream().flush();
          LockSupport.parkNanos(1_000_000);
        }
        s.setSoLinger(true, 0); // close sends RST
      }
    }
    // well before the 10 s request timeout that would close a connection the listener lost track of
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> metric(api, "egress_audit_listener_connections") == 0);
    assertThat(metric(api, "egress_audit_listener_answers_total{status=\"400\"}")).isZero();
    assertThat(hitsFrom(ip)).isEmpty();
    assertThat(LoopbackClient.get(ip, port, "/after-resets").status()).isEqualTo(200);
  }

  private static double metric(ApiClient api, String name)
      throws IOException, InterruptedException {
    for (String line : api.get("/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).strip());
      }
    }
    throw new AssertionError("no " + name + " on /metrics");
  }

  @Test
  void absoluteFormTargetIsRecordedAsSentAndClientIpStillAnswers() throws Exception {
    String ip = "127.0.0.64";
    LoopbackClient.Response r =
        LoopbackClient.exchange(
            ip,
            port,
            ascii(
                "GET http://bastion.example:8080/clientip?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            false);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).isEqualTo(ip + ":" + r.localPort());
    assertThat(hitsFrom(ip))
        .extracting(HitRecord::path)
        .containsExactly("http://bastion.example:8080/clientip?x=1");
  }

  @Test
  void curlFromADistinctSourceAddressIsAnsweredAndRecordedWithItsProbeId() throws Exception {
    assumeTrue(onPath("curl"), "curl is not installed");
    String ip = "127.0.0.65";
    Process p =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--max-time",
                "10",
                "--interface",
                ip,
                "-A",
                "egress-audit-probe",
                "-w",
                "|%{http_code}",
                "http://127.0.0.1:" + port + "/probe/curl-1")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).isEqualTo("OK\n|200");
    assertThat(hitsFrom(ip))
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.probeId()).isEqualTo("curl-1");
              assertThat(h.userAgent()).isEqualTo("egress-audit-probe");
              assertThat(h.method()).isEqualTo("GET");
            });
  }

  private static boolean onPath(String tool) throws IOException {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }
}
