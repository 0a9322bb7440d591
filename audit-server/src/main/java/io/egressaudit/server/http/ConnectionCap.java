package io.egressaudit.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Caps the open connections of a listening socket where they are accepted: a handler of the server
 * channel, before Netty hands the accepted connection to an event loop, so a connection over the
 * cap is closed on the accepting thread at once. A cap checked later, once the connection is set up
 * on its event loop, lets a burst of connects hold a descriptor each while they queue for that
 * loop, enough to exhaust the process's descriptors; here at most one accept batch is open beyond
 * the cap. Connections count from accept, TLS handshakes included.
 */
@ChannelHandler.Sharable
public final class ConnectionCap extends ChannelInboundHandlerAdapter {

  /**
   * Connections accepted in one read of the listening socket at most (Netty's default {@code
   * maxMessagesPerRead} for server channels): the most that are open beyond the cap for a moment.
   */
  public static final int ACCEPT_BATCH = 16;

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder refused = new LongAdder();

  /**
   * @param max open connections at most
   */
  public ConnectionCap(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("the connection cap must be positive");
    }
    this.max = max;
  }

  /** The cap. */
  public int max() {
    return max;
  }

  /** The connections open now. */
  public int open() {
    return open.get();
  }

  /** The connections closed at accept for being over the cap, since start. */
  public long refused() {
    return refused.sum();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Channel child) {
      if (open.incrementAndGet() > max) {
        open.decrementAndGet();
        refused.increment();
        // not registered with an event loop yet: close its descriptor here, as Netty's acceptor
        // does with a connection it cannot register
        child.unsafe().closeForcibly();
        return;
      }
      child.closeFuture().addListener(f -> open.decrementAndGet());
    }
    ctx.fireChannelRead(msg);
  }
}
