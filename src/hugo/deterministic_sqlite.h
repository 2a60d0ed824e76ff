// hugo::SqliteDeterministicStateStore: a DeterministicStateStore in a SQLite table with Hugo's
// five columns (Key TEXT PRIMARY KEY, Kind TEXT, Version INTEGER, RecordedAt TEXT ISO-8601,
// Payload BLOB). TryAdd is INSERT OR IGNORE, atomic across processes sharing the file.
//
// Owner: shared by the gates that use it; owns its connection. Thread safety: thread-safe (one
// connection, serialised by a mutex).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "hugo/deterministic_store.h"

struct sqlite3;

namespace hugo {

class SqliteDeterministicStateStore final : public DeterministicStateStore {
 public:
  // Opens (creating if needed) `path` and the table (default "DeterministicRecords").
  // error.validation for a bad table name; error.unspecified with metadata sqlite_code when
  // SQLite fails.
  static Result<std::shared_ptr<SqliteDeterministicStateStore>> Open(
      const std::string& path, const std::string& table = "DeterministicRecords");
  ~SqliteDeterministicStateStore() override;

  Result<std::optional<DeterministicRecord>> TryGet(std::string_view key) override;
  Result<Unit> Set(std::string_view key, const DeterministicRecord& record) override;
  Result<bool> TryAdd(std::string_view key, const DeterministicRecord& record) override;

 private:
  SqliteDeterministicStateStore(sqlite3* db, std::string table)
      : db_(db), table_(std::move(table)) {}
  Result<bool> Write(const char* verb, std::string_view key, const DeterministicRecord& record);
  Error SqliteError(const char* what) const;

  std::mutex mutex_;
  sqlite3* db_;
  const std::string table_;
};

}  // namespace hugo
