#include "persistence/sql/migrations.h"

#include <string>

#include "persistence/namespace_store.h"
#include "persistence/sql/schema_mysql.h"
#include "persistence/sql/schema_postgres.h"

namespace hdo::persistence::sql {
namespace {

std::string CreateVersionTable(Engine engine) {
  if (engine == Engine::kMysql) {
    return "CREATE TABLE IF NOT EXISTS schema_version ("
           "  version INT NOT NULL PRIMARY KEY,"
           "  name VARCHAR(255) NOT NULL,"
           "  installed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
           ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  }
  return "CREATE TABLE IF NOT EXISTS schema_version ("
         "  version INTEGER PRIMARY KEY,"
         "  name TEXT NOT NULL,"
         "  installed_at TIMESTAMPTZ NOT NULL DEFAULT now())";
}

// Tables of the current database/schema, schema_version excluded.
hugo::Result<int64_t> OtherTableCount(Connection& connection) {
  std::string sql =
      connection.engine() == Engine::kMysql
          ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
            "AND table_name <> 'schema_version'"
          : "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_name <> 'schema_version'";
  auto rows = connection.Query(sql, {});
  if (rows.IsFailure()) return rows.Error();
  return hugo::Ok(rows.Value().Int64(0, 0));
}

hugo::Result<bool> HasVersionTable(Connection& connection) {
  std::string sql =
      connection.engine() == Engine::kMysql
          ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
            "AND table_name = 'schema_version'"
          : "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_name = 'schema_version'";
  auto rows = connection.Query(sql, {});
  if (rows.IsFailure()) return rows.Error();
  return hugo::Ok(rows.Value().Int64(0, 0) > 0);
}

hugo::Result<hugo::Unit> Lock(Connection& connection) {
  if (connection.engine() == Engine::kMysql) {
    auto rows = connection.Query("SELECT GET_LOCK('hdo_schema_migration', 600)", {});
    if (rows.IsFailure()) return rows.Error();
    if (rows.Value().IsNull(0, 0) || rows.Value().Int64(0, 0) != 1) {
      return hugo::Error::From("another migration holds the schema lock", kErrorMigration);
    }
    return hugo::Ok();
  }
  auto locked = connection.Query("SELECT pg_advisory_lock(7233001)", {});
  if (locked.IsFailure()) return locked.Error();
  return hugo::Ok();
}

void Unlock(Connection& connection) {
  if (connection.engine() == Engine::kMysql) {
    (void)connection.Query("SELECT RELEASE_LOCK('hdo_schema_migration')", {});
  } else {
    (void)connection.Query("SELECT pg_advisory_unlock(7233001)", {});
  }
}

hugo::Result<hugo::Unit> ApplyOne(Connection& connection, const Migration& migration) {
  bool transactional = connection.engine() == Engine::kPostgres;
  if (transactional) {
    auto begun = connection.Begin();
    if (begun.IsFailure()) return begun;
  }
  auto applied = connection.ExecuteScript(migration.sql);
  if (applied.IsSuccess()) {
    auto recorded = connection.Execute("INSERT INTO schema_version(version, name) VALUES(?, ?)",
                                       {int64_t{migration.version}, migration.name});
    if (recorded.IsFailure()) applied = recorded.Error();
  }
  if (applied.IsFailure()) {
    if (transactional && connection.InTransaction()) (void)connection.Rollback();
    return hugo::Error::From("applying " + migration.name + " failed: " + applied.Error().Message(),
                             kErrorMigration);
  }
  if (transactional) return connection.Commit();
  return hugo::Ok();
}

std::string EngineName(Engine engine) {
  return engine == Engine::kMysql ? "MySQL/MariaDB" : "PostgreSQL";
}

}  // namespace

const std::vector<Migration>& SchemaMigrations(Engine engine) {
  return engine == Engine::kMysql ? mysql::EmbeddedMigrations() : postgres::EmbeddedMigrations();
}

hugo::Result<SchemaState> ReadSchemaState(Connection& connection,
                                          const std::vector<Migration>& migrations) {
  SchemaState state;
  state.known = static_cast<int>(migrations.size());
  auto has_table = HasVersionTable(connection);
  if (has_table.IsFailure()) return has_table.Error();
  if (!has_table.Value()) {
    auto others = OtherTableCount(connection);
    if (others.IsFailure()) return others.Error();
    if (others.Value() > 0) {
      return hugo::Error::From(
          "database " + connection.Describe() + " has " + std::to_string(others.Value()) +
              " tables but no hdo schema_version: it is not an hdo database; point --db at an "
              "empty database",
          kErrorSchemaUnknown);
    }
    return hugo::Ok(std::move(state));
  }
  auto rows = connection.Query("SELECT version, name FROM schema_version ORDER BY version", {});
  if (rows.IsFailure()) return rows.Error();
  for (size_t row = 0; row < rows.Value().size(); ++row) {
    int version = static_cast<int>(rows.Value().Int64(row, 0));
    const std::string& name = rows.Value().Bytes(row, 1);
    if (version != static_cast<int>(row) + 1) {
      return hugo::Error::From("database " + connection.Describe() +
                                   " has a gap in schema_version before version " +
                                   std::to_string(version),
                               kErrorSchemaUnknown);
    }
    if (version <= state.known && migrations[static_cast<size_t>(version - 1)].name != name) {
      return hugo::Error::From("database " + connection.Describe() + " has schema version " +
                                   std::to_string(version) + " '" + name + "', which this hdo " +
                                   "knows as '" +
                                   migrations[static_cast<size_t>(version - 1)].name + "'",
                               kErrorSchemaUnknown);
    }
    state.applied.push_back(name);
    state.version = version;
  }
  return hugo::Ok(std::move(state));
}

hugo::Result<int> ApplyMigrations(Connection& connection,
                                  const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return hugo::Error::From("schema migrations must be versions 1..N without gaps; found " +
                                   migrations[i].name + " at position " + std::to_string(i + 1),
                               kErrorMigration);
    }
  }
  auto locked = Lock(connection);
  if (locked.IsFailure()) return locked.Error();
  struct Unlocker {
    Connection& connection;
    ~Unlocker() { Unlock(connection); }
  } unlocker{connection};
  auto state = ReadSchemaState(connection, migrations);
  if (state.IsFailure()) return state.Error();
  if (state.Value().version > state.Value().known) {
    return hugo::Error::From("database " + connection.Describe() + " has schema version " +
                                 std::to_string(state.Value().version) +
                                 ", newer than this hdo knows (" +
                                 std::to_string(state.Value().known) + "); run a newer hdo",
                             kErrorSchemaTooNew);
  }
  auto created = connection.ExecuteScript(CreateVersionTable(connection.engine()));
  if (created.IsFailure()) return created.Error();
  for (int version = state.Value().version + 1; version <= state.Value().known; ++version) {
    auto applied = ApplyOne(connection, migrations[static_cast<size_t>(version - 1)]);
    if (applied.IsFailure()) return applied.Error();
  }
  return hugo::Ok(state.Value().known);
}

hugo::Result<int> CheckSchema(Connection& connection, const std::vector<Migration>& migrations) {
  auto state = ReadSchemaState(connection, migrations);
  if (state.IsFailure()) return state.Error();
  const SchemaState& found = state.Value();
  if (found.version > found.known) {
    return hugo::Error::From("database " + connection.Describe() + " has schema version " +
                                 std::to_string(found.version) + ", newer than this hdo knows (" +
                                 std::to_string(found.known) + "); run a newer hdo",
                             kErrorSchemaTooNew);
  }
  if (found.version < found.known) {
    std::string what = found.version == 0 ? "has no hdo schema yet"
                                          : "has schema version " + std::to_string(found.version);
    return hugo::Error::From(EngineName(connection.engine()) + " database " +
                                 connection.Describe() + " " + what + "; this hdo needs version " +
                                 std::to_string(found.known) +
                                 ": run `hdo admin schema migrate --db <dsn>` first",
                             kErrorSchemaTooOld);
  }
  return hugo::Ok(found.version);
}

}  // namespace hdo::persistence::sql
