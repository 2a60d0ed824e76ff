#include "persistence/sqlite/migrations.h"

#include <sqlite3.h>

#include <string>

#include "persistence/sqlite/database.h"
#include "persistence/sqlite/schema_sqlite.h"

namespace hdo::persistence::sqlite {
namespace {

constexpr char kCreateVersionTable[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  version INTEGER PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL,"
    "  installed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))";

hugo::Result<hugo::Unit> CheckSequence(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return hugo::Error::From("schema migrations must be versions 1..N without gaps; found " +
                                   migrations[i].name + " at position " + std::to_string(i + 1),
                               kErrorMigration);
    }
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> ApplyOne(Database& db, const Migration& migration) {
  auto begun = db.Exec("BEGIN IMMEDIATE");
  if (begun.IsFailure()) return begun;
  auto applied = db.Exec(migration.sql);
  if (applied.IsSuccess()) {
    applied = db.Exec("INSERT INTO schema_version(version, name) VALUES (" +
                      std::to_string(migration.version) + ", '" + migration.name + "')");
  }
  if (applied.IsFailure()) {
    (void)db.Exec("ROLLBACK");
    return hugo::Error::From("applying " + migration.name + " failed: " + applied.Error().Message(),
                             kErrorMigration);
  }
  return db.Exec("COMMIT");
}

}  // namespace

const std::vector<Migration>& SchemaMigrations() { return EmbeddedMigrations(); }

hugo::Result<int> SchemaVersion(Database& db) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db.handle(), "SELECT max(version) FROM schema_version", -1, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    // No schema_version table: a new file, or one that is not hdo's.
    return hugo::Ok(0);
  }
  int version = 0;
  if (sqlite3_step(stmt) == SQLITE_ROW) version = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return hugo::Ok(version);
}

hugo::Result<int> ApplyMigrations(Database& db, const std::vector<Migration>& migrations) {
  auto sequence = CheckSequence(migrations);
  if (sequence.IsFailure()) return sequence.Error();
  auto created = db.Exec(kCreateVersionTable);
  if (created.IsFailure()) return created.Error();
  auto current = SchemaVersion(db);
  if (current.IsFailure()) return current;
  int known = static_cast<int>(migrations.size());
  if (current.Value() > known) {
    return hugo::Error::From("database '" + db.path() + "' has schema version " +
                                 std::to_string(current.Value()) + ", newer than this hdo knows (" +
                                 std::to_string(known) + "); run a newer hdo",
                             kErrorSchemaTooNew);
  }
  for (int version = current.Value() + 1; version <= known; ++version) {
    auto applied = ApplyOne(db, migrations[static_cast<size_t>(version - 1)]);
    if (applied.IsFailure()) return applied.Error();
  }
  return hugo::Ok(known);
}

}  // namespace hdo::persistence::sqlite
