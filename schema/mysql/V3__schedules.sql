-- hdo MySQL/MariaDB schema, version 3: schedules.
-- One row per schedule. `data` is a serialized hdo.persistence.v1.ScheduleState; version
-- grows with every change and guards updates (compare-and-set).
CREATE TABLE IF NOT EXISTS schedules (
  namespace_id   VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  schedule_id    VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  version        BIGINT NOT NULL,
  data           LONGBLOB NOT NULL,
  PRIMARY KEY (namespace_id, schedule_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
