// The entry point of the client/server SQL drivers: a DSN in, a connected sql::Connection out
// (postgres:// or postgresql:// → PostgresConnection, mysql:// or mariadb:// → MysqlConnection).
// Errors: kErrorInvalidDsn (dsn.h) or kErrorConnect (connection.h). Thread-safe; the connection
// returned is not (connection.h).
#pragma once

#include <memory>
#include <string_view>

#include "hugo/result.h"
#include "persistence/sql/connection.h"

namespace hdo::persistence::sql {

hugo::Result<std::unique_ptr<Connection>> Connect(std::string_view dsn);

}  // namespace hdo::persistence::sql
