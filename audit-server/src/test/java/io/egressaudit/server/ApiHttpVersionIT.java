package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What any client, without a token, can make {@code serve} (the jar, in its own process) write in
 * its log: an HTTP/2 prior-knowledge preface or an HTTP/1.1 request without Host on the API is the
 * client's error, answered in HTTP/1.1 and never an ERROR line or a stack trace; the hit listener
 * still answers HTTP/1.x after the same.
 */
class ApiHttpVersionIT {

  /** HTTP/2's connection preface (RFC 9113 section 3.4), as prior knowledge sends it first. */
  private static final byte[] H2_PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  private ServeProcess serve;

  @AfterEach
  void stop() {
    if (serve != null) {
      serve.process().destroyForcibly();
    }
  }

  @Test
  void http2PriorKnowledgeAndAMissingHostAreAnsweredAsClientErrorsAndLogNoError() throws Exception {
    serve = ServeProcess.start(dir, List.of());
    int listener = serve.hitPort();
    int api = serve.apiPort();

    LoopbackClient.Response preface =
        LoopbackClient.exchangeThenClosed("127.0.0.1", api, H2_PREFACE);
    assertThat(preface.status()).as("%s", preface).isEqualTo(505);
    assertThat(preface.statusLine()).endsWith("505 HTTP Version Not Supported");
    assertThat(preface.header("content-type")).isEqualTo("application/problem+json");
    assertThat(preface.bodyText()).contains("HTTP/1.0 and HTTP/1.1 only");

    LoopbackClient.Response noHost =
        LoopbackClient.exchange(
            "127.0.0.1",
            api,
            "GET /healthz HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
            false);
    assertThat(noHost.status()).as("%s", noHost).isEqualTo(400);
    assertThat(noHost.bodyText()).contains("'Host' header is required");

    String curl = curlHttp2PriorKnowledge(api);
    assertThat(curl).as("curl gets no HTTP/2 answer").doesNotEndWith("|200");

    LoopbackClient.Response listenerPreface =
        LoopbackClient.exchangeThenClosed("127.0.0.1", listener, H2_PREFACE);
    assertThat(listenerPreface.status()).as("%s", listenerPreface).isEqualTo(505);
    LoopbackClient.Response hit = LoopbackClient.get("127.0.0.2", listener, "/probe/after-h2");
    assertThat(hit.status()).as("%s", hit).isEqualTo(200);
    LoopbackClient.Response health = LoopbackClient.get("127.0.0.1", api, "/healthz");
    assertThat(health.status()).as("%s", health).isEqualTo(200);

    serve.process().destroy();
    assertThat(serve.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    List<String> log = Files.readAllLines(dir.resolve("server.err"));
    assertThat(log).as("the server's log").noneMatch(l -> l.contains("[ERROR]"));
    assertThat(log)
        .as("no stack trace or exception line")
        .noneMatch(l -> l.startsWith("\tat ") || l.startsWith("io.vertx"));
  }

  /** Real curl with {@code --http2-prior-knowledge}: its output and the status it read, if any. */
  private static String curlHttp2PriorKnowledge(int api) throws IOException, InterruptedException {
    assumeThat(onPath("curl")).as("curl is installed").isTrue();
    Process p =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--max-time",
                "10",
                "--http2-prior-knowledge",
                "-w",
                "|%{http_code}",
                "http://127.0.0.1:" + api + "/healthz")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }
}
