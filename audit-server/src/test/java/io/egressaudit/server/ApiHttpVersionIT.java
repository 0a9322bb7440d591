package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  private static final Path JAR = Path.of("target", "egress-audit.jar");
  private static final Pattern URL = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)");

  /** HTTP/2's connection preface (RFC 9113 section 3.4), as prior knowledge sends it first. */
  private static final byte[] H2_PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  private Process serve;

  @AfterEach
  void stop() {
    if (serve != null) {
      serve.destroyForcibly();
    }
  }

  @Test
  void http2PriorKnowledgeAndAMissingHostAreAnsweredAsClientErrorsAndLogNoError() throws Exception {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    serve =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--api",
                "127.0.0.1:0",
                "--db",
                dir.resolve("audit.db").toString())
            .redirectError(dir.resolve("serve.err").toFile())
            .start();
    BlockingQueue<String> out = lines(serve.getInputStream());
    int listener = port(out, "hit listener on");
    int api = port(out, "API and web page on");

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

    serve.destroy();
    assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
    List<String> log = Files.readAllLines(dir.resolve("serve.err"));
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

  private static int port(BlockingQueue<String> out, String what) throws InterruptedException {
    List<String> seen = new ArrayList<>();
    while (true) {
      String line = out.poll(60, TimeUnit.SECONDS);
      assertThat(line).as("'%s' within 60 s; got %s", what, seen).isNotNull();
      seen.add(line);
      Matcher m = URL.matcher(line);
      if (line.startsWith(what) && m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
  }

  private static BlockingQueue<String> lines(InputStream in) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
              } catch (IOException e) {
                lines.add("reading stdout failed: " + e);
              }
            });
    reader.setDaemon(true);
    reader.start();
    return lines;
  }
}
