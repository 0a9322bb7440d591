package io.egressaudit.server.http;

import io.egressaudit.sql.HitWriter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hit listener of one listen address: answers every method and path with 200 once the request's
 * row is committed, so a 200 is proof of a stored row. {@code /clientip} answers {@code ip:port}
 * like agnhost netexec; {@code /probe/{id}} records {@code id} as the probe id. When the hit writer
 * cannot take the row the answer is 503 with {@code Retry-After}, never a 200 for a row that may be
 * lost. Request lines over {@link ListenerSettings#maxInitialLineBytes()} get 414, header blocks
 * over {@link ListenerSettings#maxHeaderBytes()} 431, bodies over {@link
 * ListenerSettings#maxBodyBytes()} 413, other malformed requests 400, 417 or 505; each closes the
 * connection and leaves no row.
 *
 * <p>A Vert.x HTTP server, deployed as {@link ListenerSettings#eventLoops()} verticle instances
 * ({@link HitListenerVerticle}) that share the listen address, one per event loop, on the Vert.x
 * instance of the API. The event loop never touches JDBC: it builds the row and hands it to the
 * {@link HitWriter}'s queue; the writer thread commits a batch and hands the answers back to each
 * event loop in one task.
 *
 * <p>With {@code proxyProtocol}, every connection starts with a PROXY protocol header (v1 or v2, as
 * HAProxy's {@code send-proxy} or a cloud load balancer writes it); its source address is the
 * client's only when the TCP peer is a trusted proxy.
 */
public final class HitListener {

  /** The failure of a hit the writer did not take (queue full, writer failing or stopped). */
  static final Throwable REFUSED = new IllegalStateException("the hit writer refused the hit");

  /** Keys that make the instances of one listener on port 0 share one free port. */
  private static final AtomicInteger SHARED_FREE_PORTS = new AtomicInteger();

  final HitWriter writer;
  final ListenerSettings settings;
  final TrustedProxies trustedProxies;
  final ListenerStats stats;
  final HttpServerOptions options;
  private final Vertx vertx;
  private final List<HitListenerVerticle> instances = new CopyOnWriteArrayList<>();
  private volatile String deploymentId;
  private volatile int port;

  private HitListener(
      Vertx vertx,
      HttpServerOptions options,
      HitWriter writer,
      ListenerSettings settings,
      TrustedProxies trustedProxies,
      ListenerStats stats) {
    this.vertx = vertx;
    this.options = options;
    this.writer = writer;
    this.settings = settings;
    this.trustedProxies = trustedProxies;
    this.stats = stats;
  }

  /**
   * Deploys the listener's verticle instances on the Vert.x instance and binds the address.
   *
   * @param vertx the Vert.x instance, with at least {@link ListenerSettings#eventLoops()} event
   *     loops
   * @param host address to bind, such as {@code 0.0.0.0}
   * @param port port to bind; 0 picks a free one (see {@link #actualPort()})
   * @param proxyProtocol every connection starts with a PROXY protocol header
   * @param writer where rows go
   * @param settings limits and event loops
   * @param trustedProxies peers whose PROXY header or forwarded-for header names the source IP
   * @param stats the connections and answers of this listen address
   * @return the bound listener, or a failure naming the cause (address in use, say); nothing is
   *     left deployed on failure
   */
  public static Future<HitListener> start(
      Vertx vertx,
      String host,
      int port,
      boolean proxyProtocol,
      HitWriter writer,
      ListenerSettings settings,
      TrustedProxies trustedProxies,
      ListenerStats stats) {
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(host)
            // a negative port: the instances share one free port (Vert.x binds port 0 once)
            .setPort(port == 0 ? -1 - SHARED_FREE_PORTS.getAndIncrement() % 60_000 : port)
            .setMaxInitialLineLength(settings.maxInitialLineBytes())
            .setMaxHeaderSize(settings.maxHeaderBytes())
            .setTcpNoDelay(true)
            .setReuseAddress(true)
            // answers are tiny: a small send buffer (instead of up to 4 MiB autotuned) bounds the
            // kernel memory a client that does not read its answers holds, and stops reading it
            // sooner
            .setSendBufferSize(64 * 1024)
            .setCompressionSupported(false)
            .setDecompressionSupported(false)
            // HTTP/1.x only, as pods' curl speaks: without h2c detection a connection exists (and
            // is guarded) from its first moment, not from its first bytes
            .setHttp2ClearTextEnabled(false)
            .setHandle100ContinueAutomatically(false)
            .setUseProxyProtocol(proxyProtocol)
            .setProxyProtocolTimeout(settings.requestTimeoutSeconds())
            .setProxyProtocolTimeoutUnit(TimeUnit.SECONDS);
    HitListener listener = new HitListener(vertx, options, writer, settings, trustedProxies, stats);
    return vertx
        .deployVerticle(
            () -> {
              HitListenerVerticle v = new HitListenerVerticle(listener);
              listener.instances.add(v);
              return v;
            },
            new DeploymentOptions().setInstances(settings.eventLoops()))
        .map(
            id -> {
              listener.deploymentId = id;
              listener.port = listener.instances.get(0).actualPort();
              return listener;
            });
  }

  /** The bound port. */
  public int actualPort() {
    return port;
  }

  /** The bound port, for rows; 0 until bound. */
  int port() {
    return port;
  }

  /**
   * Stops accepting connections; each open one is closed once the answer it waits for is written,
   * or after the timeout.
   *
   * @return completed when every connection is closed
   */
  public Future<Void> shutdown(long timeoutSeconds) {
    return Future.all(instances.stream().map(v -> v.shutdown(timeoutSeconds)).toList()).mapEmpty();
  }

  /** Undeploys the instances, closing whatever connection is left. */
  public Future<Void> close() {
    String id = deploymentId;
    return id == null ? Future.succeededFuture() : vertx.undeploy(id);
  }
}
