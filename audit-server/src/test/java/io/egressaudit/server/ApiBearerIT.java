package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The API's bearer token as clients send it: the scheme name in any case (RFC 9110 section 11.1),
 * the token exactly.
 */
class ApiBearerIT {

  @TempDir static Path dir;

  private static AuditServer server;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    server =
        AuditServer.start(
            AuditServer.Config.builder(Database.at(dir.resolve("audit.db")))
                .listen(List.of(new HostPort("127.0.0.1", 0)))
                .api(new HostPort("127.0.0.1", 0))
                .writer(HitWriter.Settings.DEFAULT)
                .listener(TestServers.LIMITS)
                .apiToken("s3cret")
                .clusterStates(Map.of())
                .example(false)
                .rescanSeconds(10)
                .trustedProxies(TrustedProxies.NONE)
                .retention(null)
                .build());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Bearer s3cret | 200",
        "bearer s3cret | 200",
        "BEARER s3cret | 200",
        "bEaReR   s3cret | 200",
        "Bearer S3CRET | 401",
        "Bearer s3cret2 | 401",
        "Basic s3cret | 401",
        "s3cret | 401",
        "Bearer | 401"
      })
  void theSchemeNameIsCaseInsensitiveAndTheTokenIsNot(String authorization, int status)
      throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.apiPort() + "/api/v1/hits?limit=1"))
            .header("Authorization", authorization.strip())
            .build();

    HttpResponse<String> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofString());

    assertThat(resp.statusCode()).as("%s: %s", authorization, resp.body()).isEqualTo(status);
  }

  /**
   * The web page holds no data, so a browser loads it without a token; it then asks for the token
   * and sends it with each call to the API, which still needs it.
   */
  @ParameterizedTest
  @CsvSource({"/, 200", "/app.js, 200", "/app.css, 200", "/api/v1/clusters, 401", "/readyz, 200"})
  void thePageLoadsWithoutTheTokenWhileTheApiNeedsIt(String path, int status) throws Exception {
    HttpResponse<String> resp =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.apiPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(resp.statusCode()).as("%s: %s", path, resp.body()).isEqualTo(status);
  }
}
