package io.egressaudit.server.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps hostile clients from holding the listener's connections: caps the open connections of a
 * listen address, closes a connection that has not sent a complete request within the request
 * timeout since it opened or since its previous answer (slowloris dribbles header bytes just often
 * enough to beat an idle timeout), and closes connections idle (nothing read or written) for the
 * idle timeout.
 *
 * <p>One guard per event loop of the listener, used only on that loop; the connection count is
 * shared by the loops of one listen address. A sweep once a second checks the deadlines, so a
 * request costs two field writes rather than a timer per connection.
 */
final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  private final Set<HitConnection> connections = new HashSet<>();
  private final AtomicInteger open;
  private final int maxConnections;
  private final long requestTimeoutMillis;
  private final long idleTimeoutMillis;
  private ScheduledFuture<?> sweeper;
  private long refused;
  private long timedOut;
  private long idle;
  private long reportedRefused;
  private long reportedTimedOut;
  private long reportedIdle;

  /**
   * @param open the open connections of the listen address, shared by its event loops
   * @param settings the limits
   */
  ConnectionGuard(AtomicInteger open, ListenerSettings settings) {
    this.open = open;
    this.maxConnections = settings.maxConnections();
    this.requestTimeoutMillis = settings.requestTimeoutSeconds() * 1000L;
    this.idleTimeoutMillis = settings.idleTimeoutSeconds() * 1000L;
  }

  /** Starts the sweep on the guard's event loop. */
  void start(EventLoop loop) {
    sweeper = loop.scheduleAtFixedRate(this::sweep, 1, 1, TimeUnit.SECONDS);
  }

  /** Stops the sweep and closes every connection; call on the guard's event loop. */
  void stop() {
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    new ArrayList<>(connections).forEach(HitConnection::close);
  }

  /**
   * A new connection.
   *
   * @return false when it is over the cap: the caller closes it
   */
  boolean opened(HitConnection connection) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refused++;
      return false;
    }
    connections.add(connection);
    return true;
  }

  /** A connection accepted by {@link #opened} has closed. */
  void closed(HitConnection connection) {
    if (connections.remove(connection)) {
      open.decrementAndGet();
    }
  }

  /** The deadline for a connection's next complete request, from now. */
  long requestDeadline(long now) {
    return now + requestTimeoutMillis;
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    List<HitConnection> late = new ArrayList<>();
    List<HitConnection> quiet = new ArrayList<>();
    for (HitConnection c : connections) {
      if (c.requestDeadline() < now) {
        late.add(c);
      } else if (idleTimeoutMillis > 0 && now - c.lastActivity() > idleTimeoutMillis) {
        quiet.add(c);
      }
    }
    timedOut += late.size();
    idle += quiet.size();
    late.forEach(HitConnection::close);
    quiet.forEach(HitConnection::close);
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
