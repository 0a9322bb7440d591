-- name: select-current
SELECT id, kind, namespace, name, body FROM cluster_object
WHERE cluster = ? AND valid_to IS NULL;

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
SELECT valid_from AS t FROM cluster_object WHERE cluster = ?1
UNION
SELECT valid_to FROM cluster_object WHERE cluster = ?1 AND valid_to IS NOT NULL
ORDER BY t;

-- name: select-valid-at
SELECT kind, body, valid_from FROM cluster_object
WHERE cluster = ?1 AND valid_from <= ?2 AND (valid_to IS NULL OR valid_to > ?2);

-- name: select-open-of-object
SELECT id, valid_from, body FROM cluster_object
WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ? AND valid_to IS NULL;

-- name: latest-end-of-object
SELECT max(valid_to) FROM cluster_object
WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ?;
