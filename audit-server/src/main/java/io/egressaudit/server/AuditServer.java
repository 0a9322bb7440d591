package io.egressaudit.server;

import io.egressaudit.controller.ClusterStateFile;
import io.egressaudit.controller.informer.ClusterConnection;
import io.egressaudit.controller.informer.ClusterWatcher;
import io.egressaudit.server.http.ApiLimits;
import io.egressaudit.server.http.ApiTls;
import io.egressaudit.server.http.ApiVerticle;
import io.egressaudit.server.http.CappedTransport;
import io.egressaudit.server.http.ConnectionCap;
import io.egressaudit.server.http.HitListener;
import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.ListenerStats;
import io.egressaudit.server.http.ListenerTransport;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.server.json.LastHitView;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running audit server: the hit writer, one hit listener per {@code --listen} address (one
 * verticle instance per event loop), the API listener, the cluster-state files it keeps importing
 * when they change, and the live clusters it watches. Started as one chain of futures; {@link
 * #close()} stops watching and accepting requests, then commits what the writer still holds.
 */
public final class AuditServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuditServer.class);

  /**
   * Everything {@code serve} is told; built with {@link #builder()}.
   *
   * @param listen hit listener addresses
   * @param proxyProtocolListen hit listener addresses whose connections start with a PROXY protocol
   *     header (v1 or v2, from HAProxy or a load balancer)
   * @param api the API address
   * @param database the database
   * @param writer hit writer tuning
   * @param listener hit listener limits
   * @param apiToken bearer token the API requires, or null (then the API must be on loopback)
   * @param clusterStates cluster name to a kubectl dump file, imported at start and whenever the
   *     file changes
   * @param example record the bundled example cluster at start
   * @param rescanSeconds how often cluster-state files are checked for changes, in seconds
   * @param trustedProxies peers whose PROXY header or forwarded-for header names the source IP
   * @param retention hits older than this are pruned (at start, then every {@link
   *     #RETENTION_INTERVAL}); null keeps every hit
   * @param liveClusters clusters to watch through informers, each recorded under its own name
   * @param apiTls the certificate the API serves HTTPS with, or null for plain HTTP
   * @param apiLimits the API's timeouts and connection cap (lowered to fit the descriptors, see
   *     {@link DescriptorBudget}); null for {@link ApiLimits#DEFAULT}
   * @param quietAfter how long without a hit before {@code GET /api/v1/clusters} and the web page
   *     call the listener quiet ({@code lastHit.quiet}); null for {@link LastHitView#QUIET_AFTER}
   */
  public record Config(
      List<HostPort> listen,
      List<HostPort> proxyProtocolListen,
      HostPort api,
      Database database,
      HitWriter.Settings writer,
      ListenerSettings listener,
      String apiToken,
      Map<String, Path> clusterStates,
      boolean example,
      int rescanSeconds,
      TrustedProxies trustedProxies,
      Duration retention,
      List<ClusterConnection> liveClusters,
      ApiTls apiTls,
      ApiLimits apiLimits,
      Duration quietAfter) {

    /** Copies the lists and map; checks {@code quietAfter}. */
    public Config {
      quietAfter = quietAfter == null ? LastHitView.QUIET_AFTER : quietAfter;
      if (quietAfter.toSeconds() < 1) {
        throw new IllegalArgumentException("quiet-after must be at least 1s, got " + quietAfter);
      }
      listen = List.copyOf(listen);
      proxyProtocolListen = List.copyOf(proxyProtocolListen);
      clusterStates = Collections.unmodifiableMap(new LinkedHashMap<>(clusterStates));
      liveClusters = List.copyOf(liveClusters);
      apiLimits = apiLimits == null ? ApiLimits.DEFAULT : apiLimits;
    }

    /**
     * A builder with the defaults of {@code serve} for everything but the database, which must be
     * given: listening on {@code 0.0.0.0:8080}, the API on {@code 127.0.0.1:9090} without token or
     * TLS, no cluster, no trusted proxy, every hit kept.
     */
    public static Builder builder(Database database) {
      return new Builder(database);
    }
  }

  /** Builds a {@link Config}; each setter names the component it sets. */
  public static final class Builder {
    private List<HostPort> listen = List.of(new HostPort("0.0.0.0", 8080));
    private List<HostPort> proxyProtocolListen = List.of();
    private HostPort api = new HostPort("127.0.0.1", 9090);
    private final Database database;
    private HitWriter.Settings writer = HitWriter.Settings.DEFAULT;
    private ListenerSettings listener = ListenerSettings.DEFAULT;
    private String apiToken;
    private Map<String, Path> clusterStates = Map.of();
    private boolean example;
    private int rescanSeconds = 10;
    private TrustedProxies trustedProxies = TrustedProxies.NONE;
    private Duration retention;
    private List<ClusterConnection> liveClusters = List.of();
    private ApiTls apiTls;
    private ApiLimits apiLimits = ApiLimits.DEFAULT;
    private Duration quietAfter = LastHitView.QUIET_AFTER;

    private Builder(Database database) {
      this.database = database;
    }

    /** See {@link Config#listen()}. */
    public Builder listen(List<HostPort> v) {
      listen = v;
      return this;
    }

    /** See {@link Config#proxyProtocolListen()}. */
    public Builder proxyProtocolListen(List<HostPort> v) {
      proxyProtocolListen = v;
      return this;
    }

    /** See {@link Config#api()}. */
    public Builder api(HostPort v) {
      api = v;
      return this;
    }

    /** See {@link Config#writer()}. */
    public Builder writer(HitWriter.Settings v) {
      writer = v;
      return this;
    }

    /** See {@link Config#listener()}. */
    public Builder listener(ListenerSettings v) {
      listener = v;
      return this;
    }

    /** See {@link Config#apiToken()}. */
    public Builder apiToken(String v) {
      apiToken = v;
      return this;
    }

    /** See {@link Config#clusterStates()}. */
    public Builder clusterStates(Map<String, Path> v) {
      clusterStates = v;
      return this;
    }

    /** See {@link Config#example()}. */
    public Builder example(boolean v) {
      example = v;
      return this;
    }

    /** See {@link Config#rescanSeconds()}. */
    public Builder rescanSeconds(int v) {
      rescanSeconds = v;
      return this;
    }

    /** See {@link Config#trustedProxies()}. */
    public Builder trustedProxies(TrustedProxies v) {
      trustedProxies = v;
      return this;
    }

    /** See {@link Config#retention()}. */
    public Builder retention(Duration v) {
      retention = v;
      return this;
    }

    /** See {@link Config#liveClusters()}. */
    public Builder liveClusters(List<ClusterConnection> v) {
      liveClusters = v;
      return this;
    }

    /** See {@link Config#apiTls()}. */
    public Builder apiTls(ApiTls v) {
      apiTls = v;
      return this;
    }

    /** See {@link Config#apiLimits()}. */
    public Builder apiLimits(ApiLimits v) {
      apiLimits = v;
      return this;
    }

    /** See {@link Config#quietAfter()}. */
    public Builder quietAfter(Duration v) {
      quietAfter = v;
      return this;
    }

    /** The config. */
    public Config build() {
      return new Config(
          listen,
          proxyProtocolListen,
          api,
          database,
          writer,
          listener,
          apiToken,
          clusterStates,
          example,
          rescanSeconds,
          trustedProxies,
          retention,
          liveClusters,
          apiTls,
          apiLimits,
          quietAfter);
    }
  }

  /** How often retention runs. */
  public static final Duration RETENTION_INTERVAL = Duration.ofMinutes(10);

  private final Config config;
  private final ListenerSettings listenerSettings;
  private final ApiLimits apiLimits;
  private final Vertx vertx;
  private final HitWriter writer;
  private final List<Integer> hitPorts = new ArrayList<>();
  private final List<HitListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<ListenerStats> listenerStats =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<Path, FileTime> seen = new ConcurrentHashMap<>();
  private final ClusterSources sources;
  private final AtomicBoolean rescanning = new AtomicBoolean();
  private int apiPort;
  private LiveClusters live;
  private ClusterTimelines timelines;
  private AnomalyWatch anomalies;
  private AuditQueries queries;
  private long hitsBeforeStart;
  private ServeLock lock;

  private final ConnectionCap apiCap;

  private AuditServer(
      Config config,
      DescriptorBudget.Plan descriptors,
      ConnectionCap apiCap,
      Vertx vertx,
      HitWriter writer) {
    this.config = config;
    this.listenerSettings = config.listener().withMaxConnections(descriptors.listenerConnections());
    this.apiLimits = config.apiLimits().withMaxConnections(descriptors.apiConnections());
    this.apiCap = apiCap;
    this.vertx = vertx;
    this.writer = writer;
    Map<String, String> files = new java.util.LinkedHashMap<>();
    if (config.example()) {
      files.put(ClusterStateImport.EXAMPLE_CLUSTER, ClusterStateImport.EXAMPLE_SOURCE);
    }
    config.clusterStates().forEach((c, f) -> files.put(c, f.toAbsolutePath().toString()));
    this.sources =
        new ClusterSources(
            files,
            config.liveClusters().stream().map(ClusterConnection::cluster).toList(),
            TimeArg.now());
  }

  /**
   * Starts everything, or nothing: a failure closes what was started.
   *
   * @return the started server, with its bound ports
   * @throws RuntimeException with a one-line message when a port cannot be bound, the database
   *     cannot be opened or a cluster-state file is malformed, or another server holds the database
   *     ({@link ServeLock}: nothing is written then)
   */
  public static AuditServer start(Config config) {
    ServeLock lock = ServeLock.acquire(config.database().file()); // before anything is written
    try {
      AuditServer server = start(config, lock);
      return server;
    } catch (RuntimeException | Error e) {
      lock.close();
      throw e;
    }
  }

  private static AuditServer start(Config config, ServeLock lock) {
    if (config.apiToken() == null && !config.api().loopback()) {
      throw new IllegalArgumentException(
          "--api "
              + config.api()
              + " is not loopback: set a bearer token with --api-token-file or"
              + " EGRESS_AUDIT_API_TOKEN, or bind the API to 127.0.0.1");
    }
    DescriptorBudget.Plan descriptors = shareDescriptors(config);
    config.database().migrate();
    if (config.example()) {
      new ClusterStateImport(config.database()).checkExampleFits(); // before anything binds
    }
    ListenerTransport.configureProcess(); // before anything loads Netty's io_uring or Vert.x's HTTP
    // the API's connections are capped where they are accepted, so they cannot take the
    // descriptors the hit listener needs; the hit listener has its own cap
    ConnectionCap apiCap = new ConnectionCap(descriptors.apiConnections());
    HostPort apiAddress = config.api();
    CappedTransport transport =
        CappedTransport.of(
            config.listener().transport().resolve(),
            apiCap,
            o -> o.getPort() == apiAddress.port() && apiAddress.host().equals(o.getHost()));
    Vertx vertx =
        Vertx.builder()
            .with(new VertxOptions().setEventLoopPoolSize(config.listener().eventLoops()))
            .withTransport(transport)
            .build();
    LOG.info(
        "network transport: {}, {} event loops", transport.name(), config.listener().eventLoops());
    AuditServer server =
        new AuditServer(
            config, descriptors, apiCap, vertx, new HitWriter(config.database(), config.writer()));
    server.lock = lock;
    try {
      server.timelines = ClusterTimelines.follow(config.database());
      java.util.Set<String> followed = new java.util.HashSet<>(config.clusterStates().keySet());
      config.liveClusters().forEach(c -> followed.add(c.cluster()));
      if (config.example()) {
        followed.add(ClusterStateImport.EXAMPLE_CLUSTER);
      }
      server.timelines.followedSources(followed); // re-read as they change: never an old dump
      server.queries = new AuditQueries(config.database(), server.timelines, config.quietAfter());
      server.hitsBeforeStart = server.queries.lastHitId();
      server.anomalies = AnomalyWatch.follow(config.database(), server.timelines);
      server.deploy().await();
      server.importClusterStates();
      server.sources.recordFileSpans(new io.egressaudit.sql.StaleSpans(config.database()));
      if (!config.clusterStates().isEmpty() || config.example()) {
        // only now: a rescan that ran before (or beside) the first import of a file recorded a
        // later state first, and the first import was then refused as rewriting the past
        vertx.setPeriodic(config.rescanSeconds() * 1000L, id -> server.rescan());
      }
      server.live = LiveClusters.start(config.liveClusters(), config.database());
      server.sources.watching(
          server.live.watchers(), new io.egressaudit.sql.StaleSpans(config.database()));
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    } catch (Exception e) {
      server.close();
      throw new IllegalStateException(e.getMessage(), e);
    } catch (Error e) {
      // a class missing from the jar, say: without this the event loops would keep the JVM alive
      server.close();
      throw e;
    }
  }

  /**
   * Shares the file descriptors between the hit listener and the API (see {@link
   * DescriptorBudget}), and logs the limits and the caps.
   */
  private static DescriptorBudget.Plan shareDescriptors(Config config) {
    DescriptorBudget.Limits limits = DescriptorBudget.read();
    int listenerMax = config.listener().maxConnections();
    int apiMax = config.apiLimits().maxConnections();
    int listenAddresses = config.listen().size() + config.proxyProtocolListen().size();
    // one Vert.x instance: its event loops (each an epoll or io_uring descriptor), its acceptor
    int eventLoops = config.listener().eventLoops() + 1;
    DescriptorBudget.Plan plan =
        DescriptorBudget.plan(
            limits.soft(),
            listenAddresses,
            listenerMax,
            apiMax,
            DescriptorBudget.reserve(eventLoops));
    LOG.info(
        "file descriptors: soft limit {}, hard limit {}; hit listener connections at most {} per"
            + " listen address, API connections {}, {} kept for the JVM, database and event loops",
        limits.soft() < 0 ? "unknown" : limits.soft(),
        limits.hard() < 0
            ? "unknown"
            : limits.hard() == Long.MAX_VALUE ? "unlimited" : limits.hard(),
        plan.listenerConnections(),
        plan.apiConnections(),
        plan.reserve());
    if (limits.softBelowHard()) {
      LOG.warn(
          "file descriptors: the soft limit {} is below the hard limit {}: the JVM raises it at"
              + " start unless it runs with -XX:-MaxFDLimit",
          limits.soft(),
          limits.hard());
    }
    if (plan.lowered()) {
      LOG.warn(
          "file descriptors: the limit of {} is too low for --max-connections {} per listen"
              + " address and --api-max-connections {}: lowered to {} and {}; raise the limit"
              + " (LimitNOFILE= in a systemd unit, ulimit -n) to keep them",
          limits.soft(),
          listenerMax,
          apiMax,
          plan.listenerConnections(),
          plan.apiConnections());
    }
    return plan;
  }

  private Future<?> deploy() {
    Future<?> chain = Future.succeededFuture();
    for (HostPort hp : config.listen()) {
      chain = chain.compose(v -> deployListener(hp, false));
    }
    for (HostPort hp : config.proxyProtocolListen()) {
      chain = chain.compose(v -> deployListener(hp, true));
    }
    AtomicReference<ApiVerticle> api = new AtomicReference<>();
    return chain
        .compose(
            v -> {
              AuditMetrics metrics =
                  new AuditMetrics(writer, listenerStats, queries, hitsBeforeStart);
              metrics.clusterSources(sources);
              metrics.anomalies(anomalies);
              api.set(
                  new ApiVerticle(
                      config.api().host(),
                      config.api().port(),
                      queries,
                      writer,
                      config.apiToken(),
                      metrics,
                      config.apiTls(),
                      apiLimits,
                      apiCap,
                      sources));
              return vertx
                  .deployVerticle(api.get())
                  .recover(
                      e ->
                          Future.failedFuture(
                              new IllegalStateException(
                                  "API " + config.api() + ": " + describe(e), e)));
            })
        .onSuccess(
            v -> {
              apiPort = api.get().actualPort();
              vertx.setPeriodic(config.rescanSeconds() * 1000L, id -> followOtherWriters());
              if (config.retention() != null) {
                prune();
                vertx.setPeriodic(RETENTION_INTERVAL.toMillis(), id -> prune());
              }
            });
  }

  private Future<?> deployListener(HostPort hp, boolean proxyProtocol) {
    ListenerStats stats = new ListenerStats();
    listenerStats.add(stats);
    return HitListener.start(
            vertx,
            hp.host(),
            hp.port(),
            proxyProtocol,
            writer,
            listenerSettings,
            config.trustedProxies(),
            stats)
        .onSuccess(
            l -> {
              listeners.add(l);
              hitPorts.add(l.actualPort());
              LOG.info(
                  "hit listener on {}:{}{}",
                  hp.host(),
                  l.actualPort(),
                  proxyProtocol ? " (PROXY protocol)" : "");
              if (acceptsIpv6Too(hp.host())) {
                LOG.warn(
                    "hit listener on {}:{} accepts IPv6 clients too: the JVM's sockets are dual-stack"
                        + " on this host, so the IPv4 wildcard listens on every IPv6 address as"
                        + " well; for IPv4 only, run with"
                        + " JAVA_OPTS=-Djava.net.preferIPv4Stack=true",
                    hp.host(),
                    l.actualPort());
              }
            })
        .recover(
            e ->
                Future.failedFuture(
                    new IllegalStateException("hit listener " + hp + ": " + describe(e), e)));
  }

  /**
   * True when listening on {@code host} also accepts IPv6 clients: the IPv4 wildcard on a JVM whose
   * sockets are dual-stack (Netty binds it as the IPv6 wildcard unless {@code
   * java.net.preferIPv4Stack} is set).
   */
  static boolean acceptsIpv6Too(String host) {
    return "0.0.0.0".equals(host)
        && !Boolean.getBoolean("java.net.preferIPv4Stack")
        && ipv6Available();
  }

  private static boolean ipv6Available() {
    try {
      return java.net.NetworkInterface.networkInterfaces()
          .flatMap(java.net.NetworkInterface::inetAddresses)
          .anyMatch(a -> a instanceof java.net.Inet6Address);
    } catch (java.net.SocketException e) {
      return false;
    }
  }

  /**
   * What went wrong binding or starting a listener, in a few words: an address in use or not on
   * this host is said plainly (the transports word it differently: NIO's {@link
   * java.net.BindException}, io_uring's and epoll's {@code bind(..) failed with error(-98)}).
   */
  static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (m.contains("Address already in use")) {
        return "address already in use (another process listens there)";
      }
      if (m.contains("Cannot assign requested address")) {
        return "address not available (not an address of this host)";
      }
    }
    String m = e.getMessage();
    return m == null ? e.toString() : m;
  }

  private void importClusterStates() {
    ClusterStateImport importer = new ClusterStateImport(config.database());
    Instant now = TimeArg.now();
    if (config.example()) {
      ClusterStateImport.Result r = importer.importExample(now);
      LOG.info(
          "cluster/{} state at {} from the bundled example: {} new, {} ended, {} unchanged",
          ClusterStateImport.EXAMPLE_CLUSTER,
          now,
          r.summary().opened(),
          r.summary().closed(),
          r.summary().unchanged());
      sources.fileRecorded(ClusterStateImport.EXAMPLE_CLUSTER, now);
    }
    config.clusterStates().forEach((cluster, file) -> importFile(importer, cluster, file, now));
  }

  private void importFile(ClusterStateImport importer, String cluster, Path file, Instant at) {
    FileTime mtime = mtime(file);
    ClusterStateImport.Result r = importer.importRegularFile(file, cluster, at);
    seen.put(file, mtime);
    sources.fileRecorded(cluster, at);
    r.notes().forEach(n -> LOG.info("{}: {}", file, n));
    LOG.info(
        "cluster/{} state at {} from {}: {} new, {} ended, {} unchanged",
        cluster,
        at,
        file,
        r.summary().opened(),
        r.summary().closed(),
        r.summary().unchanged());
  }

  /**
   * Re-imports files whose modification time changed; a bad file keeps the last good state. One
   * rescan at a time: a tick that comes while an import still runs (a large dump takes longer than
   * {@code --rescan}) is skipped rather than parsing the same file again beside it.
   */
  private void rescan() {
    if (!rescanning.compareAndSet(false, true)) {
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              if (config.example()) {
                // the bundled example is in the jar: what history holds of it is current
                sources.fileUnchanged(ClusterStateImport.EXAMPLE_CLUSTER, TimeArg.now());
              }
              ClusterStateImport importer = new ClusterStateImport(config.database());
              config
                  .clusterStates()
                  .forEach(
                      (cluster, file) -> {
                        // checked without opening it: a named pipe would block this thread
                        String problem = ClusterStateFile.notARegularFile(file);
                        if (problem == null && !Files.isReadable(file)) {
                          problem = "permission denied";
                        }
                        FileTime mtime = problem == null ? mtime(file) : null;
                        if (mtime == null) {
                          // read again as soon as it can be, whatever its time then
                          fileFailed(
                              cluster, file, null, problem != null ? problem : "no such file");
                        } else if (!mtime.equals(seen.get(file))) {
                          try {
                            importFile(importer, cluster, file, TimeArg.now());
                          } catch (RuntimeException e) {
                            fileFailed(cluster, file, mtime, e.getMessage());
                          }
                        } else {
                          // read before and unchanged since: what history holds is the file's
                          // state now, as sure as after a re-read
                          sources.fileUnchanged(cluster, TimeArg.now());
                        }
                      });
              return null;
            },
            true)
        .onComplete(done -> rescanning.set(false));
  }

  /**
   * A file that could not be read or recorded: its cluster keeps the last good state, stale with
   * {@code cannot read FILE: reason} (a file has no watch to be down).
   *
   * @param mtime the modification time whose content failed, not read again until it changes; null
   *     when the file could not be opened (read again once it can)
   */
  private void fileFailed(String cluster, Path file, FileTime mtime, String problem) {
    if (mtime != null) {
      seen.put(file, mtime); // not parsed again until it changes
    } else {
      seen.remove(file);
    }
    String reason = ClusterSources.cannotRead(file.toString(), problem);
    boolean changed = sources.fileFailed(cluster, TimeArg.now(), reason);
    if (changed) {
      LOG.warn("cluster/{}: keeping the previous state: {}", cluster, reason);
    }
  }

  /** Reads history again when another process (a {@code cluster import}) wrote it. */
  private void followOtherWriters() {
    background(
        () -> timelines.reloadIfChangedElsewhere(),
        e -> LOG.warn("following history: {}", e.getMessage()));
  }

  /**
   * Runs periodic work on a worker thread, unless the server is stopping; {@link #close} waits for
   * what is running before closing Vert.x, whose event loops would otherwise refuse to hear that it
   * ended (a stack trace on the worker thread at stop).
   */
  private void background(java.util.concurrent.Callable<?> work, Handler<Throwable> failed) {
    if (stopping) {
      return;
    }
    Future<?> f = vertx.executeBlocking(work, false);
    running.add(f);
    f.onFailure(failed).onComplete(done -> running.remove(f));
  }

  private volatile boolean stopping;
  private final java.util.Set<Future<?>> running =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Deletes hits older than the retention on a worker thread, in batches the writer can interleave;
   * then the history no remaining hit needs (see {@link Retention}).
   */
  private void prune() {
    background(
        () -> Retention.prune(config.database(), TimeArg.now().minus(config.retention())),
        e -> LOG.warn("retention: {}", e.getMessage()));
  }

  /** The queries the API answers with (history in memory). */
  public AuditQueries queries() {
    return queries;
  }

  private static FileTime mtime(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** Bound ports of the hit listeners, in {@code --listen} order. */
  public List<Integer> hitPorts() {
    return List.copyOf(hitPorts);
  }

  /** The bound port of the API. */
  public int apiPort() {
    return apiPort;
  }

  /** The hit writer, for its counters. */
  public HitWriter writer() {
    return writer;
  }

  /** Every cluster source and its state. */
  public ClusterSources sources() {
    return sources;
  }

  /** The watchers of the live clusters, in {@code --context} order. */
  public List<ClusterWatcher> watchers() {
    return live == null ? List.of() : live.watchers();
  }

  /**
   * Stops watching live clusters and accepting connections, lets the writer commit and answer what
   * it accepted, then closes the connections and the API.
   */
  @Override
  public void close() {
    stopping = true;
    if (live != null) {
      live.close();
    }
    // Stop taking connections, let the writer commit what it accepted (those requests get their
    // 200; requests arriving meanwhile get 503), then close the connections.
    LOG.info(
        "stopping: no new connections; committing the {} hits queued", writer.stats().queued());
    List<Future<Void>> closing = new ArrayList<>();
    for (HitListener l : listeners) {
      closing.add(l.shutdown(5));
    }
    writer.close();
    try {
      Future.all(closing).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("stopping the hit listener: {}", describe(e));
    }
    if (anomalies != null) {
      anomalies.close();
    }
    try {
      Future.join(new ArrayList<>(running)).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("stopping: periodic work still running: {}", describe(e));
    }
    if (queries != null) {
      queries.close();
    }
    if (timelines != null) {
      timelines.close();
    }
    try {
      vertx.close().await();
    } catch (Exception e) {
      LOG.warn("stopping the API: {}", e.getMessage());
    }
    HitWriter.Stats stats = writer.stats();
    LOG.info(
        "stopped: {} hits committed since start, {} refused", stats.committed(), stats.refused());
    if (lock != null) {
      lock.close(); // last: everything this server wrote is committed
    }
  }
}
