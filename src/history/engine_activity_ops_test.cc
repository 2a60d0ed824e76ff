// Goal: the activity operator calls keep the reference's rules by the clock the test moves: a
// paused activity is neither dispatched (its queued task is refused) nor timed out, its running
// attempt hears the pause in its heartbeat and its failure parks the next attempt; an unpause
// dispatches it at once with its heartbeat details and arms the timeouts that passed meanwhile;
// a reset of a waiting retry dispatches attempt 1 at once; longer options keep a running attempt
// past its old deadline. Method: a real engine on a real SQLite file (EngineHarness), tasks taken
// as a worker polls them.
#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "history/engine_test_fixture.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

class ActivityOpsTest : public test_support::EngineHarness {
 protected:
  ActivityOpsTest() : EngineHarness("hdo-activity-ops") {}

  // Starts a workflow whose first task schedules activity "a1" (start-to-close 60 s, heartbeat
  // 10 s, retries every 5 s).
  void StartWithActivity() {
    wf::StartWorkflowExecutionRequest start;
    start.set_workflow_id("w");
    start.mutable_workflow_type()->set_name("Flow");
    start.mutable_task_queue()->set_name("queue");
    start.set_request_id("start-w");
    ASSERT_TRUE(engine_->StartWorkflow("ns", start).IsSuccess());
    auto task = PollWorkflowTask();
    ASSERT_FALSE(task.task_token().empty());
    wf::RespondWorkflowTaskCompletedRequest completed;
    completed.set_task_token(task.task_token());
    auto* command = completed.add_commands();
    command->set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
    auto* attributes = command->mutable_schedule_activity_task_command_attributes();
    attributes->set_activity_id("a1");
    attributes->mutable_activity_type()->set_name("Work");
    attributes->mutable_task_queue()->set_name("queue");
    attributes->mutable_start_to_close_timeout()->set_seconds(60);
    attributes->mutable_heartbeat_timeout()->set_seconds(10);
    attributes->mutable_retry_policy()->mutable_initial_interval()->set_seconds(5);
    attributes->mutable_retry_policy()->set_backoff_coefficient(1);
    ASSERT_TRUE(engine_->CompleteWorkflowTask("ns", completed).IsSuccess());
  }

  template <class Request>
  static Request On() {
    Request request;
    request.set_namespace_("default");
    request.mutable_execution()->set_workflow_id("w");
    request.set_id("a1");
    return request;
  }

  wf::DescribeWorkflowExecutionResponse Describe() {
    wf::DescribeWorkflowExecutionRequest request;
    request.mutable_execution()->set_workflow_id("w");
    auto described = engine_->Describe("ns", request);
    EXPECT_TRUE(described.IsSuccess());
    return described.IsSuccess() ? described.Value() : wf::DescribeWorkflowExecutionResponse();
  }

  Engine::ActivityRef Ref(const std::string& token) { return {"ns", token, "", "", "", "worker"}; }
};

TEST_F(ActivityOpsTest, APausedActivityParksItsRetryUntilTheUnpause) {
  StartWithActivity();
  auto attempt1 = PollActivityTask();
  ASSERT_EQ(attempt1.attempt(), 1);
  auto pause = On<wf::PauseActivityRequest>();
  pause.set_identity("operator");
  pause.set_reason("broken dependency");
  ASSERT_TRUE(engine_->PauseActivity("ns", pause).IsSuccess());

  // The running attempt goes on and hears it; no heartbeat or start-to-close timeout fires.
  temporal::api::common::v1::Payloads details;
  details.add_payloads()->set_data("progress");
  auto heard = engine_->HeartbeatActivity(Ref(attempt1.task_token()), details);
  ASSERT_TRUE(heard.IsSuccess());
  EXPECT_TRUE(heard.Value().activity_paused);
  EXPECT_FALSE(heard.Value().cancel_requested);
  Advance(120'000);
  auto pending = Describe().pending_activities(0);
  EXPECT_EQ(pending.state(), enums::PENDING_ACTIVITY_STATE_PAUSE_REQUESTED);
  EXPECT_EQ(pending.pause_info().manual().identity(), "operator");
  EXPECT_EQ(pending.pause_info().manual().reason(), "broken dependency");

  // Its failure parks attempt 2: nothing is dispatched, however long the wait.
  temporal::api::failure::v1::Failure failure;
  failure.set_message("activity paused");
  failure.mutable_application_failure_info();
  ASSERT_TRUE(engine_->FailActivity(Ref(attempt1.task_token()), failure, nullptr).IsSuccess());
  Advance(3'600'000);
  EXPECT_TRUE(PollActivityTask().task_token().empty());
  pending = Describe().pending_activities(0);
  EXPECT_EQ(pending.state(), enums::PENDING_ACTIVITY_STATE_PAUSED);
  EXPECT_EQ(pending.attempt(), 2);
  EXPECT_EQ(pending.last_failure().message(), "activity paused");

  ASSERT_TRUE(engine_->UnpauseActivity("ns", On<wf::UnpauseActivityRequest>()).IsSuccess());
  auto attempt2 = PollActivityTask();
  ASSERT_FALSE(attempt2.task_token().empty());
  EXPECT_EQ(attempt2.attempt(), 2);
  ASSERT_EQ(attempt2.heartbeat_details().payloads_size(), 1);
  EXPECT_EQ(attempt2.heartbeat_details().payloads(0).data(), "progress");
  EXPECT_FALSE(Describe().pending_activities(0).paused());
}

TEST_F(ActivityOpsTest, AQueuedTaskOfAPausedActivityIsRefusedAndTheUnpauseQueuesItAgain) {
  StartWithActivity();  // queued in matching, nobody polled yet
  ASSERT_TRUE(engine_->PauseActivity("ns", On<wf::PauseActivityRequest>()).IsSuccess());
  EXPECT_TRUE(PollActivityTask().task_token().empty());
  EXPECT_EQ(Describe().pending_activities(0).state(), enums::PENDING_ACTIVITY_STATE_PAUSED);
  ASSERT_TRUE(engine_->UnpauseActivity("ns", On<wf::UnpauseActivityRequest>()).IsSuccess());
  auto attempt1 = PollActivityTask();
  ASSERT_FALSE(attempt1.task_token().empty());
  EXPECT_EQ(attempt1.attempt(), 1);
}

TEST_F(ActivityOpsTest, TheUnpauseArmsATimeoutThatPassedDuringThePause) {
  StartWithActivity();
  auto attempt1 = PollActivityTask();
  ASSERT_TRUE(engine_->PauseActivity("ns", On<wf::PauseActivityRequest>()).IsSuccess());
  Advance(90'000);  // past the 60 s start-to-close
  EXPECT_EQ(Describe().pending_activities(0).attempt(), 1);
  ASSERT_TRUE(engine_->UnpauseActivity("ns", On<wf::UnpauseActivityRequest>()).IsSuccess());
  Advance(0);
  // Timed out at once: the attempt's token is stale, attempt 2 waits for its 5 s retry.
  EXPECT_FALSE(
      engine_->HeartbeatActivity(Ref(attempt1.task_token()), temporal::api::common::v1::Payloads())
          .IsSuccess());
  Advance(5'000);
  EXPECT_EQ(PollActivityTask().attempt(), 2);
}

TEST_F(ActivityOpsTest, AResetDispatchesAWaitingRetryAtOnceAsAttemptOne) {
  StartWithActivity();
  auto attempt1 = PollActivityTask();
  temporal::api::failure::v1::Failure failure;
  failure.set_message("boom");
  failure.mutable_application_failure_info();
  ASSERT_TRUE(engine_->FailActivity(Ref(attempt1.task_token()), failure, nullptr).IsSuccess());
  EXPECT_TRUE(PollActivityTask().task_token().empty());  // 5 s backoff
  ASSERT_TRUE(engine_->ResetActivity("ns", On<wf::ResetActivityRequest>()).IsSuccess());
  auto again = PollActivityTask();
  ASSERT_FALSE(again.task_token().empty());
  EXPECT_EQ(again.attempt(), 1);
  // The backoff's own timer, later, dispatches nothing more.
  Advance(5'000);
  EXPECT_TRUE(PollActivityTask().task_token().empty());
}

TEST_F(ActivityOpsTest, LongerOptionsKeepARunningAttemptPastItsOldDeadline) {
  StartWithActivity();
  auto attempt1 = PollActivityTask();
  auto update = On<wf::UpdateActivityOptionsRequest>();
  update.mutable_activity_options()->mutable_start_to_close_timeout()->set_seconds(300);
  update.mutable_activity_options()->mutable_heartbeat_timeout()->set_seconds(0);
  update.mutable_update_mask()->add_paths("start_to_close_timeout");
  update.mutable_update_mask()->add_paths("HeartbeatTimeout");
  auto updated = engine_->UpdateActivityOptions("ns", update);
  ASSERT_TRUE(updated.IsSuccess()) << updated.Error().Message();
  EXPECT_EQ(updated.Value().activity_options().start_to_close_timeout().seconds(), 300);
  EXPECT_EQ(updated.Value().activity_options().heartbeat_timeout().seconds(), 0);
  Advance(120'000);  // past the old 60 s and the old heartbeat timeout
  EXPECT_TRUE(
      engine_->HeartbeatActivity(Ref(attempt1.task_token()), temporal::api::common::v1::Payloads())
          .IsSuccess());
  Advance(200'000);  // past the new 300 s
  EXPECT_FALSE(
      engine_->HeartbeatActivity(Ref(attempt1.task_token()), temporal::api::common::v1::Payloads())
          .IsSuccess());
}

TEST_F(ActivityOpsTest, UnknownActivitiesAndClosedRunsAreNotFound) {
  StartWithActivity();
  auto unknown = On<wf::PauseActivityRequest>();
  unknown.set_id("no-such");
  EXPECT_EQ(engine_->PauseActivity("ns", unknown).Error().Code(), errors::kNotFound);
  wf::TerminateWorkflowExecutionRequest terminate;
  terminate.mutable_workflow_execution()->set_workflow_id("w");
  ASSERT_TRUE(engine_->Terminate("ns", terminate).IsSuccess());
  auto closed = engine_->PauseActivity("ns", On<wf::PauseActivityRequest>());
  ASSERT_TRUE(closed.IsFailure());
  EXPECT_EQ(closed.Error().Message(), "workflow execution already completed");
  EXPECT_EQ(Describe().pending_activities_size(), 1);  // still described after the close
}

}  // namespace
}  // namespace hdo::history
