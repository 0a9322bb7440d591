package io.egressaudit.server.http;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network transport of the hit listener (the API and web page use the one Vert.x picks).
 *
 * <p>{@link #AUTO} takes Linux's io_uring when the kernel allows it (5.14 and later, not blocked by
 * a seccomp profile or {@code kernel.io_uring_disabled}), else epoll, else Java NIO. io_uring
 * submits accepts, reads, writes and closes in batches instead of one system call each, which is
 * what one request per connection spends most of its time on: about a third less server CPU per
 * request than epoll in {@code bench/run.sh} (docs/performance.md).
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
   * Netty's io_uring settings for the listener, as system properties, each only when not already
   * set (a {@code -D} on the command line wins):
   *
   * <ul>
   *   <li>{@code io.netty.iouring.pollAddMultishotEnabled=false}: with multishot polls, Netty 4.2.9
   *       can miss a client's reset (RST) that comes right after some request bytes, and keeps the
   *       dead connection until the request timeout, where it counts against {@code
   *       --max-connections};
   *   <li>{@code io.netty.iouring.acceptMultiShotEnabled=false}: a single-shot accept hands over
   *       the peer's address with the socket, so a client that resets at once still has one (and it
   *       saves a {@code getpeername} per connection);
   *   <li>{@code io.netty.iouring.cqSize=16384}: room for the completions of a burst of connections
   *       (Netty warns of an overflow at its default of 4096).
   * </ul>
   *
   * <p>Netty reads them once, when its io_uring support is first loaded (Vert.x loads it when it
   * starts), so this runs when this class is loaded, and {@code AuditServer} calls it again before
   * it starts Vert.x. Measured with {@code bench/run.sh}: no difference in speed beyond noise.
   */
  public static void configureNetty() {
    setIfAbsent("io.netty.iouring.pollAddMultishotEnabled", "false");
    setIfAbsent("io.netty.iouring.acceptMultiShotEnabled", "false");
    setIfAbsent("io.netty.iouring.cqSize", "16384");
  }

  static {
    configureNetty();
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** What a transport resolves to: how event loops do I/O, and the server socket's class. */
  record Resolved(
      String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> channel) {}

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
   * The transport to use on this machine.
   *
   * @throws IllegalStateException when a transport asked for by name is not available, with the
   *     reason the native library gave
   */
  Resolved resolve() {
    return switch (this) {
      case AUTO -> {
        if (IoUring.isAvailable()) {
          if (!IoUring.isPollAddMultishotEnabled()) {
            yield IO_URING.resolve();
          }
          LOG.warn(
              "hit listener: not using io_uring: Netty's multishot polls are on"
                  + " (io.netty.iouring.pollAddMultishotEnabled), and with them resets can go"
                  + " unnoticed; using epoll");
        }
        yield Epoll.isAvailable() ? EPOLL.resolve() : NIO.resolve();
      }
      case IO_URING -> {
        if (!IoUring.isAvailable()) {
          throw new IllegalStateException(
              "io_uring is not available: " + reason(IoUring.unavailabilityCause()));
        }
        if (IoUring.isPollAddMultishotEnabled()) {
          LOG.warn(
              "hit listener: io_uring with Netty's multishot polls on"
                  + " (io.netty.iouring.pollAddMultishotEnabled): a client's reset can go unnoticed"
                  + " until --request-timeout");
        }
        yield new Resolved(
            "io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class);
      }
      case EPOLL -> {
        if (!Epoll.isAvailable()) {
          throw new IllegalStateException(
              "epoll is not available: " + reason(Epoll.unavailabilityCause()));
        }
        yield new Resolved("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
      }
      case NIO -> new Resolved("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    };
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
