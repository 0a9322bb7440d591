package io.egressaudit.server;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.correlator.anomaly.Anomalies;
import io.egressaudit.correlator.anomaly.Anomaly;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The anomalies of each cluster at a time ({@link Anomalies#find} on the timeline's state then,
 * through {@link AttributionTimeline#anomaliesAt}, which leaves out the pods no anomaly rule
 * reads). The current state's anomalies are kept until the timeline changes, so a {@code whois}
 * about now does not rebuild the cluster's state; a past time is worked out each time. Thread-safe.
 */
public final class ClusterAnomalies {

  private record Current(long version, List<Anomaly> anomalies) {}

  private final Map<String, Current> current = new ConcurrentHashMap<>();

  /**
   * The anomalies of a cluster at a time.
   *
   * @param timeline the cluster's timeline, holding the state at {@code at}
   * @param at the time
   * @return the anomalies, in rule order; empty before history or when there are none
   */
  public List<Anomaly> at(AttributionTimeline timeline, Instant at) {
    long version = timeline.version();
    boolean now = at.toEpochMilli() >= timeline.lastChangeMillis();
    if (now) {
      Current c = current.get(timeline.cluster());
      if (c != null && c.version() == version) {
        return c.anomalies();
      }
    }
    List<Anomaly> found = timeline.anomaliesAt(at);
    if (now) {
      current.put(timeline.cluster(), new Current(version, found));
    }
    return found;
  }

  /**
   * Adds to each match of a whois answer the anomalies of its cluster at that time that concern it.
   *
   * @param result the answer
   * @param timelines the timelines it was answered from
   * @return the answer with {@code anomalies} on the matches they concern
   */
  public WhoisResult concerning(WhoisResult result, List<AttributionTimeline> timelines) {
    List<Attribution> matches = new ArrayList<>(result.matches().size());
    for (Attribution m : result.matches()) {
      AttributionTimeline t =
          m.cluster() == null
              ? null
              : timelines.stream()
                  .filter(x -> x.cluster().equals(m.cluster()))
                  .findFirst()
                  .orElse(null);
      if (t == null) {
        matches.add(m);
        continue;
      }
      List<Anomaly> concern =
          at(t, result.at()).stream().filter(a -> a.concerns(result.ip(), m)).toList();
      matches.add(concern.isEmpty() ? m : m.withAnomalies(concern));
    }
    return new WhoisResult(result.ip(), result.at(), matches);
  }
}
