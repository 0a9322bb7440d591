package io.egressaudit.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Vert.x's HTTP/1.x request decoder with three refusals of the hit listener's own, which Vert.x's
 * request handler cannot make because the decoder has already rewritten or dropped what they need:
 *
 * <ul>
 *   <li>a request with both {@code Content-Length} and {@code Transfer-Encoding} fails (400): RFC
 *       9112 section 6.3 calls it a request smuggling attempt, and a proxy in front may frame it
 *       differently (Netty would drop the {@code Content-Length} and go on);
 *   <li>a version other than HTTP/1.x fails with {@link UnsupportedVersion} (505), such as an
 *       HTTP/2 preface;
 *   <li>a later HTTP/1 minor version ({@code HTTP/1.2}) is read as HTTP/1.1, the highest this
 *       listener speaks (RFC 9110 section 6.2), so it is answered in HTTP/1.1; the version as sent
 *       is kept for the row ({@link #sentVersion});
 *   <li>a chunked body whose framing cannot be read ({@code ZZZ\r\n}, a chunk size past 2^63) is
 *       answered 400 with {@code Connection: close} and the connection closed (when installed with
 *       a {@code badFraming} counter; Vert.x itself would close without an answer, since its
 *       request was already handed over). The 400 is written straight to the socket: an answer to
 *       an earlier pipelined request still waiting for its commit is lost with the connection, as
 *       it would be on any close.
 * </ul>
 *
 * <p>Failed requests reach the server's invalid-request handler in HTTP/1.1 (Netty's would be
 * HTTP/1.0). {@link #install} puts it in place of Vert.x's decoder in a new connection's pipeline:
 * the one place the listener reaches into Vert.x's internals.
 */
final class HitRequestDecoder extends VertxHttpRequestDecoder {

  /** The name Vert.x gives its decoder in the pipeline. */
  private static final String NAME = "httpDecoder";

  /** A request in a version of HTTP other than 1.x. */
  static final class UnsupportedVersion extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UnsupportedVersion(String version) {
      super("not HTTP/1.x: " + version);
    }
  }

  private static final byte[] BAD_FRAMING =
      ("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n"
              + "content-type: text/plain; charset=utf-8\r\ncontent-length: 28\r\n\r\n"
              + "bad chunked request framing\n")
          .getBytes(StandardCharsets.US_ASCII);

  private final Runnable badFraming;
  private boolean refused;

  /** Request lines decoded on this connection. */
  private long decoded;

  /** The requests, by number, that named a later HTTP/1 minor version; null until one does. */
  private java.util.ArrayDeque<Sent> laterMinor;

  private record Sent(long request, String version) {}

  private HitRequestDecoder(HttpServerOptions options, Runnable badFraming) {
    super(options);
    this.badFraming = badFraming;
  }

  /**
   * Replaces Vert.x's decoder of a connection the server just accepted, before it read anything
   * (the server's connection handler runs then).
   *
   * @return false when the connection is not an HTTP/1.x connection of Vert.x's (then it is left
   *     alone)
   */
  static boolean install(HttpConnection connection, HttpServerOptions options) {
    return install(connection, options, null) != null;
  }

  /**
   * As {@link #install(HttpConnection, HttpServerOptions)}, answering a body of bad chunked framing
   * 400 itself.
   *
   * @param badFraming run once when such a body is refused (to count it); null to leave it to
   *     Vert.x, which closes the connection without an answer
   * @return the decoder installed, or null when the connection was left alone
   */
  static HitRequestDecoder install(
      HttpConnection connection, HttpServerOptions options, Runnable badFraming) {
    if (!(connection instanceof ConnectionBase base)) {
      return null;
    }
    ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
    if (pipeline.get(NAME) == null) {
      return null;
    }
    HitRequestDecoder decoder = new HitRequestDecoder(options, badFraming);
    pipeline.replace(NAME, NAME, decoder);
    return decoder;
  }

  /**
   * The HTTP version request number {@code request} of this connection (1 for the first) named,
   * when it was a later HTTP/1 minor version read as HTTP/1.1; null when it named HTTP/1.0 or 1.1.
   * Ask for each request once, in order, on the connection's event loop.
   */
  String sentVersion(long request) {
    if (laterMinor == null) {
      return null;
    }
    Sent s;
    while ((s = laterMinor.peek()) != null && s.request() < request) {
      laterMinor.poll();
    }
    if (s != null && s.request() == request) {
      laterMinor.poll();
      return s.version();
    }
    return null;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    int before = out.size();
    super.decode(ctx, in, out);
    if (badFraming == null || refused) {
      return;
    }
    for (int i = before; i < out.size(); i++) {
      if (out.get(i) instanceof HttpContent c
          && !(c instanceof HttpRequest)
          && c.decoderResult().isFailure()) {
        // the failed chunk and anything after it never reach Vert.x
        for (int j = out.size() - 1; j >= i; j--) {
          ReferenceCountUtil.release(out.remove(j));
        }
        refused = true;
        in.skipBytes(in.readableBytes());
        badFraming.run();
        // from here the write skips the response encoder, which sits after this decoder
        ctx.writeAndFlush(Unpooled.wrappedBuffer(BAD_FRAMING))
            .addListener(f -> WireClose.close(ctx.channel()));
        return;
      }
    }
  }

  @Override
  protected HttpMessage createMessage(String[] initialLine) {
    HttpMessage m = super.createMessage(initialLine);
    decoded++;
    HttpVersion v = m.protocolVersion();
    if (v == HttpVersion.HTTP_1_1 || v == HttpVersion.HTTP_1_0) {
      return m;
    }
    if (v.majorVersion() != 1) {
      throw new UnsupportedVersion(v.text());
    }
    if (laterMinor == null) {
      laterMinor = new java.util.ArrayDeque<>();
    }
    if (laterMinor.size() < 64) {
      laterMinor.add(new Sent(decoded, v.text()));
    }
    return m.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  @Override
  protected HttpMessage createInvalidMessage() {
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
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
