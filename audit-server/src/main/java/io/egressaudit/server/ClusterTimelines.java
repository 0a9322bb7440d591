package io.egressaudit.server;

import io.egressaudit.controller.informer.ClusterWatcher;
import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryFeed;
import io.egressaudit.sql.HistoryLoader;
import io.egressaudit.sql.HistoryStart;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link AttributionTimeline} per cluster with history: the server's follow history as it is
 * recorded (snapshot imports and live changes, through the {@link HistoryFeed}) after loading it
 * once at start; a command's are read fresh from the database for the period it asks about. Either
 * way the same code attributes. Thread-safe.
 *
 * <p>A match from a cluster whose latest snapshot (a {@code cluster import}, a file read) is more
 * than {@link #OLD_STATE_AFTER} before the time asked says so in its note ({@code state of cluster
 * C last recorded at T (N days before the time asked)}): a dump is a picture of one moment. Live
 * clusters (their snapshots come from informers, and their outages from stale spans) and the
 * sources this process follows ({@link #followedSources}) never get that note.
 */
public final class ClusterTimelines implements HistoryFeed.Listener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterTimelines.class);

  /**
   * How long before the time asked a cluster's latest snapshot may be before its matches say so: an
   * hour after a dump, pods have been rescheduled and EgressIPs may have failed over.
   */
  public static final Duration OLD_STATE_AFTER = Duration.ofHours(1);

  private final Map<String, AttributionTimeline> byCluster = new ConcurrentHashMap<>();

  /** Each cluster's latest snapshot ({@code cluster_import}), read with history. */
  private volatile Map<String, HistoryLoader.LatestSnapshot> latestSnapshots = Map.of();

  /** The clusters whose source this process keeps recording (serve's files and contexts). */
  private volatile Set<String> followedSources = Set.of();

  /** For timelines read for a period: where each cluster's whole history starts. */
  private Map<String, HistoryStart> historyStarts;

  /**
   * For followed timelines: each cluster's prune horizon ({@link HistoryLoader#horizons}), read at
   * start and again after every prune or reload.
   */
  private volatile Map<String, Instant> horizons = Map.of();

  private final Database database;
  private final Object loading = new Object();
  private List<Runnable> heardWhileLoading;
  private long heardMaxRowId;
  private long heardOpen; // intervals open, as heard: opened raise it, closed lower it
  private long heardHorizon;

  /** Snapshot imports that were still being written (hidden) when history was last read. */
  private long heardPending;

  private volatile long loadedThrough;

  private ClusterTimelines(Database database) {
    this.database = database;
  }

  /**
   * Loads all history and follows what this process records from now on (the server).
   *
   * @throws io.egressaudit.sql.DatabaseException when history cannot be read
   */
  public static ClusterTimelines follow(Database database) {
    ClusterTimelines t = new ClusterTimelines(database);
    t.heardWhileLoading = new ArrayList<>();
    HistoryFeed.of(database).listen(t); // before loading: nothing recorded meanwhile is missed
    t.horizons = HistoryLoader.horizons(database);
    t.latestSnapshots = HistoryLoader.latestSnapshots(database);
    long started = System.nanoTime();
    long[] count = {0};
    long through =
        HistoryLoader.load(
            database,
            null,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            (cluster, rowId, state, from, to) -> {
              t.timeline(cluster).add(rowId, state, from, to);
              count[0]++;
            });
    t.byCluster.values().forEach(tl -> tl.loadedThrough(through));
    t.loadedThrough = through;
    t.markFromDatabase();
    synchronized (t.loading) {
      t.heardWhileLoading.forEach(Runnable::run); // rows up to `through` are skipped
      t.heardWhileLoading = null;
    }
    LOG.info(
        "history of {} clusters in memory: {} intervals in {} ms",
        t.byCluster.size(),
        count[0],
        (System.nanoTime() - started) / 1_000_000);
    return t;
  }

  /**
   * Reads the history of one cluster (or all) overlapping a period, once (a command).
   *
   * @param cluster only this cluster, or null for all
   * @param from epoch ms, included
   * @param to epoch ms, excluded
   */
  public static ClusterTimelines read(Database database, String cluster, long from, long to) {
    ClusterTimelines t = new ClusterTimelines(database);
    t.historyStarts = HistoryLoader.historyStarts(database);
    t.latestSnapshots = HistoryLoader.latestSnapshots(database);
    t.historyStarts.keySet().stream()
        .filter(c -> cluster == null || c.equals(cluster))
        .forEach(t::timeline);
    HistoryLoader.load(
        database,
        cluster,
        from,
        to,
        (c, rowId, state, f, u) -> t.timeline(c).add(rowId, state, f, u));
    return t;
  }

  private AttributionTimeline timeline(String cluster) {
    return byCluster.computeIfAbsent(
        cluster,
        c -> {
          AttributionTimeline tl = new AttributionTimeline(c);
          tl.loadedThrough(loadedThrough);
          return tl;
        });
  }

  /**
   * Reads everything again when another process wrote history (a {@code cluster import} while the
   * server runs), which this process's feed does not hear.
   *
   * @return true when history was read again
   */
  public boolean reloadIfChangedElsewhere() {
    synchronized (loading) {
      String[] mark = HistoryLoader.changeMark(database).split("/");
      if (Long.parseLong(mark[3]) > 0) {
        // this process is writing a snapshot (a live cluster's first list, a --cluster-state
        // file): its rows raise the mark before the feed delivers them, at their end; what
        // others wrote meanwhile is seen at the next check
        return false;
      }
      if (heardPending == 0
          && Long.parseLong(mark[2]) == 0
          && Long.parseLong(mark[0]) == heardMaxRowId
          && Long.parseLong(mark[1]) == heardOpen
          && Long.parseLong(mark[4]) == heardHorizon) {
        return false;
      }
      LOG.info("history was written by another process: reading it again");
      ClusterTimelines fresh = read(database, null, Long.MIN_VALUE, Long.MAX_VALUE);
      byCluster.putAll(fresh.byCluster);
      byCluster.keySet().retainAll(fresh.byCluster.keySet());
      horizons = HistoryLoader.horizons(database); // a prune elsewhere moves them
      latestSnapshots = fresh.latestSnapshots;
      markFromDatabase();
      return true;
    }
  }

  /** What this process has heard of history, as {@link HistoryLoader#changeMark} writes it. */
  private void markFromDatabase() {
    String[] mark = HistoryLoader.changeMark(database).split("/");
    heardMaxRowId = Long.parseLong(mark[0]);
    heardOpen = Long.parseLong(mark[1]);
    heardPending = Long.parseLong(mark[2]);
    heardHorizon = Long.parseLong(mark[4]);
  }

  /**
   * Says which clusters this process records as their source changes (serve's {@code
   * --cluster-state} files, {@code --example}, {@code --context}s): their answers never carry the
   * old-state note, as their state is re-read when the file changes (and a failed read is a stale
   * span).
   *
   * @param clusters the cluster names
   */
  public void followedSources(Set<String> clusters) {
    followedSources = Set.copyOf(clusters);
  }

  /** The clusters with history, sorted. */
  public List<String> clusters() {
    return new ArrayList<>(new TreeMap<>(byCluster).keySet());
  }

  /** The timeline of a cluster, or null when it has no history. */
  public AttributionTimeline get(String cluster) {
    return byCluster.get(cluster);
  }

  /**
   * The timelines asked about.
   *
   * @param cluster one cluster, or null for all
   * @throws UnknownClusterException naming the known clusters when {@code cluster} has no history
   */
  public List<AttributionTimeline> select(String cluster) {
    if (cluster != null && historyStarts != null && !historyStarts.containsKey(cluster)) {
      byCluster.remove(cluster);
    }
    if (cluster == null) {
      List<AttributionTimeline> all = new ArrayList<>();
      clusters().forEach(c -> all.add(byCluster.get(c)));
      return all;
    }
    AttributionTimeline t = byCluster.get(cluster);
    if (t == null) {
      List<String> known = historyStarts != null ? List.copyOf(historyStarts.keySet()) : clusters();
      throw new UnknownClusterException(
          "unknown cluster '"
              + cluster
              + "'; clusters with history: "
              + (known.isEmpty() ? "none" : String.join(", ", known)));
    }
    return List.of(t);
  }

  /**
   * Attributes a canonical source IP at a time with every selected cluster's state then. A cluster
   * whose history starts after {@code at} (see {@link #start}: before the prune horizon its state
   * is not whole) does not answer; when none answers, the {@code unknown} match says where history
   * starts or that it was pruned before then. Matches of a cluster whose latest snapshot is more
   * than {@link #OLD_STATE_AFTER} before {@code at} note when it was (an {@code unknown} match
   * notes it for every cluster asked), nothing else about them changes.
   *
   * @param ip canonical source IP
   * @param at the time
   * @param clusters the timelines to ask, from {@link #select}
   * @return the matches, never empty
   */
  public WhoisResult whois(String ip, Instant at, List<AttributionTimeline> clusters) {
    return whois(ip, at, clusters, null);
  }

  /**
   * {@link #whois(String, Instant, List)} answered from what each timeline already knew ({@link
   * AttributionTimeline#known}), for a thread that must not block: nothing is worked out and no
   * lock is waited for.
   *
   * @param known for each timeline asked, in order, its known answer of {@code ip} at {@code at}
   */
  public WhoisResult whoisKnown(
      String ip, Instant at, Map<AttributionTimeline, AttributionTimeline.Known> known) {
    return whois(ip, at, List.copyOf(known.keySet()), known);
  }

  private WhoisResult whois(
      String ip,
      Instant at,
      List<AttributionTimeline> clusters,
      Map<AttributionTimeline, AttributionTimeline.Known> known) {
    List<Attribution> matches = new ArrayList<>();
    List<String> oldStates = new ArrayList<>();
    HistoryStart earliest = null;
    boolean covered = false;
    for (AttributionTimeline t : clusters) {
      HistoryStart start = known == null ? start(t) : start(t, known.get(t).historyStart());
      if (start != null && start.at().isAfter(at)) {
        if (earliest == null || start.at().isBefore(earliest.at())) {
          earliest = start;
        }
        continue; // before the prune horizon, what is left of history would answer in part
      }
      String old = oldStateNote(t.cluster(), at);
      for (Attribution m : known == null ? t.attribute(ip, at) : known.get(t).answer()) {
        matches.add(old == null ? m : withNote(m, old));
      }
      if (old != null) {
        oldStates.add(old);
      }
      covered |= start != null;
    }
    if (matches.isEmpty()) {
      Attribution unknown =
          covered || earliest == null ? Attribution.UNKNOWN : beforeHistory(earliest);
      matches.add(oldStates.isEmpty() ? unknown : withNote(unknown, String.join("; ", oldStates)));
    }
    return new WhoisResult(ip, at, matches);
  }

  /**
   * {@code state of cluster C last recorded at T (N days before the time asked)}, or null when its
   * latest snapshot is at most {@link #OLD_STATE_AFTER} before {@code at}, after it, live, or of a
   * source this process follows.
   */
  public String oldStateNote(String cluster, Instant at) {
    return oldStateNote(cluster, oldStateRecordedAt(cluster, at), at);
  }

  /**
   * {@code state of cluster C last recorded at T (N days before the time asked)}, or null when
   * {@code last} is null.
   *
   * @param last when the cluster's state was last recorded ({@link #oldStateRecordedAt})
   */
  public static String oldStateNote(String cluster, Instant last, Instant at) {
    if (last == null) {
      return null;
    }
    return "state of cluster "
        + cluster
        + " last recorded at "
        + last
        + " ("
        + age(Duration.between(last, at))
        + " before the time asked)";
  }

  /**
   * When a cluster's state was last recorded ({@code cluster_import}: a {@code cluster import}, a
   * file read), when that is more than {@link #OLD_STATE_AFTER} before {@code at} and no source of
   * this process or live watch keeps it current: the time its anomalies and attributions are as of.
   *
   * @return the time of its latest snapshot, or null when its state is not old at {@code at}
   */
  public Instant oldStateRecordedAt(String cluster, Instant at) {
    return followedSources.contains(cluster) ? null : oldState(latestSnapshots.get(cluster), at);
  }

  /**
   * {@link #oldStateRecordedAt} of a cluster no source of this process follows, from its latest
   * snapshot ({@link HistoryLoader#latestSnapshots}, or null when none).
   */
  public static Instant oldState(HistoryLoader.LatestSnapshot last, Instant at) {
    if (last == null || last.source().startsWith(ClusterWatcher.SOURCE_PREFIX)) {
      return null;
    }
    return Duration.between(last.at(), at).compareTo(OLD_STATE_AFTER) <= 0 ? null : last.at();
  }

  /**
   * When a cluster's state was last recorded from a file or an import ({@code cluster_import}), or
   * null when never, or when a live watch records it (its snapshots are lists, not the last word).
   */
  public Instant lastRecorded(String cluster) {
    return lastRecorded(latestSnapshots.get(cluster));
  }

  /** {@link #lastRecorded(String)} from a cluster's latest snapshot, or null when none. */
  public static Instant lastRecorded(HistoryLoader.LatestSnapshot last) {
    return last == null || last.source().startsWith(ClusterWatcher.SOURCE_PREFIX)
        ? null
        : last.at();
  }

  /** {@code 5 hours}, {@code 1 hour}; from two days on {@code 12 days}. */
  static String age(Duration gap) {
    long hours = gap.toHours();
    if (hours < 48) {
      return hours + (hours == 1 ? " hour" : " hours");
    }
    return gap.toDays() + " days";
  }

  private static Attribution withNote(Attribution m, String sentence) {
    return m.toBuilder().note(m.note() == null ? sentence : m.note() + "; " + sentence).build();
  }

  /**
   * Where a cluster's whole history starts (not only the period read): its first state kept and its
   * prune horizon, from the database ({@code cluster_object}, {@code history_horizon}) for
   * timelines read for a period, from the timeline and the horizons read at start or after a prune
   * for followed ones.
   *
   * @return null when the cluster has no history
   */
  public HistoryStart start(AttributionTimeline t) {
    return historyStarts != null ? historyStarts.get(t.cluster()) : start(t, t.historyStart());
  }

  /** {@link #start(AttributionTimeline)} given the timeline's own first state ({@code first}). */
  private HistoryStart start(AttributionTimeline t, Instant first) {
    if (historyStarts != null) {
      return historyStarts.get(t.cluster());
    }
    return first == null ? null : new HistoryStart(first, horizons.get(t.cluster()));
  }

  /**
   * When a cluster's whole history starts: the later of its first state kept and its prune horizon
   * ({@link HistoryStart#at()}), or null when it has none.
   */
  public Instant historyStart(AttributionTimeline t) {
    HistoryStart s = start(t);
    return s == null ? null : s.at();
  }

  /**
   * What a cluster's history covers ({@link AttributionTimeline#coverage()}), with {@code
   * firstChange} where its history starts ({@link #historyStart}: not before the prune horizon).
   */
  public AttributionTimeline.Coverage coverage(AttributionTimeline t) {
    AttributionTimeline.Coverage c = t.coverage();
    Instant start = historyStart(t);
    return start == null || start.equals(c.firstChange())
        ? c
        : new AttributionTimeline.Coverage(start, c.lastChange(), c.objectsNow(), c.intervals());
  }

  /**
   * For a note about a time before a cluster's history: {@code history starts at T} or {@code
   * history before T was pruned}; {@code no history} when it has none.
   */
  public String historyNote(AttributionTimeline t) {
    HistoryStart s = start(t);
    return s == null ? "no history" : s.describe();
  }

  private static Attribution beforeHistory(HistoryStart start) {
    return Attribution.builder(AttributionKind.UNKNOWN)
        .note("before any cluster history: " + start.describe())
        .build();
  }

  @Override
  public void opened(String cluster, long rowId, ClusterObject state, long validFrom) {
    synchronized (loading) {
      heardMaxRowId = Math.max(heardMaxRowId, rowId);
      heardOpen++;
      Runnable r = () -> timeline(cluster).opened(rowId, state, validFrom);
      if (heardWhileLoading != null) {
        heardWhileLoading.add(r);
      } else {
        r.run();
      }
    }
  }

  @Override
  public void closed(String cluster, long rowId, ObjectRef ref, long validTo) {
    synchronized (loading) {
      heardOpen--;
      Runnable r =
          () -> {
            AttributionTimeline t = byCluster.get(cluster);
            if (t != null) {
              t.closed(rowId, ref, validTo);
            }
          };
      if (heardWhileLoading != null) {
        heardWhileLoading.add(r);
      } else {
        r.run();
      }
    }
  }

  @Override
  public void pruned(long cutoff) {
    synchronized (loading) {
      byCluster.values().forEach(t -> t.prune(cutoff));
      horizons = HistoryLoader.horizons(database);
      markFromDatabase();
    }
  }

  /** Stops following history. */
  @Override
  public void close() {
    HistoryFeed.of(database).stopListening(this);
  }
}
