package io.egressaudit.correlator;

import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code whois}: every match for a source IP at a time, across clusters.
 *
 * @param ip the canonical source IP
 * @param at the time asked about
 * @param matches never empty: a single {@link Attribution#UNKNOWN} when nothing owns the IP
 */
public record WhoisResult(String ip, Instant at, List<Attribution> matches) {

  /** Copies the matches. */
  public WhoisResult {
    matches = List.copyOf(matches);
  }
}
