#include "persistence/sqlite/statement.h"

#include "persistence/namespace_store.h"

namespace hdo::persistence::sqlite {

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  prepare_error_ =
      sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
}

Statement& Statement::BindText(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view value) {
  sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindInt64(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::BindDouble(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

hugo::Result<bool> Statement::Step() {
  if (prepare_error_ != SQLITE_OK) {
    last_error_ = prepare_error_;
    // A statement that does not prepare is a bug in our SQL or a schema mismatch: nothing ran.
    return hugo::Error::From(std::string("SQLite prepare failed: ") + sqlite3_errmsg(db_),
                             kErrorStore)
        .WithMetadata("commit_state", "not_committed");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return hugo::Ok(true);
  if (rc == SQLITE_DONE) return hugo::Ok(false);
  last_error_ = sqlite3_extended_errcode(db_);
  return hugo::Error::From(sqlite3_errmsg(db_), kErrorStore)
      .WithMetadata("sqlite_code", int64_t{last_error_})
      .WithMetadata("commit_state", "not_committed");
}

hugo::Result<hugo::Unit> Statement::Run() {
  while (true) {
    auto step = Step();
    if (step.IsFailure()) return step.Error();
    if (!step.Value()) return hugo::Ok();
  }
}

std::string Statement::ColumnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  return blob == nullptr ? std::string()
                         : std::string(static_cast<const char*>(blob),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

}  // namespace hdo::persistence::sqlite
