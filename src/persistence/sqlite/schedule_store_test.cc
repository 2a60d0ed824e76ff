// Goal: the SQLite schedule store keeps the ScheduleStore contract and its rows across a reopen.
// Method: a real migrated SQLite file.
#include "persistence/sqlite/schedule_store.h"

#include <gtest/gtest.h>

#include "persistence/schedule_store_contract.h"
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

}  // namespace
}  // namespace hdo::persistence::sqlite
