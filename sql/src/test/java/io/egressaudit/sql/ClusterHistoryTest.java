package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.PodState;
import io.egressaudit.correlator.WhoisResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterHistoryTest {

  static final Instant T1 = Instant.parse("2021-11-26T17:40:43Z");
  static final Instant T2 = Instant.parse("2021-11-26T18:10:00Z");
  static final String EGRESS_IP = "192.168.126.100";

  @TempDir Path dir;

  private Database db;
  private ClusterHistory history;

  @BeforeEach
  void open() {
    db = Database.at(dir.resolve("history.db"));
    history = new ClusterHistory(db);
  }

  // --- the cluster: two nodes, two namespaces, an EgressIP for simpson ---

  static Map<String, String> labels(boolean reversed, String... keyValues) {
    List<String[]> pairs = new ArrayList<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      pairs.add(new String[] {keyValues[i], keyValues[i + 1]});
    }
    if (reversed) {
      java.util.Collections.reverse(pairs);
    }
    Map<String, String> m = new LinkedHashMap<>();
    pairs.forEach(p -> m.put(p[0], p[1]));
    return m;
  }

  static String[] manyLabels(String name) {
    List<String> kv = new ArrayList<>();
    kv.add("kubernetes.io/metadata.name");
    kv.add(name);
    kv.add("env");
    kv.add(name);
    for (int i = 0; i < 24; i++) {
      kv.add("example.com/label-" + i);
      kv.add("value-" + (i * 7 % 13));
    }
    return kv.toArray(String[]::new);
  }

  static NodeState worker0(boolean reversed) {
    return new NodeState(
        "ocp-8vr6j-worker-0-sl79n",
        List.of("192.168.126.51"),
        labels(
            reversed,
            NodeState.EGRESS_ASSIGNABLE_LABEL,
            "",
            "node-role.kubernetes.io/worker",
            "",
            "kubernetes.io/hostname",
            "ocp-8vr6j-worker-0-sl79n"),
        true);
  }

  static NodeState worker1(boolean reversed) {
    return new NodeState(
        "ocp-8vr6j-worker-1-abcde",
        List.of("192.168.126.52"),
        labels(
            reversed,
            "node-role.kubernetes.io/worker",
            "",
            "kubernetes.io/hostname",
            "ocp-8vr6j-worker-1-abcde"),
        true);
  }

  static NamespaceState namespace(String name, boolean reversed) {
    return new NamespaceState(name, labels(reversed, manyLabels(name)));
  }

  static PodState pod(String ns, String name, String node, String ip) {
    return new PodState(
        ns, name, node, List.of(ip), false, Map.of("app", name.split("-")[0]), "Running");
  }

  static EgressIpState egressIp(String name, String ip, String namespaceEnv, String node) {
    return new EgressIpState(
        name,
        List.of(ip),
        new LabelSelector(Map.of("env", namespaceEnv), List.of()),
        null,
        List.of(new EgressIpAssignment(ip, node)));
  }

  static final PodState HOMER_T1 =
      pod(
          "simpson",
          "homer-deployment-5b7857cc48-fs2w4",
          "ocp-8vr6j-worker-0-sl79n",
          "10.128.2.10");
  static final PodState HOMER_T2 =
      pod("simpson", "homer-deployment-5b7857cc48-fs2w4", "ocp-8vr6j-worker-1-abcde", "10.131.0.7");
  static final PodState MARGE =
      pod(
          "simpson",
          "marge-deployment-6d4b9c7f55-x2x8q",
          "ocp-8vr6j-worker-0-sl79n",
          "10.128.2.11");
  static final PodState BART =
      pod("simpson", "bart-deployment-7f9d8d6c4-q9wz2", "ocp-8vr6j-worker-1-abcde", "10.131.0.8");
  static final PodState PATTY =
      pod("bouvier", "patty-deployment-55c6b8d9b8-k2l7m", "ocp-8vr6j-worker-1-abcde", "10.131.0.9");
  static final EgressIpState DEMO_EIP =
      egressIp("egressip-demo", EGRESS_IP, "simpson", "ocp-8vr6j-worker-0-sl79n");

  static List<ClusterObject> stateT1() {
    return List.of(
        worker0(false),
        worker1(false),
        namespace("simpson", false),
        namespace("bouvier", false),
        HOMER_T1,
        MARGE,
        PATTY,
        DEMO_EIP);
  }

  /**
   * homer changed (rescheduled), marge deleted, bart new; the rest unchanged, labels in another
   * order.
   */
  static List<ClusterObject> stateT2() {
    return List.of(
        DEMO_EIP,
        PATTY,
        BART,
        HOMER_T2,
        namespace("bouvier", true),
        namespace("simpson", true),
        worker1(true),
        worker0(true));
  }

  @Test
  void snapshotsBecomeIntervalsAndViewsReturnTheStateValidAtAnyTime() throws Exception {
    ImportSummary first = history.recordSnapshot("demo", T1, stateT1(), "before.yaml");
    assertThat(first).isEqualTo(new ImportSummary("demo", T1, 8, 0, 0));

    ImportSummary second = history.recordSnapshot("demo", T2, stateT2(), "after.yaml");
    assertThat(second).isEqualTo(new ImportSummary("demo", T2, 2, 2, 6));
    assertThat(history.latestChange("demo")).isEqualTo(T2);
    assertThat(history.latestChange("elsewhere")).isNull();

    try (HistoryView view = new HistoryView(db, null)) {
      assertThat(view.clusters()).containsExactly("demo");

      ClusterSnapshot before = view.snapshotAt("demo", T1.minusMillis(1));
      assertThat(before.isEmpty()).isTrue();
      assertThat(view.snapshotsAt(T1.minusSeconds(3600))).isEmpty();

      ClusterSnapshot between = view.snapshotAt("demo", T1.plusSeconds(60));
      assertThat(between.cluster()).isEqualTo("demo");
      assertThat(between.pods()).containsExactlyInAnyOrder(HOMER_T1, MARGE, PATTY);
      assertThat(between.nodes()).containsExactlyInAnyOrder(worker0(false), worker1(false));
      assertThat(between.namespaces())
          .containsExactlyInAnyOrder(namespace("simpson", false), namespace("bouvier", false));
      assertThat(between.egressIps()).containsExactly(DEMO_EIP);
      for (ClusterObject o : stateT1()) {
        assertThat(between.since(o.ref())).as("since of %s", o.ref()).isEqualTo(T1);
      }
      assertThat(view.snapshotAt("demo", T1)).as("at exactly t1").isSameAs(between);
      assertThat(view.snapshotAt("demo", T2.minusMillis(1))).isSameAs(between);

      ClusterSnapshot atT2 = view.snapshotAt("demo", T2);
      assertThat(atT2.pods()).containsExactlyInAnyOrder(HOMER_T2, BART, PATTY);
      assertThat(atT2.egressIps()).containsExactly(DEMO_EIP);
      assertThat(atT2.nodes()).hasSize(2);
      assertThat(atT2.namespaces()).hasSize(2);
      assertThat(atT2.since(HOMER_T2.ref())).as("changed").isEqualTo(T2);
      assertThat(atT2.since(BART.ref())).as("new").isEqualTo(T2);
      assertThat(atT2.since(MARGE.ref())).as("deleted").isNull();
      assertThat(atT2.since(PATTY.ref())).as("unchanged").isEqualTo(T1);
      assertThat(atT2.since(DEMO_EIP.ref())).as("unchanged").isEqualTo(T1);
      assertThat(atT2.since(namespace("simpson", false).ref()))
          .as("labels reordered")
          .isEqualTo(T1);
      assertThat(atT2.since(worker0(false).ref())).as("labels reordered").isEqualTo(T1);

      ClusterSnapshot after = view.snapshotAt("demo", T2.plus(Duration.ofDays(365)));
      assertThat(after).isSameAs(atT2);
      assertThat(view.snapshotsAt(T2.plusSeconds(1))).containsExactly(atT2);
    }

    // the raw intervals: one closed state per changed or deleted object, nothing else
    assertThat(
            rows(
                "SELECT name, valid_from, valid_to FROM cluster_object WHERE valid_to IS NOT NULL ORDER BY name"))
        .containsExactly(
            "homer-deployment-5b7857cc48-fs2w4 " + T1.toEpochMilli() + " " + T2.toEpochMilli(),
            "marge-deployment-6d4b9c7f55-x2x8q " + T1.toEpochMilli() + " " + T2.toEpochMilli());
    assertThat(rows("SELECT count(*) FROM cluster_object WHERE valid_to IS NULL"))
        .containsExactly("8");
    assertThat(
            rows(
                "SELECT cluster, at, source, opened, closed, unchanged FROM cluster_import ORDER BY at"))
        .containsExactly(
            "demo " + T1.toEpochMilli() + " before.yaml 8 0 0",
            "demo " + T2.toEpochMilli() + " after.yaml 2 2 6");
  }

  @Test
  void labelOrderDoesNotOpenANewInterval() throws Exception {
    history.recordSnapshot("demo", T1, stateT1(), "a");

    ImportSummary same =
        history.recordSnapshot(
            "demo",
            T2,
            List.of(
                worker0(true),
                worker1(true),
                namespace("simpson", true),
                namespace("bouvier", true),
                HOMER_T1,
                MARGE,
                PATTY,
                DEMO_EIP),
            "b");

    assertThat(same).isEqualTo(new ImportSummary("demo", T2, 0, 0, 8));
    assertThat(rows("SELECT count(*) FROM cluster_object")).containsExactly("8");
  }

  @Test
  void snapshotOlderThanTheHistoryIsRefusedAndWritesNothing() throws Exception {
    history.recordSnapshot("demo", T1, stateT1(), "before.yaml");
    history.recordSnapshot("demo", T2, stateT2(), "after.yaml");
    List<String> objectsBefore = rows("SELECT * FROM cluster_object ORDER BY id");
    List<String> importsBefore = rows("SELECT * FROM cluster_import ORDER BY id");

    Instant older = T2.minusSeconds(1);
    assertThatThrownBy(() -> history.recordSnapshot("demo", older, List.of(BART), "late.yaml"))
        .isInstanceOf(HistoryOrderException.class)
        .hasMessageContaining("'demo'")
        .hasMessageContaining(T2.toString())
        .hasMessageContaining(older.toString());
    assertThatThrownBy(
            () -> history.recordSnapshot("demo", T1.minusSeconds(1), stateT1(), "early.yaml"))
        .isInstanceOf(HistoryOrderException.class);

    assertThat(rows("SELECT * FROM cluster_object ORDER BY id")).isEqualTo(objectsBefore);
    assertThat(rows("SELECT * FROM cluster_import ORDER BY id")).isEqualTo(importsBefore);
    assertThat(history.latestChange("demo")).isEqualTo(T2);

    // another cluster has its own history
    assertThat(history.recordSnapshot("other", T1, List.of(worker0(false)), "x"))
        .isEqualTo(new ImportSummary("other", T1, 1, 0, 0));
  }

  @Test
  void whoisOfAnEgressIpNamesTheObjectNamespacesPodsAndSince() {
    history.recordSnapshot("demo", T1, stateT1(), "before.yaml");
    history.recordSnapshot("demo", T2, stateT2(), "after.yaml");

    try (HistoryView view = new HistoryView(db, "demo")) {
      WhoisResult between = view.whois(EGRESS_IP, T1.plusSeconds(60));
      assertThat(between.ip()).isEqualTo(EGRESS_IP);
      assertThat(between.at()).isEqualTo(T1.plusSeconds(60));
      assertThat(between.matches()).hasSize(1);
      Attribution m = between.matches().get(0);
      assertThat(m.cluster()).isEqualTo("demo");
      assertThat(m.kind()).isEqualTo(AttributionKind.EGRESS_IP);
      assertThat(m.kind().toString()).isEqualTo("egress-ip");
      assertThat(m.egressIP()).isEqualTo("egressip-demo");
      assertThat(m.node()).isEqualTo("ocp-8vr6j-worker-0-sl79n");
      assertThat(m.namespaces()).containsExactly("simpson");
      assertThat(m.pods())
          .containsExactly(
              new PodRef("simpson", HOMER_T1.name()), new PodRef("simpson", MARGE.name()));
      assertThat(m.since()).isEqualTo(T1);

      Attribution later = view.whois("::ffff:" + EGRESS_IP, T2.plusSeconds(5)).matches().get(0);
      assertThat(later.kind()).isEqualTo(AttributionKind.EGRESS_IP);
      assertThat(later.pods())
          .containsExactly(
              new PodRef("simpson", BART.name()), new PodRef("simpson", HOMER_T2.name()));
      assertThat(later.since()).as("the EgressIP did not change").isEqualTo(T1);

      Attribution pod = view.whois("10.131.0.7", T2).matches().get(0);
      assertThat(pod.kind()).isEqualTo(AttributionKind.POD);
      assertThat(pod.since()).isEqualTo(T2);
      assertThat(view.whois("10.128.2.11", T2).matches())
          .as("marge's IP after she was deleted")
          .containsExactly(Attribution.UNKNOWN);

      Attribution node = view.whois("192.168.126.52", T2).matches().get(0);
      assertThat(node.kind()).isEqualTo(AttributionKind.NODE);
      assertThat(node.node()).isEqualTo("ocp-8vr6j-worker-1-abcde");
      assertThat(node.since()).isEqualTo(T1);
    }
  }

  @Test
  void twoClustersGiveMatchesFromBoth() {
    history.recordSnapshot("demo", T1, stateT1(), "demo.yaml");
    history.recordSnapshot(
        "lab",
        T2,
        List.of(
            new NamespaceState("krusty", Map.of("env", "krusty")),
            pod("krusty", "krusty-0", "lab-worker-0", "10.0.0.5"),
            egressIp("egressip-lab", EGRESS_IP, "krusty", "lab-worker-0")),
        "lab.yaml");

    try (HistoryView view = new HistoryView(db, null)) {
      assertThat(view.clusters()).containsExactly("demo", "lab");

      WhoisResult both = view.whois(EGRESS_IP, T2.plusSeconds(1));
      assertThat(both.matches())
          .extracting(
              Attribution::cluster, Attribution::kind, Attribution::egressIP, Attribution::since)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(
                  "demo", AttributionKind.EGRESS_IP, "egressip-demo", T1),
              org.assertj.core.groups.Tuple.tuple(
                  "lab", AttributionKind.EGRESS_IP, "egressip-lab", T2));
      assertThat(both.matches())
          .filteredOn(a -> a.cluster().equals("lab"))
          .singleElement()
          .satisfies(a -> assertThat(a.namespaces()).containsExactly("krusty"));

      WhoisResult onlyDemo = view.whois(EGRESS_IP, T2.minusSeconds(1));
      assertThat(onlyDemo.matches()).extracting(Attribution::cluster).containsExactly("demo");
    }

    try (HistoryView labOnly = new HistoryView(db, "lab")) {
      assertThat(labOnly.clusters()).containsExactly("lab");
      assertThat(labOnly.whois(EGRESS_IP, T2).matches())
          .extracting(Attribution::cluster)
          .containsExactly("lab");
    }
  }

  @Test
  void whoisBeforeAnyHistoryIsASingleUnknown() {
    try (HistoryView empty = new HistoryView(db, null)) {
      assertThat(empty.clusters()).isEmpty();
      WhoisResult r = empty.whois(EGRESS_IP, T1);
      assertThat(r.matches()).containsExactly(Attribution.UNKNOWN);
      assertThat(r.matches().get(0).kind().toString()).isEqualTo("unknown");
    }

    history.recordSnapshot("demo", T1, stateT1(), "before.yaml");

    try (HistoryView view = new HistoryView(db, null)) {
      WhoisResult early = view.whois(EGRESS_IP, T1.minusSeconds(1));
      assertThat(early.matches()).containsExactly(Attribution.UNKNOWN);
      assertThat(view.whois("198.51.100.200", T2).matches()).containsExactly(Attribution.UNKNOWN);
      assertThatThrownBy(() -> view.whois("not-an-ip", T2))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void deletingEverythingLeavesNoStateAfterwards() {
    history.recordSnapshot("demo", T1, stateT1(), "before.yaml");
    assertThat(history.recordSnapshot("demo", T2, List.of(), "empty.yaml"))
        .isEqualTo(new ImportSummary("demo", T2, 0, 8, 0));

    try (HistoryView view = new HistoryView(db, null)) {
      assertThat(view.snapshotAt("demo", T2.minusMillis(1)).pods()).hasSize(3);
      assertThat(view.snapshotAt("demo", T2).isEmpty()).isTrue();
      assertThat(view.whois(EGRESS_IP, T2).matches()).containsExactly(Attribution.UNKNOWN);
    }
  }

  @Test
  void pruningRecordsWhereTheStateIsWholeAgainAsTheStartOfEachClusterThatLostIntervals() {
    history.recordSnapshot("demo", T1, stateT1(), "before.yaml");
    history.recordSnapshot("demo", T2, stateT2(), "after.yaml"); // ends homer's and marge's states
    history.recordSnapshot("lab", T1, List.of(worker1(false)), "lab.yaml"); // nothing ever ends
    Instant before = HistoryLoader.historyStarts(db).get("demo").at();

    long deleted = history.pruneEndedBefore(T2.plus(Duration.ofDays(30)), 1);

    assertThat(before).isEqualTo(T1);
    assertThat(deleted).isEqualTo(2);
    Map<String, HistoryStart> starts = HistoryLoader.historyStarts(db);
    assertThat(starts.get("demo"))
        .as("the latest end of what was deleted, not the cutoff: from T2 on every state is whole")
        .isEqualTo(new HistoryStart(T1, T2));
    assertThat(starts.get("demo").at()).isEqualTo(T2);
    assertThat(starts.get("demo").describe()).isEqualTo("history before " + T2 + " was pruned");
    assertThat(starts.get("lab")).isEqualTo(new HistoryStart(T1, null));
    assertThat(starts.get("lab").describe()).isEqualTo("history starts at " + T1);
    assertThat(HistoryLoader.coverage(db).get("demo").firstChange()).isEqualTo(T2);
    assertThat(HistoryLoader.coverage(db).get("lab").firstChange()).isEqualTo(T1);

    Instant later = T2.plusSeconds(60);
    history.recordSnapshot("demo", later, stateT1(), "again.yaml");
    history.recordSnapshot("demo", later.plusSeconds(60), stateT2(), "after-again.yaml");
    history.pruneEndedBefore(later, 1); // ends at `later` only: the horizon moves there
    assertThat(HistoryLoader.horizons(db)).containsExactly(Map.entry("demo", later));
  }

  @Test
  void recordingWhileTheHitWriterCommitsSucceeds() throws Exception {
    // serve runs the hit writer and the informers' history writes against the same file
    AtomicBoolean stop = new AtomicBoolean();
    try (HitWriter writer = new HitWriter(db, new HitWriter.Settings(1024, 8, 0))) {
      CompletableFuture<Void> load =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  writer.offer(HitWriterTest.hit("bg-" + i, i), f -> {});
                }
              });
      try {
        Instant t = T1;
        for (int i = 0; i < 40; i++) {
          t = t.plusSeconds(1);
          List<ClusterObject> state = new ArrayList<>(stateT1());
          state.add(pod("simpson", "bart-" + i, "ocp-8vr6j-worker-1-abcde", "10.131.1." + i));
          ImportSummary s = history.recordSnapshot("demo", t, state, "informer");
          assertThat(s.opened()).isEqualTo(i == 0 ? 9 : 1);
        }
      } finally {
        stop.set(true);
        load.get(30, TimeUnit.SECONDS);
      }
      assertThat(writer.stats().committed()).isPositive();
    }
  }

  private List<String> rows(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = MigrationsTest.raw(db.file());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          if (i > 1) {
            row.append(' ');
          }
          row.append(rs.getString(i));
        }
        out.add(row.toString());
      }
    }
    return out;
  }
}
