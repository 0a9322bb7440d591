package io.egressaudit.probes;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks before probing, with one {@code SelfSubjectAccessReview} per permission ({@code
 * authorization.k8s.io/v1}, which every authenticated user may create), that the runner's
 * credentials may do what a probe run does, cluster-wide: list nodes, namespaces and pods, get and
 * list EgressIPs, and get and create {@code pods/exec} (the exec WebSocket is a GET on recent API
 * servers, a POST, hence {@code create}, on older ones and through some proxies). A failover drill
 * needs as much, plus {@code watch} on nodes and EgressIPs (its informers), plus {@code get} and
 * {@code patch} on nodes only when it removes the egress-assignable label itself ({@code --trigger
 * unlabel}). Each missing permission is named with the ClusterRole rule that grants it ({@code
 * deploy/probe-rbac.yaml}).
 */
public final class AccessPreflight {

  /**
   * One permission a probe run needs.
   *
   * @param verb such as {@code list}
   * @param group the API group, {@code ""} for the core group
   * @param resource such as {@code pods}
   * @param subresource such as {@code exec}, or null
   */
  public record Permission(String verb, String group, String resource, String subresource) {

    /** {@code create pods/exec}, {@code list egressips.k8s.ovn.org}. */
    public String describe() {
      return verb
          + " "
          + resource
          + (subresource == null ? "" : "/" + subresource)
          + (group.isEmpty() ? "" : "." + group);
    }

    /** The ClusterRole rule granting it, in YAML flow style. */
    public String rule() {
      return "{apiGroups: [\""
          + group
          + "\"], resources: [\""
          + resource
          + (subresource == null ? "" : "/" + subresource)
          + "\"], verbs: [\""
          + verb
          + "\"]}";
    }
  }

  /** What a probe run needs, in the order they are checked. */
  public static final List<Permission> NEEDED =
      List.of(
          new Permission("list", "", "nodes", null),
          new Permission("list", "", "namespaces", null),
          new Permission("list", "", "pods", null),
          new Permission("get", "k8s.ovn.org", "egressips", null),
          new Permission("list", "k8s.ovn.org", "egressips", null),
          new Permission("create", "", "pods", "exec"),
          new Permission("get", "", "pods", "exec"));

  /** What a failover drill adds for its informers on the EgressIP and the nodes. */
  public static final List<Permission> DRILL_WATCH =
      List.of(
          new Permission("watch", "", "nodes", null),
          new Permission("watch", "k8s.ovn.org", "egressips", null));

  /**
   * What {@code drill failover --trigger unlabel} adds to take the label {@code
   * k8s.ovn.org/egress-assignable} off the egress node and put it back: granted by its own
   * ClusterRole in {@code deploy/probe-rbac.yaml}, which a team that fails nodes by hand omits.
   */
  public static final List<Permission> UNLABEL =
      List.of(new Permission("get", "", "nodes", null), new Permission("patch", "", "nodes", null));

  /** The ClusterRole in {@code deploy/probe-rbac.yaml} that grants {@link #UNLABEL}. */
  public static final String UNLABEL_ROLE = "egress-audit-drill-unlabel";

  private AccessPreflight() {}

  /**
   * What a failover drill needs: what a probe run needs, {@link #DRILL_WATCH}, and {@link #UNLABEL}
   * when the drill removes the label itself.
   *
   * @param unlabel true for {@code --trigger unlabel}
   * @return the permissions, in the order they are checked
   */
  public static List<Permission> forDrill(boolean unlabel) {
    List<Permission> needed = new ArrayList<>(NEEDED);
    needed.addAll(DRILL_WATCH);
    if (unlabel) {
      needed.addAll(UNLABEL);
    }
    return List.copyOf(needed);
  }

  /**
   * Asks the API server about each permission a probe run needs ({@link #NEEDED}).
   *
   * @param client the runner's credentials
   * @return the permissions it lacks, in {@link #NEEDED} order; empty when all are granted
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server cannot be
   *     asked
   */
  public static List<Permission> missing(KubernetesClient client) {
    return missing(client, NEEDED);
  }

  /**
   * Asks the API server about each of the given permissions.
   *
   * @param client the runner's credentials
   * @param needed such as {@link #forDrill}
   * @return the permissions it lacks, in their order; empty when all are granted
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server cannot be
   *     asked
   */
  public static List<Permission> missing(KubernetesClient client, List<Permission> needed) {
    List<Permission> missing = new ArrayList<>();
    for (Permission p : needed) {
      ResourceAttributes attributes =
          new ResourceAttributesBuilder()
              .withVerb(p.verb())
              .withGroup(p.group())
              .withResource(p.resource())
              .withSubresource(p.subresource())
              .build();
      SelfSubjectAccessReview review =
          client
              .authorization()
              .v1()
              .selfSubjectAccessReview()
              .create(
                  new SelfSubjectAccessReviewBuilder()
                      .withNewSpec()
                      .withResourceAttributes(attributes)
                      .endSpec()
                      .build());
      if (review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAllowed())) {
        missing.add(p);
      }
    }
    return missing;
  }

  /**
   * A message naming each missing permission and its rule, several lines.
   *
   * @param missing what {@link #missing} returned, not empty
   */
  public static String explain(List<Permission> missing) {
    return explain(missing, "a probe run");
  }

  /**
   * A message naming each missing permission and its rule, several lines.
   *
   * @param missing what {@link #missing} returned, not empty
   * @param run what needs them, such as {@code "drill failover --trigger unlabel"}
   */
  public static String explain(List<Permission> missing, String run) {
    StringBuilder b =
        new StringBuilder("the runner's credentials lack what " + run + " needs (cluster-wide):");
    for (Permission p : missing) {
      b.append("\n  ")
          .append(p.describe())
          .append(": grant the ClusterRole rule ")
          .append(p.rule());
    }
    b.append("\n  (deploy/probe-rbac.yaml holds a ClusterRole with every rule a run needs");
    if (missing.stream().anyMatch(UNLABEL::contains)) {
      b.append(", and ClusterRole " + UNLABEL_ROLE + " the node patch of --trigger unlabel");
    }
    b.append(")");
    return b.toString();
  }
}
