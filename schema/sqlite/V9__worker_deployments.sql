-- hdo SQLite schema, version 9: worker deployments (worker versioning).
-- One row per worker deployment of a namespace (created by the first poll of a VERSIONED worker,
-- or by SetWorkerDeploymentCurrent/RampingVersion with allow_no_pollers). `data` is a serialized
-- hdo.persistence.v1.WorkerDeploymentRecord: the routing config, the versions with their task
-- queues, drainage and metadata; version grows with every write and guards it (compare-and-set).
-- The registry loads every row at startup (frontend/worker_deployments.h).
CREATE TABLE worker_deployments (
  namespace_id     TEXT NOT NULL,
  deployment_name  TEXT NOT NULL,
  version          INTEGER NOT NULL,
  data             BLOB NOT NULL,
  PRIMARY KEY (namespace_id, deployment_name)
) WITHOUT ROWID;
