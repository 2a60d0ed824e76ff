#include "persistence/sql/connection.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>

#include "persistence/sql/driver_util.h"

namespace hdo::persistence::sql {

int64_t Rows::Int64(size_t row, int column) const {
  const Cell& cell = At(row, column);
  if (cell.is_null) return 0;
  int64_t value = 0;
  const char* begin = cell.bytes.data();
  const char* end = begin + cell.bytes.size();
  auto [parsed_end, ec] = std::from_chars(begin, end, value);
  // Reading a non-integer column as an integer is a programming error (connection.h).
  assert(ec == std::errc() && parsed_end == end);
  (void)parsed_end;
  (void)ec;
  return value;
}

double Rows::Double(size_t row, int column) const {
  const Cell& cell = At(row, column);
  if (cell.is_null) return 0;
  std::string_view text = cell.bytes;
  // PostgreSQL writes Infinity, -Infinity and NaN; from_chars reads inf, infinity and nan.
  bool negative = text.starts_with('-');
  std::string_view magnitude = negative || text.starts_with('+') ? text.substr(1) : text;
  if (magnitude == "Infinity" || magnitude == "inf") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (magnitude == "NaN" || magnitude == "nan") return std::numeric_limits<double>::quiet_NaN();
  double value = 0;
  auto [parsed_end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  assert(ec == std::errc() && parsed_end == text.data() + text.size());
  (void)parsed_end;
  (void)ec;
  return value;
}

namespace internal {

hugo::Error StatementError(std::string message, std::string_view code, std::string_view sql_state,
                           std::string_view commit_state) {
  auto error = hugo::Error::From(std::move(message), std::string(code))
                   .WithMetadata("commit_state", std::string(commit_state));
  if (!sql_state.empty()) error = error.WithMetadata("sql_state", std::string(sql_state));
  return error;
}

std::vector<std::string_view> SplitAtPlaceholders(std::string_view sql, bool backslash_escapes) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      // A doubled quote is an escaped quote: it closes and reopens, which the loop handles.
      ++i;
      while (i < sql.size() && sql[i] != c) {
        if (backslash_escapes && sql[i] == '\\') ++i;
        ++i;
      }
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t newline = sql.find('\n', i);
      i = newline == std::string_view::npos ? sql.size() : newline + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
    } else if (c == '?') {
      pieces.push_back(sql.substr(start, i - start));
      start = ++i;
    } else {
      ++i;
    }
  }
  pieces.push_back(sql.substr(std::min(start, sql.size())));
  return pieces;
}

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  assert(ec == std::errc());
  (void)ec;
  return std::string(buffer, end);
}

}  // namespace internal
hugo::Result<std::vector<int64_t>> Connection::ExecuteBatch(
    const std::vector<Statement>& statements) {
  std::vector<int64_t> affected;
  affected.reserve(statements.size());
  for (size_t i = 0; i < statements.size(); ++i) {
    auto executed = Execute(statements[i].sql, statements[i].params);
    if (executed.IsFailure()) {
      return executed.Error().WithMetadata("statement_index", static_cast<int64_t>(i));
    }
    affected.push_back(executed.Value());
  }
  return hugo::Ok(std::move(affected));
}

}  // namespace hdo::persistence::sql
