package io.egressaudit.server;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.AttributionTimeline.IpSpan;
import io.egressaudit.correlator.AttributionTimeline.OwnerSpan;
import io.egressaudit.correlator.AttributionTimeline.SourceSpan;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.ExpectedSource;
import io.egressaudit.correlator.NamespaceSources;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.SourceIp;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.server.json.AllNamespacesSourceHistoryView;
import io.egressaudit.server.json.AllNamespacesSourcesView;
import io.egressaudit.server.json.AnomaliesView;
import io.egressaudit.server.json.AnomalySpansView;
import io.egressaudit.server.json.AnomalyView;
import io.egressaudit.server.json.ClusterView;
import io.egressaudit.server.json.HitView;
import io.egressaudit.server.json.IpTimelineView;
import io.egressaudit.server.json.LastHitView;
import io.egressaudit.server.json.SourceHistoryView;
import io.egressaudit.server.json.SourceView;
import io.egressaudit.server.json.SourcesView;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryLoader;
import io.egressaudit.sql.HitQuery;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.StaleSpans;
import io.egressaudit.sql.StoredHit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * The questions firewall teams ask, answered from the database: who owned a source IP at a time,
 * and which hits arrived, with their attribution. The command line and the API both call this, so
 * they answer alike. Blocking (JDBC): never call it on an event loop, but for {@link
 * #whoisNowIfKnown}.
 */
public final class AuditQueries {

  /** Largest page of hits one call returns. */
  public static final int MAX_LIMIT = 10_000;

  private final Database database;
  private final HitRepository hits;
  private final ClusterTimelines followed;
  private final ClusterAnomalies anomalies = new ClusterAnomalies();
  private final Duration quietAfter;

  /**
   * Answers from history read fresh from the database for each question (a command, run once).
   *
   * @param database the egress-audit database
   */
  public AuditQueries(Database database) {
    this(database, null);
  }

  /**
   * Answers from timelines that follow history in memory (the server).
   *
   * @param database the egress-audit database
   * @param timelines history in memory, or null to read it fresh for each question
   */
  public AuditQueries(Database database, ClusterTimelines timelines) {
    this(database, timelines, LastHitView.QUIET_AFTER);
  }

  /**
   * Answers from timelines that follow history in memory (the server).
   *
   * @param database the egress-audit database
   * @param timelines history in memory, or null to read it fresh for each question
   * @param quietAfter how long without a hit before {@link #lastHit} says quiet
   */
  public AuditQueries(Database database, ClusterTimelines timelines, Duration quietAfter) {
    this.database = database;
    this.quietAfter = quietAfter;
    // a server keeps a few readers' connections open from one page to the next
    this.hits = new HitRepository(database, timelines == null ? 0 : IDLE_READERS);
    this.followed = timelines;
    if (timelines != null) {
      StaleSpans.load(database); // read once now, so whoisNowIfKnown finds them read
    }
  }

  /** Most connections a server keeps open for pages of hits while no page is read. */
  static final int IDLE_READERS = 4;

  /** Closes the connections kept open for pages of hits. */
  public void close() {
    hits.close();
  }

  /** The timelines covering {@code [from, to)}: those followed, or read now. */
  private ClusterTimelines timelines(String cluster, long from, long to) {
    return followed != null ? followed : ClusterTimelines.read(database, cluster, from, to);
  }

  /**
   * The note of a whois answered from a database with no cluster history: the answer is unknown
   * because nothing is known, not because no cluster owned the IP.
   */
  public static final String NO_HISTORY_NOTE =
      "no cluster history in the database: import a cluster state (egress-audit cluster import)"
          + " or run serve with a cluster source (--cluster-state, --context, --example)";

  /** The id of the newest hit recorded, or 0 when there is none. */
  public long lastHitId() {
    List<StoredHit> last =
        hits.find(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, null, 0, 1, true));
    return last.isEmpty() ? 0 : last.get(0).id();
  }

  /**
   * The newest hit the database holds, as of now ({@code lastHit} of {@code GET /api/v1/clusters}).
   *
   * @return the view, or null when no hit was ever recorded
   */
  public LastHitView lastHit() {
    List<StoredHit> last =
        hits.find(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, null, 0, 1, true));
    return last.isEmpty()
        ? null
        : LastHitView.of(
            Instant.ofEpochMilli(last.get(0).hit().receivedAtMillis()), TimeArg.now(), quietAfter);
  }

  /**
   * Attributes a source IP at a time.
   *
   * @param ip an IP literal
   * @param at the time, or null for now
   * @param cluster only this cluster, or null for all
   * @return the matches; with no cluster history at all, one {@code unknown} match whose note says
   *     so ({@link #NO_HISTORY_NOTE})
   * @throws IllegalArgumentException when {@code ip} is not an IP literal
   */
  public WhoisResult whois(String ip, Instant at, String cluster) {
    String canonical = SourceIp.canonical(ip);
    Instant t = at == null ? TimeArg.now() : at;
    long ms = t.toEpochMilli();
    ClusterTimelines timelines = timelines(cluster, ms, ms + 1);
    List<AttributionTimeline> selected = timelines.select(cluster);
    if (selected.isEmpty()) { // a bare unknown would read as "no cluster owned it"
      return new WhoisResult(
          canonical,
          t,
          List.of(Attribution.builder(AttributionKind.UNKNOWN).note(NO_HISTORY_NOTE).build()));
    }
    WhoisResult r = anomalies.concerning(timelines.whois(canonical, t, selected), selected);
    return new WhoisResult(r.ip(), r.at(), markStale(r.matches(), t, StaleSpans.load(database)));
  }

  /**
   * {@link #whois} of an IP now, when the server already knows the answer: every selected cluster's
   * timeline still holds the answer it last worked out for the IP, its current anomalies are worked
   * out, and the stale spans are read. Never blocks (no database, no lock waited for), so the API
   * answers it where the request arrived; otherwise null, and the question goes to a reader.
   *
   * @param ip an IP literal
   * @param cluster only this cluster, or null for all
   * @return the same answer {@link #whois} would give now, or null
   * @throws IllegalArgumentException when {@code ip} is not an IP literal
   * @throws UnknownClusterException when {@code cluster} has no history
   */
  public WhoisResult whoisNowIfKnown(String ip, String cluster) {
    if (followed == null) {
      return null;
    }
    String canonical = SourceIp.canonical(ip);
    Instant t = TimeArg.now();
    List<AttributionTimeline> selected = followed.select(cluster);
    java.util.Map<String, List<StaleSpans.Span>> spans = StaleSpans.loadedIfCurrent(database);
    if (selected.isEmpty() || spans == null) {
      return null;
    }
    java.util.Map<AttributionTimeline, AttributionTimeline.Known> known =
        new java.util.LinkedHashMap<>();
    for (AttributionTimeline timeline : selected) {
      AttributionTimeline.Known k = timeline.known(canonical, t);
      if (k == null) {
        return null;
      }
      known.put(timeline, k);
    }
    WhoisResult r = anomalies.concerningKnown(followed.whoisKnown(canonical, t, known), known);
    return r == null ? null : new WhoisResult(r.ip(), r.at(), markStale(r.matches(), t, spans));
  }

  /**
   * Marks the matches of clusters whose live view was stale at {@code at} ({@link
   * Attribution#withStale}).
   */
  private static List<Attribution> markStale(
      List<Attribution> matches, Instant at, java.util.Map<String, List<StaleSpans.Span>> spans) {
    if (spans.isEmpty()) {
      return matches;
    }
    List<Attribution> out = new ArrayList<>(matches.size());
    for (Attribution m : matches) {
      StaleSpans.Span s = m.cluster() == null ? null : StaleSpans.covering(spans, m.cluster(), at);
      out.add(s == null ? m : m.withStale(new Attribution.Stale(s.since(), s.reason())));
    }
    return out;
  }

  /** Marks the attribution of hits received while their cluster's live view was stale. */
  private List<HitView> markStale(List<HitView> views) {
    java.util.Map<String, List<StaleSpans.Span>> spans = StaleSpans.load(database);
    if (spans.isEmpty()) {
      return views;
    }
    List<HitView> out = new ArrayList<>(views.size());
    for (HitView v : views) {
      out.add(v.withAttribution(markStale(v.attribution(), v.receivedAt(), spans)));
    }
    return out;
  }

  /**
   * Every cluster with history or a source: its source, what its history covers and its live sync
   * state. History is read from the followed timelines, or with two aggregate queries.
   *
   * @param live the sources this server was given and their state, or an empty list (a command)
   * @return by cluster name
   */
  public List<ClusterView> clusters(List<SourceView> live) {
    java.util.Map<String, AttributionTimeline.Coverage> coverage = new TreeMap<>();
    if (followed != null) {
      followed.clusters().forEach(c -> coverage.put(c, followed.coverage(followed.get(c))));
    } else {
      coverage.putAll(io.egressaudit.sql.HistoryLoader.coverage(database));
    }
    java.util.Map<String, String> imported = io.egressaudit.sql.HistoryLoader.sources(database);
    java.util.Map<String, SourceView> byCluster = new TreeMap<>();
    live.forEach(v -> byCluster.put(v.cluster(), v));
    java.util.Set<String> names = new java.util.TreeSet<>(coverage.keySet());
    names.addAll(byCluster.keySet());
    java.util.Map<String, io.egressaudit.sql.HistoryLoader.LatestSnapshot> latest =
        followed != null ? null : io.egressaudit.sql.HistoryLoader.latestSnapshots(database);
    Instant now = TimeArg.now();
    List<ClusterView> out = new ArrayList<>();
    for (String c : names) {
      Instant last =
          followed != null
              ? followed.lastRecorded(c)
              : ClusterTimelines.lastRecorded(latest.get(c));
      Instant old =
          byCluster.containsKey(c)
              ? null // a source of this server keeps it current (or says it is stale)
              : followed != null
                  ? followed.oldStateRecordedAt(c, now)
                  : ClusterTimelines.oldState(latest.get(c), now);
      out.add(
          ClusterView.of(
              c,
              imported.get(c),
              byCluster.get(c),
              coverage.get(c),
              last,
              ClusterTimelines.oldStateNote(c, old, now)));
    }
    return out;
  }

  /**
   * Every anomaly of the clusters asked about at a time.
   *
   * @param at the time, or null for now
   * @param cluster only this cluster, or null for all
   * @throws IllegalArgumentException naming the known clusters when {@code cluster} has no history
   */
  public AnomaliesView anomalies(Instant at, String cluster) {
    Instant t = at == null ? TimeArg.now() : at;
    long ms = t.toEpochMilli();
    List<AnomalyView> found = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    java.util.Map<String, Instant> asOf = new TreeMap<>();
    ClusterTimelines timelines = timelines(cluster, ms, ms + 1);
    for (AttributionTimeline tl : timelines.select(cluster)) {
      Instant start = timelines.historyStart(tl);
      if (start == null || start.isAfter(t)) {
        notes.add("cluster " + tl.cluster() + ": " + timelines.historyNote(tl));
        continue;
      }
      Instant old = timelines.oldStateRecordedAt(tl.cluster(), t);
      if (old != null) {
        asOf.put(tl.cluster(), old);
        notes.add(
            "cluster "
                + tl.cluster()
                + ": anomalies as of "
                + old
                + ": "
                + ClusterTimelines.oldStateNote(tl.cluster(), old, t));
      }
      List<io.egressaudit.correlator.anomaly.Anomaly> held = anomalies.at(tl, t);
      for (io.egressaudit.correlator.anomaly.Anomaly a : held) {
        found.add(AnomalyView.of(a, followed == null ? null : began(tl, a, t, start)));
      }
      if (followed != null && at == null) {
        forgetEnded(tl.cluster(), held);
      }
    }
    if (timelines.clusters().isEmpty()) {
      notes.add("no cluster history");
    }
    return new AnomaliesView(t, found, notes, asOf);
  }

  /**
   * When each current anomaly began, by cluster then {@link #sameAnomaly} key: worked out once for
   * an anomaly while it goes on (history does not change behind it), forgotten when it ends.
   */
  private final java.util.Map<String, java.util.Map<List<Object>, Instant>> began =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * What makes an anomaly the same one from a change to the next: its rule and the EgressIPs, IPs,
   * nodes and namespaces it concerns, not its pods (which come and go while it goes on) nor its
   * message (which may count them).
   */
  private static List<Object> sameAnomaly(io.egressaudit.correlator.anomaly.Anomaly a) {
    return List.of(a.rule(), a.egressIPs(), a.ips(), a.nodes(), a.namespaces());
  }

  /**
   * When an anomaly held at {@code at} began: the earliest change point of the cluster ({@link
   * AttributionTimeline#anomalyChangePoints}) from which on it held without a break, walking back
   * from {@code at} through at most {@link #MAX_ANOMALY_CHANGES} of them; {@code start} when it
   * held from where history starts. Remembered while it goes on, for answers of now.
   */
  private Instant began(
      AttributionTimeline tl,
      io.egressaudit.correlator.anomaly.Anomaly a,
      Instant at,
      Instant start) {
    List<Object> key = sameAnomaly(a);
    boolean now = at.toEpochMilli() >= tl.lastChangeMillis();
    if (now) {
      Instant known = began.getOrDefault(tl.cluster(), java.util.Map.of()).get(key);
      if (known != null) {
        return known;
      }
    }
    long[] points = tl.anomalyChangePoints(start.toEpochMilli(), at.toEpochMilli() + 1);
    Instant since = at;
    int last = points.length - 1;
    int lowest = Math.max(0, points.length - MAX_ANOMALY_CHANGES);
    for (int i = last; i >= lowest; i--) {
      Instant p = Instant.ofEpochMilli(points[i]);
      boolean held =
          i == last || anomalies.at(tl, p).stream().anyMatch(b -> sameAnomaly(b).equals(key));
      if (!held) {
        break;
      }
      since = p;
    }
    if (now) {
      began
          .computeIfAbsent(tl.cluster(), c -> new java.util.concurrent.ConcurrentHashMap<>())
          .put(key, since);
    }
    return since;
  }

  /** Forgets when the anomalies of a cluster began that no longer hold now. */
  private void forgetEnded(String cluster, List<io.egressaudit.correlator.anomaly.Anomaly> now) {
    java.util.Map<List<Object>, Instant> known = began.get(cluster);
    if (known != null) {
      java.util.Set<List<Object>> current = new java.util.HashSet<>();
      now.forEach(a -> current.add(sameAnomaly(a)));
      known.keySet().retainAll(current);
    }
  }

  /** Most change points of one cluster that one answer about anomalies over a period evaluates. */
  public static final int MAX_ANOMALY_CHANGES = 20_000;

  /**
   * Every anomaly that held at some time of {@code [since, until)}, with when it did: the anomalies
   * of each state the period went through (one per change of the cluster's nodes, namespaces, pods
   * or EgressIPs), joined where the same anomaly goes on.
   *
   * @param since the start of the period, or null for where each cluster's history starts
   * @param until the end of the period (excluded), or null for now
   * @param cluster only this cluster, or null for all
   * @throws IllegalArgumentException when {@code since} is after {@code until}, or a cluster
   *     changed more than {@link #MAX_ANOMALY_CHANGES} times in the period
   * @throws UnknownClusterException naming the known clusters when {@code cluster} has no history
   */
  public AnomalySpansView anomaliesOver(Instant since, Instant until, String cluster) {
    if (since != null && until != null && since.isAfter(until)) {
      throw new IllegalArgumentException("since (" + since + ") is after until (" + until + ")");
    }
    Instant now = TimeArg.now();
    Instant end = until == null ? now : until;
    long to = until == null ? now.toEpochMilli() + 1 : until.toEpochMilli();
    long from = since == null ? Long.MIN_VALUE : since.toEpochMilli();
    ClusterTimelines timelines = timelines(cluster, from, to);
    List<AnomalySpansView.AnomalySpan> spans = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Instant earliest = null;
    for (AttributionTimeline tl : timelines.select(cluster)) {
      Instant start = timelines.historyStart(tl);
      if (start == null || start.toEpochMilli() >= to) {
        notes.add("cluster/" + tl.cluster() + ": " + timelines.historyNote(tl));
        continue;
      }
      if (since != null && start.isAfter(since)) {
        notes.add("cluster/" + tl.cluster() + ": " + timelines.historyNote(tl));
      }
      long f = notBefore(from, start);
      earliest = earliest == null || start.isBefore(earliest) ? start : earliest;
      long[] points = tl.anomalyChangePoints(f, to);
      if (points.length > MAX_ANOMALY_CHANGES) {
        throw new IllegalArgumentException(
            "cluster "
                + tl.cluster()
                + " changed "
                + points.length
                + " times in the period, more than the "
                + MAX_ANOMALY_CHANGES
                + " one answer evaluates: give a shorter period (since, until)");
      }
      java.util.Map<io.egressaudit.correlator.anomaly.Anomaly, Long> open =
          new java.util.LinkedHashMap<>();
      for (long p : points) {
        List<io.egressaudit.correlator.anomaly.Anomaly> held =
            anomalies.at(tl, Instant.ofEpochMilli(p));
        var it = open.entrySet().iterator();
        while (it.hasNext()) {
          var e = it.next();
          if (!held.contains(e.getKey())) {
            spans.add(
                AnomalySpansView.AnomalySpan.of(
                    e.getKey(), Instant.ofEpochMilli(e.getValue()), Instant.ofEpochMilli(p)));
            it.remove();
          }
        }
        held.forEach(a -> open.putIfAbsent(a, p));
      }
      // still held at the end of the period: no until, as sources --since writes it
      open.forEach(
          (a, p) -> spans.add(AnomalySpansView.AnomalySpan.of(a, Instant.ofEpochMilli(p), null)));
    }
    if (timelines.clusters().isEmpty()) {
      notes.add("no cluster history");
    }
    spans.sort(
        Comparator.comparing(AnomalySpansView.AnomalySpan::cluster)
            .thenComparing(AnomalySpansView.AnomalySpan::from)
            .thenComparing(a -> a.rule().ordinal()));
    return new AnomalySpansView(since != null ? since : earliest, end, spans, notes);
  }

  /**
   * The source IPs a namespace must leave with at a time: what a firewall rule for it must allow.
   *
   * @param namespace the namespace
   * @param at the time, or null for now
   * @param cluster only this cluster, or null for all
   * @throws UnknownOwnerException when no selected cluster's history ever held the namespace (a
   *     misspelling would otherwise answer an empty allow-list)
   */
  public SourcesView sources(String namespace, Instant at, String cluster) {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("namespace is empty");
    }
    Instant t = at == null ? TimeArg.now() : at;
    List<ExpectedSource> sources = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    long ms = t.toEpochMilli();
    ClusterTimelines timelines = timelines(cluster, ms, ms + 1);
    List<AttributionTimeline> selected = timelines.select(cluster);
    if (!selected.isEmpty()) {
      everHeld(selected, cluster, ObjectKind.NAMESPACE, "namespace", namespace);
    }
    boolean consulted = false;
    boolean explained = false;
    for (AttributionTimeline tl : selected) {
      io.egressaudit.sql.HistoryStart start = timelines.start(tl);
      if (start != null && start.at().isAfter(t)) {
        if (start.pruned()) { // what is left before the horizon would list sources in part
          notes.add("cluster/" + tl.cluster() + ": " + start.describe());
        }
        continue;
      }
      ClusterSnapshot s = tl.snapshotAt(t);
      if (s.isEmpty()) {
        continue;
      }
      consulted = true;
      NamespaceSources ns = NamespaceSources.of(namespace, s);
      sources.addAll(ns.sources());
      explained |= !ns.notes().isEmpty();
      ns.notes().forEach(n -> notes.add("cluster/" + s.cluster() + ": " + n));
      oldState(timelines, tl, t, notes);
    }
    if (sources.isEmpty() && !explained) {
      if (consulted) {
        notes.add("no active pod of " + namespace + " at " + t + ": no source IP to allow then");
      } else if (notes.isEmpty()) {
        notes.add("no cluster history at " + t);
      }
    }
    return new SourcesView(namespace, t, sources, notes);
  }

  /**
   * Every source IP a namespace had to leave with from {@code since} until now, with the spans it
   * had to: what a firewall rule for the namespace must have allowed over the period.
   *
   * @param namespace the namespace
   * @param since the start of the period; must not be in the future
   * @param cluster only this cluster, or null for all
   * @throws IllegalArgumentException when the namespace is empty, {@code since} is in the future,
   *     or the cluster has no history
   * @throws UnknownOwnerException when no selected cluster's history ever held the namespace
   */
  public SourceHistoryView sourceHistory(String namespace, Instant since, String cluster) {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("namespace is empty");
    }
    Instant now = TimeArg.now();
    if (since.isAfter(now)) {
      throw new IllegalArgumentException("since (" + since + ") is in the future");
    }
    long from = since.toEpochMilli();
    long to = now.toEpochMilli() + 1;
    ClusterTimelines timelines = timelines(cluster, from, to);
    List<SourceSpan> spans = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    List<AttributionTimeline> selected = timelines.select(cluster);
    if (!selected.isEmpty()) {
      everHeld(selected, cluster, ObjectKind.NAMESPACE, "namespace", namespace);
    }
    for (AttributionTimeline tl : selected) {
      Instant start = timelines.historyStart(tl);
      List<SourceSpan> found = tl.sourcesOf(namespace, notBefore(from, start), to);
      spans.addAll(found);
      if (start != null && start.isAfter(since)) {
        notes.add("cluster/" + tl.cluster() + ": " + timelines.historyNote(tl));
      }
      if (!found.isEmpty()) {
        oldState(timelines, tl, now, notes);
      }
    }
    spans.sort(
        Comparator.comparing(SourceSpan::cluster)
            .thenComparingLong(SourceSpan::from)
            .thenComparing(SourceSpan::ip));
    if (spans.isEmpty()) {
      notes.add("no active pod of " + namespace + " in any cluster's history since " + since);
    }
    return new SourceHistoryView(
        namespace,
        since,
        now,
        spans.stream()
            .map(
                s ->
                    new SourceHistoryView.SourceSpanView(
                        s.cluster(),
                        s.ip(),
                        s.kind(),
                        s.egressIP(),
                        s.node(),
                        Instant.ofEpochMilli(s.from()),
                        s.until() >= to ? null : Instant.ofEpochMilli(s.until())))
            .toList(),
        notes);
  }

  /**
   * The source IPs every namespace must leave with at a time: {@link #sources} for each namespace
   * of each selected cluster's state at that time (those without an active pod give no source).
   *
   * @param at the time, or null for now
   * @param cluster only this cluster, or null for all
   * @throws UnknownClusterException naming the known clusters when {@code cluster} has no history
   */
  public AllNamespacesSourcesView allSources(Instant at, String cluster) {
    Instant t = at == null ? TimeArg.now() : at;
    List<AllNamespacesSourcesView.NamespaceSource> sources = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    boolean consulted = false;
    long ms = t.toEpochMilli();
    ClusterTimelines timelines = timelines(cluster, ms, ms + 1);
    for (AttributionTimeline tl : timelines.select(cluster)) {
      io.egressaudit.sql.HistoryStart start = timelines.start(tl);
      if (start != null && start.at().isAfter(t)) {
        if (start.pruned()) {
          notes.add("cluster/" + tl.cluster() + ": " + start.describe());
        }
        continue;
      }
      ClusterSnapshot s = tl.snapshotAt(t);
      if (!s.isEmpty()) {
        consulted = true;
        oldState(timelines, tl, t, notes);
      }
      java.util.TreeSet<String> names = new java.util.TreeSet<>();
      s.namespaces().forEach(n -> names.add(n.name()));
      for (String namespace : names) {
        NamespaceSources ns = NamespaceSources.of(namespace, s);
        ns.sources()
            .forEach(e -> sources.add(AllNamespacesSourcesView.NamespaceSource.of(namespace, e)));
        ns.notes()
            .forEach(
                n -> notes.add("cluster/" + s.cluster() + ": namespace/" + namespace + ": " + n));
      }
    }
    sources.sort(
        Comparator.comparing(AllNamespacesSourcesView.NamespaceSource::namespace)
            .thenComparing(AllNamespacesSourcesView.NamespaceSource::cluster)
            .thenComparing(AllNamespacesSourcesView.NamespaceSource::ip));
    if (sources.isEmpty()) {
      if (consulted) {
        notes.add("no active pod of any namespace at " + t + ": no source IP to allow then");
      } else if (notes.isEmpty()) {
        notes.add("no cluster history at " + t);
      }
    }
    return new AllNamespacesSourcesView(t, sources, notes);
  }

  /**
   * Every source IP each namespace had to leave with from {@code since} until now, with the spans
   * it had to: {@link #sourceHistory} for every namespace each selected cluster's history ever held
   * (read from the database: a read of every namespace interval per call).
   *
   * @param since the start of the period; must not be in the future
   * @param cluster only this cluster, or null for all
   * @throws IllegalArgumentException when {@code since} is in the future
   * @throws UnknownClusterException naming the known clusters when {@code cluster} has no history
   */
  public AllNamespacesSourceHistoryView allSourceHistory(Instant since, String cluster) {
    Instant now = TimeArg.now();
    if (since.isAfter(now)) {
      throw new IllegalArgumentException("since (" + since + ") is in the future");
    }
    long from = since.toEpochMilli();
    long to = now.toEpochMilli() + 1;
    ClusterTimelines timelines = timelines(cluster, from, to);
    List<AllNamespacesSourceHistoryView.NamespaceSpan> spans = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (AttributionTimeline tl : timelines.select(cluster)) {
      Instant start = timelines.historyStart(tl);
      int before = spans.size();
      for (String namespace :
          HistoryLoader.namesEverHeld(database, tl.cluster(), ObjectKind.NAMESPACE)) {
        for (SourceSpan s : tl.sourcesOf(namespace, notBefore(from, start), to)) {
          spans.add(
              new AllNamespacesSourceHistoryView.NamespaceSpan(
                  namespace,
                  s.cluster(),
                  s.ip(),
                  s.kind(),
                  s.egressIP(),
                  s.node(),
                  Instant.ofEpochMilli(s.from()),
                  s.until() >= to ? null : Instant.ofEpochMilli(s.until())));
        }
      }
      if (start != null && start.isAfter(since)) {
        notes.add("cluster/" + tl.cluster() + ": " + timelines.historyNote(tl));
      }
      if (spans.size() > before) {
        oldState(timelines, tl, now, notes);
      }
    }
    spans.sort(
        Comparator.comparing(AllNamespacesSourceHistoryView.NamespaceSpan::namespace)
            .thenComparing(AllNamespacesSourceHistoryView.NamespaceSpan::cluster)
            .thenComparing(AllNamespacesSourceHistoryView.NamespaceSpan::from)
            .thenComparing(AllNamespacesSourceHistoryView.NamespaceSpan::ip));
    if (spans.isEmpty()) {
      notes.add("no active pod of any namespace in any cluster's history since " + since);
    }
    return new AllNamespacesSourceHistoryView(since, now, spans, notes);
  }

  /**
   * Every owner a source IP has had from {@code since} until now, with the span each held it.
   *
   * @param ip an IP literal
   * @param since the start of the period, or null for all history
   * @param cluster only this cluster, or null for all
   * @throws IllegalArgumentException when {@code ip} is not an IP literal, {@code since} is in the
   *     future, or the cluster has no history
   */
  public IpTimelineView ipTimeline(String ip, Instant since, String cluster) {
    String canonical = SourceIp.canonical(ip);
    Instant now = TimeArg.now();
    if (since != null && since.isAfter(now)) {
      throw new IllegalArgumentException("since (" + since + ") is in the future");
    }
    long to = now.toEpochMilli() + 1;
    ClusterTimelines timelines =
        timelines(cluster, since == null ? Long.MIN_VALUE : since.toEpochMilli(), to);
    List<AttributionTimeline> selected = timelines.select(cluster);
    Instant start = since;
    if (start == null) {
      for (AttributionTimeline tl : selected) {
        Instant s = timelines.historyStart(tl);
        if (s != null && (start == null || s.isBefore(start))) {
          start = s;
        }
      }
    }
    List<String> notes = new ArrayList<>();
    List<IpTimelineView.OwnerSpanView> owners = new ArrayList<>();
    if (start == null) {
      notes.add("no cluster history");
      return new IpTimelineView(canonical, null, now, owners, notes);
    }
    long from = start.toEpochMilli();
    List<OwnerSpan> spans = new ArrayList<>();
    for (AttributionTimeline tl : selected) {
      Instant s = timelines.historyStart(tl);
      List<OwnerSpan> found = tl.ownersOf(canonical, notBefore(from, s), to);
      spans.addAll(found);
      if (since != null && s != null && s.isAfter(since)) {
        notes.add("cluster/" + tl.cluster() + ": " + timelines.historyNote(tl));
      }
      if (!found.isEmpty()) {
        oldState(timelines, tl, now, notes);
      }
    }
    spans.sort(Comparator.comparingLong(OwnerSpan::from));
    spans.forEach(
        s ->
            owners.add(
                new IpTimelineView.OwnerSpanView(
                    Instant.ofEpochMilli(s.from()),
                    s.until() >= to ? null : Instant.ofEpochMilli(s.until()),
                    s.owner())));
    if (owners.isEmpty()) {
      notes.add("no rule attributes " + canonical + " in any cluster's history since " + start);
    }
    return new IpTimelineView(canonical, start, now, owners, notes);
  }

  /**
   * Adds {@code cluster/C: state of cluster C last recorded at T (N days before the time asked)}
   * when the cluster's state at {@code at} comes from a snapshot recorded long before and no source
   * of this process keeps it current: an answer from old state must say so, as whois's does.
   */
  private static void oldState(
      ClusterTimelines timelines, AttributionTimeline tl, Instant at, List<String> notes) {
    String old = timelines.oldStateNote(tl.cluster(), at);
    if (old != null) {
      notes.add("cluster/" + tl.cluster() + ": " + old);
    }
  }

  /**
   * A period's start, not before where a cluster's history starts: before its prune horizon what is
   * left of history would answer in part.
   */
  private static long notBefore(long from, Instant historyStart) {
    return historyStart == null ? from : Math.max(from, historyStart.toEpochMilli());
  }

  /**
   * Which hits to list.
   *
   * @param since first time included, or null
   * @param until first time excluded, or null
   * @param ip source IP (any literal form), or a network of source IPs in CIDR notation ({@link
   *     SourceIpPrefix}), or null; kept as canonical text
   * @param namespace only hits attributed to this namespace (in any match), or null
   * @param probeId only hits of this probe, or null; one longer than the {@link
   *     HitRecord#MAX_PROBE_ID} characters a hit keeps is cut as the hit's was
   * @param cluster attribute with this cluster only, or null for all
   * @param afterId paging: oldest first, only hits with a larger id; newest first, only hits with a
   *     smaller id; 0 from the start
   * @param limit most hits returned, 1 to {@link #MAX_LIMIT}
   * @param newestFirst list the newest hits first
   * @param egressIp only hits attributed to this EgressIP object (its name), or null
   * @param node only hits attributed to this node (as its IP, an egress IP it holds, or a pod's),
   *     or null
   * @param kind only hits with a match of this kind, or null
   * @param leaks only hits that are suspected leaks: a node IP while a namespace with pods on the
   *     node should have left through an egress IP
   */
  public record HitFilter(
      Instant since,
      Instant until,
      String ip,
      String namespace,
      String probeId,
      String cluster,
      long afterId,
      int limit,
      boolean newestFirst,
      String egressIp,
      String node,
      AttributionKind kind,
      boolean leaks) {

    /** A filter without owner filters but the namespace. */
    public HitFilter(
        Instant since,
        Instant until,
        String ip,
        String namespace,
        String probeId,
        String cluster,
        long afterId,
        int limit,
        boolean newestFirst) {
      this(
          since,
          until,
          ip,
          namespace,
          probeId,
          cluster,
          afterId,
          limit,
          newestFirst,
          null,
          null,
          null,
          false);
    }

    /** A filter listing oldest first. */
    public HitFilter(
        Instant since,
        Instant until,
        String ip,
        String namespace,
        String probeId,
        String cluster,
        long afterId,
        int limit) {
      this(since, until, ip, namespace, probeId, cluster, afterId, limit, false);
    }

    /** Checks the values a user gave. */
    public HitFilter {
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException(
            "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
      }
      if (since != null && until != null && since.isAfter(until)) {
        throw new IllegalArgumentException("since (" + since + ") is after until (" + until + ")");
      }
      if (ip != null) {
        ip =
            SourceIpPrefix.isCidr(ip)
                ? SourceIpPrefix.parse(ip).canonical()
                : SourceIp.canonical(ip);
      }
      if (afterId < 0) {
        throw new IllegalArgumentException("after must not be negative");
      }
      // a probe id longer than what a hit keeps is found by the part that was kept
      probeId = HitRecord.cut(probeId, HitRecord.MAX_PROBE_ID);
    }

    /** The network {@code ip} names in CIDR notation, or null when it is one IP or absent. */
    public SourceIpPrefix network() {
      return SourceIpPrefix.isCidr(ip) ? SourceIpPrefix.parse(ip) : null;
    }

    /** Whether a hit with these matches passes the owner filters. */
    boolean keeps(List<Attribution> matches) {
      return (namespace == null
              || matches.stream()
                  .anyMatch(
                      m ->
                          m.namespaces().contains(namespace)
                              || (m.leakSuspects() != null
                                  && m.leakSuspects().contains(namespace))))
          && (egressIp == null || matches.stream().anyMatch(m -> egressIp.equals(m.egressIP())))
          && (node == null || matches.stream().anyMatch(m -> node.equals(m.node())))
          && (kind == null || matches.stream().anyMatch(m -> m.kind() == kind))
          && (!leaks
              || matches.stream()
                  .anyMatch(m -> m.leakSuspects() != null && !m.leakSuspects().isEmpty()));
    }
  }

  /**
   * Lists hits, oldest (or newest) first, each with its attribution at the time it arrived.
   *
   * @throws UnknownClusterException naming the known clusters when {@code f.cluster()} has no
   *     history
   * @throws UnknownOwnerException when no selected cluster's history ever held the namespace,
   *     EgressIP or node of an owner filter
   * @throws io.egressaudit.sql.DatabaseException when the database cannot be read
   */
  public List<HitView> hits(HitFilter f) {
    long from = f.since() == null ? Long.MIN_VALUE : f.since().toEpochMilli();
    long to = f.until() == null ? Long.MAX_VALUE : f.until().toEpochMilli();
    ClusterTimelines timelines = timelines(f.cluster(), from, to);
    List<AttributionTimeline> selected = timelines.select(f.cluster());
    everHeld(selected, f.cluster(), ObjectKind.NAMESPACE, "namespace", f.namespace());
    everHeld(selected, f.cluster(), ObjectKind.EGRESS_IP, "EgressIP", f.egressIp());
    everHeld(selected, f.cluster(), ObjectKind.NODE, "node", f.node());
    SourceIpPrefix network = f.network();
    List<IpSpan> spans =
        network != null
            ? networkSpans(f, network, selected, from, to)
            : f.ip() == null ? spans(f, selected, from, to) : null;
    return markStale(
        spans == null
            ? scan(f, from, to, timelines, selected)
            : bySpans(f, spans, timelines, selected));
  }

  /**
   * Checks that some selected cluster's whole history (not only the period asked about) held the
   * owner an owner filter names: a misspelled name would otherwise answer an empty list. From the
   * followed timelines in a server (they hold all history kept), else index seeks in the database;
   * the names held are read only for the error.
   *
   * @param name the filter's value, or null when the filter is not given
   * @throws UnknownOwnerException when none held it, with a close name held if there is one
   */
  private void everHeld(
      List<AttributionTimeline> selected,
      String cluster,
      ObjectKind kind,
      String what,
      String name) {
    if (name == null) {
      return;
    }
    for (AttributionTimeline t : selected) {
      // the followed timelines hold all history kept: no database read per request
      if (followed != null
          ? t.everHeld(kind, name)
          : HistoryLoader.everHeld(database, t.cluster(), kind, name)) {
        return;
      }
    }
    java.util.Set<String> held = new java.util.TreeSet<>();
    selected.forEach(t -> held.addAll(HistoryLoader.namesEverHeld(database, t.cluster(), kind)));
    throw UnknownOwnerException.of(what, name, cluster, held);
  }

  /**
   * The source IPs and periods that the narrowest owner filter allows, from the timelines; null
   * when no filter narrows the IPs (list all hits, or the {@code unknown} kind).
   */
  private static List<IpSpan> spans(
      HitFilter f, List<AttributionTimeline> selected, long from, long to) {
    boolean narrows =
        f.namespace() != null
            || f.egressIp() != null
            || f.node() != null
            || (f.kind() != null && f.kind() != AttributionKind.UNKNOWN)
            || f.leaks();
    if (!narrows) {
      return null;
    }
    List<IpSpan> out = new ArrayList<>();
    for (AttributionTimeline t : selected) {
      if (f.namespace() != null) {
        out.addAll(t.namespaceSpans(f.namespace(), from, to));
      } else if (f.egressIp() != null) {
        out.addAll(t.egressIpSpans(f.egressIp(), from, to));
      } else if (f.node() != null) {
        out.addAll(t.nodeSpans(f.node(), from, to));
      } else if (f.kind() != null && f.kind() != AttributionKind.UNKNOWN) {
        out.addAll(t.kindSpans(f.kind(), from, to));
      } else if (f.leaks()) {
        out.addAll(t.kindSpans(AttributionKind.NODE, from, to));
      }
    }
    return out;
  }

  /**
   * The spans of the source IPs of a network: those of the narrowest owner filter within the
   * network, or else every source IP of the network that hits came from (a seek per IP in the
   * source IP index, {@link HitRepository#sourceIpsStartingWith}) over the whole period.
   */
  private List<IpSpan> networkSpans(
      HitFilter f, SourceIpPrefix network, List<AttributionTimeline> selected, long from, long to) {
    List<IpSpan> owned = spans(f, selected, from, to);
    if (owned != null) {
      return owned.stream().filter(s -> network.contains(s.ip())).toList();
    }
    return hits.sourceIpsStartingWith(network.textPrefixes()).stream()
        .filter(network::contains)
        .map(ip -> new IpSpan(ip, from, to))
        .toList();
  }

  /** Pages through every hit of the period, attributing each and keeping what the filter keeps. */
  private List<HitView> scan(
      HitFilter f,
      long from,
      long to,
      ClusterTimelines timelines,
      List<AttributionTimeline> selected) {
    boolean filtered =
        f.namespace() != null
            || f.egressIp() != null
            || f.node() != null
            || f.kind() != null
            || f.leaks();
    HitQuery q =
        new HitQuery(
            from,
            to,
            f.ip(),
            f.probeId(),
            f.afterId(),
            filtered ? Math.max(f.limit(), 1000) : f.limit(),
            f.newestFirst());
    List<HitView> out = new ArrayList<>();
    while (out.size() < f.limit()) {
      List<StoredHit> page = hits.find(q);
      for (StoredHit h : page) {
        List<Attribution> matches = attribute(h, timelines, selected);
        if (f.keeps(matches)) {
          out.add(HitView.of(h, matches));
          if (out.size() == f.limit()) {
            break;
          }
        }
      }
      if (page.size() < q.limit()) {
        break;
      }
      q = q.after(page.get(page.size() - 1).id());
    }
    return out;
  }

  /**
   * Merges the hits of every span (one source IP over a period) by id, attributes each and keeps
   * what the filter keeps, until the page is full. Each span is read lazily from the source IP
   * index alone (ids and times, in chunks that grow), on one connection; only the hits kept are
   * read whole. So a page reads about its own hits plus a chunk per span, not every hit of every
   * span.
   */
  private List<HitView> bySpans(
      HitFilter f,
      List<IpSpan> spans,
      ClusterTimelines timelines,
      List<AttributionTimeline> selected) {
    List<Long> kept = new ArrayList<>();
    List<List<Attribution>> keptMatches = new ArrayList<>();
    Comparator<SpanCursor> byHead = Comparator.comparingLong(SpanCursor::headId);
    java.util.PriorityQueue<SpanCursor> queue =
        new java.util.PriorityQueue<>(
            Math.max(1, spans.size()), f.newestFirst() ? byHead.reversed() : byHead);
    try (HitRepository.Reader reader = hits.reader()) {
      for (IpSpan s : spans) {
        SpanCursor c = new SpanCursor(s, f);
        if (c.advance(reader)) {
          queue.add(c);
        }
      }
      long previous = 0; // ids start at 1; a hit read through two clusters' spans counts once
      while (!queue.isEmpty() && kept.size() < f.limit()) {
        SpanCursor c = queue.poll();
        HitRepository.HitKey k = c.head();
        if (k.id() != previous) {
          previous = k.id();
          List<Attribution> matches =
              timelines
                  .whois(k.sourceIp(), Instant.ofEpochMilli(k.receivedAtMillis()), selected)
                  .matches();
          if (f.keeps(matches)) {
            kept.add(k.id());
            keptMatches.add(matches);
          }
        }
        if (c.advance(reader)) {
          queue.add(c);
        }
      }
      // the rows of the hits kept, read together
      java.util.Map<Long, StoredHit> rows = reader.byIds(kept);
      List<HitView> out = new ArrayList<>(kept.size());
      for (int i = 0; i < kept.size(); i++) {
        StoredHit h = rows.get(kept.get(i));
        if (h != null) {
          out.add(HitView.of(h, keptMatches.get(i)));
        }
      }
      return out;
    }
  }

  /**
   * The hits of one span, read in chunks of keys by id (64 first, then four times more up to
   * 4,096): most spans of a page give a few hits, some give most of them.
   */
  private static final class SpanCursor {
    private final IpSpan span;
    private final HitFilter f;
    private long after;
    private List<HitRepository.HitKey> chunk = List.of();
    private int pos;
    private int size = 64;
    private boolean last;

    SpanCursor(IpSpan span, HitFilter f) {
      this.span = span;
      this.f = f;
      this.after = f.afterId();
    }

    HitRepository.HitKey head() {
      return chunk.get(pos);
    }

    long headId() {
      return chunk.get(pos).id();
    }

    /** Moves to the next hit; false when the span has no more. */
    boolean advance(HitRepository.Reader reader) {
      if (pos + 1 < chunk.size()) {
        pos++;
        return true;
      }
      if (last) {
        return false;
      }
      if (!chunk.isEmpty()) {
        after = chunk.get(chunk.size() - 1).id();
        size = Math.min(size * 4, 4096);
      }
      chunk =
          reader.keys(
              new HitQuery(
                  span.from(), span.to(), span.ip(), f.probeId(), after, size, f.newestFirst()));
      pos = 0;
      last = chunk.size() < size;
      return !chunk.isEmpty();
    }
  }

  private static List<Attribution> attribute(
      StoredHit h, ClusterTimelines timelines, List<AttributionTimeline> selected) {
    return timelines
        .whois(h.hit().sourceIp(), Instant.ofEpochMilli(h.hit().receivedAtMillis()), selected)
        .matches();
  }
}
