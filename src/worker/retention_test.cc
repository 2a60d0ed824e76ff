// Goal: a closed run, workflow or standalone activity, is removed once its namespace's retention
// has passed since it closed, as the reference's DeleteHistoryEventTask removes it: its state,
// history, listing row and current-run pointer, its workflow id free again; a running run, a run
// closed more recently and a namespace with a longer retention are left alone; a newer run of the
// same workflow id keeps its pointer; many runs are removed in bounded turns; the timed sweep
// runs on its own. Method: a real engine on a real SQLite file (EngineHarness), the real SQLite
// namespace and visibility stores on the same file, the test's clock.
#include "worker/retention.h"

#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "history/engine_test_fixture.h"
#include "persistence/sqlite/namespace_store.h"
#include "persistence/sqlite/visibility_store.h"

namespace hdo::worker {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using history::ToMillis;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;

class RetentionTest : public history::test_support::EngineHarness {
 protected:
  RetentionTest() : EngineHarness("hdo-retention") {
    AddNamespace("ns", "default", 1);
    AddNamespace("ns-long", "long", 72);
    sweeper_ = std::make_unique<RetentionSweeper>(&namespaces_, &visibility_, engine_.get(),
                                                  io_.get_executor(), options_,
                                                  [this] { return ToMillis(now_); });
  }

  void AddNamespace(const std::string& id, const std::string& name, int retention_hours) {
    wf::DescribeNamespaceResponse described;
    described.mutable_namespace_info()->set_name(name);
    described.mutable_namespace_info()->set_id(id);
    described.mutable_config()->mutable_workflow_execution_retention_ttl()->set_seconds(
        int64_t{retention_hours} * 3600);
    ASSERT_TRUE(
        namespaces_.CreateNamespace({id, name, 1, described.SerializeAsString()}).IsSuccess());
  }

  std::string Start(const std::string& workflow_id, const std::string& namespace_id = "ns") {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Kept");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-" + workflow_id + "-" + std::to_string(++starts_));
    request.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
    auto started = engine_->StartWorkflow(namespace_id, request);
    EXPECT_TRUE(started.IsSuccess()) << started.Error().Message();
    return started.IsSuccess() ? started.Value().run_id() : "";
  }

  void Terminate(const std::string& workflow_id, const std::string& namespace_id = "ns") {
    wf::TerminateWorkflowExecutionRequest request;
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.set_reason("done");
    auto terminated = engine_->Terminate(namespace_id, request);
    ASSERT_TRUE(terminated.IsSuccess()) << terminated.Error().Message();
  }

  bool Stored(const std::string& workflow_id, const std::string& run_id,
              const std::string& namespace_id = "ns") {
    auto run = store_.GetRun({namespace_id, workflow_id, run_id});
    EXPECT_TRUE(run.IsSuccess() || run.Error().Code() == persistence::kErrorNotFound);
    return run.IsSuccess();
  }

  int64_t Sweep() {
    auto removed = sweeper_->SweepNow();
    EXPECT_TRUE(removed.IsSuccess()) << removed.Error().Message();
    return removed.IsSuccess() ? removed.Value() : -1;
  }

  int64_t ListedClosed(const std::string& namespace_id = "ns") {
    auto runs = visibility_.ListClosedBefore(namespace_id, INT64_MAX, 1000);
    EXPECT_TRUE(runs.IsSuccess());
    return runs.IsSuccess() ? static_cast<int64_t>(runs.Value().size()) : -1;
  }

  persistence::sqlite::SqliteNamespaceStore namespaces_{&db_.db()};
  persistence::sqlite::SqliteVisibilityStore visibility_{&db_.db()};
  RetentionSweeper::Options options_;
  std::unique_ptr<RetentionSweeper> sweeper_;
  int starts_ = 0;
};

TEST_F(RetentionTest, AClosedRunIsRemovedOnceItsRetentionHasPassed) {
  const std::string old_run = Start("old");
  Terminate("old");
  Advance(30 * kMinute);
  const std::string newer_run = Start("newer");
  Terminate("newer");
  const std::string open_run = Start("open");
  const std::string long_run = Start("kept-long", "ns-long");
  Terminate("kept-long", "ns-long");

  // Not yet an hour since any close.
  Advance(29 * kMinute);
  EXPECT_EQ(Sweep(), 0);
  EXPECT_TRUE(Stored("old", old_run));

  // An hour and a minute after "old" closed: it goes, with its pointer, history and listing row.
  Advance(2 * kMinute);
  EXPECT_EQ(Sweep(), 1);
  EXPECT_FALSE(Stored("old", old_run));
  EXPECT_EQ(store_.GetCurrentRun("ns", "old").Error().Code(), persistence::kErrorNotFound);
  auto history = store_.ReadHistory("ns", old_run, 1, 10);
  ASSERT_TRUE(history.IsSuccess());
  EXPECT_TRUE(history.Value().empty());
  EXPECT_EQ(ListedClosed(), 1);  // "newer" only
  wf::DescribeWorkflowExecutionRequest describe;
  describe.mutable_execution()->set_workflow_id("old");
  EXPECT_EQ(engine_->Describe("ns", describe).Error().Code(), errors::kNotFound);
  // Its workflow id is free again, even under REJECT_DUPLICATE.
  EXPECT_FALSE(Start("old").empty());

  // The rest stays until its own retention has passed; the running run and the namespace with
  // three days' retention stay.
  EXPECT_TRUE(Stored("newer", newer_run));
  Advance(30 * kMinute);
  EXPECT_EQ(Sweep(), 1);
  EXPECT_FALSE(Stored("newer", newer_run));
  Advance(10 * kHour);
  EXPECT_EQ(Sweep(), 0);
  EXPECT_TRUE(Stored("open", open_run));
  EXPECT_TRUE(Stored("kept-long", long_run, "ns-long"));
  Advance(3 * 24 * kHour);
  EXPECT_EQ(Sweep(), 1);
  EXPECT_FALSE(Stored("kept-long", long_run, "ns-long"));
  EXPECT_TRUE(Stored("open", open_run));
  EXPECT_EQ(sweeper_->removed_total(), 3);
}

TEST_F(RetentionTest, AnOlderRunGoesAndTheCurrentRunKeepsItsPointer) {
  const std::string first = Start("twice");
  Terminate("twice");
  Advance(2 * kHour);
  wf::StartWorkflowExecutionRequest again;
  again.set_workflow_id("twice");
  again.mutable_workflow_type()->set_name("Kept");
  again.mutable_task_queue()->set_name("queue");
  again.set_request_id("again");
  auto second = engine_->StartWorkflow("ns", again);
  ASSERT_TRUE(second.IsSuccess()) << second.Error().Message();
  EXPECT_EQ(Sweep(), 1);
  EXPECT_FALSE(Stored("twice", first));
  auto current = store_.GetCurrentRun("ns", "twice");
  ASSERT_TRUE(current.IsSuccess());
  EXPECT_EQ(current.Value().run_id, second.Value().run_id());
  // Whatever the removed run left in the outbox fires into nothing.
  Advance(24 * kHour);
  EXPECT_TRUE(Stored("twice", second.Value().run_id()));
}

TEST_F(RetentionTest, AStandaloneActivityIsRemovedLikeAWorkflow) {
  wf::StartActivityExecutionRequest request;
  request.set_activity_id("act-1");
  request.mutable_activity_type()->set_name("Echo");
  request.mutable_task_queue()->set_name("queue");
  request.mutable_schedule_to_close_timeout()->set_seconds(60);
  request.set_request_id("start-act-1");
  auto started = engine_->StartActivityExecution("ns", request);
  ASSERT_TRUE(started.IsSuccess()) << started.Error().Message();
  wf::TerminateActivityExecutionRequest terminate;
  terminate.set_activity_id("act-1");
  terminate.set_reason("done");
  ASSERT_TRUE(engine_->TerminateActivityExecution("ns", terminate).IsSuccess());
  EXPECT_EQ(ListedClosed(), 1);
  Advance(61 * kMinute);
  EXPECT_EQ(Sweep(), 1);
  EXPECT_EQ(ListedClosed(), 0);
  wf::DescribeActivityExecutionRequest describe;
  describe.set_activity_id("act-1");
  bool answered = false;
  uint64_t waiting = engine_->DescribeActivityExecution(
      "ns", describe, std::chrono::milliseconds(0),
      [&](hugo::Result<wf::DescribeActivityExecutionResponse> response) {
        answered = true;
        ASSERT_TRUE(response.IsFailure());
        EXPECT_EQ(response.Error().Code(), errors::kNotFound);
      });
  if (waiting != 0) engine_->CancelActivityWait(waiting);
  EXPECT_TRUE(answered);
}

// A namespace DeleteNamespace marked DELETED: the sweeps remove every run of it, running or
// closed, workflow or standalone activity, whatever its retention, the automation first, the
// record last; other namespaces keep theirs.
TEST_F(RetentionTest, ADeletedNamespaceGoesWithEveryRunItHas) {
  AddNamespace("ns-gone", "gone", 72);
  const std::string running = Start("running", "ns-gone");
  const std::string closed = Start("closed", "ns-gone");
  Terminate("closed", "ns-gone");
  wf::StartActivityExecutionRequest activity;
  activity.set_activity_id("act-gone");
  activity.mutable_activity_type()->set_name("Echo");
  activity.mutable_task_queue()->set_name("queue");
  activity.mutable_schedule_to_close_timeout()->set_seconds(60);
  activity.set_request_id("start-act-gone");
  ASSERT_TRUE(engine_->StartActivityExecution("ns-gone", activity).IsSuccess());
  const std::string kept = Start("kept");
  std::vector<std::string> stopped, removed_namespaces;
  NamespaceReclaimer::Hooks hooks;
  hooks.stop_automation = [&](const std::string& namespace_id) {
    stopped.push_back(namespace_id);
    return hugo::Result<hugo::Unit>(hugo::Ok());
  };
  hooks.remove_namespace = [&](const std::string& namespace_id) {
    removed_namespaces.push_back(namespace_id);
    return namespaces_.DeleteNamespace(namespace_id);
  };
  NamespaceReclaimer reclaimer(&visibility_, engine_.get(), std::move(hooks));
  sweeper_->SetReclaimer(&reclaimer);

  // Not deleted: nothing of it goes (retention 72 h).
  EXPECT_EQ(Sweep(), 0);
  EXPECT_TRUE(Stored("running", running, "ns-gone"));

  auto record = namespaces_.GetNamespaceById("ns-gone");
  ASSERT_TRUE(record.IsSuccess());
  wf::DescribeNamespaceResponse described;
  ASSERT_TRUE(described.ParseFromString(record.Value().data));
  described.mutable_namespace_info()->set_state(enums::NAMESPACE_STATE_DELETED);
  ASSERT_TRUE(
      namespaces_
          .UpdateNamespace({"ns-gone", "gone-deleted-ns-go", 2, described.SerializeAsString()}, 1)
          .IsSuccess());
  EXPECT_EQ(Sweep(), 3);
  EXPECT_FALSE(Stored("running", running, "ns-gone"));
  EXPECT_FALSE(Stored("closed", closed, "ns-gone"));
  EXPECT_EQ(store_.GetCurrentRun("ns-gone", "running").Error().Code(), persistence::kErrorNotFound);
  EXPECT_EQ(ListedClosed("ns-gone"), 0);
  EXPECT_FALSE(stopped.empty());
  EXPECT_EQ(stopped.front(), "ns-gone");
  EXPECT_EQ(removed_namespaces, std::vector<std::string>{"ns-gone"});
  EXPECT_EQ(namespaces_.GetNamespaceById("ns-gone").Error().Code(), persistence::kErrorNotFound);
  // Other namespaces are untouched.
  EXPECT_TRUE(Stored("kept", kept));
  EXPECT_EQ(Sweep(), 0);
}

TEST_F(RetentionTest, ManyRunsAreRemovedInBoundedTurns) {
  options_.batch = 3;
  sweeper_ = std::make_unique<RetentionSweeper>(&namespaces_, &visibility_, engine_.get(),
                                                io_.get_executor(), options_,
                                                [this] { return ToMillis(now_); });
  for (int i = 0; i < 10; ++i) {
    Start("many-" + std::to_string(i));
    Terminate("many-" + std::to_string(i));
  }
  Advance(2 * kHour);
  EXPECT_EQ(Sweep(), 10);
  EXPECT_EQ(ListedClosed(), 0);
}

TEST_F(RetentionTest, TheTimedSweepRunsOnItsOwn) {
  options_.interval = std::chrono::milliseconds(5);
  options_.batch = 2;
  int64_t told = 0;
  options_.on_removed = [&told](const std::string& namespace_id, int64_t removed) {
    EXPECT_EQ(namespace_id, "ns");
    told += removed;
  };
  sweeper_ = std::make_unique<RetentionSweeper>(&namespaces_, &visibility_, engine_.get(),
                                                io_.get_executor(), options_,
                                                [this] { return ToMillis(now_); });
  for (int i = 0; i < 5; ++i) {
    Start("timed-" + std::to_string(i));
    Terminate("timed-" + std::to_string(i));
  }
  Advance(2 * kHour);
  sweeper_->Start();
  // The sweep's timer is on the real clock: run the loop until it has removed them all (no bound
  // on how soon is asserted; the loop gives up after 10 s).
  for (int i = 0; i < 200 && ListedClosed() > 0; ++i) {
    io_.run_for(std::chrono::milliseconds(50));
    io_.restart();
  }
  EXPECT_EQ(ListedClosed(), 0);
  EXPECT_EQ(told, 5);
  sweeper_->Stop();
}

}  // namespace
}  // namespace hdo::worker
