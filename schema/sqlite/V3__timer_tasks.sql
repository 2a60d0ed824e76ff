-- hdo SQLite schema, version 3: the timer outbox.

-- Timer tasks (workflow task and activity timeouts, user timers, retries, run timeouts), written
-- in the transaction of the events that caused them and loaded when the server starts; `data` is
-- a serialized hdo.persistence.v1.TimerTask. Task ids come from the same sequence as transfer
-- tasks. fire_time is milliseconds since the Unix epoch.
CREATE TABLE timer_tasks (
  task_id   INTEGER PRIMARY KEY,
  fire_time INTEGER NOT NULL,
  data      BLOB NOT NULL
);
CREATE INDEX timer_tasks_by_fire_time ON timer_tasks (fire_time, task_id);
