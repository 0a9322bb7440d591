package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ObservedSource;
import java.util.List;

/** Where a probe runner learns which source IPs a probe id arrived from: the audit server. */
@FunctionalInterface
public interface ProbeArrivals {

  /**
   * The source IPs recorded for a probe id.
   *
   * @param probeId the id
   * @return one entry per source IP, in order of first arrival; empty when none arrived
   * @throws AuditApiException when the record cannot be read
   */
  List<ObservedSource> observed(String probeId);
}
