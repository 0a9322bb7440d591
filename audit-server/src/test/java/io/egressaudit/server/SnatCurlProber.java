package io.egressaudit.server;

import io.egressaudit.correlator.drill.DrillProbe;
import io.egressaudit.correlator.drill.DrillProbe.Arrival;
import io.egressaudit.probes.drill.DrillPod;
import io.egressaudit.probes.drill.DrillProber;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends a drill's probe the way a pod behind the fixture's SNAT would: a real {@code curl} bound to
 * the source address the fixture gives at that moment (none: the request is dropped), to the real
 * hit listener; then asks the real audit server's API where the probe id arrived from, and whose
 * that IP is.
 */
final class SnatCurlProber implements DrillProber {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final FailoverFixture fixture;
  private final String target;
  private final String api;
  private final HttpClient http = HttpClient.newHttpClient();

  SnatCurlProber(FailoverFixture fixture, String target, String api) {
    this.fixture = fixture;
    this.target = target;
    this.api = api;
  }

  @Override
  public DrillProbe probe(DrillPod pod, Instant sentAt, Set<String> allowedIps) {
    String id = "drill-" + UUID.randomUUID();
    String source = fixture.sourceNow();
    try {
      if (source != null) {
        Process p =
            new ProcessBuilder(
                    "curl",
                    "-sS",
                    "--max-time",
                    "5",
                    "--interface",
                    source,
                    target + "/probe/" + id)
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      JsonNode hits = get("/api/v1/probes/" + id).path("hits");
      if (hits.isEmpty()) {
        return new DrillProbe(
            pod.pod(), pod.node(), sentAt, Arrival.NOT_ARRIVED, null, allowedIps, null, null);
      }
      String ip = hits.get(0).path("sourceIp").asString();
      JsonNode match = get("/api/v1/whois/" + ip).path("matches").get(0);
      String kind = match.path("kind").asString();
      String owner =
          switch (kind) {
            case "node" -> "node " + match.path("node").asString();
            case "egress-ip" -> "EgressIP " + match.path("egressIP").asString();
            default -> kind;
          };
      return new DrillProbe(
          pod.pod(), pod.node(), sentAt, Arrival.ARRIVED, ip, allowedIps, owner, null);
    } catch (IOException e) {
      throw new ProbeInfrastructureException("audit server at " + api + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
