package io.egressaudit.probes;

import java.util.List;

/**
 * The pods a run probes from, and the namespaces it cannot probe.
 *
 * @param namespaces every namespace the run checks, sorted
 * @param targets the pods to probe from, sorted by namespace and pod
 * @param unprobeable the checked namespaces with no pod to probe from, sorted by namespace
 */
public record ProbePlan(
    List<String> namespaces, List<ProbeTarget> targets, List<Unprobeable> unprobeable) {

  /** Copies the lists. */
  public ProbePlan {
    namespaces = List.copyOf(namespaces);
    targets = List.copyOf(targets);
    unprobeable = List.copyOf(unprobeable);
  }

  /**
   * A namespace no probe can be sent from.
   *
   * @param namespace the namespace
   * @param why what it has instead, completing {@code NAMESPACE has ...}: {@code no pods}, {@code
   *     no running, Ready pod (3 pods: 2 Pending, 1 not Ready)}, {@code no such namespace}
   * @param skipped true when there is nothing to probe: no pod at all, and every namespace is
   *     checked ({@code --all-namespaces}); the run reports it as {@code no-pods}, not failing
   */
  public record Unprobeable(String namespace, String why, boolean skipped) {

    /** A namespace that fails the run: {@code no-ready-pod}. */
    public Unprobeable(String namespace, String why) {
      this(namespace, why, false);
    }
  }
}
