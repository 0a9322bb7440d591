package io.egressaudit.server.http;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one listen address of the hit listener did, shared by its verticle instances: the open
 * connections (capped by {@link ListenerSettings#maxConnections()}) and the answers written, so
 * that rows can be checked against the 200s actually sent. Counters only grow.
 */
public final class ListenerStats {

  final AtomicInteger open = new AtomicInteger();
  final LongAdder ok = new LongAdder();
  final LongAdder unavailable = new LongAdder();
  final LongAdder tooLarge = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder clientGone = new LongAdder();
  final LongAdder badRequest = new LongAdder();
  final LongAdder uriTooLong = new LongAdder();
  final LongAdder expectationFailed = new LongAdder();
  final LongAdder headersTooLarge = new LongAdder();
  final LongAdder versionNotSupported = new LongAdder();

  /** Connections open now. */
  public int openConnections() {
    return open.get();
  }

  /** 200 answers written: each one's row was committed first. */
  public long ok() {
    return ok.sum();
  }

  /** 503 answers: the row was not taken or its transaction failed. */
  public long unavailable() {
    return unavailable.sum();
  }

  /** 413 answers: the body was over the limit; no row. */
  public long tooLarge() {
    return tooLarge.sum();
  }

  /** 500 answers: handling the request failed; no row. */
  public long failed() {
    return failed.sum();
  }

  /** 400 answers: malformed requests (bad framing, garbage); no row. */
  public long badRequest() {
    return badRequest.sum();
  }

  /** 414 answers: request line over the limit; no row. */
  public long uriTooLong() {
    return uriTooLong.sum();
  }

  /** 417 answers: an {@code Expect} other than {@code 100-continue}; no row. */
  public long expectationFailed() {
    return expectationFailed.sum();
  }

  /** 431 answers: header block over the limit; no row. */
  public long headersTooLarge() {
    return headersTooLarge.sum();
  }

  /** 505 answers: a protocol other than HTTP/1.x (an HTTP/2 preface, say); no row. */
  public long versionNotSupported() {
    return versionNotSupported.sum();
  }

  /** Rows committed whose client had closed the connection before the 200 could be written. */
  public long clientGone() {
    return clientGone.sum();
  }
}
