// `hdo admin schema migrate|version --db <dsn>`: the schema of a store, as an operator manages
// it before starting servers on it. --db is a DSN (postgres://…, mysql://…) or a SQLite file
// path. Output goes to stdout; errors come back for the caller to print (exit 2: all of them
// are fixable by the operator).
#pragma once

#include <string>

#include "hugo/result.h"

namespace hdo::cli {

// Applies every migration the store lacks, in order; returns the lines to print.
hugo::Result<std::string> MigrateSchema(const std::string& db);
// The applied and the known versions.
hugo::Result<std::string> DescribeSchema(const std::string& db);

}  // namespace hdo::cli
