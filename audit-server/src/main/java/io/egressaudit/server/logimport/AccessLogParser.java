package io.egressaudit.server.logimport;

import io.egressaudit.correlator.SourceIp;
import io.egressaudit.server.http.RequestTarget;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.HitRecord;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns one line of an httpd or nginx access log into a hit, with the log's own timestamp and time
 * zone. The client address field ({@code %h} with {@code HostnameLookups Off}, nginx's {@code
 * $remote_addr}) must be an IP address; a host name there is refused, since attribution needs the
 * source IP.
 *
 * <p>The line is read field by field in one pass, in time linear in its length (a regular
 * expression over quoted fields recursed once per character and overflowed the stack on request
 * lines of a few thousand characters).
 */
public final class AccessLogParser {

  /**
   * httpd's and nginx's {@code %t}, read strictly: a day the month does not have ({@code 31/Feb})
   * or an hour 24 is refused, not moved to the nearest real time ({@code uuuu}, since STRICT needs
   * an era with {@code yyyy}).
   */
  private static final DateTimeFormatter CLF_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/uuuu:HH:mm:ss Z", Locale.ENGLISH)
          .withResolverStyle(ResolverStyle.STRICT);

  /** The month names httpd ({@code apr_month_snames}) and nginx write, whatever the locale. */
  private static final Set<String> MONTHS =
      Set.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");

  private final AccessLogFormat format;
  private final String origin;
  private final TrustedProxies trustedProxies;

  /**
   * @param format the log format
   * @param origin the name stored with every hit as where it came from (the file name)
   * @param trustedProxies logged clients whose forwarded-for field names the real client ({@code
   *     import-log --trusted-proxy}); from any other client that field is only a claim
   */
  public AccessLogParser(AccessLogFormat format, String origin, TrustedProxies trustedProxies) {
    this.format = format;
    this.origin = origin;
    this.trustedProxies = trustedProxies;
  }

  /** A parser that trusts no forwarded-for field. */
  public AccessLogParser(AccessLogFormat format, String origin) {
    this(format, origin, TrustedProxies.NONE);
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
    Fields f = new Fields(line, lineNumber);
    String vhost = null;
    if (format == AccessLogFormat.vhost_combined) {
      vhost = f.word("%v:%p");
    } else {
      refuseVhostCombined(line, lineNumber);
    }
    String client = f.word("client address");
    f.word("ident");
    f.word("user");
    String time = f.bracketed("time");
    String request = f.quoted("REQUEST");
    f.word("status");
    f.word("bytes");
    String userAgent = null;
    String forwardedFor = null;
    if (format == AccessLogFormat.common) {
      f.refuseMore();
    } else {
      if (format == AccessLogFormat.combined) {
        f.refuseEnd();
      }
      f.quoted("REFERER");
      userAgent = dash(f.quoted("USER-AGENT"));
      if (f.atQuote()) {
        forwardedFor = dash(f.quoted("forwarded-for"));
      }
    }
    String ip =
        SourceIp.parse(client)
            .orElseThrow(
                () ->
                    new BadLogLineException(
                        lineNumber, "client address '" + cut(client) + "' is not an IP address"));
    long at = time(time, lineNumber);
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
    String source = ip;
    String peer = null;
    if (forwardedFor != null) {
      String forwardedClient = trustedProxies.clientOf(ip, List.of(forwardedFor), List.of());
      if (forwardedClient != null) {
        source = forwardedClient;
        peer = ip;
      }
    }
    return new HitRecord(
        at,
        source,
        null,
        null,
        method,
        path,
        vhost,
        userAgent,
        RequestTarget.probeId(path),
        forwardedFor,
        version,
        origin,
        lineNumber,
        peer);
  }

  /**
   * A {@code vhost_combined} line read as combined or common: {@code host:port} where the client
   * address belongs, then an IP address. Named, so the user knows which {@code --format} to give.
   */
  private void refuseVhostCombined(String line, int lineNumber) {
    int sp = line.indexOf(' ');
    if (sp <= 0) {
      return;
    }
    String first = line.substring(0, sp);
    int colon = first.lastIndexOf(':');
    if (colon <= 0 || SourceIp.parse(first).isPresent()) {
      return;
    }
    int sp2 = line.indexOf(' ', sp + 1);
    String second = line.substring(sp + 1, sp2 < 0 ? line.length() : sp2);
    if (first.substring(colon + 1).chars().allMatch(Character::isDigit)
        && SourceIp.parse(second).isPresent()) {
      throw new BadLogLineException(
          lineNumber,
          "'"
              + cut(first)
              + "' where the client address belongs, then the address "
              + cut(second)
              + ": this is httpd's vhost_combined format (%v:%p first); import it with --format"
              + " vhost_combined");
    }
  }

  private static long time(String time, int lineNumber) {
    try {
      return OffsetDateTime.parse(time, CLF_TIME).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      if (e.getCause() instanceof DateTimeException impossible) {
        // the fields are all there but name no real time: 31/Feb, hour 24
        throw new BadLogLineException(
            lineNumber,
            "time '" + cut(time) + "' is not a real date and time: " + impossible.getMessage());
      }
      int a = time.indexOf('/');
      int b = a < 0 ? -1 : time.indexOf('/', a + 1);
      if (b > a + 1) {
        String month = time.substring(a + 1, b);
        if (!MONTHS.contains(month)) {
          throw new BadLogLineException(
              lineNumber,
              "time '"
                  + cut(time)
                  + "': month '"
                  + cut(month)
                  + "' is not one of the English abbreviations Jan..Dec that httpd and nginx write"
                  + " (was the log rewritten in another language?)");
        }
      }
      throw new BadLogLineException(
          lineNumber, "time '" + cut(time) + "' is not like 25/Nov/2021:07:50:45 -0500");
    }
  }

  private static String dash(String field) {
    return field.equals("-") ? null : field;
  }

  static String cut(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  /** A cursor over the fields of one line, separated by single or repeated spaces. */
  private final class Fields {
    private final String line;
    private final int lineNumber;
    private int pos;

    Fields(String line, int lineNumber) {
      this.line = line;
      this.lineNumber = lineNumber;
    }

    private void skipSpaces() {
      while (pos < line.length() && line.charAt(pos) == ' ') {
        pos++;
      }
    }

    /** A field up to the next space. */
    String word(String name) {
      skipSpaces();
      int start = pos;
      while (pos < line.length() && line.charAt(pos) != ' ') {
        pos++;
      }
      if (pos == start) {
        throw missing(name);
      }
      return line.substring(start, pos);
    }

    /** A {@code [...]} field. */
    String bracketed(String name) {
      skipSpaces();
      if (pos >= line.length() || line.charAt(pos) != '[') {
        throw missing(name);
      }
      int close = line.indexOf(']', pos);
      if (close < 0) {
        throw missing(name);
      }
      String v = line.substring(pos + 1, close);
      pos = close + 1;
      return v;
    }

    /**
     * In common format the line ends after BYTES. A quoted field there is combined's referer: said,
     * since importing it as common would drop the user agent for good (a second import of the same
     * lines adds nothing).
     */
    void refuseMore() {
      skipSpaces();
      if (pos >= line.length()) {
        return;
      }
      if (line.charAt(pos) == '"') {
        throw new BadLogLineException(
            lineNumber,
            "more fields after BYTES at character "
                + (pos + 1)
                + " (\"REFERER\" \"USER-AGENT\"?): this looks like combined log format; import it"
                + " with --format combined");
      }
      throw new BadLogLineException(
          lineNumber,
          "not in common log format: more fields after BYTES at character "
              + (pos + 1)
              + " (expected: HOST IDENT USER [TIME] \"REQUEST\" STATUS BYTES)");
    }

    /** In combined formats a line that ends after BYTES is a common-format line: said. */
    void refuseEnd() {
      skipSpaces();
      if (pos >= line.length()) {
        throw new BadLogLineException(
            lineNumber,
            "line ends after BYTES, with no \"REFERER\" \"USER-AGENT\": this looks like common"
                + " log format; import it with --format common");
      }
    }

    boolean atQuote() {
      skipSpaces();
      return pos < line.length() && line.charAt(pos) == '"';
    }

    /** A {@code "..."} field with httpd's and nginx's escapes undone ({@link LoggedText}). */
    String quoted(String name) {
      if (!atQuote()) {
        throw missing(name);
      }
      int i = pos + 1;
      while (i < line.length()) {
        char c = line.charAt(i);
        if (c == '"') {
          String v = LoggedText.unescape(line.substring(pos + 1, i));
          pos = i + 1;
          return v;
        }
        i += c == '\\' && i + 1 < line.length() ? 2 : 1;
      }
      throw new BadLogLineException(lineNumber, "\"" + name + "\" field has no closing quote");
    }

    private BadLogLineException missing(String name) {
      return new BadLogLineException(
          lineNumber,
          "not in "
              + format
              + " log format: no "
              + name
              + " field at character "
              + (pos + 1)
              + " (expected: "
              + (format == AccessLogFormat.vhost_combined ? "VHOST:PORT " : "")
              + "HOST IDENT USER [TIME] \"REQUEST\" STATUS BYTES"
              + (format == AccessLogFormat.common ? ")" : " \"REFERER\" \"USER-AGENT\")"));
    }
  }
}
