-- hdo SQLite schema, version 11: build-id versioning of task queues (worker versioning v0.1 and
-- v0.2: UpdateWorkerBuildIdCompatibility, UpdateWorkerVersioningRules). One row per (namespace,
-- task queue) whose version sets or rules were ever set; `data` is a serialized
-- hdo.persistence.v1.TaskQueueVersioningRecord; version grows with every write and guards it
-- (compare-and-set). The registry loads every row at startup (frontend/build_id_versioning.h).
CREATE TABLE task_queue_versioning (
  namespace_id  TEXT NOT NULL,
  task_queue    TEXT NOT NULL,
  version       INTEGER NOT NULL,
  data          BLOB NOT NULL,
  PRIMARY KEY (namespace_id, task_queue)
) WITHOUT ROWID;
