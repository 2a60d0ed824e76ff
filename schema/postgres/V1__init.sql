-- hdo PostgreSQL schema, version 1: cluster metadata, history shards, namespaces, workflow runs,
-- their history and the transfer and timer outboxes. Forward-only; a later change is a new file
-- V<N>__<what>.sql. Applied by `hdo admin schema migrate --db <dsn>` (and by the server on an
-- empty database); the file names follow Flyway's convention. Visibility: V2__visibility.sql.

-- Cluster-wide settings fixed at creation, e.g. history_shards.
CREATE TABLE cluster_metadata (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per history shard. range_id grows each time a server takes the shard; every write of
-- the shard's owner checks it (SELECT ... FOR SHARE in the write's transaction), so a server
-- that lost the shard can never commit again.
CREATE TABLE shards (
  shard_id    INTEGER PRIMARY KEY,
  range_id    BIGINT NOT NULL,
  owner       TEXT NOT NULL,
  acquired_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per namespace; `data` is a serialized DescribeNamespaceResponse; notification_version
-- guards updates (compare-and-set).
CREATE TABLE namespaces (
  id                   TEXT PRIMARY KEY,
  name                 TEXT NOT NULL UNIQUE,
  notification_version BIGINT NOT NULL,
  data                 BYTEA NOT NULL
);

-- One row per run; `state` is a serialized hdo.persistence.v1.MutableState; db_version guards
-- every write (compare-and-set).
CREATE TABLE executions (
  namespace_id TEXT NOT NULL,
  workflow_id  TEXT NOT NULL,
  run_id       TEXT NOT NULL,
  db_version   BIGINT NOT NULL,
  state        BYTEA NOT NULL,
  PRIMARY KEY (namespace_id, workflow_id, run_id)
);

-- The current (latest) run of each workflow id.
CREATE TABLE current_executions (
  namespace_id      TEXT NOT NULL,
  workflow_id       TEXT NOT NULL,
  run_id            TEXT NOT NULL,
  create_request_id TEXT NOT NULL,
  status            INTEGER NOT NULL,
  PRIMARY KEY (namespace_id, workflow_id)
);

-- History events in batches (one row per transition); `data` is a serialized History.
CREATE TABLE history_batches (
  namespace_id   TEXT NOT NULL,
  run_id         TEXT NOT NULL,
  first_event_id BIGINT NOT NULL,
  last_event_id  BIGINT NOT NULL,
  data           BYTEA NOT NULL,
  PRIMARY KEY (namespace_id, run_id, first_event_id)
);

-- Transfer tasks (outbox), written in the transaction of the events that caused them. Task ids
-- are allocated by the shard's owner above range_id << 32.
CREATE TABLE transfer_tasks (
  task_id BIGINT PRIMARY KEY,
  data    BYTEA NOT NULL
);

-- Timer tasks; fire_time is milliseconds since the Unix epoch.
CREATE TABLE timer_tasks (
  task_id   BIGINT PRIMARY KEY,
  fire_time BIGINT NOT NULL,
  data      BYTEA NOT NULL
);
CREATE INDEX timer_tasks_by_fire_time ON timer_tasks (fire_time, task_id);
