package io.egressaudit.server.cli;

import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.server.logimport.AccessLogFormat;
import io.egressaudit.server.logimport.AccessLogLines;
import io.egressaudit.server.logimport.AccessLogParser;
import io.egressaudit.server.logimport.BadLogLineException;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code egress-audit import-log FILE}: access logs a firewall team already has become hits. */
@Command(
    name = "import-log",
    sortOptions = false,
    description = {
      "Import an httpd or nginx access log as hits, with the log's own timestamps and time zones, so"
          + " they can be attributed like the listener's.",
      "Bad lines are reported by line number and skipped; good lines are imported. Lines longer than"
          + " 131072 bytes are rejected. Importing the same log again, also under another path (a"
          + " symlink, a rotated copy), adds only lines not imported before: a log is known by its"
          + " first line."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every line imported (or already present)",
      "1:some lines were rejected (the others are imported), or the file cannot be read",
      "2:wrong usage"
    },
    footer = {
      "",
      "Example:",
      "  egress-audit import-log /var/log/httpd/access_log --format combined"
    })
final class ImportLogCommand implements Callable<Integer> {

  private static final int BATCH = 5000;
  private static final int MAX_REPORTED = 20;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The access log.")
  Path file;

  @Option(
      names = "--format",
      paramLabel = "combined|common|vhost_combined",
      defaultValue = "combined",
      description =
          "Log format. combined also reads a forwarded-for field after the user agent (nginx's"
              + " \"$http_x_forwarded_for\"). Lines of another format are refused: a re-import"
              + " cannot repair hits imported with the wrong format (import into a new --db)."
              + " Default: ${DEFAULT-VALUE}.")
  AccessLogFormat format;

  @Option(
      names = "--trusted-proxy",
      paramLabel = "CIDR",
      converter = Converters.TrustedProxy.class,
      description =
          "A logged client that is a proxy: its line's forwarded-for field names the client, whose"
              + " address becomes the source IP. Repeat for several. From any other client the"
              + " field is kept as an untrusted claim.")
  List<String> trustedProxies = new ArrayList<>();

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    TrustedProxies proxies = TrustedProxies.of(trustedProxies);
    HitRepository repository = new HitRepository(db.database());
    String origin = origin(file, repository);
    AccessLogParser parser = new AccessLogParser(format, origin, proxies);
    int lines = 0;
    int rejected = 0;
    int inserted = 0;
    int present = 0;
    List<HitRecord> batch = new ArrayList<>(BATCH);
    String firstLine = null;
    try (AccessLogLines in = lines(file)) {
      AccessLogLines.Line line;
      while ((line = in.next()) != null) {
        lines = line.number();
        if (line.overCap()) {
          rejected++;
          report(
              err,
              rejected,
              line.number(),
              "line of "
                  + line.bytes()
                  + " bytes is longer than "
                  + AccessLogLines.MAX_LINE_BYTES
                  + " bytes, the most import-log reads");
          continue;
        }
        if (firstLine == null) {
          firstLine = line.text();
        }
        if (line.text().isBlank()) {
          continue;
        }
        try {
          batch.add(parser.parse(line.text(), line.number()));
        } catch (BadLogLineException e) {
          rejected++;
          report(err, rejected, e.lineNumber(), e.getMessage());
        }
        if (batch.size() == BATCH) {
          HitRepository.ImportedLines r = repository.importAll(batch);
          inserted += r.inserted();
          present += r.present();
          rejected += differing(err, rejected, r, origin);
          batch.clear();
        }
      }
    }
    HitRepository.ImportedLines r = repository.importAll(batch);
    inserted += r.inserted();
    present += r.present();
    rejected += differing(err, rejected, r, origin);
    if (inserted + present == 0
        && rejected > 0
        && firstLine != null
        && firstLine.stripLeading().startsWith("{")) {
      err.println(
          file
              + ": this looks like a JSON log; import-log reads the common and combined text formats");
    }
    if (rejected > MAX_REPORTED) {
      err.println(
          file
              + ": ... and "
              + CountText.of(rejected - MAX_REPORTED, "more rejected line", "more rejected lines"));
    }
    err.flush();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "%s: %s, %s imported, %d already present, %d rejected%n",
        file,
        CountText.of(lines, "line", "lines"),
        CountText.of(inserted, "hit", "hits"),
        present,
        rejected);
    out.flush();
    return rejected == 0 ? 0 : 1;
  }

  private void report(PrintWriter err, int rejected, int lineNumber, String problem) {
    if (rejected <= MAX_REPORTED) {
      err.println(file + ":" + lineNumber + ": " + problem);
    }
  }

  /** Reports lines an earlier import stored with other content; returns how many. */
  private int differing(
      PrintWriter err, int rejectedBefore, HitRepository.ImportedLines r, String origin) {
    int n = 0;
    String earlier = origin.substring(0, origin.lastIndexOf('#'));
    for (int line : r.differing()) {
      n++;
      report(
          err,
          rejectedBefore + n,
          line,
          "differs from line "
              + line
              + " of "
              + earlier
              + ", imported before with the same first line: another log, not imported"
              + " (give it a first line of its own, or import it into another --db)");
    }
    return n;
  }

  private static AccessLogLines lines(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException(file + ": is a directory, not an access log");
    }
    if (file.toString().equals("-") || (Files.exists(file) && !Files.isRegularFile(file))) {
      // the log is read twice: its first line names it (see origin), then every line
      throw new IOException(
          file
              + ": not a regular file; import-log reads the log twice (its first line identifies"
              + " it, so importing it again adds only new lines): write it to a file first");
    }
    try {
      InputStream in = new BufferedInputStream(Files.newInputStream(file));
      in.mark(4);
      byte[] head = in.readNBytes(4);
      in.reset();
      int b0 = head.length > 0 ? head[0] & 0xff : -1;
      int b1 = head.length > 1 ? head[1] & 0xff : -1;
      if (b0 == 0x1f && b1 == 0x8b) {
        in.close();
        throw new IOException(
            file + ": is gzip-compressed; decompress it first (zcat " + file + " > FILE)");
      }
      boolean utf16 = (b0 == 0xff && b1 == 0xfe) || (b0 == 0xfe && b1 == 0xff);
      boolean nul = false;
      for (byte b : head) {
        nul |= b == 0;
      }
      if (utf16 || nul) {
        // httpd and nginx write bytes, UTF-8 where they are text: a log in UTF-16 (saved by a
        // Windows tool) would have every line rejected as having no time field
        in.close();
        throw new IOException(
            file
                + ": not UTF-8 text ("
                + (utf16 ? "UTF-16, by its byte order mark" : "it has NUL bytes: UTF-16 or binary")
                + "); access logs are read as UTF-8: convert it first (iconv -f UTF-16 -t UTF-8 "
                + file
                + " > FILE)");
      }
      return new AccessLogLines(in);
    } catch (NoSuchFileException e) {
      throw new IOException(file + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw new IOException(file + ": cannot read: permission denied", e);
    }
  }

  /**
   * Where the log's hits are recorded as coming from: the absolute path it was first imported from
   * and a digest of its first line. The digest is the log's identity: a log that grows keeps it, so
   * importing it again adds only new lines, also under another path (a symlink, the rotated {@code
   * access_log.1}); a new log with the same name gets a new one.
   */
  static String origin(Path file, HitRepository repository) throws IOException {
    String first;
    try (AccessLogLines in = lines(file)) {
      AccessLogLines.Line line = in.next();
      first = line == null || line.overCap() ? "" : line.text();
    }
    String digest;
    try {
      byte[] sha =
          MessageDigest.getInstance("SHA-256").digest(first.getBytes(StandardCharsets.UTF_8));
      digest = "#" + HexFormat.of().formatHex(sha, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    String earlier = repository.originEndingWith(digest);
    return earlier != null ? earlier : file.toAbsolutePath().normalize() + digest;
  }
}
