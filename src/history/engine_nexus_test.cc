// Nexus operations through the engine: a workflow schedules an operation, the handler worker
// (through the NexusMatcher, as PollNexusTaskQueue would) answers, and the run's history shows
// the reference's events; completion callbacks of a handler's workflow reach their caller.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "history/engine_test_fixture.h"
#include "history/nexus_links.h"
#include "matching/nexus_matcher.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;
namespace nexus = temporal::api::nexus::v1;
using matching::NexusMatcher;

constexpr char kCallbackUrl[] = "http://127.0.0.1:7243/namespaces/default/nexus/callback";

class EngineNexusTest : public test_support::EngineHarness {
 protected:
  EngineNexusTest()
      : EngineHarness("hdo-engine-nexus"), nexus_(io_.get_executor(), NexusMatcher::Options{}) {
    RestartEngine(NexusOptions());
  }

  Engine::Options NexusOptions() {
    Engine::Options options;
    options.nexus = &nexus_;
    auto lookup = [](const std::string& key) -> hugo::Result<Engine::NexusTarget> {
      if (key != "ep" && key != "ep-id") {
        return hugo::Error::From("endpoint not found", errors::kNotFound);
      }
      return hugo::Ok(Engine::NexusTarget{"ep-id", "ep", "ns", "handler", ""});
    };
    options.nexus_endpoint = lookup;
    options.nexus_endpoint_by_id = lookup;
    options.nexus_callback_url = [](const std::string&) { return std::string(kCallbackUrl); };
    return options;
  }

  void Start(const std::string& workflow_id, const std::string& queue = "queue",
             const wf::StartWorkflowExecutionRequest* base = nullptr) {
    wf::StartWorkflowExecutionRequest request;
    if (base != nullptr) request = *base;
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name(queue);
    request.set_request_id("start-" + workflow_id);
    auto started = engine_->StartWorkflow("ns", request);
    ASSERT_TRUE(started.IsSuccess()) << started.Error().Message();
  }

  hugo::Result<wf::RespondWorkflowTaskCompletedResponse> Complete(
      const std::string& token, std::vector<command::Command> commands) {
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(token);
    for (auto& cmd : commands) *request.add_commands() = std::move(cmd);
    return engine_->CompleteWorkflowTask("ns", request);
  }

  static command::Command Schedule(const std::string& endpoint = "ep") {
    command::Command cmd;
    cmd.set_command_type(enums::COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION);
    auto* attributes = cmd.mutable_schedule_nexus_operation_command_attributes();
    attributes->set_endpoint(endpoint);
    attributes->set_service("svc");
    attributes->set_operation("op");
    attributes->mutable_input()->set_data("\"in\"");
    (*attributes->mutable_input()->mutable_metadata())["encoding"] = "json/plain";
    return cmd;
  }

  // The workflow "caller" scheduled one operation; its start request is on its way.
  void ScheduleOne(const std::string& workflow_id = "caller") {
    Start(workflow_id);
    auto task = PollWorkflowTask();
    ASSERT_FALSE(task.task_token().empty());
    auto completed = Complete(task.task_token(), {Schedule()});
    ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
    io_.poll();  // the engine sends the start request
  }

  // The handler worker's poll: the task waiting for it, or an empty response.
  wf::PollNexusTaskQueueResponse PollNexus() {
    wf::PollNexusTaskQueueResponse got;
    uint64_t parked = nexus_.Poll("ns", {"default", "handler", "handler-worker", "", false},
                                  std::chrono::milliseconds(0),
                                  [&got](wf::PollNexusTaskQueueResponse r) { got = std::move(r); });
    if (parked != 0) nexus_.CancelPoll(parked);
    return got;
  }

  void Answer(const std::string& task_token, nexus::Response response) {
    NexusMatcher::Outcome outcome;
    outcome.kind = NexusMatcher::Outcome::Kind::kResponse;
    outcome.response = std::move(response);
    ASSERT_TRUE(nexus_.Respond("ns", task_token, std::move(outcome)).IsSuccess());
    io_.poll();
  }

  // The newer form of a failed task (RespondNexusTaskFailed.failure), as the frontend passes it
  // on: the Temporal failure whole, its message beside its JSON.
  void FailWith(const std::string& task_token, const temporal::api::failure::v1::Failure& failure) {
    NexusMatcher::Outcome outcome;
    outcome.kind = NexusMatcher::Outcome::Kind::kHandlerError;
    outcome.error.set_error_type(failure.nexus_handler_failure_info().type());
    outcome.error.set_retry_behavior(failure.nexus_handler_failure_info().retry_behavior());
    temporal::api::failure::v1::Failure without_message = failure;
    without_message.clear_message();
    outcome.error.mutable_failure()->set_message(failure.message());
    (*outcome.error.mutable_failure()->mutable_metadata())["type"] =
        "temporal.api.failure.v1.Failure";
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(
                    without_message, outcome.error.mutable_failure()->mutable_details())
                    .ok());
    outcome.temporal_failure = true;
    ASSERT_TRUE(nexus_.Respond("ns", task_token, std::move(outcome)).IsSuccess());
    io_.poll();
  }

  static temporal::api::failure::v1::Failure HandlerFailure(const std::string& type,
                                                            const std::string& message) {
    temporal::api::failure::v1::Failure failure;
    failure.set_message(message);
    failure.mutable_nexus_handler_failure_info()->set_type(type);
    auto* cause = failure.mutable_cause();
    cause->set_message("Payload validation failed");
    cause->mutable_application_failure_info()->set_type("PayloadValidationError");
    cause->mutable_application_failure_info()->set_non_retryable(true);
    return failure;
  }

  void Fail(const std::string& task_token, const std::string& type, const std::string& message) {
    NexusMatcher::Outcome outcome;
    outcome.kind = NexusMatcher::Outcome::Kind::kHandlerError;
    outcome.error.set_error_type(type);
    outcome.error.mutable_failure()->set_message(message);
    ASSERT_TRUE(nexus_.Respond("ns", task_token, std::move(outcome)).IsSuccess());
    io_.poll();
  }

  wf::DescribeWorkflowExecutionResponse Describe(const std::string& workflow_id) {
    wf::DescribeWorkflowExecutionRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    auto described = engine_->Describe("ns", request);
    EXPECT_TRUE(described.IsSuccess());
    return described.IsSuccess() ? described.Value() : wf::DescribeWorkflowExecutionResponse();
  }

  NexusMatcher nexus_;
};

TEST_F(EngineNexusTest, ASyncResultIsWrittenAsNexusOperationCompleted) {
  ScheduleOne();
  auto task = PollNexus();
  ASSERT_FALSE(task.task_token().empty());
  const auto& start = task.request().start_operation();
  EXPECT_EQ(start.service(), "svc");
  EXPECT_EQ(start.operation(), "op");
  EXPECT_EQ(start.payload().data(), "\"in\"");
  EXPECT_FALSE(start.request_id().empty());
  EXPECT_EQ(start.callback(), kCallbackUrl);
  EXPECT_EQ(start.callback_header().count("temporal-callback-token"), 1u);
  EXPECT_EQ(task.request().header().count("request-timeout"), 1u);
  ASSERT_EQ(start.links_size(), 1);
  auto link = LinkFromNexus(start.links(0).url(), start.links(0).type());
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->workflow_event().workflow_id(), "caller");
  EXPECT_EQ(link->workflow_event().event_ref().event_type(),
            enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);

  nexus::Response response;
  response.mutable_start_operation()->mutable_sync_success()->mutable_payload()->set_data(
      "\"out\"");
  Answer(task.task_token(), response);
  auto next = PollWorkflowTask();
  ASSERT_FALSE(next.task_token().empty());
  auto types = Types(next.history());
  ASSERT_GE(types.size(), 3u);
  EXPECT_EQ(types[4], enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
  EXPECT_EQ(types[5], enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED);
  const auto& completed = next.history().events(5).nexus_operation_completed_event_attributes();
  EXPECT_EQ(completed.scheduled_event_id(), 5);
  EXPECT_EQ(completed.result().data(), "\"out\"");
  EXPECT_EQ(completed.request_id(), start.request_id());
  EXPECT_EQ(Describe("caller").pending_nexus_operations_size(), 0);
}

TEST_F(EngineNexusTest, AnAsyncStartThenItsCallbackCompleteTheOperation) {
  ScheduleOne();
  auto task = PollNexus();
  ASSERT_FALSE(task.task_token().empty());
  nexus::Response response;
  response.mutable_start_operation()->mutable_async_success()->set_operation_token("tok");
  Answer(task.task_token(), response);
  auto next = PollWorkflowTask();
  ASSERT_EQ(Types(next.history()).back(), enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  EXPECT_EQ(next.history().events(5).event_type(), enums::EVENT_TYPE_NEXUS_OPERATION_STARTED);
  EXPECT_EQ(next.history().events(5).nexus_operation_started_event_attributes().operation_token(),
            "tok");
  ASSERT_TRUE(Complete(next.task_token(), {}).IsSuccess());
  auto described = Describe("caller");
  ASSERT_EQ(described.pending_nexus_operations_size(), 1);
  EXPECT_EQ(described.pending_nexus_operations(0).state(),
            enums::PENDING_NEXUS_OPERATION_STATE_STARTED);
  EXPECT_EQ(described.pending_nexus_operations(0).operation_token(), "tok");

  Engine::NexusCompletion completion;
  completion.token =
      task.request().start_operation().callback_header().at("temporal-callback-token");
  completion.result.set_data("\"async out\"");
  ASSERT_TRUE(engine_->CompleteNexusOperation(completion).IsSuccess());
  auto after = PollWorkflowTask();
  ASSERT_FALSE(after.task_token().empty());
  bool found = false;
  for (const auto& event : after.history().events()) {
    if (event.event_type() == enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED) {
      found = true;
      EXPECT_EQ(event.nexus_operation_completed_event_attributes().result().data(),
                "\"async out\"");
    }
  }
  EXPECT_TRUE(found);
  // A second completion of the same operation finds nothing pending.
  auto again = engine_->CompleteNexusOperation(completion);
  ASSERT_TRUE(again.IsFailure());
  EXPECT_EQ(again.Error().Code(), errors::kNotFound);
  completion.token = "not a token!";
  auto bad = engine_->CompleteNexusOperation(completion);
  ASSERT_TRUE(bad.IsFailure());
  EXPECT_EQ(bad.Error().Code(), errors::kInvalidArgument);
}

TEST_F(EngineNexusTest, ACompletionBeforeTheStartAnswerWritesStartedFirst) {
  ScheduleOne();
  auto task = PollNexus();
  Engine::NexusCompletion completion;
  completion.token =
      task.request().start_operation().callback_header().at("temporal-callback-token");
  completion.state = Engine::NexusCompletion::State::kFailed;
  completion.failure.set_message("boom");
  completion.operation_token = "tok";
  ASSERT_TRUE(engine_->CompleteNexusOperation(completion).IsSuccess());
  // The start's late answer is stale: nothing more is written.
  nexus::Response response;
  response.mutable_start_operation()->mutable_async_success()->set_operation_token("tok");
  Answer(task.task_token(), response);
  auto next = PollWorkflowTask();
  auto types = Types(next.history());
  ASSERT_GE(types.size(), 7u);
  EXPECT_EQ(types[5], enums::EVENT_TYPE_NEXUS_OPERATION_STARTED);
  EXPECT_EQ(types[6], enums::EVENT_TYPE_NEXUS_OPERATION_FAILED);
  const auto& failure =
      next.history().events(6).nexus_operation_failed_event_attributes().failure();
  EXPECT_EQ(failure.message(), "nexus operation completed unsuccessfully");
  EXPECT_EQ(failure.nexus_operation_execution_failure_info().operation_token(), "tok");
  EXPECT_EQ(failure.cause().message(), "boom");
  EXPECT_EQ(std::count(types.begin(), types.end(), enums::EVENT_TYPE_NEXUS_OPERATION_STARTED), 1);
}

TEST_F(EngineNexusTest, ANonRetryableHandlerErrorFailsTheOperation) {
  ScheduleOne();
  auto task = PollNexus();
  Fail(task.task_token(), "BAD_REQUEST", "bad input");
  auto next = PollWorkflowTask();
  ASSERT_EQ(next.history().events(5).event_type(), enums::EVENT_TYPE_NEXUS_OPERATION_FAILED);
  const auto& failure =
      next.history().events(5).nexus_operation_failed_event_attributes().failure();
  EXPECT_EQ(failure.message(), "nexus operation completed unsuccessfully");
  EXPECT_EQ(failure.nexus_operation_execution_failure_info().endpoint(), "ep");
  EXPECT_EQ(failure.cause().message(), "handler error (BAD_REQUEST): bad input");
  EXPECT_EQ(failure.cause().nexus_handler_failure_info().type(), "BAD_REQUEST");
}

TEST_F(EngineNexusTest, ARetryableHandlerErrorBacksOffAndTriesAgain) {
  ScheduleOne();
  auto task = PollNexus();
  Fail(task.task_token(), "INTERNAL", "try later");
  EXPECT_TRUE(PollWorkflowTask().task_token().empty());  // nothing for the workflow yet
  auto described = Describe("caller");
  ASSERT_EQ(described.pending_nexus_operations_size(), 1);
  const auto& pending = described.pending_nexus_operations(0);
  EXPECT_EQ(pending.state(), enums::PENDING_NEXUS_OPERATION_STATE_BACKING_OFF);
  EXPECT_EQ(pending.attempt(), 1);
  EXPECT_EQ(pending.last_attempt_failure().message(), "handler error (INTERNAL): try later");
  EXPECT_TRUE(PollNexus().task_token().empty());
  Advance(1100);  // past the first backoff (at most 1 s)
  io_.poll();
  auto retried = PollNexus();
  ASSERT_FALSE(retried.task_token().empty());
  EXPECT_EQ(retried.request().start_operation().request_id(),
            task.request().start_operation().request_id());
}

TEST_F(EngineNexusTest, RequestsToWorkersAnnounceTemporalFailureResponses) {
  ScheduleOne();
  EXPECT_TRUE(PollNexus().request().capabilities().temporal_failure_responses());
}

// nexusoperation.useNewFailureWireFormat=false: workers answer in the legacy form.
class EngineNexusLegacyFailuresTest : public EngineNexusTest {
 protected:
  EngineNexusLegacyFailuresTest() {
    Engine::Options options = NexusOptions();
    options.nexus_temporal_failure_responses = false;
    RestartEngine(std::move(options));  // before anything is stored
  }
};

TEST_F(EngineNexusLegacyFailuresTest, RequestsDoNotAnnounceTemporalFailureResponses) {
  ScheduleOne();
  auto task = PollNexus();
  ASSERT_FALSE(task.task_token().empty());
  EXPECT_FALSE(task.request().capabilities().temporal_failure_responses());
}

TEST_F(EngineNexusTest, ANonRetryableTemporalFailureIsTheOperationsCauseAsItIs) {
  ScheduleOne();
  auto task = PollNexus();
  const auto given = HandlerFailure("BAD_REQUEST", "invalid operation input");
  FailWith(task.task_token(), given);
  auto next = PollWorkflowTask();
  ASSERT_EQ(next.history().events(5).event_type(), enums::EVENT_TYPE_NEXUS_OPERATION_FAILED);
  const auto& failure =
      next.history().events(5).nexus_operation_failed_event_attributes().failure();
  EXPECT_EQ(failure.message(), "nexus operation completed unsuccessfully");
  // Not "handler error (BAD_REQUEST): ...": the handler's own message and cause.
  EXPECT_EQ(failure.cause().SerializeAsString(), given.SerializeAsString())
      << failure.cause().DebugString();
}

TEST_F(EngineNexusTest, ARetryableTemporalFailureIsTheAttemptsFailureAsItIs) {
  ScheduleOne();
  auto task = PollNexus();
  auto given = HandlerFailure("INTERNAL", "try later");
  FailWith(task.task_token(), given);
  EXPECT_TRUE(PollWorkflowTask().task_token().empty());  // retried, nothing for the workflow
  auto described = Describe("caller");
  ASSERT_EQ(described.pending_nexus_operations_size(), 1);
  const auto& pending = described.pending_nexus_operations(0);
  EXPECT_EQ(pending.state(), enums::PENDING_NEXUS_OPERATION_STATE_BACKING_OFF);
  EXPECT_EQ(pending.last_attempt_failure().SerializeAsString(), given.SerializeAsString());

  // A retry behavior the failure names wins over its type's default.
  Advance(1100);
  io_.poll();
  auto retried = PollNexus();
  ASSERT_FALSE(retried.task_token().empty());
  given.mutable_nexus_handler_failure_info()->set_retry_behavior(
      enums::NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE);
  FailWith(retried.task_token(), given);
  auto next = PollWorkflowTask();
  ASSERT_EQ(next.history().events(5).event_type(), enums::EVENT_TYPE_NEXUS_OPERATION_FAILED);
  EXPECT_EQ(next.history()
                .events(5)
                .nexus_operation_failed_event_attributes()
                .failure()
                .cause()
                .message(),
            "try later");
}

TEST_F(EngineNexusTest, AnUnknownEndpointFailsTheWorkflowTask) {
  Start("caller");
  auto task = PollWorkflowTask();
  auto completed = Complete(task.task_token(), {Schedule("nope")});
  ASSERT_TRUE(completed.IsFailure());
  EXPECT_EQ(completed.Error().Message(),
            "BadScheduleNexusOperationAttributes: endpoint \"nope\" not found");
}

TEST_F(EngineNexusTest, TheScheduleToCloseTimeoutEndsTheOperation) {
  Start("caller");
  auto task = PollWorkflowTask();
  auto cmd = Schedule();
  cmd.mutable_schedule_nexus_operation_command_attributes()
      ->mutable_schedule_to_close_timeout()
      ->set_seconds(5);
  ASSERT_TRUE(Complete(task.task_token(), {cmd}).IsSuccess());
  Advance(5000);
  io_.poll();
  auto next = PollWorkflowTask();
  ASSERT_FALSE(next.task_token().empty());
  const auto& event = next.history().events(5);
  ASSERT_EQ(event.event_type(), enums::EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT);
  const auto& failure = event.nexus_operation_timed_out_event_attributes().failure();
  EXPECT_EQ(failure.cause().message(), "operation timed out");
  EXPECT_EQ(failure.cause().timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
}

TEST_F(EngineNexusTest, ACancelRequestReachesTheHandlerOnceTheOperationStarted) {
  ScheduleOne();
  auto task = PollNexus();
  nexus::Response response;
  response.mutable_start_operation()->mutable_async_success()->set_operation_token("tok");
  Answer(task.task_token(), response);
  auto next = PollWorkflowTask();
  command::Command cancel;
  cancel.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION);
  cancel.mutable_request_cancel_nexus_operation_command_attributes()->set_scheduled_event_id(5);
  ASSERT_TRUE(Complete(next.task_token(), {cancel}).IsSuccess());
  io_.poll();
  auto cancel_task = PollNexus();
  ASSERT_TRUE(cancel_task.request().has_cancel_operation());
  EXPECT_EQ(cancel_task.request().cancel_operation().operation_token(), "tok");
  nexus::Response acknowledged;
  acknowledged.mutable_cancel_operation();
  Answer(cancel_task.task_token(), acknowledged);
  auto after = PollWorkflowTask();
  auto types = Types(after.history());
  EXPECT_NE(
      std::find(types.begin(), types.end(), enums::EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED),
      types.end());
  EXPECT_NE(std::find(types.begin(), types.end(),
                      enums::EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED),
            types.end());
  // Cancelling again is refused.
  auto again = Complete(after.task_token(), {cancel});
  ASSERT_TRUE(again.IsFailure());
}

TEST_F(EngineNexusTest, AHandlerWorkflowsCallbackCompletesItsCallerInProcess) {
  ScheduleOne();
  auto task = PollNexus();
  const auto& start = task.request().start_operation();
  // The handler starts a workflow whose completion goes to the caller (what the Go SDK's
  // workflow-run operation does), then answers async.
  wf::StartWorkflowExecutionRequest handler;
  auto* callback = handler.add_completion_callbacks()->mutable_nexus();
  callback->set_url(start.callback());
  for (const auto& [key, value] : start.callback_header())
    (*callback->mutable_header())[key] = value;
  Start("handler-wf", "handler-queue", &handler);
  nexus::Response response;
  response.mutable_start_operation()->mutable_async_success()->set_operation_token("tok");
  Answer(task.task_token(), response);
  auto caller_task = PollWorkflowTask();
  ASSERT_TRUE(Complete(caller_task.task_token(), {}).IsSuccess());
  EXPECT_EQ(Describe("handler-wf").callbacks_size(), 1);

  auto handler_task = PollWorkflowTask("handler-queue");
  ASSERT_FALSE(handler_task.task_token().empty());
  command::Command done;
  done.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  done.mutable_complete_workflow_execution_command_attributes()
      ->mutable_result()
      ->add_payloads()
      ->set_data("\"from handler\"");
  ASSERT_TRUE(Complete(handler_task.task_token(), {done}).IsSuccess());
  io_.poll();  // the callbacks task
  auto described = Describe("handler-wf");
  ASSERT_EQ(described.callbacks_size(), 1);
  EXPECT_EQ(described.callbacks(0).state(), enums::CALLBACK_STATE_SUCCEEDED);
  auto after = PollWorkflowTask();
  ASSERT_FALSE(after.task_token().empty());
  bool found = false;
  for (const auto& event : after.history().events()) {
    if (event.event_type() == enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED) {
      found = true;
      EXPECT_EQ(event.nexus_operation_completed_event_attributes().result().data(),
                "\"from handler\"");
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(EngineNexusTest, StartsJoiningARunningHandlerWorkflowAttachTheirCallbacksOnce) {
  Start("caller");
  auto first = PollWorkflowTask();
  ASSERT_TRUE(Complete(first.task_token(), {Schedule(), Schedule()}).IsSuccess());
  io_.poll();
  auto task_a = PollNexus();
  auto task_b = PollNexus();
  ASSERT_FALSE(task_a.task_token().empty());
  ASSERT_FALSE(task_b.task_token().empty());
  // Both operations start (or join) the same handler workflow.
  auto start_for = [](const wf::PollNexusTaskQueueResponse& task) {
    const auto& start = task.request().start_operation();
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id("shared-handler");
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("handler-queue");
    request.set_request_id(start.request_id());
    request.set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING);
    request.mutable_on_conflict_options()->set_attach_request_id(true);
    request.mutable_on_conflict_options()->set_attach_completion_callbacks(true);
    request.mutable_on_conflict_options()->set_attach_links(true);
    auto* callback = request.add_completion_callbacks()->mutable_nexus();
    callback->set_url(start.callback());
    for (const auto& [key, value] : start.callback_header()) {
      (*callback->mutable_header())[key] = value;
    }
    return request;
  };
  auto started = engine_->StartWorkflow("ns", start_for(task_a));
  ASSERT_TRUE(started.IsSuccess());
  EXPECT_TRUE(started.Value().started());
  EXPECT_EQ(started.Value().link().workflow_event().workflow_id(), "shared-handler");
  auto joined = engine_->StartWorkflow("ns", start_for(task_b));
  ASSERT_TRUE(joined.IsSuccess()) << joined.Error().Message();
  EXPECT_FALSE(joined.Value().started());
  EXPECT_EQ(joined.Value().link().workflow_event().request_id_ref().event_type(),
            enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
  EXPECT_EQ(joined.Value().run_id(), started.Value().run_id());
  // A retry of the joining start attaches nothing more.
  ASSERT_TRUE(engine_->StartWorkflow("ns", start_for(task_b)).IsSuccess());
  ASSERT_EQ(Describe("shared-handler").callbacks_size(), 2);
  for (const auto* task : {&task_a, &task_b}) {
    nexus::Response response;
    response.mutable_start_operation()->mutable_async_success()->set_operation_token("tok");
    Answer(task->task_token(), response);
  }
  auto handler_task = PollWorkflowTask("handler-queue");
  ASSERT_FALSE(handler_task.task_token().empty());
  int updated = 0;
  for (const auto& event : handler_task.history().events()) {
    if (event.event_type() != enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED) continue;
    ++updated;
    EXPECT_TRUE(event.worker_may_ignore());
    EXPECT_EQ(event.workflow_execution_options_updated_event_attributes()
                  .attached_completion_callbacks_size(),
              1);
  }
  EXPECT_EQ(updated, 1);
  command::Command done;
  done.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  done.mutable_complete_workflow_execution_command_attributes();
  auto closed = Complete(handler_task.task_token(), {done});
  ASSERT_TRUE(closed.IsSuccess()) << closed.Error().Message();
  io_.poll();
  auto described = Describe("shared-handler");
  for (const auto& callback : described.callbacks()) {
    EXPECT_EQ(callback.state(), enums::CALLBACK_STATE_SUCCEEDED);
  }
  EXPECT_EQ(Describe("caller").pending_nexus_operations_size(), 0);
}

TEST_F(EngineNexusTest, AResetCallerKeepsItsOperationsAndTheirCompletionsFindTheNewRun) {
  ScheduleOne();
  auto started_task = PollNexus();
  auto not_started_first = Describe("caller");
  const std::string old_run = not_started_first.workflow_execution_info().execution().run_id();
  nexus::Response response;
  response.mutable_start_operation()->mutable_async_success()->set_operation_token("tok");
  Answer(started_task.task_token(), response);
  auto next = PollWorkflowTask();
  // A second operation, still being started when the run is reset.
  ASSERT_TRUE(Complete(next.task_token(), {Schedule()}).IsSuccess());  // event 9 completes it
  io_.poll();
  auto second_task = PollNexus();
  ASSERT_FALSE(second_task.task_token().empty());

  wf::ResetWorkflowExecutionRequest reset;
  reset.mutable_workflow_execution()->set_workflow_id("caller");
  reset.mutable_workflow_execution()->set_run_id(old_run);
  reset.set_workflow_task_finish_event_id(9);
  reset.set_request_id("reset-1");
  reset.set_reason("try again");
  auto reset_done = engine_->Reset("ns", reset);
  ASSERT_TRUE(reset_done.IsSuccess()) << reset_done.Error().Message();
  io_.poll();
  auto described = Describe("caller");
  ASSERT_NE(described.workflow_execution_info().execution().run_id(), old_run);
  // Only the started operation is kept (the second one was scheduled after the reset point).
  ASSERT_EQ(described.pending_nexus_operations_size(), 1);
  EXPECT_EQ(described.pending_nexus_operations(0).state(),
            enums::PENDING_NEXUS_OPERATION_STATE_STARTED);
  EXPECT_EQ(described.pending_nexus_operations(0).operation_token(), "tok");

  // The handler's completion names the old run: it reaches the new one.
  Engine::NexusCompletion completion;
  completion.token =
      started_task.request().start_operation().callback_header().at("temporal-callback-token");
  completion.result.set_data("\"after reset\"");
  auto completed = engine_->CompleteNexusOperation(completion);
  ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  EXPECT_EQ(Describe("caller").pending_nexus_operations_size(), 0);
}

TEST_F(EngineNexusTest, AResetBeforeTheStartAnswerSendsTheStartAgain) {
  ScheduleOne();
  auto first_task = PollNexus();
  ASSERT_FALSE(first_task.task_token().empty());
  auto described = Describe("caller");
  const std::string old_run = described.workflow_execution_info().execution().run_id();
  wf::ResetWorkflowExecutionRequest reset;
  reset.mutable_workflow_execution()->set_workflow_id("caller");
  reset.mutable_workflow_execution()->set_run_id(old_run);
  reset.set_workflow_task_finish_event_id(4);
  reset.set_request_id("reset-2");
  reset.set_reason("again");
  ASSERT_TRUE(engine_->Reset("ns", reset).IsSuccess());
  io_.poll();
  // Reset to the task that scheduled it: the operation is not in the new run (it was scheduled by
  // the task the reset fails), so nothing more is sent for it.
  EXPECT_EQ(Describe("caller").pending_nexus_operations_size(), 0);
  EXPECT_TRUE(PollNexus().task_token().empty());
}

TEST_F(EngineNexusTest, SignalsAndSignalWithStartKeepTheirLinksOnTheirEvents) {
  temporal::api::common::v1::Link link;
  auto* event = link.mutable_workflow_event();
  event->set_namespace_("default");
  event->set_workflow_id("caller");
  event->set_run_id("run");
  event->mutable_event_ref()->set_event_id(5);
  event->mutable_event_ref()->set_event_type(enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
  wf::SignalWithStartWorkflowExecutionRequest with_start;
  with_start.set_workflow_id("callee");
  with_start.mutable_workflow_type()->set_name("Flow");
  with_start.mutable_task_queue()->set_name("queue");
  with_start.set_request_id("sws-1");
  with_start.set_signal_name("go");
  *with_start.add_links() = link;
  ASSERT_TRUE(engine_->SignalWithStart("ns", with_start).IsSuccess());
  wf::SignalWorkflowExecutionRequest signal;
  signal.mutable_workflow_execution()->set_workflow_id("callee");
  signal.set_signal_name("again");
  signal.set_request_id("signal-1");
  *signal.add_links() = link;
  ASSERT_TRUE(engine_->Signal("ns", signal).IsSuccess());
  with_start.set_request_id("sws-2");  // the running workflow: signaled only
  ASSERT_TRUE(engine_->SignalWithStart("ns", with_start).IsSuccess());
  auto task = PollWorkflowTask();
  int with_links = 0;
  for (const auto& e : task.history().events()) {
    if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED ||
        e.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
      ASSERT_EQ(e.links_size(), 1) << enums::EventType_Name(e.event_type());
      EXPECT_EQ(e.links(0).SerializeAsString(), link.SerializeAsString());
      ++with_links;
    }
  }
  EXPECT_EQ(with_links, 4);  // Started and three Signaled
}

TEST_F(EngineNexusTest, LinksRoundTripThroughTheirUrlForm) {
  temporal::api::common::v1::Link::WorkflowEvent event;
  event.set_namespace_("my ns");
  event.set_workflow_id("wf/1");
  event.set_run_id("run");
  event.mutable_event_ref()->set_event_id(7);
  event.mutable_event_ref()->set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  std::string url = NexusLinkUrl(event);
  EXPECT_EQ(url,
            "temporal:///namespaces/my%20ns/workflows/wf%2F1/run/history?eventID=7&eventType="
            "WorkflowExecutionStarted&referenceType=EventReference");
  auto back = LinkFromNexus(url, "temporal.api.common.v1.Link.WorkflowEvent");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->workflow_event().SerializeAsString(), event.SerializeAsString());
  EXPECT_FALSE(LinkFromNexus(url, "other.Type").has_value());
  EXPECT_FALSE(
      LinkFromNexus("http://x/y", "temporal.api.common.v1.Link.WorkflowEvent").has_value());
}

TEST_F(EngineNexusTest, ActivityAndWorkflowLinksOfAHandlerAreKeptOthersAreNot) {
  auto activity = LinkFromNexus("temporal:///namespaces/default/activities/act%2F1/run-1/details",
                                "temporal.api.common.v1.Link.Activity");
  ASSERT_TRUE(activity.has_value());
  EXPECT_EQ(activity->activity().namespace_(), "default");
  EXPECT_EQ(activity->activity().activity_id(), "act/1");
  EXPECT_EQ(activity->activity().run_id(), "run-1");
  auto workflow = LinkFromNexus("temporal:///namespaces/default/workflows/wf-1/run-2",
                                "temporal.api.common.v1.Link.Workflow");
  ASSERT_TRUE(workflow.has_value());
  EXPECT_EQ(workflow->workflow().workflow_id(), "wf-1");
  EXPECT_EQ(workflow->workflow().run_id(), "run-2");
  // A URL of another kind's form, and kinds the reference drops (a Nexus operation's record).
  EXPECT_FALSE(LinkFromNexus("temporal:///namespaces/default/workflows/wf-1/run-2",
                             "temporal.api.common.v1.Link.Activity")
                   .has_value());
  EXPECT_FALSE(LinkFromNexus("temporal:///namespaces/default/nexus-operations/op/run/details",
                             "temporal.api.common.v1.Link.NexusOperation")
                   .has_value());
}

}  // namespace
}  // namespace hdo::history
