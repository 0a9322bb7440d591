package io.egressaudit.correlator.drill;

import io.egressaudit.correlator.PodRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What a failover drill found, worked out by {@link FailoverAnalysis} from a {@link DrillTimeline}.
 *
 * @param egressIP the drilled EgressIP's name
 * @param startedAt when the drill started
 * @param endedAt when the drill ended
 * @param triggeredAt when the egress node was failed: the drill's own trigger, else the first
 *     failure of the holding node the informers saw (NotReady, label removed, deleted), else the
 *     first status change; null when nothing happened
 * @param trigger the trigger in words, or null
 * @param nodesBefore the egress nodes holding the IPs when the trigger happened
 * @param move when the status moved to another node, or null when it never did
 * @param firstViaNewNode the first probe sent after the move that arrived from an IP the status
 *     assigns to the new node, or null
 * @param namespaces one outcome per probed namespace, sorted by name
 * @param leaks every source IP that a probe arrived from and that the namespace may not use, by
 *     namespace then IP
 * @param trafficAbsences spans where the status assigned the IP to a node but a pod's probes kept
 *     failing ({@code settle} or more in a row)
 * @param settled every namespace had {@code settle} good probes in a row after the move
 * @param failures why the drill failed, one sentence each; empty when it passed
 * @param timeline the drill's events in time order, for people
 */
public record FailoverReport(
    String egressIP,
    Instant startedAt,
    Instant endedAt,
    Instant triggeredAt,
    String trigger,
    List<String> nodesBefore,
    StatusMove move,
    DrillProbe firstViaNewNode,
    List<NamespaceOutcome> namespaces,
    List<Leak> leaks,
    List<TrafficAbsence> trafficAbsences,
    boolean settled,
    List<String> failures,
    List<TimelineEntry> timeline) {

  /** Copies the lists. */
  public FailoverReport {
    nodesBefore = List.copyOf(nodesBefore);
    namespaces = List.copyOf(namespaces);
    leaks = List.copyOf(leaks);
    trafficAbsences = List.copyOf(trafficAbsences);
    failures = List.copyOf(failures);
    timeline = List.copyOf(timeline);
  }

  /**
   * True when the drill passed: the IP moved, every namespace settled, no outage over the limit, no
   * leak.
   */
  public boolean passed() {
    return failures.isEmpty();
  }

  /** The longest outage over all namespaces, zero when none. */
  public Duration longestOutage() {
    return namespaces.stream()
        .map(NamespaceOutcome::outage)
        .filter(o -> o != null)
        .map(Outage::duration)
        .max(Duration::compareTo)
        .orElse(Duration.ZERO);
  }

  /**
   * The EgressIP's status leaving the failed node.
   *
   * @param unassignedAt when the status first showed no node holding the IP after the trigger, or
   *     null when it went from node to node directly
   * @param at when the status first showed a node that did not hold the IP before the trigger
   * @param fromNode the node(s) holding the IP before, comma-separated
   * @param toNode the new node
   */
  public record StatusMove(Instant unassignedAt, Instant at, String fromNode, String toNode) {}

  /**
   * The longest span during which one pod's probes did not arrive.
   *
   * @param pod the pod
   * @param from when the first probe that did not arrive was sent
   * @param to when the next probe that arrived was sent, or the drill's end when none did
   * @param probes how many probes in a row did not arrive
   * @param ongoing true when no probe arrived again before the drill ended
   */
  public record Outage(PodRef pod, Instant from, Instant to, int probes, boolean ongoing) {
    /** The outage's length. */
    public Duration duration() {
      return Duration.between(from, to);
    }
  }

  /**
   * What the drill saw of one namespace.
   *
   * @param namespace the namespace
   * @param probes probes sent from its pods
   * @param good probes that arrived from an allowed IP
   * @param leaked probes that arrived from an IP not allowed
   * @param notArrived probes whose request never arrived
   * @param notSent probes that could not be sent (exec failed, no HTTP client)
   * @param outage its longest outage over its pods, or null when every sent probe arrived
   * @param goodInARowAfterMove good probes in a row at the end, all sent after the status move
   * @param settled {@code goodInARowAfterMove} reached {@code settle}
   */
  public record NamespaceOutcome(
      String namespace,
      int probes,
      int good,
      int leaked,
      int notArrived,
      int notSent,
      Outage outage,
      int goodInARowAfterMove,
      boolean settled) {}

  /**
   * Probes of a namespace that arrived from one IP they may not leave with.
   *
   * @param namespace the namespace
   * @param sourceIp the source IP the audit server recorded
   * @param owner whose IP it is (whois), or null when unknown
   * @param count how many probes arrived from it
   * @param first when the first of them was sent
   * @param last when the last of them was sent
   * @param pods the pods they were sent from, sorted
   */
  public record Leak(
      String namespace,
      String sourceIp,
      String owner,
      int count,
      Instant first,
      Instant last,
      List<PodRef> pods) {
    /** Copies the pods. */
    public Leak {
      pods = List.copyOf(pods);
    }
  }

  /**
   * A span where the status said a node held the IP but a pod's probes kept not arriving: the
   * status moved but the traffic did not follow (or never left the old node).
   *
   * @param pod the pod
   * @param nodes the node(s) the status pointed at, comma-separated
   * @param from when the first failing probe of the span was sent
   * @param to when the last failing probe of the span was sent
   * @param probes how many probes in a row did not arrive
   */
  public record TrafficAbsence(PodRef pod, String nodes, Instant from, Instant to, int probes) {}

  /**
   * One line of the drill's timeline.
   *
   * @param at when it happened
   * @param what what happened, in words
   */
  public record TimelineEntry(Instant at, String what) {}

  /** A duration as people read it in reports: seconds with one decimal, "4.2 s". */
  public static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
