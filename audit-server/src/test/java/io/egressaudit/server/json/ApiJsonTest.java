package io.egressaudit.server.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.StoredHit;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Compact JSON writes each match once per call and repeats it: the text must not change. */
class ApiJsonTest {

  private static Attribution nodeMatch(String node, int namespaces) {
    List<String> ns = new ArrayList<>();
    for (int i = 0; i < namespaces; i++) {
      ns.add(String.format("ns-%03d", i));
    }
    return Attribution.builder(AttributionKind.NODE)
        .cluster("demo")
        .node(node)
        .namespaces(ns)
        .pods(List.of(new PodRef("ns-000", "app-0"), new PodRef("ns-001", "app-\"1\"")))
        .since(Instant.parse("2021-11-26T17:40:43Z"))
        .ambiguous(namespaces > 1)
        .leakSuspects(List.of("simpson"))
        .note(
            "simpson should leave through an egress IP; traffic from them with this IP would be a"
                + " leak")
        .leakEgressIPs(List.of("egressip-demo"))
        .podCount(namespaces)
        .build();
  }

  private static StoredHit hit(long id, String ip) {
    return new StoredHit(
        id,
        new HitRecord(
            1_637_948_000_000L + id,
            ip,
            40000,
            8080,
            "GET",
            "/ä?q=\"x\"",
            "bastion:8080",
            "curl/8.5.0",
            null,
            null,
            "HTTP/1.1",
            null,
            null));
  }

  @Test
  void aPageRepeatingTheSameMatchesIsWrittenAsTheMapperWritesEachHit() {
    Attribution shared = nodeMatch("worker-0", 100);
    Attribution other = nodeMatch("worker-1", 3);
    List<HitView> page = new ArrayList<>();
    for (long id = 1; id <= 50; id++) {
      List<Attribution> matches =
          id % 5 == 0
              ? List.of(shared, other)
              : id % 7 == 0 ? List.of(nodeMatch("worker-0", 100)) : List.of(shared);
      page.add(HitView.of(hit(id, "10.0.0." + (id % 3)), matches));
    }
    Map<String, Object> body = Map.of("hits", page);

    String expected = ApiJson.MAPPER.writeValueAsString(body);
    assertThat(ApiJson.write(body)).isEqualTo(expected);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    ApiJson.writeTo(bytes, body);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(expected);
    // and again: nothing written by one call is reused by the next
    assertThat(ApiJson.write(body)).isEqualTo(expected);
  }

  @Test
  void aWhoisAnswerIsWrittenAsTheMapperWritesIt() {
    Attribution m = nodeMatch("worker-0", 2);
    WhoisResult r =
        new WhoisResult("10.0.0.1", Instant.parse("2021-11-26T17:53:13Z"), List.of(m, m));
    assertThat(ApiJson.write(r)).isEqualTo(ApiJson.MAPPER.writeValueAsString(r));
  }
}
