package io.egressaudit.server.cli;

import io.egressaudit.controller.ClusterStateFile;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.SourceIp;
import io.egressaudit.probes.PolicyFile;
import io.egressaudit.probes.PolicyFileException;
import io.egressaudit.probes.ReportSpec;
import io.egressaudit.server.HostPort;
import io.egressaudit.server.TimeArg;
import io.egressaudit.server.http.ForwardedHeader;
import io.egressaudit.server.http.ListenerTransport;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The option types of the command line, read by picocli before a command runs: a wrong value is a
 * usage error (exit 2) naming the option, and the command gets typed values. Each message says what
 * the value should look like; picocli puts the option's name in front.
 */
final class Converters {

  private Converters() {}

  /** {@code HOST:PORT}, {@code [IPV6]:PORT}, {@code :PORT} or {@code PORT}. */
  static final class Address implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      try {
        return HostPort.parse(value, "address");
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(afterPrefix(e.getMessage()));
      }
    }
  }

  /**
   * A duration: a number and {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} ({@code 30s},
   * {@code 90d}), or a bare number of seconds; no longer than the time since 1970 ({@link
   * TimeArg#notBefore1970}), so that a cutoff it puts back from now ({@code prune --older-than},
   * {@code serve --retention}) is never before 1970 and no timeout overflows.
   */
  static class DurationValue implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.strip();
      if (v.startsWith("-") && v.length() > 1) {
        throw new TypeConversionException(
            "'" + value + "' is negative: a duration has no sign (write " + v.substring(1) + ")");
      }
      Duration d;
      if (!v.isEmpty() && v.length() <= 9 && v.chars().allMatch(Character::isDigit)) {
        d = Duration.ofSeconds(Long.parseLong(v));
      } else {
        try {
          d = TimeArg.duration(v, "duration");
        } catch (IllegalArgumentException e) {
          throw new TypeConversionException(
              "'"
                  + value
                  + "' is not a duration (use a number and ms, s, m, h or d, like 30s, 500ms or"
                  + " 2m; a bare number is seconds)");
        }
      }
      try {
        return TimeArg.notBefore1970(d, TimeArg.now(), value, "duration");
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(afterPrefix(e.getMessage()));
      }
    }
  }

  /** A duration as {@link DurationValue} reads it, and more than zero. */
  static final class PositiveDuration extends DurationValue {
    @Override
    public Duration convert(String value) {
      Duration d = super.convert(value);
      if (d.isZero()) {
        throw new TypeConversionException("'" + value + "' is zero; it must be more");
      }
      return d;
    }
  }

  /**
   * How long one pod exec may take ({@code probe}, {@code drill failover --exec-timeout}): as
   * {@link DurationValue}, and at least 2 s, since curl and wget get one second less.
   */
  static final class ExecTimeout extends DurationValue {
    @Override
    public Duration convert(String value) {
      Duration d = super.convert(value);
      if (d.compareTo(Duration.ofSeconds(2)) < 0) {
        throw new TypeConversionException(
            "'" + value + "' is less than 2s, the least an exec may take (curl gets 1s less)");
      }
      return d;
    }
  }

  /**
   * The time a connection has to send a complete request ({@code serve --request-timeout}): as
   * {@link DurationValue}, and at least 1 s, the period of the sweep that closes slow connections.
   */
  static final class RequestTimeout extends DurationValue {
    @Override
    public Duration convert(String value) {
      Duration d = super.convert(value);
      if (d.toSeconds() < 1) {
        throw new TypeConversionException(
            "'"
                + value
                + "' is less than 1s, the period of the sweep that closes slow connections");
      }
      return d;
    }
  }

  /**
   * A count of at least 1 ({@code --parallel}, {@code --settle}, {@code --queue}, {@code --batch},
   * {@code --max-connections}).
   */
  static final class AtLeastOne implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long n = wholeNumber(value, Integer.MAX_VALUE);
      if (n < 1) {
        throw new TypeConversionException("'" + value + "' is less than 1");
      }
      return (int) n;
    }
  }

  /** {@code hits --limit}: 1 to {@link io.egressaudit.server.AuditQueries#MAX_LIMIT}. */
  static final class HitLimit implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long n = wholeNumber(value, Long.MAX_VALUE / 2);
      int max = io.egressaudit.server.AuditQueries.MAX_LIMIT;
      if (n < 1 || n > max) {
        throw new TypeConversionException("'" + value + "' is not between 1 and " + max);
      }
      return (int) n;
    }
  }

  /**
   * {@code cluster import --source}: a name for where a dump came from, kept in history and shown
   * by {@code clusters}: not empty, at most 200 characters, no control characters.
   */
  static final class SourceName implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String v = value.strip();
      if (v.isEmpty()) {
        throw new TypeConversionException("the source name is empty");
      }
      if (v.length() > 200) {
        throw new TypeConversionException("the source name is longer than 200 characters");
      }
      if (v.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f))) {
        throw new TypeConversionException("the source name has a control character");
      }
      return v;
    }
  }

  /** A count of 0 or more ({@code serve --event-loops}, where 0 means one per core). */
  static final class NotNegative implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long n = wholeNumber(value, Integer.MAX_VALUE);
      if (n < 0) {
        throw new TypeConversionException("'" + value + "' is negative");
      }
      return (int) n;
    }
  }

  /** A number of microseconds, 0 or more ({@code serve --batch-delay}). */
  static final class Micros implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      long n = wholeNumber(value, Long.MAX_VALUE);
      if (n < 0) {
        throw new TypeConversionException("'" + value + "' is negative");
      }
      return n;
    }
  }

  /** A whole number up to {@code max}, in either sign. */
  private static long wholeNumber(String value, long max) {
    long n;
    try {
      n = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a whole number");
    }
    if (n > max || n < -max) {
      throw new TypeConversionException("'" + value + "' is too large");
    }
    return n;
  }

  /**
   * A time: RFC 3339, epoch seconds or milliseconds, or a duration back from now ({@code 15m},
   * {@code 7d}), as {@link TimeArg#parse} reads it, counted back from the moment the option is
   * read.
   */
  static final class Time implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return TimeArg.parse(value, TimeArg.now(), "time");
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(afterPrefix(e.getMessage()));
      }
    }
  }

  /**
   * A time history is written from ({@code cluster import --at}): as {@link Time}, and no later
   * than now plus {@link TimeArg#MAX_FUTURE_SKEW}.
   */
  static final class TimeNotInTheFuture implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return TimeArg.parseNotInTheFuture(value, TimeArg.now(), "time");
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(afterPrefix(e.getMessage()));
      }
    }
  }

  private static final Pattern SIZE =
      Pattern.compile("(\\d{1,15})([KMGT]i?B?)?", Pattern.CASE_INSENSITIVE);

  /** A size in bytes: {@code 65536}, {@code 512K}, {@code 500M}, {@code 20G} (binary units). */
  static final class Size implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      Matcher m = SIZE.matcher(value.strip());
      if (!m.matches()) {
        throw new TypeConversionException("'" + value + "' is not a size (like 65536, 500M, 20G)");
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1).toUpperCase(Locale.ROOT);
      int shift =
          switch (unit) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
          };
      if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
        throw new TypeConversionException("'" + value + "' is too large");
      }
      return n << shift;
    }
  }

  /** {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}. */
  static final class Transport implements ITypeConverter<ListenerTransport> {
    @Override
    public ListenerTransport convert(String value) {
      try {
        return ListenerTransport.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code x-forwarded-for} or {@code forwarded}. */
  static final class Forwarded implements ITypeConverter<ForwardedHeader> {
    @Override
    public ForwardedHeader convert(String value) {
      try {
        return ForwardedHeader.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code full} or {@code normal}, in any case. */
  static final class Durability implements ITypeConverter<Database.Durability> {
    @Override
    public Database.Durability convert(String value) {
      return switch (value.strip().toLowerCase(Locale.ROOT)) {
        case "full" -> Database.Durability.FULL;
        case "normal" -> Database.Durability.NORMAL;
        default -> throw new TypeConversionException("'" + value + "' is not full or normal");
      };
    }
  }

  /**
   * An http(s) URL with a host ({@code probe --target}, {@code --api}): {@code
   * http://192.168.126.1:8080}. A value without a scheme, such as {@code 127.0.0.1:9090}, is
   * refused with the URL it most likely means ({@code http://127.0.0.1:9090}) rather than the URI
   * parser's words ("Illegal character in scheme name").
   */
  static class HttpUrl implements ITypeConverter<URI> {
    @Override
    public URI convert(String value) {
      URI u;
      try {
        u = new URI(value);
      } catch (URISyntaxException e) {
        if (value.contains("://")) {
          // a URL with a wrong character: the parser's words say which and where
          throw new TypeConversionException("'" + value + "' is not a URL: " + e.getReason());
        }
        u = null;
      }
      if (u == null
          || u.getScheme() == null
          || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
          || u.getHost() == null) {
        String v = value.strip();
        String example =
            !v.isEmpty() && !v.contains("://") && !v.contains(" ")
                ? "http://" + v
                : "http://192.168.126.1:8080";
        throw new TypeConversionException(
            "'" + value + "' must be an http(s) URL such as " + example);
      }
      return u;
    }
  }

  /**
   * {@code drill failover --trigger}: {@code none} or {@code unlabel}, in any case; refused in the
   * words of the command line (picocli's own message lists the enum's upper-case names).
   */
  static final class DrillTrigger
      implements ITypeConverter<io.egressaudit.probes.drill.FailoverDrill.Trigger> {
    @Override
    public io.egressaudit.probes.drill.FailoverDrill.Trigger convert(String value) {
      for (var t : io.egressaudit.probes.drill.FailoverDrill.Trigger.values()) {
        if (t.name().equalsIgnoreCase(value.strip())) {
          return t;
        }
      }
      throw new TypeConversionException("'" + value + "' is not a trigger: use none or unlabel");
    }
  }

  /**
   * {@code FORMAT:FILE} of a machine report: {@code junit:probe.xml} or {@code json:probe.json}.
   */
  static final class Report implements ITypeConverter<ReportSpec> {
    @Override
    public ReportSpec convert(String value) {
      ReportSpec spec;
      try {
        spec = ReportSpec.parse(value);
      } catch (IllegalArgumentException e) {
        // ReportSpec names the option itself; picocli puts it in front already
        String m = e.getMessage();
        throw new TypeConversionException(m.startsWith("--report ") ? m.substring(9) : m);
      }
      writable(value, spec.file());
      return spec;
    }

    /**
     * The report is written at the end of a run, into a temporary file beside it, creating missing
     * directories: the nearest directory that exists must take a file now, so a run of minutes does
     * not end in a usage error. Tried with a temporary file, removed at once, since a permission
     * check says nothing for root on a read-only or virtual file system.
     */
    private static void writable(String value, Path file) {
      Path absolute;
      try {
        absolute = file.toAbsolutePath();
      } catch (java.io.IOError | SecurityException e) {
        throw new TypeConversionException("'" + value + "': " + e.getMessage());
      }
      if (Files.isDirectory(absolute)) {
        throw new TypeConversionException("'" + value + "': " + file + " is a directory");
      }
      Path dir = absolute.getParent();
      while (dir != null && !Files.exists(dir)) {
        dir = dir.getParent();
      }
      if (dir == null) {
        throw new TypeConversionException("'" + value + "': no directory to write it in");
      }
      if (!Files.isDirectory(dir)) {
        throw new TypeConversionException("'" + value + "': " + dir + " is not a directory");
      }
      try {
        Files.delete(Files.createTempFile(dir, ".egress-audit-report", ".tmp"));
      } catch (java.nio.file.AccessDeniedException e) {
        throw new TypeConversionException(
            "'" + value + "': cannot write in directory " + dir + " (permission denied)");
      } catch (java.nio.file.FileSystemException e) {
        throw new TypeConversionException(
            "'"
                + value
                + "': cannot write in directory "
                + dir
                + " ("
                + (e.getReason() != null ? e.getReason() : e.getMessage())
                + ")");
      } catch (java.io.IOException e) {
        throw new TypeConversionException(
            "'" + value + "': cannot write in directory " + dir + " (" + e.getMessage() + ")");
      }
    }
  }

  /**
   * A probe policy file ({@code probe --policy}), loaded as the option is read; its errors name the
   * file, the line and the field ({@link PolicyFileException}).
   */
  static final class Policy implements ITypeConverter<PolicyOption> {
    @Override
    public PolicyOption convert(String value) {
      Path file = Path.of(value);
      try {
        return new PolicyOption(file, PolicyFile.load(file));
      } catch (PolicyFileException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * A source IP literal (IPv4, IPv6, {@code ::ffff:a.b.c.d}), read as its canonical text ({@link
   * SourceIp#canonical}). An IPv6 zone ({@code fe80::1%eth0}) is refused in the API's words: it
   * names an interface of the host that wrote it, no hit's source IP has one, and dropping it would
   * answer for another address without saying so.
   */
  static final class SourceIpText implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (value.indexOf('%') >= 0) {
        throw new TypeConversionException(
            "'" + value + "' has a zone (%...): a source IP has none; leave the zone out");
      }
      try {
        return SourceIp.canonical(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * A source IP literal as {@link SourceIpText} reads it, or a network of source IPs in CIDR
   * notation ({@code 10.0.0.0/24}, {@code 2001:db8::/64}), read as its canonical text ({@link
   * io.egressaudit.server.SourceIpPrefix#canonical}).
   */
  static final class SourceIpOrNetwork implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!io.egressaudit.server.SourceIpPrefix.isCidr(value)) {
        return new SourceIpText().convert(value);
      }
      try {
        return io.egressaudit.server.SourceIpPrefix.parse(value).canonical();
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * The IP of a command that answers for one source IP ({@code whois}, {@code timeline}): a source
   * IP literal as {@link SourceIpText} reads it, or a CIDR as the user wrote it, stripped, for the
   * command to refuse with a pointer to {@code hits --ip} ({@link WhoisCommand#networkIsNotOneIp});
   * a network with bits past its prefix ({@code 10.0.0.1/24}) is kept too, since that pointer names
   * the network meant. A text with a {@code /} that is no CIDR is refused here.
   */
  static final class SourceIpOrTypedNetwork implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!io.egressaudit.server.SourceIpPrefix.isCidr(value)) {
        return new SourceIpText().convert(value);
      }
      try {
        io.egressaudit.server.SourceIpPrefix.enclosing(value);
        return value.strip();
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * An attribution kind by its wire name: {@code egress-ip}, {@code egress-ip-unassigned}, {@code
   * node}, {@code pod} or {@code unknown}.
   */
  static final class Kind implements ITypeConverter<AttributionKind> {
    @Override
    public AttributionKind convert(String value) {
      try {
        return AttributionKind.fromWireName(value.strip());
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'" + value + "' is not a kind (" + AttributionKind.wireNames() + ")");
      }
    }
  }

  /**
   * A trusted proxy's network: a CIDR such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}, or one
   * address; kept as text for {@link TrustedProxies#of}, which reads it the same way.
   */
  static final class TrustedProxy implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        TrustedProxies.of(List.of(value));
        return value;
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(afterPrefix(e.getMessage()));
      }
    }
  }

  /**
   * {@code [NAME=]FILE} of {@code serve --cluster-state}; the cluster is {@code default} without
   * NAME.
   */
  static final class ClusterState implements ITypeConverter<ClusterStateOption> {
    @Override
    public ClusterStateOption convert(String value) {
      int eq = value.indexOf('=');
      String name = eq > 0 ? value.substring(0, eq) : "default";
      String file = eq > 0 ? value.substring(eq + 1) : value;
      String problem = ClusterNameConverter.problem(name);
      if (problem != null) {
        throw new TypeConversionException("--cluster-state: " + problem);
      }
      if (file.isBlank()) {
        throw new TypeConversionException(
            "'" + value + "': no FILE (expected [NAME=]FILE, such as prod=prod.yaml)");
      }
      Path path;
      try {
        path = Path.of(file);
      } catch (InvalidPathException e) {
        throw new TypeConversionException("'" + value + "': " + e.getMessage());
      }
      // serve reads the file again when its modification time changes: a pipe cannot be
      if (file.equals(ClusterStateFile.STANDARD_INPUT)
          || (Files.exists(path) && !Files.isRegularFile(path))) {
        throw new TypeConversionException(
            "'"
                + value
                + "': "
                + file
                + " is not a regular file; serve reads the file again whenever it changes, so"
                + " write the dump to a file (kubectl get ... -o yaml > FILE), or record a pipe"
                + " once with 'egress-audit cluster import'");
      }
      return new ClusterStateOption(name, path);
    }
  }

  /** The message of a parser that names its option first ({@code what: ...}), without the name. */
  private static String afterPrefix(String message) {
    int colon = message.indexOf(": ");
    return colon < 0 ? message : message.substring(colon + 2);
  }
}
