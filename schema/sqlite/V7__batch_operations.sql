-- hdo SQLite schema, version 7: batch operations.
-- One row per batch job (StartBatchOperation). `data` is a serialized
-- hdo.persistence.v1.BatchOperationState (the request, its state, counts and the page it is
-- working through); version grows with every change and guards updates (compare-and-set).
CREATE TABLE batch_operations (
  namespace_id   TEXT NOT NULL,
  job_id         TEXT NOT NULL,
  version        INTEGER NOT NULL,
  data           BLOB NOT NULL,
  PRIMARY KEY (namespace_id, job_id)
) WITHOUT ROWID;
