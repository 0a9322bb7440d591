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
          yield IO_URING.resolve();
        }
        yield Epoll.isAvailable() ? EPOLL.resolve() : NIO.resolve();
      }
      case IO_URING -> {
        if (!IoUring.isAvailable()) {
          throw new IllegalStateException(
              "io_uring is not available: " + reason(IoUring.unavailabilityCause()));
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
