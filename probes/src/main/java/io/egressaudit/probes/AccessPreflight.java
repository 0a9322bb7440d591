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
 * servers, a POST, hence {@code create}, on older ones and through some proxies). Each missing
 * permission is named with the ClusterRole rule that grants it ({@code deploy/probe-rbac.yaml}).
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

  private AccessPreflight() {}

  /**
   * Asks the API server about each needed permission.
   *
   * @param client the runner's credentials
   * @return the permissions it lacks, in {@link #NEEDED} order; empty when all are granted
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server cannot be
   *     asked
   */
  public static List<Permission> missing(KubernetesClient client) {
    List<Permission> missing = new ArrayList<>();
    for (Permission p : NEEDED) {
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
    StringBuilder b =
        new StringBuilder("the runner's credentials lack what a probe run needs (cluster-wide):");
    for (Permission p : missing) {
      b.append("\n  ")
          .append(p.describe())
          .append(": grant the ClusterRole rule ")
          .append(p.rule());
    }
    b.append("\n  (deploy/probe-rbac.yaml holds a ClusterRole with every rule a run needs)");
    return b.toString();
  }
}
