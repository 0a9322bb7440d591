package io.egressaudit.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compact store gives back every state as it was added, also after compaction. */
class IntervalStoreTest {

  private static final List<ClusterObject> STATES =
      List.of(
          new PodState(
              "simpson",
              "homer-deployment-5b7857cc48-fs2w4",
              "worker-0",
              List.of("10.128.2.14"),
              false,
              Map.of("app", "homer"),
              "Running"),
          new PodState(
              "simpson",
              "dual-stack",
              "worker-1",
              List.of("10.128.2.15", "fd01:0:0:5::f"),
              false,
              Map.of(),
              "Running"),
          new PodState("simpson", "pending", null, List.of(), false, Map.of(), "Pending"),
          new PodState("simpson", "no-phase", "worker-0", List.of(), false, Map.of(), null),
          new PodState(
              "kube-system",
              "host-ovnkube",
              "worker-0",
              List.of("10.0.0.5"),
              true,
              null,
              "Running"),
          new PodState("ünïcode", "pöd-ß", "wörker", List.of("fd01::1"), false, Map.of(), "Failed"),
          new NodeState("worker-0", List.of("10.0.0.5"), Map.of(), true),
          new NamespaceState("simpson", Map.of("team", "yellow")),
          new EgressIpState(
              "egressip-demo",
              List.of("192.168.126.100"),
              new LabelSelector(Map.of("team", "yellow"), List.of()),
              null,
              List.of(new EgressIpAssignment("192.168.126.100", "worker-0"))));

  @Test
  void everyStateIsGivenBackAsItWasAdded() {
    IntervalStore store = new IntervalStore();
    for (int k = 0; k < 40; k++) { // past the first growth of every column
      for (int i = 0; i < STATES.size(); i++) {
        int slot = store.add(STATES.get(i), k * 100L + i, AttributionTimeline.OPEN);
        assertThat(store.state(slot)).isEqualTo(STATES.get(i));
        assertThat(store.from(slot)).isEqualTo(k * 100L + i);
      }
    }
    for (int slot = 0; slot < store.size(); slot++) {
      assertThat(store.state(slot)).isEqualTo(STATES.get(slot % STATES.size()));
    }
  }

  @Test
  void compactionKeepsTheStatesAndTimesOfTheSlotsKept() {
    IntervalStore store = new IntervalStore();
    for (int k = 0; k < 20; k++) {
      for (int i = 0; i < STATES.size(); i++) {
        store.add(STATES.get(i), k, k % 2 == 0 ? k + 1 : AttributionTimeline.OPEN);
      }
    }
    int before = store.size();
    int[] moved = store.compact(slot -> store.to(slot) == AttributionTimeline.OPEN);
    assertThat(store.size()).isEqualTo(before / 2);
    for (int old = 0; old < before; old++) {
      int k = old / STATES.size();
      if (k % 2 == 0) {
        assertThat(moved[old]).isEqualTo(-1);
      } else {
        assertThat(store.state(moved[old])).isEqualTo(STATES.get(old % STATES.size()));
        assertThat(store.from(moved[old])).isEqualTo(k);
        assertThat(store.to(moved[old])).isEqualTo(AttributionTimeline.OPEN);
      }
    }
  }

  @Test
  void podsBuiltBeforeACompactionAreNotGivenForTheNewSlots() {
    IntervalStore store = new IntervalStore();
    List<ClusterObject> added = new java.util.ArrayList<>();
    for (int k = 0; k < 50; k++) {
      ClusterObject o = STATES.get(k % STATES.size());
      if (o instanceof PodState p) {
        o =
            new PodState(
                p.namespace(),
                p.name() + "-" + k,
                p.nodeName(),
                p.podIps(),
                false,
                p.labels(),
                p.phase());
      }
      added.add(o);
      store.add(o, k, AttributionTimeline.OPEN);
    }
    for (int slot = 0; slot < store.size(); slot++) {
      assertThat(store.state(slot)).isEqualTo(added.get(slot)); // built, and remembered
    }
    int[] moved = store.compact(slot -> slot % 3 == 0);
    for (int old = 0; old < added.size(); old++) {
      if (moved[old] >= 0) {
        assertThat(store.state(moved[old])).isEqualTo(added.get(old));
      }
    }
  }

  @Test
  void onlyCanonicalIpv4TextIsHeldAsANumber() {
    for (String ip : List.of("0.0.0.0", "10.128.2.14", "255.255.255.255", "192.168.126.100")) {
      long v = IntervalStore.ipv4(ip);
      assertThat(v).as(ip).isNotNegative();
      assertThat(IntervalStore.ipv4Text((int) v)).isEqualTo(ip);
    }
    for (String ip :
        List.of(
            "010.0.0.1",
            "1.2.3",
            "1.2.3.4.5",
            "256.0.0.1",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "1.2.3.4 ",
            "1234.1.1.1",
            "::1",
            "::ffff:1.2.3.4",
            "fd01::1",
            "")) {
      assertThat(IntervalStore.ipv4(ip)).as(ip).isEqualTo(-1);
    }
  }

  @Test
  void aPodsFieldsReadFromItsColumnsAreThoseOfItsState() {
    IntervalStore store = new IntervalStore();
    for (int k = 0; k < 3; k++) {
      for (ClusterObject o : STATES) {
        if (o instanceof PodState p) {
          int slot = store.add(p, k, AttributionTimeline.OPEN);
          assertThat(store.podNamespace(slot)).isEqualTo(p.namespace());
          assertThat(store.podName(slot)).isEqualTo(p.name());
          assertThat(store.podLabels(slot)).isEqualTo(p.labels());
          assertThat(store.podHostNetwork(slot)).isEqualTo(p.hostNetwork());
          assertThat(store.podActive(slot)).as(p.name()).isEqualTo(p.active());
        }
      }
    }
  }
}
