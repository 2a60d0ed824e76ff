-- hdo MySQL/MariaDB schema, version 5: Nexus endpoints.
-- One row per endpoint (OperatorService CreateNexusEndpoint). Endpoints belong to the cluster,
-- not to a namespace: namespace_id is always ''. `data` is a serialized
-- temporal.api.nexus.v1.Endpoint; version is the endpoint's version, which grows with every
-- update and guards it (compare-and-set).
CREATE TABLE IF NOT EXISTS nexus_endpoints (
  namespace_id   VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  endpoint_id    VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  version        BIGINT NOT NULL,
  data           LONGBLOB NOT NULL,
  PRIMARY KEY (namespace_id, endpoint_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
