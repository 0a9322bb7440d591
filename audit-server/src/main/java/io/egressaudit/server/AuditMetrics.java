package io.egressaudit.server;

import io.egressaudit.controller.SourceState;
import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.server.AuditQueries.HitFilter;
import io.egressaudit.server.http.ListenerStats;
import io.egressaudit.server.json.HitView;
import io.egressaudit.sql.HitWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The metrics {@code GET /metrics} serves in Prometheus text format: the hit writer's counters
 * (read from {@link HitWriter#stats()} at scrape time, so the hot path pays nothing), the hit
 * listener's answers by status, the hits recorded since start by attribution kind and leak
 * suspicion, and the JVM's.
 *
 * <p>Hits by attribution ({@code egress_audit_attributed_hits_total{kind,leak}}) are counted when
 * {@code /metrics} is scraped: every hit committed since the last scrape (since start for the
 * first) is read by id and attributed with the history known then, once each. Not at commit,
 * because the hit writer is the listener's hot path (every 200 waits for its commit) and a hit can
 * arrive before the cluster state that explains it (a dump imported later); not when the API
 * attributes hits, because that counts reads of hits, not hits. A scrape attributes at most {@value
 * #MAX_PER_SCRAPE} hits; more wait for the next. No IP is a label: kinds and leak suspicion only.
 * Scrape off the event loop: it reads the database.
 */
public final class AuditMetrics {

  /** Most hits one scrape attributes; the rest are counted by the next scrapes. */
  static final int MAX_PER_SCRAPE = 100_000;

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /**
   * @param writer the hit writer to report on
   * @param listeners the hit listener's addresses (the list may grow while listeners start)
   */
  public AuditMetrics(HitWriter writer, List<ListenerStats> listeners) {
    this(writer, listeners, null, 0);
  }

  private final AuditQueries queries;
  private final Map<AttributionKind, Counter> byKind = new EnumMap<>(AttributionKind.class);
  private final Map<AttributionKind, Counter> leaksByKind = new EnumMap<>(AttributionKind.class);
  private long countedThrough;

  /**
   * @param writer the hit writer to report on
   * @param listeners the hit listener's addresses (the list may grow while listeners start)
   * @param queries attributes the hits counted by kind; null counts none
   * @param countedThrough the id of the last hit recorded before start: hits after it are counted
   */
  public AuditMetrics(
      HitWriter writer, List<ListenerStats> listeners, AuditQueries queries, long countedThrough) {
    this.queries = queries;
    this.countedThrough = countedThrough;
    if (queries != null) {
      for (AttributionKind k : AttributionKind.values()) {
        byKind.put(k, attributed(k, false));
        if (k == AttributionKind.NODE) {
          leaksByKind.put(k, attributed(k, true));
        }
      }
    }
    outcome(writer, "accepted", s -> s.accepted());
    outcome(writer, "refused", s -> s.refused());
    outcome(writer, "committed", s -> s.committed());
    outcome(writer, "failed", s -> s.failed());
    FunctionCounter.builder("egress_audit_hit_writer_batches", writer, w -> w.stats().batches())
        .description("Transactions committed by the hit writer (group commits)")
        .register(registry);
    Gauge.builder("egress_audit_hit_writer_queue", writer, w -> w.stats().queued())
        .description("Hits waiting for the writer")
        .register(registry);
    Gauge.builder("egress_audit_hit_writer_failing", writer, w -> w.failing() ? 1 : 0)
        .description("1 while the last transaction failed and hits are refused")
        .register(registry);
    answers(listeners, "200", ListenerStats::ok);
    answers(listeners, "503", ListenerStats::unavailable);
    answers(listeners, "413", ListenerStats::tooLarge);
    answers(listeners, "500", ListenerStats::failed);
    answers(listeners, "400", ListenerStats::badRequest);
    answers(listeners, "414", ListenerStats::uriTooLong);
    answers(listeners, "417", ListenerStats::expectationFailed);
    answers(listeners, "431", ListenerStats::headersTooLarge);
    answers(listeners, "505", ListenerStats::versionNotSupported);
    answers(listeners, "none", ListenerStats::clientGone);
    Gauge.builder(
            "egress_audit_listener_connections",
            listeners,
            l -> l.stream().mapToInt(ListenerStats::openConnections).sum())
        .description("Connections open on the hit listener")
        .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  private void outcome(HitWriter writer, String outcome, ToLongFunction<HitWriter.Stats> f) {
    FunctionCounter.builder("egress_audit_hits", writer, w -> f.applyAsLong(w.stats()))
        .tag("outcome", outcome)
        .description(
            "Hits by outcome: accepted (queued for the writer), committed (row stored, answered 200),"
                + " failed (transaction failed, answered 503), refused (queue full or store failing,"
                + " answered 503)")
        .register(registry);
  }

  private void answers(
      List<ListenerStats> listeners, String status, ToLongFunction<ListenerStats> f) {
    FunctionCounter.builder(
            "egress_audit_listener_answers", listeners, l -> l.stream().mapToLong(f).sum())
        .tag("status", status)
        .description(
            "Hit listener answers by status; none: the row was committed but the client had gone"
                + " before its 200 could be written. Rows of the listener = 200 + none.")
        .register(registry);
  }

  /**
   * Adds a gauge per cluster source: {@code egress_audit_cluster_ready} (1 once recorded), {@code
   * egress_audit_cluster_stale} (1 while stale), {@code egress_audit_cluster_sync_age_seconds} (-1
   * before the first sync) and {@code egress_audit_cluster_watch_restarts_total}, each tagged
   * {@code cluster}.
   *
   * @param sources the sources {@code serve} was given; their clusters are known at start
   */
  public void clusterSources(ClusterSources sources) {
    for (String cluster : sources.clusters()) {
      Gauge.builder(
              "egress_audit_cluster_ready",
              sources,
              s -> state(s, cluster) != null && state(s, cluster).ready() ? 1 : 0)
          .tag("cluster", cluster)
          .description("1 once the cluster's source has been recorded at least once (/readyz)")
          .register(registry);
      Gauge.builder(
              "egress_audit_cluster_stale",
              sources,
              s ->
                  state(s, cluster) != null
                          && state(s, cluster).status() == SourceState.Status.STALE
                      ? 1
                      : 0)
          .tag("cluster", cluster)
          .description("1 while the cluster's view is stale (a watch is down, a file failed)")
          .register(registry);
      Gauge.builder(
              "egress_audit_cluster_sync_age",
              sources,
              s ->
                  state(s, cluster) == null
                      ? -1
                      : state(s, cluster).secondsSinceSync(Instant.now()))
          .tag("cluster", cluster)
          .description("Seconds since the cluster's source was last known in sync; -1 before")
          .baseUnit("seconds")
          .register(registry);
      FunctionCounter.builder(
              "egress_audit_cluster_watch_restarts",
              sources,
              s -> state(s, cluster) == null ? 0 : state(s, cluster).watchRestarts())
          .tag("cluster", cluster)
          .description("Lists of a live cluster after its first (410 Gone, lost watches)")
          .register(registry);
    }
  }

  /**
   * Adds {@code egress_audit_anomalies}, tagged {@code rule}: the anomalies current in the clusters
   * the server follows, by rule (0 for a rule with none).
   *
   * @param watch the server's anomaly watch
   */
  public void anomalies(AnomalyWatch watch) {
    for (io.egressaudit.correlator.anomaly.AnomalyRule rule :
        io.egressaudit.correlator.anomaly.AnomalyRule.values()) {
      Gauge.builder("egress_audit_anomalies", watch, w -> w.counts().getOrDefault(rule, 0))
          .tag("rule", rule.toString())
          .description(
              "Anomalies current in the followed clusters, by rule (GET /api/v1/anomalies)")
          .register(registry);
    }
  }

  private static SourceState state(ClusterSources sources, String cluster) {
    return sources.state(cluster);
  }

  private Counter attributed(AttributionKind kind, boolean leak) {
    return Counter.builder("egress_audit_attributed_hits")
        .tag("kind", kind.toString())
        .tag("leak", Boolean.toString(leak))
        .description(
            "Hits recorded since start, by the kind of attribution rule that matched (a hit whose"
                + " source IP matches in several clusters counts once per kind) and whether a node"
                + " match names leak suspects (leak=true: a namespace with pods on the node should"
                + " have left through an EgressIP). Counted at scrape time.")
        .register(registry);
  }

  /**
   * The Prometheus text exposition of every metric, after counting the hits recorded since the last
   * scrape. Blocking (reads the database).
   *
   * @throws io.egressaudit.sql.DatabaseException when the hits cannot be read
   */
  public synchronized String scrape() {
    if (queries != null) {
      countAttributions();
    }
    return registry.scrape();
  }

  private void countAttributions() {
    int counted = 0;
    while (counted < MAX_PER_SCRAPE) {
      List<HitView> page =
          queries.hits(
              new HitFilter(
                  null, null, null, null, null, null, countedThrough, AuditQueries.MAX_LIMIT));
      for (HitView h : page) {
        EnumSet<AttributionKind> kinds = EnumSet.noneOf(AttributionKind.class);
        EnumSet<AttributionKind> leaking = EnumSet.noneOf(AttributionKind.class);
        for (Attribution a : h.attribution()) {
          (a.leakSuspects() != null && !a.leakSuspects().isEmpty() ? leaking : kinds).add(a.kind());
        }
        kinds.removeAll(leaking);
        kinds.forEach(k -> byKind.get(k).increment());
        leaking.forEach(k -> leaksByKind.get(k).increment());
        countedThrough = h.id();
      }
      counted += page.size();
      if (page.size() < AuditQueries.MAX_LIMIT) {
        return;
      }
    }
  }
}
