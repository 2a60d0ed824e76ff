// Goal: migrations apply in order exactly once, leave the file at a whole version when one fails,
// and refuse files from a newer hdo. Method: real SQLite files, the embedded migrations and small
// synthetic ones.
#include "persistence/sqlite/migrations.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "persistence/sqlite/database.h"

namespace hdo::persistence::sqlite {
namespace {

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hdo-migrations-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto db = Database::Open({.path = (dir_ / "hdo.db").string()});
    ASSERT_TRUE(db.IsSuccess()) << db.Error().ToString();
    db_ = std::move(db).Value();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(MigrationsTest, TheEmbeddedMigrationsAreVersionsOneToN) {
  const auto& migrations = SchemaMigrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_EQ(migrations[i].name.rfind("V" + std::to_string(i + 1) + "__", 0), 0u);
  }
}

TEST_F(MigrationsTest, ANewFileIsMigratedToTheNewestVersionOnceAndOnlyOnce) {
  ASSERT_EQ(SchemaVersion(*db_).Value(), 0);
  auto first = ApplyMigrations(*db_, SchemaMigrations());
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  EXPECT_EQ(first.Value(), static_cast<int>(SchemaMigrations().size()));
  EXPECT_TRUE(db_->Exec("SELECT id, name, notification_version, data FROM namespaces").IsSuccess());
  auto second = ApplyMigrations(*db_, SchemaMigrations());
  ASSERT_TRUE(second.IsSuccess()) << second.Error().ToString();
  EXPECT_EQ(SchemaVersion(*db_).Value(), first.Value());
}

TEST_F(MigrationsTest, MigrationsApplyInOrderOnTopOfAnOlderVersion) {
  std::vector<Migration> v1 = {{1, "V1__a.sql", "CREATE TABLE a (x INTEGER);"}};
  ASSERT_TRUE(ApplyMigrations(*db_, v1).IsSuccess());
  std::vector<Migration> v2 = v1;
  v2.push_back({2, "V2__b.sql", "ALTER TABLE a ADD COLUMN y TEXT; CREATE TABLE b (z TEXT);"});
  auto result = ApplyMigrations(*db_, v2);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 2);
  EXPECT_TRUE(db_->Exec("SELECT x, y FROM a; SELECT z FROM b").IsSuccess());
}

TEST_F(MigrationsTest, AFailingMigrationLeavesTheFileAtTheLastWholeVersion) {
  std::vector<Migration> migrations = {
      {1, "V1__a.sql", "CREATE TABLE a (x INTEGER);"},
      {2, "V2__broken.sql", "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;"}};
  auto result = ApplyMigrations(*db_, migrations);
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), kErrorMigration);
  EXPECT_NE(result.Error().Message().find("V2__broken.sql"), std::string::npos);
  EXPECT_EQ(SchemaVersion(*db_).Value(), 1);
  EXPECT_TRUE(db_->Exec("SELECT x FROM half").IsFailure()) << "the failed version left a table";
}

TEST_F(MigrationsTest, AFileFromANewerHdoIsRefusedWithBothVersions) {
  std::vector<Migration> two = {{1, "V1__a.sql", "CREATE TABLE a (x INTEGER);"},
                                {2, "V2__b.sql", "CREATE TABLE b (x INTEGER);"}};
  ASSERT_TRUE(ApplyMigrations(*db_, two).IsSuccess());
  auto result = ApplyMigrations(*db_, {two[0]});
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), kErrorSchemaTooNew);
  EXPECT_NE(result.Error().Message().find("schema version 2, newer than this hdo knows (1)"),
            std::string::npos)
      << result.Error().Message();
}

TEST_F(MigrationsTest, AListWithAGapIsRefusedBeforeTouchingTheFile) {
  std::vector<Migration> gap = {{1, "V1__a.sql", "CREATE TABLE a (x INTEGER);"},
                                {3, "V3__c.sql", "CREATE TABLE c (x INTEGER);"}};
  auto result = ApplyMigrations(*db_, gap);
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), kErrorMigration);
  EXPECT_EQ(SchemaVersion(*db_).Value(), 0);
}

}  // namespace
}  // namespace hdo::persistence::sqlite
