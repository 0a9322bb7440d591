package io.egressaudit.server.http;

import io.egressaudit.correlator.SourceIp;
import io.egressaudit.server.http.ConnectionGuard.Tracked;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitWriter;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance of the hit listener, on one event loop: a Vert.x {@link HttpServer} sharing its
 * listen address with the other instances, a {@link ConnectionGuard} for its connections, and the
 * queue the hit writer hands committed answers back through. Vert.x parses HTTP/1.x, keeps
 * pipelined answers in order and connections alive or not as the request says; this class turns a
 * complete request into a row and answers it once the row's transaction ended.
 */
final class HitListenerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HitListenerVerticle.class);

  private static final CharSequence X_FORWARDED_FOR =
      HttpHeaders.createOptimized("X-Forwarded-For");
  private static final CharSequence FORWARDED = HttpHeaders.createOptimized("Forwarded");

  private final HitListener listener;
  private final Queue<PendingHit> answers = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private ConnectionGuard guard;
  private HttpServer server;

  HitListenerVerticle(HitListener listener) {
    this.listener = listener;
  }

  @Override
  public Future<?> start() {
    guard = new ConnectionGuard(listener.stats.open, listener.settings);
    guard.start(vertx);
    server =
        vertx
            .createHttpServer(listener.options)
            .connectionHandler(this::opened)
            .requestHandler(this::guarded)
            .invalidRequestHandler(this::invalid);
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    guard.stop(vertx);
    return server.close();
  }

  /** The bound port, once started. */
  int actualPort() {
    return server.actualPort();
  }

  /** Stops accepting; open connections are closed once their answer is written. */
  Future<Void> shutdown(long timeoutSeconds) {
    return server.shutdown(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS);
  }

  private void opened(HttpConnection connection) {
    HitRequestDecoder decoder =
        HitRequestDecoder.install(
            connection, listener.options, listener.stats.badRequest::increment);
    SocketAddress tcp = connection.remoteAddress(true);
    Tracked t = tcp == null ? null : guard.opened(connection);
    if (t == null) {
      // reset by the client before its address could be read, or over the connection cap
      WireClose.close(connection);
      return;
    }
    t.decoder = decoder;
    String tcpPeer = peerIp(tcp.hostAddress());
    SocketAddress claimed = connection.remoteAddress();
    if (listener.options.isUseProxyProtocol()
        && claimed != null
        && !claimed.equals(tcp)
        && listener.trustedProxies.trusts(tcpPeer)) {
      t.peer = peerIp(claimed.hostAddress());
      t.peerPort = claimed.port();
      t.proxy = tcpPeer;
    } else {
      t.peer = tcpPeer;
      t.peerPort = tcp.port();
      if (listener.options.isUseProxyProtocol() && claimed != null && !claimed.equals(tcp)) {
        String ip = peerIp(claimed.hostAddress());
        t.proxyClaim =
            "PROXY " + (ip.indexOf(':') < 0 ? ip : "[" + ip + "]") + ":" + claimed.port();
      }
    }
  }

  /** A bug in handling one request answers it 500 instead of leaving it hanging. */
  private void guarded(HttpServerRequest req) {
    try {
      handle(req);
    } catch (RuntimeException | LinkageError e) {
      LOG.error("hit listener: cannot handle a request from {}", req.remoteAddress(), e);
      Tracked t = guard.get(req.connection());
      if (t != null && !t.closing && !req.response().ended()) {
        refuse(t, req, 500, "not recorded: internal error\n", listener.stats.failed);
      }
    }
  }

  private void handle(HttpServerRequest req) {
    Tracked t = guard.get(req.connection());
    if (t == null) {
      return;
    }
    long number = ++t.requests;
    if (t.closing) {
      return;
    }
    long now = System.currentTimeMillis();
    t.lastActivity = now;
    MultiMap headers = req.headers();
    List<String> te = lines(headers, HttpHeaders.TRANSFER_ENCODING);
    if (!te.isEmpty() && !chunkedLast(te)) {
      // RFC 9112 section 6.3: a request whose last transfer coding is not chunked has no
      // reliable length; its body would be read as the next request
      refuse(t, req, 400, null, listener.stats.badRequest);
      return;
    }
    String expect = headers.get(HttpHeaders.EXPECT);
    if (expect != null && !expect.strip().equalsIgnoreCase("100-continue")) {
      refuse(t, req, 417, null, listener.stats.expectationFailed);
      return;
    }
    String contentLength = headers.get(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null && declaredTooLarge(contentLength)) {
      refuse(t, req, 413, "request body too large\n", listener.stats.tooLarge);
      return;
    }
    if (expect != null && req.version() == HttpVersion.HTTP_1_1) {
      req.response().writeContinue();
    }
    PendingHit hit = new PendingHit(req, t, now);
    if (t.decoder != null) {
      hit.sentVersion = t.decoder.sentVersion(number);
    }
    if (contentLength != null || !te.isEmpty()) {
      req.handler(hit);
    }
    req.endHandler(hit::complete);
  }

  /** One request from its head to its answer. */
  private final class PendingHit implements Handler<Buffer>, HitWriter.Completion {
    final HttpServerRequest req;
    final Tracked connection;
    final long receivedAt;
    long bodySeen;
    Throwable failure;

    /** The version the request line named when it was a later HTTP/1 minor one, else null. */
    String sentVersion;

    PendingHit(HttpServerRequest req, Tracked connection, long receivedAt) {
      this.req = req;
      this.connection = connection;
      this.receivedAt = receivedAt;
    }

    /** A piece of the body: counted, then dropped. */
    @Override
    public void handle(Buffer chunk) {
      connection.lastActivity = System.currentTimeMillis();
      bodySeen += chunk.length();
      if (bodySeen > listener.settings.maxBodyBytes() && !connection.closing) {
        refuse(connection, req, 413, "request body too large\n", listener.stats.tooLarge);
      }
    }

    /** The whole request is in: its row goes to the writer. */
    void complete(Void v) {
      if (!connection.closing) {
        record(this);
      }
    }

    /** Called on the writer thread once the row's transaction ended. */
    @Override
    public void done(Throwable failure) {
      this.failure = failure;
      answer(this);
    }
  }

  private void record(PendingHit p) {
    HttpServerRequest req = p.req;
    Tracked t = p.connection;
    t.requestDeadline = ConnectionGuard.WAITING_FOR_ANSWER;
    MultiMap headers = req.headers();
    TrustedProxies proxies = listener.trustedProxies;
    List<String> xForwardedFor = lines(headers, X_FORWARDED_FOR);
    List<String> forwarded = lines(headers, FORWARDED);
    String client = proxies.isEmpty() ? null : proxies.clientOf(t.peer, xForwardedFor, forwarded);
    String uri = RequestText.utf8(req.uri());
    HitRecord hit =
        new HitRecord(
            p.receivedAt,
            client == null ? t.peer : client,
            t.peerPort,
            listener.port(),
            req.method().name(),
            uri,
            RequestText.utf8(headers.get(HttpHeaders.HOST)),
            RequestText.utf8(headers.get(HttpHeaders.USER_AGENT)),
            RequestTarget.probeId(uri),
            claim(t, RequestText.utf8(proxies.claimOf(xForwardedFor, forwarded))),
            p.sentVersion != null
                ? p.sentVersion
                : req.version() == HttpVersion.HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1",
            null,
            null,
            t.proxy != null ? t.proxy : client == null ? null : t.peer);
    if (!listener.writer.offer(hit, p)) {
      // answered from the loop's queue too: a response ended here, inside Vert.x's end of the
      // request, is at times dropped when the request asked to close the connection
      p.done(HitListener.REFUSED);
    }
  }

  /**
   * Hands an answer to this instance's event loop; called on the writer thread. The answers of one
   * group commit wake the loop once: a batch of a thousand rows is one task.
   */
  private void answer(PendingHit p) {
    answers.add(p);
    if (drainScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> drainAnswers());
    }
  }

  private void drainAnswers() {
    drainScheduled.set(false);
    PendingHit p;
    while ((p = answers.poll()) != null) {
      respond(p);
    }
  }

  /**
   * Writes the answer of a request whose row was committed (200) or not (503). A client that does
   * not read its answers gets its next one only once it has read the others: until then Vert.x
   * reads no further request from it, so memory stays bounded.
   */
  private void respond(PendingHit p) {
    HttpServerResponse resp = p.req.response();
    if (resp.closed() || resp.ended()) {
      if (p.failure == null) {
        listener.stats.clientGone.increment();
      }
      return;
    }
    if (resp.writeQueueFull()) {
      resp.drainHandler(v -> respond(p));
      return;
    }
    Tracked t = p.connection;
    long now = System.currentTimeMillis();
    t.lastActivity = now;
    // before the answer: writing it may start the next pipelined request at once
    t.requestDeadline = guard.requestDeadline(now);
    if (p.failure != null) {
      listener.stats.unavailable.increment();
      HitResponses.unavailable(resp);
      return;
    }
    listener.stats.ok.increment();
    boolean head = p.req.method() == HttpMethod.HEAD;
    if (RequestTarget.path(p.req.uri()).equals("/clientip")) {
      HitResponses.text(resp, clientIp(t.peer, t.peerPort), head);
    } else {
      HitResponses.ok(resp, head);
    }
  }

  /** A request the decoder could not read: 414, 431, 505 or 400, then the connection closed. */
  private void invalid(HttpServerRequest req) {
    Tracked t = guard.get(req.connection());
    if (t == null || t.closing || !((ConnectionBase) req.connection()).channel().isActive()) {
      // the decoder's last word on a connection the client already closed: nobody to answer
      req.connection().close();
      return;
    }
    Throwable cause = req.decoderResult().cause();
    ListenerStats s = listener.stats;
    if (cause instanceof TooLongHttpLineException) {
      refuse(t, req, 414, null, s.uriTooLong);
    } else if (cause instanceof TooLongHttpHeaderException) {
      refuse(t, req, 431, null, s.headersTooLarge);
    } else if (cause instanceof HitRequestDecoder.UnsupportedVersion) {
      refuse(t, req, 505, null, s.versionNotSupported);
    } else {
      LOG.debug("hit listener: 400 to {}: {}", t.peer, String.valueOf(cause));
      refuse(t, req, 400, null, s.badRequest);
    }
  }

  /**
   * Answers a refused request and closes the connection once the answer is written: nothing more on
   * it is read or recorded (the rest of a body over the limit is not read, say).
   */
  private void refuse(Tracked t, HttpServerRequest req, int status, String body, LongAdder count) {
    t.closing = true;
    t.requestDeadline = ConnectionGuard.WAITING_FOR_ANSWER;
    count.increment();
    HttpConnection connection = req.connection();
    HitResponses.refusal(req.response(), status, body)
        .onComplete(ar -> WireClose.close(connection));
  }

  private boolean declaredTooLarge(String contentLength) {
    try {
      return Long.parseLong(contentLength.strip()) > listener.settings.maxBodyBytes();
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /** True when the last transfer coding of the request is {@code chunked}. */
  private static boolean chunkedLast(List<String> values) {
    String last = values.get(values.size() - 1);
    int comma = last.lastIndexOf(',');
    return last.substring(comma + 1).strip().equalsIgnoreCase("chunked");
  }

  /**
   * Every line of a header, in the order received; empty, without allocating, when it is absent (as
   * it is on most requests).
   */
  private static List<String> lines(MultiMap headers, CharSequence name) {
    return headers.contains(name) ? headers.getAll(name) : List.of();
  }

  /**
   * agnhost netexec's /clientip answers Go's RemoteAddr, the TCP peer: {@code ip:port}, IPv6 in
   * brackets.
   */
  static String clientIp(String ip, int port) {
    return SourceIp.isIpv6(ip) ? "[" + ip + "]:" + port : ip + ":" + port;
  }

  /**
   * The claim a hit keeps: the PROXY header of a peer that is not a trusted proxy, then the
   * forwarded-for headers, joined by {@code " | "}; null when there is neither.
   */
  private static String claim(Tracked t, String headers) {
    if (t.proxyClaim == null) {
      return headers;
    }
    return headers == null ? t.proxyClaim : t.proxyClaim + " | " + headers;
  }

  /**
   * The canonical text of an address. The JDK already prints IPv4 as a dotted quad, so only IPv6
   * (uncompressed, maybe IPv4-mapped or with a zone) goes through {@link SourceIp}.
   */
  static String peerIp(String host) {
    if (host.indexOf(':') < 0) {
      return host;
    }
    return SourceIp.parse(host).orElse(host);
  }
}
