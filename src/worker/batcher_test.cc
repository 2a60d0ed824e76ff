// Goal: the batcher carries a job out as the reference's batcher does, by the clock the test
// moves: no more operations than the job's rate allows (a second's worth at once), page after
// page; a target that keeps failing is tried the configured number of times and counted failed;
// a restart works through the stored page again without signalling a workflow twice; a stopped
// job ends FAILED with what it reached; a finished job is removed after its retention. Method: a
// real engine and batch store on a real SQLite file (EngineHarness); the targets' listing is the
// test's own list of started workflows, paged by index.
#include "worker/batcher.h"

#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "history/engine_test_fixture.h"
#include "persistence/sqlite/keyed_rows.h"

namespace hdo::worker {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using history::ToMillis;

class BatcherTest : public history::test_support::EngineHarness {
 protected:
  BatcherTest() : EngineHarness("hdo-batcher") {
    options_.page_size = 4;
    options_.attempts_per_target = 3;
    options_.retention = [](const std::string&) { return std::chrono::hours(1); };
    options_.list = [this](const std::string&, const wf::ListWorkflowExecutionsRequest& request) {
      ++lists_;
      const size_t begin = request.next_page_token().empty()
                               ? 0
                               : static_cast<size_t>(std::stoul(request.next_page_token()));
      const size_t end =
          std::min(targets_.size(), begin + static_cast<size_t>(request.page_size()));
      wf::ListWorkflowExecutionsResponse page;
      for (size_t i = begin; i < end; ++i) {
        page.add_executions()->mutable_execution()->set_workflow_id(targets_[i]);
      }
      if (end < targets_.size()) page.set_next_page_token(std::to_string(end));
      return hugo::Result<wf::ListWorkflowExecutionsResponse>(hugo::Ok(std::move(page)));
    };
    options_.count = [this](const std::string&, const std::string&) {
      return hugo::Result<int64_t>(hugo::Ok(static_cast<int64_t>(targets_.size())));
    };
    Restart();
  }

  // A new batcher on the same store (a server restart): what it held in memory is gone.
  void Restart() {
    batcher_ = std::make_unique<Batcher>(&batches_, engine_.get(), io_.get_executor(), options_,
                                         [this] { return ToMillis(now_); });
    auto recovered = batcher_->Recover();
    ASSERT_TRUE(recovered.IsSuccess()) << recovered.Error().Message();
  }

  void StartTargets(int n) {
    for (int i = 0; i < n; ++i) {
      wf::StartWorkflowExecutionRequest request;
      request.set_workflow_id("target-" + std::to_string(i));
      request.mutable_workflow_type()->set_name("Target");
      request.mutable_task_queue()->set_name("queue");
      request.set_request_id("start-" + std::to_string(i));
      ASSERT_TRUE(engine_->StartWorkflow("ns", request).IsSuccess());
      targets_.push_back(request.workflow_id());
    }
  }

  static wf::StartBatchOperationRequest SignalJob(const std::string& job_id, float rate) {
    wf::StartBatchOperationRequest request;
    request.set_namespace_("default");
    request.set_job_id(job_id);
    request.set_visibility_query("WorkflowType = 'Target'");
    request.set_reason("poke them");
    request.set_max_operations_per_second(rate);
    request.mutable_signal_operation()->set_signal("poke");
    request.mutable_signal_operation()->set_identity("tester");
    return request;
  }

  wf::DescribeBatchOperationResponse Describe(const std::string& job_id) {
    wf::DescribeBatchOperationRequest request;
    request.set_namespace_("default");
    request.set_job_id(job_id);
    auto described = batcher_->Describe("ns", request);
    EXPECT_TRUE(described.IsSuccess()) << described.Error().Message();
    return described.IsSuccess() ? described.Value() : wf::DescribeBatchOperationResponse();
  }

  // Moves the clock and runs what came due.
  void Move(int64_t millis) {
    Advance(millis);
    batcher_->FireDue();
  }

  int Signals(const std::string& workflow_id) {
    wf::GetWorkflowExecutionHistoryRequest request;
    request.set_namespace_("default");
    request.mutable_execution()->set_workflow_id(workflow_id);
    int signals = 0;
    engine_->GetHistory("ns", request, [&signals](auto history) {
      ASSERT_TRUE(history.IsSuccess());
      for (const auto& event : history.Value().history().events()) {
        if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) ++signals;
      }
    });
    return signals;
  }

  persistence::KeyedBatchStore<persistence::sqlite::KeyedRows> batches_{&db_.db()};
  Batcher::Options options_;
  std::unique_ptr<Batcher> batcher_;
  std::vector<std::string> targets_;
  int lists_ = 0;
};

TEST_F(BatcherTest, TakesNoMoreOperationsThanTheRateAllowsPageAfterPage) {
  StartTargets(10);
  ASSERT_TRUE(batcher_->Start("ns", SignalJob("job", 2)).IsSuccess());
  auto described = Describe("job");
  EXPECT_EQ(described.state(), enums::BATCH_OPERATION_STATE_RUNNING);
  EXPECT_EQ(described.total_operation_count(), 10);
  EXPECT_EQ(described.complete_operation_count(), 0);

  Move(0);  // a second's worth at once: 2
  EXPECT_EQ(Describe("job").complete_operation_count(), 2);
  Move(499);  // 0.998 of an operation: none yet
  EXPECT_EQ(Describe("job").complete_operation_count(), 2);
  Move(501);  // 1.0 s after the first: two more
  EXPECT_EQ(Describe("job").complete_operation_count(), 4);
  EXPECT_EQ(lists_, 1);  // the first page (4 targets) is done; the next is listed on the next tick
  for (int i = 0; i < 8; ++i) Move(500);
  described = Describe("job");
  EXPECT_EQ(described.state(), enums::BATCH_OPERATION_STATE_COMPLETED);
  EXPECT_EQ(described.total_operation_count(), 10);
  EXPECT_EQ(described.complete_operation_count(), 10);
  EXPECT_EQ(described.failure_operation_count(), 0);
  EXPECT_EQ(described.identity(), "tester");
  EXPECT_EQ(described.reason(), "poke them");
  EXPECT_TRUE(described.has_close_time());
  EXPECT_EQ(lists_, 3);  // pages of 4, 4 and 2
  for (const std::string& id : targets_) EXPECT_EQ(Signals(id), 1) << id;
}

TEST_F(BatcherTest, ARestartWorksThroughTheStoredPageWithoutSignallingTwice) {
  StartTargets(6);
  ASSERT_TRUE(batcher_->Start("ns", SignalJob("job", 1)).IsSuccess());
  Move(0);
  for (int i = 0; i < 4; ++i) Move(1000);
  // The first page (4) done and stored, one of the second page's two signalled.
  ASSERT_EQ(Describe("job").complete_operation_count(), 5);
  ASSERT_EQ(Signals(targets_[4]), 1);

  Restart();
  EXPECT_EQ(Describe("job").complete_operation_count(), 4);  // the stored page's start
  for (int i = 0; i < 4; ++i) Move(1000);
  auto described = Describe("job");
  EXPECT_EQ(described.state(), enums::BATCH_OPERATION_STATE_COMPLETED);
  EXPECT_EQ(described.complete_operation_count(), 6);
  for (const std::string& id : targets_) EXPECT_EQ(Signals(id), 1) << id;
}

TEST_F(BatcherTest, ATargetThatKeepsFailingIsCountedFailedAfterItsAttempts) {
  StartTargets(2);
  wf::StartBatchOperationRequest request = SignalJob("job", 50);
  request.clear_signal_operation();
  // No workflow has an event 999 to reset to: every attempt is refused.
  request.mutable_reset_operation()->mutable_options()->set_workflow_task_id(999);
  ASSERT_TRUE(batcher_->Start("ns", request).IsSuccess());
  Move(0);
  auto described = Describe("job");
  EXPECT_EQ(described.state(), enums::BATCH_OPERATION_STATE_COMPLETED);
  EXPECT_EQ(described.complete_operation_count(), 0);
  EXPECT_EQ(described.failure_operation_count(), 2);
}

TEST_F(BatcherTest, AStoppedJobEndsFailedAndAFinishedOneGoesAfterItsRetention) {
  StartTargets(6);
  ASSERT_TRUE(batcher_->Start("ns", SignalJob("job", 1)).IsSuccess());
  auto second = batcher_->Start("ns", SignalJob("other", 1));
  ASSERT_TRUE(second.IsFailure());
  EXPECT_EQ(second.Error().Code(), errors::kResourceExhausted);
  Move(0);
  Move(1000);
  wf::StopBatchOperationRequest stop;
  stop.set_namespace_("default");
  stop.set_job_id("job");
  stop.set_reason("enough");
  ASSERT_TRUE(batcher_->StopJob("ns", stop).IsSuccess());
  auto described = Describe("job");
  EXPECT_EQ(described.state(), enums::BATCH_OPERATION_STATE_FAILED);
  EXPECT_EQ(described.complete_operation_count(), 2);
  Move(1000);
  EXPECT_EQ(Describe("job").complete_operation_count(), 2);  // nothing after the stop
  EXPECT_EQ(batcher_->StopJob("ns", stop).Error().Code(), errors::kNotFound);
  // A taken job id stays taken; another job may start now.
  EXPECT_EQ(batcher_->Start("ns", SignalJob("job", 1)).Error().Code(),
            errors::kWorkflowAlreadyStarted);

  Move(3'600'000);  // the namespace's retention after the stop
  wf::DescribeBatchOperationRequest gone;
  gone.set_namespace_("default");
  gone.set_job_id("job");
  EXPECT_EQ(batcher_->Describe("ns", gone).Error().Code(), errors::kNotFound);
  wf::ListBatchOperationsRequest list;
  list.set_namespace_("default");
  EXPECT_EQ(batcher_->List("ns", list).Value().operation_info_size(), 0);
}

TEST_F(BatcherTest, ListsJobsNewestFirstInPages) {
  StartTargets(1);
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_TRUE(batcher_->Start("ns", SignalJob(id, 50)).IsSuccess());
    Move(1000);  // done before the next starts
  }
  wf::ListBatchOperationsRequest request;
  request.set_namespace_("default");
  request.set_page_size(2);
  auto first = batcher_->List("ns", request);
  ASSERT_TRUE(first.IsSuccess());
  ASSERT_EQ(first.Value().operation_info_size(), 2);
  EXPECT_EQ(first.Value().operation_info(0).job_id(), "c");
  EXPECT_EQ(first.Value().operation_info(1).job_id(), "b");
  request.set_next_page_token(first.Value().next_page_token());
  auto second = batcher_->List("ns", request);
  ASSERT_TRUE(second.IsSuccess());
  ASSERT_EQ(second.Value().operation_info_size(), 1);
  EXPECT_EQ(second.Value().operation_info(0).job_id(), "a");
  EXPECT_TRUE(second.Value().next_page_token().empty());
  request.set_next_page_token("not a token");
  EXPECT_EQ(batcher_->List("ns", request).Error().Code(), errors::kInvalidArgument);
}

}  // namespace
}  // namespace hdo::worker
