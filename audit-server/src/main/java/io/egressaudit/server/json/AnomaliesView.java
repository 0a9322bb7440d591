package io.egressaudit.server.json;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The answer of {@code GET /api/v1/anomalies} and {@code egress-audit anomalies -o json}.
 *
 * @param at the time asked about
 * @param anomalies every anomaly of the clusters asked about then, by cluster then rule, each with
 *     when it began ({@link AnomalyView#since()})
 * @param notes sentences about the answer (no history at that time; a cluster whose state was last
 *     recorded long before, whose anomalies are as of then); empty when none
 * @param stateAsOf for each cluster asked about whose state was last recorded more than an hour
 *     before {@code at} (a {@code cluster import} of an old dump, no source in this server keeping
 *     it current), when that was: its anomalies, or that it has none, are as of then; empty when
 *     none
 */
public record AnomaliesView(
    Instant at, List<AnomalyView> anomalies, List<String> notes, Map<String, Instant> stateAsOf) {}
