package io.egressaudit.server.cli;

import io.egressaudit.server.logimport.AccessLogFormat;
import io.egressaudit.server.logimport.AccessLogParser;
import io.egressaudit.server.logimport.BadLogLineException;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
      "Bad lines are reported by line number and skipped; good lines are imported. Importing the same"
          + " file again adds only lines not imported before."
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
      paramLabel = "combined|common",
      defaultValue = "combined",
      description = "Log format. Default: ${DEFAULT-VALUE}.")
  AccessLogFormat format;

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    HitRepository repository = new HitRepository(db.database());
    String origin = origin(file);
    AccessLogParser parser = new AccessLogParser(format, origin);
    int lines = 0;
    int rejected = 0;
    int parsed = 0;
    int inserted = 0;
    List<HitRecord> batch = new ArrayList<>(BATCH);
    String firstLine = null;
    try (BufferedReader in = reader(file)) {
      String line;
      while ((line = in.readLine()) != null) {
        lines++;
        if (firstLine == null) {
          firstLine = line;
        }
        if (line.isBlank()) {
          continue;
        }
        try {
          batch.add(parser.parse(line, lines));
          parsed++;
        } catch (BadLogLineException e) {
          rejected++;
          if (rejected <= MAX_REPORTED) {
            err.println(file + ":" + e.lineNumber() + ": " + e.getMessage());
          }
        }
        if (batch.size() == BATCH) {
          inserted += repository.insertAll(batch);
          batch.clear();
        }
      }
    }
    inserted += repository.insertAll(batch);
    if (parsed == 0
        && rejected > 0
        && firstLine != null
        && firstLine.stripLeading().startsWith("{")) {
      err.println(
          file
              + ": this looks like a JSON log; import-log reads the common and combined text formats");
    }
    if (rejected > MAX_REPORTED) {
      err.println(file + ": ... and " + (rejected - MAX_REPORTED) + " more rejected lines");
    }
    err.flush();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "%s: %d %s, %d hits imported, %d already present, %d rejected%n",
        file, lines, lines == 1 ? "line" : "lines", inserted, parsed - inserted, rejected);
    out.flush();
    return rejected == 0 ? 0 : 1;
  }

  private static BufferedReader reader(Path file) throws IOException {
    try {
      var decoder =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPLACE)
              .onUnmappableCharacter(CodingErrorAction.REPLACE);
      return new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder));
    } catch (NoSuchFileException e) {
      throw new IOException(file + ": no such file");
    }
  }

  /**
   * The file's absolute path and a hash of its first line: a log that grows keeps its origin, so
   * importing it again adds only new lines; a rotated log with the same name gets a new one.
   */
  static String origin(Path file) throws IOException {
    String first;
    try (BufferedReader in = reader(file)) {
      first = in.readLine();
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((first == null ? "" : first).getBytes(StandardCharsets.UTF_8));
      return file.toAbsolutePath().normalize() + "#" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
