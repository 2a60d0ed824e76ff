// Goal: the SQLite namespace store keeps names unique, pages in name order, guards updates with the
// notification version, and keeps records across a reopen. Method: a real migrated SQLite file.
#include "persistence/sqlite/namespace_store.h"

#include <gtest/gtest.h>

#include "persistence/sqlite/test_database.h"

namespace hdo::persistence::sqlite {
namespace {

class NamespaceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::make_unique<SqliteNamespaceStore>(&file_.db()); }
  void Reopen() {
    store_.reset();
    file_.Reopen();
    store_ = std::make_unique<SqliteNamespaceStore>(&file_.db());
  }
  static NamespaceRecord Record(const std::string& id, const std::string& name) {
    return NamespaceRecord{id, name, 1, "data-of-" + name};
  }
  TestDatabase file_{"hdo-ns-store"};
  std::unique_ptr<SqliteNamespaceStore> store_;
};

TEST_F(NamespaceStoreTest, ACreatedNamespaceIsFoundByNameAndByIdAfterAReopen) {
  ASSERT_TRUE(store_->CreateNamespace(Record("id-1", "orders")).IsSuccess());
  Reopen();
  auto by_name = store_->GetNamespaceByName("orders");
  ASSERT_TRUE(by_name.IsSuccess()) << by_name.Error().ToString();
  EXPECT_EQ(by_name.Value().id, "id-1");
  EXPECT_EQ(by_name.Value().data, "data-of-orders");
  auto by_id = store_->GetNamespaceById("id-1");
  ASSERT_TRUE(by_id.IsSuccess());
  EXPECT_EQ(by_id.Value().name, "orders");
}

TEST_F(NamespaceStoreTest, ATakenNameIsAlreadyExistsAndChangesNothing) {
  ASSERT_TRUE(store_->CreateNamespace(Record("id-1", "orders")).IsSuccess());
  auto duplicate = store_->CreateNamespace(Record("id-2", "orders"));
  ASSERT_TRUE(duplicate.IsFailure());
  EXPECT_EQ(duplicate.Error().Code(), kErrorAlreadyExists);
  EXPECT_EQ(store_->GetNamespaceById("id-2").Error().Code(), kErrorNotFound);
}

TEST_F(NamespaceStoreTest, AnUnknownNamespaceIsNotFound) {
  EXPECT_EQ(store_->GetNamespaceByName("nope").Error().Code(), kErrorNotFound);
  EXPECT_EQ(store_->GetNamespaceById("nope").Error().Code(), kErrorNotFound);
}

TEST_F(NamespaceStoreTest, ListingPagesThroughEveryNamespaceInNameOrderExactlyOnce) {
  for (const char* name : {"c", "a", "e", "b", "d"}) {
    ASSERT_TRUE(store_->CreateNamespace(Record(std::string("id-") + name, name)).IsSuccess());
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = store_->ListNamespaces(2, token);
    ASSERT_TRUE(page.IsSuccess()) << page.Error().ToString();
    for (const auto& record : page.Value().namespaces) seen.push_back(record.name);
    token = page.Value().next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(pages, 3);
}

TEST_F(NamespaceStoreTest, AnUpdateWithAStaleVersionLosesAndChangesNothing) {
  ASSERT_TRUE(store_->CreateNamespace(Record("id-1", "orders")).IsSuccess());
  NamespaceRecord updated{"id-1", "orders", 2, "v2"};
  ASSERT_TRUE(store_->UpdateNamespace(updated, 1).IsSuccess());
  NamespaceRecord stale{"id-1", "orders", 2, "stale"};
  auto lost = store_->UpdateNamespace(stale, 1);
  ASSERT_TRUE(lost.IsFailure());
  EXPECT_EQ(lost.Error().Code(), kErrorConditionFailed);
  EXPECT_EQ(store_->GetNamespaceById("id-1").Value().data, "v2");
}

TEST_F(NamespaceStoreTest, UpdatingAMissingNamespaceIsNotFound) {
  auto missing = store_->UpdateNamespace(NamespaceRecord{"id-9", "ghost", 2, "x"}, 1);
  ASSERT_TRUE(missing.IsFailure());
  EXPECT_EQ(missing.Error().Code(), kErrorNotFound);
}

}  // namespace
}  // namespace hdo::persistence::sqlite
