package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * A probe id sent percent-encoded to the hit listener ({@code /probe/a%20b}) is found by {@code GET
 * /api/v1/probes/{id}} with the same encoding: both sides read the id as its decoded text.
 */
class ProbeIdEncodingIT {

  @RegisterExtension static final SharedServer SHARED = new SharedServer(false);

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/probe/run%207 | run%207 | run 7",
        "/probe/ns%2Fpod-1?x=1 | ns%2Fpod-1 | ns/pod-1",
        "http://bastion:8080/probe/%C3%A9t%C3%A9 | %C3%A9t%C3%A9 | \u00e9t\u00e9",
        "/probe/plain-1/more | plain-1 | plain-1"
      })
  void theApiFindsAPercentEncodedProbeIdAsItWasSent(String target, String apiId, String decoded)
      throws Exception {
    LoopbackClient.Response r =
        LoopbackClient.exchange(
            "127.0.0.61",
            SHARED.hitPort(),
            ("GET " + target.strip() + " HTTP/1.1\r\nHost: bastion\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            false);
    assertThat(r.status()).isEqualTo(200);

    JsonNode probe = SHARED.api().get("/api/v1/probes/" + apiId.strip()).json();

    assertThat(probe.get("probeId").asString()).isEqualTo(decoded.strip());
    assertThat(probe.get("hits")).hasSize(1);
    JsonNode hit = probe.get("hits").get(0);
    assertThat(hit.get("probeId").asString()).isEqualTo(decoded.strip());
    assertThat(hit.get("path").asString()).isEqualTo(target.strip());
    assertThat(hit.get("sourcePort").asInt()).isEqualTo(r.localPort());
  }

  @Test
  void aProbeIdLongerThanWhatAHitKeepsIsFoundByTheWholeId() throws Exception {
    String id = "long-" + "x".repeat(300);
    LoopbackClient.Response r = LoopbackClient.get("127.0.0.62", SHARED.hitPort(), "/probe/" + id);
    assertThat(r.status()).isEqualTo(200);

    JsonNode probe = SHARED.api().get("/api/v1/probes/" + id).json();

    assertThat(probe.get("probeId").asString()).isEqualTo(id);
    assertThat(probe.get("hits")).hasSize(1);
    assertThat(probe.get("hits").get(0).get("sourcePort").asInt()).isEqualTo(r.localPort());
    // the same id as a filter of hits, in the API and on the command line
    JsonNode hits = SHARED.api().get("/api/v1/hits?probe=" + id).json().get("hits");
    assertThat(hits).hasSize(1);
    assertThat(hits.get(0).get("sourcePort").asInt()).isEqualTo(r.localPort());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code =
        cl.execute("hits", "--db", SHARED.database().toString(), "--probe", id, "-o", "json");
    assertThat(code).as("%s", err).isZero();
    JsonNode cliHits = ApiClient.parse(out.toString()).get("hits");
    assertThat(cliHits).hasSize(1);
    assertThat(cliHits.get(0).get("sourcePort").asInt()).isEqualTo(r.localPort());
  }
}
