-- hdo PostgreSQL schema, version 4: batch operations.
-- One row per batch job (StartBatchOperation). `data` is a serialized
-- hdo.persistence.v1.BatchOperationState; version grows with every change and guards updates
-- (compare-and-set).
CREATE TABLE batch_operations (
  namespace_id   TEXT NOT NULL,
  job_id         TEXT NOT NULL,
  version        BIGINT NOT NULL,
  data           BYTEA NOT NULL,
  PRIMARY KEY (namespace_id, job_id)
);
