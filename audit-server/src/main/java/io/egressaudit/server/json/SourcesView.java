package io.egressaudit.server.json;

import io.egressaudit.correlator.ExpectedSource;
import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code sources NAMESPACE} and {@code GET /api/v1/namespaces/{ns}/sources}: every
 * source IP the namespace's traffic must leave with at a time, across clusters.
 *
 * @param namespace the namespace
 * @param at the time asked about
 * @param sources sorted by cluster and IP; empty when the namespace has no active pod
 * @param notes anomalies, each starting with {@code cluster/NAME:}
 */
public record SourcesView(
    String namespace, Instant at, List<ExpectedSource> sources, List<String> notes) {}
