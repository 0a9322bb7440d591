package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.http.ForwardedHeader;
import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitQuery;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.StoredHit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarded-for header names the source IP only when it comes from a trusted proxy; from anyone
 * else it is kept as a claim and attribution uses the TCP peer.
 */
class TrustedProxyIT {

  @TempDir Path dir;
  private AuditServer server;
  private Database db;

  @BeforeEach
  void start() {
    db = Database.at(dir.resolve("audit.db"));
    server = serve(TrustedProxies.of(List.of("127.0.0.7/32")));
  }

  private AuditServer serve(TrustedProxies proxies) {
    return AuditServer.start(
        TestServers.config(db)
            .listener(ListenerSettings.DEFAULT)
            .example(true)
            .trustedProxies(proxies)
            .build());
  }

  /** Restarts the server with its proxies writing {@code header}. */
  private void proxiesWrite(ForwardedHeader header) {
    server.close();
    server = serve(TrustedProxies.of(List.of("127.0.0.7/32"), header));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aTrustedProxysForwardedForNamesTheSourceIp() throws Exception {
    assertThat(get("127.0.0.7", "/via-proxy", "203.0.113.9, 127.0.0.100")).isEqualTo(200);
    StoredHit hit = only("/via-proxy");
    assertThat(hit.hit().sourceIp()).isEqualTo("127.0.0.100");
    assertThat(hit.hit().peerIp()).isEqualTo("127.0.0.7");
    assertThat(hit.hit().forwardedFor()).isEqualTo("203.0.113.9, 127.0.0.100");
    var whois = new AuditQueries(db).whois(hit.hit().sourceIp(), null, null);
    assertThat(whois.matches().get(0).namespaces()).containsExactly("simpson");
  }

  @Test
  void anyoneElsesForwardedForIsOnlyAClaim() throws Exception {
    assertThat(get("127.0.0.8", "/forged", "127.0.0.100")).isEqualTo(200);
    StoredHit hit = only("/forged");
    assertThat(hit.hit().sourceIp()).isEqualTo("127.0.0.8");
    assertThat(hit.hit().peerIp()).isNull();
    assertThat(hit.hit().forwardedFor()).isEqualTo("127.0.0.100");
  }

  @Test
  void repeatedForwardedForLinesAreOneListAndTheProxysOwnLineCounts() throws Exception {
    // the client forges a line; HAProxy's option forwardfor adds a line of its own after it
    LoopbackClient.Response r =
        LoopbackClient.send(
            "127.0.0.7",
            server.hitPorts().get(0),
            "GET",
            "/two-lines",
            List.of("X-Forwarded-For: 127.0.0.66", "X-Forwarded-For: 127.0.0.100"),
            null);

    assertThat(r.status()).isEqualTo(200);
    StoredHit hit = only("/two-lines");
    assertThat(hit.hit().sourceIp()).isEqualTo("127.0.0.100");
    assertThat(hit.hit().peerIp()).isEqualTo("127.0.0.7");
    assertThat(hit.hit().forwardedFor()).isEqualTo("127.0.0.66, 127.0.0.100");
  }

  @Test
  void repeatedForwardedForLinesFromAnUntrustedPeerAreAllKeptAsTheClaim() throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.send(
            "127.0.0.8",
            server.hitPorts().get(0),
            "GET",
            "/two-claims",
            List.of("X-Forwarded-For: 127.0.0.66, 127.0.0.67", "X-Forwarded-For: 127.0.0.100"),
            null);

    assertThat(r.status()).isEqualTo(200);
    StoredHit hit = only("/two-claims");
    assertThat(hit.hit().sourceIp()).isEqualTo("127.0.0.8");
    assertThat(hit.hit().forwardedFor()).isEqualTo("127.0.0.66, 127.0.0.67, 127.0.0.100");
  }

  @Test
  void onlyTheConfiguredHeaderNamesTheClientAndTheOtherIsKeptAsAClaim() throws Exception {
    proxiesWrite(ForwardedHeader.FORWARDED);
    // the client forges X-Forwarded-For; the proxy writes Forwarded
    assertThat(
            send(
                "127.0.0.7",
                "/forwarded",
                "X-Forwarded-For: 127.0.0.66",
                "Forwarded: for=127.0.0.100;proto=http"))
        .isEqualTo(200);
    StoredHit hit = only("/forwarded");
    assertThat(hit.hit().sourceIp()).isEqualTo("127.0.0.100");
    assertThat(hit.hit().peerIp()).isEqualTo("127.0.0.7");
    assertThat(hit.hit().forwardedFor())
        .isEqualTo("Forwarded: for=127.0.0.100;proto=http | X-Forwarded-For: 127.0.0.66");

    assertThat(send("127.0.0.7", "/xff-only", "X-Forwarded-For: 127.0.0.66")).isEqualTo(200);
    StoredHit xffOnly = only("/xff-only");
    assertThat(xffOnly.hit().sourceIp())
        .as("X-Forwarded-For is a claim when the proxies write Forwarded")
        .isEqualTo("127.0.0.7");
    assertThat(xffOnly.hit().peerIp()).isNull();
    assertThat(xffOnly.hit().forwardedFor()).isEqualTo("127.0.0.66");
  }

  @Test
  void withProxiesWritingXForwardedForAForgedForwardedIsOnlyAClaim() throws Exception {
    assertThat(send("127.0.0.7", "/forged-forwarded", "Forwarded: for=127.0.0.66")).isEqualTo(200);
    StoredHit hit = only("/forged-forwarded");
    assertThat(hit.hit().sourceIp()).isEqualTo("127.0.0.7");
    assertThat(hit.hit().peerIp()).isNull();
    assertThat(hit.hit().forwardedFor()).isEqualTo("for=127.0.0.66");

    assertThat(
            send("127.0.0.7", "/both", "Forwarded: for=127.0.0.66", "X-Forwarded-For: 127.0.0.100"))
        .isEqualTo(200);
    StoredHit both = only("/both");
    assertThat(both.hit().sourceIp()).isEqualTo("127.0.0.100");
    assertThat(both.hit().forwardedFor())
        .isEqualTo("X-Forwarded-For: 127.0.0.100 | Forwarded: for=127.0.0.66");
  }

  private int send(String from, String path, String... headerLines) throws Exception {
    return LoopbackClient.send(
            from, server.hitPorts().get(0), "GET", path, List.of(headerLines), null)
        .status();
  }

  private StoredHit only(String path) {
    List<StoredHit> hits =
        new HitRepository(db)
            .find(HitQuery.all(100)).stream().filter(h -> path.equals(h.hit().path())).toList();
    assertThat(hits).hasSize(1);
    return hits.get(0);
  }

  private int get(String from, String path, String xff) throws Exception {
    return LoopbackClient.send(
            from, server.hitPorts().get(0), "GET", path, Map.of("X-Forwarded-For", xff), null)
        .status();
  }
}
