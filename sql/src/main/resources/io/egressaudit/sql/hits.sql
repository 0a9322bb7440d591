-- name: insert-hit
INSERT OR IGNORE INTO hit (received_at, source_ip, source_port, local_port, method, path, host,
                           user_agent, probe_id, forwarded_for, http_version, origin, origin_line,
                           peer_ip)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: select-hits
-- Parameters: since, until (epoch ms, inclusive/exclusive), ip (or NULL), probe (or NULL),
-- after id (keyset paging, 0 for the start), limit.
SELECT id, received_at, source_ip, source_port, local_port, method, path, host, user_agent,
       probe_id, forwarded_for, http_version, origin, origin_line, peer_ip
FROM hit
WHERE received_at >= ?1 AND received_at < ?2
  AND (?3 IS NULL OR source_ip = ?3)
  AND (?4 IS NULL OR probe_id = ?4)
  AND id > ?5
ORDER BY id
LIMIT ?6;

-- name: select-hits-by-id
-- select-hits without a period: walks the table by id from ?5, reading ?6 rows, where the
-- received_at index would read every hit of the (whole) period and sort them. ?1 and ?2 are
-- still checked (+received_at keeps the planner off that index).
SELECT id, received_at, source_ip, source_port, local_port, method, path, host, user_agent,
       probe_id, forwarded_for, http_version, origin, origin_line, peer_ip
FROM hit
WHERE +received_at >= ?1 AND +received_at < ?2
  AND (?3 IS NULL OR source_ip = ?3)
  AND (?4 IS NULL OR probe_id = ?4)
  AND id > ?5
ORDER BY id
LIMIT ?6;

-- name: select-hits-by-id-newest-first
SELECT id, received_at, source_ip, source_port, local_port, method, path, host, user_agent,
       probe_id, forwarded_for, http_version, origin, origin_line, peer_ip
FROM hit
WHERE +received_at >= ?1 AND +received_at < ?2
  AND (?3 IS NULL OR source_ip = ?3)
  AND (?4 IS NULL OR probe_id = ?4)
  AND (?5 = 0 OR id < ?5)
ORDER BY id DESC
LIMIT ?6;

-- name: count-hits
SELECT count(*) FROM hit;

-- name: delete-older-than
-- One batch of retention: at most ?2 of the oldest hits received before ?1 (epoch ms).
DELETE FROM hit WHERE id IN (SELECT id FROM hit WHERE received_at < ?1 ORDER BY id LIMIT ?2);

-- name: select-hits-newest-first
-- Like select-hits, newest first; ?5 is the id to continue below (0 for the newest).
SELECT id, received_at, source_ip, source_port, local_port, method, path, host, user_agent,
       probe_id, forwarded_for, http_version, origin, origin_line, peer_ip
FROM hit
WHERE received_at >= ?1 AND received_at < ?2
  AND (?3 IS NULL OR source_ip = ?3)
  AND (?4 IS NULL OR probe_id = ?4)
  AND (?5 = 0 OR id < ?5)
ORDER BY id DESC
LIMIT ?6;

-- name: select-hits-of-ip
-- select-hits for one source IP: the hit_source_ip index bounds it to the IP and the period.
SELECT id, received_at, source_ip, source_port, local_port, method, path, host, user_agent,
       probe_id, forwarded_for, http_version, origin, origin_line, peer_ip
FROM hit
WHERE source_ip = ?3 AND received_at >= ?1 AND received_at < ?2
  AND (?4 IS NULL OR probe_id = ?4)
  AND id > ?5
ORDER BY id
LIMIT ?6;

-- name: select-hits-of-ip-newest-first
SELECT id, received_at, source_ip, source_port, local_port, method, path, host, user_agent,
       probe_id, forwarded_for, http_version, origin, origin_line, peer_ip
FROM hit
WHERE source_ip = ?3 AND received_at >= ?1 AND received_at < ?2
  AND (?4 IS NULL OR probe_id = ?4)
  AND (?5 = 0 OR id < ?5)
ORDER BY id DESC
LIMIT ?6;

-- name: oldest-hit
SELECT min(received_at) FROM hit;

-- name: select-imported-line
-- What an earlier import stored for line ?2 of origin ?1, to tell the same log from another.
SELECT received_at, source_ip, method, path FROM hit WHERE origin = ?1 AND origin_line = ?2;

-- name: select-origin-ending
-- An origin (imported access log) whose text ends with ?1, the digest of the log's first line.
-- Scans the origin index once per import: the same log under another path (a symlink, a
-- rotated copy) is found by its content.
SELECT origin FROM hit WHERE origin IS NOT NULL AND origin LIKE '%' || ?1 ESCAPE '\' LIMIT 1;

-- name: select-hit-keys-of-ip
-- The ids and times of one source IP's hits in a period after an id, by id: read from the
-- hit_source_ip index alone (it holds source_ip, received_at and the id), no table row.
-- Parameters: ip, since, until (epoch ms, inclusive/exclusive), after id, limit.
SELECT id, received_at
FROM hit
WHERE source_ip = ?1 AND received_at >= ?2 AND received_at < ?3
  AND id > ?4
ORDER BY id
LIMIT ?5;

-- name: select-hit-keys-of-ip-newest-first
SELECT id, received_at
FROM hit
WHERE source_ip = ?1 AND received_at >= ?2 AND received_at < ?3
  AND (?4 = 0 OR id < ?4)
ORDER BY id DESC
LIMIT ?5;

-- name: select-hit
SELECT id, received_at, source_ip, source_port, local_port, method, path, host, user_agent,
       probe_id, forwarded_for, http_version, origin, origin_line, peer_ip
FROM hit
WHERE id = ?1;

-- name: select-hits-with-ids
-- The hits whose ids the JSON array ?1 lists, in no particular order.
SELECT id, received_at, source_ip, source_port, local_port, method, path, host, user_agent,
       probe_id, forwarded_for, http_version, origin, origin_line, peer_ip
FROM hit
WHERE id IN (SELECT value FROM json_each(?1));

-- name: select-first-source-ip-between
-- The smallest source IP text in [?1, ?2): one seek in the hit_source_ip index. With
-- select-next-source-ip-between, the distinct source IPs of a text range are read with a seek
-- each (a skip scan), however many hits each has.
SELECT source_ip FROM hit WHERE source_ip >= ?1 AND source_ip < ?2 ORDER BY source_ip LIMIT 1;

-- name: select-next-source-ip-between
-- The smallest source IP text in (?1, ?2).
SELECT source_ip FROM hit WHERE source_ip > ?1 AND source_ip < ?2 ORDER BY source_ip LIMIT 1;
