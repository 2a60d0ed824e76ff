// Goal: on real PostgreSQL and MariaDB servers, the schedules (V3), batch operations (V4) and
// Nexus endpoints (V5) schemas migrate and the SQL schedule, batch and Nexus endpoint stores keep
// their contracts. Method: servers started by scripts/test-db (testlib::SharedTestDb), a database
// of the test's own, the real drivers.
#include "persistence/sql/schedule_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "persistence/batch_store_contract.h"
#include "persistence/nexus_endpoint_store_contract.h"
#include "persistence/schedule_store_contract.h"
#include "persistence/sql/own_database_test_util.h"

namespace hdo::persistence::sql {
namespace {

class SqlScheduleStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::unique_ptr<Connection> connection = database_.Create(GetParam(), "hdo_sched");
    ASSERT_NE(connection, nullptr);
    const bool postgres = connection->engine() == Engine::kPostgres;
    for (const char* migration :
         {"/V3__schedules.sql", "/V4__batch_operations.sql", "/V5__nexus_endpoints.sql"}) {
      std::ifstream file(std::string(HDO_SCHEMA_DIR) + (postgres ? "/postgres" : "/mysql") +
                         migration);
      std::stringstream schema;
      schema << file.rdbuf();
      ASSERT_FALSE(schema.str().empty()) << migration;
      auto migrated = connection->ExecuteScript(schema.str());
      ASSERT_TRUE(migrated.IsSuccess()) << migrated.Error().ToString();
    }
    session_ = std::make_unique<Session>(std::move(connection));
  }
  void TearDown() override {
    session_.reset();
    database_.Drop();
  }
  OwnDatabase database_;
  std::unique_ptr<Session> session_;
};

INSTANTIATE_TEST_SUITE_P(Engines, SqlScheduleStoreTest, ::testing::Values("postgres", "mariadb"),
                         [](const auto& param_info) { return param_info.param; });

TEST_P(SqlScheduleStoreTest, KeepsTheScheduleStoreContract) {
  SqlScheduleStore store(session_.get());
  testing::ExpectScheduleStoreContract(store);
}

TEST_P(SqlScheduleStoreTest, KeepsTheBatchStoreContract) {
  KeyedBatchStore<KeyedRows> store(session_.get());
  testing::ExpectBatchStoreContract(store);
}

TEST_P(SqlScheduleStoreTest, KeepsTheNexusEndpointStoreContract) {
  KeyedNexusEndpointStore<KeyedRows> store(session_.get());
  testing::ExpectNexusEndpointStoreContract(store);
}

}  // namespace
}  // namespace hdo::persistence::sql
