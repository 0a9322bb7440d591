package io.egressaudit.server.json;

import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.ExpectedSource;
import io.egressaudit.correlator.PodRef;
import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code sources --all-namespaces} and {@code GET /api/v1/sources}: every source IP
 * each namespace's traffic must leave with at a time, across clusters. Keyed as {@link
 * SourcesView}, with the namespace in each source instead of once.
 *
 * @param at the time asked about
 * @param sources one per (namespace, cluster, IP), sorted by namespace, cluster and IP; empty when
 *     no namespace has an active pod
 * @param notes anomalies, each starting with {@code cluster/NAME:} (and {@code namespace/NS:} when
 *     about one namespace)
 */
public record AllNamespacesSourcesView(
    Instant at, List<NamespaceSource> sources, List<String> notes) {

  /**
   * One source IP of one namespace: {@link ExpectedSource} with its namespace first.
   *
   * @param namespace the namespace
   * @param cluster the cluster
   * @param ip canonical source IP
   * @param kind {@code egress-ip} or {@code node}
   * @param egressIP the EgressIP object's name, for {@code egress-ip}
   * @param node the egress node holding the IP, or the node whose IP it is
   * @param pods the namespace's pods that leave with this IP, sorted
   */
  public record NamespaceSource(
      String namespace,
      String cluster,
      String ip,
      AttributionKind kind,
      String egressIP,
      String node,
      List<PodRef> pods) {

    /** The source of {@code namespace}. */
    public static NamespaceSource of(String namespace, ExpectedSource s) {
      return new NamespaceSource(
          namespace, s.cluster(), s.ip(), s.kind(), s.egressIP(), s.node(), s.pods());
    }
  }
}
