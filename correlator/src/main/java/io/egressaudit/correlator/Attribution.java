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
   * A builder of an attribution of this kind, set component by component; what is not set stays
   * null ({@code namespaces} and {@code pods} empty), as the JSON leaves out what a kind does not
   * have.
   *
   * @param kind which rule matched
   * @return a builder
   */
  public static Builder builder(AttributionKind kind) {
    return new Builder(kind);
  }

  /** A builder holding every component of this attribution, to make a changed copy. */
  public Builder toBuilder() {
    return new Builder(kind)
        .cluster(cluster)
        .egressIP(egressIP)
        .node(node)
        .namespaces(namespaces)
        .pods(pods)
        .since(since)
        .assignedIPs(assignedIPs)
        .ambiguous(ambiguous)
        .leakSuspects(leakSuspects)
        .note(note)
        .leakEgressIPs(leakEgressIPs)
        .podCount(podCount)
        .anomalies(anomalies)
        .stale(stale);
  }

  /** This match with the anomalies that concern it; none (empty or null) leaves the field null. */
  public Attribution withAnomalies(List<Anomaly> concerning) {
    return toBuilder()
        .anomalies(concerning == null || concerning.isEmpty() ? null : concerning)
        .build();
  }

  /**
   * This match marked stale, with a sentence added to its note.
   *
   * @param span when the cluster's view went stale and why
   */
  public Attribution withStale(Stale span) {
    String sentence =
        "the view of cluster "
            + cluster
            + " was stale since "
            + span.since()
            + " ("
            + span.reason()
            + "): changes made meanwhile may be missing from this answer";
    return toBuilder().note(note == null ? sentence : note + "; " + sentence).stale(span).build();
  }

  /** The match for an IP nothing known owns. */
  public static final Attribution UNKNOWN = builder(AttributionKind.UNKNOWN).build();

  /**
   * Builds an {@link Attribution}: each setter sets the component of the same name (see the
   * record's components for what each holds per kind) and returns this builder.
   */
  public static final class Builder {
    private final AttributionKind kind;
    private String cluster;
    private String egressIP;
    private String node;
    private List<String> namespaces;
    private List<PodRef> pods;
    private Instant since;
    private List<String> assignedIPs;
    private Boolean ambiguous;
    private List<String> leakSuspects;
    private String note;
    private List<String> leakEgressIPs;
    private Integer podCount;
    private List<Anomaly> anomalies;
    private Stale stale;

    private Builder(AttributionKind kind) {
      this.kind = kind;
    }

    /** The cluster whose state matched; null for {@link AttributionKind#UNKNOWN}. */
    public Builder cluster(String v) {
      cluster = v;
      return this;
    }

    /** The EgressIP object's name. */
    public Builder egressIP(String v) {
      egressIP = v;
      return this;
    }

    /** The egress node, the node owning the address, or the pod's node. */
    public Builder node(String v) {
      node = v;
      return this;
    }

    /** The owning namespaces, sorted; null is empty. */
    public Builder namespaces(List<String> v) {
      namespaces = v;
      return this;
    }

    /** The owning pods, sorted by namespace and name; null is empty. */
    public Builder pods(List<PodRef> v) {
      pods = v;
      return this;
    }

    /** When the matched state began. */
    public Builder since(Instant v) {
      since = v;
      return this;
    }

    /** Every IP assigned to the matched EgressIP. */
    public Builder assignedIPs(List<String> v) {
      assignedIPs = v;
      return this;
    }

    /** For a node: whether several namespaces could have sent the traffic. */
    public Builder ambiguous(Boolean v) {
      ambiguous = v;
      return this;
    }

    /** For a node: the namespaces whose traffic there would be a leak. */
    public Builder leakSuspects(List<String> v) {
      leakSuspects = v;
      return this;
    }

    /** A sentence for people explaining an anomaly. */
    public Builder note(String v) {
      note = v;
      return this;
    }

    /** For a node with leak suspects: the EgressIPs their pods should leave through. */
    public Builder leakEgressIPs(List<String> v) {
      leakEgressIPs = v;
      return this;
    }

    /** How many owning pods there are, of which {@code pods} holds at most {@link #MAX_PODS}. */
    public Builder podCount(Integer v) {
      podCount = v;
      return this;
    }

    /** The anomalies of the cluster that concern the match. */
    public Builder anomalies(List<Anomaly> v) {
      anomalies = v;
      return this;
    }

    /** The span during which the cluster's live view was stale. */
    public Builder stale(Stale v) {
      stale = v;
      return this;
    }

    /** The attribution, its lists copied. */
    public Attribution build() {
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
          anomalies,
          stale);
    }
  }

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
