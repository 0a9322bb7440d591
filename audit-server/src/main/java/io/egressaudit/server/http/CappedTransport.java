package io.egressaudit.server.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.spi.transport.Transport;
import java.net.SocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.function.Predicate;

/**
 * The Vert.x transport of the server's Vert.x instance (native where available, else NIO), with a
 * {@link ConnectionCap} on every server it binds. Vert.x has no connection cap of its own, and its
 * connection handler runs only once a connection is set up on its event loop; this puts the cap
 * where connections are accepted, through the transport SPI Vert.x uses to configure each server's
 * bootstrap ({@code VertxBuilder.withTransport}). Everything else is the wrapped transport's.
 *
 * <p>A server bound with the PROXY protocol gets a {@link ProxyHeaderCheck} on each connection the
 * same way.
 *
 * <p>The hit listener runs on the same instance with a cap of its own ({@link ConnectionGuard}), so
 * the cap holds only the servers a predicate picks (the API's).
 */
public final class CappedTransport implements io.vertx.core.transport.Transport {

  private final io.vertx.core.transport.Transport wrapped;
  private final Capped implementation;

  private CappedTransport(
      io.vertx.core.transport.Transport wrapped,
      ConnectionCap cap,
      Predicate<NetServerOptions> capped) {
    this.wrapped = wrapped;
    this.implementation = new Capped(wrapped.implementation(), cap, capped);
  }

  /**
   * A transport with a cap on some of the servers bound with it.
   *
   * @param transport the transport to wrap (see {@link ListenerTransport#resolve()})
   * @param cap the cap of the servers picked
   * @param capped picks the servers the cap holds, by the options they are bound with
   */
  public static CappedTransport of(
      io.vertx.core.transport.Transport transport,
      ConnectionCap cap,
      Predicate<NetServerOptions> capped) {
    return new CappedTransport(transport, cap, capped);
  }

  @Override
  public String name() {
    return wrapped.name();
  }

  @Override
  public boolean available() {
    return true;
  }

  @Override
  public Throwable unavailabilityCause() {
    return null;
  }

  @Override
  public Transport implementation() {
    return implementation;
  }

  /** The wrapped SPI transport with the cap added to server bootstraps. */
  private static final class Capped implements Transport {
    private final Transport t;
    private final ConnectionCap cap;
    private final Predicate<NetServerOptions> capped;

    Capped(Transport t, ConnectionCap cap, Predicate<NetServerOptions> capped) {
      this.t = t;
      this.cap = cap;
      this.capped = capped;
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap b) {
      t.configure(options, domainSocket, b);
      if (capped.test(options)) {
        b.handler(cap);
      } else if (options.isUseProxyProtocol()) {
        // checks each connection's PROXY header before Netty's decoder reads it
        b.handler(ProxyHeaderCheck.INSTALLER);
      }
    }

    @Override
    public boolean supportsDomainSockets() {
      return t.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return t.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return t.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return t.unavailabilityCause();
    }

    @Override
    public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
      return t.convert(address);
    }

    @Override
    public io.vertx.core.net.SocketAddress convert(SocketAddress address) {
      return t.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return t.ioHandlerFactory();
    }

    @Override
    public EventLoopGroup eventLoopGroup(
        int type, int nThreads, ThreadFactory threadFactory, int ioRatio) {
      return t.eventLoopGroup(type, nThreads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return t.datagramChannel();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return t.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return t.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return t.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      t.configure(channel, options);
    }

    @Override
    public void configure(
        ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      t.configure(options, connectTimeout, domainSocket, bootstrap);
    }
  }
}
