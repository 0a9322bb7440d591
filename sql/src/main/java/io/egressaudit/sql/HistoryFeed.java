package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectRef;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this process records in a database's cluster history, told as it is committed: every
 * interval that begins and every interval that ends, with its row id in {@code cluster_object}. The
 * server's in-memory timelines listen, so they follow snapshot imports and live changes without
 * reading history again. One feed per database file; listeners are called in commit order on the
 * writing thread, under the write lock: they must be quick and must not write.
 *
 * <p>Other processes writing the same file ({@code egress-audit cluster import} while {@code serve}
 * runs) are not heard: see {@link HistoryLoader#changeMark}.
 */
public final class HistoryFeed {

  private static final Logger LOG = LoggerFactory.getLogger(HistoryFeed.class);
  private static final ConcurrentHashMap<Path, HistoryFeed> FEEDS = new ConcurrentHashMap<>();

  /** Hears history as it is committed. */
  public interface Listener {
    /**
     * An interval began.
     *
     * @param cluster the cluster
     * @param rowId its row id in {@code cluster_object}
     * @param state the object's state
     * @param validFrom epoch ms
     */
    void opened(String cluster, long rowId, ClusterObject state, long validFrom);

    /**
     * An interval ended.
     *
     * @param cluster the cluster
     * @param rowId its row id
     * @param ref the object
     * @param validTo epoch ms
     */
    void closed(String cluster, long rowId, ObjectRef ref, long validTo);

    /**
     * Intervals that ended at or before {@code cutoff} were deleted from history (retention).
     *
     * @param cutoff epoch ms
     */
    default void pruned(long cutoff) {}
  }

  /** One recorded change, kept until its transaction commits. */
  record Event(String cluster, long rowId, ObjectRef ref, ClusterObject state, long at) {}

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  private HistoryFeed() {}

  /** The feed of a database file. */
  public static HistoryFeed of(Database database) {
    return FEEDS.computeIfAbsent(database.file().normalize(), f -> new HistoryFeed());
  }

  /** Adds a listener. */
  public void listen(Listener l) {
    listeners.add(l);
  }

  /** Removes a listener. */
  public void stopListening(Listener l) {
    listeners.remove(l);
  }

  boolean hasListeners() {
    return !listeners.isEmpty();
  }

  void pruned(long cutoff) {
    for (Listener l : listeners) {
      try {
        l.pruned(cutoff);
      } catch (RuntimeException ex) {
        LOG.error("history listener failed on retention", ex);
      }
    }
  }

  void deliver(List<Event> events) {
    for (Listener l : listeners) {
      try {
        for (Event e : events) {
          if (e.state() != null) {
            l.opened(e.cluster(), e.rowId(), e.state(), e.at());
          } else {
            l.closed(e.cluster(), e.rowId(), e.ref(), e.at());
          }
        }
      } catch (RuntimeException ex) {
        LOG.error("history listener failed; its view of history may be stale", ex);
      }
    }
  }
}
