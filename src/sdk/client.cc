#include "hdo/client.h"

#include "call.h"
#include "eager_workflows.h"
#include "hdo/client_interceptor.h"
#include "proto_util.h"
#include "update_calls.h"

namespace hdo {
namespace {

namespace ws = temporal::api::workflowservice::v1;
using Stub = Connection::Stub;

hugo::Result<hugo::Unit> ValidateStart(const std::string& workflow_type,
                                       const StartWorkflowOptions& options) {
  if (workflow_type.empty()) return InvalidArgument("a workflow needs a workflow type");
  if (options.id.empty())
    return InvalidArgument("a workflow needs an id (StartWorkflowOptions.id)");
  if (options.task_queue.empty()) {
    return InvalidArgument("a workflow needs a task queue (StartWorkflowOptions.task_queue)");
  }
  return hugo::Ok();
}

// Fills one payload per map entry into `fields` (a protobuf map of string to Payload).
template <class Fields>
hugo::Result<hugo::Unit> EncodeFields(const std::map<std::string, nlohmann::json>& values,
                                      Fields& fields) {
  for (const auto& [name, value] : values) {
    auto payload = ToPayload(value);
    if (payload.IsFailure()) return payload.Error();
    fields[name] = std::move(payload).Value();
  }
  return hugo::Ok();
}

// The fields StartWorkflowExecutionRequest and SignalWithStartWorkflowExecutionRequest share.
template <class Request>
hugo::Result<hugo::Unit> FillStart(Request& request, const ClientOptions& client,
                                   const HeaderFields& header, std::string workflow_type,
                                   const StartWorkflowOptions& options, Payloads input) {
  request.set_namespace_(client.namespace_name);
  request.set_workflow_id(options.id);
  request.mutable_workflow_type()->set_name(std::move(workflow_type));
  request.mutable_task_queue()->set_name(options.task_queue);
  request.mutable_task_queue()->set_kind(temporal::api::enums::v1::TASK_QUEUE_KIND_NORMAL);
  if (input.payloads_size() > 0) *request.mutable_input() = std::move(input);
  // Only durations that are set: a zero start delay present in the request is one the reference
  // refuses with a cron schedule (as the Go SDK, which leaves zero durations out).
  if (options.execution_timeout.count() > 0) {
    *request.mutable_workflow_execution_timeout() = ToProtoDuration(options.execution_timeout);
  }
  if (options.run_timeout.count() > 0) {
    *request.mutable_workflow_run_timeout() = ToProtoDuration(options.run_timeout);
  }
  if (options.task_timeout.count() > 0) {
    *request.mutable_workflow_task_timeout() = ToProtoDuration(options.task_timeout);
  }
  if (options.start_delay.count() > 0) {
    *request.mutable_workflow_start_delay() = ToProtoDuration(options.start_delay);
  }
  request.set_identity(client.identity);
  request.set_request_id(RandomUuid());
  request.set_workflow_id_reuse_policy(options.id_reuse_policy);
  request.set_workflow_id_conflict_policy(options.id_conflict_policy);
  if (options.retry_policy) *request.mutable_retry_policy() = options.retry_policy->ToProto();
  request.set_cron_schedule(options.cron_schedule);
  if (!header.empty()) *request.mutable_header() = internal::FieldsToHeader(header);
  auto memo = EncodeFields(options.memo, *request.mutable_memo()->mutable_fields());
  if (memo.IsFailure()) return memo;
  if (options.memo.empty()) request.clear_memo();
  auto attributes = EncodeFields(options.search_attributes,
                                 *request.mutable_search_attributes()->mutable_indexed_fields());
  for (const auto& [name, payload] : options.typed_search_attributes.payloads()) {
    (*request.mutable_search_attributes()->mutable_indexed_fields())[name] = payload;
  }
  if (options.search_attributes.empty() && options.typed_search_attributes.empty()) {
    request.clear_search_attributes();
  }
  return attributes;
}

ClientOptions Resolved(ClientOptions options) {
  if (options.identity.empty()) options.identity = DefaultIdentity();
  return options;
}

// A start request ready to send, with the worker slot an eager start reserved.
struct PreparedStart {
  ws::StartWorkflowExecutionRequest request;
  std::shared_ptr<internal::EagerWorkflowTarget> eager;
};

hugo::Result<PreparedStart> PrepareStart(const std::shared_ptr<Connection>& connection,
                                         const ClientOptions& client,
                                         const StartWorkflowCall& call) {
  const StartWorkflowOptions& options = call.options;
  auto valid = ValidateStart(call.workflow_type, options);
  if (valid.IsFailure()) return valid.Error();
  PreparedStart start;
  auto filled =
      FillStart(start.request, client, call.header, call.workflow_type, options, call.input);
  if (filled.IsFailure()) return filled.Error();
  // Eager start (the Go SDK's EnableEagerStart): only for a first task that does not wait.
  if (options.enable_eager_start && options.cron_schedule.empty() &&
      options.start_delay.count() == 0) {
    start.eager = internal::EagerWorkflows::Get().Reserve(connection.get(), client.namespace_name,
                                                          options.task_queue);
    start.request.set_request_eager_execution(start.eager != nullptr);
  }
  return hugo::Result<PreparedStart>::Ok(std::move(start));
}

// The start's answer: the eager first task handed to the worker that reserved a slot for it (or
// the slot given back), and the run's handle.
hugo::Result<UntypedWorkflowHandle> Started(
    const std::shared_ptr<Connection>& connection, const ClientOptions& client,
    const StartWorkflowCall& call, const std::shared_ptr<internal::EagerWorkflowTarget>& eager,
    hugo::Result<ws::StartWorkflowExecutionResponse> response) {
  if (eager != nullptr) {
    if (response.IsSuccess() && !response.Value().eager_workflow_task().task_token().empty()) {
      eager->Run(std::move(*response.Value().mutable_eager_workflow_task()));
    } else {
      eager->Release();
    }
  }
  if (response.IsFailure()) return response.Error();
  const std::string& run_id = response.Value().run_id();
  return hugo::Result<UntypedWorkflowHandle>::Ok(UntypedWorkflowHandle(
      connection, client, call.options.id, run_id, run_id, call.workflow_type));
}

hugo::Result<UntypedWorkflowHandle> StartRoot(const std::shared_ptr<Connection>& connection,
                                              const ClientOptions& client,
                                              const StartWorkflowCall& call) {
  auto start = PrepareStart(connection, client, call);
  if (start.IsFailure()) return start.Error();
  auto response = Call<ws::StartWorkflowExecutionResponse>(
      *connection, &Stub::StartWorkflowExecution, start.Value().request, "StartWorkflowExecution");
  return Started(connection, client, call, start.Value().eager, std::move(response));
}

hugo::Result<UntypedWorkflowHandle> SignalWithStartRoot(
    const std::shared_ptr<Connection>& connection, const ClientOptions& client,
    const SignalWithStartCall& call) {
  auto valid = ValidateStart(call.workflow_type, call.options);
  if (valid.IsFailure()) return valid.Error();
  if (call.signal_name.empty()) {
    return InvalidArgument("SignalWithStartWorkflow needs a signal name");
  }
  ws::SignalWithStartWorkflowExecutionRequest request;
  auto filled =
      FillStart(request, client, call.header, call.workflow_type, call.options, call.input);
  if (filled.IsFailure()) return filled.Error();
  request.set_signal_name(call.signal_name);
  if (call.signal_input.payloads_size() > 0) *request.mutable_signal_input() = call.signal_input;
  auto response = Call<ws::SignalWithStartWorkflowExecutionResponse>(
      *connection, &Stub::SignalWithStartWorkflowExecution, request,
      "SignalWithStartWorkflowExecution");
  if (response.IsFailure()) return response.Error();
  // The run signalled may have been started by someone else: its first run id is not known here.
  return hugo::Result<UntypedWorkflowHandle>::Ok(UntypedWorkflowHandle(
      connection, client, call.options.id, response.Value().run_id(), {}, call.workflow_type));
}

// An operation of update-with-start that failed, said as which one it was.
hugo::Error UpdateWithStartError(const hugo::Error& error) {
  auto operation = error.TryGetMetadata<int64_t>("temporal.operation");
  auto message = error.TryGetMetadata<std::string>("grpc.message");
  if (!operation || !message) return error;
  std::string text = *operation == 0 ? "update-with-start: the workflow could not be started: "
                                     : "update-with-start: the update could not be sent: ";
  return hugo::Error::From(text + *message, error.Code()).WithMetadata(error.GetMetadata());
}

hugo::Result<UntypedUpdateWithStart> UpdateWithStartRoot(
    const std::shared_ptr<Connection>& connection, const ClientOptions& client,
    const UpdateWithStartCall& call) {
  auto valid = ValidateStart(call.workflow_type, call.options);
  if (valid.IsFailure()) return valid.Error();
  if (call.options.id_conflict_policy ==
      temporal::api::enums::v1::WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED) {
    return InvalidArgument(
        "update-with-start needs StartWorkflowOptions.id_conflict_policy: "
        "WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING to update a running workflow, or "
        "WORKFLOW_ID_CONFLICT_POLICY_FAIL to refuse one");
  }
  if (call.options.enable_eager_start) {
    return InvalidArgument(
        "update-with-start cannot start a workflow eagerly: leave "
        "StartWorkflowOptions.enable_eager_start false");
  }
  if (call.update_name.empty()) return InvalidArgument("an update needs a name");
  ws::ExecuteMultiOperationRequest request;
  request.set_namespace_(client.namespace_name);
  auto filled = FillStart(*request.add_operations()->mutable_start_workflow(), client, call.header,
                          call.workflow_type, call.options, call.input);
  if (filled.IsFailure()) return filled.Error();
  *request.add_operations()->mutable_update_workflow() =
      internal::UpdateRequest(client, call.options.id, {}, {}, call.update_name,
                              call.update_options, call.update_args, call.header);
  const ws::UpdateWorkflowExecutionRequest& update = request.operations(1).update_workflow();
  // The first start answer names the run (the same start request, sent again, names it again).
  std::optional<ws::StartWorkflowExecutionResponse> start;
  // Re-issued while the server answers before the update was accepted (stage ADMITTED).
  for (int attempt = 0; attempt < UntypedWorkflowHandle::kUpdateCallsMax; ++attempt) {
    auto response = Call<ws::ExecuteMultiOperationResponse>(
        *connection, &Stub::ExecuteMultiOperation, request, "ExecuteMultiOperation",
        connection->options().long_poll_timeout);
    if (response.IsFailure() && IsDeadlineExceeded(response.Error())) continue;
    if (response.IsFailure()) return UpdateWithStartError(response.Error());
    const auto& responses = response.Value().responses();
    if (responses.size() != 2 || !responses[0].has_start_workflow() ||
        !responses[1].has_update_workflow()) {
      return hugo::Error::From(
          "update-with-start: the server's answer does not hold one start and one update",
          "grpc.internal");
    }
    if (!start) start = responses[0].start_workflow();
    auto handle =
        internal::UpdateHandleFrom(connection, client, update, responses[1].update_workflow());
    if (!handle) continue;
    if (handle->IsFailure()) return handle->Error();
    const bool started = start->started();
    UntypedWorkflowHandle workflow(connection, client, call.options.id, start->run_id(),
                                   started ? start->run_id() : std::string(), call.workflow_type);
    return hugo::Result<UntypedUpdateWithStart>::Ok(
        UntypedUpdateWithStart{std::move(workflow), std::move(*handle).Value(), started});
  }
  return hugo::Error::From("the update was not accepted", std::string(hugo::ErrorCodes::kTimeout));
}

}  // namespace

namespace internal {

hugo::Result<HeaderFields> PropagatedHeader(const Connection& connection) {
  if (connection.context_propagators().empty()) return hugo::Result<HeaderFields>::Ok({});
  temporal::api::common::v1::Header header;
  auto injected = InjectHeader(connection.context_propagators(), header);
  if (injected.IsFailure()) return injected.Error();
  return hugo::Result<HeaderFields>::Ok(HeaderToFields(header));
}

}  // namespace internal

Client::Client(std::shared_ptr<Connection> connection, ClientOptions options)
    : connection_(std::move(connection)), options_(Resolved(std::move(options))) {}

hugo::Result<Client> Client::Connect(ConnectionOptions connection_options, ClientOptions options) {
  auto connection = Connection::Connect(std::move(connection_options));
  if (connection.IsFailure()) return connection.Error();
  return hugo::Result<Client>::Ok(Client(std::move(connection).Value(), std::move(options)));
}

hugo::Result<UntypedWorkflowHandle> Client::StartWorkflowPayloads(std::string workflow_type,
                                                                  StartWorkflowOptions options,
                                                                  Payloads input) const {
  auto header = internal::PropagatedHeader(*connection_);
  if (header.IsFailure()) return header.Error();
  StartWorkflowCall call{std::move(workflow_type), std::move(options), std::move(input),
                         std::move(header).Value()};
  return internal::Intercepted<ClientInterceptor::StartWorkflowNext>(
      options_.interceptors, &ClientInterceptor::StartWorkflow, call,
      [this](const StartWorkflowCall& c) { return StartRoot(connection_, options_, c); });
}

void Client::StartWorkflowPayloadsAsync(
    std::string workflow_type, StartWorkflowOptions options, Payloads input,
    std::function<void(hugo::Result<UntypedWorkflowHandle>)> done) const {
  if (!options_.interceptors.empty()) {
    done(StartWorkflowPayloads(std::move(workflow_type), std::move(options), std::move(input)));
    return;
  }
  auto header = internal::PropagatedHeader(*connection_);
  if (header.IsFailure()) {
    done(header.Error());
    return;
  }
  StartWorkflowCall call{std::move(workflow_type), std::move(options), std::move(input),
                         std::move(header).Value()};
  auto start = PrepareStart(connection_, options_, call);
  if (start.IsFailure()) {
    done(start.Error());
    return;
  }
  PreparedStart prepared = std::move(start).Value();
  CallAsync<ws::StartWorkflowExecutionResponse>(
      connection_,
      [](Stub::async_interface& async, grpc::ClientContext& context,
         const ws::StartWorkflowExecutionRequest* request,
         ws::StartWorkflowExecutionResponse* response, std::function<void(grpc::Status)> answered) {
        async.StartWorkflowExecution(&context, request, response, std::move(answered));
      },
      std::move(prepared.request), "StartWorkflowExecution",
      [connection = connection_, client = options_, call = std::move(call),
       eager = std::move(prepared.eager),
       done = std::move(done)](hugo::Result<ws::StartWorkflowExecutionResponse> response) {
        done(Started(connection, client, call, eager, std::move(response)));
      });
}

hugo::Result<UntypedWorkflowHandle> Client::SignalWithStartWorkflowPayloads(
    std::string workflow_type, StartWorkflowOptions options, std::string signal_name,
    Payloads signal_input, Payloads input) const {
  auto header = internal::PropagatedHeader(*connection_);
  if (header.IsFailure()) return header.Error();
  SignalWithStartCall call{std::move(workflow_type), std::move(options),
                           std::move(input),         std::move(signal_name),
                           std::move(signal_input),  std::move(header).Value()};
  return internal::Intercepted<ClientInterceptor::SignalWithStartNext>(
      options_.interceptors, &ClientInterceptor::SignalWithStartWorkflow, call,
      [this](const SignalWithStartCall& c) {
        return SignalWithStartRoot(connection_, options_, c);
      });
}

hugo::Result<UntypedUpdateWithStart> Client::UpdateWithStartWorkflowPayloads(
    std::string workflow_type, StartWorkflowOptions options, Payloads input,
    std::string update_name, UpdateOptions update_options, Payloads update_args) const {
  auto header = internal::PropagatedHeader(*connection_);
  if (header.IsFailure()) return header.Error();
  UpdateWithStartCall call{std::move(workflow_type),  std::move(options),
                           std::move(input),          std::move(update_name),
                           std::move(update_options), std::move(update_args),
                           std::move(header).Value()};
  return internal::Intercepted<ClientInterceptor::UpdateWithStartNext>(
      options_.interceptors, &ClientInterceptor::UpdateWithStartWorkflow, call,
      [this](const UpdateWithStartCall& c) {
        return UpdateWithStartRoot(connection_, options_, c);
      });
}

hugo::Result<std::vector<temporal::api::workflow::v1::WorkflowExecutionInfo>> Client::ListWorkflows(
    std::string query, int32_t page_size, int pages_max) const {
  using Infos = std::vector<temporal::api::workflow::v1::WorkflowExecutionInfo>;
  ws::ListWorkflowExecutionsRequest request;
  request.set_namespace_(options_.namespace_name);
  request.set_page_size(page_size);
  request.set_query(std::move(query));
  Infos infos;
  for (int page = 0; page < pages_max; ++page) {
    auto response = Call<ws::ListWorkflowExecutionsResponse>(
        *connection_, &Stub::ListWorkflowExecutions, request, "ListWorkflowExecutions");
    if (response.IsFailure()) return response.Error();
    for (auto& info : *response.Value().mutable_executions()) infos.push_back(std::move(info));
    if (response.Value().next_page_token().empty()) break;
    request.set_next_page_token(response.Value().next_page_token());
  }
  return hugo::Result<Infos>::Ok(std::move(infos));
}

hugo::Result<int64_t> Client::CountWorkflows(std::string query) const {
  ws::CountWorkflowExecutionsRequest request;
  request.set_namespace_(options_.namespace_name);
  request.set_query(std::move(query));
  return Call<ws::CountWorkflowExecutionsResponse>(*connection_, &Stub::CountWorkflowExecutions,
                                                   request, "CountWorkflowExecutions")
      .Map([](const ws::CountWorkflowExecutionsResponse& r) { return r.count(); });
}

hugo::Result<ws::DescribeTaskQueueResponse> Client::DescribeTaskQueue(
    std::string task_queue, temporal::api::enums::v1::TaskQueueType type) const {
  if (task_queue.empty()) return InvalidArgument("DescribeTaskQueue needs a task queue name");
  ws::DescribeTaskQueueRequest request;
  request.set_namespace_(options_.namespace_name);
  request.mutable_task_queue()->set_name(std::move(task_queue));
  request.mutable_task_queue()->set_kind(temporal::api::enums::v1::TASK_QUEUE_KIND_NORMAL);
  request.set_task_queue_type(type);
  return Call<ws::DescribeTaskQueueResponse>(*connection_, &Stub::DescribeTaskQueue, request,
                                             "DescribeTaskQueue");
}

hugo::Result<hugo::Unit> Client::CompleteActivityPayloads(std::string task_token,
                                                          Payloads result) const {
  if (task_token.empty()) return InvalidArgument("CompleteActivity needs a task token");
  ws::RespondActivityTaskCompletedRequest request;
  request.set_namespace_(options_.namespace_name);
  request.set_task_token(std::move(task_token));
  request.set_identity(options_.identity);
  if (result.payloads_size() > 0) *request.mutable_result() = std::move(result);
  return Call<ws::RespondActivityTaskCompletedResponse>(*connection_,
                                                        &Stub::RespondActivityTaskCompleted,
                                                        request, "RespondActivityTaskCompleted")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<hugo::Unit> Client::FailActivity(std::string task_token, const hugo::Error& error,
                                              Payloads last_heartbeat_details) const {
  if (task_token.empty()) return InvalidArgument("FailActivity needs a task token");
  ws::RespondActivityTaskFailedRequest request;
  request.set_namespace_(options_.namespace_name);
  request.set_task_token(std::move(task_token));
  request.set_identity(options_.identity);
  *request.mutable_failure() = ErrorToFailure(error);
  if (last_heartbeat_details.payloads_size() > 0) {
    *request.mutable_last_heartbeat_details() = std::move(last_heartbeat_details);
  }
  return Call<ws::RespondActivityTaskFailedResponse>(*connection_, &Stub::RespondActivityTaskFailed,
                                                     request, "RespondActivityTaskFailed")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<bool> Client::HeartbeatActivityPayloads(std::string task_token,
                                                     Payloads details) const {
  if (task_token.empty()) return InvalidArgument("HeartbeatActivity needs a task token");
  ws::RecordActivityTaskHeartbeatRequest request;
  request.set_namespace_(options_.namespace_name);
  request.set_task_token(std::move(task_token));
  request.set_identity(options_.identity);
  if (details.payloads_size() > 0) *request.mutable_details() = std::move(details);
  return Call<ws::RecordActivityTaskHeartbeatResponse>(*connection_,
                                                       &Stub::RecordActivityTaskHeartbeat, request,
                                                       "RecordActivityTaskHeartbeat")
      .Map([](const ws::RecordActivityTaskHeartbeatResponse& r) { return r.cancel_requested(); });
}

hugo::Result<hugo::Unit> Client::ReportActivityCanceled(std::string task_token,
                                                        Payloads details) const {
  if (task_token.empty()) return InvalidArgument("ReportActivityCanceled needs a task token");
  ws::RespondActivityTaskCanceledRequest request;
  request.set_namespace_(options_.namespace_name);
  request.set_task_token(std::move(task_token));
  request.set_identity(options_.identity);
  if (details.payloads_size() > 0) *request.mutable_details() = std::move(details);
  return Call<ws::RespondActivityTaskCanceledResponse>(*connection_,
                                                       &Stub::RespondActivityTaskCanceled, request,
                                                       "RespondActivityTaskCanceled")
      .Map([](const auto&) { return hugo::Unit{}; });
}

namespace {

hugo::Result<hugo::Unit> ValidateActivityById(const ActivityById& activity) {
  if (activity.workflow_id.empty()) {
    return InvalidArgument("an activity by id needs its workflow id (ActivityById.workflow_id)");
  }
  if (activity.activity_id.empty()) {
    return InvalidArgument("an activity by id needs its activity id (ActivityById.activity_id)");
  }
  return hugo::Ok();
}

// The fields every *ById request has.
template <class Request>
void FillById(Request& request, const ClientOptions& client, const ActivityById& activity) {
  request.set_namespace_(client.namespace_name);
  request.set_workflow_id(activity.workflow_id);
  request.set_run_id(activity.run_id);
  request.set_activity_id(activity.activity_id);
  request.set_identity(client.identity);
}

}  // namespace

hugo::Result<hugo::Unit> Client::CompleteActivityByIdPayloads(const ActivityById& activity,
                                                              Payloads result) const {
  auto valid = ValidateActivityById(activity);
  if (valid.IsFailure()) return valid.Error();
  ws::RespondActivityTaskCompletedByIdRequest request;
  FillById(request, options_, activity);
  if (result.payloads_size() > 0) *request.mutable_result() = std::move(result);
  return Call<ws::RespondActivityTaskCompletedByIdResponse>(
             *connection_, &Stub::RespondActivityTaskCompletedById, request,
             "RespondActivityTaskCompletedById")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<hugo::Unit> Client::FailActivityById(const ActivityById& activity,
                                                  const hugo::Error& error,
                                                  Payloads last_heartbeat_details) const {
  auto valid = ValidateActivityById(activity);
  if (valid.IsFailure()) return valid.Error();
  ws::RespondActivityTaskFailedByIdRequest request;
  FillById(request, options_, activity);
  *request.mutable_failure() = ErrorToFailure(error);
  if (last_heartbeat_details.payloads_size() > 0) {
    *request.mutable_last_heartbeat_details() = std::move(last_heartbeat_details);
  }
  return Call<ws::RespondActivityTaskFailedByIdResponse>(*connection_,
                                                         &Stub::RespondActivityTaskFailedById,
                                                         request, "RespondActivityTaskFailedById")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<bool> Client::HeartbeatActivityByIdPayloads(const ActivityById& activity,
                                                         Payloads details) const {
  auto valid = ValidateActivityById(activity);
  if (valid.IsFailure()) return valid.Error();
  ws::RecordActivityTaskHeartbeatByIdRequest request;
  FillById(request, options_, activity);
  if (details.payloads_size() > 0) *request.mutable_details() = std::move(details);
  return Call<ws::RecordActivityTaskHeartbeatByIdResponse>(
             *connection_, &Stub::RecordActivityTaskHeartbeatById, request,
             "RecordActivityTaskHeartbeatById")
      .Map([](const ws::RecordActivityTaskHeartbeatByIdResponse& r) {
        return r.cancel_requested();
      });
}

hugo::Result<hugo::Unit> Client::ReportActivityCanceledById(const ActivityById& activity,
                                                            Payloads details) const {
  auto valid = ValidateActivityById(activity);
  if (valid.IsFailure()) return valid.Error();
  ws::RespondActivityTaskCanceledByIdRequest request;
  FillById(request, options_, activity);
  if (details.payloads_size() > 0) *request.mutable_details() = std::move(details);
  return Call<ws::RespondActivityTaskCanceledByIdResponse>(
             *connection_, &Stub::RespondActivityTaskCanceledById, request,
             "RespondActivityTaskCanceledById")
      .Map([](const auto&) { return hugo::Unit{}; });
}

}  // namespace hdo
