package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} (the jar, in its own process) on a database whose cluster has an anomaly: what it
 * logs at start is that the anomaly is ongoing, the same after a restart, never that it began.
 */
class AnomalyRestartIT {

  private static final Path JAR = Path.of("target", "egress-audit.jar");
  private static final Path FIXTURE =
      Path.of("src/test/resources/anomalies/single-egress-node.yaml");

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void anAnomalyThereBeforeStartIsLoggedAsOngoingAtStartAtEachStart() throws Exception {
    String db = dir.resolve("audit.db").toString();
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("cluster", "import", FIXTURE.toString(), "--cluster", "lab", "--db", db))
        .as(err.toString())
        .isZero();

    for (int start = 0; start < 2; start++) {
      List<String> anomalyLines = anomalyLinesAtStart(db);

      assertThat(anomalyLines)
          .as("start %d", start)
          .singleElement()
          .asString()
          .contains("anomaly ongoing at start: cluster lab: single-egress-node: ");
    }
  }

  /** Starts serve, reads stderr until it says where the API is and an anomaly line, stops it. */
  private List<String> anomalyLinesAtStart(String db) throws Exception {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    Process p =
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
                db)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    processes.add(p);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
              } catch (java.io.IOException e) {
                lines.add("reading stderr failed: " + e);
              }
            });
    reader.setDaemon(true);
    reader.start();
    List<String> anomalies = new ArrayList<>();
    List<String> all = new ArrayList<>();
    while (anomalies.isEmpty()) {
      String line = lines.poll(60, TimeUnit.SECONDS);
      assertThat(line).as("an anomaly line within 60 s; got %s", all).isNotNull();
      all.add(line);
      if (line.contains("anomaly ")) {
        anomalies.add(line);
      }
    }
    p.destroy(); // SIGTERM: a clean stop, as a restart does
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(10));
    lines.drainTo(all);
    all.stream()
        .filter(l -> l.contains("anomaly ") && !anomalies.contains(l))
        .forEach(anomalies::add);
    return anomalies;
  }
}
