package io.egressaudit.probes.drill;

import io.egressaudit.correlator.drill.DrillProbe;
import java.time.Instant;
import java.util.Set;

/**
 * Sends one probe from inside a pod and finds out where it arrived from: pod exec of an HTTP client
 * to the hit listener, then the audit server's API for the probe id.
 */
@FunctionalInterface
public interface DrillProber {

  /**
   * Sends a probe and waits for its outcome; called from several threads at once.
   *
   * @param pod the pod to send it from
   * @param sentAt when the drill started this probe, to put in the result
   * @param allowedIps the source IPs the namespace may leave with, to put in the result
   * @return what became of the probe: arrived (with source IP and whose it is), not arrived, or not
   *     sent (exec failed), never null
   * @throws io.egressaudit.probes.AuditApiException when the audit server cannot answer, which ends
   *     the drill
   */
  DrillProbe probe(DrillPod pod, Instant sentAt, Set<String> allowedIps);
}
