package io.egressaudit.server.json;

import io.egressaudit.correlator.anomaly.Anomaly;
import java.time.Instant;
import java.util.List;

/**
 * The answer of {@code GET /api/v1/anomalies} and {@code egress-audit anomalies -o json}.
 *
 * @param at the time asked about
 * @param anomalies every anomaly of the clusters asked about then, by cluster then rule
 * @param notes sentences about the answer (no history at that time); empty when none
 */
public record AnomaliesView(Instant at, List<Anomaly> anomalies, List<String> notes) {}
