package io.egressaudit.server.cli;

import io.egressaudit.controller.informer.ClusterConnection;
import io.egressaudit.controller.informer.KubeconfigClusters;
import io.egressaudit.server.AuditServer;
import io.egressaudit.server.ClusterStateImport;
import io.egressaudit.server.HostPort;
import io.egressaudit.server.ServeLock;
import io.egressaudit.server.http.ApiLimits;
import io.egressaudit.server.http.ApiTls;
import io.egressaudit.server.http.ForwardedHeader;
import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.ListenerTransport;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egress-audit serve}: the hit listener, the API, and the clusters whose state it records.
 */
@Command(
    name = "serve",
    sortOptions = false,
    description = {
      "Record the source IP of every request to the hit listener in SQLite, and serve the query API"
          + " and web page.",
      "Every method and path is answered 200 once its row is committed (HEAD without a body);"
          + " /clientip answers ip:port like agnhost netexec; /probe/{id} records {id} as probe id."
          + " When the store cannot keep up the answer is 503 with Retry-After, never 200 for an"
          + " unrecorded request."
    },
    footer = {
      "",
      "Examples:",
      "  egress-audit serve --example                       # the bundled example cluster on 127.0.0.0/8",
      "  egress-audit serve --cluster-state prod=/var/lib/egress-audit/prod.yaml --db /var/lib/egress-audit/audit.db",
      "  egress-audit serve --kubeconfig /etc/egress-audit/kubeconfig --context prod --context lab",
      "",
      "Watching a live cluster needs credentials that may get, list and watch nodes, namespaces,"
          + " pods (all namespaces) and egressips.k8s.ovn.org."
    })
final class ServeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = Converters.Address.class,
      description =
          "Hit listener address; repeat for several. Default: 0.0.0.0:8080 (unless only --proxy-protocol-listen is given).")
  List<HostPort> listen = new ArrayList<>();

  @Option(
      names = "--proxy-protocol-listen",
      paramLabel = "HOST:PORT",
      converter = Converters.Address.class,
      description =
          "Hit listener address behind HAProxy or a load balancer that starts every connection with a PROXY protocol header (v1 or v2); the header's source address is the client's when the TCP peer is a --trusted-proxy. Repeat for several.")
  List<HostPort> proxyProtocolListen = new ArrayList<>();

  @Option(
      names = "--api",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:EGRESS_AUDIT_API:-127.0.0.1:9090}",
      converter = Converters.Address.class,
      description =
          "API and web page address (env EGRESS_AUDIT_API). Off loopback it needs a token. Default: ${DEFAULT-VALUE}.")
  HostPort api;

  @Option(
      names = "--api-token-file",
      paramLabel = "FILE",
      description =
          "File holding the bearer token the API requires (env EGRESS_AUDIT_API_TOKEN holds the token itself).")
  Path apiTokenFile;

  @Option(
      names = "--api-tls-cert",
      paramLabel = "FILE",
      description =
          "Serve the API over HTTPS with this PEM certificate chain (with --api-tls-key).")
  Path apiTlsCert;

  @Option(
      names = "--api-tls-key",
      paramLabel = "FILE",
      description = "The PEM private key of --api-tls-cert.")
  Path apiTlsKey;

  @Option(
      names = "--cluster-state",
      paramLabel = "[NAME=]FILE",
      converter = Converters.ClusterState.class,
      description =
          "kubectl get nodes,namespaces,pods,egressips -A -o yaml output to record now, and again whenever the file changes; NAME is the cluster (default: default). Repeat for several clusters.")
  List<ClusterStateOption> clusterStates = new ArrayList<>();

  @Option(
      names = "--example",
      description =
          "Record the bundled example cluster 'demo': the walkthrough's cluster moved onto 127.0.0.0/8 (nodes 127.0.0.51-54, egress IP 127.0.0.100 for namespace simpson). Refused when the database's cluster 'demo' came from another source.")
  boolean example;

  @Option(
      names = "--rescan",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = Converters.DurationValue.class,
      description =
          "How often --cluster-state files are checked for changes. Default: ${DEFAULT-VALUE}.")
  Duration rescan;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description =
          "Watch live clusters through this kubeconfig (only this file; KUBECONFIG is not merged in). Without --context, its current-context is the one cluster watched.")
  Path kubeconfig;

  @Option(
      names = "--context",
      paramLabel = "NAME",
      description =
          "A kubeconfig context to watch live: its nodes, namespaces, pods and EgressIPs are recorded as they change, as the history of cluster NAME. Repeat for several clusters. Without --kubeconfig, the contexts of KUBECONFIG, else ~/.kube/config. A cluster without EgressIPs (no OVN-Kubernetes) is still watched: its source IPs are attributed to nodes.")
  List<String> contexts = new ArrayList<>();

  @Option(
      names = "--trusted-proxy",
      paramLabel = "CIDR",
      converter = Converters.TrustedProxy.class,
      description =
          "A proxy in front of the listener whose --forwarded-header names the client; repeat for several. From any other peer those headers are stored as an untrusted claim only.")
  List<String> trustedProxies = new ArrayList<>();

  @Option(
      names = "--forwarded-header",
      paramLabel = "x-forwarded-for|forwarded",
      defaultValue = "x-forwarded-for",
      converter = Converters.Forwarded.class,
      description =
          "The header the --trusted-proxy proxies write the client into (like nginx's real_ip_header); only that one names the source IP, the other is kept as a claim. Default: ${DEFAULT-VALUE}.")
  ForwardedHeader forwardedHeader;

  @Option(
      names = "--retention",
      paramLabel = "DURATION",
      converter = Converters.DurationValue.class,
      description =
          "Delete hits older than this (like 90d, 12h), at start and every 10 minutes, in small batches. Default: keep every hit.")
  Duration retention;

  @Option(
      names = "--quiet-after",
      paramLabel = "DURATION",
      converter = Converters.DurationValue.class,
      defaultValue = "1h",
      description =
          "How long without a hit before the web page and GET /api/v1/clusters (lastHit.quiet) say that no hit has arrived: set it a little above the period of your probes (like 15m for probes every 10 minutes, 25h for a nightly job). A hint, never an error. Default: ${DEFAULT-VALUE}.")
  Duration quietAfter;

  @Option(
      names = "--max-db-size",
      paramLabel = "SIZE",
      converter = Converters.Size.class,
      description =
          "Largest the database file may grow (like 20G, 500M); at the cap new hits get 503 until --retention or prune frees space. Default: no cap.")
  Long maxDbSize;

  @Option(
      names = "--queue",
      paramLabel = "N",
      defaultValue = "16384",
      converter = Converters.AtLeastOne.class,
      description =
          "Hits waiting for the writer at most; beyond it the listener answers 503. Default: ${DEFAULT-VALUE}.")
  int queue;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "1024",
      converter = Converters.AtLeastOne.class,
      description = "Hits per transaction at most. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(
      names = "--batch-delay",
      paramLabel = "MICROSECONDS",
      defaultValue = "0",
      converter = Converters.Micros.class,
      description = "How long the writer waits to fill a batch. Default: ${DEFAULT-VALUE}.")
  long batchDelay;

  @Option(
      names = "--event-loops",
      paramLabel = "N",
      defaultValue = "0",
      converter = Converters.NotNegative.class,
      description = "Hit listener event loops; 0 means one per core. Default: ${DEFAULT-VALUE}.")
  int eventLoops;

  @Option(
      names = "--transport",
      paramLabel = "auto|io_uring|epoll|nio",
      defaultValue = "auto",
      converter = Converters.Transport.class,
      description =
          "Network transport of the hit listener and the API: auto takes io_uring where the kernel allows it, else epoll, else nio. Default: ${DEFAULT-VALUE}.")
  ListenerTransport transport;

  @Option(
      names = "--max-body",
      paramLabel = "SIZE",
      defaultValue = "65536",
      converter = Converters.Size.class,
      description = "Largest request body read (then discarded). Default: ${DEFAULT-VALUE}.")
  long maxBody;

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = Converters.DurationValue.class,
      description =
          "Connections (hit listener and API) with nothing read or written for this long are closed; 0 for never. Default: ${DEFAULT-VALUE}.")
  Duration idleTimeout;

  @Option(
      names = "--request-timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = Converters.RequestTimeout.class,
      description =
          "A connection (hit listener and API) must send a complete request within this after opening or after its previous answer, else it is closed (slow clients, slowloris). Default: ${DEFAULT-VALUE}.")
  Duration requestTimeout;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      defaultValue = "10000",
      converter = Converters.AtLeastOne.class,
      description =
          "Open connections per --listen address at most; more are closed at once. Default: ${DEFAULT-VALUE}.")
  int maxConnections;

  @Option(
      names = "--api-max-connections",
      paramLabel = "N",
      defaultValue = "256",
      converter = Converters.AtLeastOne.class,
      description =
          "Open API connections at most; more are closed at once. The API's connections never take the descriptors the hit listener's --max-connections need: under a low ulimit -n both are lowered, the API's first. Default: ${DEFAULT-VALUE}.")
  int apiMaxConnections;

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<HostPort> listeners =
        listen.isEmpty() && proxyProtocolListen.isEmpty()
            ? List.of(new HostPort("0.0.0.0", 8080))
            : listen;
    String token = token();
    if (token == null && !api.loopback()) {
      // AuditServer.start refuses it too; found here, it is the wrong usage it is
      throw new UsageError(
          spec,
          "--api "
              + api
              + " is not loopback: set a bearer token with --api-token-file or"
              + " EGRESS_AUDIT_API_TOKEN, or bind the API to 127.0.0.1");
    }
    if (quietAfter.toSeconds() < 1) {
      throw new UsageError(
          spec,
          "--quiet-after "
              + quietAfter.toMillis()
              + "ms is shorter than 1s, the step it is told in");
    }
    AuditServer.Config config =
        AuditServer.Config.builder(db.database(maxDbSize == null ? 0 : maxDbSize))
            .listen(listeners)
            .proxyProtocolListen(proxyProtocolListen)
            .api(api)
            .writer(new HitWriter.Settings(queue, batch, batchDelay))
            .listener(
                ListenerSettings.builder()
                    .maxBodyBytes(maxBody)
                    .idleTimeoutSeconds((int) idleTimeout.toSeconds())
                    .eventLoops(eventLoops > 0 ? eventLoops : ListenerSettings.DEFAULT.eventLoops())
                    .requestTimeoutSeconds((int) requestTimeout.toSeconds())
                    .maxConnections(maxConnections)
                    .transport(transport)
                    .build())
            .apiToken(token)
            .clusterStates(clusterStates())
            .example(example)
            .rescanSeconds((int) Math.max(1, rescan.toSeconds()))
            .trustedProxies(TrustedProxies.of(trustedProxies, forwardedHeader))
            .retention(retention)
            .quietAfter(quietAfter)
            .liveClusters(liveClusters())
            .apiTls(apiTls())
            .apiLimits(
                new ApiLimits(
                    (int) idleTimeout.toSeconds(),
                    (int) requestTimeout.toSeconds(),
                    apiMaxConnections))
            .build();
    boolean created = !Files.exists(config.database().file());
    AuditServer server;
    try {
      server = AuditServer.start(config);
    } catch (RuntimeException e) {
      if (created) {
        deleteIfEmpty(config.database(), e);
      }
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    List<HostPort> all = new ArrayList<>(listeners);
    all.addAll(proxyProtocolListen);
    for (int i = 0; i < all.size(); i++) {
      out.printf(
          "hit listener on http://%s%s%n",
          new HostPort(all.get(i).host(), server.hitPorts().get(i)),
          i < listeners.size() ? "" : " (PROXY protocol)");
    }
    out.printf(
        "API and web page on %s://%s%n",
        config.apiTls() == null ? "http" : "https",
        new HostPort(config.api().host(), server.apiPort()));
    for (ClusterConnection c : config.liveClusters()) {
      out.printf(
          "watching cluster %s at %s (kubeconfig context %s)%n",
          c.cluster(), c.server(), c.cluster());
    }
    out.printf("database %s%n", config.database().file());
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * After a failed start, removes the database file this run created when nothing was recorded in
   * it; a problem doing so is added to the start's failure rather than hiding it.
   */
  private static void deleteIfEmpty(Database database, RuntimeException failure) {
    try {
      if (database.deleteIfEmpty()) {
        ServeLock.deleteFileOf(database.file());
      }
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** A usage error found once the options are read: exit 2, like picocli's own. */
  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private ApiTls apiTls() {
    if (apiTlsCert == null && apiTlsKey == null) {
      return null;
    }
    if (apiTlsCert == null || apiTlsKey == null) {
      throw usage("--api-tls-cert and --api-tls-key go together");
    }
    return new ApiTls(apiTlsCert, apiTlsKey);
  }

  private String token() throws IOException {
    if (apiTokenFile != null) {
      String t;
      try {
        t = Files.readString(apiTokenFile, StandardCharsets.UTF_8).strip();
      } catch (NoSuchFileException e) {
        throw new IOException(
            "--api-token-file "
                + apiTokenFile
                + ": no such file (it should hold the bearer token the API requires)",
            e);
      } catch (IOException e) {
        throw new IOException(
            "--api-token-file "
                + apiTokenFile
                + ": cannot read the bearer token the API requires: "
                + (e instanceof AccessDeniedException ? "permission denied" : e.getMessage()),
            e);
      }
      if (t.isEmpty()) {
        throw new UsageError(spec, "--api-token-file " + apiTokenFile + " is empty");
      }
      return t;
    }
    String env = System.getenv("EGRESS_AUDIT_API_TOKEN");
    return env == null || env.isBlank() ? null : env.strip();
  }

  /**
   * The kubeconfig contexts to watch, each a cluster named after its context; none unless
   * --kubeconfig or --context is given.
   */
  private List<ClusterConnection> liveClusters() {
    if (kubeconfig == null && contexts.isEmpty()) {
      return List.of();
    }
    List<ClusterConnection> live =
        UsageError.of(spec, () -> KubeconfigClusters.select(kubeconfig, contexts));
    Map<String, Path> files = clusterStates();
    for (ClusterConnection c : live) {
      // one source per cluster name: a dump file's snapshots would end what the watcher recorded
      if (files.containsKey(c.cluster())
          || (example && c.cluster().equals(ClusterStateImport.EXAMPLE_CLUSTER))) {
        throw usage(
            "cluster '"
                + c.cluster()
                + "' is both a kubeconfig context and a --cluster-state/--example cluster;"
                + " give the file another NAME=");
      }
    }
    return live;
  }

  private Map<String, Path> clusterStates() {
    Map<String, Path> out = new LinkedHashMap<>();
    for (ClusterStateOption s : clusterStates) {
      if (out.put(s.cluster(), s.file()) != null) {
        throw usage(
            "--cluster-state: cluster '" + s.cluster() + "' is given twice; name them NAME=FILE");
      }
    }
    return out;
  }
}
