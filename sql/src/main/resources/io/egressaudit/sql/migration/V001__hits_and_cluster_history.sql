-- Every request the hit listener answered, and every line imported from an access log.
CREATE TABLE hit (
  id            INTEGER PRIMARY KEY,
  received_at   INTEGER NOT NULL,  -- epoch milliseconds, UTC
  source_ip     TEXT    NOT NULL,  -- canonical text: dotted quad or RFC 5952 IPv6
  source_port   INTEGER,
  local_port    INTEGER,
  method        TEXT,
  path          TEXT,
  host          TEXT,
  user_agent    TEXT,
  probe_id      TEXT,
  forwarded_for TEXT,              -- X-Forwarded-For / Forwarded as sent: an untrusted claim
  http_version  TEXT,
  origin        TEXT,              -- NULL for the hit listener; the access-log file for imports
  origin_line   INTEGER            -- line number within origin
);
CREATE INDEX hit_received_at ON hit (received_at);
CREATE INDEX hit_source_ip ON hit (source_ip, received_at);
CREATE INDEX hit_probe_id ON hit (probe_id) WHERE probe_id IS NOT NULL;
CREATE UNIQUE INDEX hit_origin_line ON hit (origin, origin_line) WHERE origin IS NOT NULL;

-- History of the cluster objects attribution needs: one row per state of an object,
-- valid over [valid_from, valid_to); valid_to NULL means still valid.
CREATE TABLE cluster_object (
  id          INTEGER PRIMARY KEY,
  cluster     TEXT    NOT NULL,
  kind        TEXT    NOT NULL,  -- Node, Namespace, Pod, EgressIP
  namespace   TEXT    NOT NULL DEFAULT '',
  name        TEXT    NOT NULL,
  valid_from  INTEGER NOT NULL,  -- epoch milliseconds, UTC
  valid_to    INTEGER,
  body        TEXT    NOT NULL   -- JSON of the correlator's state record
);
CREATE UNIQUE INDEX cluster_object_current
  ON cluster_object (cluster, kind, namespace, name) WHERE valid_to IS NULL;
CREATE INDEX cluster_object_validity ON cluster_object (cluster, valid_from, valid_to);

-- Each snapshot import or observation batch: where history came from.
CREATE TABLE cluster_import (
  id          INTEGER PRIMARY KEY,
  cluster     TEXT    NOT NULL,
  at          INTEGER NOT NULL,  -- the time the state is valid from, epoch ms
  source      TEXT    NOT NULL,  -- file path, or informer
  recorded_at INTEGER NOT NULL,
  opened      INTEGER NOT NULL,
  closed      INTEGER NOT NULL,
  unchanged   INTEGER NOT NULL
);
CREATE INDEX cluster_import_cluster_at ON cluster_import (cluster, at);
