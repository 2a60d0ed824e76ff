// Test helper: a real SQLite database file in a fresh temporary folder, migrated to the newest
// schema, removed with the helper. Reopen() closes and opens the file again, as a restart does.
// Owned by one test; not thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "persistence/sqlite/database.h"
#include "persistence/sqlite/migrations.h"

namespace hdo::persistence::sqlite {

// "<prefix>-<pid>-<running test's name>" under the temporary folder, as one path component: a
// parameterized test's name holds a '/' ("Name/0"), which would make the folder a subfolder of
// one that nothing removes.
inline std::filesystem::path TestFolder(const std::string& prefix) {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(name.begin(), name.end(), '/', '_');
  return std::filesystem::temp_directory_path() /
         (prefix + "-" + std::to_string(::getpid()) + "-" + name);
}

class TestDatabase {
 public:
  explicit TestDatabase(const std::string& prefix) : dir_(TestFolder(prefix)) {
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  ~TestDatabase() {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // Invalidates the previous Database&: stores built on it must be rebuilt.
  void Reopen() {
    db_.reset();
    auto db = Database::Open({.path = (dir_ / "hdo.db").string()});
    if (db.IsFailure()) throw std::runtime_error(db.Error().ToString());
    db_ = std::move(db).Value();
    auto migrated = ApplyMigrations(*db_, SchemaMigrations());
    if (migrated.IsFailure()) throw std::runtime_error(migrated.Error().ToString());
  }
  Database& db() { return *db_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace hdo::persistence::sqlite
