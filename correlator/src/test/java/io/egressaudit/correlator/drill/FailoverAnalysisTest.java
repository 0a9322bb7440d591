package io.egressaudit.correlator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.drill.DrillProbe.Arrival;
import io.egressaudit.correlator.drill.FailoverReport.Leak;
import io.egressaudit.correlator.drill.FailoverReport.NamespaceOutcome;
import io.egressaudit.correlator.drill.FailoverReport.TimelineEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FailoverAnalysisTest {

  private static final String EIP = "192.168.126.100";
  private static final String A = "ocp-8vr6j-worker-0-sl79n";
  private static final String B = "ocp-8vr6j-worker-0-82t6f";
  private static final String A_IP = "192.168.126.51";
  private static final Instant T0 = Instant.parse("2021-11-26T18:00:00Z");
  private static final PodRef HOMER = new PodRef("simpson", "homer-deployment-5b7857cc48-fs2w4");
  private static final PodRef MARGE = new PodRef("simpson", "marge-deployment-75474c9ff-jpkkv");
  private static final DrillLimits LIMITS = DrillLimits.defaults();

  private static Instant at(double seconds) {
    return T0.plusMillis(Math.round(seconds * 1000));
  }

  private static EgressIpStatus on(double seconds, String node) {
    return new EgressIpStatus(
        at(seconds), node == null ? List.of() : List.of(new EgressIpAssignment(EIP, node)));
  }

  private static DrillProbe probe(PodRef pod, double seconds, Arrival arrival, String ip) {
    return new DrillProbe(
        pod, A, at(seconds), arrival, ip, Set.of(EIP), ip == null ? null : owner(ip), null);
  }

  private static String owner(String ip) {
    return ip.equals(A_IP) ? "node " + A : "EgressIP egressip-demo";
  }

  /**
   * Probes every second from 0 s to {@code until} s, from the pod, each one made by {@code what}
   * from its send time in seconds.
   */
  private static List<DrillProbe> every(
      PodRef pod, double offset, int until, Function<Double, DrillProbe> what) {
    List<DrillProbe> probes = new ArrayList<>();
    for (int i = 0; i <= until; i++) {
      probes.add(what.apply(i + offset));
    }
    return probes;
  }

  private static DrillTimeline timeline(
      DrillTrigger trigger,
      List<EgressIpStatus> statuses,
      List<NodeChange> nodeChanges,
      List<DrillProbe> probes,
      double end) {
    return new DrillTimeline(
        "egressip-demo", List.of("simpson"), T0, at(end), trigger, statuses, nodeChanges, probes);
  }

  /**
   * The walkthrough's failover: A holds the IP, the label goes at 5 s, nobody holds it from 6 s to
   * 10.5 s, then B.
   */
  private static final List<EgressIpStatus> MOVE_A_NONE_B =
      List.of(on(0, A), on(6, null), on(10.5, B));

  private static final DrillTrigger UNLABEL =
      new DrillTrigger(at(5), A, "removed label k8s.ovn.org/egress-assignable");

  /** Arrives from the egress IP while a node holds it, else does not arrive. */
  private static DrillProbe asTheStatusSays(PodRef pod, double s) {
    boolean held = s < 6 || s >= 10.5;
    return held ? probe(pod, s, Arrival.ARRIVED, EIP) : probe(pod, s, Arrival.NOT_ARRIVED, null);
  }

  @Test
  void reportsTheTriggerTheStatusMoveAndTheFirstProbeViaTheNewNode() {
    DrillTimeline t =
        timeline(
            UNLABEL,
            MOVE_A_NONE_B,
            List.of(new NodeChange(at(5.01), A, NodeChange.Kind.LABEL_REMOVED)),
            every(HOMER, 0.25, 20, s -> asTheStatusSays(HOMER, s)),
            20.5);

    FailoverReport r = FailoverAnalysis.analyze(t, LIMITS);

    assertThat(r.triggeredAt()).isEqualTo(at(5));
    assertThat(r.trigger()).isEqualTo("removed label k8s.ovn.org/egress-assignable on node " + A);
    assertThat(r.nodesBefore()).containsExactly(A);
    assertThat(r.move().unassignedAt()).isEqualTo(at(6));
    assertThat(r.move().at()).isEqualTo(at(10.5));
    assertThat(r.move().fromNode()).isEqualTo(A);
    assertThat(r.move().toNode()).isEqualTo(B);
    assertThat(r.firstViaNewNode().sentAt()).isEqualTo(at(11.25));
    assertThat(r.firstViaNewNode().sourceIp()).isEqualTo(EIP);
    assertThat(r.leaks()).isEmpty();
    assertThat(r.settled()).isTrue();
    assertThat(r.passed()).as("%s", r.failures()).isTrue();
    assertThat(r.timeline())
        .extracting(TimelineEntry::what)
        .contains(
            "trigger: removed label k8s.ovn.org/egress-assignable on node " + A,
            "status: no node holds any IP",
            "status: " + EIP + " on " + B);
  }

  @Test
  void theOutageIsWithinOneIntervalOfTheTimeNoNodeHeldTheIp() {
    for (double phase : new double[] {0.0, 0.1, 0.5, 0.9}) {
      DrillTimeline t =
          timeline(
              UNLABEL,
              MOVE_A_NONE_B,
              List.of(),
              every(HOMER, phase, 20, s -> asTheStatusSays(HOMER, s)),
              21);

      FailoverReport r = FailoverAnalysis.analyze(t, LIMITS);

      NamespaceOutcome simpson = r.namespaces().get(0);
      assertThat(simpson.outage().duration().toMillis() / 1000.0)
          .as("probes sent at %s s past each second", phase)
          .isCloseTo(4.5, within(1.0));
      assertThat(simpson.outage().ongoing()).isFalse();
      assertThat(r.longestOutage()).isEqualTo(simpson.outage().duration());
    }
  }

  @Test
  void aNamespaceOutageIsTheLongestOfItsPods() {
    List<DrillProbe> probes = new ArrayList<>();
    probes.addAll(every(HOMER, 0.2, 20, s -> asTheStatusSays(HOMER, s)));
    probes.addAll(
        every(
            MARGE,
            0.4,
            20,
            s ->
                s >= 6 && s < 13
                    ? probe(MARGE, s, Arrival.NOT_ARRIVED, null)
                    : probe(MARGE, s, Arrival.ARRIVED, EIP)));

    FailoverReport r =
        FailoverAnalysis.analyze(timeline(UNLABEL, MOVE_A_NONE_B, List.of(), probes, 21), LIMITS);

    assertThat(r.namespaces().get(0).outage().pod()).isEqualTo(MARGE);
    assertThat(r.namespaces().get(0).outage().duration()).isEqualTo(Duration.ofSeconds(7));
    assertThat(r.namespaces().get(0).outage().probes()).isEqualTo(7);
  }

  @Test
  void aProbeFromTheOldNodeIpAfterTheMoveIsALeakWithItsSourceCountAndOwner() {
    List<DrillProbe> probes =
        every(
            HOMER,
            0.5,
            20,
            s ->
                s == 12.5 || s == 14.5
                    ? probe(HOMER, s, Arrival.ARRIVED, A_IP)
                    : asTheStatusSays(HOMER, s));

    FailoverReport r =
        FailoverAnalysis.analyze(timeline(UNLABEL, MOVE_A_NONE_B, List.of(), probes, 21), LIMITS);

    assertThat(r.leaks()).hasSize(1);
    Leak leak = r.leaks().get(0);
    assertThat(leak.namespace()).isEqualTo("simpson");
    assertThat(leak.sourceIp()).isEqualTo(A_IP);
    assertThat(leak.owner()).isEqualTo("node " + A);
    assertThat(leak.count()).isEqualTo(2);
    assertThat(leak.first()).isEqualTo(at(12.5));
    assertThat(leak.last()).isEqualTo(at(14.5));
    assertThat(leak.pods()).containsExactly(HOMER);
    assertThat(r.namespaces().get(0).leaked()).isEqualTo(2);
    assertThat(r.passed()).isFalse();
    assertThat(r.failures())
        .anySatisfy(
            f -> assertThat(f).contains("leaked 2 probes from " + A_IP + " (node " + A + ")"));
    // a leak did arrive: the outage is still the time nobody held the IP
    assertThat(r.namespaces().get(0).outage().duration().toMillis()).isBetween(3500L, 5500L);
  }

  @Test
  void theDrillSettlesOnlyAfterSettleGoodProbesInARowAfterTheMove() {
    List<DrillProbe> upTo12 = every(HOMER, 0.5, 12, s -> asTheStatusSays(HOMER, s));
    List<DrillProbe> upTo14 = every(HOMER, 0.5, 14, s -> asTheStatusSays(HOMER, s));

    FailoverReport early =
        FailoverAnalysis.analyze(timeline(UNLABEL, MOVE_A_NONE_B, List.of(), upTo12, 13), LIMITS);
    FailoverReport later =
        FailoverAnalysis.analyze(timeline(UNLABEL, MOVE_A_NONE_B, List.of(), upTo14, 15), LIMITS);

    assertThat(early.namespaces().get(0).goodInARowAfterMove()).isEqualTo(3);
    assertThat(early.settled()).isFalse();
    assertThat(early.failures())
        .anySatisfy(f -> assertThat(f).contains("did not settle after the move: 3 good probes"));
    assertThat(later.namespaces().get(0).goodInARowAfterMove()).isEqualTo(5);
    assertThat(later.settled()).isTrue();
  }

  @Test
  void goodProbesBeforeTheMoveDoNotSettleTheDrill() {
    FailoverReport r =
        FailoverAnalysis.analyze(
            timeline(
                UNLABEL,
                List.of(on(0, A), on(6, null)),
                List.of(),
                every(HOMER, 0.5, 5, s -> probe(HOMER, s, Arrival.ARRIVED, EIP)),
                6),
            LIMITS);

    assertThat(r.move()).isNull();
    assertThat(r.settled()).isFalse();
    assertThat(r.failures())
        .anySatisfy(
            f ->
                assertThat(f)
                    .isEqualTo(
                        "the status of EgressIP egressip-demo never moved off node "
                            + A
                            + " after the trigger: it ended as no node holds any IP"));
  }

  @Test
  void anOutageLongerThanMaxOutageFails() {
    DrillLimits tight = new DrillLimits(Duration.ofSeconds(1), Duration.ofSeconds(3), 5);

    FailoverReport r =
        FailoverAnalysis.analyze(
            timeline(
                UNLABEL,
                MOVE_A_NONE_B,
                List.of(),
                every(HOMER, 0.5, 20, s -> asTheStatusSays(HOMER, s)),
                21),
            tight);

    assertThat(r.passed()).isFalse();
    assertThat(r.failures())
        .containsExactly(
            "simpson: outage 4.0 s is longer than max-outage 3.0 s (pod "
                + HOMER.name()
                + ", from "
                + at(6.5)
                + " to "
                + at(10.5)
                + ")");
  }

  @Test
  void statusOnTheNewNodeWithProbesStillFailingIsTrafficAbsent() {
    List<DrillProbe> probes =
        every(
            HOMER,
            0.5,
            20,
            s ->
                s < 6
                    ? probe(HOMER, s, Arrival.ARRIVED, EIP)
                    : probe(HOMER, s, Arrival.NOT_ARRIVED, null));

    FailoverReport r =
        FailoverAnalysis.analyze(timeline(UNLABEL, MOVE_A_NONE_B, List.of(), probes, 21), LIMITS);

    assertThat(r.trafficAbsences()).hasSize(1);
    assertThat(r.trafficAbsences().get(0).nodes()).isEqualTo(B);
    assertThat(r.trafficAbsences().get(0).from()).isEqualTo(at(10.5));
    assertThat(r.trafficAbsences().get(0).to()).isEqualTo(at(20.5));
    assertThat(r.trafficAbsences().get(0).probes()).isEqualTo(11);
    assertThat(r.namespaces().get(0).outage().ongoing()).isTrue();
    assertThat(r.firstViaNewNode()).isNull();
    assertThat(r.failures())
        .anySatisfy(f -> assertThat(f).startsWith("simpson: probes still not arriving at the end"));
  }

  @Test
  void aFewProbesLostRightAfterTheMoveAreNotTrafficAbsent() {
    List<DrillProbe> probes =
        every(
            HOMER,
            0.5,
            20,
            s ->
                s < 6 || s >= 13
                    ? probe(HOMER, s, Arrival.ARRIVED, EIP)
                    : probe(HOMER, s, Arrival.NOT_ARRIVED, null));

    FailoverReport r =
        FailoverAnalysis.analyze(timeline(UNLABEL, MOVE_A_NONE_B, List.of(), probes, 21), LIMITS);

    assertThat(r.trafficAbsences()).isEmpty();
  }

  @Test
  void withoutTriggerTheFirstFailureOfTheHoldingNodeIsTheTrigger() {
    List<NodeChange> changes =
        List.of(
            new NodeChange(at(2), B, NodeChange.Kind.NOT_READY),
            new NodeChange(at(4.2), A, NodeChange.Kind.NOT_READY));

    FailoverReport r =
        FailoverAnalysis.analyze(
            timeline(
                null,
                MOVE_A_NONE_B,
                changes,
                every(HOMER, 0.5, 20, s -> asTheStatusSays(HOMER, s)),
                21),
            LIMITS);

    assertThat(r.triggeredAt()).isEqualTo(at(4.2));
    assertThat(r.trigger()).isEqualTo("node " + A + " became NotReady (observed)");
    assertThat(r.move().toNode()).isEqualTo(B);
  }

  @Test
  void withoutTriggerNorNodeChangeTheFirstStatusChangeIsTheTrigger() {
    FailoverReport r =
        FailoverAnalysis.analyze(
            timeline(
                null,
                MOVE_A_NONE_B,
                List.of(),
                every(HOMER, 0.5, 20, s -> asTheStatusSays(HOMER, s)),
                21),
            LIMITS);

    assertThat(r.triggeredAt()).isEqualTo(at(6));
    assertThat(r.move().at()).isEqualTo(at(10.5));
  }

  @Test
  void nothingHappeningIsNoFailover() {
    FailoverReport r =
        FailoverAnalysis.analyze(
            timeline(
                null,
                List.of(on(0, A)),
                List.of(),
                every(HOMER, 0.5, 10, s -> probe(HOMER, s, Arrival.ARRIVED, EIP)),
                11),
            LIMITS);

    assertThat(r.triggeredAt()).isNull();
    assertThat(r.move()).isNull();
    assertThat(r.failures())
        .containsExactly(
            "no failover seen: node "
                + A
                + " kept EgressIP egressip-demo and did not fail before the drill ended");
  }

  @Test
  void probesThatCouldNotBeSentNeitherMakeNorBreakAnOutage() {
    List<DrillProbe> probes =
        every(
            HOMER,
            0.5,
            20,
            s ->
                s >= 8 && s < 9
                    ? probe(HOMER, s, Arrival.NOT_SENT, null)
                    : s >= 15 && s < 17
                        ? probe(HOMER, s, Arrival.NOT_SENT, null)
                        : asTheStatusSays(HOMER, s));

    FailoverReport r =
        FailoverAnalysis.analyze(timeline(UNLABEL, MOVE_A_NONE_B, List.of(), probes, 21), LIMITS);

    NamespaceOutcome simpson = r.namespaces().get(0);
    assertThat(simpson.notSent()).isEqualTo(3);
    assertThat(simpson.outage().duration()).isEqualTo(Duration.ofSeconds(4));
    assertThat(simpson.outage().probes()).isEqualTo(3);
    assertThat(simpson.goodInARowAfterMove()).isEqualTo(9);
    assertThat(r.passed()).isTrue();
  }

  @Test
  void aNamespaceWithNoProbeSentFails() {
    DrillTimeline t =
        new DrillTimeline(
            "egressip-demo",
            List.of("simpson", "flanders"),
            T0,
            at(21),
            UNLABEL,
            MOVE_A_NONE_B,
            List.of(),
            every(HOMER, 0.5, 20, s -> asTheStatusSays(HOMER, s)));

    FailoverReport r = FailoverAnalysis.analyze(t, LIMITS);

    assertThat(r.namespaces())
        .extracting(NamespaceOutcome::namespace)
        .containsExactly("flanders", "simpson");
    assertThat(r.settled()).isFalse();
    assertThat(r.failures())
        .anySatisfy(f -> assertThat(f).startsWith("flanders: no probe could be sent"));
  }
}
