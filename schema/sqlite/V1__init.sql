-- hdo SQLite schema, version 1: cluster metadata and namespaces.
-- Forward-only; a later change is a new file V2__<what>.sql. Applied by hdo at startup and by
-- `hdo admin schema migrate`; the file name follows Flyway's convention.

CREATE TABLE cluster_metadata (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);

-- One row per namespace. `data` is a serialized temporal.api.workflowservice.v1.
-- DescribeNamespaceResponse: what DescribeNamespace returns. notification_version grows on every
-- change and guards updates (compare-and-set).
CREATE TABLE namespaces (
  id                   TEXT PRIMARY KEY NOT NULL,
  name                 TEXT NOT NULL UNIQUE,
  notification_version INTEGER NOT NULL,
  data                 BLOB NOT NULL
);
