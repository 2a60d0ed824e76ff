// Goal: group commit batches the transactions of many requests into one SQLite commit, answers
// each reply only after the commit of its batch, keeps a failed transaction's changes out of the
// batch, and turns a failed commit into Unavailable answers and refused transactions until the
// owner resumes. Method: a real SQLite file; the store thread is an io_context the test runs.
#include "persistence/group_commit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <asio/io_context.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/error_codes.h"
#include "persistence/sqlite/statement.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::persistence::sqlite {
namespace {

using persistence::GroupCommit;

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        file_.db().Exec("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT)").IsSuccess());
  }
  // One request's transaction: inserts (id, name), then fails when `fail` is set.
  hugo::Result<hugo::Unit> Insert(int id, bool fail = false,
                                  Database::Undo undo = Database::Undo::kTransaction) {
    return file_.db().InTransaction(
        [&]() -> hugo::Result<hugo::Unit> {
          Statement insert(file_.db().handle(), "INSERT INTO items(id, name) VALUES(?, 'x')");
          auto inserted = insert.BindInt64(1, id).Run();
          if (inserted.IsFailure()) return inserted;
          if (fail) return hugo::Error::From("the request failed after writing", errors::kInternal);
          return hugo::Ok();
        },
        undo);
  }
  // A reply registered now: what it was answered, once it is.
  std::shared_ptr<std::optional<hugo::Result<hugo::Unit>>> Reply(GroupCommit& group) {
    auto answer = std::make_shared<std::optional<hugo::Result<hugo::Unit>>>();
    group.AfterDurable([answer](hugo::Result<hugo::Unit> durable) { *answer = durable; });
    return answer;
  }
  // What another connection sees: only committed rows.
  std::vector<int> CommittedIds() {
    sqlite3* other = nullptr;
    sqlite3_open_v2(file_.db().path().c_str(), &other, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(other, "SELECT id FROM items ORDER BY id", -1, &stmt, nullptr);
    std::vector<int> ids;
    while (sqlite3_step(stmt) == SQLITE_ROW) ids.push_back(sqlite3_column_int(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(other);
    return ids;
  }

  TestDatabase file_{"hdo-group-commit-test"};
  asio::io_context io_;
};

TEST_F(GroupCommitTest, AReplyWaitsForTheCommitOfItsBatch) {
  GroupCommit group(&file_.db(), io_.get_executor(), {});
  ASSERT_TRUE(Insert(1).IsSuccess());
  std::optional<hugo::Result<hugo::Unit>> answered;
  group.AfterDurable([&](hugo::Result<hugo::Unit> durable) { answered = durable; });
  EXPECT_FALSE(answered.has_value());
  EXPECT_TRUE(CommittedIds().empty());
  io_.run();
  ASSERT_TRUE(answered.has_value());
  EXPECT_TRUE(answered->IsSuccess());
  EXPECT_EQ(CommittedIds(), std::vector<int>({1}));
}

TEST_F(GroupCommitTest, NothingWaitingForACommitIsAnsweredAtOnce) {
  GroupCommit group(&file_.db(), io_.get_executor(), {});
  bool answered = false;
  group.AfterDurable([&](hugo::Result<hugo::Unit> durable) { answered = durable.IsSuccess(); });
  EXPECT_TRUE(answered);
}

TEST_F(GroupCommitTest, TransactionsQueuedTogetherShareOneCommit) {
  GroupCommit group(&file_.db(), io_.get_executor(), {});
  int answered = 0;
  for (int id = 1; id <= 5; ++id) {
    ASSERT_TRUE(Insert(id).IsSuccess());
    group.AfterDurable([&](hugo::Result<hugo::Unit> durable) { answered += durable.IsSuccess(); });
  }
  io_.run();
  EXPECT_EQ(answered, 5);
  EXPECT_EQ(group.stats().batches, 1);
  EXPECT_EQ(group.stats().transactions, 5);
  EXPECT_EQ(CommittedIds(), std::vector<int>({1, 2, 3, 4, 5}));
}

TEST_F(GroupCommitTest, AFailedTransactionLeavesNothingInTheBatchAndTheOthersCommit) {
  GroupCommit group(&file_.db(), io_.get_executor(), {});
  ASSERT_TRUE(Insert(1).IsSuccess());
  ASSERT_TRUE(Insert(2, /*fail=*/true).IsFailure());
  ASSERT_TRUE(Insert(3).IsSuccess());
  io_.run();
  EXPECT_EQ(CommittedIds(), std::vector<int>({1, 3}));
  EXPECT_EQ(group.stats().transactions, 2);
}

TEST_F(GroupCommitTest, AnUndoBatchTransactionThatFailsBeforeWritingLeavesTheBatchAlone) {
  GroupCommit group(&file_.db(), io_.get_executor(), {});
  std::optional<hugo::Error> lost;
  group.SetOnLost([&](const hugo::Error& error) { lost = error; });
  ASSERT_TRUE(Insert(1, false, Database::Undo::kBatch).IsSuccess());
  auto first = Reply(group);
  // Its one statement fails (the id is taken): SQLite undid it, nothing of it is in the batch.
  auto refused = Insert(1, false, Database::Undo::kBatch);
  ASSERT_TRUE(refused.IsFailure());
  ASSERT_TRUE(Insert(2, false, Database::Undo::kBatch).IsSuccess());
  auto second = Reply(group);
  io_.run();
  ASSERT_TRUE(first->has_value() && second->has_value());
  EXPECT_TRUE((*first)->IsSuccess());
  EXPECT_TRUE((*second)->IsSuccess());
  EXPECT_FALSE(lost.has_value());
  EXPECT_EQ(CommittedIds(), std::vector<int>({1, 2}));
  EXPECT_EQ(group.stats().transactions, 2);
}

TEST_F(GroupCommitTest, AnUndoBatchTransactionThatFailsAfterWritingLosesTheWholeBatch) {
  GroupCommit group(&file_.db(), io_.get_executor(), {});
  std::optional<hugo::Error> lost;
  group.SetOnLost([&](const hugo::Error& error) { lost = error; });
  ASSERT_TRUE(Insert(1, false, Database::Undo::kBatch).IsSuccess());
  auto first = Reply(group);
  // Wrote row 2, then failed: without a savepoint only the whole batch can be undone.
  auto failed = Insert(2, /*fail=*/true, Database::Undo::kBatch);
  ASSERT_TRUE(failed.IsFailure());
  EXPECT_EQ(failed.Error().Code(), errors::kInternal);  // the caller gets its own error
  ASSERT_TRUE(first->has_value());                      // answered at once, not after a commit
  ASSERT_TRUE((*first)->IsFailure());
  EXPECT_EQ((*first)->Error().Code(), errors::kUnavailable);
  EXPECT_FALSE(file_.db().BatchOpen());
  io_.run();
  EXPECT_TRUE(lost.has_value());  // the owner reloads what the store holds
  EXPECT_TRUE(CommittedIds().empty());
  // Refused until the owner has reloaded, then the batch starts afresh.
  auto refused = Insert(3, false, Database::Undo::kBatch);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kUnavailable);
  group.Resume();
  ASSERT_TRUE(Insert(3, false, Database::Undo::kBatch).IsSuccess());
  io_.restart();
  io_.run();
  EXPECT_EQ(CommittedIds(), std::vector<int>({3}));
}

TEST_F(GroupCommitTest, AFullBatchIsCommittedBeforeTheNextTransaction) {
  // Syncs on the store thread, so that each commit answers its waiters at once.
  GroupCommit group(&file_.db(), io_.get_executor(), {.batch_max = 2, .sync_thread = false});
  std::vector<int> answered_after;  // committed rows seen when each reply is answered
  for (int id = 1; id <= 5; ++id) {
    ASSERT_TRUE(Insert(id).IsSuccess());
    group.AfterDurable([&](hugo::Result<hugo::Unit>) {
      answered_after.push_back(static_cast<int>(CommittedIds().size()));
    });
  }
  // Two batches of two were committed on the way; the fifth waits for the flush.
  EXPECT_EQ(answered_after, std::vector<int>({2, 2, 4, 4}));
  io_.run();
  EXPECT_EQ(answered_after, std::vector<int>({2, 2, 4, 4, 5}));
  EXPECT_EQ(group.stats().batches, 3);
}

TEST_F(GroupCommitTest, AFailedCommitAnswersUnavailableAndRefusesWritesUntilResumed) {
  // A deferred foreign key is checked at COMMIT: a real commit failure.
  ASSERT_TRUE(file_.db()
                  .Exec("CREATE TABLE children(id INTEGER PRIMARY KEY, item INTEGER REFERENCES "
                        "items(id) DEFERRABLE INITIALLY DEFERRED)")
                  .IsSuccess());
  GroupCommit group(&file_.db(), io_.get_executor(), {});
  std::optional<hugo::Error> lost;
  group.SetOnLost([&](const hugo::Error& error) { lost = error; });
  ASSERT_TRUE(Insert(1).IsSuccess());
  std::optional<hugo::Result<hugo::Unit>> first;
  group.AfterDurable([&](hugo::Result<hugo::Unit> durable) { first = durable; });
  ASSERT_TRUE(
      file_.db()
          .InTransaction([&] { return file_.db().Exec("INSERT INTO children VALUES(1, 99)"); })
          .IsSuccess());
  io_.run();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->IsFailure());
  EXPECT_EQ(first->Error().Code(), errors::kUnavailable);
  EXPECT_TRUE(lost.has_value());
  EXPECT_TRUE(CommittedIds().empty());  // the whole batch is gone, the good row with it
  // Refused until the owner has reloaded.
  auto refused = Insert(2);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kUnavailable);
  group.Resume();
  ASSERT_TRUE(Insert(2).IsSuccess());
  io_.restart();
  io_.run();
  EXPECT_EQ(CommittedIds(), std::vector<int>({2}));
}

// The sync thread. The database's batches, with a sync the test holds until it lets it go (or
// fails): what group commit does while a sync is under way.
class HeldSyncs final : public Batcher {
 public:
  explicit HeldSyncs(Database& db) : db_(db) {}
  void SetBatchListener(BatchListener* listener, int batch_max) override {
    db_.SetBatchListener(listener, batch_max);
  }
  bool BatchOpen() const override { return db_.BatchOpen(); }
  int BatchTransactions() const override { return db_.BatchTransactions(); }
  hugo::Result<hugo::Unit> CommitBatch() override { return db_.CommitBatch(); }
  bool SplitCommits(bool on) override { return db_.SplitCommits(on); }
  hugo::Result<hugo::Unit> SyncCommitted() override {
    std::unique_lock<std::mutex> lock(mutex_);
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_ >= started_; });
    if (fail_) return hugo::Error::From("EIO", "test.io");
    return db_.SyncCommitted();
  }
  // Waits until `n` syncs have started.
  void AwaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return started_ >= n; });
  }
  // Lets every started sync (and the next `more`) end, failed when `fail`.
  void Release(int more = 0, bool fail = false) {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = started_ + more;
    fail_ = fail;
    changed_.notify_all();
  }
  int Started() {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_;
  }

 private:
  Database& db_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int started_ = 0;
  int released_ = 0;
  bool fail_ = false;
};

TEST_F(GroupCommitTest, AReplyWaitsForTheSyncOfItsWrittenBatchAndSoDoesOneThatReadItSince) {
  HeldSyncs held(file_.db());
  GroupCommit group(&held, io_.get_executor(), {});
  ASSERT_TRUE(group.SyncsApart());
  ASSERT_TRUE(Insert(1).IsSuccess());
  auto writer = Reply(group);
  io_.poll();  // the flush: the batch is written and its sync starts
  held.AwaitStarted(1);
  EXPECT_EQ(CommittedIds(), std::vector<int>({1}));  // written, visible to another reader
  EXPECT_FALSE(writer->has_value());
  // No batch is open, but what a read now sees is not durable yet: this reply waits too.
  auto reader = Reply(group);
  io_.poll();
  EXPECT_FALSE(writer->has_value());
  EXPECT_FALSE(reader->has_value());
  held.Release();
  io_.run();
  ASSERT_TRUE(writer->has_value() && reader->has_value());
  EXPECT_TRUE((*writer)->IsSuccess());
  EXPECT_TRUE((*reader)->IsSuccess());
  EXPECT_EQ(group.stats().syncs, 1);
  // Once synced, nothing waits.
  auto later = Reply(group);
  EXPECT_TRUE(later->has_value());
}

TEST_F(GroupCommitTest, BatchesWrittenDuringASyncShareTheNextOne) {
  HeldSyncs held(file_.db());
  GroupCommit group(&held, io_.get_executor(), {});
  ASSERT_TRUE(Insert(1).IsSuccess());
  auto first = Reply(group);
  io_.poll();
  held.AwaitStarted(1);
  // Two more batches, each written on the store thread while the first sync is held.
  ASSERT_TRUE(Insert(2).IsSuccess());
  auto second = Reply(group);
  io_.poll();
  ASSERT_TRUE(Insert(3).IsSuccess());
  auto third = Reply(group);
  io_.poll();
  EXPECT_EQ(group.stats().batches, 3);
  EXPECT_EQ(CommittedIds(), std::vector<int>({1, 2, 3}));
  EXPECT_FALSE(first->has_value() || second->has_value() || third->has_value());
  held.Release(1);  // the first sync, and the one after it
  io_.run();
  ASSERT_TRUE(first->has_value() && second->has_value() && third->has_value());
  EXPECT_TRUE((*third)->IsSuccess());
  EXPECT_EQ(held.Started(), 2);  // one sync for batches 2 and 3
  EXPECT_EQ(group.stats().syncs, 2);
}

TEST_F(GroupCommitTest, AFailedSyncAnswersItsWaitersUnavailableAndTellsTheOwner) {
  HeldSyncs held(file_.db());
  GroupCommit group(&held, io_.get_executor(), {});
  std::optional<hugo::Error> failed;
  group.SetOnSyncFailed([&](const hugo::Error& error) { failed = error; });
  ASSERT_TRUE(Insert(1).IsSuccess());
  auto reply = Reply(group);
  io_.poll();
  held.AwaitStarted(1);
  held.Release(0, /*fail=*/true);
  io_.run();
  ASSERT_TRUE(reply->has_value());
  ASSERT_TRUE((*reply)->IsFailure());
  EXPECT_EQ((*reply)->Error().Code(), errors::kUnavailable);
  EXPECT_NE((*reply)->Error().Message().find("may or may not have taken effect"), std::string::npos)
      << (*reply)->Error().Message();
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->Message(), "EIO");
}

TEST_F(GroupCommitTest, ADestroyedGroupCommitSyncsAndAnswersWhatItStillHeld) {
  HeldSyncs held(file_.db());
  held.Release(100);  // no sync is held
  std::shared_ptr<std::optional<hugo::Result<hugo::Unit>>> reply;
  {
    GroupCommit group(&held, io_.get_executor(), {});
    ASSERT_TRUE(Insert(1).IsSuccess());
    reply = Reply(group);
    // Never run: the destructor commits the open batch and syncs it.
  }
  ASSERT_TRUE(reply->has_value());
  EXPECT_TRUE((*reply)->IsSuccess());
  EXPECT_EQ(CommittedIds(), std::vector<int>({1}));
}

TEST_F(GroupCommitTest, WithoutTheSyncThreadACommitSyncsOnTheStoreThread) {
  HeldSyncs held(file_.db());
  GroupCommit group(&held, io_.get_executor(), {.sync_thread = false});
  EXPECT_FALSE(group.SyncsApart());
  ASSERT_TRUE(Insert(1).IsSuccess());
  auto reply = Reply(group);
  io_.run();
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ(held.Started(), 0);
}

}  // namespace
}  // namespace hdo::persistence::sqlite
