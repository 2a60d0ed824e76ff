// Goal: group commit batches the transactions of many requests into one SQLite commit, answers
// each reply only after the commit of its batch, keeps a failed transaction's changes out of the
// batch, and turns a failed commit into Unavailable answers and refused transactions until the
// owner resumes. Method: a real SQLite file; the store thread is an io_context the test runs.
#include "persistence/group_commit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <asio/io_context.hpp>
#include <memory>
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
  GroupCommit group(&file_.db(), io_.get_executor(), {.batch_max = 2});
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

}  // namespace
}  // namespace hdo::persistence::sqlite
