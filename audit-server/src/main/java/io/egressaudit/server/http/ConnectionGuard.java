package io.egressaudit.server.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps hostile clients from holding the listener's connections: caps the open connections of a
 * listen address, and closes a connection that has not sent a complete request within the request
 * timeout since it opened or since its previous answer (slowloris dribbles header bytes just often
 * enough to beat the idle timeout).
 *
 * <p>One guard per verticle instance, used only on its event loop; the connection count is shared
 * by the instances of one listen address. A sweep once a second checks the deadlines, so a request
 * costs two field writes rather than a timer.
 */
final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  private static final long WAITING_FOR_ANSWER = Long.MAX_VALUE;

  private final Map<HttpConnection, long[]> deadlines = new HashMap<>();
  private final AtomicInteger open;
  private final int maxConnections;
  private final long requestTimeoutMillis;
  private long sweeper = -1;
  private long refused;
  private long timedOut;
  private long reportedRefused;
  private long reportedTimedOut;

  /**
   * @param open the open connections of the listen address, shared by its instances
   * @param settings the limits
   */
  ConnectionGuard(AtomicInteger open, ListenerSettings settings) {
    this.open = open;
    this.maxConnections = settings.maxConnections();
    this.requestTimeoutMillis = settings.requestTimeoutSeconds() * 1000L;
  }

  /** Starts the sweep on the caller's context (the verticle's event loop). */
  void start(Vertx vertx) {
    sweeper = vertx.setPeriodic(1000, id -> sweep());
  }

  void stop(Vertx vertx) {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
    }
  }

  /** A new connection: refused beyond the cap, else given the request timeout. */
  void opened(HttpConnection connection) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refused++;
      connection.close();
      return;
    }
    deadlines.put(connection, new long[] {System.currentTimeMillis() + requestTimeoutMillis});
    connection.closeHandler(
        v -> {
          deadlines.remove(connection);
          open.decrementAndGet();
        });
  }

  /** A complete request arrived on the connection: no deadline until it is answered. */
  void requestComplete(HttpConnection connection) {
    long[] d = deadlines.get(connection);
    if (d != null) {
      d[0] = WAITING_FOR_ANSWER;
    }
  }

  /** The connection's request was answered: the next one must come within the request timeout. */
  void answered(HttpConnection connection) {
    long[] d = deadlines.get(connection);
    if (d != null) {
      d[0] = System.currentTimeMillis() + requestTimeoutMillis;
    }
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    List<HttpConnection> late = new ArrayList<>();
    deadlines.forEach(
        (c, d) -> {
          if (d[0] < now) {
            d[0] = WAITING_FOR_ANSWER;
            late.add(c);
          }
        });
    timedOut += late.size();
    late.forEach(HttpConnection::close);
    if (refused > reportedRefused || timedOut > reportedTimedOut) {
      LOG.warn(
          "hit listener: closed {} connections over the cap of {} and {} that sent no complete request"
              + " within {} ms (slow or idle clients)",
          refused - reportedRefused,
          maxConnections,
          timedOut - reportedTimedOut,
          requestTimeoutMillis);
      reportedRefused = refused;
      reportedTimedOut = timedOut;
    }
  }

  /** Connections refused for the cap, since start. */
  long refused() {
    return refused;
  }

  /** Connections closed for not sending a request in time, since start. */
  long timedOut() {
    return timedOut;
  }
}
