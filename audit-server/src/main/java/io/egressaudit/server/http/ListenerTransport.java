package io.egressaudit.server.http;

import io.netty.channel.uring.IoUring;
import io.vertx.core.transport.Transport;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network transport of the Vert.x instance the hit listener and the API run on ({@code serve
 * --transport}).
 *
 * <p>{@link #AUTO} takes Linux's io_uring when the kernel allows it (5.14 and later, not blocked by
 * a seccomp profile or {@code kernel.io_uring_disabled}), else epoll, else Java NIO. io_uring
 * submits accepts, reads, writes and closes in batches instead of one system call each, which is
 * what one request per connection spends most of its time on (docs/performance.md).
 */
public enum ListenerTransport {
  /** io_uring, else epoll, else NIO. */
  AUTO,
  /** Linux io_uring; fails to start when the kernel does not allow it. */
  IO_URING,
  /** Linux epoll; fails to start when it is not available. */
  EPOLL,
  /** Java NIO, available everywhere. */
  NIO;

  private static final Logger LOG = LoggerFactory.getLogger(ListenerTransport.class);

  /**
   * The process's Netty and Vert.x settings, as system properties, each only when not already set
   * (a {@code -D} on the command line wins). This is the one place they are set; call it before
   * anything loads Netty's io_uring support or Vert.x's HTTP server ({@code AuditServer.start}
   * does, before it builds the Vert.x instance).
   *
   * <ul>
   *   <li>{@code io.netty.iouring.pollAddMultishotEnabled=false}: with multishot polls, Netty 4.2.9
   *       can miss a client's reset (RST) that comes right after some request bytes, and keeps the
   *       dead connection until the request timeout, where it counts against {@code
   *       --max-connections};
   *   <li>{@code io.netty.iouring.acceptMultiShotEnabled=false}: a single-shot accept hands over
   *       the peer's address with the socket, so a client that resets at once still has one;
   *   <li>{@code io.netty.iouring.cqSize=16384}: room for the completions of a burst of connections
   *       (Netty warns of an overflow at its default of 4096);
   *   <li>{@code vertx.disableWebsockets=true}: neither the hit listener nor the API speaks
   *       WebSocket, and without it Vert.x wraps every request's handler to look for an upgrade.
   * </ul>
   *
   * <p>When something loaded Netty's io_uring support before this ran, {@link #resolve} notices the
   * multishot polls and says so.
   */
  public static void configureProcess() {
    setIfAbsent("io.netty.iouring.pollAddMultishotEnabled", "false");
    setIfAbsent("io.netty.iouring.acceptMultiShotEnabled", "false");
    setIfAbsent("io.netty.iouring.cqSize", "16384");
    setIfAbsent("vertx.disableWebsockets", "true");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /**
   * Parses {@code auto}, {@code io_uring} (or {@code io-uring}), {@code epoll}, {@code nio}.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static ListenerTransport parse(String text) {
    String t = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
    try {
      return valueOf(t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown transport '" + text + "': use auto, io_uring, epoll or nio", e);
    }
  }

  /** The lower-case name, as {@link #parse} reads it. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The Vert.x transport to use on this machine; its {@link Transport#name()} says which.
   *
   * @throws IllegalStateException when a transport asked for by name is not available, with the
   *     reason the native library gave
   */
  public Transport resolve() {
    return switch (this) {
      case AUTO -> {
        if (available(Transport.IO_URING)) {
          if (!IoUring.isPollAddMultishotEnabled()) {
            yield Transport.IO_URING;
          }
          LOG.warn(
              "not using io_uring: Netty's multishot polls are on"
                  + " (io.netty.iouring.pollAddMultishotEnabled), and with them resets can go"
                  + " unnoticed; using epoll");
        }
        yield available(Transport.EPOLL) ? Transport.EPOLL : Transport.NIO;
      }
      case IO_URING -> {
        Transport t = require(Transport.IO_URING, "io_uring");
        if (IoUring.isPollAddMultishotEnabled()) {
          LOG.warn(
              "io_uring with Netty's multishot polls on (io.netty.iouring.pollAddMultishotEnabled):"
                  + " a client's reset can go unnoticed until --request-timeout");
        }
        yield t;
      }
      case EPOLL -> require(Transport.EPOLL, "epoll");
      case NIO -> Transport.NIO;
    };
  }

  private static boolean available(Transport t) {
    return t != null && t.available();
  }

  private static Transport require(Transport t, String name) {
    if (t == null) {
      throw new IllegalStateException(name + " is not available: its Netty library is missing");
    }
    if (!t.available()) {
      throw new IllegalStateException(
          name + " is not available: " + reason(t.unavailabilityCause()));
    }
    return t;
  }

  private static String reason(Throwable t) {
    if (t == null) {
      return "unknown reason";
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
