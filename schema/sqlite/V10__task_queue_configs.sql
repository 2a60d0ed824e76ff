-- hdo SQLite schema, version 10: task queue configurations (UpdateTaskQueueConfig).
-- One row per (namespace, task queue, task queue type) whose configuration was ever set. The row
-- id is "<type number>/<task queue name>"; `data` is a serialized
-- temporal.api.taskqueue.v1.TaskQueueConfig (the queue rate limit, the fairness key rate limit
-- default and the fairness weight overrides, each with who set it, when and why); version grows
-- with every write and guards it (compare-and-set). The registry loads every row at startup
-- (frontend/task_queue_configs.h).
CREATE TABLE task_queue_configs (
  namespace_id  TEXT NOT NULL,
  task_queue    TEXT NOT NULL,
  version       INTEGER NOT NULL,
  data          BLOB NOT NULL,
  PRIMARY KEY (namespace_id, task_queue)
) WITHOUT ROWID;
