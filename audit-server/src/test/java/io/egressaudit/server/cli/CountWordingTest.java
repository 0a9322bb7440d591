package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counts in what commands print say "1 hit", not "1 hits". Real SQLite file. */
class CountWordingTest {

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--db", dir.resolve("audit.db").toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private Path log(String... lines) throws IOException {
    return Files.writeString(dir.resolve("access.log"), String.join("\n", lines) + "\n");
  }

  private static String line(String ip, String time) {
    return ip + " - - [" + time + "] \"GET / HTTP/1.1\" 200 3 \"-\" \"curl/7.61.1\"";
  }

  @Test
  void oneImportedLineIsOneLineAndOneHit() throws IOException {
    Run r = run("import-log", log(line("192.0.2.1", "26/Nov/2021:12:53:13 -0500")).toString());

    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.out()).endsWith(": 1 line, 1 hit imported, 0 already present, 0 rejected\n");
  }

  @Test
  void aPageOfOneHitAtTheLimitSaysOneHitShown() throws IOException {
    run(
        "import-log",
        log(
                line("192.0.2.1", "26/Nov/2021:12:53:13 -0500"),
                line("192.0.2.2", "26/Nov/2021:12:54:13 -0500"))
            .toString());

    Run r = run("hits", "--limit", "1");

    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.err()).startsWith("(1 hit shown, the --limit; more may follow: --after 1)");
  }

  @Test
  void pruningOneHitSaysOneHit() throws IOException {
    run("import-log", log(line("192.0.2.1", "26/Nov/2021:12:53:13 -0500")).toString());

    Run r = run("prune", "--older-than", "1d");

    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.out()).startsWith("deleted 1 hit received before ");
    assertThat(r.out()).contains("deleted 0 history intervals that ended before ");
  }
}
