-- hdo MySQL/MariaDB schema, version 2: visibility (workflow listing) and custom search attributes.
-- The same layout as SQLite's V4 (schema/sqlite/V4__visibility.sql, docs/architecture/
-- visibility.md), in syntax both MySQL 8.0.19+ and MariaDB 10.11 take; what differs is noted here.

-- One row per run, written in the same transaction as the run's state (read-your-writes).
-- Times are nanoseconds since the Unix epoch (UTC); close_time and execution_duration are NULL
-- while the run is open. status is temporal.api.enums.v1.WorkflowExecutionStatus.
-- search_attributes is a JSON object of the predefined and custom attributes keyed by name, with
-- normalized values (Keyword/Text: string, Int: integer, Double: number, Bool: true/false,
-- Datetime: integer nanoseconds, KeywordList: array of strings): list filters read it
-- (visibility/query.h, Dialect::kMysql). search_attributes_payloads and memo are the serialized
-- protos replies carry. namespace_division is the TemporalNamespaceDivision attribute (NULL for
-- user workflows), which every list filters on implicitly, and close_time_or_end the sort key of
-- the default order (close_time, or the largest BIGINT while open): generated columns, because
-- MariaDB has no expression indexes, so that the indexes below serve that filter and that order.
-- Text compares bytewise (utf8mb4_bin), as Temporal's ids and SQLite do. namespace_id and run_id
-- are ASCII (hdo makes them: UUIDs), so that the indexes that hold them with the workflow type and
-- the division stay within InnoDB's 3072-byte key.
CREATE TABLE executions_visibility (
  namespace_id               VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  run_id                     VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  workflow_id                VARCHAR(255) NOT NULL,
  workflow_type_name         VARCHAR(255) NOT NULL,
  task_queue                 VARCHAR(255) NOT NULL,
  status                     INT NOT NULL,
  start_time                 BIGINT NOT NULL,
  execution_time             BIGINT NOT NULL,
  close_time                 BIGINT,
  execution_duration         BIGINT,
  history_length             BIGINT NOT NULL,
  history_size_bytes         BIGINT NOT NULL,
  state_transition_count     BIGINT NOT NULL,
  replay_count               BIGINT NOT NULL DEFAULT 0,
  parent_workflow_id         VARCHAR(255),
  parent_run_id              VARCHAR(255),
  root_workflow_id           VARCHAR(255),
  root_run_id                VARCHAR(255),
  memo                       LONGBLOB,
  search_attributes          JSON NOT NULL,
  search_attributes_payloads LONGBLOB,
  attributes                 JSON NOT NULL,
  namespace_division         VARCHAR(255) GENERATED ALWAYS AS
                               (JSON_UNQUOTE(JSON_EXTRACT(search_attributes,
                                                         '$."TemporalNamespaceDivision"'))) STORED,
  close_time_or_end          BIGINT GENERATED ALWAYS AS
                               (COALESCE(close_time, 9223372036854775807)) STORED,
  PRIMARY KEY (namespace_id, run_id),
  -- The default order: open runs first, then close time and start time descending. An equality
  -- on status or workflow type (and the implicit division IS NULL) keeps that order, so a page
  -- is an index range scan, and counts are index-only.
  INDEX executions_visibility_by_order
    (namespace_id, namespace_division, close_time_or_end DESC, start_time DESC, run_id DESC),
  INDEX executions_visibility_by_status
    (namespace_id, namespace_division, status, close_time_or_end DESC, start_time DESC,
     run_id DESC),
  INDEX executions_visibility_by_type
    (namespace_id, namespace_division, workflow_type_name, close_time_or_end DESC,
     start_time DESC, run_id DESC),
  INDEX executions_visibility_by_workflow_id (namespace_id, workflow_id, start_time DESC),
  INDEX executions_visibility_by_start_time (namespace_id, start_time DESC),
  -- Hugo's layout: the active runs per task queue (close_time IS NULL is a range of this index;
  -- neither engine has partial indexes), and the duration of completed runs.
  INDEX executions_visibility_by_task_queue (namespace_id, task_queue, close_time),
  INDEX executions_visibility_by_duration (namespace_id, execution_duration)
) ENGINE=InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
-- Custom attributes are read from the JSON without an index of their own (MariaDB has no
-- expression indexes, and a generated column per attribute would rebuild the table).

-- Custom search attributes per namespace (OperatorService.AddSearchAttributes); type is
-- temporal.api.enums.v1.IndexedValueType.
CREATE TABLE search_attributes (
  namespace_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name         VARCHAR(255) NOT NULL,
  type         INT NOT NULL,
  PRIMARY KEY (namespace_id, name)
) ENGINE=InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- The words of a Text value for hdo_text_match: runs of ASCII letters and digits and of non-ASCII
-- characters (their first UTF-8 byte is >= 0x80), ASCII letters lowered (not LOWER(), which would
-- fold non-ASCII letters too), each after one space: ' word1 word2'.
CREATE FUNCTION hdo_text_words(value LONGTEXT CHARACTER SET utf8mb4)
RETURNS LONGTEXT CHARACTER SET utf8mb4
DETERMINISTIC NO SQL
BEGIN
  DECLARE words LONGTEXT CHARACTER SET utf8mb4 DEFAULT '';
  DECLARE in_word BOOLEAN DEFAULT FALSE;
  DECLARE i INT DEFAULT 1;
  DECLARE n INT DEFAULT CHAR_LENGTH(value);
  DECLARE c VARCHAR(1) CHARACTER SET utf8mb4;
  DECLARE b INT;
  WHILE i <= n DO
    SET c = SUBSTRING(value, i, 1);
    SET b = ASCII(c);
    IF b >= 128 OR (b >= 48 AND b <= 57) OR (b >= 97 AND b <= 122) OR (b >= 65 AND b <= 90) THEN
      IF NOT in_word THEN
        SET words = CONCAT(words, ' ');
        SET in_word = TRUE;
      END IF;
      IF b >= 65 AND b <= 90 THEN
        SET c = CHAR(b + 32 USING utf8mb4);
      END IF;
      SET words = CONCAT(words, c);
    ELSE
      SET in_word = FALSE;
    END IF;
    SET i = i + 1;
  END WHILE;
  RETURN words;
END;

-- The Text match of list filters (visibility::TextMatches): true (1) when any word of `query` is
-- a word of `field`, compared bytewise; 0 when either is NULL or `query` has no word.
CREATE FUNCTION hdo_text_match(field LONGTEXT CHARACTER SET utf8mb4,
                               query LONGTEXT CHARACTER SET utf8mb4)
RETURNS TINYINT
DETERMINISTIC NO SQL
BEGIN
  DECLARE field_words LONGBLOB;
  DECLARE wanted LONGBLOB;
  DECLARE word LONGBLOB;
  DECLARE space INT;
  IF field IS NULL OR query IS NULL THEN
    RETURN 0;
  END IF;
  SET field_words = CAST(CONCAT(hdo_text_words(field), ' ') AS BINARY);
  SET wanted = CAST(hdo_text_words(query) AS BINARY);
  WHILE LENGTH(wanted) > 0 DO
    SET wanted = SUBSTRING(wanted, 2);
    SET space = LOCATE(' ', wanted);
    IF space = 0 THEN
      SET word = wanted;
      SET wanted = '';
    ELSE
      SET word = LEFT(wanted, space - 1);
      SET wanted = SUBSTRING(wanted, space);
    END IF;
    IF LOCATE(CONCAT(' ', word, ' '), field_words) > 0 THEN
      RETURN 1;
    END IF;
  END WHILE;
  RETURN 0;
END;

-- The Hugo WorkflowVisibilityRecord, with the column names of Hugo's visibility how-to, over the
-- table above (docs/how-to/workflow-visibility.md). status is Hugo's PascalCase name (Active for
-- a running workflow); started_at and completed_at are ISO 8601 UTC text with milliseconds, as on
-- SQLite, whatever the session's time zone.
CREATE VIEW workflow_visibility AS
SELECT n.name AS namespace,
       v.workflow_id AS workflow_id,
       v.run_id AS run_id,
       CASE v.status
         WHEN 1 THEN 'Active' WHEN 2 THEN 'Completed' WHEN 3 THEN 'Failed'
         WHEN 4 THEN 'Canceled' WHEN 5 THEN 'Terminated' WHEN 6 THEN 'ContinuedAsNew'
         WHEN 7 THEN 'TimedOut' ELSE 'Unspecified' END AS status,
       v.task_queue AS task_queue,
       JSON_UNQUOTE(JSON_EXTRACT(v.search_attributes, '$."TemporalScheduledById"')) AS schedule_id,
       CAST(NULL AS CHAR) AS schedule_group,
       CONCAT(LEFT(DATE_FORMAT(TIMESTAMPADD(MICROSECOND, v.start_time DIV 1000,
                                            '1970-01-01 00:00:00'),
                               '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z') AS started_at,
       CONCAT(LEFT(DATE_FORMAT(TIMESTAMPADD(MICROSECOND, v.close_time DIV 1000,
                                            '1970-01-01 00:00:00'),
                               '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z') AS completed_at,
       v.state_transition_count AS logical_clock,
       v.replay_count AS replay_count,
       v.attributes AS attributes
FROM executions_visibility v JOIN namespaces n ON n.id = v.namespace_id;
