-- hdo MySQL/MariaDB schema, version 6: worker deployments (worker versioning).
-- One row per worker deployment of a namespace. `data` is a serialized
-- hdo.persistence.v1.WorkerDeploymentRecord; version grows with every write and guards it
-- (compare-and-set).
CREATE TABLE IF NOT EXISTS worker_deployments (
  namespace_id     VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  deployment_name  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  version          BIGINT NOT NULL,
  data             LONGBLOB NOT NULL,
  PRIMARY KEY (namespace_id, deployment_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
