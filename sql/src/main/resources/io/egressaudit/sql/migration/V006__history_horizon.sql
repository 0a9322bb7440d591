-- The prune horizon of each cluster's history: retention deleted intervals that ended at or before
-- pruned_before (epoch ms; the latest end among them), so the state at a time before it is no
-- longer whole. History is reported as starting at the later of this and the first interval kept.
CREATE TABLE history_horizon (
  cluster       TEXT    PRIMARY KEY,
  pruned_before INTEGER NOT NULL  -- epoch ms; only grows
) WITHOUT ROWID;
