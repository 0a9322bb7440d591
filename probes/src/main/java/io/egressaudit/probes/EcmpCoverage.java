package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ExpectationRule;
import io.egressaudit.correlator.probe.ObservedSource;
import io.egressaudit.correlator.probe.ProbeExpectation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which assigned IPs of an EgressIP that spreads a namespace's traffic (ECMP, several assigned IPs)
 * the probes of that namespace arrived from: with {@code --pods all}, whether every egress node
 * carries traffic.
 *
 * @param namespace the namespace
 * @param egressIP the EgressIP object
 * @param assigned its assigned IPs, sorted
 * @param seen the assigned IPs some probe of the namespace arrived from, sorted
 */
public record EcmpCoverage(
    String namespace, String egressIP, List<String> assigned, List<String> seen) {

  /** Copies the lists. */
  public EcmpCoverage {
    assigned = List.copyOf(assigned);
    seen = List.copyOf(seen);
  }

  /** {@code simpson: egressip-demo (ECMP) seen from 1 of 2 assigned IPs: 192.168.126.100}. */
  public String describe() {
    return namespace
        + ": "
        + egressIP
        + " (ECMP) seen from "
        + seen.size()
        + " of "
        + assigned.size()
        + " assigned IPs"
        + (seen.isEmpty() ? "" : ": " + String.join(", ", seen));
  }

  /**
   * The coverage of every namespace whose expectation is an ECMP EgressIP.
   *
   * @param results a run's results
   * @return one per such namespace, sorted by namespace
   */
  public static List<EcmpCoverage> of(List<ProbeResult> results) {
    Map<String, ProbeExpectation> ecmp = new TreeMap<>();
    Map<String, TreeSet<String>> seen = new TreeMap<>();
    for (ProbeResult r : results) {
      ProbeExpectation e = r.expectation();
      if (e == null || e.rule() != ExpectationRule.EGRESS_IP || e.allowed().size() < 2) {
        continue;
      }
      ecmp.putIfAbsent(r.namespace(), e);
      TreeSet<String> s = seen.computeIfAbsent(r.namespace(), k -> new TreeSet<>());
      for (ProbeAttempt a : r.attempts()) {
        for (ObservedSource o : a.observed()) {
          if (e.allows(o.ip())) {
            s.add(o.ip());
          }
        }
      }
    }
    List<EcmpCoverage> out = new ArrayList<>();
    ecmp.forEach(
        (ns, e) ->
            out.add(
                new EcmpCoverage(ns, e.egressIP(), e.allowedText(), List.copyOf(seen.get(ns)))));
    return out;
  }
}
