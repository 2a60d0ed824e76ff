-- hdo SQLite schema, version 6: schedules.
-- One row per schedule. `data` is a serialized hdo.persistence.v1.ScheduleState (the schedule,
-- its info, memo and search attributes, what is buffered); version grows with every
-- change and guards updates (compare-and-set).
CREATE TABLE schedules (
  namespace_id   TEXT NOT NULL,
  schedule_id    TEXT NOT NULL,
  version        INTEGER NOT NULL,
  data           BLOB NOT NULL,
  PRIMARY KEY (namespace_id, schedule_id)
) WITHOUT ROWID;
