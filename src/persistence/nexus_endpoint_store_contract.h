// The contract every NexusEndpointStore keeps, as a test body the engines' tests run on their own
// store (sqlite/schedule_store_test.cc, sql/schedule_store_test.cc): create then read, a taken
// id is AlreadyExists and changes nothing, updates compare the version, pages in id order,
// deletes. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "persistence/namespace_store.h"
#include "persistence/nexus_endpoint_store.h"

namespace hdo::persistence::testing {

inline KeyedRow EndpointRow(const std::string& id, int64_t version = 1) {
  return KeyedRow{"", id, version, "endpoint-" + id + "-v" + std::to_string(version)};
}

inline void ExpectNexusEndpointStoreContract(NexusEndpointStore& store) {
  ASSERT_TRUE(store.CreateEndpoint(EndpointRow("id-b")).IsSuccess());
  auto read = store.GetEndpoint("id-b");
  ASSERT_TRUE(read.IsSuccess()) << read.Error().ToString();
  EXPECT_EQ(read.Value().namespace_id, "");
  EXPECT_EQ(read.Value().version, 1);
  EXPECT_EQ(read.Value().data, "endpoint-id-b-v1");

  auto taken = store.CreateEndpoint(KeyedRow{"", "id-b", 1, "other"});
  ASSERT_TRUE(taken.IsFailure());
  EXPECT_EQ(taken.Error().Code(), kErrorAlreadyExists);
  EXPECT_EQ(taken.Error().Message(), "Nexus endpoint 'id-b' already exists");
  EXPECT_EQ(store.GetEndpoint("id-b").Value().data, "endpoint-id-b-v1");

  ASSERT_TRUE(store.UpdateEndpoint(EndpointRow("id-b", 2), 1).IsSuccess());
  auto stale = store.UpdateEndpoint(EndpointRow("id-b", 3), 1);
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_EQ(stale.Error().Code(), kErrorConditionFailed);
  EXPECT_EQ(store.GetEndpoint("id-b").Value().data, "endpoint-id-b-v2");
  EXPECT_EQ(store.UpdateEndpoint(EndpointRow("gone", 2), 1).Error().Code(), kErrorNotFound);

  for (const char* id : {"id-c", "id-a"}) {
    ASSERT_TRUE(store.CreateEndpoint(EndpointRow(id)).IsSuccess());
  }
  std::vector<std::string> ids;
  std::string token;
  do {
    auto page = store.ListEndpoints(2, token);
    ASSERT_TRUE(page.IsSuccess()) << page.Error().ToString();
    EXPECT_LE(page.Value().rows.size(), 2u);
    for (const auto& row : page.Value().rows) ids.push_back(row.id);
    token = page.Value().next_page_token;
  } while (!token.empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"id-a", "id-b", "id-c"}));

  ASSERT_TRUE(store.DeleteEndpoint("id-b").IsSuccess());
  EXPECT_EQ(store.DeleteEndpoint("id-b").Error().Code(), kErrorNotFound);
  EXPECT_EQ(store.GetEndpoint("id-b").Error().Code(), kErrorNotFound);
  EXPECT_EQ(store.ListEndpoints(10, "").Value().rows.size(), 2u);
}

}  // namespace hdo::persistence::testing
