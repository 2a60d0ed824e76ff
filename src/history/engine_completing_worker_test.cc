// Goal: what the engine keeps of the workers that complete a run's workflow tasks, as the
// reference does and DescribeWorkflowExecution, list filters and batch resets by build id read
// it: a reset point for the first task each (binary checksum, build id) completed (at most 20,
// the oldest dropped; not resettable while a child is pending), the last stamp, and an
// unversioned run's BuildIds markers; a continued run carries the points on, those of the run
// it follows expiring a retention later; a reset run rebuilt from its events has them again.
// Method: a real engine and matcher on a real SQLite file, workers played by polls and
// completions with stamps.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "history/engine.h"
#include "history/engine_test_fixture.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;

class EngineCompletingWorkerTest : public test_support::EngineHarness {
 protected:
  EngineCompletingWorkerTest() : EngineHarness("hdo-engine-completing-worker") {
    Engine::Options options;
    options.retention = [](const std::string&) { return std::chrono::hours(72); };
    RestartEngine(std::move(options));
    EXPECT_TRUE(engine_->Recover().IsSuccess());
  }

  void Start(const std::string& workflow_id) {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-" + workflow_id);
    auto started = engine_->StartWorkflow("ns", request);
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
  }

  void Signal(const std::string& workflow_id) {
    wf::SignalWorkflowExecutionRequest request;
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.set_signal_name("go");
    ASSERT_TRUE(engine_->Signal("ns", request).IsSuccess());
  }

  // Polls the next task and completes it as a worker of `build` (no versioning; "" sends no
  // stamp) with `checksum`.
  void CompleteNext(const std::string& build, const std::string& checksum = "",
                    std::optional<command::Command> one_command = std::nullopt) {
    auto task = PollWorkflowTask();
    ASSERT_FALSE(task.task_token().empty());
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(task.task_token());
    request.set_identity("worker-" + build);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    request.set_binary_checksum(checksum);
    if (!build.empty()) request.mutable_worker_version_stamp()->set_build_id(build);
#pragma GCC diagnostic pop
    if (one_command.has_value()) *request.add_commands() = *one_command;
    auto completed = engine_->CompleteWorkflowTask("ns", request);
    ASSERT_TRUE(completed.IsSuccess()) << completed.Error().ToString();
  }

  wf::DescribeWorkflowExecutionResponse Describe(const std::string& workflow_id,
                                                 const std::string& run_id = "") {
    wf::DescribeWorkflowExecutionRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    request.mutable_execution()->set_run_id(run_id);
    auto described = engine_->Describe("ns", request);
    EXPECT_TRUE(described.IsSuccess());
    return described.IsSuccess() ? described.Value() : wf::DescribeWorkflowExecutionResponse();
  }

  // The BuildIds search attribute Describe reports ("" when none).
  static std::string BuildIds(const wf::DescribeWorkflowExecutionResponse& described) {
    const auto& fields = described.workflow_execution_info().search_attributes().indexed_fields();
    auto found = fields.find("BuildIds");
    return found == fields.end() ? "" : found->second.data();
  }
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

TEST_F(EngineCompletingWorkerTest, EachBuildsFirstTaskIsAResetPointAndItsBuildIdIsListed) {
  Start("flow");
  CompleteNext("b1");
  Signal("flow");
  CompleteNext("b1");  // the same build: no second point
  Signal("flow");
  CompleteNext("b2", "sum-2");
  auto described = Describe("flow");
  const auto& info = described.workflow_execution_info();
  ASSERT_EQ(info.auto_reset_points().points_size(), 2);
  const auto& first = info.auto_reset_points().points(0);
  EXPECT_EQ(first.build_id(), "b1");
  EXPECT_EQ(first.run_id(), info.execution().run_id());
  EXPECT_EQ(first.first_workflow_task_completed_id(), 4);
  EXPECT_TRUE(first.resettable());
  EXPECT_EQ(first.create_time().seconds(), 1'800'000'000);
  EXPECT_FALSE(first.has_expire_time());
  EXPECT_EQ(info.auto_reset_points().points(1).build_id(), "b2");
  EXPECT_EQ(info.auto_reset_points().points(1).binary_checksum(), "sum-2");
  EXPECT_EQ(info.most_recent_worker_version_stamp().build_id(), "b2");
  EXPECT_EQ(BuildIds(described), R"(["unversioned","unversioned:b1","unversioned:b2"])");
  EXPECT_GT(info.history_size_bytes(), 0);
  EXPECT_EQ(described.workflow_extended_info().original_start_time().seconds(), 1'800'000'000);
  EXPECT_FALSE(described.workflow_extended_info().has_last_reset_time());

  // A worker that sends no stamp: a point of its own (no build id), the stamp cleared, the
  // sentinel alone added to nothing.
  Signal("flow");
  CompleteNext("");
  described = Describe("flow");
  EXPECT_EQ(described.workflow_execution_info().auto_reset_points().points_size(), 3);
  EXPECT_FALSE(described.workflow_execution_info().has_most_recent_worker_version_stamp());
  EXPECT_EQ(BuildIds(described), R"(["unversioned","unversioned:b1","unversioned:b2"])");
}

TEST_F(EngineCompletingWorkerTest, TwentyPointsAtMostTheOldestDropped) {
  Start("many");
  for (int build = 1; build <= 22; ++build) {
    if (build > 1) Signal("many");
    CompleteNext("b" + std::to_string(build));
  }
  const auto points = Describe("many").workflow_execution_info().auto_reset_points();
  ASSERT_EQ(points.points_size(), 20);
  EXPECT_EQ(points.points(0).build_id(), "b3");
  EXPECT_EQ(points.points(19).build_id(), "b22");
}

TEST_F(EngineCompletingWorkerTest, APointTakenWhileAChildIsPendingIsNotResettable) {
  Start("parent");
  command::Command child;
  child.set_command_type(enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION);
  auto* attributes = child.mutable_start_child_workflow_execution_command_attributes();
  attributes->set_workflow_id("child");
  attributes->mutable_workflow_type()->set_name("Flow");
  attributes->mutable_task_queue()->set_name("child-queue");
  CompleteNext("b1", "", child);  // its own point: taken before the child was asked for
  Signal("parent");
  CompleteNext("b2");
  const auto points = Describe("parent").workflow_execution_info().auto_reset_points();
  ASSERT_EQ(points.points_size(), 2);
  EXPECT_TRUE(points.points(0).resettable());
  EXPECT_FALSE(points.points(1).resettable());
}

TEST_F(EngineCompletingWorkerTest, AContinuedRunCarriesThePointsOnTheClosedRunsExpiring) {
  Start("chain");
  const std::string first_run = Describe("chain").workflow_execution_info().execution().run_id();
  CompleteNext("b1", "", ContinueAsNewCommand());
  Advance(2000);
  CompleteNext("b2");
  auto described = Describe("chain");
  const auto& info = described.workflow_execution_info();
  ASSERT_NE(info.execution().run_id(), first_run);
  EXPECT_EQ(info.root_execution().run_id(), info.execution().run_id());
  ASSERT_EQ(info.auto_reset_points().points_size(), 2);
  const auto& carried = info.auto_reset_points().points(0);
  EXPECT_EQ(carried.run_id(), first_run);
  EXPECT_EQ(carried.build_id(), "b1");
  // The first run closed at 1,800,000,000 s (+2 s for the chain's backoff is the new run's start).
  EXPECT_EQ(carried.expire_time().seconds(), 1'800'000'000 + 72 * 3600);
  EXPECT_EQ(info.auto_reset_points().points(1).run_id(), info.execution().run_id());
  EXPECT_FALSE(info.auto_reset_points().points(1).has_expire_time());
  // The new run's BuildIds start over: its own completion's.
  EXPECT_EQ(BuildIds(described), R"(["unversioned","unversioned:b2"])");
}

TEST_F(EngineCompletingWorkerTest, AResetRunRebuildsThePointsAndSaysWhenItWasReset) {
  Start("reset");
  CompleteNext("b1");
  Signal("reset");
  CompleteNext("b2");
  const auto before = Describe("reset").workflow_execution_info();
  ASSERT_EQ(before.auto_reset_points().points_size(), 2);
  Advance(5000);
  wf::ResetWorkflowExecutionRequest request;
  request.mutable_workflow_execution()->set_workflow_id("reset");
  request.set_workflow_task_finish_event_id(
      before.auto_reset_points().points(1).first_workflow_task_completed_id());
  request.set_request_id("reset-1");
  request.set_reason("bad build");
  auto reset = engine_->Reset("ns", request);
  ASSERT_TRUE(reset.IsSuccess()) << reset.Error().ToString();
  auto described = Describe("reset");
  EXPECT_EQ(described.workflow_execution_info().execution().run_id(), reset.Value().run_id());
  // Rebuilt up to b2's task, which the reset failed: b1's point alone.
  const auto& points = described.workflow_execution_info().auto_reset_points();
  ASSERT_EQ(points.points_size(), 1);
  EXPECT_EQ(points.points(0).build_id(), "b1");
  EXPECT_EQ(points.points(0).run_id(), reset.Value().run_id());  // the run rebuilt
  EXPECT_EQ(described.workflow_extended_info().last_reset_time().seconds(), 1'800'000'000 + 5);
  EXPECT_EQ(described.workflow_extended_info().original_start_time().seconds(), 1'800'000'000);
}

#pragma GCC diagnostic pop

}  // namespace
}  // namespace hdo::history
