package io.egressaudit.server.cli;

import io.egressaudit.server.HostPort;
import io.egressaudit.server.TimeArg;
import io.egressaudit.server.http.ForwardedHeader;
import io.egressaudit.server.http.ListenerTransport;
import io.egressaudit.sql.Database;
import java.time.Duration;
import java.time.Instant;
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
   * {@code 90d}), or a bare number of seconds.
   */
  static final class DurationValue implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.strip();
      if (!v.isEmpty() && v.length() <= 9 && v.chars().allMatch(Character::isDigit)) {
        return Duration.ofSeconds(Long.parseLong(v));
      }
      try {
        return TimeArg.duration(v, "duration");
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(afterPrefix(e.getMessage()));
      }
    }
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

  /** The message of a parser that names its option first ({@code what: ...}), without the name. */
  private static String afterPrefix(String message) {
    int colon = message.indexOf(": ");
    return colon < 0 ? message : message.substring(colon + 2);
  }
}
