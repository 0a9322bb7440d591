package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitQuery;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listen address behind HAProxy or a load balancer ({@code serve --proxy-protocol-listen}): each
 * connection starts with a PROXY protocol header, v1 (text) or v2 (binary), sent here as a proxy
 * sends it over loopback. Its source address is the client's only when the TCP peer is a trusted
 * proxy.
 */
class ProxyProtocolIT {

  private static final String PROXY = "127.0.0.7";

  @TempDir Path dir;
  private Database db;
  private AuditServer server;
  private int port;

  @BeforeEach
  void start() {
    db = Database.at(dir.resolve("audit.db"));
    server =
        AuditServer.start(
            TestServers.config(db)
                .proxyProtocolListen(List.of(new HostPort("127.0.0.1", 0)))
                .trustedProxies(TrustedProxies.of(List.of(PROXY + "/32")))
                .build());
    port = server.hitPorts().get(1);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static byte[] request(byte[] proxyHeader, String path) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(proxyHeader);
    out.writeBytes(
        ("GET " + path + " HTTP/1.1\r\nHost: bastion\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static byte[] v1(String source, int sourcePort) {
    return ("PROXY TCP4 " + source + " 127.0.0.1 " + sourcePort + " 8080\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** A PROXY v2 header: PROXY command, TCP over IPv4 (RFC-like layout of the HAProxy spec). */
  private static byte[] v2(int[] source, int sourcePort) {
    ByteBuffer b = ByteBuffer.allocate(16 + 12);
    b.put(new byte[] {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a});
    b.put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
    for (int octet : source) {
      b.put((byte) octet);
    }
    b.put(new byte[] {127, 0, 0, 1});
    b.putShort((short) sourcePort).putShort((short) 8080);
    return b.array();
  }

  private HitRecord only(String path) {
    List<HitRecord> hits =
        new HitRepository(db)
            .find(HitQuery.all(100)).stream()
                .map(h -> h.hit())
                .filter(h -> path.equals(h.path()))
                .toList();
    assertThat(hits).hasSize(1);
    return hits.get(0);
  }

  @Test
  void aTrustedProxysV1HeaderNamesTheSourceAndItsPort() throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.exchange(PROXY, port, request(v1("127.0.0.100", 40001), "/v1"), false);

    assertThat(r.status()).isEqualTo(200);
    HitRecord hit = only("/v1");
    assertThat(hit.sourceIp()).isEqualTo("127.0.0.100");
    assertThat(hit.sourcePort()).isEqualTo(40001);
    assertThat(hit.peerIp()).isEqualTo(PROXY);
  }

  @Test
  void aTrustedProxysV2HeaderNamesTheSourceAndItsPort() throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.exchange(
            PROXY, port, request(v2(new int[] {127, 0, 0, 101}, 40002), "/v2"), false);

    assertThat(r.status()).isEqualTo(200);
    HitRecord hit = only("/v2");
    assertThat(hit.sourceIp()).isEqualTo("127.0.0.101");
    assertThat(hit.sourcePort()).isEqualTo(40002);
    assertThat(hit.peerIp()).isEqualTo(PROXY);
  }

  @Test
  void anyoneElsesProxyHeaderIsOnlyAClaimAndThePeerIsTheSource() throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.exchange(
            "127.0.0.8", port, request(v1("127.0.0.100", 40003), "/forged"), false);

    assertThat(r.status()).isEqualTo(200);
    HitRecord hit = only("/forged");
    assertThat(hit.sourceIp()).isEqualTo("127.0.0.8");
    assertThat(hit.sourcePort()).isEqualTo(r.localPort());
    assertThat(hit.peerIp()).isNull();
    assertThat(hit.forwardedFor()).isEqualTo("PROXY 127.0.0.100:40003");
  }

  @Test
  void anyoneElsesProxyHeaderIsKeptBeforeItsForwardedForClaim() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(v2(new int[] {127, 0, 0, 102}, 40004));
    out.writeBytes(
        ("GET /forged-both HTTP/1.1\r\nHost: bastion\r\nX-Forwarded-For: 10.9.9.9\r\n"
                + "Connection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));

    LoopbackClient.Response r =
        LoopbackClient.exchange("127.0.0.9", port, out.toByteArray(), false);

    assertThat(r.status()).isEqualTo(200);
    HitRecord hit = only("/forged-both");
    assertThat(hit.sourceIp()).isEqualTo("127.0.0.9");
    assertThat(hit.forwardedFor()).isEqualTo("PROXY 127.0.0.102:40004 | 10.9.9.9");
  }

  @Test
  void aConnectionWithoutAProxyHeaderIsClosedWithoutARow() throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.exchange(PROXY, port, request(new byte[0], "/no-header"), false);

    assertThat(r.closedWithoutAnswer()).as("%s", r).isTrue();
    assertThat(new HitRepository(db).count()).isZero();
  }

  /** A v2 header over IPv4 from 127.0.0.102 with the given bytes after the addresses. */
  private static byte[] v2WithTlvs(byte[] tlvs, int declaredLength) {
    ByteBuffer b = ByteBuffer.allocate(16 + 12 + tlvs.length);
    b.put(new byte[] {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a});
    b.put((byte) 0x21).put((byte) 0x11).putShort((short) declaredLength);
    b.put(new byte[] {127, 0, 0, 102, 127, 0, 0, 1});
    b.putShort((short) 40005).putShort((short) 8080);
    b.put(tlvs);
    return b.array();
  }

  @Test
  void headersTheSpecificationDoesNotAllowAreClosedWithoutARow() throws Exception {
    byte[][] headers = {
      "PROXY TCP4 01.2.3.4 127.0.0.1 40004 8080\r\n".getBytes(StandardCharsets.US_ASCII),
      "PROXY TCP4 127.0.0.100 127.0.0.1 01111 8080\r\n".getBytes(StandardCharsets.US_ASCII),
      // a TLV (type 0x04, NOOP) declaring 200 bytes where the block holds 5
      v2WithTlvs(new byte[] {0x04, 0x00, (byte) 200, 'a', 'b'}, 12 + 5),
    };
    for (byte[] h : headers) {
      LoopbackClient.Response r =
          LoopbackClient.exchange(PROXY, port, request(h, "/bad-header"), false);
      assertThat(r.closedWithoutAnswer()).as("%s", r).isTrue();
    }
    assertThat(new HitRepository(db).count()).isZero();

    // a TLV that fits is read past, and the header names the source
    LoopbackClient.Response ok =
        LoopbackClient.exchange(
            PROXY,
            port,
            request(v2WithTlvs(new byte[] {0x04, 0x00, 0x02, 'a', 'b'}, 12 + 5), "/tlv"),
            false);
    assertThat(ok.status()).as("%s", ok).isEqualTo(200);
    assertThat(only("/tlv").sourceIp()).isEqualTo("127.0.0.102");
  }

  @Test
  void aV2HeaderDeclaringMoreThanTheCapIsClosedAtOnce() throws Exception {
    // 65535 bytes declared, 12 sent: closed when the length is read, not at --request-timeout
    long started = System.nanoTime();
    LoopbackClient.Response r =
        LoopbackClient.exchange(PROXY, port, v2WithTlvs(new byte[0], 65535), false);
    assertThat(r.closedWithoutAnswer()).as("%s", r).isTrue();
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - started))
        .isLessThan(java.time.Duration.ofSeconds(5));
  }
}
