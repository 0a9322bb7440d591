package io.egressaudit.server.http;

import io.egressaudit.correlator.SourceIp;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitWriter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hit listener: answers every method and path with 200 once the request's row is committed, so
 * a 200 is proof of a stored row. {@code /clientip} answers {@code ip:port} like agnhost netexec;
 * {@code /probe/{id}} records {@code id} as the probe id. When the hit writer cannot take the row
 * the answer is 503 with {@code Retry-After}, never a 200 for a row that may be lost.
 *
 * <p>The row is built once the whole request is in, body included (read and discarded): a body over
 * {@link ListenerSettings#maxBodyBytes()}, declared or streamed, gets 413 and the connection
 * closed, and no row. The event loop only builds the row and hands it to the {@link HitWriter}'s
 * queue; the writer thread commits and hands the answer back to this verticle's context.
 */
public final class HitListenerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HitListenerVerticle.class);

  private static final String OK_BODY = "OK\n";

  private final String host;
  private final int port;
  private final HitWriter writer;
  private final ListenerSettings settings;
  private final TrustedProxies trustedProxies;
  private final Queue<Committed> committed = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean answerScheduled = new AtomicBoolean();
  private final ListenerStats stats;
  private ConnectionGuard guard;
  private HttpServer server;

  private record Committed(HttpServerRequest request, Throwable failure) {}

  /**
   * @param host address to bind, such as {@code 0.0.0.0}
   * @param port port to bind; 0 picks a free one (see {@link #actualPort()})
   * @param writer where rows go
   * @param settings limits
   * @param trustedProxies peers whose forwarded-for header names the source IP
   * @param stats the connections and answers of this listen address, shared by its instances; open
   *     connections are capped at {@link ListenerSettings#maxConnections()}
   */
  public HitListenerVerticle(
      String host,
      int port,
      HitWriter writer,
      ListenerSettings settings,
      TrustedProxies trustedProxies,
      ListenerStats stats) {
    this.host = host;
    this.port = port;
    this.writer = writer;
    this.settings = settings;
    this.trustedProxies = trustedProxies;
    this.stats = stats;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            .setMaxInitialLineLength(settings.maxInitialLineBytes())
            .setMaxHeaderSize(settings.maxHeaderBytes())
            .setIdleTimeout(settings.idleTimeoutSeconds())
            .setTcpNoDelay(true)
            .setCompressionSupported(false)
            // HTTP/1.x only, as pods' curl speaks: without h2c detection a connection exists (and
            // is
            // guarded) from its first moment, not from its first bytes
            .setHttp2ClearTextEnabled(false)
            // no WebSocket extension handler in every connection's pipeline
            .setPerFrameWebSocketCompressionSupported(false)
            .setPerMessageWebSocketCompressionSupported(false)
            .setHandle100ContinueAutomatically(false);
    guard = new ConnectionGuard(stats.open, settings);
    guard.start(vertx);
    server =
        vertx
            .createHttpServer(options)
            .connectionHandler(guard::opened)
            .requestHandler(this::guarded);
    return server.listen();
  }

  /** The bound port, once started. */
  public int actualPort() {
    return server.actualPort();
  }

  /** A bug in handling one request answers that request 500 instead of leaving it hanging. */
  private void guarded(HttpServerRequest req) {
    try {
      handle(req);
    } catch (RuntimeException | LinkageError e) {
      LOG.error(
          "hit listener: cannot handle {} {} from {}",
          req.method(),
          HitRecord.cut(req.uri(), 200),
          req.remoteAddress(),
          e);
      HttpServerResponse resp = req.response();
      if (!resp.ended() && !resp.closed() && !resp.headWritten()) {
        stats.failed.increment();
        resp.setStatusCode(500)
            .putHeader(HttpHeaders.CONNECTION, "close")
            .end("not recorded: internal error\n");
      }
    }
  }

  private void handle(HttpServerRequest req) {
    long receivedAt = System.currentTimeMillis();
    String contentLength = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null && declaredTooLarge(contentLength)) {
      refuseBody(req);
      return;
    }
    if (req.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
      req.response().writeContinue();
    }
    // The row is offered only once the whole request is in: a body that goes over the limit gets
    // the request refused, and a refused request must leave no row (and never a 200).
    boolean[] refused = {false};
    long[] seen = {0};
    req.handler(
        buf -> {
          seen[0] += buf.length();
          if (seen[0] > settings.maxBodyBytes() && !refused[0]) {
            refused[0] = true;
            refuseBody(req);
          }
        });
    req.endHandler(
        v -> {
          if (!refused[0]) {
            record(req, receivedAt);
          }
        });
  }

  private void record(HttpServerRequest req, long receivedAt) {
    guard.requestComplete(req.connection());
    SocketAddress remote = req.remoteAddress();
    String peer = peerIp(remote);
    MultiMap headers = req.headers();
    String client =
        trustedProxies.isEmpty()
            ? null
            : trustedProxies.clientOf(
                peer, headers.get("X-Forwarded-For"), headers.get("Forwarded"));
    String sourceIp = client == null ? peer : client;
    String path = req.uri();
    HitRecord hit =
        new HitRecord(
            receivedAt,
            sourceIp,
            remote.port(),
            req.localAddress() == null ? null : req.localAddress().port(),
            req.method().name(),
            path,
            req.getHeader(HttpHeaders.HOST),
            req.getHeader(HttpHeaders.USER_AGENT),
            HitRecord.probeIdOf(path),
            forwardedFor(headers),
            httpVersion(req),
            null,
            null,
            client == null ? null : peer);
    boolean accepted = writer.offer(hit, failure -> answered(req, failure));
    if (!accepted) {
      unavailable(req);
    }
  }

  /**
   * Answers 413 and closes the connection once the answer is written: the rest of the body is not
   * read, so the connection cannot carry another request (Vert.x keeps it open after a response
   * that merely says {@code Connection: close}).
   */
  private void refuseBody(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    if (resp.ended() || resp.closed()) {
      req.connection().close();
      return;
    }
    stats.tooLarge.increment();
    resp.setStatusCode(413)
        .putHeader(HttpHeaders.CONNECTION, "close")
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end("request body too large\n")
        .onComplete(ar -> req.connection().close());
  }

  /**
   * Called on the writer thread once the hit's transaction ended. Answers go back to this
   * verticle's event loop in one task per group commit rather than one per request: a batch of a
   * thousand rows wakes the loop once.
   */
  private void answered(HttpServerRequest req, Throwable failure) {
    committed.add(new Committed(req, failure));
    if (answerScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> answerCommitted());
    }
  }

  private void answerCommitted() {
    answerScheduled.set(false);
    Committed c;
    while ((c = committed.poll()) != null) {
      respond(c.request(), c.failure());
    }
  }

  private void respond(HttpServerRequest req, Throwable failure) {
    HttpServerResponse resp = req.response();
    if (resp.ended() || resp.closed()) {
      if (failure == null) {
        stats.clientGone.increment();
      }
      return;
    }
    if (failure != null) {
      unavailable(req);
      return;
    }
    stats.ok.increment();
    resp.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8");
    if (req.path().equals("/clientip")) {
      resp.end(clientIp(req.remoteAddress()));
    } else if (req.method() == HttpMethod.HEAD) {
      resp.end();
    } else {
      resp.end(OK_BODY);
    }
    guard.answered(req.connection());
  }

  private void unavailable(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    if (resp.ended() || resp.closed()) {
      return;
    }
    guard.answered(req.connection());
    stats.unavailable.increment();
    resp.setStatusCode(503)
        .putHeader(HttpHeaders.RETRY_AFTER, "1")
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end("not recorded: the audit store is busy, retry later\n");
  }

  private boolean declaredTooLarge(String contentLength) {
    try {
      return Long.parseLong(contentLength.strip()) > settings.maxBodyBytes();
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /**
   * agnhost netexec's /clientip answers Go's RemoteAddr, the TCP peer: {@code ip:port}, IPv6 in
   * brackets.
   */
  static String clientIp(SocketAddress remote) {
    String ip = peerIp(remote);
    return SourceIp.isIpv6(ip) ? "[" + ip + "]:" + remote.port() : ip + ":" + remote.port();
  }

  /**
   * The canonical text of the TCP peer. The JDK already prints an IPv4 peer as a dotted quad, so
   * only IPv6 (uncompressed, maybe IPv4-mapped or with a zone) goes through {@link SourceIp}: the
   * re-parse cost about 2% of the listener's CPU under load.
   */
  static String peerIp(SocketAddress remote) {
    String host = remote.hostAddress();
    if (host.indexOf(':') < 0) {
      return host;
    }
    return SourceIp.parse(host).orElse(host);
  }

  private static String forwardedFor(MultiMap headers) {
    String xff = headers.get("X-Forwarded-For");
    return xff != null ? xff : headers.get("Forwarded");
  }

  private static String httpVersion(HttpServerRequest req) {
    return switch (req.version()) {
      case HTTP_1_0 -> "HTTP/1.0";
      case HTTP_1_1 -> "HTTP/1.1";
      case HTTP_2 -> "HTTP/2";
    };
  }

  @Override
  public Future<?> stop() {
    if (guard != null) {
      guard.stop(vertx);
    }
    return server == null ? Future.succeededFuture() : server.close();
  }
}
