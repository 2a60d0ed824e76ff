-- hdo SQLite schema, version 2: workflow runs, their history and the transfer outbox.

-- One row per run. `state` is a serialized hdo.persistence.v1.MutableState; db_version grows by
-- one with every write and guards it (compare-and-set).
CREATE TABLE executions (
  namespace_id TEXT NOT NULL,
  workflow_id  TEXT NOT NULL,
  run_id       TEXT NOT NULL,
  db_version   INTEGER NOT NULL,
  state        BLOB NOT NULL,
  PRIMARY KEY (namespace_id, workflow_id, run_id)
);

-- The current (latest) run of each workflow id: id reuse and conflict policies, run-less lookups.
CREATE TABLE current_executions (
  namespace_id      TEXT NOT NULL,
  workflow_id       TEXT NOT NULL,
  run_id            TEXT NOT NULL,
  create_request_id TEXT NOT NULL,
  status            INTEGER NOT NULL,
  PRIMARY KEY (namespace_id, workflow_id)
);

-- History events in batches, one row per batch written by one transition; `data` is a serialized
-- temporal.api.history.v1.History holding events first_event_id..last_event_id.
CREATE TABLE history_batches (
  namespace_id   TEXT NOT NULL,
  run_id         TEXT NOT NULL,
  first_event_id INTEGER NOT NULL,
  last_event_id  INTEGER NOT NULL,
  data           BLOB NOT NULL,
  PRIMARY KEY (namespace_id, run_id, first_event_id)
);

-- Transfer tasks (outbox), written in the transaction of the events that caused them; `data` is
-- a serialized hdo.persistence.v1.TransferTask.
CREATE TABLE transfer_tasks (
  task_id INTEGER PRIMARY KEY AUTOINCREMENT,
  data    BLOB NOT NULL
);
