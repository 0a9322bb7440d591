package io.egressaudit.sql;

import java.time.Instant;

/**
 * What recording a cluster snapshot, or a batch of observed changes, changed in history.
 *
 * @param cluster the cluster
 * @param at the time the snapshot is valid from; for observed changes, the latest observation time
 * @param opened object states that begin at {@code at} (new objects or changed ones)
 * @param closed object states that end at {@code at} (changed or deleted objects)
 * @param unchanged objects whose state is the same as before, so their interval goes on
 */
public record ImportSummary(String cluster, Instant at, int opened, int closed, int unchanged) {}
