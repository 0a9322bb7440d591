package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The JSON shapes of the design's contracts, on the bundled example cluster: every match carries
 * the documented keys whatever its kind, the answer of {@code /api/v1/probes/{id}} starts with its
 * {@code probeId}, and {@code ?at=} takes an RFC 3339 offset written with a bare {@code +}.
 */
class MatchShapeIT {

  @RegisterExtension static final SharedServer SHARED = new SharedServer(true);

  private static final String[] MATCH_KEYS = {
    "cluster", "kind", "egressIP", "node", "namespaces", "pods", "since"
  };

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.100", "127.0.0.53", "127.0.0.51", "10.1.2.3"})
  void everyWhoisMatchCarriesEveryDocumentedKey(String ip) throws Exception {
    JsonNode whois = SHARED.api().getJson("/api/v1/whois/" + ip);

    assertThat(whois.get("matches")).isNotEmpty();
    for (JsonNode m : whois.get("matches")) {
      assertThat(m.propertyNames()).as("%s: %s", ip, m).contains(MATCH_KEYS);
      assertThat(m.get("namespaces").isArray()).isTrue();
      assertThat(m.get("pods").isArray()).isTrue();
    }
  }

  @Test
  void aNodeMatchHasANullEgressIpAndAnUnknownMatchANullCluster() throws Exception {
    JsonNode node = SHARED.api().getJson("/api/v1/whois/127.0.0.53").get("matches").get(0);
    JsonNode unknown = SHARED.api().getJson("/api/v1/whois/10.1.2.3").get("matches").get(0);

    assertThat(node.get("kind").asString()).isEqualTo("node");
    assertThat(node.get("egressIP").isNull()).isTrue();
    assertThat(node.get("node").asString()).isEqualTo("ocp-8vr6j-worker-0-82t6f");
    assertThat(unknown.get("kind").asString()).isEqualTo("unknown");
    assertThat(unknown.get("cluster").isNull()).isTrue();
    assertThat(unknown.get("egressIP").isNull()).isTrue();
  }

  @Test
  void aHitsAttributionCarriesEveryDocumentedKey() throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.get("127.0.0.53", SHARED.hitPort(), "/probe/shape-1");
    assertThat(r.status()).isEqualTo(200);

    JsonNode probe = SHARED.api().getJson("/api/v1/probes/shape-1");

    assertThat(probe.propertyNames().iterator().next()).isEqualTo("probeId");
    JsonNode hit = probe.get("hits").get(0);
    assertThat(hit.propertyNames())
        .contains(
            "id",
            "receivedAt",
            "sourceIp",
            "sourcePort",
            "method",
            "path",
            "userAgent",
            "probeId",
            "attribution");
    for (JsonNode m : hit.get("attribution")) {
      assertThat(m.propertyNames()).as("%s", m).contains(MATCH_KEYS);
    }
  }

  @Test
  void anOffsetWrittenWithABarePlusInTheQueryIsThatOffset() throws Exception {
    Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String local =
        DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
            OffsetDateTime.ofInstant(at, ZoneOffset.ofHours(2)));
    assertThat(local).endsWith("+02:00");

    ApiClient.Answer a = SHARED.api().get("/api/v1/whois/127.0.0.100?at=" + local);

    assertThat(a.status()).as(a.body()).isEqualTo(200);
    assertThat(a.json().get("at").asString()).isEqualTo(at.toString());
  }
}
