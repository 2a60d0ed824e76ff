// A prepared SQLite statement with RAII finalization and typed bind/read helpers. Owned by the
// function that runs it; not thread-safe (like the connection it belongs to).
//
// Statement cache: on a connection registered with EnableStatementCache (the Database does it),
// a Statement takes an already prepared statement for the same SQL text from the connection's
// cache and gives it back, reset, when it is destroyed; preparing (parsing, planning) is then
// paid once per SQL text instead of once per call. Two Statements of the same SQL alive at once
// each get their own. A cached statement behaves as a fresh one: a parameter its new user does
// not bind is NULL. The cache functions are thread-safe; each connection is still used by one
// thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"

namespace hdo::persistence::sqlite {

// Starts caching the prepared statements of `db`: at most `per_sql_max` idle ones per SQL text,
// for at most `sql_max` texts (visibility queries build their SQL from the user's filter; texts
// beyond the bound are prepared each time). DropStatementCache finalizes them; call it before
// closing the connection.
void EnableStatementCache(sqlite3* db, size_t per_sql_max = 4, size_t sql_max = 256);
void DropStatementCache(sqlite3* db);

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT).
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::string_view value);
  Statement& BindInt64(int index, int64_t value);
  Statement& BindDouble(int index, double value);
  Statement& BindNull(int index);

  // Runs one step: true when a row is available, false when done; errors carry the SQLite
  // message, the SQLite code in metadata "sqlite_code", and kErrorStore.
  hugo::Result<bool> Step();
  // Runs to completion, ignoring rows.
  hugo::Result<hugo::Unit> Run();

  std::string ColumnText(int column) const;
  std::string ColumnBlob(int column) const;
  int64_t ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }
  double ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }
  bool ColumnIsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int ColumnCount() const { return sqlite3_column_count(stmt_); }
  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
  int ColumnType(int column) const { return sqlite3_column_type(stmt_, column); }

  // The extended SQLite result code of the last failed step (e.g. SQLITE_CONSTRAINT_UNIQUE).
  int last_error() const { return last_error_; }

 private:
  // Parameters 1..64 are tracked: a statement with more is cleared when it goes back.
  static constexpr int kTrackedParameters = 64;
  void Bound(int index, size_t bytes);
  // Sets the parameters this user did not bind to NULL (a reused statement keeps the last
  // user's values; sqlite3_clear_bindings on every return cost more than this).
  void NullUnbound();

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  // The connection cache's idle statements of this SQL text (it goes back there), and the
  // registration they belong to; null when the text is not cached.
  std::vector<sqlite3_stmt*>* idle_ = nullptr;
  uint64_t epoch_ = 0;
  bool reused_ = false;       // taken from the cache: NullUnbound before the first step
  uint64_t bound_ = 0;        // bit i-1: parameter i bound by this user
  bool large_value_ = false;  // a bound value over kLargeValueBytes
  int prepare_error_ = SQLITE_OK;
  int last_error_ = SQLITE_OK;
};

}  // namespace hdo::persistence::sqlite
