// Goal: the embedded store opens real SQLite files durably (WAL), creates missing folders, refuses
// a second owner and non-database files with clear errors, and keeps the sub-journal of a
// transaction's savepoint in memory. Method: real files in a temp folder; the process's open files.
#include "persistence/sqlite/database.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "persistence/sqlite/statement.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::persistence::sqlite {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestFolder("hdo-db-test");
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

// Files the process has open that were deleted once opened: SQLite's temporary files (a spilled
// sub-journal among them) are unlinked as soon as they are created.
int OpenDeletedFiles() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec && target.string().ends_with(" (deleted)")) ++count;
  }
  return count;
}

TEST_F(DatabaseTest, ASavepointThatChangesManyPagesKeepsItsSubJournalInMemory) {
  auto db = Database::Open({.path = (dir_ / "hdo.db").string()});
  ASSERT_TRUE(db.IsSuccess()) << db.Error().ToString();
  Database& database = *db.Value();
  ASSERT_TRUE(database.Exec("CREATE TABLE pages (id INTEGER PRIMARY KEY, data BLOB)").IsSuccess());
  const int before = OpenDeletedFiles();
  // As a group commit runs its transactions: savepoints inside one open transaction, each one
  // changing 200 pages (SQLite spills a sub-journal past 64 KiB, 16 pages, when it may use disk).
  ASSERT_TRUE(database.Exec("BEGIN IMMEDIATE").IsSuccess());
  for (int transaction = 0; transaction < 3; ++transaction) {
    ASSERT_TRUE(database.Exec("SAVEPOINT hdo_transaction").IsSuccess());
    ASSERT_TRUE(database
                    .Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                          "WHERE i < 200) INSERT INTO pages (data) SELECT zeroblob(4000) FROM n")
                    .IsSuccess());
    ASSERT_TRUE(database.Exec("UPDATE pages SET data = zeroblob(3900)").IsSuccess());
    EXPECT_EQ(OpenDeletedFiles(), before) << "a sub-journal was written to a temporary file";
    ASSERT_TRUE(database.Exec("RELEASE hdo_transaction").IsSuccess());
  }
  ASSERT_TRUE(database.Exec("COMMIT").IsSuccess());
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

TEST_F(DatabaseTest, CachedStatementsComeBackResetWithoutTheirBindings) {
  auto db = Database::Open({.path = (dir_ / "a.db").string()});
  ASSERT_TRUE(db.IsSuccess());
  Database& database = *db.Value();
  ASSERT_TRUE(database.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)").IsSuccess());
  const char* insert_sql = "INSERT INTO t(id, v) VALUES(?, ?)";
  {
    Statement insert(database.handle(), insert_sql);
    ASSERT_TRUE(insert.BindInt64(1, 1).BindText(2, "one").Run().IsSuccess());
  }
  {
    // The same SQL again takes the cached statement: its old bindings must be gone (v is NULL).
    Statement insert(database.handle(), insert_sql);
    ASSERT_TRUE(insert.BindInt64(1, 2).Run().IsSuccess());
  }
  // Two uses of one SQL text at once (a read inside a loop over the same query) each get their
  // own statement, and a statement left mid-rows is reset when it goes back.
  const char* select_sql = "SELECT id, v FROM t ORDER BY id";
  Statement outer(database.handle(), select_sql);
  ASSERT_TRUE(outer.Step().Value());
  {
    Statement inner(database.handle(), select_sql);
    ASSERT_TRUE(inner.Step().Value());
    EXPECT_EQ(inner.ColumnInt64(0), 1);
  }
  ASSERT_TRUE(outer.Step().Value());
  EXPECT_EQ(outer.ColumnInt64(0), 2);
  EXPECT_TRUE(outer.ColumnIsNull(1));
  {
    Statement again(database.handle(), select_sql);
    ASSERT_TRUE(again.Step().Value());
    EXPECT_EQ(again.ColumnInt64(0), 1);
    EXPECT_EQ(again.ColumnText(1), "one");
  }
}

// A statement with more parameters than the cache tracks one by one: a reuse that binds only
// some of them still sees the others as NULL.
TEST_F(DatabaseTest, ACachedStatementWithManyParametersComesBackWithoutItsBindings) {
  auto db = Database::Open({.path = (dir_ / "a.db").string()});
  ASSERT_TRUE(db.IsSuccess());
  Database& database = *db.Value();
  constexpr int kColumns = 70;
  std::string create = "CREATE TABLE t(id INTEGER PRIMARY KEY";
  std::string insert_sql = "INSERT INTO t VALUES(?";
  for (int i = 1; i <= kColumns; ++i) {
    create += ", c" + std::to_string(i);
    insert_sql += ", ?";
  }
  ASSERT_TRUE(database.Exec(create + ")").IsSuccess());
  insert_sql += ")";
  {
    Statement insert(database.handle(), insert_sql);
    insert.BindInt64(1, 1);
    for (int i = 2; i <= kColumns + 1; ++i) insert.BindInt64(i, i);
    ASSERT_TRUE(insert.Run().IsSuccess());
  }
  {
    Statement insert(database.handle(), insert_sql);
    ASSERT_TRUE(insert.BindInt64(1, 2).BindInt64(3, 30).Run().IsSuccess());
  }
  Statement select(database.handle(), "SELECT c1, c2, c3, c69, c70 FROM t WHERE id = 2");
  ASSERT_TRUE(select.Step().Value());
  EXPECT_TRUE(select.ColumnIsNull(0));
  EXPECT_EQ(select.ColumnInt64(1), 30);
  EXPECT_TRUE(select.ColumnIsNull(2));
  EXPECT_TRUE(select.ColumnIsNull(3));
  EXPECT_TRUE(select.ColumnIsNull(4));
}

// A Statement still alive when its connection's cache is dropped (and the connection registered
// again) is finalized when it ends, not given to the new registration's cache.
TEST_F(DatabaseTest, AStatementOutlivingItsCacheIsFinalizedNotCachedAgain) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  EnableStatementCache(db);
  {
    Statement select(db, "SELECT 1");
    ASSERT_TRUE(select.Step().Value());
    DropStatementCache(db);
    EnableStatementCache(db);
  }
  EXPECT_EQ(sqlite3_next_stmt(db, nullptr), nullptr) << "a prepared statement is still held";
  {
    // The new registration caches as before.
    Statement select(db, "SELECT 1");
    ASSERT_TRUE(select.Step().Value());
  }
  EXPECT_NE(sqlite3_next_stmt(db, nullptr), nullptr);
  DropStatementCache(db);
  EXPECT_EQ(sqlite3_close(db), SQLITE_OK);
}

}  // namespace
}  // namespace hdo::persistence::sqlite
