package io.egressaudit.server.http;

import io.egressaudit.correlator.SourceIp;
import io.egressaudit.server.http.HitResponses.Persistence;
import io.egressaudit.sql.HitRecord;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the hit listener, on its event loop: turns each complete HTTP/1.x request into
 * a row offered to the hit writer, and writes the answers in request order (HTTP/1.1 pipelining),
 * each once it is known: 200 after the commit, 503 when the writer refused or failed, 413/414/431/
 * 400 at once for what is refused.
 *
 * <p>The row is built once the whole request is in, body included (read and discarded): a body over
 * the limit, declared or streamed, gets 413 and the connection closed, and no row.
 */
final class HitConnection extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(HitConnection.class);

  private static final long WAITING_FOR_ANSWER = Long.MAX_VALUE;

  private static final byte[] CONTINUE =
      "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** Requests answered in order: at most this many waiting on one connection before it pauses. */
  private static final int MAX_PIPELINED = 64;

  private final HitListener listener;
  private final HitListener.Loop loop;
  private final int localPort;
  private final ArrayDeque<Answer> answers = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private boolean counted;
  private String peer;
  private int peerPort;
  private long requestDeadline = WAITING_FOR_ANSWER;
  private long lastActivity;

  /** The request whose body is being read, or null. */
  private HttpRequest current;

  private long receivedAt;
  private long bodySeen;

  /** An answer that closes the connection is queued: nothing more is read or recorded. */
  private boolean closing;

  /** One request's answer: null until known. */
  private static final class Answer {
    final HttpRequest request;
    FullHttpResponse response;
    boolean ok;
    boolean closes;

    Answer(HttpRequest request) {
      this.request = request;
    }

    void set(FullHttpResponse response, boolean closes) {
      this.response = response;
      this.closes = closes;
    }
  }

  HitConnection(HitListener listener, HitListener.Loop loop, int localPort) {
    this.listener = listener;
    this.loop = loop;
    this.localPort = localPort;
  }

  /** When this connection must have sent its next complete request, epoch ms. */
  long requestDeadline() {
    return requestDeadline;
  }

  /** When this connection last read or wrote, epoch ms. */
  long lastActivity() {
    return lastActivity;
  }

  /** Closes the connection (guard sweeps, stop). */
  void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    long now = System.currentTimeMillis();
    lastActivity = now;
    if (!loop.guard.opened(this)) {
      ctx.close();
      return;
    }
    counted = true;
    requestDeadline = loop.guard.requestDeadline(now);
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    peer = peerIp(remote.getAddress().getHostAddress());
    peerPort = remote.getPort();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (counted) {
      loop.guard.closed(this);
      counted = false;
    }
    closing = true;
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      lastActivity = System.currentTimeMillis();
      if (closing || !counted) {
        return;
      }
      if (msg instanceof HttpRequest req) {
        begin(req);
      }
      if (msg instanceof HttpContent content && current != null && !closing) {
        body(content);
      }
    } catch (RuntimeException | LinkageError e) {
      internalError(e);
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void begin(HttpRequest req) {
    DecoderResult result = req.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      HttpResponseStatus status =
          cause instanceof TooLongHttpLineException
              ? HttpResponseStatus.REQUEST_URI_TOO_LONG
              : cause instanceof TooLongHttpHeaderException
                  ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                  : HttpResponseStatus.BAD_REQUEST;
      LOG.debug("hit listener: {} from {}: {}", status.code(), peer, cause.toString());
      refuse(req, HitResponses.empty(versionOf(req), status));
      return;
    }
    current = req;
    receivedAt = lastActivity;
    bodySeen = 0;
    String contentLength = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
    if (contentLength != null && declaredTooLarge(contentLength)) {
      bodyTooLarge();
      return;
    }
    if (HttpUtil.is100ContinueExpected(req) && answers.isEmpty()) {
      // raw bytes before the codec: an interim answer must not take the place of the final one in
      // the codec's request/response pairing
      ctx.pipeline().context(HttpServerCodec.class).writeAndFlush(Unpooled.wrappedBuffer(CONTINUE));
    }
  }

  private void body(HttpContent content) {
    if (content.decoderResult().isFailure()) {
      LOG.debug("hit listener: 400 from {}: {}", peer, content.decoderResult().cause().toString());
      refuse(current, HitResponses.empty(versionOf(current), HttpResponseStatus.BAD_REQUEST));
      return;
    }
    bodySeen += content.content().readableBytes();
    if (bodySeen > listener.settings.maxBodyBytes()) {
      bodyTooLarge();
      return;
    }
    if (content instanceof LastHttpContent) {
      HttpRequest req = current;
      current = null;
      record(req);
    }
  }

  private void record(HttpRequest req) {
    HttpHeaders headers = req.headers();
    TrustedProxies proxies = listener.trustedProxies;
    String client =
        proxies.isEmpty()
            ? null
            : proxies.clientOf(peer, headers.get("X-Forwarded-For"), headers.get("Forwarded"));
    String uri = req.uri();
    HitRecord hit =
        new HitRecord(
            receivedAt,
            client == null ? peer : client,
            peerPort,
            localPort,
            req.method().name(),
            uri,
            headers.get(HttpHeaderNames.HOST),
            headers.get(HttpHeaderNames.USER_AGENT),
            HitRecord.probeIdOf(uri),
            forwardedFor(headers),
            req.protocolVersion().text(),
            null,
            null,
            client == null ? null : peer);
    Answer answer = new Answer(req);
    answers.add(answer);
    requestDeadline = WAITING_FOR_ANSWER;
    if (!HttpUtil.isKeepAlive(req)) {
      closing = true; // nothing after a request that closes the connection is read
    } else if (answers.size() >= MAX_PIPELINED) {
      ctx.channel().config().setAutoRead(false);
    }
    boolean accepted =
        listener.writer.offer(hit, failure -> loop.answer(() -> committed(answer, failure)));
    if (!accepted) {
      listener.stats.unavailable.increment();
      Persistence p = persistence(req);
      answer.set(HitResponses.unavailable(req.protocolVersion(), p), p == Persistence.CLOSE);
      flushReady();
    }
  }

  /** On the event loop, once the hit's transaction ended. */
  private void committed(Answer answer, Throwable failure) {
    if (!ctx.channel().isActive()) {
      if (failure == null) {
        listener.stats.clientGone.increment();
      }
      return;
    }
    HttpRequest req = answer.request;
    Persistence p = persistence(req);
    if (failure != null) {
      listener.stats.unavailable.increment();
      answer.set(HitResponses.unavailable(req.protocolVersion(), p), p == Persistence.CLOSE);
    } else {
      answer.ok = true;
      answer.set(okResponse(req, p), p == Persistence.CLOSE);
    }
    flushReady();
  }

  private FullHttpResponse okResponse(HttpRequest req, Persistence persistence) {
    HttpVersion version = req.protocolVersion();
    if (req.method() == HttpMethod.HEAD) {
      return HitResponses.okHead(version, persistence);
    }
    if (pathOf(req.uri()).equals("/clientip")) {
      return HitResponses.text(
          version, HttpResponseStatus.OK, clientIp(peer, peerPort), persistence);
    }
    return HitResponses.ok(version, persistence);
  }

  /** Writes the answers known, in request order, and closes after one that says so. */
  private void flushReady() {
    boolean wrote = false;
    Answer a;
    while ((a = answers.peek()) != null && a.response != null) {
      answers.poll();
      if (a.ok) {
        listener.stats.ok.increment();
      }
      if (a.closes) {
        ctx.writeAndFlush(a.response).addListener(ChannelFutureListener.CLOSE);
        answers.clear();
        closing = true;
        return;
      }
      ctx.write(a.response, ctx.voidPromise());
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
      long now = System.currentTimeMillis();
      lastActivity = now;
      if (answers.isEmpty()) {
        requestDeadline = loop.guard.requestDeadline(now);
      }
      if (!ctx.channel().config().isAutoRead() && answers.size() < MAX_PIPELINED / 2) {
        ctx.channel().config().setAutoRead(true);
      }
    }
  }

  /**
   * Answers 413 and closes the connection once the answer is written: the rest of the body is not
   * read, so the connection cannot carry another request.
   */
  private void bodyTooLarge() {
    listener.stats.tooLarge.increment();
    HttpRequest req = current;
    refuse(
        req,
        HitResponses.text(
            req.protocolVersion(),
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "request body too large\n",
            Persistence.CLOSE));
  }

  /** Queues a final answer that closes the connection, after those still owed; no row. */
  private void refuse(HttpRequest req, FullHttpResponse response) {
    current = null;
    closing = true;
    requestDeadline = WAITING_FOR_ANSWER;
    ctx.channel().config().setAutoRead(false);
    Answer answer = new Answer(req);
    answer.set(response, true);
    answers.add(answer);
    flushReady();
  }

  /** A bug in handling one request answers it 500 instead of leaving it hanging. */
  private void internalError(Throwable e) {
    LOG.error("hit listener: cannot handle a request from {}", peer, e);
    if (closing) {
      ctx.close();
      return;
    }
    listener.stats.failed.increment();
    HttpRequest req = current;
    FullHttpResponse response =
        HitResponses.text(
            req == null ? HttpVersion.HTTP_1_1 : req.protocolVersion(),
            HttpResponseStatus.INTERNAL_SERVER_ERROR,
            "not recorded: internal error\n",
            Persistence.CLOSE);
    refuse(req, response);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      LOG.debug("hit listener: connection from {}: {}", peer, cause.toString());
    } else {
      LOG.warn("hit listener: connection from {}: {}", peer, cause.toString());
    }
    ctx.close();
  }

  private static Persistence persistence(HttpRequest req) {
    if (!HttpUtil.isKeepAlive(req)) {
      return Persistence.CLOSE;
    }
    return req.protocolVersion().equals(HttpVersion.HTTP_1_0)
        ? Persistence.KEEP_ALIVE_10
        : Persistence.KEEP_ALIVE_11;
  }

  private static HttpVersion versionOf(HttpRequest req) {
    return req == null || req.protocolVersion() == null
        ? HttpVersion.HTTP_1_1
        : req.protocolVersion().equals(HttpVersion.HTTP_1_0)
            ? HttpVersion.HTTP_1_0
            : HttpVersion.HTTP_1_1;
  }

  private boolean declaredTooLarge(String contentLength) {
    try {
      return Long.parseLong(contentLength.strip()) > listener.settings.maxBodyBytes();
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /**
   * The path of a request target: origin form ({@code /a?b}) or absolute form ({@code
   * http://host/a?b}), without the query.
   */
  static String pathOf(String uri) {
    int start = 0;
    if (!uri.startsWith("/")) {
      int scheme = uri.indexOf("://");
      if (scheme < 0) {
        return uri;
      }
      start = uri.indexOf('/', scheme + 3);
      if (start < 0) {
        return "/";
      }
    }
    int end = uri.length();
    for (int i = start; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    return uri.substring(start, end);
  }

  /**
   * agnhost netexec's /clientip answers Go's RemoteAddr, the TCP peer: {@code ip:port}, IPv6 in
   * brackets.
   */
  static String clientIp(String ip, int port) {
    return SourceIp.isIpv6(ip) ? "[" + ip + "]:" + port : ip + ":" + port;
  }

  /**
   * The canonical text of the TCP peer. The JDK already prints an IPv4 peer as a dotted quad, so
   * only IPv6 (uncompressed, maybe IPv4-mapped or with a zone) goes through {@link SourceIp}.
   */
  static String peerIp(String host) {
    if (host.indexOf(':') < 0) {
      return host;
    }
    return SourceIp.parse(host).orElse(host);
  }

  private static String forwardedFor(HttpHeaders headers) {
    String xff = headers.get("X-Forwarded-For");
    return xff != null ? xff : headers.get("Forwarded");
  }
}
