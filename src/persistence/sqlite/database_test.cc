// Goal: the embedded store opens real SQLite files durably (WAL), creates missing folders, refuses
// a second owner and non-database files with clear errors. Method: real files in a temp folder.
#include "persistence/sqlite/database.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace hdo::persistence::sqlite {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hdo-db-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

std::string JournalMode(Database& db) {
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db.handle(), "PRAGMA journal_mode", -1, &stmt, nullptr);
  std::string mode;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return mode;
}

TEST_F(DatabaseTest, OpensANewFileInAMissingFolderInWalMode) {
  auto path = dir_ / "nested" / "hdo.db";
  auto db = Database::Open({.path = path.string()});
  ASSERT_TRUE(db.IsSuccess()) << db.Error().ToString();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(JournalMode(*db.Value()), "wal");
  EXPECT_EQ(db.Value()->path(), path.string());
}

TEST_F(DatabaseTest, ASecondOwnerOfTheSameFileIsRefusedWithAClearMessage) {
  auto path = (dir_ / "hdo.db").string();
  auto first = Database::Open({.path = path});
  ASSERT_TRUE(first.IsSuccess());
  auto second = Database::Open({.path = path});
  ASSERT_TRUE(second.IsFailure());
  EXPECT_EQ(second.Error().Code(), kErrorLocked);
  EXPECT_NE(second.Error().Message().find("in use by another hdo server"), std::string::npos);
}

TEST_F(DatabaseTest, TheFileCanBeReopenedAfterTheOwnerCloses) {
  auto path = (dir_ / "hdo.db").string();
  { ASSERT_TRUE(Database::Open({.path = path}).IsSuccess()); }
  EXPECT_TRUE(Database::Open({.path = path}).IsSuccess());
}

TEST_F(DatabaseTest, AFileThatIsNotADatabaseIsRefused) {
  auto path = dir_ / "notes.txt";
  std::ofstream(path) << "these are not the pages you are looking for, not a database header";
  auto db = Database::Open({.path = path.string()});
  ASSERT_TRUE(db.IsFailure());
  EXPECT_EQ(db.Error().Code(), kErrorOpen);
  EXPECT_NE(db.Error().Message().find("not a database"), std::string::npos) << db.Error().Message();
}

TEST_F(DatabaseTest, ADirectoryIsRefused) {
  auto db = Database::Open({.path = dir_.string()});
  ASSERT_TRUE(db.IsFailure());
  EXPECT_NE(db.Error().Message().find("directory"), std::string::npos);
}

TEST_F(DatabaseTest, AnUnknownSynchronousLevelIsRefused) {
  auto db = Database::Open({.path = (dir_ / "a.db").string(), .synchronous = "OFF"});
  ASSERT_TRUE(db.IsFailure());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "a.db"));
}

}  // namespace
}  // namespace hdo::persistence::sqlite
