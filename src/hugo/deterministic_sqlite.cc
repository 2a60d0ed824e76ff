#include "hugo/deterministic_sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>

namespace hugo {
namespace {

// Finalizes a statement on scope exit.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

}  // namespace

Error SqliteDeterministicStateStore::SqliteError(const char* what) const {
  return Error::From(std::string(what) + ": " + sqlite3_errmsg(db_),
                     std::string(ErrorCodes::kUnspecified))
      .WithMetadata("sqlite_code", int64_t{sqlite3_extended_errcode(db_)});
}

Result<std::shared_ptr<SqliteDeterministicStateStore>> SqliteDeterministicStateStore::Open(
    const std::string& path, const std::string& table) {
  bool table_ok = !table.empty() && std::all_of(table.begin(), table.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_';
  });
  if (!table_ok) {
    return Error::From("The table name must be letters, digits and underscores.",
                       std::string(ErrorCodes::kValidation));
  }
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::shared_ptr<SqliteDeterministicStateStore> store(
      new SqliteDeterministicStateStore(db, table));
  if (rc != SQLITE_OK) return store->SqliteError("cannot open the deterministic store");
  sqlite3_busy_timeout(db, 5000);
  std::string ddl = "CREATE TABLE IF NOT EXISTS " + table +
                    " (Key TEXT PRIMARY KEY NOT NULL, Kind TEXT NOT NULL, Version INTEGER NOT "
                    "NULL, RecordedAt TEXT NOT NULL, Payload BLOB NOT NULL)";
  if (sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return store->SqliteError("cannot create the deterministic table");
  }
  return Result<std::shared_ptr<SqliteDeterministicStateStore>>::Ok(std::move(store));
}

SqliteDeterministicStateStore::~SqliteDeterministicStateStore() { sqlite3_close_v2(db_); }

Result<std::optional<DeterministicRecord>> SqliteDeterministicStateStore::TryGet(
    std::string_view key) {
  std::lock_guard lock(mutex_);
  std::string sql = "SELECT Kind, Version, RecordedAt, Payload FROM " + table_ + " WHERE Key = ?";
  Statement s;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s.stmt, nullptr) != SQLITE_OK) {
    return SqliteError("cannot read a deterministic record");
  }
  sqlite3_bind_text(s.stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(s.stmt);
  if (rc == SQLITE_DONE) return Ok(std::optional<DeterministicRecord>());
  if (rc != SQLITE_ROW) return SqliteError("cannot read a deterministic record");
  DeterministicRecord record;
  record.kind = reinterpret_cast<const char*>(sqlite3_column_text(s.stmt, 0));
  record.version = sqlite3_column_int(s.stmt, 1);
  std::string recorded_at = reinterpret_cast<const char*>(sqlite3_column_text(s.stmt, 2));
  record.recorded_at = ParseIso8601(recorded_at).value_or(Clock::WallTime());
  const void* blob = sqlite3_column_blob(s.stmt, 3);
  record.payload.assign(static_cast<const char*>(blob),
                        static_cast<size_t>(sqlite3_column_bytes(s.stmt, 3)));
  return Ok(std::optional<DeterministicRecord>(std::move(record)));
}

Result<bool> SqliteDeterministicStateStore::Write(const char* verb, std::string_view key,
                                                  const DeterministicRecord& record) {
  Result<Unit> valid = ValidateDeterministicRecord(key, record);
  if (valid.IsFailure()) return valid.Error();
  std::lock_guard lock(mutex_);
  std::string sql = std::string(verb) + " INTO " + table_ +
                    " (Key, Kind, Version, RecordedAt, Payload) VALUES (?, ?, ?, ?, ?)";
  Statement s;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s.stmt, nullptr) != SQLITE_OK) {
    return SqliteError("cannot write a deterministic record");
  }
  std::string recorded_at = FormatIso8601(record.recorded_at);
  sqlite3_bind_text(s.stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(s.stmt, 2, record.kind.data(), static_cast<int>(record.kind.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int(s.stmt, 3, record.version);
  sqlite3_bind_text(s.stmt, 4, recorded_at.data(), static_cast<int>(recorded_at.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_blob(s.stmt, 5, record.payload.data(), static_cast<int>(record.payload.size()),
                    SQLITE_TRANSIENT);
  if (sqlite3_step(s.stmt) != SQLITE_DONE)
    return SqliteError("cannot write a deterministic record");
  return Ok(sqlite3_changes(db_) == 1);
}

Result<Unit> SqliteDeterministicStateStore::Set(std::string_view key,
                                                const DeterministicRecord& record) {
  Result<bool> written = Write("INSERT OR REPLACE", key, record);
  if (written.IsFailure()) return written.Error();
  return Ok();
}

Result<bool> SqliteDeterministicStateStore::TryAdd(std::string_view key,
                                                   const DeterministicRecord& record) {
  return Write("INSERT OR IGNORE", key, record);
}

}  // namespace hugo
