-- hdo PostgreSQL schema, version 6: worker deployments (worker versioning).
-- One row per worker deployment of a namespace. `data` is a serialized
-- hdo.persistence.v1.WorkerDeploymentRecord; version grows with every write and guards it
-- (compare-and-set).
CREATE TABLE worker_deployments (
  namespace_id     TEXT NOT NULL,
  deployment_name  TEXT NOT NULL,
  version          BIGINT NOT NULL,
  data             BYTEA NOT NULL,
  PRIMARY KEY (namespace_id, deployment_name)
);
