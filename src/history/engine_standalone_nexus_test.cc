// Standalone Nexus operations through the engine: a client starts an operation, the handler
// worker (through the NexusMatcher, as PollNexusTaskQueue would) answers, and the operation's
// record shows the reference's states; retries, timeouts, cancellation, termination, id policies
// and deletion as the reference's chasm/lib/nexusoperation has them.
#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "history/engine_test_fixture.h"
#include "history/nexus_links.h"
#include "matching/nexus_matcher.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace nexus = temporal::api::nexus::v1;
using matching::NexusMatcher;

constexpr char kCallbackUrl[] = "http://127.0.0.1:7243/namespaces/default/nexus/callback";

class EngineStandaloneNexusTest : public test_support::EngineHarness {
 protected:
  EngineStandaloneNexusTest()
      : EngineHarness("hdo-engine-standalone-nexus"),
        nexus_(io_.get_executor(), NexusMatcher::Options{}) {
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
    options.namespace_name_of = [](const std::string&) { return std::string("default"); };
    RestartEngine(std::move(options));
  }

  static wf::StartNexusOperationExecutionRequest StartRequest(const std::string& operation_id,
                                                              const std::string& request_id) {
    wf::StartNexusOperationExecutionRequest request;
    request.set_operation_id(operation_id);
    request.set_request_id(request_id);
    request.set_endpoint("ep");
    request.set_service("svc");
    request.set_operation("op");
    request.set_identity("client-1");
    request.mutable_input()->set_data("\"in\"");
    (*request.mutable_input()->mutable_metadata())["encoding"] = "json/plain";
    (*request.mutable_nexus_header())["x-trace"] = "abc";
    // The frontend's defaults.
    request.set_id_reuse_policy(enums::NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    request.set_id_conflict_policy(enums::NEXUS_OPERATION_ID_CONFLICT_POLICY_FAIL);
    return request;
  }

  std::string Start(const std::string& operation_id,
                    wf::StartNexusOperationExecutionRequest request = {}) {
    if (request.operation_id().empty()) request = StartRequest(operation_id, "req-" + operation_id);
    auto started = engine_->StartNexusOperationExecution("ns", request);
    EXPECT_TRUE(started.IsSuccess()) << started.Error().Message();
    if (started.IsFailure()) return "";
    EXPECT_TRUE(started.Value().started());
    Drain();  // the engine sends the start request
    return started.Value().run_id();
  }

  wf::PollNexusTaskQueueResponse PollNexus() {
    wf::PollNexusTaskQueueResponse got;
    uint64_t parked = nexus_.Poll("ns", {"default", "handler", "handler-worker", "", false},
                                  std::chrono::milliseconds(0),
                                  [&got](wf::PollNexusTaskQueueResponse r) { got = std::move(r); });
    if (parked != 0) nexus_.CancelPoll(parked);
    return got;
  }

  // The start request of this operation, past tasks left by operations that already ended (the
  // matcher does not know they did).
  wf::PollNexusTaskQueueResponse PollNexusFor(const std::string& operation_id) {
    const std::string request_id = Describe(operation_id).info().request_id();
    for (int i = 0; i < 10; ++i) {
      auto task = PollNexus();
      if (task.task_token().empty()) break;
      if (task.request().start_operation().request_id() == request_id) return task;
    }
    return {};
  }

  void Answer(const std::string& task_token, nexus::Response response) {
    NexusMatcher::Outcome outcome;
    outcome.kind = NexusMatcher::Outcome::Kind::kResponse;
    outcome.response = std::move(response);
    ASSERT_TRUE(nexus_.Respond("ns", task_token, std::move(outcome)).IsSuccess());
    Drain();
  }

  void Fail(const std::string& task_token, const std::string& type, const std::string& message) {
    NexusMatcher::Outcome outcome;
    outcome.kind = NexusMatcher::Outcome::Kind::kHandlerError;
    outcome.error.set_error_type(type);
    outcome.error.mutable_failure()->set_message(message);
    ASSERT_TRUE(nexus_.Respond("ns", task_token, std::move(outcome)).IsSuccess());
    Drain();
  }

  void AnswerAsync(const std::string& task_token, const std::string& token) {
    nexus::Response response;
    response.mutable_start_operation()->mutable_async_success()->set_operation_token(token);
    Answer(task_token, response);
  }

  wf::DescribeNexusOperationExecutionResponse Describe(const std::string& operation_id,
                                                       bool include_outcome = true) {
    wf::DescribeNexusOperationExecutionRequest request;
    request.set_operation_id(operation_id);
    request.set_include_input(true);
    request.set_include_outcome(include_outcome);
    std::optional<hugo::Result<wf::DescribeNexusOperationExecutionResponse>> got;
    engine_->DescribeNexusOperationExecution("ns", request, std::chrono::milliseconds(0),
                                             [&got](auto result) { got = std::move(result); });
    EXPECT_TRUE(got.has_value() && got->IsSuccess());
    return got.has_value() && got->IsSuccess() ? got->Value()
                                               : wf::DescribeNexusOperationExecutionResponse();
  }

  // A poll answered at once: the response, or nullopt when it would wait.
  std::optional<wf::PollNexusOperationExecutionResponse> PollOperation(
      const std::string& operation_id, enums::NexusOperationWaitStage stage) {
    wf::PollNexusOperationExecutionRequest request;
    request.set_operation_id(operation_id);
    request.set_wait_stage(stage);
    std::optional<wf::PollNexusOperationExecutionResponse> got;
    uint64_t wait = engine_->PollNexusOperationExecution(
        "ns", request, std::chrono::milliseconds(60000), [&got](auto result) {
          EXPECT_TRUE(result.IsSuccess());
          if (result.IsSuccess()) got = std::move(result).Value();
        });
    if (wait != 0) {
      engine_->CancelActivityWait(wait);  // answers it empty
      EXPECT_TRUE(got.has_value() && got->run_id().empty());
      return std::nullopt;
    }
    return got;
  }

  hugo::Result<wf::RequestCancelNexusOperationExecutionResponse> Cancel(
      const std::string& operation_id, const std::string& request_id) {
    wf::RequestCancelNexusOperationExecutionRequest request;
    request.set_operation_id(operation_id);
    request.set_request_id(request_id);
    request.set_reason("no longer needed");
    request.set_identity("client-1");
    auto result = engine_->RequestCancelNexusOperationExecution("ns", request);
    Drain();
    return result;
  }

  hugo::Result<wf::TerminateNexusOperationExecutionResponse> Terminate(
      const std::string& operation_id, const std::string& request_id) {
    wf::TerminateNexusOperationExecutionRequest request;
    request.set_operation_id(operation_id);
    request.set_request_id(request_id);
    request.set_reason("stop it");
    request.set_identity("admin");
    return engine_->TerminateNexusOperationExecution("ns", request);
  }

  // Runs what is ready (an io_context that ran out of work stops until restarted).
  void Drain() {
    io_.restart();
    io_.poll();
  }

  NexusMatcher nexus_;
};

TEST_F(EngineStandaloneNexusTest, ASyncResultClosesTheOperationCompletedWithTheHandlersLinks) {
  const std::string run_id = Start("op-1");
  ASSERT_FALSE(run_id.empty());
  auto running = Describe("op-1");
  EXPECT_EQ(running.info().status(), enums::NEXUS_OPERATION_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(running.info().state(), enums::PENDING_NEXUS_OPERATION_STATE_SCHEDULED);
  EXPECT_FALSE(PollOperation("op-1", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED).has_value());

  auto task = PollNexus();
  ASSERT_FALSE(task.task_token().empty());
  const auto& start = task.request().start_operation();
  EXPECT_EQ(start.service(), "svc");
  EXPECT_EQ(start.operation(), "op");
  EXPECT_EQ(start.payload().data(), "\"in\"");
  // The handler's request id is the server's, not the client's, and the record shows it.
  EXPECT_EQ(start.request_id(), running.info().request_id());
  EXPECT_NE(start.request_id(), "req-op-1");
  EXPECT_EQ(start.callback(), kCallbackUrl);
  EXPECT_EQ(start.callback_header().count("temporal-callback-token"), 1u);
  EXPECT_EQ(task.request().header().at("x-trace"), "abc");
  // The link names the operation's record (the reference's Link.NexusOperation form).
  ASSERT_EQ(start.links_size(), 1);
  EXPECT_EQ(start.links(0).type(), "temporal.api.common.v1.Link.NexusOperation");
  EXPECT_EQ(start.links(0).url(),
            "temporal:///namespaces/default/nexus-operations/op-1/" + run_id + "/details");

  nexus::Response response;
  auto* sync = response.mutable_start_operation()->mutable_sync_success();
  sync->mutable_payload()->set_data("\"out\"");
  auto* link = sync->add_links();
  link->set_type("temporal.api.common.v1.Link.WorkflowEvent");
  link->set_url(
      "temporal:///namespaces/default/workflows/target/run-9/"
      "history?eventType=WorkflowExecutionSignaled&referenceType=RequestIdReference&requestID=r1");
  Answer(task.task_token(), response);

  auto closed = PollOperation("op-1", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->run_id(), run_id);
  EXPECT_EQ(closed->wait_stage(), enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  EXPECT_EQ(closed->result().data(), "\"out\"");
  auto described = Describe("op-1");
  const auto& info = described.info();
  EXPECT_EQ(info.status(), enums::NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED);
  EXPECT_EQ(info.state(), enums::PENDING_NEXUS_OPERATION_STATE_UNSPECIFIED);
  EXPECT_EQ(info.attempt(), 1);
  EXPECT_FALSE(info.has_last_attempt_failure());
  EXPECT_TRUE(info.has_close_time());
  EXPECT_EQ(info.endpoint(), "ep");
  EXPECT_EQ(info.identity(), "client-1");
  EXPECT_EQ(info.nexus_header().at("x-trace"), "abc");
  ASSERT_EQ(info.links_size(), 1);
  EXPECT_EQ(info.links(0).workflow_event().workflow_id(), "target");
  EXPECT_EQ(info.links(0).workflow_event().request_id_ref().event_type(),
            enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  EXPECT_EQ(described.result().data(), "\"out\"");
  EXPECT_EQ(described.input().data(), "\"in\"");
}

TEST_F(EngineStandaloneNexusTest, AnAsyncStartThenItsCallbackCompleteTheOperation) {
  const std::string run_id = Start("op-async");
  auto task = PollNexus();
  ASSERT_FALSE(task.task_token().empty());
  EXPECT_FALSE(PollOperation("op-async", enums::NEXUS_OPERATION_WAIT_STAGE_STARTED).has_value());
  AnswerAsync(task.task_token(), "tok-1");

  auto started = PollOperation("op-async", enums::NEXUS_OPERATION_WAIT_STAGE_STARTED);
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(started->wait_stage(), enums::NEXUS_OPERATION_WAIT_STAGE_STARTED);
  EXPECT_EQ(started->operation_token(), "tok-1");
  EXPECT_FALSE(started->has_result());
  EXPECT_FALSE(PollOperation("op-async", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED).has_value());
  auto described = Describe("op-async");
  EXPECT_EQ(described.info().state(), enums::PENDING_NEXUS_OPERATION_STATE_STARTED);
  EXPECT_EQ(described.info().operation_token(), "tok-1");

  Engine::NexusCompletion completion;
  completion.token =
      task.request().start_operation().callback_header().at("temporal-callback-token");
  completion.result.set_data("\"async out\"");
  ASSERT_TRUE(engine_->CompleteNexusOperation(completion).IsSuccess());
  auto closed = PollOperation("op-async", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->run_id(), run_id);
  EXPECT_EQ(closed->result().data(), "\"async out\"");
  EXPECT_EQ(closed->operation_token(), "tok-1");
  // A second completion finds nothing pending.
  auto again = engine_->CompleteNexusOperation(completion);
  ASSERT_TRUE(again.IsFailure());
  EXPECT_EQ(again.Error().Code(), errors::kNotFound);
}

TEST_F(EngineStandaloneNexusTest, ARetryableErrorBacksOffAndANonRetryableOneFailsTheOperation) {
  Start("op-retry");
  auto first = PollNexus();
  ASSERT_FALSE(first.task_token().empty());
  Fail(first.task_token(), "INTERNAL", "try later");
  auto backing_off = Describe("op-retry").info();
  EXPECT_EQ(backing_off.status(), enums::NEXUS_OPERATION_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(backing_off.state(), enums::PENDING_NEXUS_OPERATION_STATE_BACKING_OFF);
  EXPECT_EQ(backing_off.attempt(), 1);
  EXPECT_EQ(backing_off.last_attempt_failure().message(), "handler error (INTERNAL): try later");
  EXPECT_TRUE(backing_off.has_next_attempt_schedule_time());
  EXPECT_TRUE(PollNexus().task_token().empty());

  Advance(1100);  // past the first backoff (at most 1 s)
  Drain();
  auto second = PollNexus();
  ASSERT_FALSE(second.task_token().empty());
  EXPECT_EQ(second.request().start_operation().request_id(),
            first.request().start_operation().request_id());
  Fail(second.task_token(), "BAD_REQUEST", "bad input");

  auto closed = PollOperation("op-retry", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->failure().message(), "handler error (BAD_REQUEST): bad input");
  EXPECT_EQ(closed->failure().nexus_handler_failure_info().type(), "BAD_REQUEST");
  EXPECT_EQ(closed->failure().cause().message(), "bad input");
  auto info = Describe("op-retry").info();
  EXPECT_EQ(info.status(), enums::NEXUS_OPERATION_EXECUTION_STATUS_FAILED);
  EXPECT_EQ(info.attempt(), 2);
  EXPECT_EQ(info.last_attempt_failure().message(), "handler error (BAD_REQUEST): bad input");
  EXPECT_FALSE(info.has_next_attempt_schedule_time());
}

TEST_F(EngineStandaloneNexusTest, ACancelWaitsForTheStartThenReachesTheHandler) {
  Start("op-cancel");
  auto task = PollNexus();
  ASSERT_FALSE(task.task_token().empty());
  // Not started yet: recorded, nothing sent, the operation still runs.
  ASSERT_TRUE(Cancel("op-cancel", "cancel-1").IsSuccess());
  auto requested = Describe("op-cancel").info();
  EXPECT_EQ(requested.status(), enums::NEXUS_OPERATION_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(requested.cancellation_info().state(),
            enums::NEXUS_OPERATION_CANCELLATION_STATE_UNSPECIFIED);
  EXPECT_EQ(requested.cancellation_info().reason(), "no longer needed");
  EXPECT_TRUE(requested.cancellation_info().has_requested_time());
  EXPECT_TRUE(PollNexus().task_token().empty());
  // The same request again changes nothing; another one is refused.
  EXPECT_TRUE(Cancel("op-cancel", "cancel-1").IsSuccess());
  auto other = Cancel("op-cancel", "cancel-2");
  ASSERT_TRUE(other.IsFailure());
  EXPECT_EQ(other.Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(other.Error().Message(), "cancellation already requested with request ID cancel-1");

  // Once the handler starts it, the cancel request follows with the token.
  AnswerAsync(task.task_token(), "tok-c");
  auto cancel_task = PollNexus();
  ASSERT_FALSE(cancel_task.task_token().empty());
  ASSERT_TRUE(cancel_task.request().has_cancel_operation());
  EXPECT_EQ(cancel_task.request().cancel_operation().operation_token(), "tok-c");
  EXPECT_EQ(cancel_task.request().header().at("x-trace"), "abc");
  nexus::Response acknowledged;
  acknowledged.mutable_cancel_operation();
  Answer(cancel_task.task_token(), acknowledged);
  auto delivered = Describe("op-cancel").info();
  EXPECT_EQ(delivered.status(), enums::NEXUS_OPERATION_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(delivered.cancellation_info().state(),
            enums::NEXUS_OPERATION_CANCELLATION_STATE_SUCCEEDED);
  EXPECT_EQ(delivered.cancellation_info().attempt(), 1);

  // The handler ends it canceled.
  Engine::NexusCompletion completion;
  completion.token =
      task.request().start_operation().callback_header().at("temporal-callback-token");
  completion.state = Engine::NexusCompletion::State::kCanceled;
  completion.failure.set_message("operation canceled");
  completion.failure.mutable_canceled_failure_info();
  ASSERT_TRUE(engine_->CompleteNexusOperation(completion).IsSuccess());
  auto closed = PollOperation("op-cancel", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  ASSERT_TRUE(closed.has_value());
  EXPECT_TRUE(closed->failure().has_canceled_failure_info());
  EXPECT_EQ(Describe("op-cancel").info().status(),
            enums::NEXUS_OPERATION_EXECUTION_STATUS_CANCELED);
  // A retried request still succeeds; a new one finds the operation closed.
  EXPECT_TRUE(Cancel("op-cancel", "cancel-1").IsSuccess());
  auto late = Cancel("op-cancel", "cancel-3");
  ASSERT_TRUE(late.IsFailure());
  EXPECT_EQ(late.Error().Message(), "operation already completed");
}

TEST_F(EngineStandaloneNexusTest, TerminateClosesWithoutTellingTheHandler) {
  Start("op-term");
  auto task = PollNexus();
  AnswerAsync(task.task_token(), "tok-t");
  ASSERT_TRUE(Terminate("op-term", "term-1").IsSuccess());
  Drain();
  EXPECT_TRUE(PollNexus().task_token().empty());  // no cancel request to the handler
  auto closed = PollOperation("op-term", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->failure().message(), "stop it");
  EXPECT_EQ(closed->failure().terminated_failure_info().identity(), "admin");
  EXPECT_EQ(Describe("op-term").info().status(),
            enums::NEXUS_OPERATION_EXECUTION_STATUS_TERMINATED);
  EXPECT_TRUE(Terminate("op-term", "term-1").IsSuccess());  // retried: success
  auto other = Terminate("op-term", "term-2");
  ASSERT_TRUE(other.IsFailure());
  EXPECT_EQ(other.Error().Message(), "already terminated with request ID term-1");
  // The handler's late completion finds the operation gone.
  Engine::NexusCompletion completion;
  completion.token =
      task.request().start_operation().callback_header().at("temporal-callback-token");
  completion.result.set_data("\"late\"");
  EXPECT_TRUE(engine_->CompleteNexusOperation(completion).IsFailure());
  EXPECT_EQ(Describe("op-term").info().status(),
            enums::NEXUS_OPERATION_EXECUTION_STATUS_TERMINATED);

  // A completed operation cannot be terminated.
  Start("op-done");
  auto done_task = PollNexus();
  ASSERT_EQ(done_task.request().start_operation().operation(), "op");
  nexus::Response response;
  response.mutable_start_operation()->mutable_sync_success()->mutable_payload()->set_data("1");
  Answer(done_task.task_token(), response);
  auto refused = Terminate("op-done", "term-3");
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(refused.Error().Message(), "invalid transition from OPERATION_STATUS_SUCCEEDED");
}

TEST_F(EngineStandaloneNexusTest, TheIdPoliciesDecideWhatASecondStartGets) {
  const std::string first = Start("op-id");
  // The same request id: the same run, not started again.
  auto retried = engine_->StartNexusOperationExecution("ns", StartRequest("op-id", "req-op-id"));
  ASSERT_TRUE(retried.IsSuccess());
  EXPECT_EQ(retried.Value().run_id(), first);
  EXPECT_FALSE(retried.Value().started());
  // Running, FAIL: already started, naming the run and its request id.
  auto conflict = engine_->StartNexusOperationExecution("ns", StartRequest("op-id", "req-2"));
  ASSERT_TRUE(conflict.IsFailure());
  EXPECT_EQ(conflict.Error().Code(), errors::kNexusOperationAlreadyStarted);
  EXPECT_EQ(conflict.Error().Message(), "nexus operation execution already started: request_id=" +
                                            std::string("req-op-id") + ", run_id=" + first);
  // Running, USE_EXISTING: the running one.
  auto use_existing = StartRequest("op-id", "req-3");
  use_existing.set_id_conflict_policy(enums::NEXUS_OPERATION_ID_CONFLICT_POLICY_USE_EXISTING);
  auto joined = engine_->StartNexusOperationExecution("ns", use_existing);
  ASSERT_TRUE(joined.IsSuccess());
  EXPECT_EQ(joined.Value().run_id(), first);
  EXPECT_FALSE(joined.Value().started());

  // Completed: REJECT_DUPLICATE and ALLOW_DUPLICATE_FAILED_ONLY refuse, ALLOW_DUPLICATE starts.
  nexus::Response response;
  response.mutable_start_operation()->mutable_sync_success()->mutable_payload()->set_data("1");
  Answer(PollNexus().task_token(), response);
  for (auto policy : {enums::NEXUS_OPERATION_ID_REUSE_POLICY_REJECT_DUPLICATE,
                      enums::NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY}) {
    auto request = StartRequest("op-id", "req-4");
    request.set_id_reuse_policy(policy);
    auto refused = engine_->StartNexusOperationExecution("ns", request);
    ASSERT_TRUE(refused.IsFailure());
    EXPECT_EQ(refused.Error().Code(), errors::kNexusOperationAlreadyStarted);
  }
  const std::string second = Start("op-id", StartRequest("op-id", "req-5"));
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first);
  EXPECT_EQ(Describe("op-id").run_id(), second);  // no run id: the newest run

  // Terminated (not successful): ALLOW_DUPLICATE_FAILED_ONLY starts again.
  ASSERT_TRUE(Terminate("op-id", "t").IsSuccess());
  auto failed_only = StartRequest("op-id", "req-6");
  failed_only.set_id_reuse_policy(
      enums::NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY);
  EXPECT_FALSE(Start("op-id", failed_only).empty());
}

TEST_F(EngineStandaloneNexusTest, TheTimeoutsEndTheOperationTimedOut) {
  auto request = StartRequest("op-s2c", "req-s2c");
  request.mutable_schedule_to_close_timeout()->set_seconds(5);
  Start("op-s2c", request);
  auto task = PollNexus();
  AnswerAsync(task.task_token(), "tok");
  Advance(5100);
  Drain();
  auto closed = PollOperation("op-s2c", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->failure().message(), "operation timed out");
  EXPECT_EQ(closed->failure().timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
  auto info = Describe("op-s2c").info();
  EXPECT_EQ(info.status(), enums::NEXUS_OPERATION_EXECUTION_STATUS_TIMED_OUT);
  EXPECT_EQ(info.expiration_time().seconds(), info.schedule_time().seconds() + 5);

  // Schedule-to-start: no answer from the handler in time.
  auto s2s = StartRequest("op-s2s", "req-s2s");
  s2s.mutable_schedule_to_start_timeout()->set_seconds(2);
  Start("op-s2s", s2s);
  Advance(2100);
  Drain();
  auto timed_out = PollOperation("op-s2s", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  ASSERT_TRUE(timed_out.has_value());
  EXPECT_EQ(timed_out->failure().timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_SCHEDULE_TO_START);

  // Start-to-close: counted from the asynchronous start.
  auto stc = StartRequest("op-stc", "req-stc");
  stc.mutable_start_to_close_timeout()->set_seconds(3);
  Start("op-stc", stc);
  auto stc_task = PollNexusFor("op-stc");
  ASSERT_FALSE(stc_task.task_token().empty());
  AnswerAsync(stc_task.task_token(), "tok-stc");
  Advance(3100);
  Drain();
  auto stc_closed = PollOperation("op-stc", enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED);
  ASSERT_TRUE(stc_closed.has_value());
  EXPECT_EQ(stc_closed->failure().timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_START_TO_CLOSE);
}

TEST_F(EngineStandaloneNexusTest, UnknownEndpointsAndOperationsAreNotFound) {
  auto request = StartRequest("op-x", "req-x");
  request.set_endpoint("nope");
  auto refused = engine_->StartNexusOperationExecution("ns", request);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kNotFound);
  EXPECT_EQ(refused.Error().Message(), "could not find Nexus endpoint by name: nope");
  wf::DescribeNexusOperationExecutionRequest describe;
  describe.set_operation_id("op-x");
  std::optional<hugo::Result<wf::DescribeNexusOperationExecutionResponse>> got;
  engine_->DescribeNexusOperationExecution("ns", describe, std::chrono::milliseconds(0),
                                           [&got](auto result) { got = std::move(result); });
  ASSERT_TRUE(got.has_value() && got->IsFailure());
  EXPECT_EQ(got->Error().Message(), "operation not found for ID: op-x");
  // An operation's id is not a workflow's.
  Start("shared-id");
  wf::DescribeWorkflowExecutionRequest workflow;
  workflow.mutable_execution()->set_workflow_id("shared-id");
  EXPECT_TRUE(engine_->Describe("ns", workflow).IsFailure());
}

TEST_F(EngineStandaloneNexusTest, DeleteTerminatesARunningOperationAndRemovesIt) {
  Start("op-del");
  wf::DeleteNexusOperationExecutionRequest request;
  request.set_operation_id("op-del");
  ASSERT_TRUE(engine_->DeleteNexusOperationExecution("ns", request).IsSuccess());
  Drain();
  wf::DescribeNexusOperationExecutionRequest describe;
  describe.set_operation_id("op-del");
  std::optional<hugo::Result<wf::DescribeNexusOperationExecutionResponse>> got;
  engine_->DescribeNexusOperationExecution("ns", describe, std::chrono::milliseconds(0),
                                           [&got](auto result) { got = std::move(result); });
  ASSERT_TRUE(got.has_value() && got->IsFailure());
  EXPECT_EQ(got->Error().Code(), errors::kNotFound);
  auto again = engine_->DeleteNexusOperationExecution("ns", request);
  ASSERT_TRUE(again.IsFailure());
  EXPECT_EQ(again.Error().Message(), "operation not found for ID: op-del");
}

TEST_F(EngineStandaloneNexusTest, ADescribeWithALongPollTokenWaitsForTheNextChange) {
  const std::string run_id = Start("op-lp");
  auto first = Describe("op-lp");
  ASSERT_FALSE(first.long_poll_token().empty());
  wf::DescribeNexusOperationExecutionRequest request;
  request.set_operation_id("op-lp");
  request.set_run_id(run_id);
  request.set_long_poll_token(first.long_poll_token());
  std::optional<wf::DescribeNexusOperationExecutionResponse> got;
  uint64_t wait = engine_->DescribeNexusOperationExecution(
      "ns", request, std::chrono::milliseconds(60000), [&got](auto result) {
        ASSERT_TRUE(result.IsSuccess());
        got = std::move(result).Value();
      });
  EXPECT_NE(wait, 0u);
  EXPECT_FALSE(got.has_value());
  AnswerAsync(PollNexus().task_token(), "tok-lp");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->info().state(), enums::PENDING_NEXUS_OPERATION_STATE_STARTED);
  // A token of another operation is refused.
  request.set_operation_id("other");
  std::optional<hugo::Result<wf::DescribeNexusOperationExecutionResponse>> refused;
  engine_->DescribeNexusOperationExecution(
      "ns", request, std::chrono::milliseconds(0),
      [&refused](auto result) { refused = std::move(result); });
  ASSERT_TRUE(refused.has_value() && refused->IsFailure());
  EXPECT_EQ(refused->Error().Message(), "long poll token does not match execution");
}

}  // namespace
}  // namespace hdo::history
