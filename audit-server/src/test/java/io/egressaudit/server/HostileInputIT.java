package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.HitWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The hit listener is open to the whole cluster: what a broken or hostile client sends must be
 * refused with the right status (or the connection closed), stored bounded when it is accepted, and
 * never cost the server its ability to serve the next request. At the end the table holds exactly
 * one row per 200 the clients received: none lost, none for a refused request.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputIT {

  private static final String SOURCE = "127.0.0.66";

  @TempDir static Path dir;

  private static Database database;
  private static AuditServer server;
  private static int port;
  private static ApiClient api;

  /** Every 200 any test of this class received from the hit listener. */
  private static final AtomicInteger oks = new AtomicInteger();

  @BeforeAll
  static void start() {
    database = Database.at(dir.resolve("audit.db"));
    server = TestServers.start(database, HitWriter.Settings.DEFAULT, false);
    port = server.hitPorts().get(0);
    api = new ApiClient(server.apiPort());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  @Order(1)
  void garbageRequestLineIsRefusedAndTheServerKeepsServing() throws Exception {
    byte[] garbage = {
      0x16,
      0x03,
      0x01,
      0x00,
      (byte) 0xff,
      0x01,
      0x00,
      (byte) 0xfe,
      ' ',
      0x7f,
      0x00,
      '\r',
      '\n',
      '\r',
      '\n'
    };
    LoopbackClient.Response r = counted(LoopbackClient.exchange(SOURCE, port, garbage, false));
    assertThat(r.closedWithoutAnswer() || r.status() == 400).as("%s", r).isTrue();

    byte[] words = "EAT MY SHORTS\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    LoopbackClient.Response r2 = counted(LoopbackClient.exchange(SOURCE, port, words, false));
    assertThat(r2.closedWithoutAnswer() || r2.status() == 400).as("%s", r2).isTrue();

    assertThat(counted(LoopbackClient.get(SOURCE, port, "/still-serving")).status()).isEqualTo(200);
  }

  @Test
  @Order(2)
  void uriLongerThan8KiBIsRefusedWith414() throws Exception {
    LoopbackClient.Response r = counted(LoopbackClient.get(SOURCE, port, "/" + "a".repeat(9000)));

    assertThat(r.status()).as("%s", r).isEqualTo(414);
    assertThat(counted(LoopbackClient.get(SOURCE, port, "/after-414")).status()).isEqualTo(200);
  }

  @Test
  @Order(3)
  void headersOver16KiBAreRefusedWith431() throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      headers.put("X-Filler-" + i, "f".repeat(1000));
    }
    LoopbackClient.Response r =
        counted(LoopbackClient.send(SOURCE, port, "GET", "/big-headers", headers, null));

    assertThat(r.status()).as("%s", r).isEqualTo(431);
  }

  @Test
  @Order(4)
  void declaredBodyOverTheLimitIsRefusedWith413AndTheConnectionClosed() throws Exception {
    // No Connection: close from the client: the server must close, since it did not read the body.
    byte[] head =
        ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + (64 * 1024 + 1) + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    LoopbackClient.Response r = counted(LoopbackClient.exchangeThenClosed(SOURCE, port, head));

    assertThat(r.status()).as("%s", r).isEqualTo(413);
  }

  @Test
  @Order(5)
  void streamedBodyOverTheLimitIsRefusedAndNotRecorded() throws Exception {
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    req.writeBytes(
        "POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
    byte[] chunk = "z".repeat(16 * 1024).getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < 6; i++) {
      req.writeBytes(
          (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      req.writeBytes(chunk);
      req.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    req.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    LoopbackClient.Response r =
        counted(LoopbackClient.exchange(SOURCE, port, req.toByteArray(), false));

    // 413, or closed when the refusal is cut off by the body we are still sending; the row count
    // at the end shows that nothing was recorded.
    assertThat(r.closedWithoutAnswer() || r.status() == 413).as("%s", r).isTrue();
  }

  @Test
  @Order(6)
  void invalidUtf8InPathAndUserAgentIsStoredAndServedAsValidJson() throws Exception {
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    req.writeBytes("GET /bad-".getBytes(StandardCharsets.ISO_8859_1));
    req.writeBytes(new byte[] {(byte) 0xc3, 0x28, (byte) 0xff, (byte) 0xe2, (byte) 0x82});
    req.writeBytes(" HTTP/1.1\r\nHost: x\r\nUser-Agent: ua-".getBytes(StandardCharsets.ISO_8859_1));
    req.writeBytes(
        new byte[] {(byte) 0xfe, (byte) 0xc0, (byte) 0xaf, (byte) 0xed, (byte) 0xa0, (byte) 0x80});
    req.writeBytes("\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    LoopbackClient.Response r =
        counted(LoopbackClient.exchange(SOURCE, port, req.toByteArray(), false));

    assertThat(r.status()).as("%s", r).isEqualTo(200);
    JsonNode hit = hitFrom(r.localPort());
    // each byte that is not part of valid UTF-8 stays visible as \xNN; the valid '(' is itself
    assertThat(hit.get("path").asString()).isEqualTo("/bad-\\xc3(\\xff\\xe2\\x82");
    assertThat(hit.get("userAgent").asString())
        .as("overlong encodings and UTF-16 surrogates are not UTF-8")
        .isEqualTo("ua-\\xfe\\xc0\\xaf\\xed\\xa0\\x80");
  }

  @Test
  @Order(6)
  void utf8PathAndUserAgentAreStoredAsTheTextTheClientSent() throws Exception {
    // what curl sends for http://bastion:8080/é: the path's UTF-8 bytes as they are
    LoopbackClient.Response r =
        counted(
            LoopbackClient.send(
                SOURCE,
                port,
                "GET",
                "/caf\u00e9/\u6e2c\u8a66/\ud83d\ude00?q=\u00fc",
                List.of("User-Agent: pr\u00fcfer/1.0 \u2603"),
                null));

    assertThat(r.status()).as("%s", r).isEqualTo(200);
    JsonNode hit = hitFrom(r.localPort());
    assertThat(hit.get("path").asString())
        .isEqualTo("/caf\u00e9/\u6e2c\u8a66/\ud83d\ude00?q=\u00fc");
    assertThat(hit.get("userAgent").asString()).isEqualTo("pr\u00fcfer/1.0 \u2603");
  }

  @Test
  @Order(7)
  void userAgentOf100KBIsRefusedWith431() throws Exception {
    LoopbackClient.Response r =
        counted(
            LoopbackClient.send(
                SOURCE, port, "GET", "/huge-ua", Map.of("User-Agent", "u".repeat(100_000)), null));

    assertThat(r.status()).as("%s", r).isEqualTo(431);
  }

  @Test
  @Order(8)
  void userAgentOf10KBIsStoredCutTo512Characters() throws Exception {
    String ua = "Mozilla/5.0 " + "x".repeat(10_000);
    LoopbackClient.Response r =
        counted(
            LoopbackClient.send(SOURCE, port, "GET", "/long-ua", Map.of("User-Agent", ua), null));

    assertThat(r.status()).isEqualTo(200);
    JsonNode hit = hitFrom(r.localPort());
    assertThat(hit.get("userAgent").asString()).isEqualTo(ua.substring(0, HitRecord.MAX_HEADER));
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void everyOkHasItsRowAndNoRefusedRequestHasOne() throws Exception {
    assertThat(counted(LoopbackClient.get(SOURCE, port, "/last")).status()).isEqualTo(200);

    assertThat(new HitRepository(database).count()).isEqualTo(oks.get());
    assertThat(api.get("/healthz").status()).isEqualTo(200);
  }

  private static LoopbackClient.Response counted(LoopbackClient.Response r) {
    if (r.status() == 200) {
      oks.incrementAndGet();
    }
    return r;
  }

  private static JsonNode hitFrom(int sourcePort) throws IOException, InterruptedException {
    JsonNode hits = api.getJson("/api/v1/hits?ip=" + SOURCE + "&limit=10000").get("hits");
    for (JsonNode h : hits) {
      if (h.get("sourcePort").asInt() == sourcePort) {
        return h;
      }
    }
    throw new AssertionError("no hit from port " + sourcePort + " in " + hits);
  }
}
