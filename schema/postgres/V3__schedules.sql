-- hdo PostgreSQL schema, version 3: schedules.
-- One row per schedule. `data` is a serialized hdo.persistence.v1.ScheduleState; version
-- grows with every change and guards updates (compare-and-set).
CREATE TABLE schedules (
  namespace_id   TEXT NOT NULL,
  schedule_id    TEXT NOT NULL,
  version        BIGINT NOT NULL,
  data           BYTEA NOT NULL,
  PRIMARY KEY (namespace_id, schedule_id)
);
