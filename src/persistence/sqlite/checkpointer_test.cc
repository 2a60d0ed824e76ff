// Goal: with the Checkpointer hooked, a writer that commits back to back never checkpoints the
// whole WAL itself, yet its WAL is restarted (the file stays small) and every commit stays
// readable; a writer whose background thread never runs falls back to checkpointing itself; and
// Database::Open hooks one unless told not to. Method: real files in a temp folder, a plain
// writer connection in WAL mode with synchronous=FULL (the server's level), commits in a tight
// loop (so that a background pass never ends with every frame copied: only the writer's tail copy
// can restart the WAL), the WAL file's size as the observable, and a fresh connection to read
// back.
#include "persistence/sqlite/checkpointer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "persistence/sqlite/database.h"

namespace hdo::persistence::sqlite {
namespace {

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hdo-checkpointer-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "hdo.db").string();
  }
  void TearDown() override {
    if (writer_ != nullptr) sqlite3_close_v2(writer_);
    std::filesystem::remove_all(dir_);
  }

  void OpenWriter() {
    ASSERT_EQ(
        sqlite3_open_v2(path_.c_str(), &writer_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
        SQLITE_OK);
    Exec(writer_, "PRAGMA journal_mode=WAL");
    Exec(writer_, "PRAGMA synchronous=FULL");
    Exec(writer_, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  }

  // `n` commits of one row each (about a page of data), keys from `first`; returns the WAL
  // file's largest size seen after a commit.
  uintmax_t Commit(int first, int n) {
    uintmax_t largest = 0;
    for (int k = first; k < first + n; ++k) {
      Exec(writer_, "INSERT INTO t (k, v) VALUES (" + std::to_string(k) + ", zeroblob(3000))");
      std::error_code ec;
      uintmax_t size = std::filesystem::file_size(path_ + "-wal", ec);
      if (!ec && size > largest) largest = size;
    }
    return largest;
  }

  static void Exec(sqlite3* db, const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << (message != nullptr ? message : "");
    sqlite3_free(message);
  }

  // Reads with a connection of its own: the row count and the integrity check's verdict.
  std::pair<int64_t, std::string> ReadBack() {
    sqlite3* reader = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    int64_t rows = -1;
    std::string check;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(reader, "SELECT count(*) FROM t", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      rows = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (sqlite3_prepare_v2(reader, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      check = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close_v2(reader);
    return {rows, check};
  }

  std::filesystem::path dir_;
  std::string path_;
  sqlite3* writer_ = nullptr;
};

// 3,000 commits write about 3,000 pages of rows: unrestarted, the WAL would pass 12 MiB.
constexpr int kCommits = 3000;
constexpr uintmax_t kWalBound = 4u << 20;

TEST_F(CheckpointerTest, BackToBackCommitsGetTheirWalRestartedByTheWritersTailCopy) {
  OpenWriter();
  auto started = Checkpointer::Start(
      writer_, path_, {.start_pages = 64, .tail_pages = 48, .writer_pages = 1 << 30});
  ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
  auto checkpointer = std::move(started).Value();

  const uintmax_t largest = Commit(0, kCommits);

  const Checkpointer::Stats stats = checkpointer->stats();
  EXPECT_GT(stats.background_passes, 0);
  EXPECT_GT(stats.background_frames, 0);
  EXPECT_GT(stats.writer_tails, 0);
  EXPECT_EQ(stats.writer_fallbacks, 0);
  EXPECT_EQ(stats.failures, 0);
  EXPECT_LT(largest, kWalBound) << "the WAL was not restarted";
  checkpointer.reset();
  EXPECT_EQ(ReadBack(), std::make_pair(int64_t{kCommits}, std::string("ok")));
}

TEST_F(CheckpointerTest, AWriterThatReachesItsLimitCheckpointsItselfAndSoDoesItOnceUnhooked) {
  OpenWriter();
  // The background pass never asked for: the writer's own checkpoint at 64 pages is all there is.
  auto started = Checkpointer::Start(
      writer_, path_, {.start_pages = 1 << 30, .tail_pages = 48, .writer_pages = 64});
  ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
  auto checkpointer = std::move(started).Value();

  EXPECT_LT(Commit(0, kCommits), kWalBound);
  const Checkpointer::Stats stats = checkpointer->stats();
  EXPECT_EQ(stats.background_passes, 0);
  EXPECT_GT(stats.writer_fallbacks, 0);
  EXPECT_EQ(stats.failures, 0);

  // Unhooked, SQLite's automatic checkpoint (at writer_pages) is back.
  checkpointer.reset();
  EXPECT_LT(Commit(kCommits, kCommits), kWalBound);
  EXPECT_EQ(ReadBack(), std::make_pair(int64_t{2 * kCommits}, std::string("ok")));
}

TEST_F(CheckpointerTest, TheStoreHooksOneUnlessToldNot) {
  for (bool background : {true, false}) {
    SCOPED_TRACE(background);
    std::filesystem::remove_all(dir_);
    auto opened = Database::Open({.path = path_, .background_checkpoints = background});
    ASSERT_TRUE(opened.IsSuccess()) << opened.Error().ToString();
    std::unique_ptr<Database> db = std::move(opened).Value();
    ASSERT_TRUE(db->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)").IsSuccess());
    // Past the default start (4,000 pages) in rows of about two pages.
    for (int k = 0; k < 2500; ++k) {
      ASSERT_TRUE(
          db->Exec("INSERT INTO t (k, v) VALUES (" + std::to_string(k) + ", zeroblob(6000))")
              .IsSuccess());
    }
    const Checkpointer::Stats stats = db->checkpoint_stats();
    if (background) {
      EXPECT_GT(stats.background_passes, 0);
    } else {
      EXPECT_EQ(stats.background_passes, 0);
      EXPECT_EQ(stats.writer_tails, 0);
    }
    db.reset();
    EXPECT_EQ(ReadBack(), std::make_pair(int64_t{2500}, std::string("ok")));
  }
}

TEST_F(CheckpointerTest, AFileThatCannotBeOpenedIsAClearError) {
  OpenWriter();
  auto started = Checkpointer::Start(writer_, (dir_ / "missing" / "hdo.db").string(), {});
  ASSERT_TRUE(started.IsFailure());
  EXPECT_NE(started.Error().Message().find("cannot open the checkpoint connection"),
            std::string::npos)
      << started.Error().Message();
}

}  // namespace
}  // namespace hdo::persistence::sqlite
