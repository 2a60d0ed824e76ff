// Goal: a Write is all-or-nothing; run versions fence concurrent writers; the current-run
// pointer follows create/replace/update rules; history and transfer tasks read back in order and
// survive a reopen. Method: a real, migrated SQLite file.
#include "persistence/sqlite/execution_store.h"

#include <gtest/gtest.h>

#include "persistence/sqlite/statement.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::persistence::sqlite {
namespace {

class ExecutionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::make_unique<SqliteExecutionStore>(&file_.db()); }
  void Reopen() {
    store_.reset();
    file_.Reopen();
    store_ = std::make_unique<SqliteExecutionStore>(&file_.db());
  }

  static RunWrite NewRun(const std::string& workflow_id, const std::string& run_id) {
    RunWrite write;
    write.run = RunRecord{{"ns-1", workflow_id, run_id}, 1, "state-1-" + run_id, 1};
    write.current_mode = CurrentRunMode::kCreate;
    write.create_request_id = "request-" + run_id;
    write.history.push_back({1, 2, "events-1-2"});
    return write;
  }
  static RunWrite Update(const std::string& workflow_id, const std::string& run_id, int64_t version,
                         int64_t first_event_id) {
    RunWrite write;
    write.run =
        RunRecord{{"ns-1", workflow_id, run_id}, version, "state-" + std::to_string(version), 1};
    write.current_mode = CurrentRunMode::kUpdate;
    write.history.push_back(
        {first_event_id, first_event_id + 1, "events-" + std::to_string(first_event_id)});
    return write;
  }
  hugo::Result<hugo::Unit> Commit(std::vector<RunWrite> runs,
                                  std::vector<TransferTaskRecord> tasks = {},
                                  std::vector<int64_t> done = {}) {
    return store_->Write(Transaction{std::move(runs), std::move(tasks), std::move(done)});
  }
  int HistoryBatchCount(const std::string& run_id) {
    auto batches = store_->ReadHistory("ns-1", run_id, 1, 100);
    return batches.IsSuccess() ? static_cast<int>(batches.Value().size()) : -1;
  }

  TestDatabase file_{"hdo-exec-store"};
  std::unique_ptr<SqliteExecutionStore> store_;
};

TEST_F(ExecutionStoreTest, ANewRunIsCurrentAndReadsBackAfterAReopen) {
  ASSERT_TRUE(Commit({NewRun("order-1", "run-a")}, {{7, "dispatch"}}).IsSuccess());
  Reopen();
  auto current = store_->GetCurrentRun("ns-1", "order-1");
  ASSERT_TRUE(current.IsSuccess()) << current.Error().ToString();
  EXPECT_EQ(current.Value().run_id, "run-a");
  EXPECT_EQ(current.Value().create_request_id, "request-run-a");
  auto run = store_->GetRun({"ns-1", "order-1", "run-a"});
  ASSERT_TRUE(run.IsSuccess());
  EXPECT_EQ(run.Value().db_version, 1);
  EXPECT_EQ(run.Value().state, "state-1-run-a");
  auto tasks = store_->LoadTransferTasks(0, 10);
  ASSERT_TRUE(tasks.IsSuccess());
  ASSERT_EQ(tasks.Value().size(), 1u);
  EXPECT_EQ(tasks.Value()[0].task_id, 7);
  EXPECT_EQ(tasks.Value()[0].data, "dispatch");
}

TEST_F(ExecutionStoreTest, ASecondCreateOfTheSameWorkflowIdIsAlreadyExistsAndWritesNothing) {
  ASSERT_TRUE(Commit({NewRun("order-1", "run-a")}).IsSuccess());
  auto again = Commit({NewRun("order-1", "run-b")}, {{9, "dispatch"}});
  ASSERT_TRUE(again.IsFailure());
  EXPECT_EQ(again.Error().Code(), kErrorAlreadyExists);
  EXPECT_EQ(store_->GetRun({"ns-1", "order-1", "run-b"}).Error().Code(), kErrorNotFound);
  EXPECT_EQ(HistoryBatchCount("run-b"), 0);
  EXPECT_TRUE(store_->LoadTransferTasks(0, 10).Value().empty());
}

TEST_F(ExecutionStoreTest, AStaleVersionLosesAndTheWholeTransactionRollsBack) {
  ASSERT_TRUE(Commit({NewRun("order-1", "run-a"), NewRun("order-2", "run-b")}).IsSuccess());
  ASSERT_TRUE(Commit({Update("order-1", "run-a", 2, 3)}).IsSuccess());
  // The second write in this transaction is stale: neither may land.
  auto stale = Commit({Update("order-2", "run-b", 2, 3), Update("order-1", "run-a", 2, 5)});
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_EQ(stale.Error().Code(), kErrorConditionFailed);
  EXPECT_EQ(store_->GetRun({"ns-1", "order-2", "run-b"}).Value().db_version, 1);
  EXPECT_EQ(HistoryBatchCount("run-b"), 1);
  EXPECT_EQ(HistoryBatchCount("run-a"), 2);
}

TEST_F(ExecutionStoreTest, UpdatingAMissingRunIsAConditionFailure) {
  auto missing = Commit({Update("ghost", "run-z", 2, 3)});
  ASSERT_TRUE(missing.IsFailure());
  EXPECT_EQ(missing.Error().Code(), kErrorConditionFailed);
}

TEST_F(ExecutionStoreTest, ReplacingTheCurrentRunNeedsTheExpectedRun) {
  ASSERT_TRUE(Commit({NewRun("order-1", "run-a")}).IsSuccess());
  RunWrite next = NewRun("order-1", "run-b");
  next.current_mode = CurrentRunMode::kReplace;
  next.expected_current_run_id = "run-x";
  EXPECT_EQ(Commit({next}).Error().Code(), kErrorConditionFailed);
  EXPECT_EQ(store_->GetCurrentRun("ns-1", "order-1").Value().run_id, "run-a");
  next.expected_current_run_id = "run-a";
  ASSERT_TRUE(Commit({next}).IsSuccess());
  EXPECT_EQ(store_->GetCurrentRun("ns-1", "order-1").Value().run_id, "run-b");
  EXPECT_TRUE(store_->GetRun({"ns-1", "order-1", "run-a"}).IsSuccess());
}

TEST_F(ExecutionStoreTest, AnOldRunsUpdateDoesNotMoveTheCurrentPointer) {
  ASSERT_TRUE(Commit({NewRun("order-1", "run-a")}).IsSuccess());
  RunWrite next = NewRun("order-1", "run-b");
  next.current_mode = CurrentRunMode::kReplace;
  next.expected_current_run_id = "run-a";
  ASSERT_TRUE(Commit({next}).IsSuccess());
  RunWrite old = Update("order-1", "run-a", 2, 3);
  old.run.status = 2;
  ASSERT_TRUE(Commit({old}).IsSuccess());
  auto current = store_->GetCurrentRun("ns-1", "order-1");
  EXPECT_EQ(current.Value().run_id, "run-b");
  EXPECT_EQ(current.Value().status, 1);
}

TEST_F(ExecutionStoreTest, HistoryPagesInEventOrderFromAnyStartingEvent) {
  ASSERT_TRUE(Commit({NewRun("order-1", "run-a")}).IsSuccess());
  for (int64_t version = 2; version <= 4; ++version) {
    ASSERT_TRUE(Commit({Update("order-1", "run-a", version, 2 * version - 1)}).IsSuccess());
  }
  auto all = store_->ReadHistory("ns-1", "run-a", 1, 100);
  ASSERT_TRUE(all.IsSuccess());
  ASSERT_EQ(all.Value().size(), 4u);
  for (size_t i = 0; i < all.Value().size(); ++i) {
    EXPECT_EQ(all.Value()[i].first_event_id, static_cast<int64_t>(2 * i + 1));
  }
  auto tail = store_->ReadHistory("ns-1", "run-a", 5, 1);
  ASSERT_TRUE(tail.IsSuccess());
  ASSERT_EQ(tail.Value().size(), 1u);
  EXPECT_EQ(tail.Value()[0].first_event_id, 5);
  // An event inside a batch: the batch holding it comes first.
  auto inside = store_->ReadHistory("ns-1", "run-a", 6, 100);
  ASSERT_TRUE(inside.IsSuccess());
  ASSERT_EQ(inside.Value().size(), 2u);
  EXPECT_EQ(inside.Value()[0].first_event_id, 5);
  EXPECT_EQ(inside.Value()[1].first_event_id, 7);
}

TEST_F(ExecutionStoreTest, CompletedTransferTasksGoAwayButTheirIdsAreNeverReused) {
  ASSERT_TRUE(Commit({NewRun("order-1", "run-a")}, {{1, "a"}, {2, "b"}, {3, "c"}}).IsSuccess());
  ASSERT_TRUE(Commit({}, {}, {1, 3}).IsSuccess());
  auto tasks = store_->LoadTransferTasks(0, 10);
  ASSERT_EQ(tasks.Value().size(), 1u);
  EXPECT_EQ(tasks.Value()[0].task_id, 2);
  ASSERT_TRUE(Commit({}, {}, {2}).IsSuccess());
  Reopen();
  EXPECT_EQ(store_->MaxTaskId().Value(), 3);
  EXPECT_TRUE(store_->LoadTransferTasks(0, 10).Value().empty());
}

}  // namespace
}  // namespace hdo::persistence::sqlite

namespace hdo::persistence::sqlite {
namespace {

TEST_F(ExecutionStoreTest, TimerTasksCommitWithTheRunAndShareTheTaskIdSequence) {
  Transaction first;
  first.new_transfer_tasks.push_back({4, "transfer"});
  first.new_timer_tasks.push_back({5, 1'700'000'000'000, "timer-a"});
  first.new_timer_tasks.push_back({6, 1'600'000'000'000, "timer-b"});
  ASSERT_TRUE(store_->Write(first).IsSuccess());
  auto timers = store_->LoadTimerTasks(0, 10);
  ASSERT_TRUE(timers.IsSuccess());
  ASSERT_EQ(timers.Value().size(), 2u);
  EXPECT_EQ(timers.Value()[0].task_id, 5);
  EXPECT_EQ(timers.Value()[0].fire_time_ms, 1'700'000'000'000);
  EXPECT_EQ(timers.Value()[1].data, "timer-b");
  EXPECT_EQ(store_->LoadTimerTasks(5, 10).Value().size(), 1u);
  EXPECT_EQ(store_->MaxTaskId().Value(), 6);

  // A failing transaction (duplicate timer id) leaves neither its timers nor its deletions.
  Transaction failing;
  failing.completed_timer_task_ids.push_back(5);
  failing.new_timer_tasks.push_back({6, 1, "duplicate"});
  EXPECT_TRUE(store_->Write(failing).IsFailure());
  EXPECT_EQ(store_->LoadTimerTasks(0, 10).Value().size(), 2u);

  Transaction done;
  done.completed_timer_task_ids = {5, 6};
  ASSERT_TRUE(store_->Write(done).IsSuccess());
  Reopen();
  EXPECT_TRUE(store_->LoadTimerTasks(0, 10).Value().empty());
  EXPECT_EQ(store_->MaxTaskId().Value(), 4);
}

// --- DeleteRun
TEST_F(ExecutionStoreTest, DeletingARunRemovesItsRowsAndOnlyItsOwnCurrentPointer) {
  int64_t visibility_rows = -1;
  auto count_visibility = [&] {
    Statement select(file_.db().handle(), "SELECT count(*) FROM executions_visibility");
    EXPECT_TRUE(select.Step().IsSuccess());
    visibility_rows = select.ColumnInt64(0);
  };
  auto listing = [](const std::string& run_id) {
    VisibilityRecord record;
    record.namespace_id = "ns-1";
    record.workflow_id = "order-1";
    record.run_id = run_id;
    record.workflow_type = "Flow";
    record.task_queue = "queue";
    record.status = 1;
    return record;
  };
  Transaction first;
  first.runs.push_back(NewRun("order-1", "run-a"));
  first.new_transfer_tasks.push_back({7, "dispatch-a"});
  first.new_timer_tasks.push_back({8, 1, "timer-a"});
  first.visibility.push_back(listing("run-a"));
  ASSERT_TRUE(store_->Write(first).IsSuccess());
  RunWrite second = NewRun("order-1", "run-b");
  second.current_mode = CurrentRunMode::kReplace;
  second.expected_current_run_id = "run-a";
  Transaction replace;
  replace.runs.push_back(second);
  replace.new_transfer_tasks.push_back({9, "dispatch-b"});
  replace.visibility.push_back(listing("run-b"));
  ASSERT_TRUE(store_->Write(replace).IsSuccess());

  // An older run goes with its history, listing row and the named outbox rows; run-b stays.
  ASSERT_TRUE(store_->DeleteRun({"ns-1", "order-1", "run-a"}, {7}, {8}).IsSuccess());
  EXPECT_EQ(store_->GetRun({"ns-1", "order-1", "run-a"}).Error().Code(), kErrorNotFound);
  EXPECT_EQ(HistoryBatchCount("run-a"), 0);
  EXPECT_EQ(store_->GetCurrentRun("ns-1", "order-1").Value().run_id, "run-b");
  ASSERT_EQ(store_->LoadTransferTasks(0, 10).Value().size(), 1u);
  EXPECT_EQ(store_->LoadTransferTasks(0, 10).Value()[0].data, "dispatch-b");
  EXPECT_TRUE(store_->LoadTimerTasks(0, 10).Value().empty());
  count_visibility();
  EXPECT_EQ(visibility_rows, 1);

  // The current run takes the pointer with it; a second delete finds nothing and changes nothing.
  ASSERT_TRUE(store_->DeleteRun({"ns-1", "order-1", "run-b"}, {9}, {}).IsSuccess());
  EXPECT_EQ(store_->GetCurrentRun("ns-1", "order-1").Error().Code(), kErrorNotFound);
  EXPECT_EQ(store_->DeleteRun({"ns-1", "order-1", "run-b"}, {}, {}).Error().Code(), kErrorNotFound);
  count_visibility();
  EXPECT_EQ(visibility_rows, 0);
  Reopen();
  EXPECT_TRUE(store_->LoadTransferTasks(0, 10).Value().empty());
  EXPECT_TRUE(Commit({NewRun("order-1", "run-c")}).IsSuccess());
}

}  // namespace
}  // namespace hdo::persistence::sqlite
