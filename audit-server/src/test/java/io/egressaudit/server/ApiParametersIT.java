package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * Query parameters of the API that do not fit: times before year 1 or after 9999, numbers beyond
 * {@code int} or {@code long}. Each is a 400 {@code application/problem+json} naming the parameter,
 * never a 500 and never a silently different value.
 */
class ApiParametersIT {

  @RegisterExtension static final SharedServer SHARED = new SharedServer(true);

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/v1/whois/127.0.0.100?at=-999999999-01-01T00:00:00Z | at",
        "/api/v1/whois/127.0.0.100?at=%2B999999999-01-01T00:00:00Z | at",
        "/api/v1/namespaces/simpson/sources?at=-999999999-01-01T00:00:00Z | at",
        "/api/v1/hits?until=-999999999-01-01T00:00:00Z | until",
        "/api/v1/hits?since=-999999999-01-01T00:00:00Z | since",
        "/api/v1/hits?since=999999999999999 | since",
        "/api/v1/hits?since=999999999d | since",
        "/api/v1/hits?since=30000d | since",
        "/api/v1/hits?since=-5m | since",
        "/api/v1/hits?since=30 | since",
        "/api/v1/hits?until=86400 | until",
        "/api/v1/whois/127.0.0.100?at=7 | at",
        "/api/v1/namespaces/simpson/sources?since=30 | since",
        "/api/v1/sources?at=30 | at",
        "/api/v1/ips/127.0.0.100/timeline?since=30 | since",
        "/api/v1/anomalies?until=30 | until",
        "/api/v1/hits?limit=4294967297 | limit",
        "/api/v1/hits?limit=99999999999 | limit",
        "/api/v1/hits?limit=99999999999999999999 | limit",
        "/api/v1/hits?after=99999999999999999999 | after",
        "/api/v1/probes/p1?limit=4294967297 | limit",
        "/api/v1/hits?ip=10.0.0.0/33 | ip",
        "/api/v1/hits?ip=10.0.0.5/24 | ip",
        "/api/v1/hits?ip=bastion | ip"
      })
  void aValueThatDoesNotFitIsA400NamingTheParameter(String query, String parameter)
      throws Exception {
    ApiClient.Answer a = SHARED.api().get(query.strip());

    assertThat(a.status()).as("%s: %s", query, a.body()).isEqualTo(400);
    assertThat(a.contentType()).isEqualTo("application/problem+json");
    JsonNode problem = a.json();
    String detail = problem.get("detail").asString();
    assertThat(detail).startsWith(parameter.strip() + ":");
    assertThat(detail).doesNotContain("1215752191").doesNotContain("overflow");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "GET /api/v1/hits?q=%s HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 414 | uri-too-long",
        "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nX-Big: %s\\r\\n\\r\\n | 431 | headers-too-large",
        "GET /healthz\\r\\n%s | 400 | bad-request",
        "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n%s | 505 | http-version"
      })
  void requestsTheDecoderRefusesAreAnsweredAsProblemsInHttp11(
      String template, int status, String type) throws Exception {
    String request =
        template
            .strip()
            .replace("\\r\\n", "\r\n")
            .formatted("a".repeat(status == 414 || status == 431 ? 20_000 : 0));
    LoopbackClient.Response r =
        LoopbackClient.exchangeThenClosed(
            "127.0.0.1",
            SHARED.server().apiPort(),
            request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.statusLine()).startsWith("HTTP/1.1 " + status);
    assertThat(r.header("content-type")).isEqualTo("application/problem+json");
    assertThat(r.header("connection")).isEqualTo("close");
    JsonNode problem = ApiClient.parse(r.bodyText());
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("type").asString()).endsWith("/" + type);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/v1/hits?limit=1&limit=2 | limit: given 2 times",
        "/api/v1/whois/127.0.0.100?at=1&at=2 | at: given 2 times",
        "/api/v1/hits?since= | since: empty",
        "/api/v1/anomalies?until= | until: empty",
        "/api/v1/hits?%ZZ=1 | the query string is not valid percent-encoding",
        "/api/v1/hits?ip=% | the query string is not valid percent-encoding",
        "/api/v1/clusters?x=1 | /api/v1/clusters takes no parameters",
        "/api/v1/hits?ip=fe80::1%25eth0 | ip: 'fe80::1%eth0' has a zone",
        "/api/v1/whois/fe80::1%25eth0 | ip: 'fe80::1%eth0' has a zone",
        "/api/v1/whois/10.0.0.1%2F24 | 10.0.0.1/24 is the network 10.0.0.0/24, not one IP: list"
            + " the hits of its source IPs with /api/v1/hits?ip=10.0.0.0/24,",
        "/api/v1/whois/10.0.0.0%2F24 | 10.0.0.0/24 is a network, not one IP: list the hits of its"
            + " source IPs with /api/v1/hits?ip=10.0.0.0/24",
        "/api/v1/whois/10.0.0.0%2F33 | ip: '10.0.0.0/33' is not a CIDR",
        "/api/v1/ips/10.0.0.0%2F24/timeline | 10.0.0.0/24 is a network, not one IP: list the hits"
            + " of its source IPs with /api/v1/hits?ip=10.0.0.0/24,",
        "/api/v1/ips/10.0.0.1%2F24/timeline | 10.0.0.1/24 is the network 10.0.0.0/24, not one IP",
        "/api/v1/ips/fe80::1%25eth0/timeline | ip: 'fe80::1%eth0' has a zone",
        "/api/v1/hits?kind=egressip | kind: 'egressip' is not a kind (egress-ip,"
            + " egress-ip-unassigned, node, pod or unknown)",
        "/api/v1/probes/p1?kind=leak | kind: 'leak' is not a kind (egress-ip,",
        "/api/v1/hits?since=30 | since: '30': a bare number is a Unix time in seconds"
            + " (1970-01-01T00:00:30Z); for 30 days ago write 30d"
      })
  void anAmbiguousOrMalformedQueryIsA400SayingWhy(String query, String detail) throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.get("127.0.0.1", SHARED.server().apiPort(), query.strip());

    assertThat(r.status()).as("%s: %s", query, r.bodyText()).isEqualTo(400);
    assertThat(r.header("content-type")).isEqualTo("application/problem+json");
    assertThat(ApiClient.parse(r.bodyText()).get("detail").asString()).contains(detail.strip());
  }

  @ParameterizedTest
  @CsvSource({"/healthz", "/api/v1/clusters", "/api/v1/hits?limit=1", "/api/v1/whois/127.0.0.100"})
  void headIsAnsweredAsGetWithoutTheBody(String path) throws Exception {
    java.net.http.HttpResponse<String> get = SHARED.api().send("GET", path);
    java.net.http.HttpResponse<String> head = SHARED.api().send("HEAD", path);

    assertThat(head.statusCode()).as("%s", head.body()).isEqualTo(get.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("content-type"))
        .isEqualTo(get.headers().firstValue("content-type"));
  }
}
