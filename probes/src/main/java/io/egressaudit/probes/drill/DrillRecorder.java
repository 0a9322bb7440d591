package io.egressaudit.probes.drill;

import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.drill.DrillProbe;
import io.egressaudit.correlator.drill.DrillTimeline;
import io.egressaudit.correlator.drill.DrillTrigger;
import io.egressaudit.correlator.drill.EgressIpStatus;
import io.egressaudit.correlator.drill.NodeChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a drill's timeline as it happens: informer threads add statuses and node changes, probe
 * threads add probes, the runner reads a snapshot after each round. Thread-safe; every method is
 * short.
 */
final class DrillRecorder {

  private final String egressIP;
  private final List<String> namespaces;
  private final Instant startedAt;
  private final List<EgressIpStatus> statuses = new ArrayList<>();
  private final List<NodeChange> nodeChanges = new ArrayList<>();
  private final List<DrillProbe> probes = new ArrayList<>();
  private DrillTrigger trigger;

  DrillRecorder(String egressIP, List<String> namespaces, Instant startedAt) {
    this.egressIP = egressIP;
    this.namespaces = List.copyOf(namespaces);
    this.startedAt = startedAt;
  }

  /** Records the status unless it is the same as the last one recorded. */
  synchronized void status(Instant at, List<EgressIpAssignment> assignments) {
    if (!statuses.isEmpty()
        && statuses.get(statuses.size() - 1).assignments().equals(assignments)) {
      return;
    }
    statuses.add(new EgressIpStatus(at, assignments));
  }

  synchronized void nodeChange(NodeChange change) {
    nodeChanges.add(change);
  }

  synchronized void probe(DrillProbe probe) {
    probes.add(probe);
  }

  synchronized void trigger(DrillTrigger trigger) {
    this.trigger = trigger;
  }

  synchronized List<EgressIpStatus> statuses() {
    return List.copyOf(statuses);
  }

  /** The timeline so far, ending at {@code now}. */
  synchronized DrillTimeline snapshot(Instant now) {
    return new DrillTimeline(
        egressIP, namespaces, startedAt, now, trigger, statuses, nodeChanges, probes);
  }
}
