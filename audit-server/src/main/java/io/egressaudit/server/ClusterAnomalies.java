package io.egressaudit.server;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.correlator.anomaly.Anomalies;
import io.egressaudit.correlator.anomaly.Anomaly;
import java.lang.ref.WeakReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The anomalies of each cluster at a time ({@link Anomalies#find} on the timeline's state then).
 * The rules read every node, namespace and EgressIP but only the pods of the few namespaces {@link
 * Anomalies#namespacesWhosePodsAreRead} names, so what depends on the rest is worked out once per
 * span of unchanged nodes, namespaces and EgressIPs ({@link
 * AttributionTimeline#spanWithoutObjectChanges}) and remembered: a time in a known span costs a
 * lookup when no pod is read; otherwise {@link AttributionTimeline#anomaliesAt} works them out on
 * those namespaces' pods (and remembers them by the intervals read), not on the cluster's ten
 * thousand pods. The current state's anomalies are kept until the timeline changes. Thread-safe.
 */
public final class ClusterAnomalies {

  /** Most spans remembered, over all clusters; a few hundred bytes each without anomalies. */
  static final int MAX_SPANS = 4096;

  /** The anomalies of a timeline's current state while its version is unchanged. */
  private record Current(
      WeakReference<AttributionTimeline> of, long version, List<Anomaly> anomalies) {}

  /**
   * The spans of one timeline by start (a cluster's timeline is replaced when history is read
   * again; the reference does not keep the old one alive).
   */
  private record Spans(
      WeakReference<AttributionTimeline> of, ConcurrentSkipListMap<Long, Span> byStart) {}

  /**
   * What holds over {@code [from, until)} of one cluster while its nodes, namespaces and EgressIPs
   * are those of {@code objectsVersion}: the namespaces whose pods the rules read, and when none,
   * the anomalies themselves.
   */
  private record Span(
      long objectsVersion, long until, Set<String> podsRead, List<Anomaly> anomalies) {}

  private final Map<String, Current> current = new ConcurrentHashMap<>();
  private final Map<String, Spans> spans = new ConcurrentHashMap<>();
  private final AtomicInteger spanCount = new AtomicInteger();

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
      if (c != null && c.of().get() == timeline && c.version() == version) {
        return c.anomalies();
      }
    }
    Span span = span(timeline, at);
    List<Anomaly> found = span.podsRead().isEmpty() ? span.anomalies() : timeline.anomaliesAt(at);
    if (now) {
      current.put(timeline.cluster(), new Current(new WeakReference<>(timeline), version, found));
    }
    return found;
  }

  /** The span of unchanged nodes, namespaces and EgressIPs holding {@code at}. */
  private Span span(AttributionTimeline timeline, Instant at) {
    long t = at.toEpochMilli();
    long objects = timeline.objectsVersion();
    ConcurrentSkipListMap<Long, Span> byStart = spansOf(timeline);
    Map.Entry<Long, Span> known = byStart.floorEntry(t);
    if (known != null
        && known.getValue().objectsVersion() == objects
        && t < known.getValue().until()) {
      return known.getValue();
    }
    long[] bounds = timeline.spanWithoutObjectChanges(t);
    ClusterSnapshot withoutPods = timeline.snapshotAt(at, Set.of());
    Set<String> podsRead = Anomalies.namespacesWhosePodsAreRead(withoutPods);
    List<Anomaly> anomalies =
        !podsRead.isEmpty() || withoutPods.isEmpty()
            ? List.of()
            : List.copyOf(Anomalies.find(withoutPods));
    // stamped with the version read before the span was worked out: a change meanwhile makes the
    // next lookup work it out again
    Span span = new Span(objects, bounds[1], podsRead, anomalies);
    if (spanCount.incrementAndGet() > MAX_SPANS) {
      spans.clear();
      spanCount.set(1);
      byStart = spansOf(timeline);
    }
    byStart.put(bounds[0], span);
    return span;
  }

  private ConcurrentSkipListMap<Long, Span> spansOf(AttributionTimeline timeline) {
    return spans
        .compute(
            timeline.cluster(),
            (c, known) ->
                known != null && known.of().get() == timeline
                    ? known
                    : new Spans(new WeakReference<>(timeline), new ConcurrentSkipListMap<>()))
        .byStart();
  }

  /**
   * Adds to each match of a whois answer the anomalies of its cluster at that time that concern it.
   *
   * @param result the answer
   * @param timelines the timelines it was answered from
   * @return the answer with {@code anomalies} on the matches they concern
   */
  public WhoisResult concerning(WhoisResult result, List<AttributionTimeline> timelines) {
    return concerning(result, timelines, this::at);
  }

  /**
   * {@link #concerning} when each cluster's current anomalies are already worked out for the
   * version of its timeline that answered: null when one would have to be worked out. Never blocks.
   *
   * @param result an answer at a time at or after each timeline's last change
   * @param known what each timeline answered it with ({@link AttributionTimeline#known})
   */
  public WhoisResult concerningKnown(
      WhoisResult result, Map<AttributionTimeline, AttributionTimeline.Known> known) {
    return concerning(
        result,
        List.copyOf(known.keySet()),
        (t, at) -> {
          AttributionTimeline.Known k = known.get(t);
          if (at.toEpochMilli() < k.lastChangeMillis()) {
            return null;
          }
          Current c = current.get(t.cluster());
          return c != null && c.of().get() == t && c.version() == k.version()
              ? c.anomalies()
              : null;
        });
  }

  private static WhoisResult concerning(
      WhoisResult result,
      List<AttributionTimeline> timelines,
      java.util.function.BiFunction<AttributionTimeline, Instant, List<Anomaly>> anomaliesAt) {
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
      List<Anomaly> all = anomaliesAt.apply(t, result.at());
      if (all == null) {
        return null;
      }
      List<Anomaly> concern = all.stream().filter(a -> a.concerns(result.ip(), m)).toList();
      matches.add(concern.isEmpty() ? m : m.withAnomalies(concern));
    }
    return new WhoisResult(result.ip(), result.at(), matches);
  }
}
