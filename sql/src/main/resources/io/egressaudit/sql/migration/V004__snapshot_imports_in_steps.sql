-- A snapshot import writes its rows in many short transactions, so that the hit writer never waits
-- long behind it. Until the import's last transaction, readers do not see what it wrote: rows it
-- inserted are hidden and rows it closed still count as open. AUTOINCREMENT: an id is never reused,
-- so a row tagged by an import that finished (or was rolled back) can never look pending again.
CREATE TABLE cluster_import_pending (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  cluster     TEXT    NOT NULL,
  at          INTEGER NOT NULL,  -- the time the snapshot is valid from, epoch ms
  source      TEXT    NOT NULL,
  pid         INTEGER NOT NULL,  -- the writing process: a crashed import is rolled back
  progress_at INTEGER NOT NULL   -- wall clock of its last transaction, epoch ms
);
CREATE INDEX cluster_import_pending_cluster ON cluster_import_pending (cluster);

-- The pending import that inserted the row, and the one that set its valid_to.
ALTER TABLE cluster_object ADD COLUMN opened_by INTEGER;
ALTER TABLE cluster_object ADD COLUMN closed_by INTEGER;
CREATE INDEX cluster_object_opened_by ON cluster_object (opened_by) WHERE opened_by IS NOT NULL;
CREATE INDEX cluster_object_closed_by ON cluster_object (closed_by) WHERE closed_by IS NOT NULL;
