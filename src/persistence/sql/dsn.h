// The data source name of a client/server SQL store: parsed from the URL form
//   postgres://user:password@host:port/dbname?param=value   (also postgresql://)
//   mysql://user:password@host:port/dbname?param=value      (also mariadb://)
// User, password, database and parameter values are percent-decoded; the host may be `[ipv6]`; the
// port defaults to 5432 (PostgreSQL) or 3306 (MySQL). Parameters:
//   PostgreSQL: sslmode, sslrootcert, sslcert, sslkey, connect_timeout, application_name (libpq's
//               own, passed through)
//   MySQL:      tls=true|false|skip-verify, ssl-ca, ssl-cert, ssl-key, connect_timeout (seconds)
// Any other parameter is an error. No message and no Describe() ever shows the password.
//
// A plain value: thread-safe to read, owned by whoever parses it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hugo/result.h"
#include "persistence/sql/connection.h"

namespace hdo::persistence::sql {

// The DSN is malformed or names an unknown parameter; the message says which part and shows the
// expected shape.
inline constexpr char kErrorInvalidDsn[] = "hdo.persistence.sql.invalid_dsn";

struct Dsn {
  Engine engine = Engine::kPostgres;
  std::string user;
  std::string password;
  std::string host;  // without the brackets of an IPv6 address
  int port = 0;
  std::string database;
  // In the order given; names are unique.
  std::vector<std::pair<std::string, std::string>> params;

  // The value of a parameter, or nullptr.
  const std::string* Param(std::string_view name) const;
  // "host:port" ("[::1]:5432" for IPv6).
  std::string Address() const;
  // The DSN without the password and parameters, e.g. "postgres://hdo@127.0.0.1:5432/hdo".
  std::string Describe() const;
};

hugo::Result<Dsn> ParseDsn(std::string_view text);

}  // namespace hdo::persistence::sql
