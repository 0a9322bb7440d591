package io.egressaudit.server.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * The answers of the hit listener. The header names and values and the {@code OK\n} body of the hot
 * path are built once and shared by every response. Vert.x writes {@code Connection} as HTTP/1.x
 * expects ({@code close} when the request asked for it, {@code keep-alive} to an HTTP/1.0 client
 * that asked to keep it); a refusal says {@code close} itself and closes the connection.
 */
final class HitResponses {

  private static final CharSequence CONTENT_TYPE = HttpHeaders.CONTENT_TYPE;
  private static final CharSequence CONTENT_LENGTH = HttpHeaders.CONTENT_LENGTH;
  private static final CharSequence TEXT_PLAIN =
      HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence OK_LENGTH = HttpHeaders.createOptimized("3");
  private static final Buffer OK_BODY = Buffer.buffer("OK\n".getBytes(StandardCharsets.US_ASCII));
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");
  private static final CharSequence ONE = HttpHeaders.createOptimized("1");
  private static final CharSequence CONNECTION = HttpHeaders.CONNECTION;
  private static final CharSequence CLOSE = HttpHeaders.CLOSE;

  private HitResponses() {}

  /** {@code 200 OK\n}, the answer to a recorded hit; a HEAD gets the length without the body. */
  static void ok(HttpServerResponse resp, boolean head) {
    resp.putHeader(CONTENT_TYPE, TEXT_PLAIN);
    if (head) {
      // a HEAD answer says the length a GET would get (RFC 9110 section 9.3.2)
      resp.putHeader(CONTENT_LENGTH, OK_LENGTH).end();
    } else {
      resp.end(OK_BODY);
    }
  }

  /** A 200 with a body of its own ({@code /clientip}); a HEAD gets its length only. */
  static void text(HttpServerResponse resp, String body, boolean head) {
    resp.putHeader(CONTENT_TYPE, TEXT_PLAIN);
    if (head) {
      resp.putHeader(CONTENT_LENGTH, String.valueOf(body.getBytes(StandardCharsets.UTF_8).length))
          .end();
    } else {
      resp.end(body);
    }
  }

  /** {@code 503} with {@code Retry-After: 1}: the row was not taken or its commit failed. */
  static void unavailable(HttpServerResponse resp) {
    resp.setStatusCode(503)
        .putHeader(RETRY_AFTER, ONE)
        .putHeader(CONTENT_TYPE, TEXT_PLAIN)
        .end("not recorded: the audit store is busy, retry later\n");
  }

  /**
   * A refusal with the status and a body (none when null), saying {@code Connection: close}; the
   * caller closes the connection once it is written.
   *
   * @return completed once the answer is written
   */
  static Future<Void> refusal(HttpServerResponse resp, int status, String body) {
    resp.setStatusCode(status).putHeader(CONNECTION, CLOSE);
    if (body == null) {
      return resp.end();
    }
    return resp.putHeader(CONTENT_TYPE, TEXT_PLAIN).end(body);
  }
}
