#include "persistence/sql/connect.h"

#include "persistence/sql/dsn.h"
#include "persistence/sql/mysql_connection.h"
#include "persistence/sql/postgres_connection.h"

namespace hdo::persistence::sql {

hugo::Result<std::unique_ptr<Connection>> Connect(std::string_view dsn) {
  auto parsed = ParseDsn(dsn);
  if (parsed.IsFailure()) return parsed.Error();
  if (parsed.Value().engine == Engine::kPostgres) {
    return PostgresConnection::Connect(parsed.Value());
  }
  return MysqlConnection::Connect(parsed.Value());
}

}  // namespace hdo::persistence::sql
