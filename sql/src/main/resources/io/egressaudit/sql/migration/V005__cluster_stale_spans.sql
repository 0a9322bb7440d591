-- Spans during which a live cluster's view was stale (a watch down: API unreachable, 401/403,
-- watch errors), so that answers about a time inside one can say so. A span is open (until NULL)
-- while the cluster is stale.
CREATE TABLE cluster_stale (
  id      INTEGER PRIMARY KEY,
  cluster TEXT    NOT NULL,
  since   INTEGER NOT NULL,  -- when the watch went down, epoch ms
  until   INTEGER,           -- when the relist synced it again, epoch ms; NULL while stale
  reason  TEXT    NOT NULL
);
CREATE INDEX cluster_stale_cluster ON cluster_stale (cluster, since);
CREATE UNIQUE INDEX cluster_stale_open ON cluster_stale (cluster) WHERE until IS NULL;
