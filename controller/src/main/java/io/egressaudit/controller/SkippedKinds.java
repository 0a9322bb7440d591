package io.egressaudit.controller;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which kinds a dump may have besides the four attribution reads, and which look like a typo of one
 * of them. {@code kubectl get all} and hand-made dumps hold Services, Deployments and the like,
 * which are skipped; but a kind one or two letters away from {@code Node}, {@code Namespace},
 * {@code Pod} or {@code EgressIP} ({@code Nodez}, {@code namespace}, {@code EgressIp}) is a typo,
 * and skipping it would end that object's history without a word. So is an unknown kind of the core
 * group ({@code apiVersion: v1}) or of {@code k8s.ovn.org}, the groups of the four.
 */
final class SkippedKinds {

  private static final List<String> READ = List.of("Node", "Namespace", "Pod", "EgressIP");

  /** Kinds of the core group ({@code v1}) other than Node, Namespace and Pod: skipped. */
  private static final Set<String> CORE_V1 =
      Set.of(
          "Binding",
          "ComponentStatus",
          "ConfigMap",
          "Endpoints",
          "Event",
          "LimitRange",
          "PersistentVolume",
          "PersistentVolumeClaim",
          "PodTemplate",
          "ReplicationController",
          "ResourceQuota",
          "Secret",
          "Service",
          "ServiceAccount",
          "Status");

  /** Kinds of {@code k8s.ovn.org} other than EgressIP: skipped. */
  private static final Set<String> OVN =
      Set.of(
          "AdminPolicyBasedExternalRoute",
          "ClusterUserDefinedNetwork",
          "EgressFirewall",
          "EgressQoS",
          "EgressService",
          "NetworkQoS",
          "RouteAdvertisements",
          "UserDefinedNetwork");

  /**
   * Kinds of other groups that a near-miss test would take for a typo: {@code Job} is two from Pod.
   */
  private static final Set<String> OTHER =
      Set.of("Job", "CronJob", "Role", "RoleBinding", "Lease", "Route", "Note");

  private SkippedKinds() {}

  /**
   * Why an object of a kind attribution does not read must be refused rather than skipped, or null
   * to skip it.
   *
   * @param kind the object's {@code kind}, not one of the four
   * @param apiVersion its {@code apiVersion}, or null
   * @return a problem starting with {@code kind: }, naming the kind meant where there is one
   */
  static String problem(String kind, String apiVersion) {
    String meant = nearMiss(kind);
    if (meant != null && !CORE_V1.contains(kind) && !OVN.contains(kind) && !OTHER.contains(kind)) {
      return "kind: '"
          + kind
          + "' is not a kind; did you mean "
          + meant
          + "? (other kinds, such as Service, are skipped, but one this close to "
          + meant
          + " is taken as a typo that would end its history)";
    }
    if ("v1".equals(apiVersion) && !CORE_V1.contains(kind)) {
      return "kind: '"
          + kind
          + "' is not a kind of apiVersion v1 (Node, Namespace and Pod are read, Service,"
          + " ConfigMap, ... skipped)";
    }
    if (apiVersion != null && apiVersion.startsWith("k8s.ovn.org/") && !OVN.contains(kind)) {
      return "kind: '"
          + kind
          + "' is not a kind of "
          + apiVersion
          + " that egress-audit knows (EgressIP is read, EgressFirewall, EgressQoS, ... skipped)";
    }
    return null;
  }

  /** The kind read that {@code kind} is a near miss of, or null. */
  private static String nearMiss(String kind) {
    for (String read : READ) {
      int max = read.length() <= 4 ? 1 : 2; // Pod and Node: Job and Role are two letters away
      if (read.equalsIgnoreCase(kind)
          || distance(read.toLowerCase(Locale.ROOT), kind.toLowerCase(Locale.ROOT)) <= max) {
        return read;
      }
    }
    return null;
  }

  /** Levenshtein distance, with a swap of two neighbouring letters counted as one edit. */
  static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2) {
      return 3;
    }
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
