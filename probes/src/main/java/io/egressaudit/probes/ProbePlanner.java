package io.egressaudit.probes;

import io.egressaudit.correlator.ClusterSnapshot;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.probe.ExpectationRules;
import io.egressaudit.correlator.probe.ProbePolicy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Chooses the namespaces a run checks and the pods it probes from.
 *
 * <p>Namespaces: those an EgressIP's namespaceSelector matches (assigned or not), plus those named
 * with {@code --namespace} and those a policy names; or every namespace with {@code
 * --all-namespaces}. Pods: running ({@code status.phase} {@code Running}), Ready (condition {@code
 * Ready} is {@code True}), not being deleted, not on the host network (a hostNetwork pod leaves
 * with its node IP whatever EgressIP selects its namespace, so it tells nothing about the
 * namespace's egress); the first by name per namespace, or all of them.
 */
public final class ProbePlanner {

  /** The annotation that names a pod's default container for {@code kubectl exec}. */
  public static final String DEFAULT_CONTAINER_ANNOTATION =
      "kubectl.kubernetes.io/default-container";

  /**
   * What to probe.
   *
   * @param namespaces namespaces named on the command line ({@code --namespace})
   * @param allNamespaces every namespace of the cluster
   * @param allPods every eligible pod instead of one per namespace ({@code --pods all})
   * @param policy the policy, whose namespaces are checked too; null when none
   * @param podSelector the {@code --selector} the candidate pods were listed with, for messages;
   *     null when none
   */
  public record Selection(
      List<String> namespaces,
      boolean allNamespaces,
      boolean allPods,
      ProbePolicy policy,
      String podSelector) {

    /** Copies the list. */
    public Selection {
      namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }
  }

  private ProbePlanner() {}

  /**
   * Plans a run.
   *
   * @param view the cluster as read once
   * @param selection what to probe
   * @return the targets and the namespaces without a pod to probe from
   */
  public static ProbePlan plan(ClusterView view, Selection selection) {
    ClusterSnapshot s = view.snapshot();
    TreeSet<String> namespaces = new TreeSet<>();
    if (selection.allNamespaces()) {
      s.namespaces().forEach(ns -> namespaces.add(ns.name()));
    } else {
      namespaces.addAll(ExpectationRules.namespacesSelectedByEgressIps(s));
      namespaces.addAll(selection.namespaces());
      if (selection.policy() != null) {
        namespaces.addAll(selection.policy().namespaces().keySet());
      }
    }
    Map<String, List<Pod>> byNamespace = new TreeMap<>();
    for (Pod p : view.pods()) {
      byNamespace.computeIfAbsent(p.getMetadata().getNamespace(), k -> new ArrayList<>()).add(p);
    }
    List<ProbeTarget> targets = new ArrayList<>();
    List<ProbePlan.Unprobeable> unprobeable = new ArrayList<>();
    for (String ns : namespaces) {
      NamespaceState state = s.namespace(ns);
      if (state == null) {
        unprobeable.add(new ProbePlan.Unprobeable(ns, "no such namespace in the cluster"));
        continue;
      }
      List<Pod> pods = new ArrayList<>(byNamespace.getOrDefault(ns, List.of()));
      pods.sort(Comparator.comparing(p -> p.getMetadata().getName()));
      List<Pod> eligible = pods.stream().filter(ProbePlanner::eligible).toList();
      if (eligible.isEmpty()) {
        // with -A a namespace without pods (default, kube-public) has no egress to check; one with
        // pods none of which can be probed from still fails
        unprobeable.add(
            new ProbePlan.Unprobeable(
                ns,
                why(pods, selection.podSelector()),
                selection.allNamespaces() && pods.isEmpty()));
        continue;
      }
      for (Pod p : selection.allPods() ? eligible : eligible.subList(0, 1)) {
        targets.add(
            new ProbeTarget(
                ns, p.getMetadata().getName(), container(p), p.getSpec().getNodeName()));
      }
    }
    return new ProbePlan(List.copyOf(namespaces), targets, unprobeable);
  }

  /**
   * Tells whether a pod can be probed from: running, Ready, not being deleted, not on the host
   * network, with a container.
   *
   * @param p the pod as fabric8 lists it
   * @return true when a probe from it tells about its namespace's egress
   */
  public static boolean eligible(Pod p) {
    return p.getStatus() != null
        && "Running".equals(p.getStatus().getPhase())
        && Readiness.isPodReady(p)
        && p.getMetadata().getDeletionTimestamp() == null
        && p.getSpec() != null
        && !Boolean.TRUE.equals(p.getSpec().getHostNetwork())
        && p.getSpec().getContainers() != null
        && !p.getSpec().getContainers().isEmpty();
  }

  /**
   * The container {@code kubectl exec} would pick: the {@value #DEFAULT_CONTAINER_ANNOTATION}
   * annotation's when it names one, else the first of {@code spec.containers}.
   *
   * @param p a pod with at least one container
   * @return the container's name
   */
  public static String container(Pod p) {
    List<Container> containers = p.getSpec().getContainers();
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    String named = annotations == null ? null : annotations.get(DEFAULT_CONTAINER_ANNOTATION);
    if (named != null && containers.stream().anyMatch(c -> named.equals(c.getName()))) {
      return named;
    }
    return containers.get(0).getName();
  }

  private static String why(List<Pod> pods, String selector) {
    String matching = selector == null || selector.isBlank() ? "" : " matching " + selector;
    if (pods.isEmpty()) {
      return "no pods" + matching;
    }
    Map<String, Integer> reasons = new TreeMap<>();
    for (Pod p : pods) {
      reasons.merge(reason(p), 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    reasons.forEach((r, n) -> parts.add(n + " " + r));
    return "no running, Ready pod"
        + matching
        + " ("
        + pods.size()
        + (pods.size() == 1 ? " pod: " : " pods: ")
        + String.join(", ", parts)
        + ")";
  }

  private static String reason(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    if (phase != null && !"Running".equals(phase)) {
      return phase;
    }
    if (p.getMetadata().getDeletionTimestamp() != null) {
      return "terminating";
    }
    if (p.getSpec() != null && Boolean.TRUE.equals(p.getSpec().getHostNetwork())) {
      return "on the host network";
    }
    if (phase == null) {
      return "without status";
    }
    return "not Ready";
  }
}
