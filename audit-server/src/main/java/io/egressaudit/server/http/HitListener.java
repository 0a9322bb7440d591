package io.egressaudit.server.http;

import io.egressaudit.sql.HitWriter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hit listener of one listen address: answers every method and path with 200 once the request's
 * row is committed, so a 200 is proof of a stored row. {@code /clientip} answers {@code ip:port}
 * like agnhost netexec; {@code /probe/{id}} records {@code id} as the probe id. When the hit writer
 * cannot take the row the answer is 503 with {@code Retry-After}, never a 200 for a row that may be
 * lost. Request lines over {@link ListenerSettings#maxInitialLineBytes()} get 414, header blocks
 * over {@link ListenerSettings#maxHeaderBytes()} 431, bodies over {@link
 * ListenerSettings#maxBodyBytes()} 413, other malformed requests 400; each closes the connection
 * and leaves no row.
 *
 * <p>It is the hot path, so it is a Netty pipeline (HTTP/1.x decoder and encoder, {@link
 * HitConnection}) on event loops of its own, {@link ListenerSettings#eventLoops()} of them, with
 * the {@link ListenerTransport} of the settings (io_uring, else epoll, on Linux): with one request
 * per connection, which is how {@code curl} from a pod talks, the per-connection work of a
 * general-purpose HTTP server (socket options set one by one, an acceptor thread handing every
 * connection over, a timer per connection) cost more than the request itself. The event loop never
 * touches JDBC: it builds the row and hands it to the {@link HitWriter}'s queue; the writer thread
 * commits a batch and hands the answers back to each event loop in one task.
 */
public final class HitListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HitListener.class);

  final HitWriter writer;
  final ListenerSettings settings;
  final TrustedProxies trustedProxies;
  final ListenerStats stats;
  private final EventLoopGroup group;
  private final Map<EventExecutor, Loop> loops = new IdentityHashMap<>();
  private final HttpDecoderConfig decoderConfig;
  private final String transportName;
  private volatile Channel serverChannel;
  private volatile int port;

  /** What belongs to one event loop: its connection guard and its queue of committed answers. */
  static final class Loop {
    final EventLoop eventLoop;
    final ConnectionGuard guard;
    private final Queue<Runnable> answers = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    Loop(EventLoop eventLoop, ConnectionGuard guard) {
      this.eventLoop = eventLoop;
      this.guard = guard;
    }

    /**
     * Runs an answer on this loop; called on the writer thread. The answers of one group commit
     * wake the loop once: a batch of a thousand rows is one task.
     */
    void answer(Runnable answer) {
      answers.add(answer);
      if (drainScheduled.compareAndSet(false, true)) {
        try {
          eventLoop.execute(this::drain);
        } catch (RejectedExecutionException e) {
          // the listener is stopping: its connections are closed, nobody is left to answer
          answers.clear();
        }
      }
    }

    private void drain() {
      drainScheduled.set(false);
      Runnable r;
      while ((r = answers.poll()) != null) {
        r.run();
      }
    }
  }

  private HitListener(
      ListenerTransport.Resolved transport,
      HitWriter writer,
      ListenerSettings settings,
      TrustedProxies trustedProxies,
      ListenerStats stats) {
    this.writer = writer;
    this.settings = settings;
    this.trustedProxies = trustedProxies;
    this.stats = stats;
    this.decoderConfig =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(settings.maxInitialLineBytes())
            .setMaxHeaderSize(settings.maxHeaderBytes())
            .setMaxChunkSize(8192);
    this.group =
        new MultiThreadIoEventLoopGroup(
            Math.max(1, settings.eventLoops()),
            new DefaultThreadFactory("hit-listener", true),
            transport.ioHandlerFactory());
    this.transportName = transport.name();
    for (EventExecutor e : group) {
      EventLoop loop = (EventLoop) e;
      loops.put(loop, new Loop(loop, new ConnectionGuard(stats.open, settings)));
    }
  }

  /**
   * Binds the listener.
   *
   * @param host address to bind, such as {@code 0.0.0.0}
   * @param port port to bind; 0 picks a free one (see {@link #actualPort()})
   * @param writer where rows go
   * @param settings limits and event loops
   * @param trustedProxies peers whose forwarded-for header names the source IP
   * @param stats the connections and answers of this listen address
   * @return the bound listener, or a failure naming the cause (address in use, say); nothing is
   *     left running on failure
   */
  public static Future<HitListener> start(
      String host,
      int port,
      HitWriter writer,
      ListenerSettings settings,
      TrustedProxies trustedProxies,
      ListenerStats stats) {
    ListenerTransport.Resolved transport;
    try {
      transport = settings.transport().resolve();
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    HitListener listener = new HitListener(transport, writer, settings, trustedProxies, stats);
    Promise<HitListener> promise = Promise.promise();
    listener.loops.values().forEach(l -> l.eventLoop.execute(() -> l.guard.start(l.eventLoop)));
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(listener.group)
            .channel(transport.channel())
            // a restarted server rebinds while its old connections are in TIME_WAIT
            .option(ChannelOption.SO_REUSEADDR, true)
            // a client that shuts down its sending side after its request (printf ... | nc -N)
            // still gets its answer
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(listener.new Initializer());
    ChannelFuture bound = bootstrap.bind(new InetSocketAddress(host, port));
    bound.addListener(
        f -> {
          if (f.isSuccess()) {
            listener.serverChannel = bound.channel();
            listener.port = ((InetSocketAddress) bound.channel().localAddress()).getPort();
            promise.complete(listener);
          } else {
            listener.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            promise.fail(f.cause());
          }
        });
    return promise.future();
  }

  /** The bound port. */
  public int actualPort() {
    return port;
  }

  /** The network transport in use: {@code io_uring}, {@code epoll} or {@code nio}. */
  public String transport() {
    return transportName;
  }

  /** Sets up the pipeline of an accepted connection. */
  private final class Initializer extends ChannelInitializer<Channel> {
    @Override
    protected void initChannel(Channel ch) {
      ch.pipeline()
          .addLast(HitConnection.DECODER, new RequestDecoder(decoderConfig))
          .addLast("encoder", new HttpResponseEncoder())
          .addLast("hit", new HitConnection(HitListener.this, loops.get(ch.eventLoop()), port));
    }
  }

  /**
   * Netty's HTTP/1.x request decoder, except that a request with both {@code Content-Length} and
   * {@code Transfer-Encoding} is marked as failed (400, connection closed): RFC 9112 section 6.3
   * calls it a request smuggling attempt, and a proxy in front may frame it differently.
   */
  static final class RequestDecoder extends HttpRequestDecoder {
    RequestDecoder(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      message.setDecoderResult(
          DecoderResult.failure(
              new IllegalArgumentException(
                  "both Content-Length and Transfer-Encoding (RFC 9112 section 6.3)")));
      super.handleTransferEncodingChunkedWithContentLength(message);
    }
  }

  /**
   * Stops accepting new connections; open ones go on being served (see {@link #close}). Waits up to
   * a few seconds for the listening socket to close.
   */
  public void stopAccepting() {
    Channel ch = serverChannel;
    if (ch != null) {
      ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Stops accepting, closes the open connections and stops the event loops, waiting up to a few
   * seconds. Answers committed after this are not sent (the writer still commits their rows): to
   * answer what is in flight, {@link #stopAccepting} and close the writer first.
   */
  @Override
  public void close() {
    try {
      stopAccepting();
      for (Loop l : loops.values()) {
        if (!l.eventLoop.isShuttingDown()) {
          l.eventLoop.submit(l.guard::stop).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
      }
    } catch (RejectedExecutionException e) {
      LOG.debug("hit listener already stopping: {}", e.toString());
    } finally {
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
  }
}
