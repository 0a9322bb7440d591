package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The command line given what a careless operator or an attacker types: times far in the future or
 * the past, values that do not fit, files that are not what they should be. Each gets a one-line
 * message naming the option or file and a non-zero exit code, and leaves the database usable.
 */
class HostileCliIT {

  @TempDir Path dir;

  private Path db;
  private Path cluster;

  record Run(int exitCode, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  @BeforeEach
  void files() throws IOException {
    db = dir.resolve("audit.db");
    cluster = dir.resolve("cluster.yaml");
    try (InputStream in =
        HostileCliIT.class.getResourceAsStream(ClusterStateImport.EXAMPLE_RESOURCE)) {
      Files.copy(in, cluster);
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"9999-01-01T00:00:00Z", "99999999999", "+10000-01-01T00:00:00Z"})
  void clusterImportRefusesATimeFarInTheFutureAndLaterImportsStillWork(String future) {
    Run refused =
        run("cluster", "import", cluster.toString(), "--at", future, "--db", db.toString());

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(2);
    assertThat(refused.errLines()).as("the error, then where to find help").hasSize(2);
    assertThat(refused.errLines().get(1)).startsWith("Try 'egress-audit cluster import --help'");
    assertThat(refused.err()).contains("--at").contains(future);

    Run now = run("cluster", "import", cluster.toString(), "--db", db.toString());
    assertThat(now.exitCode()).as("the cluster is not poisoned: %s", now).isZero();
  }

  @Test
  void clusterImportAcceptsATimeWithinTheClockSkew() {
    String soon =
        Instant.now().plus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString();

    Run r = run("cluster", "import", cluster.toString(), "--at", soon, "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
  }

  @Test
  void clusterImportPastTheSkewNamesTheSkew() {
    String later =
        Instant.now().plus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString();

    Run r = run("cluster", "import", cluster.toString(), "--at", later, "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err()).contains("--at").contains("5 minutes");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--since=-999999999-01-01T00:00:00Z",
        "--until=-999999999-01-01T00:00:00Z",
        "--since=999999999d",
        "--until=+999999999-01-01T00:00:00Z"
      })
  void hitsWithATimeBeyondTheYearsTakenIsAUsageErrorNamingTheOption(String option) {
    assertThat(run("cluster", "import", cluster.toString(), "--db", db.toString()).exitCode())
        .isZero();

    Run r = run("hits", option, "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.errLines()).as("the error, then where to find help: %s", r).hasSize(2);
    assertThat(r.errLines().get(0))
        .contains(option.substring(0, option.indexOf('=')))
        .doesNotContain("overflow");
  }

  @Test
  void whoisAtATimeBeyondTheYearsTakenIsAUsageErrorNamingTheOption() {
    assertThat(run("cluster", "import", cluster.toString(), "--db", db.toString()).exitCode())
        .isZero();

    Run r = run("whois", "127.0.0.100", "--at=-999999999-01-01T00:00:00Z", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err()).contains("--at").contains("0001");
  }

  @Test
  void hitsAsCsvNeutralisesFormulaStartsAndEscapesControlCharacters() throws IOException {
    String line =
        "127.0.0.1 - - [26/Nov/2021:12:53:13 -0500] \"GET /probe/=cmd HTTP/1.1\" 200 3 \"-\" \"%s\"\n";
    Path log =
        Files.writeString(
            dir.resolve("access_log"),
            String.format(line, "=1+1")
                + String.format(line, "+SUM(A1)")
                + String.format(line, "-2+3")
                + String.format(line, "@SUM(1)")
                + String.format(line, "\t=1")
                + String.format(line, "\r=1")
                + String.format(line, "curl\u001b[31mred\u0007"));
    Run imported = run("import-log", log.toString(), "--db", db.toString());
    assertThat(imported.exitCode()).as("%s", imported).isZero();

    Run r = run("hits", "-o", "csv", "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out().replace("\n", "").chars().filter(c -> c < 0x20 || c == 0x7f))
        .as("control characters in %s", r.out())
        .isEmpty();
    List<java.util.Map<String, String>> rows = csvRows(r.out());
    assertThat(rows)
        .extracting(row -> row.get("userAgent"))
        .containsExactly(
            "'=1+1",
            "'+SUM(A1)",
            "'-2+3",
            "'@SUM(1)",
            // stored escaped, as the hit listener stores them: a backslash starts no formula
            "\\x09=1",
            "\\x0d=1",
            "curl\\x1b[31mred\\x07");
    assertThat(rows).extracting(row -> row.get("probeId")).containsOnly("'=cmd");
    assertThat(rows).extracting(row -> row.get("path")).containsOnly("/probe/=cmd");
  }

  private static List<java.util.Map<String, String>> csvRows(String csv) throws IOException {
    List<java.util.Map<String, String>> rows = new java.util.ArrayList<>();
    try (tools.jackson.databind.MappingIterator<java.util.Map<String, String>> it =
        new tools.jackson.dataformat.csv.CsvMapper()
            .readerFor(java.util.Map.class)
            .with(tools.jackson.dataformat.csv.CsvSchema.emptySchema().withHeader())
            .readValues(csv)) {
      it.forEachRemaining(rows::add);
    }
    return rows;
  }

  @Test
  void aMissingApiTokenFileIsNamedWithWhatItIsFor() {
    Path missing = dir.resolve("nonexistent.tok");

    Run r =
        run(
            "serve",
            "--api-token-file",
            missing.toString(),
            "--listen",
            "127.0.0.1:0",
            "--api",
            "127.0.0.1:0",
            "--db",
            db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err())
        .contains("--api-token-file")
        .contains(missing.toString())
        .contains("no such file")
        .contains("bearer token");
  }

  @Test
  void importLogOfADirectoryNamesThePath() throws IOException {
    Path logs = Files.createDirectory(dir.resolve("logs"));

    Run r = run("import-log", logs.toString(), "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err()).contains(logs.toString()).contains("is a directory");
  }

  @Test
  void importLogOfAPipeOrStandardInputIsRefusedRatherThanReadAsEmpty() {
    // a pipe cannot be read twice: the first line (the log's identity) and then every line
    Run dash = run("import-log", "-", "--db", db.toString());
    Run device = run("import-log", "/dev/null", "--db", db.toString());

    assertThat(dash.exitCode()).as("%s", dash).isEqualTo(1);
    assertThat(dash.err()).contains("-: not a regular file").contains("write it to a file first");
    assertThat(device.exitCode()).as("%s", device).isEqualTo(1);
    assertThat(device.err()).contains("/dev/null: not a regular file");
  }

  @Test
  void importLogOfAGzippedLogSaysToDecompressIt() throws IOException {
    Path gz = dir.resolve("access_log.1.gz");
    try (java.util.zip.GZIPOutputStream out =
        new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(
          "127.0.0.1 - - [26/Nov/2021:17:53:13 +0000] \"GET / HTTP/1.1\" 200 3\n"
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    Run r = run("import-log", gz.toString(), "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err()).contains(gz + ": is gzip-compressed").contains("zcat");
  }

  @Test
  void importLogOfAUtf16LogSaysItIsNotUtf8() throws IOException {
    String line = "127.0.0.1 - - [26/Nov/2021:17:53:13 +0000] \"GET / HTTP/1.1\" 200 3\n";
    Path bom = dir.resolve("access_log.utf16");
    Files.write(bom, line.getBytes(java.nio.charset.StandardCharsets.UTF_16LE));
    byte[] body = Files.readAllBytes(bom);
    byte[] withBom = new byte[body.length + 2];
    withBom[0] = (byte) 0xff;
    withBom[1] = (byte) 0xfe;
    System.arraycopy(body, 0, withBom, 2, body.length);
    Files.write(bom, withBom);
    Path noBom =
        Files.write(
            dir.resolve("access_log.utf16be"),
            line.getBytes(java.nio.charset.StandardCharsets.UTF_16BE));

    Run r = run("import-log", bom.toString(), "--db", db.toString());
    Run r2 = run("import-log", noBom.toString(), "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err())
        .contains(bom + ": not UTF-8 text (UTF-16, by its byte order mark)")
        .contains("iconv");
    assertThat(r2.exitCode()).as("%s", r2).isEqualTo(1);
    assertThat(r2.err()).contains(noBom + ": not UTF-8 text (it has NUL bytes");
  }

  @Test
  void oneCorruptHistoryRowDoesNotStopCommandsFromAnsweringFromTheRest() throws Exception {
    assertThat(run("cluster", "import", cluster.toString(), "--db", db.toString()).exitCode())
        .isZero();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
        java.sql.Statement st = c.createStatement()) {
      st.execute(
          "UPDATE cluster_object SET body = '{bad' WHERE kind = 'Node'"
              + " AND name = 'ocp-8vr6j-master-1'");
    }

    Run whois = run("whois", "127.0.0.100", "--db", db.toString(), "-o", "json");
    Run clusters = run("clusters", "--db", db.toString());

    assertThat(whois.exitCode()).as("%s", whois).isZero();
    assertThat(whois.out()).contains("egressip-demo").contains("simpson");
    assertThat(clusters.exitCode()).as("%s", clusters).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 99})
  void aSchemaVersionThisBuildDoesNotKnowIsOneLineNamingTheFile(int version) throws Exception {
    assertThat(run("cluster", "import", cluster.toString(), "--db", db.toString()).exitCode())
        .isZero();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
        java.sql.Statement st = c.createStatement()) {
      st.execute("PRAGMA user_version = " + version);
    }

    Run whois = run("whois", "127.0.0.100", "--db", db.toString());

    assertThat(whois.exitCode()).as("%s", whois).isEqualTo(1);
    assertThat(whois.errLines()).as("%s", whois).hasSize(1);
    assertThat(whois.err())
        .startsWith("egress-audit whois: database " + db.toAbsolutePath())
        .contains(
            version < 0
                ? "schema version -1, which no egress-audit writes"
                : "was written by a newer egress-audit (schema 99");
  }

  @Test
  void aNullLabelValueIsNamedWithItsObjectAndField() throws IOException {
    Path f =
        Files.writeString(
            dir.resolve("null-label.yaml"),
            """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: simpson
              labels:
                team: null
            """);

    Run r = run("cluster", "import", f.toString(), "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err())
        .contains(f.toString())
        .contains("Namespace simpson")
        .contains("metadata.labels.team")
        .doesNotContain("NullPointerException");
  }

  @Test
  void aKindThatIsNotAStringIsNamedAsSuch() throws IOException {
    Path f =
        Files.writeString(
            dir.resolve("kind5.yaml"),
            """
            apiVersion: v1
            kind: 5
            metadata:
              name: simpson
            """);

    Run r = run("cluster", "import", f.toString(), "--db", db.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.err())
        .contains(f.toString())
        .contains("kind")
        .contains("'5'")
        .doesNotContain("missing");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cluster import", "whois 127.0.0.1", "sources simpson", "hits"})
  void anEmptyClusterNameIsAUsageError(String command) {
    List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
    if (command.equals("cluster import")) {
      args.add(cluster.toString());
    }
    assertThat(run("cluster", "import", cluster.toString(), "--db", db.toString()).exitCode())
        .isZero();
    args.addAll(List.of("--cluster", "", "--db", db.toString()));

    Run r = run(args.toArray(String[]::new));

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.errLines().get(0)).contains("--cluster").contains("empty");
  }
}
