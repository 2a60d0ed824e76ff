// A forward-only schema migration: one `schema/<engine>/V<N>__<what>.sql` file, embedded into the
// binary at build time (cmake/EmbedSql.cmake). Plain immutable data; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace hdo::persistence {

struct Migration {
  int version;
  std::string name;  // the file name, e.g. "V1__init.sql"
  std::string sql;
};

// Error codes of schema handling (Error::Code()).
inline constexpr char kErrorSchemaTooNew[] = "hdo.persistence.schema_too_new";
inline constexpr char kErrorMigration[] = "hdo.persistence.migration";

}  // namespace hdo::persistence
