package io.egressaudit.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.AttributionTimeline.IpSpan;
import io.egressaudit.correlator.anomaly.Anomalies;
import io.egressaudit.correlator.anomaly.Anomaly;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The timeline answers as the rules do on the whole snapshot of the time asked about: property
 * style, over randomized histories (fixed seeds) with pods churning, IPs reused, EgressIPs failing
 * over, late observations inserted before the end, and retention.
 */
class AttributionTimelineTest {

  /** One interval of the history as recorded: {@code validTo} moves when the state ends. */
  static final class Stored {
    final long rowId;
    final ClusterObject state;
    final long validFrom;
    long validTo;

    Stored(long rowId, ClusterObject state, long validFrom, long validTo) {
      this.rowId = rowId;
      this.state = state;
      this.validFrom = validFrom;
      this.validTo = validTo;
    }

    boolean validAt(long t) {
      return validFrom <= t && t < validTo;
    }
  }

  /** One history as intervals, and the timeline fed with it. */
  static final class RandomHistory {
    final Random rnd;
    final List<Stored> all = new ArrayList<>();
    final Map<ObjectRef, Stored> open = new HashMap<>();
    final AttributionTimeline timeline = new AttributionTimeline("c");
    final List<String> ips = new ArrayList<>();
    long clock = 1_000;
    long rowId;

    /**
     * A crowded history: 400 pod names in 12 namespaces (two without a Namespace object), most pods
     * on node-0, so that node runs hundreds of pods at once.
     */
    final boolean crowded;

    /**
     * When set, only pods change from then on: nodes, namespaces and EgressIPs stay as they are.
     */
    boolean podsOnly;

    private final java.util.Set<String> lateNamespaces = new java.util.HashSet<>();

    RandomHistory(long seed) {
      this(seed, false);
    }

    RandomHistory(long seed, boolean crowded) {
      this.crowded = crowded;
      rnd = new Random(seed);
      for (int i = 1; i <= 4; i++) {
        ips.add("10.0.0." + i);
        ips.add("10.1.0." + i);
      }
      for (int i = 1; i <= 10; i++) {
        ips.add("10.128.0." + i);
      }
      ips.add("192.0.2.1");
    }

    String pick(String... options) {
      return options[rnd.nextInt(options.length)];
    }

    ClusterObject randomObject() {
      return switch (podsOnly ? 9 : rnd.nextInt(10)) {
        case 0 ->
            new NodeState(
                "node-" + rnd.nextInt(4),
                rnd.nextInt(8) == 0 ? List.of() : List.of("10.0.0." + (1 + rnd.nextInt(4))),
                Map.of(),
                true);
        case 1 ->
            new NamespaceState(
                "ns-" + rnd.nextInt(crowded ? 10 : 6),
                rnd.nextBoolean() ? Map.of("team", pick("a", "b", "c")) : Map.of());
        case 2 ->
            new EgressIpState(
                "eip-" + rnd.nextInt(3),
                List.of("10.1.0." + (1 + rnd.nextInt(4))),
                new LabelSelector(Map.of("team", pick("a", "b")), List.of()),
                rnd.nextInt(3) == 0 ? new LabelSelector(Map.of("app", pick("x", "y")), null) : null,
                rnd.nextInt(3) == 0
                    ? List.of()
                    : List.of(
                        new EgressIpAssignment(
                            "10.1.0." + (1 + rnd.nextInt(4)), "node-" + rnd.nextInt(4))));
        default -> {
          boolean host = rnd.nextInt(10) == 0 && !podsOnly;
          String node =
              rnd.nextInt(12) == 0
                  ? null
                  : crowded && rnd.nextInt(10) < 8 ? "node-0" : "node-" + rnd.nextInt(4);
          yield new PodState(
              "ns-" + rnd.nextInt(crowded ? 12 : 6),
              "pod-" + rnd.nextInt(crowded ? 400 : 40),
              node,
              List.of(
                  host ? "10.0.0." + (1 + rnd.nextInt(4)) : "10.128.0." + (1 + rnd.nextInt(10))),
              host,
              Map.of("app", pick("x", "y")),
              rnd.nextInt(10) == 0 ? "Succeeded" : "Running");
        }
      };
    }

    /** One observation, sometimes timed before the latest one of other objects. */
    void step(boolean feedTimeline) {
      clock += 1 + rnd.nextInt(50);
      ClusterObject o = randomObject();
      Stored before = open.get(o.ref());
      long at = clock - rnd.nextInt(80);
      if (before != null) {
        at = Math.max(at, before.validFrom);
      } else {
        for (Stored i : all) {
          if (i.state.ref().equals(o.ref())) {
            at = Math.max(at, i.validTo);
          }
        }
      }
      if (before != null) {
        before.validTo = at;
        open.remove(o.ref());
        if (feedTimeline) {
          timeline.closed(before.rowId, o.ref(), at);
        }
      }
      if (rnd.nextInt(6) == 0 && before != null) {
        return; // a deletion
      }
      Stored i = new Stored(++rowId, o, at, AttributionTimeline.OPEN);
      all.add(i);
      open.put(o.ref(), i);
      if (feedTimeline) {
        timeline.opened(i.rowId, o, at);
      }
    }

    /**
     * History imported late: a closed interval, before the latest change, of an object new to the
     * history (a pod on node-0, an EgressIP, a Namespace object for a namespace that had none), so
     * that it overlaps no other interval of the same object.
     */
    void endHostNetworkPods() {
      clock++;
      for (Stored i : List.copyOf(open.values())) {
        if (i.state instanceof PodState p && p.hostNetwork()) {
          i.validTo = clock;
          open.remove(p.ref());
          timeline.closed(i.rowId, p.ref(), clock);
        }
      }
    }

    void late() {
      long to = 1 + rnd.nextLong(clock);
      long from = rnd.nextLong(to);
      long id = ++rowId;
      ClusterObject o =
          switch (rnd.nextInt(3)) {
            case 0 -> {
              String ns = "ns-" + (10 + rnd.nextInt(2));
              yield lateNamespaces.add(ns)
                  ? new NamespaceState(ns, Map.of("team", pick("a", "b")))
                  : latePod(id);
            }
            case 1 ->
                new EgressIpState(
                    "eip-late-" + id,
                    List.of("10.1.0." + (1 + rnd.nextInt(4))),
                    new LabelSelector(Map.of("team", pick("a", "b", "c")), List.of()),
                    rnd.nextBoolean()
                        ? new LabelSelector(Map.of("app", pick("x", "y")), null)
                        : null,
                    List.of(new EgressIpAssignment("10.1.0." + (1 + rnd.nextInt(4)), "node-1")));
            default -> latePod(id);
          };
      Stored i = new Stored(id, o, from, to);
      all.add(i);
      timeline.add(id, o, from, to);
    }

    private PodState latePod(long id) {
      return new PodState(
          "ns-" + rnd.nextInt(12),
          "late-" + id,
          "node-0",
          List.of("10.128.1." + (1 + rnd.nextInt(10))),
          false,
          Map.of("app", pick("x", "y")),
          "Running");
    }

    ClusterSnapshot snapshotAt(long t) {
      Map<ClusterObject, Instant> objects = new HashMap<>();
      for (Stored i : all) {
        if (i.validAt(t)) {
          objects.put(i.state, Instant.ofEpochMilli(i.validFrom));
        }
      }
      return new ClusterSnapshot("c", objects);
    }

    long randomTime() {
      return rnd.nextLong(clock + 100);
    }
  }

  @Test
  void timelineAttributesAsTheRulesDoOnTheWholeSnapshot() {
    for (long seed = 1; seed <= 20; seed++) {
      RandomHistory h = new RandomHistory(seed);
      for (int i = 0; i < 400; i++) {
        h.step(true);
      }
      for (int q = 0; q < 300; q++) {
        long t = h.randomTime();
        String ip = h.ips.get(h.rnd.nextInt(h.ips.size()));
        assertThat(h.timeline.attribute(ip, Instant.ofEpochMilli(t)))
            .as("seed %d, %s at %d", seed, ip, t)
            .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
      }
    }
  }

  @Test
  void answersRememberedBeforeLaterChangesStayThoseOfTheRules() {
    for (long seed = 300; seed < 305; seed++) {
      RandomHistory h = new RandomHistory(seed);
      List<Long> times = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        h.step(true);
        if (i % 20 == 0) {
          times.add(h.randomTime());
        }
        // the same times asked again and again while history grows (changes at the end, late
        // observations before it, deletions): remembered answers must follow
        long t = times.get(h.rnd.nextInt(times.size()));
        String ip = h.ips.get(h.rnd.nextInt(h.ips.size()));
        assertThat(h.timeline.attribute(ip, Instant.ofEpochMilli(t)))
            .as("seed %d, step %d, %s at %d", seed, i, ip, t)
            .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
      }
    }
  }

  @Test
  void aTimelineLoadedInPartsGivingBackRoomAfterEachAnswersAsOneFedChangeByChange() {
    RandomHistory h = new RandomHistory(43);
    for (int i = 0; i < 600; i++) {
      h.step(true);
    }
    AttributionTimeline loaded = new AttributionTimeline("c");
    List<Stored> byStart = new ArrayList<>(h.all);
    byStart.sort(java.util.Comparator.comparingLong(i -> i.validFrom));
    // parts of uneven sizes, each followed by loadedThrough (which trims the arrays), so that
    // later parts grow arrays that were trimmed
    int from = 0;
    for (int part = 1; from < byStart.size(); part++) {
      int to = Math.min(byStart.size(), from + part * 37);
      byStart.subList(from, to).forEach(i -> loaded.add(i.rowId, i.state, i.validFrom, i.validTo));
      loaded.loadedThrough(
          byStart.subList(from, to).stream().mapToLong(i -> i.rowId).max().orElseThrow());
      from = to;
    }
    for (int q = 0; q < 500; q++) {
      long t = h.randomTime();
      String ip = h.ips.get(h.rnd.nextInt(h.ips.size()));
      Instant at = Instant.ofEpochMilli(t);
      assertThat(loaded.attribute(ip, at))
          .as("%s at %d", ip, t)
          .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
    }
  }

  @Test
  void aTimelineLoadedFromStoredIntervalsAnswersAsOneFedChangeByChange() {
    RandomHistory h = new RandomHistory(42);
    for (int i = 0; i < 600; i++) {
      h.step(true);
    }
    AttributionTimeline loaded = new AttributionTimeline("c");
    List<Stored> byStart = new ArrayList<>(h.all);
    byStart.sort(java.util.Comparator.comparingLong(i -> i.validFrom));
    byStart.forEach(i -> loaded.add(i.rowId, i.state, i.validFrom, i.validTo));
    loaded.loadedThrough(h.rowId);
    // changes recorded while loading arrive again: each is applied once
    h.all.forEach(i -> loaded.opened(i.rowId, i.state, i.validFrom));
    for (int q = 0; q < 500; q++) {
      long t = h.randomTime();
      String ip = h.ips.get(h.rnd.nextInt(h.ips.size()));
      Instant at = Instant.ofEpochMilli(t);
      assertThat(h.timeline.attribute(ip, at))
          .as("fed: %s at %d", ip, t)
          .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
      assertThat(loaded.attribute(ip, at))
          .as("%s at %d", ip, t)
          .isEqualTo(h.timeline.attribute(ip, at));
    }
  }

  @Test
  void pruningKeepsEveryAnswerAfterTheCutoff() {
    RandomHistory h = new RandomHistory(7);
    for (int i = 0; i < 600; i++) {
      h.step(true);
    }
    long cutoff = h.clock / 2;
    long dropped = h.timeline.prune(cutoff);
    assertThat(dropped).isPositive();
    assertThat(h.timeline.historyStart()).isNotNull();
    for (int q = 0; q < 500; q++) {
      long t = cutoff + h.rnd.nextLong(h.clock - cutoff + 100);
      String ip = h.ips.get(h.rnd.nextInt(h.ips.size()));
      assertThat(h.timeline.attribute(ip, Instant.ofEpochMilli(t)))
          .as("%s at %d", ip, t)
          .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
    }
  }

  /** The largest {@code podCount} of the node matches of the answers. */
  private static int mostPods(List<Attribution> answer, int most) {
    for (Attribution a : answer) {
      if (a.kind() == AttributionKind.NODE) {
        most = Math.max(most, a.podCount());
      }
    }
    return most;
  }

  @Test
  void aNodeWithHundredsOfPodsIsAttributedAsTheRulesDoOnTheWholeSnapshot() {
    int most = 0;
    for (long seed = 500; seed < 504; seed++) {
      RandomHistory h = new RandomHistory(seed, true);
      for (int i = 0; i < 3000; i++) {
        h.step(true);
      }
      for (int q = 0; q < 150; q++) {
        long t = h.randomTime();
        String ip = q % 2 == 0 ? "10.0.0." + (1 + h.rnd.nextInt(4)) : h.ips.get(q % h.ips.size());
        List<Attribution> answer = h.timeline.attribute(ip, Instant.ofEpochMilli(t));
        assertThat(answer)
            .as("seed %d, %s at %d", seed, ip, t)
            .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
        most = mostPods(answer, most);
      }
    }
    assertThat(most).as("pods of the most crowded node match").isGreaterThanOrEqualTo(150);
  }

  @Test
  void ipsAskedForwardThenBackThroughPodChurnAreAttributedAsTheRulesSay() {
    // Pages of hits read the same IPs again and again through time while only pods change: the
    // node rule's reading of a node is then moved from one time to the next (pods added and
    // removed), and what holds over the span of unchanged objects is reused, which must give
    // what the rules give on the whole snapshot, in either direction and after late history.
    int changedBetweenAsks = 0;
    for (long seed = 900; seed < 904; seed++) {
      RandomHistory h = new RandomHistory(seed, true);
      for (int i = 0; i < 300; i++) {
        h.step(true);
      }
      // from then on the node IPs are no pod's (no hostNetwork pod), so only the node rule holds
      h.endHostNetworkPods();
      h.podsOnly = true;
      long from = h.clock;
      for (int i = 0; i < 1000; i++) {
        h.step(true);
      }
      long to = h.clock;
      for (int pass = 0; pass < 3; pass++) {
        List<Attribution> previous = null;
        for (int q = 0; q <= 100; q++) {
          long t = pass == 1 ? to - (to - from) * q / 100 : from + (to - from) * q / 100;
          for (int n = 1; n <= 8; n++) {
            // node IPs, then egress IPs (whose owners are the selected namespaces' pods)
            String ip = n <= 4 ? "10.0.0." + n : "10.1.0." + (n - 4);
            List<Attribution> answer = h.timeline.attribute(ip, Instant.ofEpochMilli(t));
            assertThat(answer)
                .as("seed %d, pass %d, %s at %d", seed, pass, ip, t)
                .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
            if (n == 1 && previous != null && !previous.equals(answer)) {
              changedBetweenAsks++;
            }
            if (n == 1) {
              previous = answer;
            }
          }
        }
        if (pass == 1) {
          for (int k = 0; k < 20; k++) {
            h.late();
          }
        }
      }
    }
    assertThat(changedBetweenAsks).as("answers that changed between two asks").isGreaterThan(100);
  }

  @Test
  void lateHistoryChangesTheAnswersOfTheTimesItCoversAsTheRulesSay() {
    for (long seed = 600; seed < 603; seed++) {
      RandomHistory h = new RandomHistory(seed, true);
      for (int i = 0; i < 2000; i++) {
        h.step(true);
      }
      List<Long> times = new ArrayList<>();
      for (int k = 0; k < 12; k++) {
        times.add(h.randomTime());
      }
      int changed = 0;
      for (int round = 0; round < 8; round++) {
        Map<String, List<Attribution>> before = new HashMap<>();
        for (long t : times) {
          for (int n = 1; n <= 4; n++) {
            String ip = "10.0.0." + n;
            // asked twice: the second answer comes from what the timeline remembers
            h.timeline.attribute(ip, Instant.ofEpochMilli(t));
            List<Attribution> answer = h.timeline.attribute(ip, Instant.ofEpochMilli(t));
            assertThat(answer)
                .as("seed %d, round %d, %s at %d", seed, round, ip, t)
                .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
            before.put(ip + "@" + t, answer);
          }
        }
        h.late();
        h.late();
        h.step(true);
        for (long t : times) {
          for (int n = 1; n <= 4; n++) {
            String ip = "10.0.0." + n;
            List<Attribution> answer = h.timeline.attribute(ip, Instant.ofEpochMilli(t));
            assertThat(answer)
                .as("seed %d, after late history of round %d, %s at %d", seed, round, ip, t)
                .isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
            if (!answer.equals(before.get(ip + "@" + t))) {
              changed++;
            }
          }
        }
      }
      assertThat(changed).as("seed %d: answers that late history changed", seed).isPositive();
    }
  }

  @Test
  void pruningAHistoryWithACrowdedNodeKeepsEveryAnswerAfterTheCutoff() {
    RandomHistory h = new RandomHistory(700, true);
    for (int i = 0; i < 3000; i++) {
      h.step(true);
    }
    long cutoff = h.clock / 2;
    List<Long> times = new ArrayList<>();
    for (int q = 0; q < 100; q++) {
      long t = cutoff + h.rnd.nextLong(h.clock - cutoff + 100);
      times.add(t);
      h.timeline.attribute("10.0.0." + (1 + q % 4), Instant.ofEpochMilli(t)); // remembered
    }
    assertThat(h.timeline.prune(cutoff)).isPositive();
    int most = 0;
    for (int q = 0; q < times.size(); q++) {
      long t = times.get(q);
      String ip = "10.0.0." + (1 + q % 4);
      List<Attribution> answer = h.timeline.attribute(ip, Instant.ofEpochMilli(t));
      assertThat(answer).as("%s at %d", ip, t).isEqualTo(Correlator.attribute(ip, h.snapshotAt(t)));
      most = mostPods(answer, most);
    }
    assertThat(most).isGreaterThanOrEqualTo(150);
  }

  @Test
  void anomaliesAtATimeAreThoseOfTheWholeSnapshot() {
    int found = 0;
    for (long seed = 800; seed < 812; seed++) {
      RandomHistory h = new RandomHistory(seed, seed % 2 == 0);
      List<Long> times = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        h.step(true);
        if (h.crowded && i % 50 == 0) {
          h.late();
        }
        if (i % 10 == 0) {
          times.add(h.randomTime());
        }
        if (i % 3 == 0) {
          // the same times asked again while history grows: remembered anomalies must follow
          long t = times.get(h.rnd.nextInt(times.size()));
          assertThat(h.timeline.anomaliesAt(Instant.ofEpochMilli(t)))
              .as("seed %d, step %d, at %d", seed, i, t)
              .isEqualTo(io.egressaudit.correlator.anomaly.Anomalies.find(h.snapshotAt(t)));
        }
      }
      for (int q = 0; q < 60; q++) {
        long t = h.randomTime();
        List<io.egressaudit.correlator.anomaly.Anomaly> anomalies =
            h.timeline.anomaliesAt(Instant.ofEpochMilli(t));
        assertThat(anomalies)
            .as("seed %d at %d", seed, t)
            .isEqualTo(io.egressaudit.correlator.anomaly.Anomalies.find(h.snapshotAt(t)));
        found += (int) anomalies.stream().filter(a -> a.pods() != null).count();
      }
    }
    assertThat(found).as("anomalies that list pods").isPositive();
  }

  @Test
  void anomaliesOfTheNamespacesWhosePodsAreReadAreThoseOfTheWholeSnapshot() {
    for (long seed = 200; seed < 210; seed++) {
      RandomHistory h = new RandomHistory(seed);
      for (int i = 0; i < 400; i++) {
        h.step(true);
      }
      for (int q = 0; q < 100; q++) {
        long t = h.randomTime();
        Instant at = Instant.ofEpochMilli(t);
        ClusterSnapshot withoutPods = h.timeline.snapshotAt(at, java.util.Set.of());
        java.util.Set<String> read = Anomalies.namespacesWhosePodsAreRead(withoutPods);
        List<Anomaly> whole = Anomalies.find(h.snapshotAt(t));
        assertThat(Anomalies.find(h.timeline.snapshotAt(at, read)))
            .as("seed %d at %d", seed, t)
            .isEqualTo(whole);
        // anywhere in the span of unchanged nodes, namespaces and EgressIPs, the same namespaces
        // are read, and when none is, the same anomalies hold
        long[] span = h.timeline.spanWithoutObjectChanges(t);
        assertThat(span[0]).isLessThanOrEqualTo(t);
        assertThat(span[1]).isGreaterThan(t);
        long from = Math.max(span[0], 0);
        long other = from + h.rnd.nextLong(Math.min(span[1], h.clock + 100) - from);
        Instant otherAt = Instant.ofEpochMilli(other);
        assertThat(
                Anomalies.namespacesWhosePodsAreRead(
                    h.timeline.snapshotAt(otherAt, java.util.Set.of())))
            .as("seed %d at %d and %d", seed, t, other)
            .isEqualTo(read);
        if (read.isEmpty()) {
          assertThat(Anomalies.find(h.snapshotAt(other)))
              .as("seed %d at %d and %d", seed, t, other)
              .isEqualTo(whole);
        }
      }
    }
  }

  @Test
  void anomaliesChangeOnlyAtTheirChangePoints() {
    int fewer = 0;
    int changed = 0;
    for (long seed = 300; seed < 306; seed++) {
      RandomHistory h = new RandomHistory(seed);
      for (int i = 0; i < 300; i++) {
        h.step(true);
      }
      long to = h.clock + 1;
      long[] all = h.timeline.changePoints(0, to, java.util.EnumSet.allOf(ObjectKind.class));
      long[] points = h.timeline.anomalyChangePoints(0, to);
      assertThat(points).isSorted().startsWith(0L);
      assertThat(java.util.Arrays.stream(all).boxed().toList())
          .containsAll(java.util.Arrays.stream(points).boxed().toList());
      fewer += all.length - points.length;
      // at every change of anything, the anomalies are those of the latest anomaly change point
      List<Anomaly> previous = null;
      for (long p : all) {
        int k = java.util.Arrays.binarySearch(points, p);
        long latest = points[k >= 0 ? k : -k - 2];
        List<Anomaly> at = h.timeline.anomaliesAt(Instant.ofEpochMilli(p));
        assertThat(at)
            .as("seed %d at %d (latest point %d)", seed, p, latest)
            .isEqualTo(h.timeline.anomaliesAt(Instant.ofEpochMilli(latest)));
        if (previous != null && !previous.equals(at)) {
          changed++;
        }
        previous = at;
      }
    }
    assertThat(fewer).as("pod changes that anomalies do not read").isPositive();
    assertThat(changed).as("anomalies that came and went").isPositive();
  }

  @Test
  void namespaceSpansCoverEveryHitTheRulesGiveTheNamespace() {
    for (long n = 100; n < 110; n++) {
      long seed = n;
      RandomHistory h = new RandomHistory(seed);
      for (int i = 0; i < 300; i++) {
        h.step(true);
      }
      for (int q = 0; q < 300; q++) {
        long t = h.randomTime();
        String ip = h.ips.get(h.rnd.nextInt(h.ips.size()));
        for (Attribution a : h.timeline.attribute(ip, Instant.ofEpochMilli(t))) {
          Stream.concat(
                  a.namespaces().stream(),
                  a.leakSuspects() == null ? Stream.empty() : a.leakSuspects().stream())
              .forEach(
                  ns ->
                      assertThat(h.timeline.namespaceSpans(ns, 0, Long.MAX_VALUE - 1))
                          .as("seed %d: %s at %d is %s's", seed, ip, t, ns)
                          .anyMatch(s -> s.ip().equals(ip) && s.from() <= t && t < s.to()));
        }
      }
    }
  }

  @Test
  void spansOfOneIpAreMergedWhereTheyTouch() {
    AttributionTimeline tl = new AttributionTimeline("c");
    NamespaceState ns = new NamespaceState("simpson", Map.of());
    tl.add(1, ns, 0, AttributionTimeline.OPEN);
    tl.add(
        2, new NodeState("w0", List.of("10.0.0.1"), Map.of(), true), 0, AttributionTimeline.OPEN);
    tl.add(
        3,
        new PodState("simpson", "a", "w0", List.of("10.128.0.1"), false, Map.of(), "Running"),
        10,
        20);
    tl.add(
        4,
        new PodState("simpson", "b", "w0", List.of("10.128.0.2"), false, Map.of(), "Running"),
        20,
        30);
    assertThat(tl.namespaceSpans("simpson", 0, 100))
        .contains(new IpSpan("10.0.0.1", 10, 30))
        .doesNotContain(new IpSpan("10.0.0.1", 10, 20));
  }

  @Test
  void everHeldKnowsEveryNameItsHistoryHad() {
    AttributionTimeline t = new AttributionTimeline("c");
    t.add(1, new NodeState("worker-0", List.of("10.0.0.1"), Map.of(), true), 0, 10);
    t.add(2, new NamespaceState("simpson", Map.of()), 0, AttributionTimeline.OPEN);
    t.add(
        3,
        new PodState("bouvier", "selma", "worker-0", List.of("10.128.0.9"), false, Map.of(), null),
        5,
        AttributionTimeline.OPEN);
    t.add(
        4,
        new EgressIpState(
            "egressip-demo",
            List.of("10.1.0.1"),
            new LabelSelector(Map.of("team", "a"), List.of()),
            null,
            List.of()),
        0,
        3);
    assertThat(t.everHeld(ObjectKind.NODE, "worker-0")).isTrue();
    assertThat(t.everHeld(ObjectKind.NAMESPACE, "simpson")).isTrue();
    assertThat(t.everHeld(ObjectKind.NAMESPACE, "bouvier")).as("a pod's namespace").isTrue();
    assertThat(t.everHeld(ObjectKind.EGRESS_IP, "egressip-demo")).as("ended").isTrue();
    assertThat(t.everHeld(ObjectKind.NODE, "worker-1")).isFalse();
    assertThat(t.everHeld(ObjectKind.NAMESPACE, "simpsn")).isFalse();
    assertThat(t.everHeld(ObjectKind.EGRESS_IP, "worker-0")).isFalse();
  }
}
