-- name: select-current
SELECT id, kind, namespace, name, body FROM cluster_object
WHERE cluster = ? AND valid_to IS NULL;

-- name: close-object-pending
UPDATE cluster_object SET valid_to = ?, closed_by = ? WHERE id = ?;

-- name: insert-object-pending
INSERT INTO cluster_object (cluster, kind, namespace, name, valid_from, valid_to, body, opened_by)
VALUES (?, ?, ?, ?, ?, NULL, ?, ?);

-- name: select-pending-of-cluster
SELECT id, source, pid, progress_at FROM cluster_import_pending WHERE cluster = ?;

-- name: insert-pending
INSERT INTO cluster_import_pending (cluster, at, source, pid, progress_at) VALUES (?, ?, ?, ?, ?);

-- name: touch-pending
UPDATE cluster_import_pending SET progress_at = ? WHERE id = ?;

-- name: delete-pending
DELETE FROM cluster_import_pending WHERE id = ?;

-- name: delete-opened-by
DELETE FROM cluster_object
WHERE id IN (SELECT id FROM cluster_object WHERE opened_by = ? LIMIT ?);

-- name: reopen-closed-by
UPDATE cluster_object SET valid_to = NULL, closed_by = NULL
WHERE id IN (SELECT id FROM cluster_object WHERE closed_by = ? LIMIT ?);

-- name: untag-opened-by
UPDATE cluster_object SET opened_by = NULL
WHERE id IN (SELECT id FROM cluster_object WHERE opened_by = ? LIMIT ?);

-- name: untag-closed-by
UPDATE cluster_object SET closed_by = NULL
WHERE id IN (SELECT id FROM cluster_object WHERE closed_by = ? LIMIT ?);

-- name: close-object
UPDATE cluster_object SET valid_to = ? WHERE id = ?;

-- name: insert-object
INSERT INTO cluster_object (cluster, kind, namespace, name, valid_from, valid_to, body)
VALUES (?, ?, ?, ?, ?, NULL, ?);

-- name: latest-import
SELECT max(at) FROM cluster_import WHERE cluster = ?;

-- name: latest-change
SELECT max(t) FROM (SELECT max(valid_from) AS t FROM cluster_object WHERE cluster = ?1
                    UNION ALL
                    SELECT max(valid_to) FROM cluster_object WHERE cluster = ?1);

-- name: insert-import
INSERT INTO cluster_import (cluster, at, source, recorded_at, opened, closed, unchanged)
VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: select-clusters
SELECT DISTINCT cluster FROM cluster_object ORDER BY cluster;

-- name: select-change-points
-- Readers do not see what an import still being written (cluster_import_pending) did: the rows
-- it inserted are hidden, the rows it closed are still open.
SELECT valid_from AS t FROM cluster_object WHERE cluster = ?1
  AND (opened_by IS NULL OR opened_by NOT IN (SELECT id FROM cluster_import_pending))
UNION
SELECT valid_to FROM cluster_object WHERE cluster = ?1 AND valid_to IS NOT NULL
  AND (closed_by IS NULL OR closed_by NOT IN (SELECT id FROM cluster_import_pending))
ORDER BY t;

-- name: select-valid-at
SELECT kind, body, valid_from, id FROM cluster_object
WHERE cluster = ?1 AND valid_from <= ?2
  AND (valid_to IS NULL OR valid_to > ?2
       OR closed_by IN (SELECT id FROM cluster_import_pending))
  AND (opened_by IS NULL OR opened_by NOT IN (SELECT id FROM cluster_import_pending));

-- name: select-open-of-object
SELECT id, valid_from, body FROM cluster_object
WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ? AND valid_to IS NULL;

-- name: latest-end-of-object
SELECT max(valid_to) FROM cluster_object
WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ?;

-- name: select-intervals
-- Every interval of ?1 (NULL: every cluster) overlapping [?2, ?3), in row order (commit order).
-- As in select-valid-at, what an import still being written did is not seen: the rows it
-- inserted are hidden, the rows it closed are still open.
SELECT id, cluster, kind, body, valid_from,
       CASE WHEN closed_by IN (SELECT id FROM cluster_import_pending) THEN NULL ELSE valid_to END
FROM cluster_object
WHERE (?1 IS NULL OR cluster = ?1) AND valid_from < ?3
  AND (valid_to IS NULL OR valid_to > ?2 OR closed_by IN (SELECT id FROM cluster_import_pending))
  AND (opened_by IS NULL OR opened_by NOT IN (SELECT id FROM cluster_import_pending))
ORDER BY id;

-- name: select-change-mark
-- Moves whenever history is written: a new interval raises max(id), an ended one lowers the count
-- of open intervals (from the partial index of open intervals: counting the ended ones scanned
-- every interval, 0.1 s a month of a 10,000-pod cluster, every few seconds in a server), and
-- retention raises the latest prune horizon. The third column counts snapshot imports still being
-- written by other processes than ?1: what they wrote is hidden from readers until they end, which
-- moves none of the others, so a reader that saw one pending reads again. The fourth counts those
-- process ?1 is writing itself.
SELECT coalesce((SELECT max(id) FROM cluster_object), 0),
       (SELECT count(*) FROM cluster_object INDEXED BY cluster_object_current
          WHERE valid_to IS NULL),
       (SELECT count(*) FROM cluster_import_pending WHERE pid <> ?1),
       (SELECT count(*) FROM cluster_import_pending WHERE pid = ?1),
       (SELECT coalesce(max(pruned_before), 0) FROM history_horizon);

-- name: select-cluster-sources
-- Per cluster: where its latest snapshot came from, and when.
SELECT cluster, source, max(at) FROM cluster_import GROUP BY cluster;

-- name: delete-intervals-ended-before
-- One batch of history retention: at most ?2 intervals that ended at or before ?1 (epoch ms).
DELETE FROM cluster_object WHERE id IN (
  SELECT id FROM cluster_object WHERE valid_to IS NOT NULL AND valid_to <= ?1 LIMIT ?2);

-- name: record-horizon
-- Before retention deletes intervals that ended at or before ?1 (epoch ms): each cluster that
-- loses some records the latest end among them, since when its state is whole again (every
-- interval valid then or later is kept). A horizon only moves forward.
INSERT INTO history_horizon (cluster, pruned_before)
  SELECT cluster, max(valid_to) FROM cluster_object
  WHERE valid_to IS NOT NULL AND valid_to <= ?1 GROUP BY cluster
  ON CONFLICT (cluster) DO UPDATE SET pruned_before = max(pruned_before, excluded.pruned_before);

-- name: select-horizons
-- Per cluster whose history retention pruned: the time before which it was pruned.
SELECT cluster, pruned_before FROM history_horizon ORDER BY cluster;

-- name: select-history-starts
-- Per cluster: the earliest time its history knows a state at (the first interval kept), and the
-- prune horizon (NULL when never pruned). The clusters are found by skipping through the
-- cluster_object_validity index (cluster, valid_from, ...) and each start is its first entry there:
-- a few index seeks per cluster, where GROUP BY read every interval (0.3 s for 1.5 M, at every
-- command's start).
WITH RECURSIVE c(cluster) AS (
  SELECT min(cluster) FROM cluster_object
  UNION ALL
  SELECT (SELECT min(cluster) FROM cluster_object WHERE cluster > c.cluster)
    FROM c WHERE c.cluster IS NOT NULL)
SELECT c.cluster,
       (SELECT min(valid_from) FROM cluster_object o WHERE o.cluster = c.cluster),
       h.pruned_before
  FROM c LEFT JOIN history_horizon h ON h.cluster = c.cluster
  WHERE c.cluster IS NOT NULL
  ORDER BY c.cluster;

-- name: select-history-coverage
-- Per cluster: first time history knows, latest start and end of an interval, intervals kept, and
-- the prune horizon (NULL when never pruned).
SELECT o.cluster, min(o.valid_from), max(o.valid_from), max(o.valid_to), count(*), h.pruned_before
  FROM cluster_object o LEFT JOIN history_horizon h ON h.cluster = o.cluster
  GROUP BY o.cluster ORDER BY o.cluster;

-- name: select-current-counts
-- Per cluster and kind: objects whose current state is open.
SELECT cluster, kind, count(*) FROM cluster_object WHERE valid_to IS NULL GROUP BY cluster, kind;

-- name: insert-stale-span
-- A live cluster went stale: opens its span unless one is open already.
INSERT INTO cluster_stale (cluster, since, reason) SELECT ?1, ?2, ?3
  WHERE NOT EXISTS (SELECT 1 FROM cluster_stale WHERE cluster = ?1 AND until IS NULL);

-- name: close-stale-span
-- A live cluster is synced again: ends its open span.
UPDATE cluster_stale SET until = max(since, ?2) WHERE cluster = ?1 AND until IS NULL;

-- name: select-stale-spans
SELECT cluster, since, until, reason FROM cluster_stale ORDER BY cluster, since;

-- name: select-name-held
-- Whether cluster ?1's history (what is kept of it) ever held an object of kind ?2 named ?3, a
-- cluster-scoped Node, Namespace or EgressIP; with kind Namespace, a pod in namespace ?3 counts
-- too. Index seeks on cluster_object_ref (cluster, kind, namespace, name, valid_to).
SELECT EXISTS (SELECT 1 FROM cluster_object
               WHERE cluster = ?1 AND kind = ?2 AND namespace = '' AND name = ?3)
    OR (?2 = 'Namespace' AND EXISTS (SELECT 1 FROM cluster_object
                                     WHERE cluster = ?1 AND kind = 'Pod' AND namespace = ?3));

-- name: select-names-held
-- Every name of kind ?2 that cluster ?1's history ever held (namespaces: also those of pods), for
-- the error of an owner filter that names none of them.
SELECT name FROM cluster_object WHERE cluster = ?1 AND kind = ?2 AND namespace = ''
UNION
SELECT namespace FROM cluster_object WHERE ?2 = 'Namespace' AND cluster = ?1 AND kind = 'Pod'
ORDER BY 1;
