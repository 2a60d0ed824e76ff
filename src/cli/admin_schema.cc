#include "cli/admin_schema.h"

#include <memory>

#include "persistence/migration.h"
#include "persistence/sql/connect.h"
#include "persistence/sql/migrations.h"
#include "persistence/sqlite/database.h"
#include "persistence/sqlite/migrations.h"

namespace hdo::cli {
namespace {

bool IsDsn(const std::string& db) { return db.find("://") != std::string::npos; }

std::string SqlitePath(const std::string& db) {
  const std::string prefix = "sqlite://";
  return db.rfind(prefix, 0) == 0 ? db.substr(prefix.size()) : db;
}

std::string Listing(const std::vector<persistence::Migration>& migrations, int from, int to) {
  std::string lines;
  for (int version = from + 1; version <= to; ++version) {
    lines += "  applied " + migrations[static_cast<size_t>(version - 1)].name + "\n";
  }
  return lines;
}

}  // namespace

hugo::Result<std::string> MigrateSchema(const std::string& db) {
  if (!IsDsn(db) || db.rfind("sqlite://", 0) == 0) {
    auto database = persistence::sqlite::Database::Open({.path = SqlitePath(db)});
    if (database.IsFailure()) return database.Error();
    const auto& migrations = persistence::sqlite::SchemaMigrations();
    auto before = persistence::sqlite::SchemaVersion(*database.Value());
    if (before.IsFailure()) return before.Error();
    auto after = persistence::sqlite::ApplyMigrations(*database.Value(), migrations);
    if (after.IsFailure()) return after.Error();
    return hugo::Ok("SQLite " + database.Value()->path() + "\n" +
                    Listing(migrations, before.Value(), after.Value()) + "schema version " +
                    std::to_string(after.Value()) + " (up to date)\n");
  }
  auto connection = persistence::sql::Connect(db);
  if (connection.IsFailure()) return connection.Error();
  persistence::sql::Connection& store = *connection.Value();
  const auto& migrations = persistence::sql::SchemaMigrations(store.engine());
  auto before = persistence::sql::ReadSchemaState(store, migrations);
  if (before.IsFailure()) return before.Error();
  auto after = persistence::sql::ApplyMigrations(store, migrations);
  if (after.IsFailure()) return after.Error();
  return hugo::Ok(store.Describe() + "\n" +
                  Listing(migrations, before.Value().version, after.Value()) + "schema version " +
                  std::to_string(after.Value()) + " (up to date)\n");
}

hugo::Result<std::string> DescribeSchema(const std::string& db) {
  int version = 0;
  int known = 0;
  std::string where;
  if (!IsDsn(db) || db.rfind("sqlite://", 0) == 0) {
    auto database = persistence::sqlite::Database::Open({.path = SqlitePath(db)});
    if (database.IsFailure()) return database.Error();
    auto found = persistence::sqlite::SchemaVersion(*database.Value());
    if (found.IsFailure()) return found.Error();
    version = found.Value();
    known = static_cast<int>(persistence::sqlite::SchemaMigrations().size());
    where = "SQLite " + database.Value()->path();
  } else {
    auto connection = persistence::sql::Connect(db);
    if (connection.IsFailure()) return connection.Error();
    persistence::sql::Connection& store = *connection.Value();
    auto state = persistence::sql::ReadSchemaState(
        store, persistence::sql::SchemaMigrations(store.engine()));
    if (state.IsFailure()) return state.Error();
    version = state.Value().version;
    known = state.Value().known;
    where = store.Describe();
  }
  std::string verdict = version == known ? "up to date"
                        : version < known
                            ? "older than this hdo: run `hdo admin schema migrate --db <dsn>`"
                            : "newer than this hdo: run a newer hdo";
  return hugo::Ok(where + "\nschema version " + std::to_string(version) + ", this hdo knows " +
                  std::to_string(known) + " (" + verdict + ")\n");
}

}  // namespace hdo::cli
