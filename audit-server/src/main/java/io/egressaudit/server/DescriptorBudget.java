package io.egressaudit.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shares the process's file descriptors ({@code RLIMIT_NOFILE}) so that connections to the API can
 * never take those the hit listener needs: a reserve for the JVM, the database and the event loops;
 * then the hit listener's {@code --max-connections} per listen address; the API gets what is left,
 * up to its own cap. When the limit is too low for that, the caps are lowered to fit, the hit
 * listener's last, and the server says so.
 *
 * <p>The soft limit is the one that counts. On Linux, HotSpot raises it to the hard limit at start
 * ({@code -XX:+MaxFDLimit}, on by default), so Java needs no native code for it: {@link #read}
 * reports both, and a soft limit still below the hard one means the JVM was told not to.
 */
public final class DescriptorBudget {

  /** Connections the API keeps at least, when it has to give way to the hit listener. */
  public static final int API_MIN = 16;

  private DescriptorBudget() {}

  /**
   * The process's descriptor limits.
   *
   * @param soft the soft limit, which {@code open} and {@code accept} are held to; -1 when unknown
   * @param hard the hard limit, the most the soft limit may be raised to; -1 when unknown, {@link
   *     Long#MAX_VALUE} when unlimited
   */
  public record Limits(long soft, long hard) {

    /** True when the soft limit is known to be below the hard one. */
    public boolean softBelowHard() {
      return soft >= 0 && hard >= 0 && soft < hard;
    }
  }

  /**
   * How many connections each listener may hold.
   *
   * @param listenerConnections open connections per hit listener address at most
   * @param apiConnections open API connections at most
   * @param reserve descriptors kept for everything else (JVM, jar, database files, event loops,
   *     cluster watches), or 0 when the limit is unknown
   * @param lowered true when either cap is below what was asked for
   */
  public record Plan(int listenerConnections, int apiConnections, long reserve, boolean lowered) {}

  /**
   * Reads the limits: the soft one from the JVM ({@code UnixOperatingSystemMXBean}), the hard one
   * from {@code /proc/self/limits} (Linux).
   */
  public static Limits read() {
    long soft = -1;
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof UnixOperatingSystemMXBean unix) {
      soft = unix.getMaxFileDescriptorCount();
    }
    return new Limits(soft, hardLimit(Path.of("/proc/self/limits")));
  }

  /**
   * The hard {@code Max open files} of a {@code /proc/PID/limits} file; -1 when it cannot be read,
   * {@link Long#MAX_VALUE} for {@code unlimited}.
   */
  static long hardLimit(Path limits) {
    try {
      for (String line : Files.readAllLines(limits, StandardCharsets.US_ASCII)) {
        if (line.startsWith("Max open files")) {
          String[] f = line.substring("Max open files".length()).strip().split("\\s+");
          return f[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or a format we do not know
    }
    return -1;
  }

  /**
   * Descriptors kept for everything but connections: 128 for the JVM, its jar and modules, the
   * database files of the writer and readers, logs and cluster watches, and 4 per event loop (epoll
   * or io_uring instance, wake-up and timer descriptors). An idle {@code serve} on 2 cores uses
   * about 35.
   *
   * @param eventLoops the event loops of the process: the hit listeners' and Vert.x's
   */
  public static long reserve(int eventLoops) {
    return 128 + 4L * eventLoops;
  }

  /**
   * Shares the soft limit.
   *
   * @param soft the soft limit; negative when unknown (then the caps are as asked)
   * @param listenAddresses the hit listener's listen addresses, each with its own cap
   * @param listenerMax {@code --max-connections}, per listen address
   * @param apiMax the API's connection cap asked for
   * @param reserve descriptors kept for everything else, see {@link #reserve}
   * @return the caps
   * @throws IllegalStateException when the limit leaves the hit listener no connection, naming the
   *     limit and what to raise
   */
  public static Plan plan(
      long soft, int listenAddresses, int listenerMax, int apiMax, long reserve) {
    if (soft < 0 || listenAddresses == 0) {
      return new Plan(listenerMax, apiMax, 0, false);
    }
    long available = soft - reserve;
    long listeners = (long) listenAddresses * listenerMax;
    long api = Math.min(apiMax, Math.max(Math.min(API_MIN, apiMax), available - listeners));
    long perListener = Math.min(listenerMax, (available - api) / listenAddresses);
    if (perListener < 1) {
      throw new IllegalStateException(
          "file descriptors: the limit of "
              + soft
              + " (ulimit -n) leaves none for hit listener connections after "
              + reserve
              + " for the JVM, database and event loops and "
              + api
              + " for the API; raise it (LimitNOFILE= in a systemd unit)");
    }
    return new Plan(
        (int) perListener, (int) api, reserve, perListener < listenerMax || api < apiMax);
  }
}
