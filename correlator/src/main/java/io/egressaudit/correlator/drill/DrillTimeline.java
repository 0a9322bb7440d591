package io.egressaudit.correlator.drill;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Everything a failover drill observed, from the cluster (informer events) and from the probes: the
 * input of {@link FailoverAnalysis}.
 *
 * @param egressIP the drilled EgressIP's {@code metadata.name}
 * @param namespaces the namespaces the EgressIP selects, which the drill probes, sorted
 * @param startedAt when the drill started watching and probing
 * @param endedAt when the drill stopped (or now, for an analysis during the drill)
 * @param trigger what the drill did to fail the egress node; null with {@code --trigger none}
 * @param statuses the EgressIP's status over time, the first one as it was at {@code startedAt};
 *     sorted by time
 * @param nodeChanges changes of nodes over time, sorted by time
 * @param probes every probe sent, sorted by send time
 */
public record DrillTimeline(
    String egressIP,
    List<String> namespaces,
    Instant startedAt,
    Instant endedAt,
    DrillTrigger trigger,
    List<EgressIpStatus> statuses,
    List<NodeChange> nodeChanges,
    List<DrillProbe> probes) {

  /**
   * Copies the lists, sorted by time (stable, so events at the same millisecond keep their order).
   *
   * @throws IllegalArgumentException when there is no status at all (the drill reads the EgressIP
   *     before it starts)
   */
  public DrillTimeline {
    namespaces = sorted(namespaces, Comparator.naturalOrder());
    statuses = sorted(statuses, Comparator.comparing(EgressIpStatus::at));
    nodeChanges = sorted(nodeChanges, Comparator.comparing(NodeChange::at));
    probes = sorted(probes, Comparator.comparing(DrillProbe::sentAt));
    if (statuses.isEmpty()) {
      throw new IllegalArgumentException("the timeline of " + egressIP + " has no status");
    }
  }

  private static <T> List<T> sorted(List<T> items, Comparator<T> order) {
    List<T> copy = new ArrayList<>(items == null ? List.of() : items);
    copy.sort(order);
    return List.copyOf(copy);
  }
}
