-- hdo MySQL/MariaDB schema, version 7: task queue configurations (UpdateTaskQueueConfig).
-- One row per (namespace, task queue, task queue type) whose configuration was ever set; the row
-- id is "<type number>/<task queue name>". `data` is a serialized
-- temporal.api.taskqueue.v1.TaskQueueConfig; version grows with every write and guards it
-- (compare-and-set). The task queue is bytes: a name of up to 1000 characters fits the key.
CREATE TABLE IF NOT EXISTS task_queue_configs (
  namespace_id  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  task_queue    VARBINARY(1024) NOT NULL,
  version       BIGINT NOT NULL,
  data          LONGBLOB NOT NULL,
  PRIMARY KEY (namespace_id, task_queue)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
