package io.egressaudit.bench;

import io.egressaudit.controller.informer.ClusterWatcher;
import io.egressaudit.sql.Database;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The live-cluster benchmark of issue 10: loads a fabric8 mock API server (CRUD mode, in this
 * process) with a cluster of {@code --pods} pods in {@code --namespaces} namespaces on {@code
 * --nodes} nodes and {@code --egressips} EgressIPs, starts {@code egress-audit serve --kubeconfig}
 * against it as a separate JVM, and prints:
 *
 * <ul>
 *   <li>time to ready: from starting the JVM to {@code /readyz} answering 200 (and to {@code
 *       /healthz} answering at all, the part the JVM and listeners take);
 *   <li>under churn, phase by phase at each of {@code --rates} pod replacements per second (one pod
 *       deleted and a new one created, two history changes): the changes history recorded per
 *       second, the lag from the API call to the time history says the change was observed (p50,
 *       p99, max), the time the last change took to become visible once churn stopped, and how many
 *       expected changes never arrived (dropped);
 *   <li>history rows written, the database's size, and the server's resident memory ({@code VmRSS}
 *       and peak {@code VmHWM} of {@code /proc/PID/status}) and heap in use ({@code /metrics}).
 * </ul>
 *
 * <pre>
 * --dir DIR [--pods 10000] [--namespaces 1000] [--nodes 50] [--egressips 100]
 *           [--rates 10,20] [--seconds 30] [--server-opts "-Xmx512m"]
 * </pre>
 *
 * Not a test: {@code bench/live.sh} runs it. Everything binds to 127.0.0.1.
 */
public final class LiveClusterBench {

  private static final String CLUSTER = "bench";
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  private LiveClusterBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = options(args);
    Path dir = Path.of(required(o, "--dir"));
    int pods = intOpt(o, "--pods", 10_000);
    int namespaces = intOpt(o, "--namespaces", 1000);
    int nodes = intOpt(o, "--nodes", 50);
    int egressIps = intOpt(o, "--egressips", 100);
    int seconds = intOpt(o, "--seconds", 30);
    int[] rates =
        Arrays.stream(o.getOrDefault("--rates", "10,20").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    List<String> serverOpts =
        Arrays.asList(o.getOrDefault("--server-opts", "-Xmx512m").trim().split("\\s+"));
    Files.createDirectories(dir);
    Path db = dir.resolve("live.db");
    Files.deleteIfExists(db);
    Files.deleteIfExists(dir.resolve("live.db-wal"));
    Files.deleteIfExists(dir.resolve("live.db-shm"));

    System.out.printf("load before: %s%n", loadAverage());
    KubernetesMockServer mock =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()),
            false);
    mock.init();
    String url = "http://127.0.0.1:" + mock.getPort();
    Config config =
        new ConfigBuilder(Config.empty()).withMasterUrl(url).withRequestTimeout(60_000).build();
    Process server = null;
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      Cluster cluster = new Cluster(client, pods, namespaces, nodes, egressIps);
      long loadStart = System.nanoTime();
      cluster.load();
      System.out.printf(
          "mock API server loaded: %d nodes, %d namespaces, %d pods, %d EgressIPs in %.1f s%n",
          nodes, namespaces, pods, egressIps, (System.nanoTime() - loadStart) / 1e9);

      Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), kubeconfig(url));
      int listen = freePort();
      int api = freePort();
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(serverOpts);
      command.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              "io.egressaudit.server.Main",
              "serve",
              "--db",
              db.toString(),
              "--listen",
              "127.0.0.1:" + listen,
              "--api",
              "127.0.0.1:" + api,
              "--kubeconfig",
              kubeconfig.toString(),
              "--context",
              CLUSTER));
      Path log = dir.resolve("serve.log");
      long started = System.nanoTime();
      server =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      String apiUrl = "http://127.0.0.1:" + api;
      double answering = awaitStatus(apiUrl + "/healthz", started, server);
      double ready = awaitReady(apiUrl + "/readyz", started, server);
      System.out.printf(
          "serve: answering /healthz after %.2f s, /readyz 200 after %.2f s%n", answering, ready);
      System.out.printf("  %s%n", grep(log, "hit listener on 127"));
      System.out.printf("  %s%n", grep(log, "cluster/bench: watching"));
      System.out.printf("  %s%n", grep(log, "cluster/bench: ready"));
      System.out.printf(
          "  after ready: %s, heap used %.0f MB%n", memory(server.pid()), heapUsed(apiUrl) / 1e6);

      Database reader = Database.at(db);
      for (int rate : rates) {
        Phase p = new Phase(rate, seconds, server.pid());
        p.run(cluster, reader);
        p.awaitRecorded(reader, Duration.ofSeconds(60));
        p.print();
      }
      System.out.printf(
          "history: %d rows (%d pod rows) in %.1f MB (%s)%n",
          count(reader, "SELECT count(*) FROM cluster_object"),
          count(reader, "SELECT count(*) FROM cluster_object WHERE kind = 'Pod'"),
          dbBytes(db) / 1e6,
          db);
      System.out.printf(
          "serve at the end: %s, heap used %.0f MB; log: %d lines, %d warnings (%s)%n",
          memory(server.pid()),
          heapUsed(apiUrl) / 1e6,
          Files.readAllLines(log).size(),
          Files.readAllLines(log).stream().filter(l -> l.contains("WARN")).count(),
          log);
      System.out.printf("load after: %s%n", loadAverage());
    } finally {
      if (server != null) {
        server.destroy();
        if (!server.waitFor(30, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      }
      try {
        mock.destroy();
      } catch (IllegalStateException e) {
        // the mock can outwait its own close limit on open watches; the figures are printed
      }
    }
  }

  /** The generated cluster and its churn: names and addresses follow the pod's index. */
  static final class Cluster {
    private final KubernetesClient client;
    private final int pods;
    private final int namespaces;
    private final int nodes;
    private final int egressIps;
    // the pod living in each slot now; a replacement takes the next generation
    private final String[] slot;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger nextSlot = new AtomicInteger();

    Cluster(KubernetesClient client, int pods, int namespaces, int nodes, int egressIps) {
      this.client = client;
      this.pods = pods;
      this.namespaces = namespaces;
      this.nodes = nodes;
      this.egressIps = egressIps;
      this.slot = new String[pods];
    }

    void load() throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
          Node n = node(i);
          done.add(pool.submit(() -> client.nodes().resource(n).create()));
        }
        for (int i = 0; i < namespaces; i++) {
          Namespace n = namespace(i);
          done.add(pool.submit(() -> client.namespaces().resource(n).create()));
        }
        for (int i = 0; i < egressIps; i++) {
          GenericKubernetesResource e = egressIp(i);
          done.add(
              pool.submit(
                  () ->
                      client
                          .genericKubernetesResources(ClusterWatcher.EGRESS_IPS)
                          .resource(e)
                          .create()));
        }
        for (int i = 0; i < pods; i++) {
          Pod p = pod(i, generation.getAndIncrement());
          slot[i] = p.getMetadata().getName();
          done.add(pool.submit(() -> client.pods().resource(p).create()));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
    }

    /**
     * Replaces the pod of the next slot: deletes it and creates its successor on the same node.
     *
     * @return the replacement, with the times each call was sent
     */
    Replacement replace() {
      int s = Math.floorMod(nextSlot.getAndIncrement(), pods);
      String old;
      Pod next;
      synchronized (slot) {
        old = slot[s];
        next = pod(s, generation.getAndIncrement());
        slot[s] = next.getMetadata().getName();
      }
      long deleteSent = System.currentTimeMillis();
      client.pods().inNamespace(namespaceName(s % namespaces)).withName(old).delete();
      long createSent = System.currentTimeMillis();
      client.pods().resource(next).create();
      return new Replacement(old, deleteSent, next.getMetadata().getName(), createSent);
    }

    private static String namespaceName(int i) {
      return String.format(Locale.ROOT, "ns-%04d", i);
    }

    private static String nodeName(int i) {
      return String.format(Locale.ROOT, "worker-%02d", i);
    }

    private Node node(int i) {
      NodeBuilder b =
          new NodeBuilder()
              .withNewMetadata()
              .withName(nodeName(i))
              .addToLabels("kubernetes.io/hostname", nodeName(i))
              .endMetadata();
      if (i < 10) {
        b.editMetadata().addToLabels("k8s.ovn.org/egress-assignable", "").endMetadata();
      }
      return b.withNewStatus()
          .addNewAddress()
          .withType("InternalIP")
          .withAddress("192.168.126." + (10 + i))
          .endAddress()
          .addNewCondition()
          .withType("Ready")
          .withStatus("True")
          .endCondition()
          .endStatus()
          .build();
    }

    private Namespace namespace(int i) {
      return new NamespaceBuilder()
          .withNewMetadata()
          .withName(namespaceName(i))
          .addToLabels("kubernetes.io/metadata.name", namespaceName(i))
          .addToLabels("team", "team-" + (i % egressIps))
          .endMetadata()
          .build();
    }

    private GenericKubernetesResource egressIp(int i) {
      String ip = "192.168.127." + (10 + i);
      GenericKubernetesResource r =
          new GenericKubernetesResourceBuilder()
              .withApiVersion("k8s.ovn.org/v1")
              .withKind("EgressIP")
              .withNewMetadata()
              .withName("egressip-" + i)
              .endMetadata()
              .build();
      r.setAdditionalProperty(
          "spec",
          Map.of(
              "egressIPs",
              List.of(ip),
              "namespaceSelector",
              Map.of("matchLabels", Map.of("team", "team-" + i))));
      r.setAdditionalProperty(
          "status", Map.of("items", List.of(Map.of("egressIP", ip, "node", nodeName(i % 10)))));
      return r;
    }

    /** The pod of slot {@code s}, generation {@code g} (unique name and address). */
    private Pod pod(int s, int g) {
      String ns = namespaceName(s % namespaces);
      String ip = "10." + (128 + (g >> 16)) + "." + ((g >> 8) & 255) + "." + (g & 255);
      return new PodBuilder()
          .withNewMetadata()
          .withNamespace(ns)
          .withName("app-" + g)
          .addToLabels("app", "app-" + (s % 7))
          .endMetadata()
          .withNewSpec()
          .withNodeName(nodeName(s % nodes))
          .addNewContainer()
          .withName("app")
          .withImage("registry.example/app:1")
          .endContainer()
          .endSpec()
          .withNewStatus()
          .withPhase("Running")
          .withPodIP(ip)
          .addNewPodIP()
          .withIp(ip)
          .endPodIP()
          .endStatus()
          .build();
    }
  }

  /** One pod replaced: the deleted pod, the new one, and when each call was sent (epoch ms). */
  record Replacement(String deleted, long deleteSent, String created, long createSent) {}

  /** Churn at one rate for a while, and what history made of it. */
  static final class Phase {
    private final int rate;
    private final int seconds;
    private final ConcurrentLinkedQueue<Replacement> sent = new ConcurrentLinkedQueue<>();
    private long start;
    private long lastSent;
    private long allVisible = -1;
    private final List<Long> observeLag = new ArrayList<>();
    private final List<Long> writeLag = new ArrayList<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
    private int expected;
    private int recorded;

    private final long serverPid;
    private long cpuStart;
    private long cpuEnd;
    private long end;

    Phase(int rate, int seconds, long serverPid) {
      this.rate = rate;
      this.seconds = seconds;
      this.serverPid = serverPid;
    }

    void run(Cluster cluster, Database reader) throws Exception {
      ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
      ExecutorService calls = Executors.newFixedThreadPool(8);
      long total = (long) rate * seconds;
      AtomicInteger issued = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      cpuStart = cpuMillis(serverPid);
      start = System.currentTimeMillis();
      long periodNanos = 1_000_000_000L / rate;
      ticks.scheduleAtFixedRate(
          () -> {
            if (issued.getAndIncrement() < total) {
              calls.submit(
                  () -> {
                    try {
                      sent.add(cluster.replace());
                    } catch (RuntimeException e) {
                      failed.incrementAndGet();
                      System.out.println("  replacement failed: " + e);
                    }
                  });
            }
          },
          0,
          periodNanos,
          TimeUnit.NANOSECONDS);
      long[] seenId = {maxId(reader)};
      poller.scheduleWithFixedDelay(
          () -> pollWritten(reader, seenId), 100, 100, TimeUnit.MILLISECONDS);
      while (sent.size() + failed.get() < total) {
        TimeUnit.MILLISECONDS.sleep(20); // a benchmark's pacing, not a test's wait
      }
      ticks.shutdownNow();
      calls.shutdown();
      calls.awaitTermination(1, TimeUnit.MINUTES);
      lastSent = sent.stream().mapToLong(Replacement::createSent).max().orElse(start);
    }

    /**
     * Notes, for each pod interval that became readable since the last poll, how long after its
     * observed-at time it was (the worker's batching and the transaction; at most 100 ms late).
     */
    private void pollWritten(Database reader, long[] seenId) {
      long now = System.currentTimeMillis();
      try (Connection c = reader.openReader();
          PreparedStatement st =
              c.prepareStatement(
                  "SELECT id, valid_from FROM cluster_object WHERE id > ? AND kind = 'Pod'")) {
        st.setLong(1, seenId[0]);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            seenId[0] = Math.max(seenId[0], rs.getLong(1));
            synchronized (writeLag) {
              writeLag.add(now - rs.getLong(2));
            }
          }
        }
      } catch (Exception e) {
        System.out.println("  poll failed: " + e);
      }
    }

    private static long maxId(Database reader) throws Exception {
      return count(reader, "SELECT coalesce(max(id), 0) FROM cluster_object");
    }

    /** Polls history until every change of this phase is in, or {@code limit} after the last. */
    void awaitRecorded(Database reader, Duration limit) throws Exception {
      expected = sent.size() * 2;
      Map<String, Long> createdAt = new HashMap<>();
      Map<String, Long> deletedAt = new HashMap<>();
      for (Replacement r : sent) {
        createdAt.put(r.created(), r.createSent());
        deletedAt.put(r.deleted(), r.deleteSent());
      }
      long deadline = System.currentTimeMillis() + limit.toMillis();
      while (true) {
        observeLag.clear();
        recorded = 0;
        try (Connection c = reader.openReader();
            PreparedStatement st =
                c.prepareStatement(
                    "SELECT name, valid_from, valid_to FROM cluster_object"
                        + " WHERE cluster = ? AND kind = 'Pod' AND (valid_from >= ? OR valid_to >= ?)")) {
          st.setString(1, CLUSTER);
          st.setLong(2, start);
          st.setLong(3, start);
          try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
              String name = rs.getString(1);
              Long created = createdAt.get(name);
              if (created != null && rs.getLong(2) >= start) {
                recorded++;
                observeLag.add(rs.getLong(2) - created);
              }
              long to = rs.getLong(3);
              Long deleted = deletedAt.get(name);
              if (!rs.wasNull() && deleted != null && to >= start) {
                recorded++;
                observeLag.add(to - deleted);
              }
            }
          }
        }
        long now = System.currentTimeMillis();
        if (recorded >= expected) {
          allVisible = now;
          break;
        }
        if (now > deadline) {
          break;
        }
        TimeUnit.MILLISECONDS.sleep(50); // polling granularity of the drain figure
      }
      poller.shutdown();
      poller.awaitTermination(10, TimeUnit.SECONDS);
      cpuEnd = cpuMillis(serverPid);
      end = System.currentTimeMillis();
    }

    void print() {
      List<Long> lags = new ArrayList<>(observeLag);
      lags.sort(Long::compare);
      double sentSeconds = Math.max(1, lastSent - start) / 1e3;
      double recordSeconds = Math.max(1, (allVisible < 0 ? lastSent : allVisible) - start) / 1e3;
      System.out.printf(
          "churn %d pods/s for %d s: sent %d replacements (%.0f/s achieved) = %d changes;"
              + " recorded %d (%.0f changes/s), dropped %d%n",
          rate,
          seconds,
          sent.size(),
          sent.size() / sentSeconds,
          expected,
          recorded,
          recorded / recordSeconds,
          expected - recorded);
      System.out.printf(
          "  lag from API call to observed-at in history: p50 %d ms, p99 %d ms, max %d ms;"
              + " all visible %s after the last call%n",
          percentile(lags, 0.50),
          percentile(lags, 0.99),
          lags.isEmpty() ? -1 : lags.get(lags.size() - 1),
          allVisible < 0 ? "NOT" : (allVisible - lastSent) + " ms");
      System.out.printf(
          "  serve's CPU over the phase: %.0f%% of one core (%.1f s of CPU in %.1f s)%n",
          100.0 * (cpuEnd - cpuStart) / Math.max(1, end - start),
          (cpuEnd - cpuStart) / 1e3,
          (end - start) / 1e3);
      List<Long> written;
      synchronized (writeLag) {
        written = new ArrayList<>(writeLag);
      }
      written.sort(Long::compare);
      System.out.printf(
          "  observed-at to readable in the database (new pods, polled every 100 ms): p50 %d ms,"
              + " p99 %d ms, max %d ms (%d rows)%n",
          percentile(written, 0.50),
          percentile(written, 0.99),
          written.isEmpty() ? -1 : written.get(written.size() - 1),
          written.size());
    }
  }

  /**
   * User and system CPU time of a process so far, in ms, from {@code /proc/PID/stat} (clock ticks
   * of 10 ms).
   */
  static long cpuMillis(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // after "pid (comm) ", utime and stime are fields 14 and 15 of the line: 12 and 13 here
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
  }

  static long percentile(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  private static double awaitStatus(String url, long started, Process server) throws Exception {
    while (true) {
      if (!server.isAlive()) {
        throw new IllegalStateException("serve exited with " + server.exitValue());
      }
      try {
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        return (System.nanoTime() - started) / 1e9;
      } catch (IOException e) {
        TimeUnit.MILLISECONDS.sleep(10); // not up yet
      }
    }
  }

  private static double awaitReady(String url, long started, Process server) throws Exception {
    while (true) {
      if (!server.isAlive()) {
        throw new IllegalStateException("serve exited with " + server.exitValue());
      }
      HttpResponse<Void> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() == 200) {
        return (System.nanoTime() - started) / 1e9;
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  /** The sum of {@code jvm_memory_used_bytes{area="heap"}} on {@code /metrics}, in bytes. */
  private static double heapUsed(String apiUrl) throws Exception {
    String body =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(apiUrl + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return body.lines()
        .filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** {@code VmRSS 312 MB (peak 350 MB)} from {@code /proc/PID/status}. */
  private static String memory(long pid) throws IOException {
    Map<String, String> status = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        status.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return "VmRSS "
        + kbToMb(status.get("VmRSS"))
        + " MB (peak VmHWM "
        + kbToMb(status.get("VmHWM"))
        + " MB)";
  }

  private static long kbToMb(String kb) {
    return kb == null ? -1 : Long.parseLong(kb.replace("kB", "").trim()) / 1024;
  }

  private static String loadAverage() throws IOException {
    return "loadavg " + Files.readString(Path.of("/proc/loadavg")).trim();
  }

  private static String grep(Path log, String text) throws IOException {
    return Files.readAllLines(log).stream()
        .filter(l -> l.contains(text))
        .findFirst()
        .orElse("(no line with '" + text + "')");
  }

  private static long count(Database db, String sql) throws Exception {
    try (Connection c = db.openReader();
        PreparedStatement st = c.prepareStatement(sql);
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long dbBytes(Path db) throws IOException {
    long n = 0;
    for (String suffix : List.of("", "-wal", "-shm")) {
      Path p = db.resolveSibling(db.getFileName() + suffix);
      if (Files.exists(p)) {
        n += Files.size(p);
      }
    }
    return n;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String kubeconfig(String server) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster: {server: "%s"}
        users:
        - name: auditor
          user: {token: not-a-real-token}
        contexts:
        - name: %s
          context: {cluster: mock, user: auditor}
        current-context: %s
        """
        .formatted(server, CLUSTER, CLUSTER);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      o.put(args[i], args[i + 1]);
    }
    return o;
  }

  private static String required(Map<String, String> o, String name) {
    String v = o.get(name);
    if (v == null) {
      throw new IllegalArgumentException(name + " is required");
    }
    return v;
  }

  private static int intOpt(Map<String, String> o, String name, int dflt) {
    return o.containsKey(name) ? Integer.parseInt(o.get(name)) : dflt;
  }
}
