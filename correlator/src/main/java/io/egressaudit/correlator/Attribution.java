package io.egressaudit.correlator;

import io.egressaudit.correlator.anomaly.Anomaly;
import java.time.Instant;
import java.util.List;

/**
 * One answer to "who owns this source IP at that time": one element of {@code matches} in {@code
 * whois} and in a hit's {@code attribution}.
 *
 * @param cluster the cluster whose state matched; null for {@link AttributionKind#UNKNOWN}
 * @param kind which rule matched
 * @param egressIP the EgressIP object's name ({@code egress-ip}, {@code egress-ip-unassigned})
 * @param node the egress node holding the IP ({@code egress-ip}), the node owning the address
 *     ({@code node}), or the pod's node ({@code pod})
 * @param namespaces the owning namespaces, sorted: those the namespaceSelector matches, or a node's
 *     candidate namespaces; never null
 * @param pods the owning pods, sorted by namespace and name; never null
 * @param since when the matched state began (the {@code valid_from} of the EgressIP or node state);
 *     null when unknown
 * @param assignedIPs for {@code egress-ip}: every IP assigned to the object, more than one when the
 *     object spreads traffic over several egress nodes (ECMP); null otherwise
 * @param ambiguous for {@code node}: true when several namespaces could have sent the traffic, so
 *     the source IP alone cannot tell them apart; null otherwise
 * @param leakSuspects for {@code node}: namespaces with pods on this node that an assigned EgressIP
 *     selects, so their traffic should not leave with the node IP; seeing it would be a leak; null
 *     when none
 * @param note a sentence for people explaining an anomaly (ambiguous, no candidate, unassigned);
 *     null when there is nothing to explain
 * @param leakEgressIPs for {@code node} with leak suspects: the EgressIP objects (names, sorted)
 *     their pods on this node should leave through; null otherwise
 * @param podCount for {@code node}, {@code egress-ip} and {@code egress-ip-unassigned}: how many
 *     owning pods there are, whereas {@code pods} holds at most {@link #MAX_PODS} of them (the
 *     first by namespace and name), so an answer stays small however many pods a node runs or an
 *     EgressIP selects; null for {@code pod} and {@code unknown}, whose {@code pods} are whole
 * @param anomalies in {@code whois}: the anomalies of the match's cluster at that time that concern
 *     it ({@link Anomaly#concerns}); null when none
 * @param stale when the cluster's live view was stale at that time (its watch was down), since when
 *     and why: the answer may miss changes; null otherwise
 */
public record Attribution(
    String cluster,
    AttributionKind kind,
    String egressIP,
    String node,
    List<String> namespaces,
    List<PodRef> pods,
    Instant since,
    List<String> assignedIPs,
    Boolean ambiguous,
    List<String> leakSuspects,
    String note,
    List<String> leakEgressIPs,
    Integer podCount,
    List<Anomaly> anomalies,
    Stale stale) {

  /**
   * Most pods a {@code node} or EgressIP match lists in {@code pods}; {@code podCount} says how
   * many there are. A node runs a hundred pods or more, an EgressIP may select as many, and a page
   * of hits repeats the match for every hit.
   */
  public static final int MAX_PODS = 20;

  /** The first {@link #MAX_PODS} of pods already sorted. */
  static List<PodRef> capped(List<PodRef> sorted) {
    return sorted.size() <= MAX_PODS ? sorted : sorted.subList(0, MAX_PODS);
  }

  /**
   * A span during which a live cluster's view was stale.
   *
   * @param since when the watch went down
   * @param reason why, as the watcher said it (API unreachable, 401, 403, watch error)
   */
  public record Stale(Instant since, String reason) {}

  /**
   * An attribution as the rules make it: without anomalies nor staleness.
   *
   * @see Attribution the components
   */
  public Attribution(
      String cluster,
      AttributionKind kind,
      String egressIP,
      String node,
      List<String> namespaces,
      List<PodRef> pods,
      Instant since,
      List<String> assignedIPs,
      Boolean ambiguous,
      List<String> leakSuspects,
      String note,
      List<String> leakEgressIPs,
      Integer podCount) {
    this(
        cluster,
        kind,
        egressIP,
        node,
        namespaces,
        pods,
        since,
        assignedIPs,
        ambiguous,
        leakSuspects,
        note,
        leakEgressIPs,
        podCount,
        null,
        null);
  }

  /** An attribution with its pods whole ({@code podCount} null). */
  public Attribution(
      String cluster,
      AttributionKind kind,
      String egressIP,
      String node,
      List<String> namespaces,
      List<PodRef> pods,
      Instant since,
      List<String> assignedIPs,
      Boolean ambiguous,
      List<String> leakSuspects,
      String note,
      List<String> leakEgressIPs) {
    this(
        cluster,
        kind,
        egressIP,
        node,
        namespaces,
        pods,
        since,
        assignedIPs,
        ambiguous,
        leakSuspects,
        note,
        leakEgressIPs,
        null);
  }

  /** This match with the anomalies that concern it; none (empty or null) leaves the field null. */
  public Attribution withAnomalies(List<Anomaly> concerning) {
    return new Attribution(
        cluster,
        kind,
        egressIP,
        node,
        namespaces,
        pods,
        since,
        assignedIPs,
        ambiguous,
        leakSuspects,
        note,
        leakEgressIPs,
        podCount,
        concerning == null || concerning.isEmpty() ? null : concerning,
        stale);
  }

  /**
   * This match marked stale, with a sentence added to its note.
   *
   * @param span when the cluster's view went stale and why
   */
  public Attribution withStale(Stale span) {
    String sentence =
        "the live view of cluster "
            + cluster
            + " was stale since "
            + span.since()
            + " ("
            + span.reason()
            + "): changes made meanwhile may be missing from this answer";
    return new Attribution(
        cluster,
        kind,
        egressIP,
        node,
        namespaces,
        pods,
        since,
        assignedIPs,
        ambiguous,
        leakSuspects,
        note == null ? sentence : note + "; " + sentence,
        leakEgressIPs,
        podCount,
        anomalies,
        span);
  }

  /** An attribution without leak EgressIPs (every kind but {@code node} with leak suspects). */
  public Attribution(
      String cluster,
      AttributionKind kind,
      String egressIP,
      String node,
      List<String> namespaces,
      List<PodRef> pods,
      Instant since,
      List<String> assignedIPs,
      Boolean ambiguous,
      List<String> leakSuspects,
      String note) {
    this(
        cluster,
        kind,
        egressIP,
        node,
        namespaces,
        pods,
        since,
        assignedIPs,
        ambiguous,
        leakSuspects,
        note,
        null,
        null);
  }

  /** The match for an IP nothing known owns. */
  public static final Attribution UNKNOWN =
      new Attribution(
          null,
          AttributionKind.UNKNOWN,
          null,
          null,
          List.of(),
          List.of(),
          null,
          null,
          null,
          null,
          null);

  /** Copies the lists and replaces null namespaces and pods with empty lists. */
  public Attribution {
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    pods = pods == null ? List.of() : List.copyOf(pods);
    assignedIPs = assignedIPs == null ? null : List.copyOf(assignedIPs);
    leakSuspects = leakSuspects == null ? null : List.copyOf(leakSuspects);
    leakEgressIPs = leakEgressIPs == null ? null : List.copyOf(leakEgressIPs);
    anomalies = anomalies == null ? null : List.copyOf(anomalies);
  }
}
