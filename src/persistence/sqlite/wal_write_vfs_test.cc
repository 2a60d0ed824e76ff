// Goal: the WAL write VFS hands a commit's frames to the WAL in one write, and changes nothing
// else: other connections see every commit as soon as it returns, a transaction that spills
// pages reads them back, checkpoints copy what was written, a process killed between commits
// keeps every commit that returned, and connections that do not sync each commit are not
// batched. Method: real files in a temp folder through Database::Open (the server's path); a
// second, plain connection as the other reader; fork and SIGKILL for the crash.
#include "persistence/sqlite/wal_write_vfs.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "persistence/sqlite/database.h"

namespace hdo::persistence::sqlite {
namespace {

class WalWriteVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hdo-wal-vfs-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "hdo.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string path_;
};

void Exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << (message != nullptr ? message : "");
}

int64_t Scalar(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  int64_t value = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

std::string Text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::string value;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return value;
}

// A plain connection of the default VFS, as another process (or a tool) would read the file.
sqlite3* OpenPlain(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  return db;
}

// Inserts `rows` rows of 1 KiB (about a quarter page each) in one transaction.
void InsertRows(sqlite3* db, int first, int rows) {
  Exec(db, "BEGIN");
  for (int i = first; i < first + rows; ++i) {
    Exec(db, "INSERT INTO t(id, body) VALUES(" + std::to_string(i) + ", randomblob(1024))");
  }
  Exec(db, "COMMIT");
}

TEST_F(WalWriteVfsTest, ACommitReachesTheWalInOneWriteAndAnotherConnectionSeesIt) {
  auto opened = Database::Open({.path = path_});
  ASSERT_TRUE(opened.IsSuccess()) << opened.Error().ToString();
  sqlite3* db = opened.Value()->handle();
  Exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)");
  sqlite3* reader = OpenPlain(path_);
  for (int commit = 0; commit < 5; ++commit) {
    WalWriteCounts before = WalWriteVfsCounts();
    const auto wal_before = std::filesystem::file_size(path_ + "-wal");
    InsertRows(db, commit * 200, 200);  // ~60 pages: ~120 frame writes from SQLite
    WalWriteCounts after = WalWriteVfsCounts();
    const auto appended = std::filesystem::file_size(path_ + "-wal") - wal_before;
    EXPECT_GE(after.writes_received - before.writes_received, 100);
    // One write per 124 KiB of frames (the most the unix VFS takes in one call).
    constexpr uintmax_t kPiece = 31 * 4096;
    EXPECT_EQ(after.writes_issued - before.writes_issued, (appended + kPiece - 1) / kPiece)
        << "commit " << commit << ": " << appended << " bytes";
    EXPECT_EQ(Scalar(reader, "SELECT count(*) FROM t"), (commit + 1) * 200);
  }
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
}

TEST_F(WalWriteVfsTest, ATransactionThatSpillsPagesReadsThemBackAndCheckpointsCopyThem) {
  {
    auto opened = Database::Open({.path = path_});
    ASSERT_TRUE(opened.IsSuccess()) << opened.Error().ToString();
    sqlite3* db = opened.Value()->handle();
    // A 20-page cache: a 2,000-row transaction spills frames to the WAL before its commit and
    // reads them back for its later inserts.
    Exec(db, "PRAGMA cache_size=20");
    Exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)");
    Exec(db, "CREATE INDEX t_body ON t(body)");
    Exec(db, "BEGIN");
    for (int i = 0; i < 2000; ++i) {
      Exec(db, "INSERT INTO t(id, body) VALUES(" + std::to_string(i) + ", randomblob(512))");
    }
    EXPECT_EQ(Scalar(db, "SELECT count(*) FROM t WHERE id % 7 = 0"), 286);
    Exec(db, "COMMIT");
    // A transaction that spills and then rolls back leaves nothing behind.
    Exec(db, "BEGIN");
    for (int i = 2000; i < 3000; ++i) {
      Exec(db, "INSERT INTO t(id, body) VALUES(" + std::to_string(i) + ", randomblob(512))");
    }
    Exec(db, "ROLLBACK");
    InsertRows(db, 5000, 10);
    EXPECT_EQ(Text(db, "PRAGMA integrity_check"), "ok");
    Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    EXPECT_EQ(std::filesystem::file_size(path_ + "-wal"), 0u);
    InsertRows(db, 6000, 10);  // the WAL starts again from its header
  }
  sqlite3* reader = OpenPlain(path_);
  EXPECT_EQ(Scalar(reader, "SELECT count(*) FROM t"), 2020);
  EXPECT_EQ(Scalar(reader, "SELECT count(*) FROM t WHERE id >= 2000 AND id < 3000"), 0);
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
}

TEST_F(WalWriteVfsTest, AProcessKilledBetweenCommitsKeepsEveryCommitThatReturned) {
  {
    auto opened = Database::Open({.path = path_});
    ASSERT_TRUE(opened.IsSuccess()) << opened.Error().ToString();
    Exec(opened.Value()->handle(), "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)");
  }
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child commits until it is killed, and reports each commit once it returned.
    ::close(pipe_fds[0]);
    auto opened = Database::Open({.path = path_});
    if (opened.IsFailure()) ::_exit(2);
    sqlite3* db = opened.Value()->handle();
    for (int commit = 0;; ++commit) {
      std::string sql = "BEGIN;";
      for (int i = 0; i < 50; ++i) {
        sql += "INSERT INTO t(id, body) VALUES(" + std::to_string(commit * 50 + i) +
               ", randomblob(1024));";
      }
      sql += "COMMIT;";
      if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) ::_exit(3);
      if (::write(pipe_fds[1], &commit, sizeof(commit)) != sizeof(commit)) ::_exit(4);
    }
  }
  ::close(pipe_fds[1]);
  int last = -1;
  for (int commit; last < 40 && ::read(pipe_fds[0], &commit, sizeof(commit)) == sizeof(commit);) {
    last = commit;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  for (int commit; ::read(pipe_fds[0], &commit, sizeof(commit)) == sizeof(commit);) last = commit;
  ::close(pipe_fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited by itself, status " << status;
  ASSERT_GE(last, 40);

  auto reopened = Database::Open({.path = path_});
  ASSERT_TRUE(reopened.IsSuccess()) << reopened.Error().ToString();
  sqlite3* db = reopened.Value()->handle();
  // Every commit the child reported is there, whole (a commit it had not reported may be too).
  const int64_t rows = Scalar(db, "SELECT count(*) FROM t");
  EXPECT_GE(rows, (last + 1) * 50);
  EXPECT_EQ(rows % 50, 0);
  EXPECT_EQ(Scalar(db, "SELECT max(id) FROM t") + 1, rows);
  EXPECT_EQ(Text(db, "PRAGMA integrity_check"), "ok");
}

// The file methods themselves: appends, rewrites inside the buffer, a rewrite that runs past its
// end, and a write elsewhere, against the bytes they must leave.
TEST_F(WalWriteVfsTest, WritesThatOverlapOrSkipLeaveTheSameBytesAsWritingThemInOrder) {
  std::ofstream(path_) << "";  // the WAL's database file must exist
  sqlite3_vfs* vfs = sqlite3_vfs_find(WalWriteVfsName());
  ASSERT_NE(vfs, nullptr);
  std::string storage(static_cast<size_t>(vfs->szOsFile), '\0');
  auto* file = reinterpret_cast<sqlite3_file*>(storage.data());
  const std::string wal = path_ + "-wal";
  ASSERT_EQ(vfs->xOpen(vfs, wal.c_str(), file,
                       SQLITE_OPEN_WAL | SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  std::string want(1100, '\0');
  auto write = [&](char fill, int amount, int offset) {
    std::string bytes(static_cast<size_t>(amount), fill);
    ASSERT_EQ(file->pMethods->xWrite(file, bytes.data(), amount, offset), SQLITE_OK);
    want.replace(static_cast<size_t>(offset), bytes.size(), bytes);
  };
  WalWriteCounts before = WalWriteVfsCounts();
  write('a', 100, 0);
  write('b', 100, 100);   // appended
  write('c', 100, 50);    // rewritten inside
  write('d', 50, 180);    // rewritten across the end, and appended
  write('e', 100, 1000);  // elsewhere: the first run goes out
  EXPECT_EQ(WalWriteVfsCounts().writes_issued - before.writes_issued, 1);
  ASSERT_EQ(file->pMethods->xSync(file, SQLITE_SYNC_NORMAL), SQLITE_OK);
  EXPECT_EQ(WalWriteVfsCounts().writes_issued - before.writes_issued, 2);
  EXPECT_EQ(WalWriteVfsCounts().writes_received - before.writes_received, 5);
  // A read sees what was written, buffered or not.
  write('f', 10, 1095);
  char tail[10];
  ASSERT_EQ(file->pMethods->xRead(file, tail, 10, 1095), SQLITE_OK);
  EXPECT_EQ(std::string(tail, 10), std::string(10, 'f'));
  ASSERT_EQ(file->pMethods->xClose(file), SQLITE_OK);
  want.resize(1105);
  std::ifstream in(wal, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, want);
}

TEST_F(WalWriteVfsTest, AConnectionThatDoesNotSyncEachCommitWritesThroughThePlainVfs) {
  auto opened = Database::Open({.path = path_, .synchronous = "NORMAL"});
  ASSERT_TRUE(opened.IsSuccess()) << opened.Error().ToString();
  sqlite3* db = opened.Value()->handle();
  Exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)");
  WalWriteCounts before = WalWriteVfsCounts();
  InsertRows(db, 0, 200);
  WalWriteCounts after = WalWriteVfsCounts();
  EXPECT_EQ(after.writes_received, before.writes_received);
  EXPECT_EQ(after.writes_issued, before.writes_issued);
  sqlite3_vfs* vfs = nullptr;
  ASSERT_EQ(sqlite3_file_control(db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs), SQLITE_OK);
  EXPECT_STRNE(vfs->zName, WalWriteVfsName());
}

}  // namespace
}  // namespace hdo::persistence::sqlite
