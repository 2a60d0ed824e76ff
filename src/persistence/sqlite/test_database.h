// Test helper: a real SQLite database file in a fresh temporary folder, migrated to the newest
// schema, removed with the helper. Reopen() closes and opens the file again, as a restart does.
// Owned by one test; not thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "persistence/sqlite/database.h"
#include "persistence/sqlite/migrations.h"

namespace hdo::persistence::sqlite {

class TestDatabase {
 public:
  explicit TestDatabase(const std::string& prefix)
      : dir_(std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
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
