-- hdo MySQL/MariaDB schema, version 8: build-id versioning of task queues (worker versioning
-- v0.1 and v0.2). One row per (namespace, task queue) whose version sets or rules were ever set;
-- `data` is a serialized hdo.persistence.v1.TaskQueueVersioningRecord; version grows with every
-- write and guards it (compare-and-set). The task queue is bytes: a name of up to 1000
-- characters fits the key.
CREATE TABLE IF NOT EXISTS task_queue_versioning (
  namespace_id  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  task_queue    VARBINARY(1024) NOT NULL,
  version       BIGINT NOT NULL,
  data          LONGBLOB NOT NULL,
  PRIMARY KEY (namespace_id, task_queue)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
