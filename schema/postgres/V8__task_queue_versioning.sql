-- hdo PostgreSQL schema, version 8: build-id versioning of task queues (worker versioning v0.1
-- and v0.2). One row per (namespace, task queue) whose version sets or rules were ever set;
-- `data` is a serialized hdo.persistence.v1.TaskQueueVersioningRecord; version grows with every
-- write and guards it (compare-and-set).
CREATE TABLE task_queue_versioning (
  namespace_id  TEXT NOT NULL,
  task_queue    TEXT NOT NULL,
  version       BIGINT NOT NULL,
  data          BYTEA NOT NULL,
  PRIMARY KEY (namespace_id, task_queue)
);
