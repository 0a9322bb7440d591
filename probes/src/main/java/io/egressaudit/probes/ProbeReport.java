package io.egressaudit.probes;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a probe run found, for the report writers.
 *
 * @param cluster the cluster's name (kubeconfig context)
 * @param target the hit listener as pods reach it ({@code --target})
 * @param api the audit server's API ({@code --api})
 * @param policy the policy file, or null when expectations came from the cluster
 * @param startedAt when the run started
 * @param finishedAt when the last probe was judged
 * @param results one per pod probed and per namespace without a pod, sorted by name
 * @param notes remarks about the run (such as a cluster without EgressIPs)
 */
public record ProbeReport(
    String cluster,
    String target,
    String api,
    String policy,
    Instant startedAt,
    Instant finishedAt,
    List<ProbeResult> results,
    List<String> notes) {

  /** Copies the lists. */
  public ProbeReport {
    results = List.copyOf(results);
    notes = notes == null ? List.of() : List.copyOf(notes);
  }

  /**
   * True when every result passes (and there is at least one), leaving out skipped ones ({@code
   * no-pods}).
   */
  public boolean passed() {
    List<ProbeResult> checked = results.stream().filter(r -> !skipped(r)).toList();
    return !checked.isEmpty() && checked.stream().allMatch(ProbeResult::passed);
  }

  /** How many results are skipped: {@code no-pods}, nothing to probe. */
  public int skippedCount() {
    return (int) results.stream().filter(ProbeReport::skipped).count();
  }

  private static boolean skipped(ProbeResult r) {
    return r.verdict().verdict().skipped();
  }

  /** How many results pass. */
  public int passedCount() {
    return (int) results.stream().filter(ProbeResult::passed).count();
  }

  /** Results per verdict wire name, sorted by name; verdicts with none are left out. */
  public Map<String, Integer> countsByVerdict() {
    Map<String, Integer> counts = new TreeMap<>();
    for (ProbeResult r : results) {
      counts.merge(r.verdict().verdict().toString(), 1, Integer::sum);
    }
    return counts;
  }

  /** Results whose verdict means the egress could not be checked (JUnit errors). */
  public int uncheckedCount() {
    return (int) results.stream().filter(r -> r.verdict().verdict().unchecked()).count();
  }

  /** Results that checked the egress and failed (JUnit failures). */
  public int failedCount() {
    return (int)
        results.stream()
            .filter(r -> !r.passed() && !r.verdict().verdict().unchecked() && !skipped(r))
            .count();
  }
}
