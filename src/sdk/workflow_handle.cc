// UntypedWorkflowHandle (declared in hdo/client.h): the calls on one workflow execution.
#include <optional>

#include "call.h"
#include "hdo/client.h"
#include "proto_util.h"

namespace hdo {
namespace {

namespace ws = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using Stub = Connection::Stub;
using temporal::api::history::v1::HistoryEvent;
using Clock = std::chrono::steady_clock;

// How a run closed: its result, its error, or the run to follow.
struct Closed {
  std::optional<std::string> next_run_id;
  std::optional<Payloads> result;
  std::optional<hugo::Error> error;
};

Closed Follow(const std::string& run_id) { return Closed{run_id, std::nullopt, std::nullopt}; }
Closed Fail(hugo::Error error) { return Closed{std::nullopt, std::nullopt, std::move(error)}; }

Closed FromTerminated(
    const temporal::api::history::v1::WorkflowExecutionTerminatedEventAttributes& attributes) {
  std::string message = attributes.reason().empty() ? "workflow terminated" : attributes.reason();
  hugo::Error error = hugo::Error::From(std::move(message), std::string(FailureCodes::kTerminated));
  if (!attributes.identity().empty()) error = error.WithMetadata("identity", attributes.identity());
  return Fail(error);
}

// The Go SDK's reading of a close event (workflowRunImpl.GetWithOptions, follow_runs on).
Closed InterpretClose(const HistoryEvent& event) {
  switch (event.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
      const auto& a = event.workflow_execution_completed_event_attributes();
      if (!a.new_execution_run_id().empty()) return Follow(a.new_execution_run_id());
      return Closed{std::nullopt, a.result(), std::nullopt};
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
      const auto& a = event.workflow_execution_failed_event_attributes();
      if (!a.new_execution_run_id().empty()) return Follow(a.new_execution_run_id());
      return Fail(FailureToError(a.failure()));
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: {
      const auto& a = event.workflow_execution_timed_out_event_attributes();
      if (!a.new_execution_run_id().empty()) return Follow(a.new_execution_run_id());
      return Fail(hugo::Error::From("workflow timed out", std::string(FailureCodes::kTimeout))
                      .WithMetadata("timeout_type", std::string("StartToClose")));
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: {
      Failure failure;
      failure.set_message("workflow canceled");
      *failure.mutable_canceled_failure_info()->mutable_details() =
          event.workflow_execution_canceled_event_attributes().details();
      return Fail(FailureToError(failure));
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      return FromTerminated(event.workflow_execution_terminated_event_attributes());
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return Follow(
          event.workflow_execution_continued_as_new_event_attributes().new_execution_run_id());
    default:
      return Fail(hugo::Error::From("the server returned " +
                                        enums::EventType_Name(event.event_type()) +
                                        " where a close event was expected",
                                    "grpc.internal"));
  }
}

hugo::Error WorkflowExecutionError(const std::string& workflow_id, const std::string& run_id,
                                   const std::string& workflow_type, hugo::Error cause) {
  std::string message = "workflow execution error (type: " + workflow_type +
                        ", workflow_id: " + workflow_id + ", run_id: " + run_id +
                        "): " + cause.Message();
  return hugo::Error::From(std::move(message), std::string(FailureCodes::kWorkflowExecution))
      .WithMetadata("workflow_id", workflow_id)
      .WithMetadata("run_id", run_id)
      .WithMetadata("workflow_type", workflow_type)
      .WithCause(std::move(cause));
}

// The time left before `deadline`, capped at `cap`; zero or less when it has passed.
std::chrono::milliseconds TimeLeft(std::optional<Clock::time_point> deadline,
                                   std::chrono::milliseconds cap) {
  if (!deadline) return cap;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
  return std::min(left, cap);
}

}  // namespace

UntypedWorkflowHandle::UntypedWorkflowHandle(std::shared_ptr<Connection> connection,
                                             ClientOptions options, std::string workflow_id,
                                             std::string run_id, std::string first_execution_run_id,
                                             std::string workflow_type)
    : connection_(std::move(connection)),
      options_(std::move(options)),
      workflow_id_(std::move(workflow_id)),
      run_id_(std::move(run_id)),
      first_execution_run_id_(std::move(first_execution_run_id)),
      workflow_type_(std::move(workflow_type)) {}

hugo::Result<hugo::Unit> UntypedWorkflowHandle::ValidateId() const {
  if (workflow_id_.empty()) return InvalidArgument("the workflow handle has no workflow id");
  return hugo::Ok();
}

temporal::api::common::v1::WorkflowExecution UntypedWorkflowHandle::Execution() const {
  temporal::api::common::v1::WorkflowExecution execution;
  execution.set_workflow_id(workflow_id_);
  execution.set_run_id(run_id_);
  return execution;
}

namespace {

// Long-polls the close event of one run (the server answers an open run with no events and a
// next page token after about 20 s; the call is then repeated with it).
hugo::Result<HistoryEvent> AwaitCloseEvent(const Connection& connection,
                                           ws::GetWorkflowExecutionHistoryRequest request,
                                           std::optional<Clock::time_point> deadline) {
  request.set_wait_new_event(true);
  request.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
  for (;;) {
    auto timeout = TimeLeft(deadline, connection.options().long_poll_timeout);
    if (timeout.count() <= 0) {
      return hugo::Error::From("the workflow did not close before the GetResult timeout",
                               std::string(hugo::ErrorCodes::kTimeout));
    }
    auto call_deadline = Clock::now() + timeout;
    auto response = Call<ws::GetWorkflowExecutionHistoryResponse>(
        connection, &Stub::GetWorkflowExecutionHistory, request, "GetWorkflowExecutionHistory",
        timeout);
    if (response.IsFailure()) {
      // Our own poll deadline passing is not an error (the loop checks the overall one); a
      // deadline_exceeded the server sends early is, so that the loop cannot spin on it.
      // (With slack: gRPC's clock and ours are not the same clock.)
      bool ours = IsDeadlineExceeded(response.Error()) &&
                  Clock::now() + std::chrono::milliseconds(100) >= call_deadline;
      if (ours) continue;
      return response.Error();
    }
    const auto& events = response.Value().history().events();
    if (!events.empty()) return hugo::Result<HistoryEvent>::Ok(*events.rbegin());
    if (response.Value().next_page_token().empty()) {
      return hugo::Error::From("the history of an open workflow ended without a page token",
                               "grpc.internal");
    }
    request.set_next_page_token(response.Value().next_page_token());
  }
}

}  // namespace

hugo::Result<Payloads> UntypedWorkflowHandle::GetResultPayloads(
    std::chrono::milliseconds timeout) const {
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  std::optional<Clock::time_point> deadline;
  if (timeout.count() > 0) deadline = Clock::now() + timeout;
  ws::GetWorkflowExecutionHistoryRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_execution() = Execution();
  // Cron and retry chains may follow runs without end; so does the Go SDK (bounded by `timeout`).
  for (;;) {
    auto event = AwaitCloseEvent(*connection_, request, deadline);
    if (event.IsFailure()) return event.Error();
    Closed closed = InterpretClose(event.Value());
    if (closed.next_run_id) {
      request.mutable_execution()->set_run_id(*closed.next_run_id);
      continue;
    }
    if (closed.result) return hugo::Result<Payloads>::Ok(std::move(*closed.result));
    return WorkflowExecutionError(workflow_id_, request.execution().run_id(), workflow_type_,
                                  std::move(*closed.error));
  }
}

hugo::Result<hugo::Unit> UntypedWorkflowHandle::SignalPayloads(std::string signal_name,
                                                               Payloads input) const {
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  if (signal_name.empty()) return InvalidArgument("a signal needs a name");
  ws::SignalWorkflowExecutionRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_workflow_execution() = Execution();
  request.set_signal_name(std::move(signal_name));
  if (input.payloads_size() > 0) *request.mutable_input() = std::move(input);
  request.set_identity(options_.identity);
  request.set_request_id(RandomUuid());
  auto header = internal::InjectHeaderOf(connection_->context_propagators(), request);
  if (header.IsFailure()) return header.Error();
  return Call<ws::SignalWorkflowExecutionResponse>(*connection_, &Stub::SignalWorkflowExecution,
                                                   request, "SignalWorkflowExecution")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<Payloads> UntypedWorkflowHandle::QueryPayloads(std::string query_type,
                                                            Payloads args) const {
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  if (query_type.empty()) return InvalidArgument("a query needs a query type");
  ws::QueryWorkflowRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_execution() = Execution();
  request.mutable_query()->set_query_type(std::move(query_type));
  if (args.payloads_size() > 0) *request.mutable_query()->mutable_query_args() = std::move(args);
  auto header =
      internal::InjectHeaderOf(connection_->context_propagators(), *request.mutable_query());
  if (header.IsFailure()) return header.Error();
  auto response =
      Call<ws::QueryWorkflowResponse>(*connection_, &Stub::QueryWorkflow, request, "QueryWorkflow");
  if (response.IsFailure()) return response.Error();
  if (response.Value().has_query_rejected()) {
    std::string status =
        enums::WorkflowExecutionStatus_Name(response.Value().query_rejected().status());
    return hugo::Error::From("the query was rejected: the workflow is " + status,
                             std::string(ClientCodes::kQueryRejected))
        .WithMetadata("status", status);
  }
  return hugo::Result<Payloads>::Ok(response.Value().query_result());
}

namespace {

hugo::Result<Payloads> FromOutcome(const temporal::api::update::v1::Outcome& outcome) {
  if (outcome.has_failure()) return FailureToError(outcome.failure());
  return hugo::Result<Payloads>::Ok(outcome.success());
}

// Polls an accepted update until it completes (PollWorkflowExecutionUpdate, as the Go SDK does).
hugo::Result<Payloads> PollUpdate(const Connection& connection, const ClientOptions& options,
                                  const temporal::api::update::v1::UpdateRef& ref) {
  ws::PollWorkflowExecutionUpdateRequest request;
  request.set_namespace_(options.namespace_name);
  *request.mutable_update_ref() = ref;
  request.set_identity(options.identity);
  request.mutable_wait_policy()->set_lifecycle_stage(
      enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  for (int call = 0; call < UntypedWorkflowHandle::kUpdateCallsMax; ++call) {
    auto response = Call<ws::PollWorkflowExecutionUpdateResponse>(
        connection, &Stub::PollWorkflowExecutionUpdate, request, "PollWorkflowExecutionUpdate",
        connection.options().long_poll_timeout);
    if (response.IsFailure() && IsDeadlineExceeded(response.Error())) continue;
    if (response.IsFailure()) return response.Error();
    if (response.Value().has_outcome()) return FromOutcome(response.Value().outcome());
  }
  return hugo::Error::From("the update did not complete", std::string(hugo::ErrorCodes::kTimeout));
}

}  // namespace

hugo::Result<Payloads> UntypedWorkflowHandle::UpdatePayloads(UpdateOptions options,
                                                             std::string update_name,
                                                             Payloads args) const {
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  if (update_name.empty()) return InvalidArgument("an update needs a name");
  ws::UpdateWorkflowExecutionRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_workflow_execution() = Execution();
  request.set_first_execution_run_id(first_execution_run_id_);
  request.mutable_wait_policy()->set_lifecycle_stage(
      enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  auto& meta = *request.mutable_request()->mutable_meta();
  meta.set_update_id(options.update_id.empty() ? RandomUuid() : options.update_id);
  meta.set_identity(options_.identity);
  request.mutable_request()->mutable_input()->set_name(std::move(update_name));
  if (args.payloads_size() > 0) *request.mutable_request()->mutable_input()->mutable_args() = args;
  auto header = internal::InjectHeaderOf(connection_->context_propagators(),
                                         *request.mutable_request()->mutable_input());
  if (header.IsFailure()) return header.Error();
  // Re-issued while the server answers before the update was accepted (stage ADMITTED).
  for (int call = 0; call < kUpdateCallsMax; ++call) {
    auto response = Call<ws::UpdateWorkflowExecutionResponse>(
        *connection_, &Stub::UpdateWorkflowExecution, request, "UpdateWorkflowExecution",
        connection_->options().long_poll_timeout);
    if (response.IsFailure() && IsDeadlineExceeded(response.Error())) continue;
    if (response.IsFailure()) return response.Error();
    if (response.Value().has_outcome()) return FromOutcome(response.Value().outcome());
    if (response.Value().stage() >= enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED) {
      return PollUpdate(*connection_, options_, response.Value().update_ref());
    }
  }
  return hugo::Error::From("the update was not accepted", std::string(hugo::ErrorCodes::kTimeout));
}

hugo::Result<hugo::Unit> UntypedWorkflowHandle::Cancel(std::string reason) const {
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  ws::RequestCancelWorkflowExecutionRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_workflow_execution() = Execution();
  request.set_identity(options_.identity);
  request.set_request_id(RandomUuid());
  request.set_first_execution_run_id(first_execution_run_id_);
  request.set_reason(std::move(reason));
  return Call<ws::RequestCancelWorkflowExecutionResponse>(*connection_,
                                                          &Stub::RequestCancelWorkflowExecution,
                                                          request, "RequestCancelWorkflowExecution")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<hugo::Unit> UntypedWorkflowHandle::Terminate(std::string reason) const {
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  ws::TerminateWorkflowExecutionRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_workflow_execution() = Execution();
  request.set_reason(std::move(reason));
  request.set_identity(options_.identity);
  request.set_first_execution_run_id(first_execution_run_id_);
  return Call<ws::TerminateWorkflowExecutionResponse>(
             *connection_, &Stub::TerminateWorkflowExecution, request, "TerminateWorkflowExecution")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<ws::DescribeWorkflowExecutionResponse> UntypedWorkflowHandle::Describe() const {
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  ws::DescribeWorkflowExecutionRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_execution() = Execution();
  return Call<ws::DescribeWorkflowExecutionResponse>(*connection_, &Stub::DescribeWorkflowExecution,
                                                     request, "DescribeWorkflowExecution");
}

hugo::Result<temporal::api::history::v1::History> UntypedWorkflowHandle::FetchHistory() const {
  using History = temporal::api::history::v1::History;
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  ws::GetWorkflowExecutionHistoryRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_execution() = Execution();
  History history;
  for (int page = 0; page < kHistoryPagesMax; ++page) {
    auto response = Call<ws::GetWorkflowExecutionHistoryResponse>(
        *connection_, &Stub::GetWorkflowExecutionHistory, request, "GetWorkflowExecutionHistory");
    if (response.IsFailure()) return response.Error();
    for (auto& event : *response.Value().mutable_history()->mutable_events()) {
      *history.add_events() = std::move(event);
    }
    if (response.Value().next_page_token().empty()) break;
    request.set_next_page_token(response.Value().next_page_token());
  }
  return hugo::Result<History>::Ok(std::move(history));
}

}  // namespace hdo
