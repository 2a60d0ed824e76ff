// The contract every BatchStore keeps, as a test body the engines' tests run on their own store
// (sqlite/batch_store_test.cc, sql/schedule_store_test.cc): create then read, a taken job id is
// AlreadyExists and changes nothing, updates compare the version, pages in id order, deletes.
// Test-only.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "persistence/batch_store.h"
#include "persistence/namespace_store.h"

namespace hdo::persistence::testing {

inline KeyedRow BatchRow(const std::string& namespace_id, const std::string& job_id,
                         int64_t version = 1) {
  return KeyedRow{namespace_id, job_id, version, "job-" + job_id + "-v" + std::to_string(version)};
}

inline void ExpectBatchStoreContract(BatchStore& store) {
  ASSERT_TRUE(store.CreateBatch(BatchRow("ns-1", "job-a")).IsSuccess());
  auto read = store.GetBatch("ns-1", "job-a");
  ASSERT_TRUE(read.IsSuccess()) << read.Error().ToString();
  EXPECT_EQ(read.Value().version, 1);
  EXPECT_EQ(read.Value().data, "job-job-a-v1");

  auto taken = store.CreateBatch(KeyedRow{"ns-1", "job-a", 1, "other"});
  ASSERT_TRUE(taken.IsFailure());
  EXPECT_EQ(taken.Error().Code(), kErrorAlreadyExists);
  EXPECT_EQ(taken.Error().Message(), "batch operation 'job-a' already exists");
  EXPECT_EQ(store.GetBatch("ns-1", "job-a").Value().data, "job-job-a-v1");
  ASSERT_TRUE(store.CreateBatch(BatchRow("ns-2", "job-a")).IsSuccess());

  ASSERT_TRUE(store.UpdateBatch(BatchRow("ns-1", "job-a", 2), 1).IsSuccess());
  auto stale = store.UpdateBatch(BatchRow("ns-1", "job-a", 3), 1);
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_EQ(stale.Error().Code(), kErrorConditionFailed);
  EXPECT_EQ(store.GetBatch("ns-1", "job-a").Value().data, "job-job-a-v2");
  EXPECT_EQ(store.UpdateBatch(BatchRow("ns-1", "gone", 2), 1).Error().Code(), kErrorNotFound);

  for (const char* id : {"job-c", "job-b"}) {
    ASSERT_TRUE(store.CreateBatch(BatchRow("ns-1", id)).IsSuccess());
  }
  std::vector<std::string> ids;
  std::string token;
  do {
    auto page = store.ListBatches("ns-1", 2, token);
    ASSERT_TRUE(page.IsSuccess()) << page.Error().ToString();
    EXPECT_LE(page.Value().rows.size(), 2u);
    for (const auto& row : page.Value().rows) ids.push_back(row.id);
    token = page.Value().next_page_token;
  } while (!token.empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"job-a", "job-b", "job-c"}));
  auto all = store.ListBatches("", 10, "");
  ASSERT_TRUE(all.IsSuccess());
  EXPECT_EQ(all.Value().rows.size(), 4u);

  ASSERT_TRUE(store.DeleteBatch("ns-1", "job-a").IsSuccess());
  EXPECT_EQ(store.DeleteBatch("ns-1", "job-a").Error().Code(), kErrorNotFound);
  EXPECT_EQ(store.GetBatch("ns-1", "job-a").Error().Code(), kErrorNotFound);
  EXPECT_TRUE(store.GetBatch("ns-2", "job-a").IsSuccess());
}

}  // namespace hdo::persistence::testing
