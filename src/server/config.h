// The server's configuration file (`hdo server start --config hdo.yaml`): YAML read strictly into
// Server::Options plus what the CLI needs (the log level). Every key, its default and its meaning:
// docs/operations/configuration.md.
//
// Strict: an unknown key, a value of the wrong type or out of range, a missing required key and
// an inconsistent combination (store postgres without a postgres:// DSN) are errors whose message
// names the key path, the line, the value and what is allowed, so that the CLI prints it as one
// line and exits 2. `${VAR}` and `${VAR:-default}` in any scalar are replaced from the
// environment before the value is read (`$${` is a literal `${`); an unset variable without a
// default is an error naming it.
//
// Pure functions; thread-safe. yaml-cpp's exceptions stay inside config.cc.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hugo/result.h"
#include "server/server.h"

namespace hdo::server {

// Error code of every configuration problem (Error::Code()).
inline constexpr char kErrorConfig[] = "hdo.server.config";

// The stores persistence.store names.
inline constexpr char kStoreSqlite[] = "sqlite";
inline constexpr char kStorePostgres[] = "postgres";
inline constexpr char kStoreMysql[] = "mysql";

struct Config {
  Server::Options server;
  // persistence.store: kStoreSqlite, kStorePostgres or kStoreMysql.
  std::string store = kStoreSqlite;
  // log.level: debug, info, warn or error.
  std::string log_level = "info";
};

// Looks a variable up; nullopt when unset. Tests pass a map; the CLI passes getenv.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment ProcessEnvironment();

// Reads and parses the file at `path`. A missing or unreadable file is an error saying so.
hugo::Result<Config> LoadConfigFile(const std::string& path, const Environment& environment);
// Parses YAML text; `source` names it in messages (the file's path).
hugo::Result<Config> ParseConfig(std::string_view text, const std::string& source,
                                 const Environment& environment);

// Replaces ${VAR} and ${VAR:-default} in `value` (exposed for tests).
hugo::Result<std::string> ExpandEnvironment(std::string_view value, const Environment& environment);

// A DSN without its password (userinfo and a `password` query parameter): what banners and logs
// show. "postgres://hdo:secret@db:5432/hdo?sslmode=require" → "postgres://hdo@db:5432/hdo?sslmode=
// require".
std::string RedactDsn(const std::string& dsn);

}  // namespace hdo::server
