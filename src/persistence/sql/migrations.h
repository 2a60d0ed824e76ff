// Schema migrations of the production engines: the Flyway-named files of schema/postgres and
// schema/mysql, embedded into the binary, applied in version order by `hdo admin schema migrate`
// and checked by the server, which refuses to start on a schema older than it needs or one it
// does not know (and names the command that fixes it).
//
// Applied versions are rows of schema_version(version, name, installed_at). On PostgreSQL each
// migration runs in one transaction with its row; MySQL commits DDL implicitly, so its files are
// written to be re-runnable and the row is written last. Concurrent migrators serialize on a lock
// (pg_advisory_lock / GET_LOCK).
#pragma once

#include <string>
#include <vector>

#include "hugo/result.h"
#include "persistence/migration.h"
#include "persistence/sql/connection.h"

namespace hdo::persistence::sql {

// The database is older than this hdo (or empty): run `hdo admin schema migrate`.
inline constexpr char kErrorSchemaTooOld[] = "hdo.persistence.schema_too_old";
// The database holds tables that are not an hdo schema this binary knows.
inline constexpr char kErrorSchemaUnknown[] = "hdo.persistence.schema_unknown";

const std::vector<Migration>& SchemaMigrations(Engine engine);

struct SchemaState {
  int version = 0;                   // the highest applied (0: none)
  int known = 0;                     // the highest this binary has
  std::vector<std::string> applied;  // names of applied migrations, in version order
};

// What the database holds; kErrorSchemaUnknown when it has tables but no hdo schema, or applied
// migrations whose names differ from this binary's.
hugo::Result<SchemaState> ReadSchemaState(Connection& connection,
                                          const std::vector<Migration>& migrations);

// Applies every migration above the database's version, in order. Returns the new version.
// kErrorSchemaTooNew (persistence/migration.h) when the database is newer than this binary.
hugo::Result<int> ApplyMigrations(Connection& connection, const std::vector<Migration>& migrations);

// The server's check: ok when the database is exactly at this binary's version; otherwise an
// error whose message names `hdo admin schema migrate --db <dsn>` (or a newer hdo).
hugo::Result<int> CheckSchema(Connection& connection, const std::vector<Migration>& migrations);

}  // namespace hdo::persistence::sql
