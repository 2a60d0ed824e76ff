// Goal: on real PostgreSQL and MariaDB servers, the schedules schema (V3) migrates and the SQL
// schedule store keeps the ScheduleStore contract. Method: servers started by scripts/test-db
// (testlib::SharedTestDb), a database of the test's own, the real drivers.
#include "persistence/sql/schedule_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "persistence/schedule_store_contract.h"
#include "persistence/sql/connect.h"
#include "testlib/test_db.h"

namespace hdo::persistence::sql {
namespace {

class SqlScheduleStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const testlib::TestDb& db = testlib::SharedTestDb(GetParam());
    ASSERT_TRUE(db.error.empty()) << db.error;
    admin_dsn_ = db.dsn;
    auto admin = Connect(admin_dsn_);
    ASSERT_TRUE(admin.IsSuccess()) << admin.Error().ToString();
    database_ = "hdo_sched_" + std::to_string(::getpid());
    auto created = admin.Value()->Execute("CREATE DATABASE " + database_, {});
    ASSERT_TRUE(created.IsSuccess()) << created.Error().ToString();
    auto connected = Connect(testlib::DsnWithDatabase(admin_dsn_, database_));
    ASSERT_TRUE(connected.IsSuccess()) << connected.Error().ToString();
    const bool postgres = connected.Value()->engine() == Engine::kPostgres;
    std::ifstream file(std::string(HDO_SCHEMA_DIR) + (postgres ? "/postgres" : "/mysql") +
                       "/V3__schedules.sql");
    std::stringstream schema;
    schema << file.rdbuf();
    ASSERT_FALSE(schema.str().empty());
    auto migrated = connected.Value()->ExecuteScript(schema.str());
    ASSERT_TRUE(migrated.IsSuccess()) << migrated.Error().ToString();
    session_ = std::make_unique<Session>(std::move(connected).Value());
  }
  void TearDown() override {
    session_.reset();
    if (database_.empty()) return;
    auto admin = Connect(admin_dsn_);
    if (admin.IsFailure()) return;
    if (admin.Value()->engine() == Engine::kPostgres) {
      (void)admin.Value()->Query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?", {database_});
    }
    (void)admin.Value()->Execute("DROP DATABASE " + database_, {});
  }
  std::string admin_dsn_;
  std::string database_;
  std::unique_ptr<Session> session_;
};

INSTANTIATE_TEST_SUITE_P(Engines, SqlScheduleStoreTest, ::testing::Values("postgres", "mariadb"),
                         [](const auto& param_info) { return param_info.param; });

TEST_P(SqlScheduleStoreTest, KeepsTheScheduleStoreContract) {
  SqlScheduleStore store(session_.get());
  testing::ExpectScheduleStoreContract(store);
}

}  // namespace
}  // namespace hdo::persistence::sql
