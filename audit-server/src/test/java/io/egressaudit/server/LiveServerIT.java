package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The audit server as the bastion runs it, in-process, with the bundled example cluster: real HTTP
 * requests arrive from the loopback addresses the example gives its egress IP (127.0.0.100) and
 * nodes (127.0.0.51-54), and the API attributes them as the walkthrough does.
 */
class LiveServerIT {

  @RegisterExtension static final SharedServer SHARED = new SharedServer(true);

  private static final String EGRESS_IP = "127.0.0.100";
  private static final String WORKER_82T6F = "127.0.0.53";
  private static final String WORKER_SL79N = "127.0.0.51";

  @Test
  void requestFromTheEgressIpIsAnsweredOkAndAttributedToItsEgressIp() throws Exception {
    LoopbackClient.Response r = LoopbackClient.get(EGRESS_IP, SHARED.hitPort(), "/");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).isEqualTo("OK\n");

    JsonNode whois = SHARED.api().getJson("/api/v1/whois/" + EGRESS_IP);
    assertThat(whois.get("ip").asString()).isEqualTo(EGRESS_IP);
    assertThat(whois.get("matches")).hasSize(1);
    JsonNode match = whois.get("matches").get(0);
    assertThat(match.get("kind").asString()).isEqualTo("egress-ip");
    assertThat(match.get("cluster").asString()).isEqualTo("demo");
    assertThat(match.get("egressIP").asString()).isEqualTo("egressip-demo");
    assertThat(match.get("node").asString()).isEqualTo("ocp-8vr6j-worker-0-sl79n");
    assertThat(strings(match.get("namespaces"))).containsExactly("simpson");
    assertThat(match.get("pods"))
        .extracting(p -> p.get("namespace").asString())
        .containsOnly("simpson");

    JsonNode hit = hitFrom(EGRESS_IP, r.localPort());
    assertThat(hit.get("method").asString()).isEqualTo("GET");
    assertThat(hit.get("path").asString()).isEqualTo("/");
    assertThat(hit.get("receivedAt").asString()).endsWith("Z");
    JsonNode attribution = single(hit.get("attribution"));
    assertThat(attribution.get("kind").asString()).isEqualTo("egress-ip");
    assertThat(attribution.get("egressIP").asString()).isEqualTo("egressip-demo");
    assertThat(strings(attribution.get("namespaces"))).containsExactly("simpson");
  }

  @Test
  void requestFromAWorkerNodeIsAttributedToTheNamespacesOfItsPods() throws Exception {
    LoopbackClient.Response r = LoopbackClient.get(WORKER_82T6F, SHARED.hitPort(), "/from-bouvier");

    assertThat(r.status()).isEqualTo(200);
    JsonNode attribution = single(hitFrom(WORKER_82T6F, r.localPort()).get("attribution"));
    assertThat(attribution.get("kind").asString()).isEqualTo("node");
    assertThat(attribution.get("node").asString()).isEqualTo("ocp-8vr6j-worker-0-82t6f");
    assertThat(strings(attribution.get("namespaces"))).containsExactly("bouvier");
  }

  @Test
  void nodeIpOfTheEgressNodeNamesTheSelectedNamespaceAsLeakSuspect() throws Exception {
    LoopbackClient.Response r = LoopbackClient.get(WORKER_SL79N, SHARED.hitPort(), "/from-sl79n");

    assertThat(r.status()).isEqualTo(200);
    JsonNode attribution = single(hitFrom(WORKER_SL79N, r.localPort()).get("attribution"));
    assertThat(attribution.get("kind").asString()).isEqualTo("node");
    assertThat(attribution.get("node").asString()).isEqualTo("ocp-8vr6j-worker-0-sl79n");
    assertThat(strings(attribution.get("namespaces"))).isEmpty();
    assertThat(strings(attribution.get("leakSuspects"))).containsExactly("simpson");
  }

  @Test
  void clientIpAnswersIpAndPortExactlyWithoutNewline() throws Exception {
    LoopbackClient.Response r = LoopbackClient.get(WORKER_SL79N, SHARED.hitPort(), "/clientip");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).isEqualTo(WORKER_SL79N + ":" + r.localPort());
    assertThat(hitFrom(WORKER_SL79N, r.localPort()).get("path").asString()).isEqualTo("/clientip");
  }

  @Test
  void headIsAnsweredOkWithoutBodyAndRecorded() throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.send(EGRESS_IP, SHARED.hitPort(), "HEAD", "/head", Map.of(), null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(hitFrom(EGRESS_IP, r.localPort()).get("method").asString()).isEqualTo("HEAD");
  }

  @Test
  void postWithASmallBodyIsAnsweredOkAndRecordedAsPost() throws Exception {
    byte[] body = "{\"hello\":\"bastion\"}".getBytes(StandardCharsets.UTF_8);
    LoopbackClient.Response r =
        LoopbackClient.send(
            EGRESS_IP,
            SHARED.hitPort(),
            "POST",
            "/submit",
            Map.of("Content-Type", "application/json"),
            body);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).isEqualTo("OK\n");
    JsonNode hit = hitFrom(EGRESS_IP, r.localPort());
    assertThat(hit.get("method").asString()).isEqualTo("POST");
    assertThat(hit.get("path").asString()).isEqualTo("/submit");
  }

  @Test
  void postExpectingContinueGetsContinueThenOkOnceTheBodyIsIn() throws Exception {
    byte[] body = "b".repeat(4096).getBytes(StandardCharsets.US_ASCII);
    LoopbackClient.Response r =
        LoopbackClient.postExpectingContinue(EGRESS_IP, SHARED.hitPort(), "/curl-upload", body);

    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(hitFrom(EGRESS_IP, r.localPort()).get("method").asString()).isEqualTo("POST");
  }

  @Test
  void probePathRecordsItsIdAndTheProbesEndpointListsIt() throws Exception {
    LoopbackClient.Response r = LoopbackClient.get(EGRESS_IP, SHARED.hitPort(), "/probe/abc-123");

    assertThat(r.status()).isEqualTo(200);
    assertThat(hitFrom(EGRESS_IP, r.localPort()).get("probeId").asString()).isEqualTo("abc-123");
    JsonNode probe = SHARED.api().getJson("/api/v1/probes/abc-123");
    assertThat(probe.get("probeId").asString()).isEqualTo("abc-123");
    assertThat(probe.get("hits")).hasSize(1);
    JsonNode hit = probe.get("hits").get(0);
    assertThat(hit.get("sourceIp").asString()).isEqualTo(EGRESS_IP);
    assertThat(hit.get("sourcePort").asInt()).isEqualTo(r.localPort());
    assertThat(single(hit.get("attribution")).get("egressIP").asString())
        .isEqualTo("egressip-demo");
  }

  @Test
  void forwardedForIsStoredAsAClaimAndNeverUsedForAttribution() throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.send(
            WORKER_82T6F,
            SHARED.hitPort(),
            "GET",
            "/behind-a-proxy",
            Map.of("X-Forwarded-For", "10.9.9.9"),
            null);

    assertThat(r.status()).isEqualTo(200);
    JsonNode hit = hitFrom(WORKER_82T6F, r.localPort());
    assertThat(hit.get("forwardedFor").asString()).isEqualTo("10.9.9.9");
    assertThat(hit.get("sourceIp").asString()).isEqualTo(WORKER_82T6F);
    JsonNode attribution = single(hit.get("attribution"));
    assertThat(attribution.get("kind").asString()).isEqualTo("node");
    assertThat(attribution.get("node").asString()).isEqualTo("ocp-8vr6j-worker-0-82t6f");
    assertThat(strings(attribution.get("namespaces"))).containsExactly("bouvier");
    assertThat(SHARED.api().getJson("/api/v1/hits?ip=10.9.9.9").get("hits")).isEmpty();
  }

  @Test
  void whoisOfSomethingThatIsNotAnIpIsAProblem400() throws Exception {
    assertProblem(SHARED.api().get("/api/v1/whois/not-an-ip"), 400, "/api/v1/whois/not-an-ip");
  }

  @Test
  void unknownApiPathIsAProblem404() throws Exception {
    assertProblem(SHARED.api().get("/api/v1/nothing-here"), 404, "/api/v1/nothing-here");
  }

  @Test
  void garbageTimeIsAProblem400NamingTheParameter() throws Exception {
    ApiClient.Answer a = SHARED.api().get("/api/v1/whois/" + EGRESS_IP + "?at=garbage");

    assertProblem(a, 400, "/api/v1/whois/" + EGRESS_IP);
    assertThat(a.json().get("detail").asString()).contains("at").contains("garbage");
    assertProblem(SHARED.api().get("/api/v1/hits?since=garbage"), 400, "/api/v1/hits");
  }

  @Test
  void aHitLimitOutOfRangeIsAProblem400NamingLimit() throws Exception {
    for (String limit : new String[] {"0", "10001", "ten"}) {
      ApiClient.Answer a = SHARED.api().get("/api/v1/hits?limit=" + limit);

      assertProblem(a, 400, "/api/v1/hits");
      assertThat(a.json().get("detail").asString()).startsWith("limit: '" + limit + "'");
    }
  }

  @Test
  void healthzIsOk() throws Exception {
    ApiClient.Answer a = SHARED.api().get("/healthz");

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get("status").asString()).isEqualTo("ok");
  }

  private static void assertProblem(ApiClient.Answer a, int status, String instance) {
    assertThat(a.status()).as(a.body()).isEqualTo(status);
    assertThat(a.contentType()).startsWith("application/problem+json");
    JsonNode p = a.json();
    assertThat(p.get("type").asString()).isNotBlank();
    assertThat(p.get("title").asString()).isNotBlank();
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("detail").asString()).isNotBlank();
    assertThat(p.get("instance").asString()).isEqualTo(instance);
  }

  /** The recorded hit that came from {@code ip} and the client port {@code port}. */
  private static JsonNode hitFrom(String ip, int port) throws IOException, InterruptedException {
    JsonNode hits = SHARED.api().getJson("/api/v1/hits?ip=" + ip + "&limit=10000").get("hits");
    List<JsonNode> found = new ArrayList<>();
    hits.forEach(
        h -> {
          if (h.get("sourcePort").asInt() == port) {
            found.add(h);
          }
        });
    assertThat(found).as("hits from %s:%d in %s", ip, port, hits).hasSize(1);
    JsonNode hit = found.get(0);
    assertThat(hit.get("sourceIp").asString()).isEqualTo(ip);
    return hit;
  }

  private static JsonNode single(JsonNode array) {
    assertThat(array).as("attribution").hasSize(1);
    return array.get(0);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> out.add(n.asString()));
    }
    return out;
  }
}
