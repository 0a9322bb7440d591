package io.egressaudit.correlator.probe;

import io.egressaudit.correlator.Attribution;
import java.util.List;

/**
 * A source IP a probe arrived from, as the audit server recorded it for the probe id.
 *
 * @param ip the canonical source IP
 * @param hits how many requests with the probe id arrived from it (normally 1)
 * @param owners what the IP belonged to when the first of them arrived: the audit server's
 *     attribution (its whois); never empty when read from the server, may be empty in tests
 */
public record ObservedSource(String ip, int hits, List<Attribution> owners) {

  /** Copies the owners. */
  public ObservedSource {
    owners = owners == null ? List.of() : List.copyOf(owners);
  }

  /** Whose the IP is, in words: see {@link Owners#describe(List)}. */
  public String owner() {
    return Owners.describe(owners);
  }
}
