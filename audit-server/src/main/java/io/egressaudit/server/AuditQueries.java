package io.egressaudit.server;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.ExpectedSource;
import io.egressaudit.correlator.NamespaceSources;
import io.egressaudit.correlator.SourceIp;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.server.json.HitView;
import io.egressaudit.server.json.SourcesView;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryView;
import io.egressaudit.sql.HitQuery;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.StoredHit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The questions firewall teams ask, answered from the database: who owned a source IP at a time,
 * and which hits arrived, with their attribution. The command line and the API both call this, so
 * they answer alike. Blocking (JDBC): never call it on an event loop.
 */
public final class AuditQueries {

  /** Largest page of hits one call returns. */
  public static final int MAX_LIMIT = 10_000;

  private final Database database;
  private final HitRepository hits;

  /**
   * @param database the egress-audit database
   */
  public AuditQueries(Database database) {
    this.database = database;
    this.hits = new HitRepository(database);
  }

  /**
   * Attributes a source IP at a time.
   *
   * @param ip an IP literal
   * @param at the time, or null for now
   * @param cluster only this cluster, or null for all
   * @throws IllegalArgumentException when {@code ip} is not an IP literal
   */
  public WhoisResult whois(String ip, Instant at, String cluster) {
    String canonical = SourceIp.canonical(ip);
    try (HistoryView view = new HistoryView(database, cluster)) {
      return view.whois(canonical, at == null ? TimeArg.now() : at);
    }
  }

  /**
   * The source IPs a namespace must leave with at a time: what a firewall rule for it must allow.
   *
   * @param namespace the namespace
   * @param at the time, or null for now
   * @param cluster only this cluster, or null for all
   */
  public SourcesView sources(String namespace, Instant at, String cluster) {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("namespace is empty");
    }
    Instant t = at == null ? TimeArg.now() : at;
    List<ExpectedSource> sources = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    try (HistoryView view = new HistoryView(database, cluster)) {
      for (ClusterSnapshot s : view.snapshotsAt(t)) {
        NamespaceSources ns = NamespaceSources.of(namespace, s);
        sources.addAll(ns.sources());
        ns.notes().forEach(n -> notes.add("cluster/" + s.cluster() + ": " + n));
      }
    }
    if (notes.isEmpty() && sources.isEmpty()) {
      notes.add("no cluster history at " + t);
    }
    return new SourcesView(namespace, t, sources, notes);
  }

  /**
   * Which hits to list.
   *
   * @param since first time included, or null
   * @param until first time excluded, or null
   * @param ip source IP (any literal form), or null
   * @param namespace only hits attributed to this namespace (in any match), or null
   * @param probeId only hits of this probe, or null
   * @param cluster attribute with this cluster only, or null for all
   * @param afterId paging: oldest first, only hits with a larger id; newest first, only hits with a
   *     smaller id; 0 from the start
   * @param limit most hits returned, 1 to {@link #MAX_LIMIT}
   * @param newestFirst list the newest hits first
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
      boolean newestFirst) {

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
        ip = SourceIp.canonical(ip);
      }
      if (afterId < 0) {
        throw new IllegalArgumentException("after must not be negative");
      }
    }
  }

  /**
   * Lists hits, oldest (or newest) first, each with its attribution at the time it arrived.
   *
   * @throws io.egressaudit.sql.DatabaseException when the database cannot be read
   */
  public List<HitView> hits(HitFilter f) {
    HitQuery q =
        new HitQuery(
            f.since() == null ? Long.MIN_VALUE : f.since().toEpochMilli(),
            f.until() == null ? Long.MAX_VALUE : f.until().toEpochMilli(),
            f.ip(),
            f.probeId(),
            f.afterId(),
            f.namespace() == null ? f.limit() : Math.max(f.limit(), 1000),
            f.newestFirst());
    List<HitView> out = new ArrayList<>();
    try (HistoryView view = new HistoryView(database, f.cluster())) {
      while (out.size() < f.limit()) {
        List<StoredHit> page = hits.find(q);
        for (StoredHit h : page) {
          List<Attribution> matches =
              view.whois(h.hit().sourceIp(), Instant.ofEpochMilli(h.hit().receivedAtMillis()))
                  .matches();
          if (f.namespace() == null
              || matches.stream().anyMatch(m -> m.namespaces().contains(f.namespace()))) {
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
    }
    return out;
  }
}
