package io.egressaudit.server.http;

import io.egressaudit.correlator.SourceIp;
import io.egressaudit.server.http.HitResponses.Persistence;
import io.egressaudit.sql.HitRecord;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
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

  /** The name of the request decoder in the pipeline. */
  static final String DECODER = "decoder";

  private static final byte[] CONTINUE =
      "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  private static final AsciiString FORWARDED = AsciiString.cached("forwarded");

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

  /** The client shut down its sending side: close once the answers owed are written. */
  private boolean inputShutdown;

  /** One request's answer: null until known; the connection closes after it when CLOSE. */
  private static final class Answer {
    final HttpRequest request;
    final Persistence persistence;
    FullHttpResponse response;
    boolean ok;

    Answer(HttpRequest request, Persistence persistence) {
      this.request = request;
      this.persistence = persistence;
    }

    boolean closes() {
      return persistence == Persistence.CLOSE;
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
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    if (remote == null || !loop.guard.opened(this)) {
      // reset by the client before its address could be read, or over the connection cap
      ctx.close();
      return;
    }
    counted = true;
    requestDeadline = loop.guard.requestDeadline(now);
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
      if (cause instanceof TooLongHttpLineException) {
        reject(req, HttpResponseStatus.REQUEST_URI_TOO_LONG, listener.stats.uriTooLong, cause);
      } else if (cause instanceof TooLongHttpHeaderException) {
        reject(
            req,
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            listener.stats.headersTooLarge,
            cause);
      } else {
        reject(req, HttpResponseStatus.BAD_REQUEST, listener.stats.badRequest, cause);
      }
      return;
    }
    if (req.protocolVersion().majorVersion() != 1) {
      // an HTTP/2 preface (PRI * HTTP/2.0) or a made-up version: not a request of ours, no row
      reject(
          req,
          HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          listener.stats.versionNotSupported,
          req.protocolVersion());
      return;
    }
    HttpHeaders headers = req.headers();
    if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) && !chunkedLast(headers)) {
      // RFC 9112 section 6.3: a request whose last transfer coding is not chunked has no
      // reliable length; its body would be read as the next request
      reject(
          req,
          HttpResponseStatus.BAD_REQUEST,
          listener.stats.badRequest,
          headers.getAll(HttpHeaderNames.TRANSFER_ENCODING));
      return;
    }
    String expect = headers.get(HttpHeaderNames.EXPECT);
    boolean expectsContinue = false;
    if (expect != null) {
      if (!expect.strip().equalsIgnoreCase("100-continue")) {
        reject(
            req, HttpResponseStatus.EXPECTATION_FAILED, listener.stats.expectationFailed, expect);
        return;
      }
      expectsContinue = req.protocolVersion().minorVersion() >= 1;
    }
    current = req;
    receivedAt = lastActivity;
    bodySeen = 0;
    String contentLength = headers.get(HttpHeaderNames.CONTENT_LENGTH);
    if (contentLength != null && declaredTooLarge(contentLength)) {
      bodyTooLarge();
      return;
    }
    if (expectsContinue && answers.isEmpty()) {
      // raw bytes, before the encoder: an interim answer is not one of the final answers the
      // listener keeps in request order
      ctx.pipeline().context(DECODER).writeAndFlush(Unpooled.wrappedBuffer(CONTINUE));
    }
  }

  /** True when the last transfer coding of the request is {@code chunked}. */
  private static boolean chunkedLast(HttpHeaders headers) {
    List<String> values = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    String last = values.get(values.size() - 1);
    int comma = last.lastIndexOf(',');
    return last.substring(comma + 1).strip().equalsIgnoreCase("chunked");
  }

  /** Refuses a malformed request: an empty answer with the status, then the connection closed. */
  private void reject(HttpRequest req, HttpResponseStatus status, LongAdder counter, Object why) {
    if (!ctx.channel().isActive()) {
      // the decoder's last word on a connection the client already closed: nobody to answer
      closing = true;
      current = null;
      return;
    }
    LOG.debug("hit listener: {} to {}: {}", status.code(), peer, why);
    counter.increment();
    refuse(req, HitResponses.empty(HttpVersion.HTTP_1_1, status));
  }

  private void body(HttpContent content) {
    if (content.decoderResult().isFailure()) {
      reject(
          current,
          HttpResponseStatus.BAD_REQUEST,
          listener.stats.badRequest,
          content.decoderResult().cause());
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
    List<String> xForwardedFor = lines(headers, X_FORWARDED_FOR);
    List<String> forwarded = lines(headers, FORWARDED);
    String client = proxies.isEmpty() ? null : proxies.clientOf(peer, xForwardedFor, forwarded);
    String uri = RequestText.utf8(req.uri());
    HitRecord hit =
        new HitRecord(
            receivedAt,
            client == null ? peer : client,
            peerPort,
            localPort,
            req.method().name(),
            uri,
            RequestText.utf8(headers.get(HttpHeaderNames.HOST)),
            RequestText.utf8(headers.get(HttpHeaderNames.USER_AGENT)),
            HitRecord.probeIdOf(uri),
            RequestText.utf8(proxies.claimOf(xForwardedFor, forwarded)),
            req.protocolVersion().text(),
            null,
            null,
            client == null ? null : peer);
    Answer answer = new Answer(req, persistence(req));
    answers.add(answer);
    requestDeadline = WAITING_FOR_ANSWER;
    if (answer.closes()) {
      closing = true; // nothing after a request that closes the connection is read
    } else {
      updateReading();
    }
    boolean accepted =
        listener.writer.offer(hit, failure -> loop.answer(() -> committed(answer, failure)));
    if (!accepted) {
      listener.stats.unavailable.increment();
      answer.response = HitResponses.unavailable(versionOf(req), answer.persistence);
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
    if (failure != null) {
      listener.stats.unavailable.increment();
      answer.response = HitResponses.unavailable(versionOf(req), answer.persistence);
    } else {
      answer.ok = true;
      answer.response = okResponse(req, answer.persistence);
    }
    flushReady();
  }

  private FullHttpResponse okResponse(HttpRequest req, Persistence persistence) {
    HttpVersion version = versionOf(req);
    boolean head = req.method() == HttpMethod.HEAD;
    if (pathOf(req.uri()).equals("/clientip")) {
      FullHttpResponse r =
          HitResponses.text(version, HttpResponseStatus.OK, clientIp(peer, peerPort), persistence);
      return head ? r.replace(Unpooled.EMPTY_BUFFER) : r;
    }
    return head ? HitResponses.okHead(version, persistence) : HitResponses.ok(version, persistence);
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
      if (a.closes() || (inputShutdown && answers.isEmpty())) {
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
      updateReading();
    }
  }

  /**
   * Reads only while the client reads its answers: a client that pipelines requests without reading
   * the answers stops being read once {@link #MAX_PIPELINED} answers are owed or the answers
   * written but not yet sent pass the channel's high-water mark, so memory stays bounded.
   */
  private void updateReading() {
    if (closing) {
      return;
    }
    boolean read = answers.size() < MAX_PIPELINED / 2 && ctx.channel().isWritable();
    boolean pause = answers.size() >= MAX_PIPELINED || !ctx.channel().isWritable();
    if (pause && ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(false);
    } else if (read && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  /**
   * The client shut down its sending side after its requests (half-close, as {@code nc -N} does):
   * the decoder has passed on every complete request by now; answer them, then close.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputShutdown = true;
      closing = true;
      current = null;
      if (answers.isEmpty()) {
        ctx.close();
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    updateReading();
    ctx.fireChannelWritabilityChanged();
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
            versionOf(req),
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
    Answer answer = new Answer(req, Persistence.CLOSE);
    answer.response = response;
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
            versionOf(req),
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

  /**
   * The version of an answer's status line: HTTP/1.0 to an HTTP/1.0 request, else HTTP/1.1, the
   * highest this listener speaks (RFC 9110 section 6.2), whatever minor version the client sent.
   */
  private static HttpVersion versionOf(HttpRequest req) {
    return req != null && HttpVersion.HTTP_1_0.equals(req.protocolVersion())
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

  /**
   * Every line of a header, in the order received; empty, without allocating, when it is absent (as
   * it is on most requests).
   */
  private static List<String> lines(HttpHeaders headers, AsciiString name) {
    return headers.contains(name) ? headers.getAll(name) : List.of();
  }
}
