package io.egressaudit.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * The answers of the hit listener, as Netty responses. The 200 {@code OK\n} of the hot path shares
 * its body bytes and header blocks between all responses (they are only read by the encoder); every
 * other answer is built when needed.
 *
 * <p>{@code Connection} is written as HTTP/1.x expects: {@code close} when the listener closes the
 * connection after the answer, {@code keep-alive} for an HTTP/1.0 client that asked to keep it, and
 * nothing for HTTP/1.1 keep-alive (the default).
 */
final class HitResponses {

  /** How the connection goes on after an answer. */
  enum Persistence {
    /** HTTP/1.1 keep-alive, the default: no {@code Connection} header. */
    KEEP_ALIVE_11,
    /** HTTP/1.0 keep-alive, asked for by the client: {@code Connection: keep-alive}. */
    KEEP_ALIVE_10,
    /** The connection is closed after the answer: {@code Connection: close}. */
    CLOSE
  }

  static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");

  private static final ByteBuf OK_BODY =
      Unpooled.unreleasableBuffer(
              Unpooled.directBuffer(3).writeBytes("OK\n".getBytes(StandardCharsets.US_ASCII)))
          .asReadOnly();

  private static final HttpHeaders[] OK_HEADERS = new HttpHeaders[Persistence.values().length];
  private static final HttpHeaders[] HEAD_HEADERS = new HttpHeaders[Persistence.values().length];

  static {
    for (Persistence p : Persistence.values()) {
      OK_HEADERS[p.ordinal()] = headers(TEXT_PLAIN, OK_BODY.readableBytes(), p);
      // a HEAD answer says the length a GET would get (RFC 9110 section 9.3.2), without the body
      HEAD_HEADERS[p.ordinal()] = headers(TEXT_PLAIN, OK_BODY.readableBytes(), p);
    }
  }

  private HitResponses() {}

  /** {@code 200 OK\n}, the answer to a recorded hit. */
  static FullHttpResponse ok(HttpVersion version, Persistence persistence) {
    return new DefaultFullHttpResponse(
        version,
        HttpResponseStatus.OK,
        OK_BODY.duplicate(),
        OK_HEADERS[persistence.ordinal()],
        EmptyTrailers.INSTANCE);
  }

  /** {@code 200} without a body, the answer to a recorded HEAD. */
  static FullHttpResponse okHead(HttpVersion version, Persistence persistence) {
    return new DefaultFullHttpResponse(
        version,
        HttpResponseStatus.OK,
        Unpooled.EMPTY_BUFFER,
        HEAD_HEADERS[persistence.ordinal()],
        EmptyTrailers.INSTANCE);
  }

  /** A plain-text answer with the given status and body, built for this one response. */
  static FullHttpResponse text(
      HttpVersion version, HttpResponseStatus status, String body, Persistence persistence) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    HttpHeaders headers = headers(TEXT_PLAIN, bytes.length, persistence);
    return new DefaultFullHttpResponse(
        version, status, Unpooled.wrappedBuffer(bytes), headers, EmptyTrailers.INSTANCE);
  }

  /** {@code 503} with {@code Retry-After: 1}: the row was not taken or its commit failed. */
  static FullHttpResponse unavailable(HttpVersion version, Persistence persistence) {
    FullHttpResponse r =
        text(
            version,
            HttpResponseStatus.SERVICE_UNAVAILABLE,
            "not recorded: the audit store is busy, retry later\n",
            persistence);
    r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    return r;
  }

  /** An empty answer with the given status, closing the connection (malformed requests). */
  static FullHttpResponse empty(HttpVersion version, HttpResponseStatus status) {
    return new DefaultFullHttpResponse(
        version,
        status,
        Unpooled.EMPTY_BUFFER,
        headers(null, 0, Persistence.CLOSE),
        EmptyTrailers.INSTANCE);
  }

  private static HttpHeaders headers(
      AsciiString contentType, int contentLength, Persistence persistence) {
    HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    if (contentType != null) {
      h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    h.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
    switch (persistence) {
      case CLOSE -> h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      case KEEP_ALIVE_10 -> h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      case KEEP_ALIVE_11 -> {}
    }
    return h;
  }

  /** The trailers of every response: none, shared. */
  private static final class EmptyTrailers {
    static final HttpHeaders INSTANCE =
        DefaultHttpHeadersFactory.trailersFactory().withValidation(false).newHeaders();
  }
}
