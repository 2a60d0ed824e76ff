// Applies the SQLite schema migrations to a database file. Called by the server at startup, before
// anything else reads the file. Not thread-safe: the caller owns the Database exclusively.
#pragma once

#include <vector>

#include "hugo/result.h"
#include "persistence/migration.h"

namespace hdo::persistence::sqlite {

class Database;

// The embedded migrations of this build, in version order.
const std::vector<Migration>& SchemaMigrations();

// The schema version recorded in the file; 0 for a new, empty file.
hugo::Result<int> SchemaVersion(Database& db);

// Applies every migration newer than the file's version, in order, each in its own transaction
// together with its `schema_version` row, so a crash leaves the file at a whole version. Refuses
// (kErrorSchemaTooNew) a file whose version is newer than the newest migration given, and
// (kErrorMigration) a list that is not exactly versions 1..N. Returns the resulting version.
hugo::Result<int> ApplyMigrations(Database& db, const std::vector<Migration>& migrations);

}  // namespace hdo::persistence::sqlite
