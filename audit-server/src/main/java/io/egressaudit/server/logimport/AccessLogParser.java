package io.egressaudit.server.logimport;

import io.egressaudit.correlator.SourceIp;
import io.egressaudit.server.http.RequestTarget;
import io.egressaudit.sql.HitRecord;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one line of an httpd or nginx access log into a hit, with the log's own timestamp and time
 * zone. The first field must be the client address ({@code %h} with {@code HostnameLookups Off},
 * nginx's {@code $remote_addr}); a host name there is refused, since attribution needs the source
 * IP.
 */
public final class AccessLogParser {

  private static final Pattern COMMON =
      Pattern.compile(
          "^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] \"((?:[^\"\\\\]|\\\\.)*)\" (\\d{3}|-) (\\d+|-)");
  private static final Pattern QUOTED = Pattern.compile("\\s+\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final DateTimeFormatter CLF_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);

  private final AccessLogFormat format;
  private final String origin;

  /**
   * @param format the log format
   * @param origin the name stored with every hit as where it came from (the file name)
   */
  public AccessLogParser(AccessLogFormat format, String origin) {
    this.format = format;
    this.origin = origin;
  }

  /**
   * Parses a line.
   *
   * @param line the text without its line break
   * @param lineNumber 1-based, stored with the hit so a second import of the same file adds nothing
   * @return the hit
   * @throws BadLogLineException naming the field that is wrong
   */
  public HitRecord parse(String line, int lineNumber) {
    Matcher m = COMMON.matcher(line);
    if (!m.find()) {
      throw new BadLogLineException(
          lineNumber,
          "not in "
              + format
              + " log format (expected: HOST IDENT USER [TIME] \"REQUEST\" STATUS BYTES"
              + (format == AccessLogFormat.combined ? " \"REFERER\" \"USER-AGENT\")" : ")"));
    }
    String ip =
        SourceIp.parse(m.group(1))
            .orElseThrow(
                () ->
                    new BadLogLineException(
                        lineNumber,
                        "client address '" + cut(m.group(1)) + "' is not an IP address"));
    long at;
    try {
      at = OffsetDateTime.parse(m.group(4), CLF_TIME).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new BadLogLineException(
          lineNumber, "time '" + cut(m.group(4)) + "' is not like 25/Nov/2021:07:50:45 -0500");
    }
    String request = unescape(m.group(5));
    String method = null;
    String path = null;
    String version = null;
    String[] parts = request.split(" ");
    if (parts.length == 3 && parts[2].startsWith("HTTP/")) {
      method = parts[0];
      path = parts[1];
      version = parts[2];
    } else if (!request.equals("-")) {
      path = request;
    }
    String userAgent = null;
    if (format == AccessLogFormat.combined) {
      Matcher q = QUOTED.matcher(line);
      q.region(m.end(), line.length());
      if (!q.lookingAt()) {
        throw new BadLogLineException(lineNumber, "missing \"REFERER\" field of combined format");
      }
      int end = q.end();
      q.region(end, line.length());
      if (!q.lookingAt()) {
        throw new BadLogLineException(
            lineNumber, "missing \"USER-AGENT\" field of combined format");
      }
      userAgent = unescape(q.group(1));
      if (userAgent.equals("-")) {
        userAgent = null;
      }
    }
    return new HitRecord(
        at,
        ip,
        null,
        null,
        method,
        path,
        null,
        userAgent,
        RequestTarget.probeId(path),
        null,
        version,
        origin,
        lineNumber);
  }

  private static String unescape(String s) {
    return s.indexOf('\\') < 0 ? s : s.replace("\\\"", "\"").replace("\\\\", "\\");
  }

  private static String cut(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
