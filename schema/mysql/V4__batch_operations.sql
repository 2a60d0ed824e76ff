-- hdo MySQL/MariaDB schema, version 4: batch operations.
-- One row per batch job (StartBatchOperation). `data` is a serialized
-- hdo.persistence.v1.BatchOperationState; version grows with every change and guards updates
-- (compare-and-set).
CREATE TABLE IF NOT EXISTS batch_operations (
  namespace_id   VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  job_id         VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  version        BIGINT NOT NULL,
  data           LONGBLOB NOT NULL,
  PRIMARY KEY (namespace_id, job_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
