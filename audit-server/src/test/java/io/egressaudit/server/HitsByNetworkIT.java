package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/hits?ip=CIDR} over real HTTP: requests from distinct loopback source IPs, and
 * the hits of a network are those of its source IPs only.
 */
class HitsByNetworkIT {

  @TempDir static Path dir;

  private static AuditServer server;
  private static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    server =
        TestServers.start(Database.at(dir.resolve("audit.db")), HitWriter.Settings.DEFAULT, false);
    api = new ApiClient(server.apiPort());
    for (String ip : List.of("127.0.0.9", "127.0.0.10", "127.0.0.100", "127.0.1.9")) {
      assertThat(LoopbackClient.get(ip, server.hitPorts().get(0), "/").status()).isEqualTo(200);
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static List<String> sourceIps(String query) throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode h : api.getJson(query).get("hits")) {
      out.add(h.get("sourceIp").asString());
    }
    return out;
  }

  @Test
  void hitsOfANetworkAreThoseOfItsSourceIps() throws Exception {
    assertThat(sourceIps("/api/v1/hits?ip=127.0.0.8/29"))
        .containsExactly("127.0.0.9", "127.0.0.10");
    assertThat(sourceIps("/api/v1/hits?ip=127.0.0.0/24"))
        .containsExactly("127.0.0.9", "127.0.0.10", "127.0.0.100");
    assertThat(sourceIps("/api/v1/hits?ip=127.0.0.9")).containsExactly("127.0.0.9");
  }

  @Test
  void whoisOfANetworkIsA400PointingToHits() throws Exception {
    ApiClient.Answer a = api.get("/api/v1/whois/127.0.0.0%2F24");

    assertThat(a.status()).as(a.body()).isEqualTo(400);
    assertThat(a.contentType()).isEqualTo("application/problem+json");
    assertThat(a.json().get("detail").asString()).contains("/api/v1/hits?ip=127.0.0.0/24");
  }
}
