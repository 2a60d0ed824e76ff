-- hdo SQLite schema, version 5: the timer outbox without its fire-time index.

-- The engine loads every timer task when it starts (by task id) and keeps them due-ordered in
-- memory; nothing reads timer_tasks by fire time. The index cost two b-tree writes per timer
-- (each workflow task and activity attempt arms one): measured in docs/performance.md.
DROP INDEX IF EXISTS timer_tasks_by_fire_time;
