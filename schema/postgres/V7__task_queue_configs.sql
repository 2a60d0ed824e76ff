-- hdo PostgreSQL schema, version 7: task queue configurations (UpdateTaskQueueConfig).
-- One row per (namespace, task queue, task queue type) whose configuration was ever set; the row
-- id is "<type number>/<task queue name>". `data` is a serialized
-- temporal.api.taskqueue.v1.TaskQueueConfig; version grows with every write and guards it
-- (compare-and-set).
CREATE TABLE task_queue_configs (
  namespace_id  TEXT NOT NULL,
  task_queue    TEXT NOT NULL,
  version       BIGINT NOT NULL,
  data          BYTEA NOT NULL,
  PRIMARY KEY (namespace_id, task_queue)
);
