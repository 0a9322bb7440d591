package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code egress-audit serve} from the shaded jar as a process of its own, as a bastion runs it: the
 * hit listener and the API on loopback ports it picks, read from what it prints at start; its
 * stderr in {@code DIR/server.err}.
 *
 * @param process the server
 * @param hitPort the port of its hit listener
 * @param apiPort the port of its API
 */
record ServeProcess(Process process, int hitPort, int apiPort) {

  static final Path JAR = Path.of("target", "egress-audit.jar");
  private static final Pattern HIT = Pattern.compile("hit listener on http://[^:]+:(\\d+)");
  private static final Pattern API = Pattern.compile("API and web page on http://[^:]+:(\\d+)");

  /**
   * Starts the server on {@code DIR/audit.db} and waits until it has printed both ports.
   *
   * @param dir where the database and {@code server.err} go
   * @param launcher what runs {@code java} (such as {@code sh -c 'ulimit -n N && exec "$0" "$@"'}),
   *     or an empty list
   * @param options more options of {@code serve}
   */
  static ServeProcess start(Path dir, List<String> launcher, String... options) throws IOException {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    List<String> command = new ArrayList<>(launcher);
    command.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            JAR.toString(),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--api",
            "127.0.0.1:0"));
    command.addAll(List.of(options));
    command.addAll(List.of("--db", dir.resolve("audit.db").toString()));
    Process server =
        new ProcessBuilder(command).redirectError(dir.resolve("server.err").toFile()).start();
    int hitPort = -1;
    int apiPort = -1;
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((hitPort < 0 || apiPort < 0) && (line = out.readLine()) != null) {
      Matcher h = HIT.matcher(line);
      Matcher a = API.matcher(line);
      if (h.find()) {
        hitPort = Integer.parseInt(h.group(1));
      } else if (a.find()) {
        apiPort = Integer.parseInt(a.group(1));
      }
    }
    assertThat(apiPort).as("%s", Files.readString(dir.resolve("server.err"))).isPositive();
    return new ServeProcess(server, hitPort, apiPort);
  }

  /** Stops the server (SIGTERM), forcibly after 30 s. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
