// Goal: the SQLite schedule, batch operation and Nexus endpoint stores keep their contracts, and
// schedule rows survive a reopen.
// Method: a real migrated SQLite file.
#include "persistence/sqlite/schedule_store.h"

#include <gtest/gtest.h>

#include "persistence/batch_store_contract.h"
#include "persistence/nexus_endpoint_store_contract.h"
#include "persistence/schedule_store_contract.h"
#include "persistence/sqlite/keyed_rows.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::persistence::sqlite {
namespace {

TEST(SqliteScheduleStoreTest, KeepsTheScheduleStoreContract) {
  TestDatabase file{"hdo-schedule-store"};
  SqliteScheduleStore store(&file.db());
  testing::ExpectScheduleStoreContract(store);
}

TEST(SqliteScheduleStoreTest, RowsSurviveAReopen) {
  TestDatabase file{"hdo-schedule-store-reopen"};
  {
    SqliteScheduleStore store(&file.db());
    ASSERT_TRUE(store.CreateSchedule(testing::ScheduleRow("ns-1", "hourly")).IsSuccess());
  }
  file.Reopen();
  SqliteScheduleStore store(&file.db());
  auto read = store.GetSchedule("ns-1", "hourly");
  ASSERT_TRUE(read.IsSuccess()) << read.Error().ToString();
  EXPECT_EQ(read.Value().data, "state-of-hourly-v1");
}

TEST(SqliteBatchStoreTest, KeepsTheBatchStoreContract) {
  TestDatabase file{"hdo-batch-store"};
  KeyedBatchStore<KeyedRows> store(&file.db());
  testing::ExpectBatchStoreContract(store);
}

TEST(SqliteNexusEndpointStoreTest, KeepsTheNexusEndpointStoreContract) {
  TestDatabase file{"hdo-nexus-endpoint-store"};
  KeyedNexusEndpointStore<KeyedRows> store(&file.db());
  testing::ExpectNexusEndpointStoreContract(store);
}

}  // namespace
}  // namespace hdo::persistence::sqlite
