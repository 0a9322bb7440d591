package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.cli.EgressAuditCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * {@code import-log} on the access logs httpd and nginx really write, and on the odd ones: long
 * lines, carriage returns inside fields, nginx's forwarded-for field, other formats, the same log
 * under another name. Real files, a real SQLite database, the command run in-process.
 */
class ImportLogIT {

  /** One combined-format line: client, request target, user agent. */
  private static String line(String client, String target, String userAgent) {
    return client
        + " - - [25/Nov/2021:07:50:45 -0500] \"GET "
        + target
        + " HTTP/1.1\" 200 39 \"-\" \""
        + userAgent
        + "\"\n";
  }

  @TempDir Path dir;

  private Path db;

  @BeforeEach
  void database() {
    db = dir.resolve("audit.db");
  }

  record Run(int exitCode, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private Run importLog(Path log, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("import-log", log.toString()));
    args.addAll(List.of(more));
    args.addAll(List.of("--db", db.toString()));
    return run(args.toArray(String[]::new));
  }

  private List<JsonNode> hits() {
    Run r = run("hits", "-o", "jsonl", "--db", db.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    return r.out().lines().map(ApiClient::parse).toList();
  }

  @Test
  void aRequestLineOfThousandsOfCharactersIsImportedLikeAnyOther() throws IOException {
    String longTarget = "/?q=" + "x".repeat(8_000);
    Path log =
        Files.writeString(
            dir.resolve("access_log"),
            line("10.0.0.1", "/a", "c")
                + line("10.0.0.1", longTarget, "u".repeat(5_000))
                + line("10.0.0.1", "/b", "c"));

    Run r = importLog(log);

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).contains("3 hits imported");
    List<JsonNode> hits = hits();
    assertThat(hits).extracting(h -> h.get("path").asString().substring(0, 2)).contains("/a", "/b");
    assertThat(hits.get(1).get("path").asString()).startsWith("/?q=xxxx");
  }

  @Test
  void aLineOverTheCapIsRejectedByNumberAndTheRestImported() throws IOException {
    Path log =
        Files.writeString(
            dir.resolve("access_log"),
            line("10.0.0.1", "/a", "c")
                + line("10.0.0.1", "/?q=" + "x".repeat(200_000), "c")
                + line("10.0.0.1", "/b", "c"));

    Run r = importLog(log);

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines().get(0)).startsWith(log + ":2: ").contains("131072 bytes");
    assertThat(r.out()).contains("2 hits imported").contains("1 rejected");
  }

  @Test
  void aCarriageReturnInsideALineIsNotALineBreak() throws IOException {
    Path log =
        Files.writeString(
            dir.resolve("access_log"),
            line("10.0.0.1", "/a", "curl\rfake")
                + "not a log line\n"
                + line("10.0.0.1", "/b", "c"));

    Run r = importLog(log);

    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.errLines().get(0)).startsWith(log + ":2: ");
    assertThat(hits()).extracting(h -> h.get("originLine").asInt()).containsExactly(1, 3);
  }

  @Test
  void crlfLineEndsAreLineBreaks() throws IOException {
    Path log =
        Files.writeString(
            dir.resolve("access_log"),
            line("10.0.0.1", "/a", "c").replace("\n", "\r\n")
                + line("10.0.0.1", "/b", "c").replace("\n", "\r\n"));

    Run r = importLog(log);

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(hits()).extracting(h -> h.get("userAgent").asString()).containsExactly("c", "c");
  }

  /** nginx's stock {@code main} format: combined plus {@code "$http_x_forwarded_for"}. */
  private static final String NGINX_MAIN =
      "127.0.0.9 - - [25/Nov/2021:07:50:45 -0500] \"GET / HTTP/1.1\" 200 39 \"-\" \"curl/7.61.1\""
          + " \"10.0.0.100, 192.0.2.55\"\n";

  @Test
  void nginxForwardedForFieldIsKeptAsAClaimAndNotUsedForAttribution() throws IOException {
    Path log = Files.writeString(dir.resolve("access.log"), NGINX_MAIN);

    Run r = importLog(log);

    assertThat(r.exitCode()).as("%s", r).isZero();
    JsonNode hit = hits().get(0);
    assertThat(hit.get("sourceIp").asString()).isEqualTo("127.0.0.9");
    assertThat(hit.get("forwardedFor").asString()).isEqualTo("10.0.0.100, 192.0.2.55");
    assertThat(hit.get("peerIp").isNull()).isTrue();
  }

  @Test
  void nginxForwardedForNamesTheClientWhenTheLoggedPeerIsATrustedProxy() throws IOException {
    Path log =
        Files.writeString(
            dir.resolve("access.log"),
            NGINX_MAIN + NGINX_MAIN.replace("127.0.0.9", "127.0.0.8").replace("Nov", "Dec"));

    Run r = importLog(log, "--trusted-proxy", "127.0.0.9/32");

    assertThat(r.exitCode()).as("%s", r).isZero();
    List<JsonNode> hits = hits();
    assertThat(hits.get(0).get("sourceIp").asString()).isEqualTo("192.0.2.55");
    assertThat(hits.get(0).get("peerIp").asString()).isEqualTo("127.0.0.9");
    assertThat(hits.get(1).get("sourceIp").asString())
        .as("a peer that is not a trusted proxy stays the source")
        .isEqualTo("127.0.0.8");
  }

  @Test
  void aWrongTrustedProxyIsAUsageErrorNamingTheOption() throws IOException {
    Path log = Files.writeString(dir.resolve("access.log"), NGINX_MAIN);

    Run r = importLog(log, "--trusted-proxy", "not-a-cidr");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err()).contains("--trusted-proxy").contains("not-a-cidr");
  }

  private static final String VHOST_COMBINED =
      "www.example.com:80 10.0.0.1 - - [25/Nov/2021:07:50:45 -0500] \"GET /v HTTP/1.1\" 200 39"
          + " \"-\" \"curl/7.61.1\"\n";

  @Test
  void vhostCombinedLinesAreRefusedNamingTheFormatUnlessAsked() throws IOException {
    Path log = Files.writeString(dir.resolve("other_vhosts_access.log"), VHOST_COMBINED);

    Run refused = importLog(log);

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(1);
    assertThat(refused.errLines().get(0))
        .startsWith(log + ":1: ")
        .contains("www.example.com:80")
        .contains("--format vhost_combined");

    Run imported = importLog(log, "--format", "vhost_combined");

    assertThat(imported.exitCode()).as("%s", imported).isZero();
    JsonNode hit = hits().get(0);
    assertThat(hit.get("sourceIp").asString()).isEqualTo("10.0.0.1");
    assertThat(hit.get("host").asString()).isEqualTo("www.example.com:80");
    assertThat(hit.get("path").asString()).isEqualTo("/v");
  }

  @Test
  void aMonthNameInAnotherLanguageIsRefusedNamingTheMonth() throws IOException {
    Path log =
        Files.writeString(
            dir.resolve("access_log"),
            line("10.0.0.1", "/a", "c").replace("25/Nov/2021", "25/Okt/2021"));

    Run r = importLog(log);

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines().get(0)).startsWith(log + ":1: ").contains("'Okt'").contains("English");
  }

  @Test
  void aDayTheMonthDoesNotHaveIsRefusedNotMovedToTheMonthsEnd() throws IOException {
    Path log =
        Files.writeString(
            dir.resolve("access_log"),
            line("10.0.0.1", "/a", "c").replace("25/Nov/2021:07:50:45", "31/Feb/2021:08:04:35")
                + line("10.0.0.1", "/b", "c")
                    .replace("25/Nov/2021:07:50:45", "28/Feb/2021:24:00:00")
                + line("10.0.0.1", "/c", "c").replace("25/Nov/2021", "29/Feb/2024"));

    Run r = importLog(log);

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines()).hasSize(2);
    assertThat(r.errLines().get(0))
        .startsWith(log + ":1: time '31/Feb/2021:08:04:35 -0500'")
        .contains("not a real date");
    assertThat(r.errLines().get(1)).startsWith(log + ":2: time '28/Feb/2021:24:00:00 -0500'");
    assertThat(hits()).extracting(h -> h.get("path").asString()).containsExactly("/c");
  }

  /** httpd's common format: no referer, no user agent. */
  private static final String COMMON =
      "10.0.0.1 - - [25/Nov/2021:07:50:45 -0500] \"GET /a HTTP/1.1\" 200 39\n";

  @Test
  void combinedLinesReadAsCommonAreRefusedNamingCombinedSoNoUserAgentIsLost() throws IOException {
    Path log = Files.writeString(dir.resolve("access_log"), line("10.0.0.1", "/a", "curl/8"));

    Run refused = importLog(log, "--format", "common");

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(1);
    assertThat(refused.errLines()).hasSize(1);
    assertThat(refused.errLines().get(0))
        .startsWith(log + ":1: ")
        .contains("looks like combined")
        .contains("--format combined");
    assertThat(refused.out()).contains("0 hits imported");

    Run imported = importLog(log, "--format", "combined");

    assertThat(imported.exitCode()).as("%s", imported).isZero();
    assertThat(imported.out()).contains("1 hit imported");
    assertThat(hits()).extracting(h -> h.get("userAgent").asString()).containsExactly("curl/8");
  }

  @Test
  void commonLinesReadAsCombinedAreRefusedNamingCommon() throws IOException {
    Path log = Files.writeString(dir.resolve("access_log"), COMMON);

    Run refused = importLog(log);

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(1);
    assertThat(refused.errLines().get(0))
        .startsWith(log + ":1: ")
        .contains("looks like common")
        .contains("--format common");

    Run imported = importLog(log, "--format", "common");

    assertThat(imported.exitCode()).as("%s", imported).isZero();
    assertThat(hits()).extracting(h -> h.get("path").asString()).containsExactly("/a");
  }

  @Test
  void theSameLogThroughASymlinkOrARotatedCopyAddsOnlyNewLines() throws IOException {
    Path log =
        Files.writeString(
            dir.resolve("access_log"), line("10.0.0.1", "/a", "c") + line("10.0.0.2", "/b", "c"));
    assertThat(importLog(log).out()).contains("2 hits imported");

    Path link = Files.createSymbolicLink(dir.resolve("current.log"), log);
    Run throughLink = importLog(link);
    assertThat(throughLink.out()).as("%s", throughLink).contains("0 hits imported, 2 already");

    // logrotate renames access_log to access_log.1 after the server wrote one more line
    Files.writeString(
        log,
        line("10.0.0.3", "/c", "c"),
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    Path rotated = Files.move(log, dir.resolve("access_log.1"));
    Run afterRotation = importLog(rotated);
    assertThat(afterRotation.out())
        .as("%s", afterRotation)
        .contains("1 hit imported, 2 already present");
    assertThat(afterRotation.exitCode()).isZero();

    assertThat(hits()).extracting(h -> h.get("path").asString()).containsExactly("/a", "/b", "/c");
    assertThat(hits())
        .extracting(h -> h.get("origin").asString())
        .as("one origin: the path the log was first imported from")
        .containsOnly(hits().get(0).get("origin").asString());
  }

  @Test
  void anotherLogThatOnlySharesItsFirstLineIsNotTakenForTheSame() throws IOException {
    String first = line("10.0.0.1", "/health", "monitor");
    Path a = Files.writeString(dir.resolve("a.log"), first + line("10.0.0.2", "/a", "c"));
    Path b = Files.writeString(dir.resolve("b.log"), first + line("10.0.0.3", "/b", "c"));
    importLog(a);

    Run r = importLog(b);

    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.errLines().get(0))
        .startsWith(b + ":2: ")
        .contains("differs")
        .contains(a.toAbsolutePath().toString());
  }

  @Test
  void pathsAndUserAgentsAreUtf8WithInvalidBytesKeptVisible() throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    String head = "10.0.0.1 - - [25/Nov/2021:07:50:45 -0500] \"GET ";
    String mid = " HTTP/1.1\" 200 39 \"-\" \"";
    java.util.function.BiConsumer<byte[], byte[]> add =
        (target, agent) -> {
          bytes.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
          bytes.writeBytes(target);
          bytes.writeBytes(mid.getBytes(StandardCharsets.US_ASCII));
          bytes.writeBytes(agent);
          bytes.writeBytes("\"\n".getBytes(StandardCharsets.US_ASCII));
        };
    byte[] ascii = "c".getBytes(StandardCharsets.US_ASCII);
    // 1: raw UTF-8 as a server that logs bytes unescaped writes it
    add.accept(
        "/\u00e9".getBytes(StandardCharsets.UTF_8), "k\u20acu".getBytes(StandardCharsets.UTF_8));
    // 2: httpd's escapes (lowercase), 3: nginx's (uppercase, quote and backslash too)
    add.accept(
        "/\\xc3\\xa9".getBytes(StandardCharsets.US_ASCII),
        "k\\xe2\\x82\\xacu".getBytes(StandardCharsets.US_ASCII));
    add.accept(
        "/\\xC3\\xA9".getBytes(StandardCharsets.US_ASCII),
        "a\\x22b\\x5Cc".getBytes(StandardCharsets.US_ASCII));
    // 4: ISO-8859-1 bytes, raw and escaped: not UTF-8, kept visible
    add.accept(new byte[] {'/', (byte) 0xe9}, "\\xff\\xfe".getBytes(StandardCharsets.US_ASCII));
    // 5: control characters stay escaped
    add.accept(
        "/x".getBytes(StandardCharsets.US_ASCII),
        "a\\x1b[31mb\\x07".getBytes(StandardCharsets.US_ASCII));
    // 6: nginx's upper-case control escapes and raw control characters: stored as the listener
    // stores them, \x1b
    add.accept(
        "/y\\x7F".getBytes(StandardCharsets.US_ASCII),
        "a\\x1B[31mb\tc".getBytes(StandardCharsets.US_ASCII));
    Path log = Files.write(dir.resolve("access_log"), bytes.toByteArray());

    Run r = importLog(log);

    assertThat(r.exitCode()).as("%s", r).isZero();
    List<JsonNode> hits = hits();
    assertThat(hits)
        .extracting(h -> h.get("path").asString())
        .containsExactly("/\u00e9", "/\u00e9", "/\u00e9", "/\\xe9", "/x", "/y\\x7f");
    assertThat(hits)
        .extracting(h -> h.get("userAgent").asString())
        .containsExactly(
            "k\u20acu",
            "k\u20acu",
            "a\"b\\c",
            "\\xff\\xfe",
            "a\\x1b[31mb\\x07",
            "a\\x1b[31mb\\x09c");
  }
}
