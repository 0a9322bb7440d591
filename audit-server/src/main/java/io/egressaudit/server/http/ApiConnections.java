package io.egressaudit.server.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the API's connections to the timeouts of its {@link ApiLimits}: closes a connection that
 * has not sent a complete request head within the request timeout since it was set up or since its
 * previous answer. (The idle timeout is the HTTP server's own; the cap is the {@link ConnectionCap}
 * where connections are accepted.) Used on the API verticle's event loop only; one Vert.x timer per
 * connection waiting for a request, which the API's few connections afford.
 */
final class ApiConnections {

  private static final Logger LOG = LoggerFactory.getLogger(ApiConnections.class);

  private static final long NO_TIMER = -1;

  private final Vertx vertx;
  private final ApiLimits limits;
  private final ConnectionCap cap;
  private final long requestTimeoutMillis;

  /** Open connections, each to the timer that closes it, or {@link #NO_TIMER} while answered. */
  private final Map<HttpConnection, Long> open = new HashMap<>();

  private long timedOut;
  private long reportedRefused;
  private long reportedTimedOut;
  private long reporter = NO_TIMER;

  /**
   * @param cap the cap whose refusals are reported with the timeouts; may be null
   */
  ApiConnections(Vertx vertx, ApiLimits limits, ConnectionCap cap) {
    this.vertx = vertx;
    this.limits = limits;
    this.cap = cap;
    this.requestTimeoutMillis = limits.requestTimeoutSeconds() * 1000L;
  }

  /** Starts reporting closed connections, at most once a second. */
  void start() {
    reporter = vertx.setPeriodic(1000, id -> report());
  }

  /** Stops reporting. */
  void stop() {
    if (reporter != NO_TIMER) {
      vertx.cancelTimer(reporter);
    }
  }

  /** A connection has been set up (TLS handshake done): its first request is awaited. */
  void opened(HttpConnection connection) {
    open.put(connection, awaitRequest(connection));
    connection.closeHandler(v -> closed(connection));
  }

  /** A request head has arrived: no deadline while it is being answered. */
  void requestStarted(HttpConnection connection) {
    Long timer = open.replace(connection, NO_TIMER);
    if (timer != null && timer != NO_TIMER) {
      vertx.cancelTimer(timer);
    }
  }

  /** A request has been answered: the next one must come within the request timeout. */
  void answered(HttpConnection connection) {
    if (open.containsKey(connection)) {
      Long timer = open.put(connection, awaitRequest(connection));
      if (timer != null && timer != NO_TIMER) {
        vertx.cancelTimer(timer);
      }
    }
  }

  private long awaitRequest(HttpConnection connection) {
    long[] self = new long[1];
    self[0] =
        vertx.setTimer(
            requestTimeoutMillis,
            id -> {
              Long current = open.get(connection);
              if (current != null && current == self[0]) {
                timedOut++;
                WireClose.close(connection);
              }
            });
    return self[0];
  }

  private void closed(HttpConnection connection) {
    Long timer = open.remove(connection);
    if (timer != null && timer != NO_TIMER) {
      vertx.cancelTimer(timer);
    }
  }

  private void report() {
    long refused = cap == null ? 0 : cap.refused();
    if (refused > reportedRefused || timedOut > reportedTimedOut) {
      LOG.warn(
          "API: closed {} connections over the cap of {} and {} that sent no complete request"
              + " within {} ms",
          refused - reportedRefused,
          cap == null ? limits.maxConnections() : cap.max(),
          timedOut - reportedTimedOut,
          requestTimeoutMillis);
      reportedRefused = refused;
      reportedTimedOut = timedOut;
    }
  }
}
