-- hdo PostgreSQL schema, version 5: Nexus endpoints.
-- One row per endpoint (OperatorService CreateNexusEndpoint). Endpoints belong to the cluster,
-- not to a namespace: namespace_id is always ''. `data` is a serialized
-- temporal.api.nexus.v1.Endpoint; version is the endpoint's version, which grows with every
-- update and guards it (compare-and-set).
CREATE TABLE nexus_endpoints (
  namespace_id   TEXT NOT NULL,
  endpoint_id    TEXT NOT NULL,
  version        BIGINT NOT NULL,
  data           BYTEA NOT NULL,
  PRIMARY KEY (namespace_id, endpoint_id)
);
