// Test-only: a database of the test's own on the shared test server of an engine
// (testlib::SharedTestDb). ctest runs the cases of a file in parallel processes, so each case
// creates its own database and drops it at the end (ending its connections first on PostgreSQL).
//
// Not thread-safe; one per test case.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "persistence/sql/connect.h"
#include "testlib/test_db.h"

namespace hdo::persistence::sql {

class OwnDatabase {
 public:
  OwnDatabase() = default;
  OwnDatabase(const OwnDatabase&) = delete;
  OwnDatabase& operator=(const OwnDatabase&) = delete;
  ~OwnDatabase() { Drop(); }

  // A connection to a new database `<prefix>_<pid>_<n>` on the server of `engine`
  // ("postgres" or "mariadb"); fails the test (and returns null) when it cannot be made.
  std::unique_ptr<Connection> Create(const std::string& engine, const std::string& prefix) {
    const testlib::TestDb& db = testlib::SharedTestDb(engine);
    EXPECT_TRUE(db.error.empty()) << db.error;
    if (!db.error.empty()) return nullptr;
    admin_dsn_ = db.dsn;
    auto admin = Connect(admin_dsn_);
    EXPECT_TRUE(admin.IsSuccess()) << admin.Error().ToString();
    if (admin.IsFailure()) return nullptr;
    static int counter = 0;
    database_ = prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    auto created = admin.Value()->Execute("CREATE DATABASE " + database_, {});
    EXPECT_TRUE(created.IsSuccess()) << created.Error().ToString();
    if (created.IsFailure()) return nullptr;
    auto connected = Connect(testlib::DsnWithDatabase(admin_dsn_, database_));
    EXPECT_TRUE(connected.IsSuccess()) << connected.Error().ToString();
    if (connected.IsFailure()) return nullptr;
    return std::move(connected).Value();
  }

  // Drops the database; call after closing the connections Create gave.
  void Drop() {
    if (database_.empty()) return;
    auto admin = Connect(admin_dsn_);
    if (admin.IsSuccess()) {
      if (admin.Value()->engine() == Engine::kPostgres) {
        (void)admin.Value()->Query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?",
            {database_});
      }
      (void)admin.Value()->Execute("DROP DATABASE " + database_, {});
    }
    database_.clear();
  }

 private:
  std::string admin_dsn_;
  std::string database_;
};

}  // namespace hdo::persistence::sql
