// Helpers shared by the PostgreSQL and MySQL drivers (postgres_connection.cc,
// mysql_connection.cc): error building, placeholder scanning and number formatting. Internal to
// the drivers. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"

namespace hdo::persistence::sql::internal {

inline constexpr char kNotCommitted[] = "not_committed";
inline constexpr char kCommitUnknown[] = "unknown";

// An error of a statement: `code` (kErrorStore or one of connection.h's), with the metadata
// commit_state and, when known, sql_state.
hugo::Error StatementError(std::string message, std::string_view code, std::string_view sql_state,
                           std::string_view commit_state);

// The SQL split at each `?` placeholder: n placeholders give n+1 pieces. A `?` inside a quoted
// string ('...', "...", `...`) or a comment (-- or /* */) is text. `backslash_escapes`: a
// backslash escapes the next character inside quotes (MySQL; PostgreSQL's standard strings do not).
std::vector<std::string_view> SplitAtPlaceholders(std::string_view sql, bool backslash_escapes);

// The shortest decimal text that reads back as the same double ("inf", "-inf", "nan" when not
// finite).
std::string FormatDouble(double value);

}  // namespace hdo::persistence::sql::internal
