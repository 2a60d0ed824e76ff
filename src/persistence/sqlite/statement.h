// A prepared SQLite statement with RAII finalization and typed bind/read helpers. Owned by the
// function that runs it; not thread-safe (like the connection it belongs to).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "hugo/result.h"

namespace hdo::persistence::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement() { sqlite3_finalize(stmt_); }
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
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int prepare_error_ = SQLITE_OK;
  int last_error_ = SQLITE_OK;
};

}  // namespace hdo::persistence::sqlite
