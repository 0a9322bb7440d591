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
 * listen address, closes a connection that has not sent a complete request within the request
 * timeout since it opened or since its previous answer (slowloris dribbles header bytes just often
 * enough to beat an idle timeout), and closes connections idle (nothing read or written) for the
 * idle timeout, such as one that does not read the answer it waits for.
 *
 * <p>One guard per verticle instance, used only on its event loop; the connection count is shared
 * by the instances of one listen address. One sweep a second checks every deadline of the loop, so
 * a request costs two field writes rather than a timer per connection.
 */
final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  /** A request deadline meaning "a complete request is in, its answer is not written yet". */
  static final long WAITING_FOR_ANSWER = Long.MAX_VALUE;

  /** What the listener knows of one open connection; read and written on its event loop only. */
  static final class Tracked {
    final HttpConnection connection;

    /** When the connection must have sent its next complete request, epoch ms. */
    long requestDeadline;

    /** When the connection last read or wrote, epoch ms. */
    long lastActivity;

    /** A refusal was answered: nothing more on this connection is read or recorded. */
    boolean closing;

    /** The canonical client address rows get, and its port. */
    String peer;

    int peerPort;

    /** The TCP peer when {@link #peer} came from a trusted proxy's PROXY header, else null. */
    String proxy;

    /**
     * The source a PROXY header from a peer that is not a trusted proxy named ({@code PROXY
     * 10.0.0.1:4242}): kept as a claim beside the forwarded-for headers, never the source IP; null
     * when there was none.
     */
    String proxyClaim;

    /** The connection's request decoder, which knows the HTTP version each request named. */
    HitRequestDecoder decoder;

    /** Requests handed to the listener on this connection so far. */
    long requests;

    Tracked(HttpConnection connection, long now, long requestDeadline) {
      this.connection = connection;
      this.lastActivity = now;
      this.requestDeadline = requestDeadline;
    }
  }

  private final Map<HttpConnection, Tracked> connections = new HashMap<>();
  private final AtomicInteger open;
  private final int maxConnections;
  private final long requestTimeoutMillis;
  private final long idleTimeoutMillis;
  private long sweeper = -1;
  private long refused;
  private long timedOut;
  private long idle;
  private long reportedRefused;
  private long reportedTimedOut;
  private long reportedIdle;

  /**
   * @param open the open connections of the listen address, shared by its instances
   * @param settings the limits
   */
  ConnectionGuard(AtomicInteger open, ListenerSettings settings) {
    this.open = open;
    this.maxConnections = settings.maxConnections();
    this.requestTimeoutMillis = settings.requestTimeoutSeconds() * 1000L;
    this.idleTimeoutMillis = settings.idleTimeoutSeconds() * 1000L;
  }

  /** Starts the sweep on the caller's context (the verticle's event loop). */
  void start(Vertx vertx) {
    sweeper = vertx.setPeriodic(1000, id -> sweep());
  }

  /** Stops the sweep. */
  void stop(Vertx vertx) {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
    }
  }

  /**
   * A new connection, counted until it closes.
   *
   * @return its state, or null when it is over the cap: the caller closes it
   */
  Tracked opened(HttpConnection connection) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refused++;
      return null;
    }
    long now = System.currentTimeMillis();
    Tracked t = new Tracked(connection, now, now + requestTimeoutMillis);
    connections.put(connection, t);
    connection.closeHandler(v -> closed(connection));
    return t;
  }

  private void closed(HttpConnection connection) {
    if (connections.remove(connection) != null) {
      open.decrementAndGet();
    }
  }

  /** The state of an open connection counted by {@link #opened}, or null. */
  Tracked get(HttpConnection connection) {
    return connections.get(connection);
  }

  /** The deadline for a connection's next complete request, from now. */
  long requestDeadline(long now) {
    return now + requestTimeoutMillis;
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    List<Tracked> late = new ArrayList<>();
    int quiet = 0;
    for (Tracked t : connections.values()) {
      if (t.requestDeadline < now) {
        late.add(t);
      } else if (idleTimeoutMillis > 0 && now - t.lastActivity > idleTimeoutMillis) {
        late.add(t);
        quiet++;
      }
    }
    timedOut += late.size() - quiet;
    idle += quiet;
    for (Tracked t : late) {
      t.requestDeadline = WAITING_FOR_ANSWER;
      t.lastActivity = Long.MAX_VALUE; // not again while its close completes
      WireClose.close(t.connection);
    }
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
    if (idle > reportedIdle) {
      LOG.debug("hit listener: closed {} idle connections", idle - reportedIdle);
      reportedIdle = idle;
    }
  }
}
