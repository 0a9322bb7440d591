-- The intervals of one object, for live observations: when an object reappears, its new interval
-- must not start before its last one ended, and finding that end should not scan the cluster.
CREATE INDEX cluster_object_ref ON cluster_object (cluster, kind, namespace, name, valid_to);
