package io.egressaudit.server;

import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.correlator.anomaly.Anomaly;
import io.egressaudit.correlator.anomaly.AnomalyRule;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryFeed;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's current anomalies: evaluated on the followed timelines shortly after history changes
 * (at most every {@value #SETTLE_MS} ms, so a relist of thousands of pods is one evaluation), and
 * every {@value #PERIOD_S} s for history another process wrote. Logs one line when an anomaly
 * begins and one when it ends; those found by the first evaluation, which began before this server
 * started (or before a restart), are logged once as ongoing at start instead. {@link #counts()}
 * feeds {@code /metrics}.
 */
public final class AnomalyWatch implements HistoryFeed.Listener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AnomalyWatch.class);

  /** How long changes settle before anomalies are evaluated again, in ms. */
  static final long SETTLE_MS = 200;

  /** How often anomalies are evaluated without a change heard, in seconds. */
  static final long PERIOD_S = 30;

  private final Database database;
  private final ClusterTimelines timelines;
  private final ClusterAnomalies anomalies = new ClusterAnomalies();
  private final ScheduledExecutorService executor;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Map<String, Set<Anomaly>> current = new HashMap<>();
  private volatile Map<AnomalyRule, Integer> counts = zero();
  private boolean evaluated;

  private AnomalyWatch(Database database, ClusterTimelines timelines) {
    this.database = database;
    this.timelines = timelines;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "anomaly-watch");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Evaluates the anomalies of every followed cluster now, then follows history.
   *
   * @param database the database whose history feed to hear
   * @param timelines the server's timelines (registered on the feed before this)
   */
  public static AnomalyWatch follow(Database database, ClusterTimelines timelines) {
    AnomalyWatch w = new AnomalyWatch(database, timelines);
    HistoryFeed.of(database).listen(w);
    w.executor.scheduleWithFixedDelay(w::evaluateSafely, 0, PERIOD_S, TimeUnit.SECONDS);
    return w;
  }

  private static Map<AnomalyRule, Integer> zero() {
    Map<AnomalyRule, Integer> m = new EnumMap<>(AnomalyRule.class);
    for (AnomalyRule r : AnomalyRule.values()) {
      m.put(r, 0);
    }
    return m;
  }

  /** Current anomalies of every followed cluster, by rule (every rule present, 0 when none). */
  public Map<AnomalyRule, Integer> counts() {
    return counts;
  }

  private void changed() {
    if (scheduled.compareAndSet(false, true)) {
      executor.schedule(
          () -> {
            scheduled.set(false);
            evaluateSafely();
          },
          SETTLE_MS,
          TimeUnit.MILLISECONDS);
    }
  }

  private void evaluateSafely() {
    try {
      evaluate();
    } catch (RuntimeException e) {
      LOG.warn("evaluating anomalies failed: {}", e.toString());
    }
  }

  private synchronized void evaluate() {
    Instant now = TimeArg.now();
    Map<AnomalyRule, Integer> next = zero();
    Set<String> seen = new java.util.HashSet<>();
    for (String cluster : timelines.clusters()) {
      AttributionTimeline t = timelines.get(cluster);
      if (t == null) {
        continue;
      }
      seen.add(cluster);
      Set<Anomaly> found = new LinkedHashSet<>(anomalies.at(t, now));
      Set<Anomaly> before = current.getOrDefault(cluster, Set.of());
      for (Anomaly a : found) {
        next.merge(a.rule(), 1, Integer::sum);
        if (!evaluated) {
          LOG.warn("anomaly ongoing at start: cluster {}: {}: {}", cluster, a.rule(), a.message());
        } else if (!before.contains(a)) {
          LOG.warn("anomaly began: cluster {}: {}: {}", cluster, a.rule(), a.message());
        }
      }
      for (Anomaly a : before) {
        if (!found.contains(a)) {
          LOG.info("anomaly ended: cluster {}: {}: {}", cluster, a.rule(), a.message());
        }
      }
      current.put(cluster, found);
    }
    current.keySet().retainAll(seen);
    counts = next;
    evaluated = true;
  }

  /** The anomalies found at the last evaluation, by cluster. */
  public synchronized Map<String, List<Anomaly>> current() {
    Map<String, List<Anomaly>> m = new java.util.TreeMap<>();
    current.forEach((c, s) -> m.put(c, List.copyOf(s)));
    return m;
  }

  @Override
  public void opened(String cluster, long rowId, ClusterObject state, long validFrom) {
    changed();
  }

  @Override
  public void closed(String cluster, long rowId, ObjectRef ref, long validTo) {
    changed();
  }

  @Override
  public void pruned(long cutoff) {
    changed();
  }

  /** Stops following history. */
  @Override
  public void close() {
    HistoryFeed.of(database).stopListening(this);
    executor.shutdownNow();
  }
}
