-- hdo PostgreSQL schema, version 2: visibility (workflow listing) and custom search attributes.
-- The same layout as SQLite's V4 (schema/sqlite/V4__visibility.sql, docs/architecture/
-- visibility.md); what differs is noted here.

-- One row per run, written in the same transaction as the run's state (read-your-writes).
-- Times are nanoseconds since the Unix epoch (UTC); close_time and execution_duration are NULL
-- while the run is open. status is temporal.api.enums.v1.WorkflowExecutionStatus.
-- search_attributes is a JSONB object of the predefined and custom attributes keyed by name, with
-- normalized values (Keyword/Text: string, Int: integer, Double: number, Bool: true/false,
-- Datetime: integer nanoseconds, KeywordList: array of strings): list filters read it
-- (visibility/query.h, Dialect::kPostgres). search_attributes_payloads and memo are the
-- serialized protos replies carry. namespace_division is the TemporalNamespaceDivision attribute
-- (NULL for user workflows), which every list filters on implicitly: a generated column, so that
-- the indexes below serve that filter. Text columns compare bytewise (COLLATE "C"), as Temporal's
-- ids and SQLite do, whatever the database's default collation.
CREATE TABLE executions_visibility (
  namespace_id               TEXT COLLATE "C" NOT NULL,
  run_id                     TEXT COLLATE "C" NOT NULL,
  workflow_id                TEXT COLLATE "C" NOT NULL,
  workflow_type_name         TEXT COLLATE "C" NOT NULL,
  task_queue                 TEXT COLLATE "C" NOT NULL,
  status                     INTEGER NOT NULL,
  start_time                 BIGINT NOT NULL,
  execution_time             BIGINT NOT NULL,
  close_time                 BIGINT,
  execution_duration         BIGINT,
  history_length             BIGINT NOT NULL,
  history_size_bytes         BIGINT NOT NULL,
  state_transition_count     BIGINT NOT NULL,
  replay_count               BIGINT NOT NULL DEFAULT 0,
  parent_workflow_id         TEXT COLLATE "C",
  parent_run_id              TEXT COLLATE "C",
  root_workflow_id           TEXT COLLATE "C",
  root_run_id                TEXT COLLATE "C",
  namespace_division         TEXT COLLATE "C" GENERATED ALWAYS AS
                               (search_attributes ->> 'TemporalNamespaceDivision') STORED,
  memo                       BYTEA,
  search_attributes          JSONB NOT NULL DEFAULT '{}',
  search_attributes_payloads BYTEA,
  attributes                 JSONB NOT NULL DEFAULT '{}',
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
-- Custom attributes get an expression index each (the expression of
-- visibility::PostgresJsonField for their type) when they are added: see SqlVisibilityStore.
-- Hugo's layout: the active runs per task queue, and the duration of completed runs.
CREATE INDEX executions_visibility_open_by_task_queue ON executions_visibility
  (namespace_id, task_queue) WHERE close_time IS NULL;
CREATE INDEX executions_visibility_closed_by_duration ON executions_visibility
  (namespace_id, execution_duration) WHERE close_time IS NOT NULL;

-- Custom search attributes per namespace (OperatorService.AddSearchAttributes); type is
-- temporal.api.enums.v1.IndexedValueType.
CREATE TABLE search_attributes (
  namespace_id TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  type         INTEGER NOT NULL,
  PRIMARY KEY (namespace_id, name)
);

-- The Text match of list filters (visibility::TextMatches): both sides are cut into words, runs
-- of ASCII letters and digits and of non-ASCII characters (their UTF-8 bytes are >= 0x80),
-- compared without ASCII case (translate, not lower(): lower() would fold non-ASCII letters too);
-- true when any word of `query` is a word of `field`; false when either is NULL.
CREATE FUNCTION hdo_text_match(field TEXT, query TEXT) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT EXISTS (
    SELECT 1
    FROM regexp_split_to_table(
           translate(query, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
           '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+') AS q(word)
    WHERE q.word <> ''
      AND q.word IN (
        SELECT f.word
        FROM regexp_split_to_table(
               translate(field, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
               '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+') AS f(word)))
$$;

-- The Hugo WorkflowVisibilityRecord, with the column names of Hugo's visibility how-to, over the
-- table above (docs/how-to/workflow-visibility.md). status is Hugo's PascalCase name (Active for
-- a running workflow); started_at and completed_at are ISO 8601 UTC text with milliseconds, as on
-- SQLite; attributes is the JSON text of the string map.
CREATE VIEW workflow_visibility AS
SELECT n.name AS namespace,
       v.workflow_id AS workflow_id,
       v.run_id AS run_id,
       CASE v.status
         WHEN 1 THEN 'Active' WHEN 2 THEN 'Completed' WHEN 3 THEN 'Failed'
         WHEN 4 THEN 'Canceled' WHEN 5 THEN 'Terminated' WHEN 6 THEN 'ContinuedAsNew'
         WHEN 7 THEN 'TimedOut' ELSE 'Unspecified' END AS status,
       v.task_queue AS task_queue,
       v.search_attributes ->> 'TemporalScheduledById' AS schedule_id,
       CAST(NULL AS TEXT) AS schedule_group,
       to_char(to_timestamp(v.start_time / 1000000000.0) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
       to_char(to_timestamp(v.close_time / 1000000000.0) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS completed_at,
       v.state_transition_count AS logical_clock,
       v.replay_count AS replay_count,
       CAST(v.attributes AS TEXT) AS attributes
FROM executions_visibility v JOIN namespaces n ON n.id = v.namespace_id;
