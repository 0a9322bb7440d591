package io.egressaudit.bench;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.PodState;
import io.egressaudit.server.AuditServer;
import io.egressaudit.server.ClusterStateImport;
import io.egressaudit.server.HostPort;
import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.ObjectChange;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import tools.jackson.databind.json.JsonMapper;

/**
 * The attribution benchmark of issue 9: generates the history of a live cluster (pods replaced all
 * day, one egress-node failover a day) and hits spread over it, then prints how fast {@code whois},
 * pages of {@code hits} and filtered listings answer, in-process and through a warm API, with the
 * heap, start-up and import figures.
 *
 * <pre>
 * generate --db FILE [--days 30] [--pods 10000] [--namespaces 1000] [--nodes 50]
 *          [--egressips 100] [--changes-per-day 100000] [--hits 10000000] [--seed 9]
 * measure  --db FILE [--samples 200] [--label NAME]
 * profile  --db FILE --what page|page-in-process|next-page-in-process|leaks|namespace|namespace-day|whois-past|whois-past-in-process [--seconds 30]
 * paths    --db FILE --what node,egress,unknown --when now,past --out-dir DIR [--count 10000] [--seed 42]
 * </pre>
 *
 * {@code profile} asks one question again and again for a while, through a warm server, so that a
 * profiler attached to the JVM (JFR) sees only that path.
 *
 * <p>The generated world is written to {@code FILE.world.json} beside the database so {@code
 * measure} knows the IPs and namespaces to ask about. Not a test: {@code bench/attribution.sh} runs
 * it.
 */
public final class AttributionBench {

  static final String CLUSTER = "bench";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private AttributionBench() {}

  /** What measure needs to know about the generated history. */
  record World(
      long startMillis,
      long endMillis,
      List<String> nodeIps,
      List<String> egressIps,
      List<String> namespaces,
      long hits,
      Map<String, String> figures) {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: AttributionBench generate|measure --db FILE [options]");
      System.exit(2);
    }
    Map<String, String> o = options(Arrays.copyOfRange(args, 1, args.length));
    Path db = Path.of(required(o, "--db"));
    switch (args[0]) {
      case "generate" -> generate(db, o);
      case "measure" -> Measure.run(db, o);
      case "profile" -> profile(db, o);
      case "paths" -> paths(db, o);
      default -> {
        System.err.println("unknown command " + args[0]);
        System.exit(2);
      }
    }
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

  static int intOpt(Map<String, String> o, String name, int dflt) {
    return o.containsKey(name) ? Integer.parseInt(o.get(name)) : dflt;
  }

  static Path worldFile(Path db) {
    return db.resolveSibling(db.getFileName() + ".world.json");
  }

  static World readWorld(Path db) throws IOException {
    return JSON.readValue(worldFile(db).toFile(), World.class);
  }

  /**
   * Writes whois request paths for a load generator ({@code bench/whois.sh} feeds them to wrk): for
   * each question of {@code --what} (node, egress, unknown; comma-separated) and time of {@code
   * --when} (now, past), a file {@code paths-WHAT-WHEN.txt} in {@code --out-dir} with {@code
   * --count} lines {@code /api/v1/whois/IP}, with {@code ?at=} a random second of the history for
   * the past. Node and egress IPs are the generated world's; unknown IPs are random addresses of
   * 198.18.0.0/15 (RFC 2544's benchmarking range), which no object of the world ever had.
   */
  private static void paths(Path db, Map<String, String> o) throws IOException {
    World w = readWorld(db);
    Path dir = Path.of(required(o, "--out-dir"));
    int count = intOpt(o, "--count", 10_000);
    for (String what : required(o, "--what").split(",")) {
      for (String when : required(o, "--when").split(",")) {
        if (!List.of("now", "past").contains(when)) {
          throw new IllegalArgumentException("--when is now or past, not " + when);
        }
        Random rnd = new Random(intOpt(o, "--seed", 42));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
          out.append("/api/v1/whois/").append(ip(what, rnd, w));
          if (when.equals("past")) {
            out.append("?at=").append(Measure.past(rnd, w).truncatedTo(ChronoUnit.SECONDS));
          }
          out.append('\n');
        }
        Files.writeString(dir.resolve("paths-" + what + "-" + when + ".txt"), out);
      }
    }
  }

  private static String ip(String what, Random rnd, World w) {
    return switch (what) {
      case "node" -> w.nodeIps().get(rnd.nextInt(w.nodeIps().size()));
      case "egress" -> w.egressIps().get(rnd.nextInt(w.egressIps().size()));
      case "unknown" ->
          "198." + (18 + rnd.nextInt(2)) + "." + rnd.nextInt(256) + "." + (1 + rnd.nextInt(254));
      default ->
          throw new IllegalArgumentException("--what is node, egress or unknown, not " + what);
    };
  }

  // ------------------------------------------------------------------------------------------
  // generate
  // ------------------------------------------------------------------------------------------

  private static void generate(Path dbFile, Map<String, String> o) throws IOException {
    int days = intOpt(o, "--days", 30);
    int podCount = intOpt(o, "--pods", 10_000);
    int nsCount = intOpt(o, "--namespaces", 1000);
    int nodeCount = intOpt(o, "--nodes", 50);
    int eipCount = intOpt(o, "--egressips", 100);
    int changesPerDay = intOpt(o, "--changes-per-day", 100_000);
    long hitCount = Long.parseLong(o.getOrDefault("--hits", "10000000"));
    Random rnd = new Random(intOpt(o, "--seed", 9));
    if (Files.exists(dbFile)) {
      throw new IllegalArgumentException(dbFile + " exists; remove it first");
    }
    Database db = new Database(dbFile, Database.Durability.NORMAL, 30_000);
    db.migrate();
    long end = Instant.now().toEpochMilli();
    long start = end - Duration.ofDays(days).toMillis();
    Map<String, String> figures = new LinkedHashMap<>();

    ClusterModel model = new ClusterModel(rnd, podCount, nsCount, nodeCount, eipCount);
    Path dump = dbFile.resolveSibling(dbFile.getFileName() + ".dump.json");
    Files.writeString(dump, JSON.writeValueAsString(model.dump()));
    long t0 = System.nanoTime();
    new ClusterStateImport(db).importFile(dump, CLUSTER, Instant.ofEpochMilli(start));
    figures.put("import of a " + podCount + "-pod dump (fresh database)", ms(t0));
    progress("imported the initial state: %s", figures.values());

    ClusterHistory history = new ClusterHistory(db);
    long changes = (long) changesPerDay * days;
    long replacements = changes / 2;
    t0 = System.nanoTime();
    List<ObjectChange> batch = new ArrayList<>();
    long step = Math.max(1, (end - start) / Math.max(1, replacements));
    long t = start + 1;
    long dayMillis = Duration.ofDays(1).toMillis();
    long nextFailover = start + dayMillis / 2;
    int failovers = 0;
    for (long i = 0; i < replacements; i++) {
      t = start + 1 + i * step;
      if (t >= nextFailover) {
        batch.add(ObjectChange.observed(Instant.ofEpochMilli(t), model.failover(failovers++)));
        nextFailover += dayMillis;
      }
      model.replacePod(rnd, Instant.ofEpochMilli(t), batch);
      if (batch.size() >= 10_000) {
        history.recordChanges(CLUSTER, batch);
        batch.clear();
        progress("history: %d of %d pod replacements", i + 1, replacements);
      }
    }
    if (!batch.isEmpty()) {
      history.recordChanges(CLUSTER, batch);
    }
    figures.put("record " + changes + " pod changes (generation)", ms(t0));

    // the state now, as a dump: what an import of a 10k-pod dump costs on a long history
    Files.writeString(dump, JSON.writeValueAsString(model.dump()));
    t0 = System.nanoTime();
    new ClusterStateImport(db).importFile(dump, CLUSTER, Instant.ofEpochMilli(t + 1));
    figures.put("import of a " + podCount + "-pod dump (after the history)", ms(t0));
    // kept: measure imports it again while the server follows history

    t0 = System.nanoTime();
    HitRepository repo = new HitRepository(db);
    List<HitRecord> hits = new ArrayList<>();
    long hitStep = Math.max(1, (end - start) / Math.max(1, hitCount));
    for (long i = 0; i < hitCount; i++) {
      long at = start + i * (end - start) / hitCount;
      hits.add(
          new HitRecord(
              at,
              model.sourceIp(rnd),
              30000 + rnd.nextInt(30000),
              8080,
              "GET",
              "/",
              "bastion:8080",
              "curl/8.5.0",
              null,
              null,
              "HTTP/1.1",
              null,
              null));
      if (hits.size() == 50_000) {
        repo.insertAll(hits);
        hits.clear();
        progress("hits: %d of %d", i + 1, hitCount);
      }
    }
    if (!hits.isEmpty()) {
      repo.insertAll(hits);
    }
    figures.put("insert " + hitCount + " hits (generation, step " + hitStep + " ms)", ms(t0));
    World w =
        new World(start, end, model.nodeIps, model.egressIps, model.namespaces, hitCount, figures);
    Files.writeString(worldFile(dbFile), JSON.writeValueAsString(w));
    figures.forEach((k, v) -> System.out.printf("%-60s %s ms%n", k, v));
  }

  static String ms(long t0) {
    return String.format(Locale.ROOT, "%.0f", (System.nanoTime() - t0) / 1e6);
  }

  static void progress(String format, Object... args) {
    System.err.printf(format + "%n", args);
  }

  /** The synthetic cluster: its objects now, changed pod by pod. */
  static final class ClusterModel {
    final List<String> nodeIps = new ArrayList<>();
    final List<String> nodes = new ArrayList<>();
    final List<String> egressIps = new ArrayList<>();
    final List<String> namespaces = new ArrayList<>();
    final Map<String, Map<String, String>> nsLabels = new LinkedHashMap<>();
    final List<EgressIpState> eips = new ArrayList<>();
    final PodState[] pods;
    private int egressNodes;
    private int ipCounter;
    private int generation;

    ClusterModel(Random rnd, int podCount, int nsCount, int nodeCount, int eipCount) {
      egressNodes = Math.max(2, nodeCount / 5);
      for (int i = 0; i < nodeCount; i++) {
        nodes.add(String.format("node-%03d", i));
        nodeIps.add("10.0." + (i / 250) + "." + (i % 250 + 1));
      }
      for (int i = 0; i < eipCount; i++) {
        String ip = "10.1." + (i / 250) + "." + (i % 250 + 1);
        egressIps.add(ip);
        eips.add(
            new EgressIpState(
                String.format("eip-%03d", i),
                List.of(ip),
                new LabelSelector(Map.of("egress", String.format("eip-%03d", i)), List.of()),
                null,
                List.of(new EgressIpAssignment(ip, nodes.get(i % egressNodes)))));
      }
      for (int i = 0; i < nsCount; i++) {
        String ns = String.format("ns-%04d", i);
        namespaces.add(ns);
        // every other namespace leaves through an EgressIP, spread evenly over them
        nsLabels.put(
            ns,
            i % 2 == 0 && eipCount > 0
                ? Map.of("egress", eips.get((i / 2) % eipCount).name())
                : Map.of());
      }
      pods = new PodState[podCount];
      for (int j = 0; j < podCount; j++) {
        pods[j] = newPod(rnd, j);
      }
    }

    private PodState newPod(Random rnd, int slot) {
      String ns = namespaces.get(slot % namespaces.size());
      int ip = ipCounter++ % (1 << 18);
      return new PodState(
          ns,
          "app-" + slot + "-" + Integer.toString(generation++, 36),
          nodes.get(rnd.nextInt(nodes.size())),
          List.of("10." + (128 + (ip >> 16)) + "." + ((ip >> 8) & 255) + "." + (ip & 255)),
          false,
          Map.of("app", "app-" + slot),
          "Running");
    }

    void replacePod(Random rnd, Instant at, List<ObjectChange> into) {
      int slot = rnd.nextInt(pods.length);
      into.add(ObjectChange.deleted(at, pods[slot].ref()));
      pods[slot] = newPod(rnd, slot);
      into.add(ObjectChange.observed(at, pods[slot]));
    }

    /** Moves one EgressIP's assignment to the next egress node. */
    ClusterObject failover(int n) {
      int i = n % eips.size();
      EgressIpState e = eips.get(i);
      String from = e.assignments().get(0).node();
      String to = nodes.get((nodes.indexOf(from) + 1) % egressNodes);
      EgressIpState moved =
          new EgressIpState(
              e.name(),
              e.egressIPs(),
              e.namespaceSelector(),
              e.podSelector(),
              List.of(new EgressIpAssignment(e.egressIPs().get(0), to)));
      eips.set(i, moved);
      return moved;
    }

    /** 45% egress IPs, 45% node IPs, 10% addresses nothing owns. */
    String sourceIp(Random rnd) {
      int r = rnd.nextInt(100);
      if (r < 45 && !egressIps.isEmpty()) {
        return egressIps.get(rnd.nextInt(egressIps.size()));
      }
      if (r < 90) {
        return nodeIps.get(rnd.nextInt(nodeIps.size()));
      }
      return "192.0.2." + (1 + rnd.nextInt(250));
    }

    /** The state now as {@code kubectl get nodes,namespaces,pods,egressips -A -o json} prints. */
    Map<String, Object> dump() {
      List<Object> items = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        Map<String, Object> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", nodes.get(i));
        if (i < egressNodes) {
          labels.put("k8s.ovn.org/egress-assignable", "");
        }
        items.add(
            Map.of(
                "apiVersion",
                "v1",
                "kind",
                "Node",
                "metadata",
                Map.of("name", nodes.get(i), "labels", labels),
                "status",
                Map.of(
                    "addresses",
                    List.of(Map.of("type", "InternalIP", "address", nodeIps.get(i))),
                    "conditions",
                    List.of(Map.of("type", "Ready", "status", "True")))));
      }
      nsLabels.forEach(
          (ns, labels) ->
              items.add(
                  Map.of(
                      "apiVersion",
                      "v1",
                      "kind",
                      "Namespace",
                      "metadata",
                      Map.of("name", ns, "labels", labels))));
      for (PodState p : pods) {
        items.add(
            Map.of(
                "apiVersion", "v1",
                "kind", "Pod",
                "metadata",
                    Map.of("name", p.name(), "namespace", p.namespace(), "labels", p.labels()),
                "spec", Map.of("nodeName", p.nodeName()),
                "status",
                    Map.of(
                        "phase", p.phase(),
                        "podIP", p.podIps().get(0),
                        "podIPs", List.of(Map.of("ip", p.podIps().get(0))))));
      }
      for (EgressIpState e : eips) {
        List<Object> status = new ArrayList<>();
        e.assignments()
            .forEach(a -> status.add(Map.of("egressIP", a.egressIP(), "node", a.node())));
        items.add(
            Map.of(
                "apiVersion", "k8s.ovn.org/v1",
                "kind", "EgressIP",
                "metadata", Map.of("name", e.name()),
                "spec",
                    Map.of(
                        "egressIPs",
                        e.egressIPs(),
                        "namespaceSelector",
                        Map.of("matchLabels", e.namespaceSelector().matchLabels())),
                "status", Map.of("items", status)));
      }
      return Map.of("apiVersion", "v1", "kind", "List", "items", items);
    }
  }

  // ------------------------------------------------------------------------------------------
  // profile
  // ------------------------------------------------------------------------------------------

  /** Repeats one question for {@code --seconds}: pages of 1,000 hits or whois of node IPs. */
  private static void profile(Path dbFile, Map<String, String> o) throws Exception {
    World w = readWorld(dbFile);
    String what = required(o, "--what");
    long seconds = intOpt(o, "--seconds", 30);
    Random rnd = new Random(intOpt(o, "--seed", 7));
    Database db = new Database(dbFile, Database.Durability.NORMAL, 30_000);
    AuditServer server =
        AuditServer.start(
            AuditServer.Config.builder(db)
                .listen(List.of(new HostPort("127.0.0.1", 0)))
                .api(new HostPort("127.0.0.1", 0))
                .listener(ListenerSettings.builder().eventLoops(1).build())
                .build());
    try {
      Api api = new Api(server.apiPort());
      BenchTarget inProcess = BenchTargets.inProcess(server, db);
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      long warm = System.nanoTime() + seconds * 1_000_000_000L / 3; // the first third warms up
      var threads = ManagementFactory.getThreadMXBean();
      long[] read = {0};
      long[] json = {0};
      long[] counted = {0};
      long[] nextAfter = {0};
      long n = 0;
      long t0 = System.nanoTime();
      // after warm-up: each call's wall and CPU time (ns), for the tail
      long[][] calls = {new long[1 << 16], new long[1 << 16]};
      int timed = 0;
      while (System.nanoTime() < end) {
        long w0 = System.nanoTime();
        long cpu0 = threads.getCurrentThreadCpuTime();
        String nodeIp = w.nodeIps().get(rnd.nextInt(w.nodeIps().size()));
        switch (what) {
          case "page" -> {
            long after = (long) (rnd.nextDouble() * Math.max(1, w.hits() - 1000));
            api.get("/api/v1/hits?limit=1000&after=" + after);
          }
          case "leaks" -> api.get(BenchTargets.leaksQuery());
          case "namespace" ->
              api.get(
                  "/api/v1/hits?limit=1000&since=1d&namespace="
                      + w.namespaces().get(rnd.nextInt(w.namespaces().size())));
          case "whois-past" -> api.get("/api/v1/whois/" + nodeIp + "?at=" + Measure.past(rnd, w));
          case "namespace-day" ->
              api.pages(
                  "/api/v1/hits?since=1d&namespace="
                      + w.namespaces().get(rnd.nextInt(w.namespaces().size())),
                  1000);
          case "whois-past-in-process" -> inProcess.whois(nodeIp, Measure.past(rnd, w));
          case "page-in-process", "next-page-in-process" -> {
            // the page's work on this thread, timed by its CPU time: what the load of other
            // processes changes little. next-page: each page after the one before (paging
            // through), from a random start
            long after =
                what.startsWith("next") && n > 0 && nextAfter[0] + 1000 < w.hits()
                    ? nextAfter[0]
                    : (long) (rnd.nextDouble() * Math.max(1, w.hits() - 1000));
            nextAfter[0] = after + 1000;
            long c0 = threads.getCurrentThreadCpuTime();
            var hits =
                server
                    .queries()
                    .hits(
                        new io.egressaudit.server.AuditQueries.HitFilter(
                            null, null, null, null, null, null, after, 1000));
            long c1 = threads.getCurrentThreadCpuTime();
            io.egressaudit.server.json.ApiJson.write(Map.of("hits", hits));
            long c2 = threads.getCurrentThreadCpuTime();
            if (System.nanoTime() > warm) {
              read[0] += c1 - c0;
              json[0] += c2 - c1;
              counted[0]++;
            }
          }
          default -> throw new IllegalArgumentException("--what page|whois-past|...: " + what);
        }
        n++;
        if (System.nanoTime() > warm) {
          if (timed == calls[0].length) {
            calls[0] = Arrays.copyOf(calls[0], timed * 2);
            calls[1] = Arrays.copyOf(calls[1], timed * 2);
          }
          calls[0][timed] = System.nanoTime() - w0;
          calls[1][timed++] = threads.getCurrentThreadCpuTime() - cpu0;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%s: %d calls, %.2f ms each on average%n",
          what,
          n,
          (System.nanoTime() - t0) / 1e6 / n);
      if (timed > 0) {
        long[] wall = Arrays.copyOf(calls[0], timed);
        long[] cpu = Arrays.copyOf(calls[1], timed);
        Arrays.sort(wall);
        Arrays.sort(cpu);
        System.out.printf(
            Locale.ROOT,
            "after warm-up, %d calls: wall p50 %.3f p90 %.3f p99 %.3f max %.3f ms;"
                + " CPU p50 %.3f p90 %.3f p99 %.3f max %.3f ms%n",
            timed,
            wall[timed / 2] / 1e6,
            wall[(int) (timed * 0.9)] / 1e6,
            wall[(int) (timed * 0.99)] / 1e6,
            wall[timed - 1] / 1e6,
            cpu[timed / 2] / 1e6,
            cpu[(int) (timed * 0.9)] / 1e6,
            cpu[(int) (timed * 0.99)] / 1e6,
            cpu[timed - 1] / 1e6);
      }
      if (counted[0] > 0) {
        System.out.printf(
            Locale.ROOT,
            "after warm-up, CPU per page: %.1f ms reading and attributing, %.1f ms writing JSON"
                + " (%d pages)%n",
            read[0] / 1e6 / counted[0],
            json[0] / 1e6 / counted[0],
            counted[0]);
      }
    } finally {
      server.close();
    }
  }

  // ------------------------------------------------------------------------------------------
  // measure
  // ------------------------------------------------------------------------------------------

  /** Starts a server on the database and times the questions. */
  static final class Measure {

    private final Map<String, String> rows = new LinkedHashMap<>();

    static void run(Path dbFile, Map<String, String> o) throws Exception {
      new Measure().measure(dbFile, o);
    }

    private void measure(Path dbFile, Map<String, String> o) throws Exception {
      World w = readWorld(dbFile);
      int samples = intOpt(o, "--samples", 200);
      String label = o.getOrDefault("--label", "this build");
      Random rnd = new Random(intOpt(o, "--seed", 7));
      Database db = new Database(dbFile, Database.Durability.NORMAL, 30_000);

      long t0 = System.nanoTime();
      AuditServer server =
          AuditServer.start(
              AuditServer.Config.builder(db)
                  .listen(List.of(new HostPort("127.0.0.1", 0)))
                  .api(new HostPort("127.0.0.1", 0))
                  .listener(ListenerSettings.builder().eventLoops(1).build())
                  .build());
      rows.put("server start-up on this history", ms(t0) + " ms");
      try {
        Api api = new Api(server.apiPort());
        BenchTarget inProcess = BenchTargets.inProcess(server, db);

        String nodeIp = w.nodeIps().get(rnd.nextInt(w.nodeIps().size()));
        String egressIp =
            w.egressIps().isEmpty() ? nodeIp : w.egressIps().get(rnd.nextInt(w.egressIps().size()));
        String unknownIp = "198.51.100.7";
        Map<String, String> ips = new LinkedHashMap<>();
        ips.put("node IP", nodeIp);
        ips.put("egress IP", egressIp);
        ips.put("unknown IP", unknownIp);

        // warm up both paths
        for (int i = 0; i < Math.min(50, samples); i++) {
          inProcess.whois(nodeIp, null);
          api.get("/api/v1/whois/" + nodeIp);
        }
        for (var e : ips.entrySet()) {
          String ip = e.getValue();
          time(
              "whois " + e.getKey() + ", now, in-process",
              samples,
              () -> inProcess.whois(ip, null));
          time(
              "whois " + e.getKey() + ", past, in-process",
              samples,
              () -> inProcess.whois(ip, past(rnd, w)));
          time("whois " + e.getKey() + ", now, API", samples, () -> api.get("/api/v1/whois/" + ip));
          time(
              "whois " + e.getKey() + ", past, API",
              samples,
              () -> api.get("/api/v1/whois/" + ip + "?at=" + past(rnd, w)));
        }
        int pageSamples = Math.max(5, samples / 10);
        // warm up the page path too (the JIT compiles it while the first pages run)
        for (int i = 0; i < pageSamples; i++) {
          long after = (long) (rnd.nextDouble() * Math.max(1, w.hits() - 1000));
          api.get("/api/v1/hits?limit=1000&after=" + after);
        }
        time(
            "hits page of 1000 at a random place, API",
            pageSamples,
            () -> {
              long after = (long) (rnd.nextDouble() * Math.max(1, w.hits() - 1000));
              return api.get("/api/v1/hits?limit=1000&after=" + after);
            });
        String ns = w.namespaces().get(rnd.nextInt(w.namespaces().size()));
        for (int i = 0; i < 2; i++) {
          api.get("/api/v1/hits?limit=1000&since=1d&namespace=" + ns);
          if (BenchTargets.leaksQuery() != null) {
            api.get(BenchTargets.leaksQuery());
          }
        }
        time(
            "hits --namespace NS --since 1d (first page of 1000), API",
            Math.max(3, samples / 50),
            () -> api.get("/api/v1/hits?limit=1000&since=1d&namespace=" + ns));
        int[] found = {0};
        time(
            "hits --namespace NS --since 1d (all pages of 1000), API",
            Math.max(3, samples / 50),
            () -> found[0] = api.pages("/api/v1/hits?since=1d&namespace=" + ns, 1000));
        rows.put("  (hits of NS in that day)", String.valueOf(found[0]));
        time(
            "hits --namespace NS --since 1d (all pages of 10000), API",
            Math.max(3, samples / 50),
            () -> api.pages("/api/v1/hits?since=1d&namespace=" + ns, 10_000));
        String leaks = BenchTargets.leaksQuery();
        if (leaks == null) {
          rows.put("hits --leaks --since 1d (first page of 1000), API", "n/a (no such filter)");
        } else {
          time(
              "hits --leaks --since 1d (first page of 1000), API",
              Math.max(3, samples / 50),
              () -> api.get(leaks));
        }
        rows.put("heap used after GC, while serving", heap());
        rows.put("heap peak (sum of heap pools)", peakHeap());
        Path dump = dbFile.resolveSibling(dbFile.getFileName() + ".dump.json");
        if (Files.exists(dump)) {
          // the state now again, a minute later: what a periodic re-import of a dump costs while
          // the server's timeline follows history (an unchanged cluster opens no interval)
          long t1 = System.nanoTime();
          new ClusterStateImport(db)
              .importFile(dump, CLUSTER, Instant.ofEpochMilli(w.endMillis() + 60_000));
          rows.put("import of the dump again while serving", ms(t1) + " ms");
        }
      } finally {
        server.close();
      }
      System.out.println();
      System.out.println("## " + label);
      System.out.printf(
          "history: %d days, %d hits; machine: %d CPUs, %s, max heap %d MB%n",
          (w.endMillis() - w.startMillis()) / 86_400_000L,
          w.hits(),
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
          Runtime.getRuntime().maxMemory() >> 20);
      System.out.printf("%-60s %s%n", "generation / import", "");
      w.figures().forEach((k, v) -> System.out.printf("  %-58s %s ms%n", k, v));
      System.out.printf("%-60s %s%n", "measure", "p50 / p99 (n), CPU of the process per call");
      rows.forEach((k, v) -> System.out.printf("  %-58s %s%n", k, v));
    }

    static Instant past(Random rnd, World w) {
      return Instant.ofEpochMilli(
          w.startMillis() + (long) (rnd.nextDouble() * (w.endMillis() - w.startMillis())));
    }

    /**
     * Times a call n times: p50 and p99 of the wall time, and the CPU time of this process (server
     * and client alike) per call on average, which other processes' load changes much less.
     */
    private void time(String name, int n, Callable<?> call) throws Exception {
      long[] nanos = new long[n];
      long cpu0 = processCpuNanos();
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        call.call();
        nanos[i] = System.nanoTime() - t0;
      }
      long cpu = (processCpuNanos() - cpu0) / n;
      Arrays.sort(nanos);
      String v =
          String.format(
              Locale.ROOT,
              "%s / %s (%d), CPU %s",
              human(nanos[(int) Math.floor(0.5 * (n - 1))]),
              human(nanos[(int) Math.ceil(0.99 * (n - 1))]),
              n,
              human(cpu));
      rows.put(name, v);
      progress("%-60s %s", name, v);
    }

    private static long processCpuNanos() {
      return ((com.sun.management.OperatingSystemMXBean)
              ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
    }

    private static String human(long nanos) {
      double ms = nanos / 1e6;
      return ms < 10
          ? String.format(Locale.ROOT, "%.2f ms", ms)
          : ms < 10_000
              ? String.format(Locale.ROOT, "%.0f ms", ms)
              : String.format(Locale.ROOT, "%.1f s", ms / 1000);
    }

    private static String heap() {
      System.gc();
      long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      return (used >> 20) + " MB";
    }

    private static String peakHeap() {
      long peak = 0;
      for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
        if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
          peak += p.getPeakUsage().getUsed();
        }
      }
      return (peak >> 20) + " MB";
    }
  }

  /** A warm HTTP/1.1 client of the API on loopback. */
  static final class Api {
    private final HttpClient client =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;

    Api(int port) {
      this.base = "http://127.0.0.1:" + port;
    }

    /**
     * The body of a 200 answer, as bytes: what curl hands on, without decoding megabytes into a
     * string in this JVM, which the server's figures would pay for.
     */
    byte[] get(String pathAndQuery) throws IOException, InterruptedException {
      HttpResponse<byte[]> r =
          client.send(
              HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            pathAndQuery
                + ": "
                + r.statusCode()
                + " "
                + new String(r.body(), StandardCharsets.UTF_8));
      }
      return r.body();
    }

    /**
     * Follows {@code after} until a page is short; returns the number of hits. Each body is read
     * with a streaming parser (hits counted, the last id kept), as a client that pipes pages on
     * would: building a tree of every page's megabytes cost the client (in this same JVM) about as
     * much as the server's work.
     */
    int pages(String pathAndQuery, int pageSize) throws IOException, InterruptedException {
      long after = 0;
      int total = 0;
      while (true) {
        byte[] body = get(pathAndQuery + "&limit=" + pageSize + "&after=" + after);
        int count = 0;
        int depth = 0;
        boolean inHits = false;
        try (tools.jackson.core.JsonParser p = JSON.createParser(body)) {
          tools.jackson.core.JsonToken t;
          while ((t = p.nextToken()) != null) {
            switch (t) {
              case START_OBJECT, START_ARRAY -> {
                depth++;
                if (depth == 3 && inHits && t == tools.jackson.core.JsonToken.START_OBJECT) {
                  count++;
                }
              }
              case END_OBJECT, END_ARRAY -> depth--;
              case PROPERTY_NAME -> {
                if (depth == 1) {
                  inHits = "hits".equals(p.currentName());
                } else if (depth == 3 && inHits && "id".equals(p.currentName())) {
                  p.nextToken();
                  after = p.getLongValue();
                }
              }
              default -> {}
            }
          }
        }
        total += count;
        if (count < pageSize) {
          return total;
        }
      }
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
