-- hdo MySQL 8 / MariaDB schema, version 1: cluster metadata, history shards, namespaces,
-- workflow runs, their history and the transfer and timer outboxes. Forward-only; a later change
-- is a new file V<N>__<what>.sql. Applied by `hdo admin schema migrate --db <dsn>` (and by the
-- server on an empty database); Flyway-named. Visibility: V2__visibility.sql. MySQL commits DDL
-- implicitly, so the statements are written to be re-runnable (IF NOT EXISTS): a migration cut
-- short is completed by running it again. Ids compare case-sensitively (binary collation), as
-- Temporal's do.

CREATE TABLE IF NOT EXISTS cluster_metadata (
  `key`   VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  `value` TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per history shard; range_id grows each time a server takes the shard, and every write
-- of the owner checks it (SELECT ... LOCK IN SHARE MODE in the write's transaction).
CREATE TABLE IF NOT EXISTS shards (
  shard_id    INT NOT NULL PRIMARY KEY,
  range_id    BIGINT NOT NULL,
  owner       VARCHAR(255) NOT NULL,
  acquired_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS namespaces (
  id                   VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  name                 VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  notification_version BIGINT NOT NULL,
  data                 LONGBLOB NOT NULL,
  UNIQUE KEY namespaces_by_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS executions (
  namespace_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  workflow_id  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  run_id       VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  db_version   BIGINT NOT NULL,
  state        LONGBLOB NOT NULL,
  PRIMARY KEY (namespace_id, workflow_id, run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS current_executions (
  namespace_id      VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  workflow_id       VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  run_id            VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  create_request_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  status            INT NOT NULL,
  PRIMARY KEY (namespace_id, workflow_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS history_batches (
  namespace_id   VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  run_id         VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  first_event_id BIGINT NOT NULL,
  last_event_id  BIGINT NOT NULL,
  data           LONGBLOB NOT NULL,
  PRIMARY KEY (namespace_id, run_id, first_event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS transfer_tasks (
  task_id BIGINT NOT NULL PRIMARY KEY,
  data    LONGBLOB NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS timer_tasks (
  task_id   BIGINT NOT NULL PRIMARY KEY,
  fire_time BIGINT NOT NULL,
  data      LONGBLOB NOT NULL,
  KEY timer_tasks_by_fire_time (fire_time, task_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
