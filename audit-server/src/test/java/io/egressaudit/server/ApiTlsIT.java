package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.egressaudit.server.http.ApiTls;
import io.egressaudit.sql.Database;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API served over HTTPS off loopback: a client trusting the certificate gets answers with the
 * bearer token and 401 without; a plain-HTTP client gets nothing.
 */
class ApiTlsIT {

  @TempDir Path dir;

  @Test
  void theApiServesHttpsWithTheGivenCertificateAndStillNeedsTheToken() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile())
            .start();
    assumeTrue(
        openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0,
        "openssl makes a test certificate");

    try (AuditServer server =
        AuditServer.start(
            TestServers.config(Database.at(dir.resolve("audit.db")))
                .api(new HostPort("0.0.0.0", 0))
                .apiToken("s3cret")
                .example(true)
                .apiTls(new ApiTls(cert, key))
                .build())) {
      HttpClient client = HttpClient.newBuilder().sslContext(trusting(cert)).build();
      String base = "https://127.0.0.1:" + server.apiPort();

      HttpResponse<String> ok =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/whois/127.0.0.100"))
                  .header("Authorization", "Bearer s3cret")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("\"egress-ip\"", "simpson");

      HttpResponse<String> noToken =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/hits")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(noToken.statusCode()).isEqualTo(401);

      assertThatThrownBy(
              () ->
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + server.apiPort() + "/healthz"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void aMissingCertificateFileIsNamed() {
    assertThatThrownBy(() -> new ApiTls(dir.resolve("nope.pem"), dir.resolve("key.pem")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--api-tls-cert")
        .hasMessageContaining("nope.pem");
  }

  private static SSLContext trusting(Path certPem) throws Exception {
    X509Certificate cert;
    try (InputStream in = new FileInputStream(certPem.toFile())) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("api", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    assertThat(Files.exists(certPem)).isTrue();
    return ctx;
  }
}
