-- hdo SQLite schema, version 4: visibility (workflow listing) and custom search attributes.

-- One row per run, written in the same transaction as the run's state (read-your-writes).
-- Times are nanoseconds since the Unix epoch (UTC); close_time and execution_duration are NULL
-- while the run is open. status is temporal.api.enums.v1.WorkflowExecutionStatus.
-- search_attributes is a JSON object of the predefined and custom attributes keyed by name, with
-- normalized values (Keyword/Text: string, Int: integer, Double: number, Bool: true/false,
-- Datetime: integer nanoseconds, KeywordList: array of strings): list filters read it.
-- search_attributes_payloads and memo are the serialized protos replies carry.
-- namespace_division is the TemporalNamespaceDivision attribute (NULL for user workflows), which
-- every list filters on implicitly; a generated column, so that the indexes below serve that
-- filter.
-- The Hugo WorkflowVisibilityRecord columns: state_transition_count is its logical clock,
-- replay_count counts workflow tasks delivered with full history after the first, attributes is
-- its string map (workflow.<custom attribute>, error.code, error.message).
CREATE TABLE executions_visibility (
  namespace_id               TEXT NOT NULL,
  run_id                     TEXT NOT NULL,
  workflow_id                TEXT NOT NULL,
  workflow_type_name         TEXT NOT NULL,
  task_queue                 TEXT NOT NULL,
  status                     INTEGER NOT NULL,
  start_time                 INTEGER NOT NULL,
  execution_time             INTEGER NOT NULL,
  close_time                 INTEGER,
  execution_duration         INTEGER,
  history_length             INTEGER NOT NULL,
  history_size_bytes         INTEGER NOT NULL,
  state_transition_count     INTEGER NOT NULL,
  replay_count               INTEGER NOT NULL DEFAULT 0,
  parent_workflow_id         TEXT,
  parent_run_id              TEXT,
  root_workflow_id           TEXT,
  root_run_id                TEXT,
  namespace_division         TEXT GENERATED ALWAYS AS
                               (json_extract(search_attributes, '$."TemporalNamespaceDivision"'))
                               STORED,
  memo                       BLOB,
  search_attributes          TEXT NOT NULL DEFAULT '{}',
  search_attributes_payloads BLOB,
  attributes                 TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (namespace_id, run_id)
);
-- The default order: open runs first, then close time and start time descending. An equality
-- on status or workflow type (and the implicit division IS NULL) keeps that order, so a page is
-- an index range scan, and counts are index-only.
CREATE INDEX executions_visibility_by_order ON executions_visibility
  (namespace_id, namespace_division, COALESCE(close_time, 9223372036854775807) DESC,
   start_time DESC, run_id DESC);
CREATE INDEX executions_visibility_by_status ON executions_visibility
  (namespace_id, namespace_division, status, COALESCE(close_time, 9223372036854775807) DESC,
   start_time DESC, run_id DESC);
CREATE INDEX executions_visibility_by_type ON executions_visibility
  (namespace_id, namespace_division, workflow_type_name,
   COALESCE(close_time, 9223372036854775807) DESC, start_time DESC, run_id DESC);
CREATE INDEX executions_visibility_by_workflow_id ON executions_visibility
  (namespace_id, workflow_id, start_time DESC);
CREATE INDEX executions_visibility_by_start_time ON executions_visibility
  (namespace_id, start_time DESC);
-- Custom attributes get an expression index each (json_extract of their key) when they are
-- added: see SqliteVisibilityStore::AddSearchAttributes.
-- Hugo's layout: the active runs per task queue, and the duration of completed runs.
CREATE INDEX executions_visibility_open_by_task_queue ON executions_visibility
  (namespace_id, task_queue) WHERE close_time IS NULL;
CREATE INDEX executions_visibility_closed_by_duration ON executions_visibility
  (namespace_id, execution_duration) WHERE close_time IS NOT NULL;

-- Custom search attributes per namespace (OperatorService.AddSearchAttributes); type is
-- temporal.api.enums.v1.IndexedValueType.
CREATE TABLE search_attributes (
  namespace_id TEXT NOT NULL,
  name         TEXT NOT NULL,
  type         INTEGER NOT NULL,
  PRIMARY KEY (namespace_id, name)
);

-- The Hugo WorkflowVisibilityRecord, with the column names of Hugo's visibility how-to, over the
-- table above: the documented operational queries run on it unchanged (docs/how-to/
-- workflow-visibility.md). status is Hugo's PascalCase name (Active for a running workflow);
-- started_at and completed_at are ISO 8601 UTC text.
CREATE VIEW workflow_visibility AS
SELECT n.name AS namespace,
       v.workflow_id AS workflow_id,
       v.run_id AS run_id,
       CASE v.status
         WHEN 1 THEN 'Active' WHEN 2 THEN 'Completed' WHEN 3 THEN 'Failed'
         WHEN 4 THEN 'Canceled' WHEN 5 THEN 'Terminated' WHEN 6 THEN 'ContinuedAsNew'
         WHEN 7 THEN 'TimedOut' ELSE 'Unspecified' END AS status,
       v.task_queue AS task_queue,
       json_extract(v.search_attributes, '$.TemporalScheduledById') AS schedule_id,
       NULL AS schedule_group,
       strftime('%Y-%m-%dT%H:%M:%fZ', v.start_time / 1000000000.0, 'unixepoch') AS started_at,
       CASE WHEN v.close_time IS NULL THEN NULL
            ELSE strftime('%Y-%m-%dT%H:%M:%fZ', v.close_time / 1000000000.0, 'unixepoch')
       END AS completed_at,
       v.state_transition_count AS logical_clock,
       v.replay_count AS replay_count,
       v.attributes AS attributes
FROM executions_visibility v JOIN namespaces n ON n.id = v.namespace_id;
