// Standalone activities through the engine: a client starts one, a worker (through matching, as
// PollActivityTaskQueue would) runs it, and the client reads its outcome; retries, timeouts,
// cancellation, termination, id policies and the long polls (engine_standalone_activity.cc).
#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "history/engine_test_fixture.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

class StandaloneActivityTest : public test_support::EngineHarness {
 protected:
  StandaloneActivityTest() : EngineHarness("hdo-engine-standalone-activity") {}

  // A start as the frontend hands it over (normalized: policies and request id set).
  static wf::StartActivityExecutionRequest Request(const std::string& id,
                                                   const std::string& request_id = "") {
    wf::StartActivityExecutionRequest request;
    request.set_activity_id(id);
    request.mutable_activity_type()->set_name("Echo");
    request.mutable_task_queue()->set_name("queue");
    request.mutable_start_to_close_timeout()->set_seconds(10);
    request.mutable_schedule_to_close_timeout()->set_seconds(60);
    request.mutable_schedule_to_start_timeout()->set_seconds(60);
    request.mutable_retry_policy()->mutable_initial_interval()->set_seconds(1);
    request.mutable_retry_policy()->set_backoff_coefficient(2.0);
    request.mutable_retry_policy()->mutable_maximum_interval()->set_seconds(100);
    request.set_request_id(request_id.empty() ? "start-" + id : request_id);
    request.set_id_reuse_policy(enums::ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    request.set_id_conflict_policy(enums::ACTIVITY_ID_CONFLICT_POLICY_FAIL);
    auto* payload = request.mutable_input()->add_payloads();
    (*payload->mutable_metadata())["encoding"] = "json/plain";
    payload->set_data("\"in\"");
    return request;
  }

  std::string Start(const wf::StartActivityExecutionRequest& request) {
    auto started = engine_->StartActivityExecution("ns", request);
    EXPECT_TRUE(started.IsSuccess()) << started.Error().Message();
    return started.IsSuccess() ? started.Value().run_id() : "";
  }

  // The outcome a PollActivityExecution gets at once (none: still running).
  std::optional<temporal::api::activity::v1::ActivityExecutionOutcome> Outcome(
      const std::string& id, const std::string& run_id = "") {
    wf::PollActivityExecutionRequest request;
    request.set_activity_id(id);
    request.set_run_id(run_id);
    std::optional<temporal::api::activity::v1::ActivityExecutionOutcome> got;
    bool answered = false;
    uint64_t waiting = engine_->PollActivityExecution(
        "ns", request, std::chrono::milliseconds(0),
        [&](hugo::Result<wf::PollActivityExecutionResponse> response) {
          answered = true;
          ASSERT_TRUE(response.IsSuccess()) << response.Error().Message();
          if (response.Value().has_outcome()) got = response.Value().outcome();
        });
    if (waiting != 0) engine_->CancelActivityWait(waiting);
    EXPECT_TRUE(answered);
    return got;
  }

  wf::DescribeActivityExecutionResponse Describe(const std::string& id) {
    wf::DescribeActivityExecutionRequest request;
    request.set_activity_id(id);
    wf::DescribeActivityExecutionResponse got;
    uint64_t waiting = engine_->DescribeActivityExecution(
        "ns", request, std::chrono::milliseconds(0),
        [&](hugo::Result<wf::DescribeActivityExecutionResponse> response) {
          ASSERT_TRUE(response.IsSuccess()) << response.Error().Message();
          got = std::move(response).Value();
        });
    EXPECT_EQ(waiting, 0u);
    return got;
  }

  Engine::ActivityRef Ref(const wf::PollActivityTaskQueueResponse& task) {
    return Engine::ActivityRef{"ns", task.task_token(), "", "", "", "worker"};
  }

  static temporal::api::common::v1::Payloads Result(const std::string& json) {
    temporal::api::common::v1::Payloads result;
    auto* payload = result.add_payloads();
    (*payload->mutable_metadata())["encoding"] = "json/plain";
    payload->set_data(json);
    return result;
  }
};

TEST_F(StandaloneActivityTest, AWorkerRunsItAndTheClientReadsTheResult) {
  const std::string run_id = Start(Request("a1"));
  EXPECT_FALSE(Outcome("a1").has_value());
  auto described = Describe("a1");
  EXPECT_EQ(described.info().status(), enums::ACTIVITY_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(described.info().run_state(), enums::PENDING_ACTIVITY_STATE_SCHEDULED);
  EXPECT_FALSE(described.long_poll_token().empty());

  auto task = PollActivityTask();
  ASSERT_FALSE(task.task_token().empty());
  // No workflow: an empty execution, the activity's own run id.
  EXPECT_TRUE(task.has_workflow_execution());
  EXPECT_TRUE(task.workflow_execution().workflow_id().empty());
  EXPECT_FALSE(task.has_workflow_type());
  EXPECT_EQ(task.activity_run_id(), run_id);
  EXPECT_EQ(task.activity_id(), "a1");
  EXPECT_EQ(task.input().payloads(0).data(), "\"in\"");
  EXPECT_EQ(Describe("a1").info().run_state(), enums::PENDING_ACTIVITY_STATE_STARTED);

  ASSERT_TRUE(engine_->CompleteActivity(Ref(task), Result("\"out\"")).IsSuccess());
  auto outcome = Outcome("a1");
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->result().payloads(0).data(), "\"out\"");
  described = Describe("a1");
  EXPECT_EQ(described.info().status(), enums::ACTIVITY_EXECUTION_STATUS_COMPLETED);
  EXPECT_TRUE(described.info().has_close_time());
  EXPECT_EQ(described.info().attempt(), 1);
  EXPECT_TRUE(described.info().has_last_started_time());
}

TEST_F(StandaloneActivityTest, AFailedAttemptIsRetriedThenTheLastFailureIsTheOutcome) {
  auto request = Request("a2");
  request.mutable_retry_policy()->set_maximum_attempts(2);
  Start(request);
  temporal::api::failure::v1::Failure failure;
  failure.set_message("boom");
  failure.mutable_application_failure_info()->set_type("Boom");
  auto first = PollActivityTask();
  ASSERT_TRUE(engine_->FailActivity(Ref(first), failure, nullptr).IsSuccess());
  EXPECT_FALSE(Outcome("a2").has_value());  // backing off, still running
  EXPECT_TRUE(Describe("a2").info().has_next_attempt_schedule_time());
  Advance(1100);
  io_.poll();
  auto second = PollActivityTask();
  ASSERT_FALSE(second.task_token().empty());
  EXPECT_EQ(second.attempt(), 2);
  ASSERT_TRUE(engine_->FailActivity(Ref(second), failure, nullptr).IsSuccess());
  auto outcome = Outcome("a2");
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->failure().message(), "boom");
  EXPECT_EQ(outcome->retry_state(), enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  EXPECT_EQ(Describe("a2").info().status(), enums::ACTIVITY_EXECUTION_STATUS_FAILED);
  EXPECT_EQ(Describe("a2").info().attempt(), 2);
}

TEST_F(StandaloneActivityTest, ACancelBeforeAWorkerTookItEndsItAtOnce) {
  Start(Request("a3"));
  wf::RequestCancelActivityExecutionRequest cancel;
  cancel.set_activity_id("a3");
  cancel.set_request_id("c1");
  cancel.set_reason("not needed");
  ASSERT_TRUE(engine_->RequestCancelActivityExecution("ns", cancel).IsSuccess());
  auto outcome = Outcome("a3");
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->failure().has_canceled_failure_info());
  EXPECT_EQ(outcome->failure().canceled_failure_info().details().payloads(0).data(),
            "\"not needed\"");
  EXPECT_EQ(Describe("a3").info().canceled_reason(), "not needed");
  // The same request again changes nothing; another one finds it closed.
  EXPECT_TRUE(engine_->RequestCancelActivityExecution("ns", cancel).IsSuccess());
  cancel.set_request_id("c2");
  auto again = engine_->RequestCancelActivityExecution("ns", cancel);
  ASSERT_TRUE(again.IsFailure());
  EXPECT_EQ(again.Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(again.Error().Message(), "activity is in terminal state Canceled");
  EXPECT_TRUE(PollActivityTask().task_token().empty());  // never dispatched again
}

TEST_F(StandaloneActivityTest, ARunningAttemptHearsOfTheCancelInItsHeartbeat) {
  Start(Request("a4"));
  auto task = PollActivityTask();
  // Reporting canceled before anyone asked is refused.
  auto early = engine_->CancelActivity(Ref(task), {});
  ASSERT_TRUE(early.IsFailure());
  EXPECT_EQ(early.Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(early.Error().Message(), "invalid transition from Started");

  wf::RequestCancelActivityExecutionRequest cancel;
  cancel.set_activity_id("a4");
  cancel.set_request_id("c1");
  cancel.set_identity("client");
  ASSERT_TRUE(engine_->RequestCancelActivityExecution("ns", cancel).IsSuccess());
  EXPECT_FALSE(Outcome("a4").has_value());  // the attempt runs on
  EXPECT_EQ(Describe("a4").info().run_state(), enums::PENDING_ACTIVITY_STATE_CANCEL_REQUESTED);
  auto heartbeat = engine_->HeartbeatActivity(Ref(task), {});
  ASSERT_TRUE(heartbeat.IsSuccess());
  EXPECT_TRUE(heartbeat.Value().cancel_requested);
  ASSERT_TRUE(engine_->CancelActivity(Ref(task), Result("\"bye\"")).IsSuccess());
  auto outcome = Outcome("a4");
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->failure().message(), "Activity canceled");
  EXPECT_EQ(outcome->failure().canceled_failure_info().identity(), "client");
  EXPECT_EQ(outcome->failure().canceled_failure_info().details().payloads(0).data(), "\"bye\"");
}

TEST_F(StandaloneActivityTest, TerminateEndsItAndLaterAnswersOfItsWorkerFindNothing) {
  Start(Request("a5"));
  auto task = PollActivityTask();
  wf::TerminateActivityExecutionRequest terminate;
  terminate.set_activity_id("a5");
  terminate.set_request_id("t1");
  terminate.set_reason("stop");
  ASSERT_TRUE(engine_->TerminateActivityExecution("ns", terminate).IsSuccess());
  auto outcome = Outcome("a5");
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->failure().message(), "stop");
  EXPECT_TRUE(outcome->failure().has_terminated_failure_info());
  EXPECT_TRUE(Describe("a5").info().canceled_reason().empty());
  auto late = engine_->CompleteActivity(Ref(task), Result("1"));
  ASSERT_TRUE(late.IsFailure());
  EXPECT_EQ(late.Error().Message(), "activity not found for ID: a5");
  EXPECT_TRUE(engine_->TerminateActivityExecution("ns", terminate).IsSuccess());  // a retry
  terminate.set_request_id("t2");
  EXPECT_EQ(engine_->TerminateActivityExecution("ns", terminate).Error().Message(),
            "already terminated with request ID t1");
}

TEST_F(StandaloneActivityTest, AStartToCloseTimeoutWithoutRetriesLeftTimesItOut) {
  auto request = Request("a6");
  request.mutable_retry_policy()->set_maximum_attempts(1);
  request.mutable_start_to_close_timeout()->set_seconds(2);
  Start(request);
  ASSERT_FALSE(PollActivityTask().task_token().empty());
  Advance(2100);
  io_.poll();
  auto outcome = Outcome("a6");
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->failure().message(), "activity StartToClose timeout");
  EXPECT_EQ(outcome->failure().timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_START_TO_CLOSE);
  EXPECT_EQ(Describe("a6").info().status(), enums::ACTIVITY_EXECUTION_STATUS_TIMED_OUT);
}

TEST_F(StandaloneActivityTest, IdPoliciesDecideASecondStart) {
  const std::string first = Start(Request("a7"));
  // The same request again: the same run, not started again.
  auto retried = engine_->StartActivityExecution("ns", Request("a7"));
  ASSERT_TRUE(retried.IsSuccess());
  EXPECT_EQ(retried.Value().run_id(), first);
  EXPECT_FALSE(retried.Value().started());
  // Another request while it runs: refused (FAIL), or joined (USE_EXISTING).
  auto refused = engine_->StartActivityExecution("ns", Request("a7", "other"));
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kActivityAlreadyStarted);
  auto use_existing = Request("a7", "other");
  use_existing.set_id_conflict_policy(enums::ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING);
  auto joined = engine_->StartActivityExecution("ns", use_existing);
  ASSERT_TRUE(joined.IsSuccess());
  EXPECT_EQ(joined.Value().run_id(), first);
  // Closed: a new run (ALLOW_DUPLICATE), or refused (REJECT_DUPLICATE).
  ASSERT_TRUE(engine_->CompleteActivity(Ref(PollActivityTask()), Result("1")).IsSuccess());
  auto reject = Request("a7", "third");
  reject.set_id_reuse_policy(enums::ACTIVITY_ID_REUSE_POLICY_REJECT_DUPLICATE);
  EXPECT_EQ(engine_->StartActivityExecution("ns", reject).Error().Code(),
            errors::kActivityAlreadyStarted);
  const std::string second = Start(Request("a7", "fourth"));
  EXPECT_NE(second, first);
  // The old run is still there by its run id.
  auto old_outcome = Outcome("a7", first);
  ASSERT_TRUE(old_outcome.has_value());
  EXPECT_EQ(old_outcome->result().payloads(0).data(), "1");
  EXPECT_FALSE(Outcome("a7").has_value());  // the new one runs
}

TEST_F(StandaloneActivityTest, AWorkerAnswersByIdWithoutAWorkflowId) {
  const std::string run_id = Start(Request("a8"));
  auto task = PollActivityTask();
  Engine::ActivityRef by_id{"ns", "", "", run_id, "a8", "someone"};
  auto heartbeat = engine_->HeartbeatActivity(by_id, Result("\"progress\""));
  ASSERT_TRUE(heartbeat.IsSuccess());
  EXPECT_FALSE(heartbeat.Value().cancel_requested);
  by_id.run_id.clear();  // the current run
  ASSERT_TRUE(engine_->CompleteActivity(by_id, Result("7")).IsSuccess());
  ASSERT_TRUE(Outcome("a8").has_value());
  Engine::ActivityRef unknown{"ns", "", "", "", "nope", ""};
  EXPECT_EQ(engine_->CompleteActivity(unknown, Result("7")).Error().Message(),
            "activity not found for ID: nope");
}

TEST_F(StandaloneActivityTest, ALongPollAnswersWhenTheActivityChanges) {
  Start(Request("a9"));
  const auto before = Describe("a9");
  wf::DescribeActivityExecutionRequest request;
  request.set_activity_id("a9");
  request.set_run_id(before.run_id());
  request.set_long_poll_token(before.long_poll_token());
  std::optional<wf::DescribeActivityExecutionResponse> got;
  uint64_t waiting = engine_->DescribeActivityExecution(
      "ns", request, std::chrono::seconds(30),
      [&](hugo::Result<wf::DescribeActivityExecutionResponse> response) {
        ASSERT_TRUE(response.IsSuccess());
        got = std::move(response).Value();
      });
  EXPECT_NE(waiting, 0u);
  EXPECT_FALSE(got.has_value());
  ASSERT_FALSE(PollActivityTask().task_token().empty());  // the worker takes it: a change
  ASSERT_TRUE(got.has_value());
  EXPECT_GT(got->info().state_transition_count(), before.info().state_transition_count());
  EXPECT_EQ(got->info().run_state(), enums::PENDING_ACTIVITY_STATE_STARTED);
}

TEST_F(StandaloneActivityTest, AStartDelayHoldsTheFirstDispatch) {
  auto request = Request("a10");
  request.mutable_start_delay()->set_seconds(2);
  Start(request);
  EXPECT_TRUE(PollActivityTask().task_token().empty());
  EXPECT_TRUE(Describe("a10").info().has_next_attempt_schedule_time());
  Advance(2100);
  io_.poll();
  EXPECT_FALSE(PollActivityTask().task_token().empty());
}

TEST_F(StandaloneActivityTest, ItsIdsDoNotMeetWorkflowIds) {
  Start(Request("shared"));
  // A workflow of the same id starts beside it.
  wf::StartWorkflowExecutionRequest workflow;
  workflow.set_workflow_id("shared");
  workflow.mutable_workflow_type()->set_name("Flow");
  workflow.mutable_task_queue()->set_name("queue");
  workflow.set_request_id("wf");
  ASSERT_TRUE(engine_->StartWorkflow("ns", workflow).IsSuccess());
  EXPECT_FALSE(Outcome("shared").has_value());
  wf::PollActivityExecutionRequest missing;
  missing.set_activity_id("never-started");
  bool answered = false;
  engine_->PollActivityExecution("ns", missing, std::chrono::milliseconds(0),
                                 [&](hugo::Result<wf::PollActivityExecutionResponse> response) {
                                   answered = true;
                                   ASSERT_TRUE(response.IsFailure());
                                   EXPECT_EQ(response.Error().Message(),
                                             "activity not found for ID: never-started");
                                 });
  EXPECT_TRUE(answered);
}

TEST_F(StandaloneActivityTest, ItsCompletionCallbacksWaitForTheCloseAndAreDescribed) {
  auto request = Request("a11");
  auto* callback = request.add_completion_callbacks()->mutable_nexus();
  callback->set_url("http://127.0.0.1:1/namespaces/ns/nexus/callback");
  Start(request);
  // A second caller joins the running activity with its own callback.
  auto join = Request("a11", "caller-2");
  join.set_id_conflict_policy(enums::ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING);
  join.mutable_on_conflict_options()->set_attach_request_id(true);
  join.mutable_on_conflict_options()->set_attach_completion_callbacks(true);
  join.add_completion_callbacks()->mutable_nexus()->set_url("http://127.0.0.1:2/cb");
  ASSERT_TRUE(engine_->StartActivityExecution("ns", join).IsSuccess());
  auto described = Describe("a11");
  ASSERT_EQ(described.callbacks_size(), 2);
  EXPECT_TRUE(described.callbacks(0).trigger().has_activity_closed());
  EXPECT_EQ(described.callbacks(0).info().state(), enums::CALLBACK_STATE_STANDBY);
  EXPECT_EQ(described.callbacks(1).info().callback().nexus().url(), "http://127.0.0.1:2/cb");
  // The joined request id is the run's too: its retry answers the run.
  auto retried = engine_->StartActivityExecution("ns", join);
  ASSERT_TRUE(retried.IsSuccess());
  EXPECT_FALSE(retried.Value().started());
  EXPECT_EQ(Describe("a11").callbacks_size(), 2);
  ASSERT_TRUE(engine_->CompleteActivity(Ref(PollActivityTask()), Result("1")).IsSuccess());
  // Closed: the callbacks are on their way (no longer waiting for the close).
  const auto closed = Describe("a11");
  for (const auto& one : closed.callbacks()) {
    EXPECT_NE(one.info().state(), enums::CALLBACK_STATE_STANDBY);
  }
}

TEST_F(StandaloneActivityTest, DeleteTerminatesARunningOneAndRemovesIt) {
  Start(Request("a12"));
  wf::DeleteActivityExecutionRequest remove;
  remove.set_activity_id("a12");
  ASSERT_TRUE(engine_->DeleteActivityExecution("ns", remove).IsSuccess());
  EXPECT_TRUE(PollActivityTask().task_token().empty());  // its task is gone with it
  wf::DescribeActivityExecutionRequest describe;
  describe.set_activity_id("a12");
  bool answered = false;
  engine_->DescribeActivityExecution(
      "ns", describe, std::chrono::milliseconds(0),
      [&](hugo::Result<wf::DescribeActivityExecutionResponse> response) {
        answered = true;
        ASSERT_TRUE(response.IsFailure());
        EXPECT_EQ(response.Error().Code(), errors::kNotFound);
        EXPECT_EQ(response.Error().Message(), "activity not found for ID: a12");
      });
  EXPECT_TRUE(answered);
  auto again = engine_->DeleteActivityExecution("ns", remove);
  ASSERT_TRUE(again.IsFailure());
  EXPECT_EQ(again.Error().Message(), "activity not found for ID: a12");
  // The id is free again.
  Start(Request("a12", "anew"));
}

}  // namespace
}  // namespace hdo::history
