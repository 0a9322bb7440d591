package io.egressaudit.sql;

import static io.egressaudit.sql.ClusterHistoryTest.DEMO_EIP;
import static io.egressaudit.sql.ClusterHistoryTest.EGRESS_IP;
import static io.egressaudit.sql.ClusterHistoryTest.HOMER_T1;
import static io.egressaudit.sql.ClusterHistoryTest.MARGE;
import static io.egressaudit.sql.ClusterHistoryTest.PATTY;
import static io.egressaudit.sql.ClusterHistoryTest.egressIp;
import static io.egressaudit.sql.ClusterHistoryTest.namespace;
import static io.egressaudit.sql.ClusterHistoryTest.pod;
import static io.egressaudit.sql.ClusterHistoryTest.stateT1;
import static io.egressaudit.sql.ClusterHistoryTest.worker0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.correlator.PodState;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live observations: one object at a time, each object's history only moving forward. */
class ClusterHistoryChangesTest {

  static final Instant T1 = Instant.parse("2021-11-26T17:40:43Z");
  static final Instant T2 = Instant.parse("2021-11-26T18:02:00Z");
  static final Instant T3 = Instant.parse("2021-11-26T18:30:00Z");
  static final EgressIpState FAILED_OVER =
      egressIp("egressip-demo", EGRESS_IP, "simpson", "ocp-8vr6j-worker-1-abcde");

  @TempDir Path dir;

  private Database db;
  private ClusterHistory history;

  @BeforeEach
  void open() {
    db = Database.at(dir.resolve("history.db"));
    history = new ClusterHistory(db);
    history.recordSnapshot("demo", T1, stateT1(), "informer");
  }

  @Test
  void aChangedStateEndsTheOldIntervalAndTheSameStateChangesNothing() throws Exception {
    assertThat(history.recordChange("demo", T2, FAILED_OVER))
        .isEqualTo(new ImportSummary("demo", T2, 1, 1, 0));
    assertThat(history.recordChange("demo", T3, FAILED_OVER))
        .isEqualTo(new ImportSummary("demo", T3, 0, 0, 1));

    try (HistoryView view = new HistoryView(db, "demo")) {
      Attribution before = view.whois(EGRESS_IP, T2.minusMillis(1)).matches().get(0);
      assertThat(before.kind()).isEqualTo(AttributionKind.EGRESS_IP);
      assertThat(before.node()).isEqualTo("ocp-8vr6j-worker-0-sl79n");
      assertThat(before.since()).isEqualTo(T1);
      Attribution after = view.whois(EGRESS_IP, T3).matches().get(0);
      assertThat(after.node()).isEqualTo("ocp-8vr6j-worker-1-abcde");
      assertThat(after.since()).isEqualTo(T2);
    }
    assertThat(
            rows(
                "SELECT valid_from, valid_to FROM cluster_object WHERE kind = 'EgressIP' ORDER BY id"))
        .containsExactly(T1.toEpochMilli() + " " + T2.toEpochMilli(), T2.toEpochMilli() + " null");
  }

  @Test
  void aDeletionEndsTheIntervalAndANewObjectStartsOne() throws Exception {
    PodState lisa = pod("simpson", "lisa-0", "ocp-8vr6j-worker-0-sl79n", "10.128.2.12");

    assertThat(history.recordDeletion("demo", T2, MARGE.ref()))
        .isEqualTo(new ImportSummary("demo", T2, 0, 1, 0));
    assertThat(history.recordChange("demo", T2, lisa))
        .isEqualTo(new ImportSummary("demo", T2, 1, 0, 0));
    assertThat(history.recordDeletion("demo", T3, MARGE.ref()))
        .as("already deleted")
        .isEqualTo(new ImportSummary("demo", T3, 0, 0, 0));
    assertThat(
            history.recordDeletion(
                "demo", T3, new ObjectRef(ObjectKind.POD, "simpson", "never-seen")))
        .isEqualTo(new ImportSummary("demo", T3, 0, 0, 0));

    try (HistoryView view = new HistoryView(db, "demo")) {
      assertThat(view.snapshotAt("demo", T2.minusMillis(1)).pods())
          .contains(MARGE)
          .doesNotContain(lisa);
      assertThat(view.snapshotAt("demo", T2).pods())
          .contains(lisa, HOMER_T1, PATTY)
          .doesNotContain(MARGE);
      assertThat(view.snapshotAt("demo", T2).since(lisa.ref())).isEqualTo(T2);
    }
  }

  @Test
  void aBatchRecordsChangesAndDeletionsAtOnce() throws Exception {
    PodState lisa = pod("simpson", "lisa-0", "ocp-8vr6j-worker-0-sl79n", "10.128.2.12");

    ImportSummary s =
        history.recordChanges(
            "demo",
            T2,
            List.of(FAILED_OVER, lisa, namespace("simpson", true)),
            List.of(MARGE.ref()));

    assertThat(s).isEqualTo(new ImportSummary("demo", T2, 2, 2, 1));
    assertThat(history.recordChanges("demo", T3, List.of(), List.of()))
        .isEqualTo(new ImportSummary("demo", T3, 0, 0, 0));
    assertThat(rows("SELECT count(*) FROM cluster_object")).containsExactly("10");
  }

  @Test
  void eachObservationOfABatchKeepsItsOwnTime() throws Exception {
    ImportSummary s =
        history.recordChanges(
            "demo",
            List.of(ObjectChange.deleted(T3, MARGE.ref()), ObjectChange.observed(T2, FAILED_OVER)));

    assertThat(s).isEqualTo(new ImportSummary("demo", T3, 1, 2, 0));
    try (HistoryView view = new HistoryView(db, "demo")) {
      assertThat(view.snapshotAt("demo", T2).egressIps()).containsExactly(FAILED_OVER);
      assertThat(view.snapshotAt("demo", T2).pods()).contains(MARGE);
      assertThat(view.snapshotAt("demo", T3).pods()).doesNotContain(MARGE);
    }
  }

  @Test
  void anObservationBeforeTheOpenStateBeganIsRecordedWhenItBegan() throws Exception {
    history.recordChange("demo", T3, FAILED_OVER);

    // the clock went back: events observed at T2 for objects whose states began at T3 and T1
    assertThat(history.recordChange("demo", T2, DEMO_EIP))
        .isEqualTo(new ImportSummary("demo", T2, 1, 1, 0));
    assertThat(history.recordDeletion("demo", T2, MARGE.ref()))
        .isEqualTo(new ImportSummary("demo", T2, 0, 1, 0));

    assertThat(rows("SELECT count(*) FROM cluster_object WHERE valid_to < valid_from"))
        .containsExactly("0");
    assertThat(
            rows(
                "SELECT valid_from, valid_to FROM cluster_object WHERE kind = 'EgressIP' ORDER BY id"))
        .containsExactly(
            T1.toEpochMilli() + " " + T3.toEpochMilli(),
            T3.toEpochMilli() + " " + T3.toEpochMilli(),
            T3.toEpochMilli() + " null");
    assertThat(rows("SELECT valid_to FROM cluster_object WHERE name = '" + MARGE.name() + "'"))
        .containsExactly(String.valueOf(T2.toEpochMilli()));
    try (HistoryView view = new HistoryView(db, "demo")) {
      assertThat(view.whois(EGRESS_IP, T3).matches().get(0).node())
          .isEqualTo("ocp-8vr6j-worker-0-sl79n");
    }
  }

  @Test
  void anObjectThatReappearsStartsNoEarlierThanItsLastIntervalEnded() throws Exception {
    history.recordDeletion("demo", T3, MARGE.ref());

    assertThat(history.recordChange("demo", T2, MARGE))
        .isEqualTo(new ImportSummary("demo", T2, 1, 0, 0));

    assertThat(
            rows(
                "SELECT valid_from, valid_to FROM cluster_object WHERE name = '"
                    + MARGE.name()
                    + "' ORDER BY id"))
        .containsExactly(T1.toEpochMilli() + " " + T3.toEpochMilli(), T3.toEpochMilli() + " null");
  }

  @Test
  void changesOlderThanTheClusterLatestChangeAreAcceptedAndASnapshotAfterThemIsToo() {
    history.recordChange("demo", T3, FAILED_OVER);

    PodState lisa = pod("simpson", "lisa-0", "ocp-8vr6j-worker-0-sl79n", "10.128.2.12");
    assertThat(history.recordChange("demo", T2, lisa).opened()).isEqualTo(1);
    assertThat(history.latestChange("demo")).isEqualTo(T3);

    assertThatThrownBy(() -> history.recordSnapshot("demo", T2, stateT1(), "late"))
        .isInstanceOf(HistoryOrderException.class);
    List<io.egressaudit.correlator.ClusterObject> now = new ArrayList<>(stateT1());
    now.remove(DEMO_EIP);
    now.add(FAILED_OVER);
    now.add(lisa);
    assertThat(history.recordSnapshot("demo", T3, now, "informer"))
        .isEqualTo(new ImportSummary("demo", T3, 0, 0, 9));
  }

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> history.recordChanges("demo", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ObjectChange(T2, MARGE.ref(), worker0(false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Node/ocp-8vr6j-worker-0-sl79n")
        .hasMessageContaining("Pod/simpson/" + MARGE.name());
  }

  private List<String> rows(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = MigrationsTest.raw(db.file());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          row.add(rs.getString(i));
        }
        out.add(String.join(" ", row));
      }
    }
    return out;
  }
}
