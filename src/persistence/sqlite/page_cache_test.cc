// Goal: the page cache drops exactly what SQLite's own drops (every page at or above a
// truncation's limit, wherever a move put it), and a commit after a B-tree balance that moved a
// page through the temporary number past the lock byte no longer reaches pcache1's truncation.
// Method: the installed methods called directly on a cache (fetch, move, truncate, look up), and
// a real database through Database::Open with a workload that reuses freelist pages out of order.
// Also the rest of the process configuration (process_config.h): SQLite counts no memory.
#include "persistence/sqlite/page_cache.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "persistence/sqlite/database.h"
#include "persistence/sqlite/process_config.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::persistence::sqlite {
namespace {

// Read at static initialization, before anything initializes SQLite (which then refuses the
// configuration and the query).
sqlite3_pcache_methods2 InstalledMethods() {
  ConfigureSqlite();
  sqlite3_pcache_methods2 methods{};
  if (InstallPageCache()) sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &methods);
  return methods;
}
const sqlite3_pcache_methods2 kMethods = InstalledMethods();

// The page number B-tree balancing swaps pages through with 4 KiB pages (1 GiB / 4096 + 1).
constexpr unsigned kSwapPage = (0x40000000u / 4096) + 1;

class PageCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(kMethods.xCreate, nullptr) << "the page cache was not installed";
    ASSERT_EQ(sqlite3_initialize(), SQLITE_OK);
    cache_ = kMethods.xCreate(4096, 64, 1);
    ASSERT_NE(cache_, nullptr);
    kMethods.xCachesize(cache_, 10000);
  }
  void TearDown() override { kMethods.xDestroy(cache_); }

  // Creates pages first..last (unpinned, as SQLite leaves clean pages between statements).
  void Create(unsigned first, unsigned last) {
    for (unsigned key = first; key <= last; ++key) {
      sqlite3_pcache_page* page = kMethods.xFetch(cache_, key, 2);
      ASSERT_NE(page, nullptr) << key;
      kMethods.xUnpin(cache_, page, 0);
    }
  }
  bool Holds(unsigned key) {
    sqlite3_pcache_page* page = kMethods.xFetch(cache_, key, 0);
    if (page == nullptr) return false;
    kMethods.xUnpin(cache_, page, 0);
    return true;
  }
  void Move(unsigned from, unsigned to) {
    sqlite3_pcache_page* page = kMethods.xFetch(cache_, from, 0);
    ASSERT_NE(page, nullptr) << from;
    kMethods.xRekey(cache_, page, from, to);
    kMethods.xUnpin(cache_, page, 0);
  }

  sqlite3_pcache* cache_ = nullptr;
};

TEST_F(PageCacheTest, ASwapThroughTheTemporaryNumberLeavesNothingToTruncate) {
  Create(1, 100);
  // What balance_nonroot does to put two new pages in order.
  Move(10, kSwapPage);
  Move(20, 10);
  Move(kSwapPage, 20);
  auto before = PageCacheTotals();
  kMethods.xTruncate(cache_, 101);
  auto after = PageCacheTotals();
  EXPECT_EQ(after.truncations_skipped, before.truncations_skipped + 1);
  EXPECT_EQ(after.truncations_forwarded, before.truncations_forwarded);
  EXPECT_EQ(kMethods.xPagecount(cache_), 100);
  EXPECT_TRUE(Holds(10));
  EXPECT_TRUE(Holds(20));
  EXPECT_FALSE(Holds(kSwapPage));
}

TEST_F(PageCacheTest, APageLeftAtAMovedNumberIsTruncated) {
  Create(1, 100);
  Move(50, kSwapPage);
  auto before = PageCacheTotals();
  kMethods.xTruncate(cache_, 101);
  EXPECT_EQ(PageCacheTotals().truncations_forwarded, before.truncations_forwarded + 1);
  EXPECT_FALSE(Holds(kSwapPage));
  EXPECT_EQ(kMethods.xPagecount(cache_), 99);
  EXPECT_TRUE(Holds(49));
  EXPECT_TRUE(Holds(51));
}

TEST_F(PageCacheTest, PagesAboveTheLimitAreTruncatedAndTheBoundComesDown) {
  Create(1, 150);
  kMethods.xTruncate(cache_, 101);
  EXPECT_EQ(kMethods.xPagecount(cache_), 100);
  EXPECT_FALSE(Holds(101));
  EXPECT_FALSE(Holds(150));
  EXPECT_TRUE(Holds(100));
  // Nothing above 100 since: the next truncation at 101 has nothing to drop.
  auto before = PageCacheTotals();
  kMethods.xTruncate(cache_, 101);
  EXPECT_EQ(PageCacheTotals().truncations_skipped, before.truncations_skipped + 1);
  // Clearing the cache (limit 1) drops everything.
  kMethods.xTruncate(cache_, 1);
  EXPECT_EQ(kMethods.xPagecount(cache_), 0);
  // A page created below the limit after the truncation is truncated by the next one.
  Create(5, 5);
  kMethods.xTruncate(cache_, 3);
  EXPECT_FALSE(Holds(5));
}

TEST_F(PageCacheTest, APageMovedAboveTheLimitAndBackIsKept) {
  Create(1, 10);
  Move(3, 500);
  Move(500, 3);
  kMethods.xTruncate(cache_, 11);
  EXPECT_TRUE(Holds(3));
  EXPECT_EQ(kMethods.xPagecount(cache_), 10);
}

// A database whose inserts take freelist pages out of order, as hdo's store does once rows are
// deleted: its balances move pages through the temporary number, and its commits still skip
// pcache1's truncation; the data stay intact.
TEST(PageCacheDatabaseTest, CommitsAfterReorderingBalancesSkipTheTruncation) {
  const auto dir = TestFolder("hdo-page-cache-test");
  std::filesystem::remove_all(dir);
  auto opened = Database::Open({.path = (dir / "hdo.db").string()});
  ASSERT_TRUE(opened.IsSuccess()) << opened.Error().Message();
  auto& db = *opened.Value();
  auto exec = [&](const std::string& sql) {
    auto done = db.Exec(sql);
    ASSERT_TRUE(done.IsSuccess()) << sql << ": " << done.Error().Message();
  };
  exec("CREATE TABLE rows (k INTEGER PRIMARY KEY, v BLOB)");
  exec("CREATE INDEX rows_v ON rows (v)");
  exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) "
      "INSERT INTO rows SELECT i, randomblob(300) FROM n");
  exec("DELETE FROM rows WHERE k % 4 != 0");
  std::mt19937 random(7);
  std::uniform_int_distribution<int> key(100000, 900000);
  auto before = PageCacheTotals();
  constexpr int kCommits = 300;
  for (int i = 0; i < kCommits; ++i) {
    std::string sql = "BEGIN; ";
    for (int j = 0; j < 10; ++j) {
      sql += "INSERT OR IGNORE INTO rows VALUES (" + std::to_string(key(random)) +
             ", randomblob(300)); ";
    }
    exec(sql + "COMMIT");
  }
  auto after = PageCacheTotals();
  EXPECT_GT(after.moves_past_end, before.moves_past_end) << "no balance reordered its pages";
  EXPECT_GE(after.truncations_skipped - before.truncations_skipped, kCommits);
  EXPECT_EQ(after.truncations_forwarded, before.truncations_forwarded);

  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.handle(), "PRAGMA integrity_check", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
  sqlite3_finalize(stmt);
  std::filesystem::remove_all(dir);
}

// With its memory statistics on, SQLite adds every allocation to a process-wide counter under a
// mutex; the process configuration turns them off, so a database written through Database::Open
// leaves the counter at zero.
TEST(ProcessConfigTest, SqliteCountsNoMemory) {
  const auto dir = TestFolder("hdo-process-config-test");
  std::filesystem::remove_all(dir);
  {
    auto opened = Database::Open({.path = (dir / "hdo.db").string()});
    ASSERT_TRUE(opened.IsSuccess()) << opened.Error().Message();
    auto& db = *opened.Value();
    ASSERT_TRUE(db.Exec("CREATE TABLE rows (k INTEGER PRIMARY KEY, v BLOB)").IsSuccess());
    ASSERT_TRUE(db.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
                        "i < 1000) INSERT INTO rows SELECT i, randomblob(300) FROM n")
                    .IsSuccess());
    EXPECT_EQ(sqlite3_memory_used(), 0);
    EXPECT_EQ(sqlite3_memory_highwater(0), 0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hdo::persistence::sqlite
