// UntypedWorkflowHandle (declared in hdo/client.h): the calls on one workflow execution.
#include <optional>

#include "call.h"
#include "hdo/client.h"
#include "hdo/client_interceptor.h"
#include "proto_util.h"
#include "update_calls.h"

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

temporal::api::common::v1::WorkflowExecution ExecutionOf(const std::string& workflow_id,
                                                         const std::string& run_id) {
  temporal::api::common::v1::WorkflowExecution execution;
  execution.set_workflow_id(workflow_id);
  execution.set_run_id(run_id);
  return execution;
}

hugo::Result<hugo::Unit> ValidateWorkflowId(const std::string& workflow_id) {
  if (workflow_id.empty()) return InvalidArgument("the workflow handle has no workflow id");
  return hugo::Ok();
}

template <class Message>
void SetHeader(const HeaderFields& header, Message& message) {
  if (!header.empty()) *message.mutable_header() = internal::FieldsToHeader(header);
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
  return ValidateWorkflowId(workflow_id_);
}

temporal::api::common::v1::WorkflowExecution UntypedWorkflowHandle::Execution() const {
  return ExecutionOf(workflow_id_, run_id_);
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

namespace {

hugo::Result<Payloads> GetResultRoot(const Connection& connection, const ClientOptions& client,
                                     const GetResultCall& call) {
  auto valid = ValidateWorkflowId(call.workflow_id);
  if (valid.IsFailure()) return valid.Error();
  std::optional<Clock::time_point> deadline;
  if (call.timeout.count() > 0) deadline = Clock::now() + call.timeout;
  ws::GetWorkflowExecutionHistoryRequest request;
  request.set_namespace_(client.namespace_name);
  *request.mutable_execution() = ExecutionOf(call.workflow_id, call.run_id);
  // Cron and retry chains may follow runs without end; so does the Go SDK (bounded by `timeout`).
  for (;;) {
    auto event = AwaitCloseEvent(connection, request, deadline);
    if (event.IsFailure()) return event.Error();
    Closed closed = InterpretClose(event.Value());
    if (closed.next_run_id) {
      request.mutable_execution()->set_run_id(*closed.next_run_id);
      continue;
    }
    if (closed.result) return hugo::Result<Payloads>::Ok(std::move(*closed.result));
    return WorkflowExecutionError(call.workflow_id, request.execution().run_id(),
                                  call.workflow_type, std::move(*closed.error));
  }
}

// GetResultRoot without a thread held: each long poll goes out with CallAsync and the wait goes
// on in its answer's callback (the same steps: pages of an open run, the runs a close names).
class ResultWait : public std::enable_shared_from_this<ResultWait> {
 public:
  ResultWait(std::shared_ptr<Connection> connection, const ClientOptions& client,
             GetResultCall call, std::function<void(hugo::Result<Payloads>)> done)
      : connection_(std::move(connection)), call_(std::move(call)), done_(std::move(done)) {
    request_.set_namespace_(client.namespace_name);
  }

  void Start() {
    auto valid = ValidateWorkflowId(call_.workflow_id);
    if (valid.IsFailure()) {
      done_(valid.Error());
      return;
    }
    if (call_.timeout.count() > 0) deadline_ = Clock::now() + call_.timeout;
    *request_.mutable_execution() = ExecutionOf(call_.workflow_id, call_.run_id);
    request_.set_wait_new_event(true);
    request_.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
    Poll();
  }

 private:
  using Response = ws::GetWorkflowExecutionHistoryResponse;

  void Poll() {
    auto timeout = TimeLeft(deadline_, connection_->options().long_poll_timeout);
    if (timeout.count() <= 0) {
      done_(hugo::Error::From("the workflow did not close before the GetResult timeout",
                              std::string(hugo::ErrorCodes::kTimeout)));
      return;
    }
    const auto call_deadline = Clock::now() + timeout;
    CallAsync<Response>(
        connection_,
        [](Stub::async_interface& async, grpc::ClientContext& context,
           const ws::GetWorkflowExecutionHistoryRequest* request, Response* response,
           std::function<void(grpc::Status)> answered) {
          async.GetWorkflowExecutionHistory(&context, request, response, std::move(answered));
        },
        request_, "GetWorkflowExecutionHistory",
        [self = shared_from_this(), call_deadline](hugo::Result<Response> response) {
          self->Answered(std::move(response), call_deadline);
        },
        timeout);
  }

  void Answered(hugo::Result<Response> response, Clock::time_point call_deadline) {
    if (response.IsFailure()) {
      // As AwaitCloseEvent: our own poll deadline passing is not an error, an early one is.
      bool ours = IsDeadlineExceeded(response.Error()) &&
                  Clock::now() + std::chrono::milliseconds(100) >= call_deadline;
      if (ours) {
        Poll();
        return;
      }
      done_(response.Error());
      return;
    }
    const auto& events = response.Value().history().events();
    if (events.empty()) {
      if (response.Value().next_page_token().empty()) {
        done_(hugo::Error::From("the history of an open workflow ended without a page token",
                                "grpc.internal"));
        return;
      }
      request_.set_next_page_token(response.Value().next_page_token());
      Poll();
      return;
    }
    Closed closed = InterpretClose(*events.rbegin());
    if (closed.next_run_id) {
      request_.mutable_execution()->set_run_id(*closed.next_run_id);
      request_.clear_next_page_token();
      Poll();
      return;
    }
    if (closed.result) {
      done_(hugo::Result<Payloads>::Ok(std::move(*closed.result)));
      return;
    }
    done_(WorkflowExecutionError(call_.workflow_id, request_.execution().run_id(),
                                 call_.workflow_type, std::move(*closed.error)));
  }

  std::shared_ptr<Connection> connection_;
  GetResultCall call_;
  std::function<void(hugo::Result<Payloads>)> done_;
  ws::GetWorkflowExecutionHistoryRequest request_;
  std::optional<Clock::time_point> deadline_;
};

hugo::Result<hugo::Unit> SignalRoot(const Connection& connection, const ClientOptions& client,
                                    const SignalWorkflowCall& call) {
  auto valid = ValidateWorkflowId(call.workflow_id);
  if (valid.IsFailure()) return valid.Error();
  if (call.signal_name.empty()) return InvalidArgument("a signal needs a name");
  ws::SignalWorkflowExecutionRequest request;
  request.set_namespace_(client.namespace_name);
  *request.mutable_workflow_execution() = ExecutionOf(call.workflow_id, call.run_id);
  request.set_signal_name(call.signal_name);
  if (call.input.payloads_size() > 0) *request.mutable_input() = call.input;
  request.set_identity(client.identity);
  request.set_request_id(RandomUuid());
  SetHeader(call.header, request);
  return Call<ws::SignalWorkflowExecutionResponse>(connection, &Stub::SignalWorkflowExecution,
                                                   request, "SignalWorkflowExecution")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<Payloads> QueryRoot(const Connection& connection, const ClientOptions& client,
                                 const QueryWorkflowCall& call) {
  auto valid = ValidateWorkflowId(call.workflow_id);
  if (valid.IsFailure()) return valid.Error();
  if (call.query_type.empty()) return InvalidArgument("a query needs a query type");
  ws::QueryWorkflowRequest request;
  request.set_namespace_(client.namespace_name);
  *request.mutable_execution() = ExecutionOf(call.workflow_id, call.run_id);
  request.mutable_query()->set_query_type(call.query_type);
  if (call.args.payloads_size() > 0) *request.mutable_query()->mutable_query_args() = call.args;
  SetHeader(call.header, *request.mutable_query());
  auto response =
      Call<ws::QueryWorkflowResponse>(connection, &Stub::QueryWorkflow, request, "QueryWorkflow");
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

}  // namespace

hugo::Result<Payloads> UntypedWorkflowHandle::GetResultPayloads(
    std::chrono::milliseconds timeout) const {
  GetResultCall call{workflow_id_, run_id_, workflow_type_, timeout};
  return internal::Intercepted<ClientInterceptor::GetResultNext>(
      options_.interceptors, &ClientInterceptor::GetWorkflowResult, call,
      [this](const GetResultCall& c) { return GetResultRoot(*connection_, options_, c); });
}

void UntypedWorkflowHandle::GetResultPayloadsAsync(std::function<void(hugo::Result<Payloads>)> done,
                                                   std::chrono::milliseconds timeout) const {
  if (!options_.interceptors.empty()) {
    done(GetResultPayloads(timeout));
    return;
  }
  std::make_shared<ResultWait>(connection_, options_,
                               GetResultCall{workflow_id_, run_id_, workflow_type_, timeout},
                               std::move(done))
      ->Start();
}

hugo::Result<hugo::Unit> UntypedWorkflowHandle::SignalPayloads(std::string signal_name,
                                                               Payloads input) const {
  auto header = internal::PropagatedHeader(*connection_);
  if (header.IsFailure()) return header.Error();
  SignalWorkflowCall call{workflow_id_, run_id_, std::move(signal_name), std::move(input),
                          std::move(header).Value()};
  return internal::Intercepted<ClientInterceptor::SignalWorkflowNext>(
      options_.interceptors, &ClientInterceptor::SignalWorkflow, call,
      [this](const SignalWorkflowCall& c) { return SignalRoot(*connection_, options_, c); });
}

hugo::Result<Payloads> UntypedWorkflowHandle::QueryPayloads(std::string query_type,
                                                            Payloads args) const {
  auto header = internal::PropagatedHeader(*connection_);
  if (header.IsFailure()) return header.Error();
  QueryWorkflowCall call{workflow_id_, run_id_, std::move(query_type), std::move(args),
                         std::move(header).Value()};
  return internal::Intercepted<ClientInterceptor::QueryWorkflowNext>(
      options_.interceptors, &ClientInterceptor::QueryWorkflow, call,
      [this](const QueryWorkflowCall& c) { return QueryRoot(*connection_, options_, c); });
}

namespace {

hugo::Result<Payloads> FromOutcome(const temporal::api::update::v1::Outcome& outcome) {
  if (outcome.has_failure()) return FailureToError(outcome.failure());
  return hugo::Result<Payloads>::Ok(outcome.success());
}

// Polls an accepted update until it completes (PollWorkflowExecutionUpdate, as the Go SDK does),
// or `deadline` passes.
hugo::Result<Payloads> PollUpdate(const Connection& connection, const ClientOptions& options,
                                  const temporal::api::update::v1::UpdateRef& ref,
                                  std::optional<Clock::time_point> deadline = std::nullopt) {
  ws::PollWorkflowExecutionUpdateRequest request;
  request.set_namespace_(options.namespace_name);
  *request.mutable_update_ref() = ref;
  request.set_identity(options.identity);
  request.mutable_wait_policy()->set_lifecycle_stage(
      enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  for (int call = 0; call < UntypedWorkflowHandle::kUpdateCallsMax; ++call) {
    auto timeout = TimeLeft(deadline, connection.options().long_poll_timeout);
    if (timeout.count() <= 0) {
      return hugo::Error::From("the update did not complete before the timeout",
                               std::string(hugo::ErrorCodes::kTimeout));
    }
    auto response = Call<ws::PollWorkflowExecutionUpdateResponse>(
        connection, &Stub::PollWorkflowExecutionUpdate, request, "PollWorkflowExecutionUpdate",
        timeout);
    if (response.IsFailure() && IsDeadlineExceeded(response.Error())) continue;
    if (response.IsFailure()) return response.Error();
    if (response.Value().has_outcome()) return FromOutcome(response.Value().outcome());
  }
  return hugo::Error::From("the update did not complete", std::string(hugo::ErrorCodes::kTimeout));
}

hugo::Result<UntypedUpdateHandle> UpdateRoot(const std::shared_ptr<Connection>& connection,
                                             const ClientOptions& client,
                                             const UpdateWorkflowCall& call) {
  auto valid = ValidateWorkflowId(call.workflow_id);
  if (valid.IsFailure()) return valid.Error();
  if (call.update_name.empty()) return InvalidArgument("an update needs a name");
  const ws::UpdateWorkflowExecutionRequest request =
      internal::UpdateRequest(client, call.workflow_id, call.run_id, call.first_execution_run_id,
                              call.update_name, call.options, call.args, call.header);
  // Re-issued while the server answers before the update was accepted (stage ADMITTED).
  for (int attempt = 0; attempt < UntypedWorkflowHandle::kUpdateCallsMax; ++attempt) {
    auto response = Call<ws::UpdateWorkflowExecutionResponse>(
        *connection, &Stub::UpdateWorkflowExecution, request, "UpdateWorkflowExecution",
        connection->options().long_poll_timeout);
    if (response.IsFailure() && IsDeadlineExceeded(response.Error())) continue;
    if (response.IsFailure()) return response.Error();
    auto handle = internal::UpdateHandleFrom(connection, client, request, response.Value());
    if (handle) return *std::move(handle);
  }
  return hugo::Error::From("the update was not accepted", std::string(hugo::ErrorCodes::kTimeout));
}

hugo::Result<hugo::Unit> CancelRoot(const Connection& connection, const ClientOptions& client,
                                    const CancelWorkflowCall& call) {
  auto valid = ValidateWorkflowId(call.workflow_id);
  if (valid.IsFailure()) return valid.Error();
  ws::RequestCancelWorkflowExecutionRequest request;
  request.set_namespace_(client.namespace_name);
  *request.mutable_workflow_execution() = ExecutionOf(call.workflow_id, call.run_id);
  request.set_identity(client.identity);
  request.set_request_id(RandomUuid());
  request.set_first_execution_run_id(call.first_execution_run_id);
  request.set_reason(call.reason);
  return Call<ws::RequestCancelWorkflowExecutionResponse>(connection,
                                                          &Stub::RequestCancelWorkflowExecution,
                                                          request, "RequestCancelWorkflowExecution")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<hugo::Unit> TerminateRoot(const Connection& connection, const ClientOptions& client,
                                       const TerminateWorkflowCall& call) {
  auto valid = ValidateWorkflowId(call.workflow_id);
  if (valid.IsFailure()) return valid.Error();
  ws::TerminateWorkflowExecutionRequest request;
  request.set_namespace_(client.namespace_name);
  *request.mutable_workflow_execution() = ExecutionOf(call.workflow_id, call.run_id);
  request.set_reason(call.reason);
  request.set_identity(client.identity);
  request.set_first_execution_run_id(call.first_execution_run_id);
  return Call<ws::TerminateWorkflowExecutionResponse>(connection, &Stub::TerminateWorkflowExecution,
                                                      request, "TerminateWorkflowExecution")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<ws::DescribeWorkflowExecutionResponse> DescribeRoot(const Connection& connection,
                                                                 const ClientOptions& client,
                                                                 const DescribeWorkflowCall& call) {
  auto valid = ValidateWorkflowId(call.workflow_id);
  if (valid.IsFailure()) return valid.Error();
  ws::DescribeWorkflowExecutionRequest request;
  request.set_namespace_(client.namespace_name);
  *request.mutable_execution() = ExecutionOf(call.workflow_id, call.run_id);
  return Call<ws::DescribeWorkflowExecutionResponse>(connection, &Stub::DescribeWorkflowExecution,
                                                     request, "DescribeWorkflowExecution");
}

}  // namespace

namespace internal {

ws::UpdateWorkflowExecutionRequest UpdateRequest(
    const ClientOptions& client, const std::string& workflow_id, const std::string& run_id,
    const std::string& first_execution_run_id, const std::string& update_name,
    const UpdateOptions& options, const Payloads& args, const HeaderFields& header) {
  ws::UpdateWorkflowExecutionRequest request;
  request.set_namespace_(client.namespace_name);
  *request.mutable_workflow_execution() = ExecutionOf(workflow_id, run_id);
  request.set_first_execution_run_id(first_execution_run_id);
  request.mutable_wait_policy()->set_lifecycle_stage(
      options.wait_for_stage == UpdateStage::kCompleted
          ? enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
          : enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
  auto& meta = *request.mutable_request()->mutable_meta();
  meta.set_update_id(options.update_id.empty() ? RandomUuid() : options.update_id);
  meta.set_identity(client.identity);
  auto& input = *request.mutable_request()->mutable_input();
  input.set_name(update_name);
  if (args.payloads_size() > 0) *input.mutable_args() = args;
  SetHeader(header, input);
  return request;
}

std::optional<hugo::Result<UntypedUpdateHandle>> UpdateHandleFrom(
    const std::shared_ptr<Connection>& connection, const ClientOptions& client,
    const ws::UpdateWorkflowExecutionRequest& request,
    const ws::UpdateWorkflowExecutionResponse& response) {
  const auto& ref = response.update_ref();
  // The run the update went to (the workflow's current one when the request named none).
  const std::string& run_id = ref.workflow_execution().run_id().empty()
                                  ? request.workflow_execution().run_id()
                                  : ref.workflow_execution().run_id();
  auto handle = [&](std::optional<hugo::Result<Payloads>> outcome) {
    return hugo::Result<UntypedUpdateHandle>::Ok(
        UntypedUpdateHandle(connection, client, request.workflow_execution().workflow_id(), run_id,
                            request.request().meta().update_id(), std::move(outcome)));
  };
  if (response.has_outcome()) return handle(FromOutcome(response.outcome()));
  if (response.stage() < enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED) {
    return std::nullopt;
  }
  if (request.wait_policy().lifecycle_stage() !=
      enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED) {
    return handle(std::nullopt);
  }
  return handle(PollUpdate(*connection, client, ref));
}

}  // namespace internal

hugo::Result<UntypedUpdateHandle> UntypedWorkflowHandle::StartUpdatePayloads(
    UpdateOptions options, std::string update_name, Payloads args) const {
  auto header = internal::PropagatedHeader(*connection_);
  if (header.IsFailure()) return header.Error();
  UpdateWorkflowCall call{
      workflow_id_,       run_id_,         first_execution_run_id_,  std::move(update_name),
      std::move(options), std::move(args), std::move(header).Value()};
  return internal::Intercepted<ClientInterceptor::UpdateWorkflowNext>(
      options_.interceptors, &ClientInterceptor::UpdateWorkflow, call,
      [this](const UpdateWorkflowCall& c) { return UpdateRoot(connection_, options_, c); });
}

hugo::Result<Payloads> UntypedWorkflowHandle::UpdatePayloads(UpdateOptions options,
                                                             std::string update_name,
                                                             Payloads args) const {
  options.wait_for_stage = UpdateStage::kCompleted;
  auto handle = StartUpdatePayloads(std::move(options), std::move(update_name), std::move(args));
  if (handle.IsFailure()) return handle.Error();
  return handle.Value().GetPayloads();
}

UntypedUpdateHandle UntypedWorkflowHandle::GetUpdateHandle(std::string update_id) const {
  return UntypedUpdateHandle(connection_, options_, workflow_id_, run_id_, std::move(update_id));
}

UntypedUpdateHandle::UntypedUpdateHandle(std::shared_ptr<Connection> connection,
                                         ClientOptions options, std::string workflow_id,
                                         std::string run_id, std::string update_id,
                                         std::optional<hugo::Result<Payloads>> outcome)
    : connection_(std::move(connection)),
      options_(std::move(options)),
      workflow_id_(std::move(workflow_id)),
      run_id_(std::move(run_id)),
      update_id_(std::move(update_id)),
      outcome_(std::move(outcome)) {}

hugo::Result<Payloads> UntypedUpdateHandle::GetPayloads(std::chrono::milliseconds timeout) const {
  if (outcome_) return *outcome_;
  if (workflow_id_.empty() || update_id_.empty()) {
    return InvalidArgument("the update handle needs a workflow id and an update id");
  }
  std::optional<Clock::time_point> deadline;
  if (timeout.count() > 0) deadline = Clock::now() + timeout;
  temporal::api::update::v1::UpdateRef ref;
  *ref.mutable_workflow_execution() = ExecutionOf(workflow_id_, run_id_);
  ref.set_update_id(update_id_);
  return PollUpdate(*connection_, options_, ref, deadline);
}

hugo::Result<hugo::Unit> UntypedWorkflowHandle::Cancel(std::string reason) const {
  CancelWorkflowCall call{workflow_id_, run_id_, first_execution_run_id_, std::move(reason)};
  return internal::Intercepted<ClientInterceptor::CancelWorkflowNext>(
      options_.interceptors, &ClientInterceptor::CancelWorkflow, call,
      [this](const CancelWorkflowCall& c) { return CancelRoot(*connection_, options_, c); });
}

hugo::Result<hugo::Unit> UntypedWorkflowHandle::Terminate(std::string reason) const {
  TerminateWorkflowCall call{workflow_id_, run_id_, first_execution_run_id_, std::move(reason)};
  return internal::Intercepted<ClientInterceptor::TerminateWorkflowNext>(
      options_.interceptors, &ClientInterceptor::TerminateWorkflow, call,
      [this](const TerminateWorkflowCall& c) { return TerminateRoot(*connection_, options_, c); });
}

hugo::Result<ws::DescribeWorkflowExecutionResponse> UntypedWorkflowHandle::Describe() const {
  DescribeWorkflowCall call{workflow_id_, run_id_};
  return internal::Intercepted<ClientInterceptor::DescribeWorkflowNext>(
      options_.interceptors, &ClientInterceptor::DescribeWorkflow, call,
      [this](const DescribeWorkflowCall& c) { return DescribeRoot(*connection_, options_, c); });
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

namespace {

// The event a reset by type goes back to: the first or last WorkflowTaskCompleted of `history`.
hugo::Result<int64_t> WorkflowTaskEventId(const temporal::api::history::v1::History& history,
                                          ResetPoint point) {
  int64_t found = 0;
  for (const auto& event : history.events()) {
    if (event.event_type() != enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED) continue;
    found = event.event_id();
    if (point == ResetPoint::kFirstWorkflowTask) break;
  }
  if (found == 0) {
    return InvalidArgument("the run has no completed workflow task to reset to");
  }
  return hugo::Result<int64_t>::Ok(found);
}

}  // namespace

hugo::Result<UntypedWorkflowHandle> UntypedWorkflowHandle::Reset(ResetOptions options) const {
  auto valid = ValidateId();
  if (valid.IsFailure()) return valid.Error();
  int64_t event_id = options.event_id;
  if (options.point == ResetPoint::kEventId) {
    if (event_id <= 0) {
      return InvalidArgument(
          "a reset to an event needs ResetOptions.event_id (a workflow task event)");
    }
  } else {
    auto history = FetchHistory();
    if (history.IsFailure()) return history.Error();
    auto found = WorkflowTaskEventId(history.Value(), options.point);
    if (found.IsFailure()) return found.Error();
    event_id = found.Value();
  }
  ws::ResetWorkflowExecutionRequest request;
  request.set_namespace_(options_.namespace_name);
  *request.mutable_workflow_execution() = Execution();
  request.set_reason(options.reason);
  request.set_workflow_task_finish_event_id(event_id);
  request.set_request_id(RandomUuid());
  for (auto type : options.reapply_exclude) request.add_reset_reapply_exclude_types(type);
  request.set_identity(options_.identity);
  auto response = Call<ws::ResetWorkflowExecutionResponse>(
      *connection_, &Stub::ResetWorkflowExecution, request, "ResetWorkflowExecution");
  if (response.IsFailure()) return response.Error();
  return hugo::Result<UntypedWorkflowHandle>::Ok(
      UntypedWorkflowHandle(connection_, options_, workflow_id_, response.Value().run_id(),
                            first_execution_run_id_, workflow_type_));
}

}  // namespace hdo
