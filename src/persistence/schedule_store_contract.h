// The contract every ScheduleStore keeps, as test bodies the engines' tests run on their own
// store (sqlite/schedule_store_test.cc, sql/schedule_store_test.cc): create then read, a taken id
// is AlreadyExists and changes nothing, updates compare the version, deletes, pages in id order
// within a namespace or across all of them. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "persistence/schedule_store.h"

namespace hdo::persistence::testing {

inline ScheduleRecord ScheduleRow(const std::string& namespace_id, const std::string& id,
                                  int64_t version = 1) {
  return ScheduleRecord{namespace_id, id, version,
                        "state-of-" + id + "-v" + std::to_string(version)};
}

inline void ExpectScheduleStoreContract(ScheduleStore& store) {
  ASSERT_TRUE(store.CreateSchedule(ScheduleRow("ns-1", "nightly")).IsSuccess());
  auto read = store.GetSchedule("ns-1", "nightly");
  ASSERT_TRUE(read.IsSuccess()) << read.Error().ToString();
  EXPECT_EQ(read.Value().version, 1);
  EXPECT_EQ(read.Value().data, "state-of-nightly-v1");

  // A taken id is AlreadyExists and leaves the row; the same id in another namespace is free.
  auto taken = store.CreateSchedule(ScheduleRecord{"ns-1", "nightly", 1, "other"});
  ASSERT_TRUE(taken.IsFailure());
  EXPECT_EQ(taken.Error().Code(), kErrorAlreadyExists);
  EXPECT_EQ(store.GetSchedule("ns-1", "nightly").Value().data, "state-of-nightly-v1");
  ASSERT_TRUE(store.CreateSchedule(ScheduleRow("ns-2", "nightly")).IsSuccess());

  // Updates compare the version; a lost compare-and-set changes nothing.
  ASSERT_TRUE(store.UpdateSchedule(ScheduleRow("ns-1", "nightly", 2), 1).IsSuccess());
  auto stale = store.UpdateSchedule(ScheduleRow("ns-1", "nightly", 3), 1);
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_EQ(stale.Error().Code(), kErrorConditionFailed);
  EXPECT_EQ(store.GetSchedule("ns-1", "nightly").Value().data, "state-of-nightly-v2");
  EXPECT_EQ(store.UpdateSchedule(ScheduleRow("ns-1", "gone", 2), 1).Error().Code(), kErrorNotFound);

  // Pages in id order, within a namespace and across all of them, without loss or repeats.
  for (const char* id : {"b", "a", "c"}) {
    ASSERT_TRUE(store.CreateSchedule(ScheduleRow("ns-1", id)).IsSuccess());
  }
  std::vector<std::string> ids;
  std::string token;
  do {
    auto page = store.ListSchedules("ns-1", 2, token);
    ASSERT_TRUE(page.IsSuccess()) << page.Error().ToString();
    EXPECT_LE(page.Value().schedules.size(), 2u);
    for (const auto& record : page.Value().schedules) ids.push_back(record.schedule_id);
    token = page.Value().next_page_token;
  } while (!token.empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c", "nightly"}));
  std::set<std::pair<std::string, std::string>> all;
  token.clear();
  do {
    auto page = store.ListSchedules("", 3, token);
    ASSERT_TRUE(page.IsSuccess());
    for (const auto& record : page.Value().schedules) {
      EXPECT_TRUE(all.emplace(record.namespace_id, record.schedule_id).second);
    }
    token = page.Value().next_page_token;
  } while (!token.empty());
  EXPECT_EQ(all.size(), 5u);

  // Deletes; a second delete and a read of the deleted one are NotFound.
  ASSERT_TRUE(store.DeleteSchedule("ns-1", "nightly").IsSuccess());
  EXPECT_EQ(store.DeleteSchedule("ns-1", "nightly").Error().Code(), kErrorNotFound);
  EXPECT_EQ(store.GetSchedule("ns-1", "nightly").Error().Code(), kErrorNotFound);
  EXPECT_TRUE(store.GetSchedule("ns-2", "nightly").IsSuccess());
}

}  // namespace hdo::persistence::testing
