// Standalone Nexus operations: an operation a client starts on its own
// (StartNexusOperationExecution) and waits for (PollNexusOperationExecution), describes, cancels,
// terminates and deletes. Each is a run of its own id space (workflow id
// StandaloneNexusKey(operation id)) whose MutableState holds one NexusOperationInfo
// (nexus_operations[1], kept after the close) and the StandaloneNexusOperation record; no
// history is written. The caller-side paths of engine_nexus.cc serve it (the start request to
// the handler, retries with backoff, the three timeouts, the cancel request, the completion
// callback); where a workflow's operation would write an event, the record changes or the run
// closes with the outcome (CloseStandaloneNexus). Semantics: the reference's
// chasm/lib/nexusoperation (docs/architecture/history.md, "Standalone Nexus operations").
#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/time_util.h"
#include "visibility/search_attributes.h"

namespace hdo::history {
namespace {

using internal::InvalidArgument;
using internal::IsRunning;
using internal::NotFound;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace nexus_pb = temporal::api::nexus::v1;
using persistence::v1::MutableState;
using persistence::v1::NexusOperationInfo;
using persistence::v1::StandaloneNexusOperation;
using persistence::v1::StandaloneNexusPollToken;
using persistence::v1::TimerTask;

// The run's one operation: nexus_operations[kOperationKey].
constexpr int64_t kOperationKey = 1;
// Not a character a client types: the operations' ids never meet the workflows' or activities'.
constexpr char kKeyPrefix[] =
    "\x1f"
    "nexus"
    "\x1f";

hugo::Error FailedPrecondition(std::string message) {
  return hugo::Error::From(std::move(message), errors::kFailedPrecondition);
}

hugo::Error OperationNotFound(const std::string& operation_id) {
  return NotFound("operation not found for ID: " + operation_id);
}

enums::NexusOperationExecutionStatus OperationStatus(const MutableState& state) {
  switch (state.status()) {
    case enums::WORKFLOW_EXECUTION_STATUS_RUNNING:
      return enums::NEXUS_OPERATION_EXECUTION_STATUS_RUNNING;
    case enums::WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return enums::NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED;
    case enums::WORKFLOW_EXECUTION_STATUS_FAILED:
      return enums::NEXUS_OPERATION_EXECUTION_STATUS_FAILED;
    case enums::WORKFLOW_EXECUTION_STATUS_CANCELED:
      return enums::NEXUS_OPERATION_EXECUTION_STATUS_CANCELED;
    case enums::WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return enums::NEXUS_OPERATION_EXECUTION_STATUS_TERMINATED;
    case enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return enums::NEXUS_OPERATION_EXECUTION_STATUS_TIMED_OUT;
    default:
      return enums::NEXUS_OPERATION_EXECUTION_STATUS_UNSPECIFIED;
  }
}

// The reference's internal status names, as its "invalid transition" message shows them.
std::string InternalStatusName(const MutableState& state) {
  switch (state.status()) {
    case enums::WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return "OPERATION_STATUS_SUCCEEDED";
    case enums::WORKFLOW_EXECUTION_STATUS_FAILED:
      return "OPERATION_STATUS_FAILED";
    case enums::WORKFLOW_EXECUTION_STATUS_CANCELED:
      return "OPERATION_STATUS_CANCELED";
    case enums::WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return "OPERATION_STATUS_TERMINATED";
    case enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return "OPERATION_STATUS_TIMED_OUT";
    default:
      return "OPERATION_STATUS_UNSPECIFIED";
  }
}

const NexusOperationInfo& InfoOf(const MutableState& state) {
  static const NexusOperationInfo kEmpty;
  auto found = state.nexus_operations().find(kOperationKey);
  return found != state.nexus_operations().end() ? found->second : kEmpty;
}

hugo::Error AlreadyStarted(const persistence::CurrentRun& current) {
  return hugo::Error::From("nexus operation execution already started: request_id=" +
                               current.create_request_id + ", run_id=" + current.run_id,
                           errors::kNexusOperationAlreadyStarted)
      .WithMetadata("start_request_id", current.create_request_id)
      .WithMetadata("run_id", current.run_id);
}

// Where a running operation stands (reference: the pending state of its status).
enums::PendingNexusOperationState PendingState(const MutableState& state) {
  if (!IsRunning(state)) return enums::PENDING_NEXUS_OPERATION_STATE_UNSPECIFIED;
  return static_cast<enums::PendingNexusOperationState>(InfoOf(state).state());
}

// The operation as DescribeNexusOperationExecution shows it (reference: buildExecutionInfo).
nexus_pb::NexusOperationExecutionInfo DescribeInfo(const MutableState& state,
                                                   const google::protobuf::Timestamp& now) {
  const StandaloneNexusOperation& record = state.standalone_nexus_operation();
  const NexusOperationInfo& op = InfoOf(state);
  const bool running = IsRunning(state);
  nexus_pb::NexusOperationExecutionInfo out;
  out.set_operation_id(record.operation_id());
  out.set_run_id(state.run_id());
  out.set_endpoint(op.endpoint());
  out.set_service(op.service());
  out.set_operation(op.operation());
  out.set_status(OperationStatus(state));
  out.set_state(PendingState(state));
  if (op.has_schedule_to_close_timeout() && !IsZero(op.schedule_to_close_timeout())) {
    *out.mutable_schedule_to_close_timeout() = op.schedule_to_close_timeout();
    *out.mutable_expiration_time() =
        AddDuration(op.scheduled_time(), op.schedule_to_close_timeout());
  }
  if (!IsZero(op.schedule_to_start_timeout())) {
    *out.mutable_schedule_to_start_timeout() = op.schedule_to_start_timeout();
  }
  if (!IsZero(op.start_to_close_timeout())) {
    *out.mutable_start_to_close_timeout() = op.start_to_close_timeout();
  }
  // NexusOperationInfo.attempt counts the answered attempts; the reference counts the one in
  // flight too (at least 1).
  const bool in_flight = running && op.state() == enums::PENDING_NEXUS_OPERATION_STATE_SCHEDULED;
  out.set_attempt(std::max(1, op.attempt() + (in_flight ? 1 : 0)));
  *out.mutable_schedule_time() = op.scheduled_time();
  if (!running && state.has_close_time()) *out.mutable_close_time() = state.close_time();
  if (IsSet(op.last_attempt_complete_time())) {
    *out.mutable_last_attempt_complete_time() = op.last_attempt_complete_time();
  }
  if (op.has_last_attempt_failure())
    *out.mutable_last_attempt_failure() = op.last_attempt_failure();
  if (running && IsSet(op.next_attempt_schedule_time())) {
    *out.mutable_next_attempt_schedule_time() = op.next_attempt_schedule_time();
  }
  const int64_t end_ms =
      !running && state.has_close_time() ? ToMillis(state.close_time()) : ToMillis(now);
  *out.mutable_execution_duration() =
      DurationFromMillis(std::max<int64_t>(0, end_ms - ToMillis(op.scheduled_time())));
  if (!record.cancel_request_id().empty()) {
    auto* cancel = out.mutable_cancellation_info();
    *cancel->mutable_requested_time() = op.cancel_requested_time();
    cancel->set_state(static_cast<enums::NexusOperationCancellationState>(op.cancel_state()));
    cancel->set_attempt(op.cancel_attempt());
    if (IsSet(op.cancel_last_attempt_complete_time())) {
      *cancel->mutable_last_attempt_complete_time() = op.cancel_last_attempt_complete_time();
    }
    if (op.has_cancel_last_attempt_failure()) {
      *cancel->mutable_last_attempt_failure() = op.cancel_last_attempt_failure();
    }
    if (IsSet(op.cancel_next_attempt_schedule_time())) {
      *cancel->mutable_next_attempt_schedule_time() = op.cancel_next_attempt_schedule_time();
    }
    cancel->set_reason(record.cancel_reason());
  }
  out.set_request_id(op.request_id());
  out.set_operation_token(op.operation_token());
  out.set_state_transition_count(state.state_transition_count());
  out.set_state_size_bytes(static_cast<int64_t>(state.ByteSizeLong()));
  if (state.search_attributes().indexed_fields_size() > 0) {
    *out.mutable_search_attributes() = state.search_attributes();
  }
  *out.mutable_nexus_header() = op.nexus_header();
  if (record.has_user_metadata()) *out.mutable_user_metadata() = record.user_metadata();
  *out.mutable_links() = record.links();
  out.set_identity(record.identity());
  return out;
}

std::string PollTokenOf(const MutableState& state) {
  StandaloneNexusPollToken token;
  token.set_namespace_id(state.namespace_id());
  token.set_operation_id(state.standalone_nexus_operation().operation_id());
  token.set_run_id(state.run_id());
  token.set_state_transition_count(state.state_transition_count());
  return token.SerializeAsString();
}

// A closed operation's outcome into a response's result / failure.
template <class Response>
void SetOutcome(const MutableState& state, Response* response) {
  const StandaloneNexusOperation& record = state.standalone_nexus_operation();
  if (state.status() == enums::WORKFLOW_EXECUTION_STATUS_COMPLETED) {
    *response->mutable_result() = record.result();
  } else {
    *response->mutable_failure() = record.failure();
  }
}

}  // namespace

std::string Engine::StandaloneNexusKey(const std::string& operation_id) {
  return kKeyPrefix + operation_id;
}

hugo::Result<persistence::RunKey> Engine::StandaloneNexusRun(const std::string& namespace_id,
                                                             const std::string& operation_id,
                                                             const std::string& run_id) {
  const std::string key = StandaloneNexusKey(operation_id);
  if (!run_id.empty()) return hugo::Ok(persistence::RunKey{namespace_id, key, run_id});
  auto current = store_->GetCurrentRun(namespace_id, key);
  if (current.IsFailure()) {
    if (current.Error().Code() == persistence::kErrorNotFound) {
      return OperationNotFound(operation_id);
    }
    return current.Error();
  }
  return hugo::Ok(persistence::RunKey{namespace_id, key, current.Value().run_id});
}

hugo::Result<Engine::Mutation> Engine::BeginStandaloneNexus(const std::string& namespace_id,
                                                            const std::string& operation_id,
                                                            const std::string& run_id) {
  auto key = StandaloneNexusRun(namespace_id, operation_id, run_id);
  if (key.IsFailure()) return key.Error();
  auto begun = Begin(key.Value());
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) return OperationNotFound(operation_id);
    return begun.Error();
  }
  if (!begun.Value().run.state.has_standalone_nexus_operation()) {
    return OperationNotFound(operation_id);
  }
  return begun;
}

hugo::Result<const Engine::LoadedRun*> Engine::PeekStandaloneNexus(
    const persistence::RunKey& key, const std::string& operation_id) {
  auto peeked = PeekRun(key);
  if (peeked.IsFailure()) {
    if (peeked.Error().Code() == errors::kNotFound) return OperationNotFound(operation_id);
    return peeked.Error();
  }
  if (!peeked.Value()->state.has_standalone_nexus_operation()) {
    return OperationNotFound(operation_id);
  }
  return peeked;
}

hugo::Result<wf::StartNexusOperationExecutionResponse> Engine::StartNexusOperationExecution(
    const std::string& namespace_id, const wf::StartNexusOperationExecutionRequest& request) {
  const std::string key = StandaloneNexusKey(request.operation_id());
  persistence::RunWrite write;
  write.current_mode = persistence::CurrentRunMode::kCreate;
  write.create_request_id = request.request_id();
  auto current = store_->GetCurrentRun(namespace_id, key);
  if (current.IsSuccess()) {
    const persistence::CurrentRun& existing = current.Value();
    wf::StartNexusOperationExecutionResponse joined;
    joined.set_run_id(existing.run_id);
    joined.set_started(false);
    // A retried start (its request id created the run) gets the run, whatever its state.
    if (existing.create_request_id == request.request_id()) return hugo::Ok(std::move(joined));
    if (existing.status == enums::WORKFLOW_EXECUTION_STATUS_RUNNING) {
      if (request.id_conflict_policy() == enums::NEXUS_OPERATION_ID_CONFLICT_POLICY_USE_EXISTING) {
        return hugo::Ok(std::move(joined));
      }
      return AlreadyStarted(existing);
    }
    switch (request.id_reuse_policy()) {
      case enums::NEXUS_OPERATION_ID_REUSE_POLICY_REJECT_DUPLICATE:
        return AlreadyStarted(existing);
      case enums::NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY:
        if (existing.status == enums::WORKFLOW_EXECUTION_STATUS_COMPLETED) {
          return AlreadyStarted(existing);
        }
        break;
      default:
        break;
    }
    write.current_mode = persistence::CurrentRunMode::kReplace;
    write.expected_current_run_id = existing.run_id;
  } else if (current.Error().Code() != persistence::kErrorNotFound) {
    return current.Error();
  }
  // The endpoint by name (reference: the frontend's registry lookup, after validation).
  const std::string not_found = "could not find Nexus endpoint by name: " + request.endpoint();
  if (!options_.nexus_endpoint) return NotFound(not_found);
  auto target = options_.nexus_endpoint(request.endpoint());
  if (target.IsFailure()) {
    if (target.Error().Code() == errors::kNotFound) return NotFound(not_found);
    return target.Error();
  }

  const std::string run_id = NewRunId();
  Mutation m;
  m.write = std::move(write);
  m.run.record.key = {namespace_id, key, run_id};
  m.run.record.db_version = 0;
  MutableState& state = m.run.state;
  state.set_namespace_id(namespace_id);
  state.set_workflow_id(key);
  state.set_run_id(run_id);
  state.set_first_execution_run_id(run_id);
  state.set_workflow_type(request.operation());
  state.set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  state.set_next_event_id(1);
  state.set_create_request_id(request.request_id());
  state.set_attempt(1);
  *state.mutable_start_time() = now_();
  *state.mutable_execution_time() = state.start_time();
  state.set_root_workflow_id(key);
  state.set_root_run_id(run_id);
  *state.mutable_search_attributes() = request.search_attributes();
  auto applied = ApplySearchAttributes(state, request.search_attributes());
  if (applied.IsFailure()) return applied.Error();

  NexusOperationInfo& op = (*state.mutable_nexus_operations())[kOperationKey];
  op.set_scheduled_event_id(kOperationKey);
  op.set_endpoint(request.endpoint());
  op.set_endpoint_id(target.Value().endpoint_id);
  op.set_service(request.service());
  op.set_operation(request.operation());
  if (request.has_input()) *op.mutable_input() = request.input();
  *op.mutable_nexus_header() = request.nexus_header();
  *op.mutable_scheduled_time() = state.start_time();
  *op.mutable_schedule_to_close_timeout() = request.schedule_to_close_timeout();
  *op.mutable_schedule_to_start_timeout() = request.schedule_to_start_timeout();
  *op.mutable_start_to_close_timeout() = request.start_to_close_timeout();
  // The handler's request id: made by the server, kept across attempts (the handler
  // deduplicates its starts by it).
  op.set_request_id(uuids_.Next());

  // Lists of workflows leave the operation out (their implicit TemporalNamespaceDivision IS
  // NULL); lists of operations ask for this division and read its fields from the row.
  nlohmann::json attributes =
      state.visibility_search_attributes().empty()
          ? nlohmann::json::object()
          : nlohmann::json::parse(state.visibility_search_attributes(), nullptr, false);
  if (!attributes.is_object()) attributes = nlohmann::json::object();
  attributes[visibility::kTemporalNamespaceDivision] = visibility::kStandaloneNexusDivision;
  attributes[visibility::kNexusEndpointAttribute] = request.endpoint();
  attributes[visibility::kNexusServiceAttribute] = request.service();
  attributes[visibility::kNexusOperationAttribute] = request.operation();
  attributes[visibility::kNexusRequestIdAttribute] = op.request_id();
  state.set_visibility_search_attributes(attributes.dump());

  StandaloneNexusOperation* record = state.mutable_standalone_nexus_operation();
  record->set_operation_id(request.operation_id());
  record->set_identity(request.identity());
  if (request.has_user_metadata()) *record->mutable_user_metadata() = request.user_metadata();

  DispatchNexusStart(m, op);
  for (auto [timeout, type] :
       {std::pair{&op.schedule_to_close_timeout(), enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE},
        std::pair{&op.schedule_to_start_timeout(), enums::TIMEOUT_TYPE_SCHEDULE_TO_START}}) {
    if (IsZero(*timeout)) continue;
    TimerTask timer;
    timer.set_kind(TimerTask::KIND_NEXUS_TIMEOUT);
    timer.set_scheduled_event_id(kOperationKey);
    timer.set_timeout_type(type);
    AddTimer(m, std::move(timer), After(*timeout));
  }
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  wf::StartNexusOperationExecutionResponse response;
  response.set_run_id(run_id);
  response.set_started(true);
  return hugo::Ok(std::move(response));
}

void Engine::CloseStandaloneNexus(Mutation& m, enums::WorkflowExecutionStatus status,
                                  const temporal::api::common::v1::Payload* result,
                                  const temporal::api::failure::v1::Failure* failure) {
  MutableState& state = m.run.state;
  StandaloneNexusOperation* record = state.mutable_standalone_nexus_operation();
  auto found = state.mutable_nexus_operations()->find(kOperationKey);
  if (found != state.mutable_nexus_operations()->end()) {
    NexusOperationInfo& op = found->second;
    op.clear_next_attempt_schedule_time();
    // An attempt's own answer (failed or canceled before it started) is also the last attempt's
    // failure, as the reference records it.
    if (failure != nullptr && op.started_event_id() == 0 &&
        (status == enums::WORKFLOW_EXECUTION_STATUS_FAILED ||
         status == enums::WORKFLOW_EXECUTION_STATUS_CANCELED)) {
      *op.mutable_last_attempt_failure() = *failure;
    }
  }
  if (result != nullptr) *record->mutable_result() = *result;
  if (failure != nullptr) *record->mutable_failure() = *failure;
  Close(m, status);
}

// --- describe and poll ---------------------------------------------------------------------------

uint64_t Engine::DescribeNexusOperationExecution(
    const std::string& namespace_id, const wf::DescribeNexusOperationExecutionRequest& request,
    std::chrono::milliseconds wait, Done<wf::DescribeNexusOperationExecutionResponse> done) {
  std::optional<StandaloneNexusPollToken> token;
  if (!request.long_poll_token().empty()) {
    StandaloneNexusPollToken decoded;
    if (!decoded.ParseFromString(request.long_poll_token())) {
      done(InvalidArgument("invalid long poll token"));
      return 0;
    }
    if (decoded.namespace_id() != namespace_id ||
        decoded.operation_id() != request.operation_id() || decoded.run_id() != request.run_id()) {
      done(InvalidArgument("long poll token does not match execution"));
      return 0;
    }
    token = decoded;
  }
  auto key = StandaloneNexusRun(namespace_id, request.operation_id(), request.run_id());
  if (key.IsFailure()) {
    done(key.Error());
    return 0;
  }
  // Answers from the run as it is now; false while the token's state is still the newest.
  auto answer = [this, key = key.Value(), request, token, done]() -> bool {
    auto peeked = PeekStandaloneNexus(key, request.operation_id());
    if (peeked.IsFailure()) {
      done(peeked.Error());
      return true;
    }
    const MutableState& state = peeked.Value()->state;
    if (token.has_value() && state.state_transition_count() <= token->state_transition_count()) {
      return false;
    }
    wf::DescribeNexusOperationExecutionResponse response;
    response.set_run_id(state.run_id());
    *response.mutable_info() = DescribeInfo(state, now_());
    if (request.include_input() && InfoOf(state).has_input()) {
      *response.mutable_input() = InfoOf(state).input();
    }
    if (request.include_outcome() && !IsRunning(state)) SetOutcome(state, &response);
    response.set_long_poll_token(PollTokenOf(state));
    done(hugo::Ok(std::move(response)));
    return true;
  };
  if (answer()) return 0;
  return WaitForActivity(
      key.Value().run_id, answer,
      [done] { done(hugo::Ok(wf::DescribeNexusOperationExecutionResponse())); }, wait);
}

uint64_t Engine::PollNexusOperationExecution(const std::string& namespace_id,
                                             const wf::PollNexusOperationExecutionRequest& request,
                                             std::chrono::milliseconds wait,
                                             Done<wf::PollNexusOperationExecutionResponse> done) {
  auto key = StandaloneNexusRun(namespace_id, request.operation_id(), request.run_id());
  if (key.IsFailure()) {
    done(key.Error());
    return 0;
  }
  auto answer = [this, key = key.Value(), request, done]() -> bool {
    auto peeked = PeekStandaloneNexus(key, request.operation_id());
    if (peeked.IsFailure()) {
      done(peeked.Error());
      return true;
    }
    const MutableState& state = peeked.Value()->state;
    const bool closed = !IsRunning(state);
    const bool started = InfoOf(state).started_event_id() != 0;
    if (!closed &&
        (request.wait_stage() != enums::NEXUS_OPERATION_WAIT_STAGE_STARTED || !started)) {
      return false;
    }
    wf::PollNexusOperationExecutionResponse response;
    response.set_run_id(state.run_id());
    response.set_wait_stage(closed ? enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED
                                   : enums::NEXUS_OPERATION_WAIT_STAGE_STARTED);
    response.set_operation_token(InfoOf(state).operation_token());
    if (closed) SetOutcome(state, &response);
    done(hugo::Ok(std::move(response)));
    return true;
  };
  if (answer()) return 0;
  return WaitForActivity(
      key.Value().run_id, answer,
      [done] { done(hugo::Ok(wf::PollNexusOperationExecutionResponse())); }, wait);
}

// --- cancel, terminate, delete -------------------------------------------------------------------

hugo::Result<wf::RequestCancelNexusOperationExecutionResponse>
Engine::RequestCancelNexusOperationExecution(
    const std::string& namespace_id,
    const wf::RequestCancelNexusOperationExecutionRequest& request) {
  auto begun = BeginStandaloneNexus(namespace_id, request.operation_id(), request.run_id());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  StandaloneNexusOperation* record = state.mutable_standalone_nexus_operation();
  // A retried request changes nothing, also once the operation closed.
  if (!record->cancel_request_id().empty() && record->cancel_request_id() == request.request_id()) {
    return hugo::Ok(wf::RequestCancelNexusOperationExecutionResponse());
  }
  if (!IsRunning(state)) return FailedPrecondition("operation already completed");
  if (!record->cancel_request_id().empty()) {
    return FailedPrecondition("cancellation already requested with request ID " +
                              record->cancel_request_id());
  }
  record->set_cancel_request_id(request.request_id());
  record->set_cancel_reason(request.reason());
  record->set_cancel_identity(request.identity());
  NexusOperationInfo& op = (*state.mutable_nexus_operations())[kOperationKey];
  // Any non-zero id marks the request (there is no event to name).
  op.set_cancel_requested_event_id(-1);
  *op.mutable_cancel_requested_time() = now_();
  // The operation stays running: a started one hears of the request now, one not started yet
  // when its start is answered (engine_nexus.cc); it ends when the handler ends it.
  if (op.started_event_id() != 0) DispatchNexusCancel(m, op);
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::RequestCancelNexusOperationExecutionResponse());
}

hugo::Result<wf::TerminateNexusOperationExecutionResponse> Engine::TerminateNexusOperationExecution(
    const std::string& namespace_id, const wf::TerminateNexusOperationExecutionRequest& request) {
  auto begun = BeginStandaloneNexus(namespace_id, request.operation_id(), request.run_id());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  StandaloneNexusOperation* record = state.mutable_standalone_nexus_operation();
  if (!record->terminate_request_id().empty()) {
    if (record->terminate_request_id() == request.request_id()) {
      return hugo::Ok(wf::TerminateNexusOperationExecutionResponse());
    }
    return FailedPrecondition("already terminated with request ID " +
                              record->terminate_request_id());
  }
  if (!IsRunning(state)) {
    return FailedPrecondition("invalid transition from " + InternalStatusName(state));
  }
  record->set_terminate_request_id(request.request_id());
  temporal::api::failure::v1::Failure terminated;
  terminated.set_message(request.reason());
  terminated.mutable_terminated_failure_info()->set_identity(request.identity());
  // Nothing is sent to the handler (reference).
  CloseStandaloneNexus(m, enums::WORKFLOW_EXECUTION_STATUS_TERMINATED, nullptr, &terminated);
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::TerminateNexusOperationExecutionResponse());
}

hugo::Result<wf::DeleteNexusOperationExecutionResponse> Engine::DeleteNexusOperationExecution(
    const std::string& namespace_id, const wf::DeleteNexusOperationExecutionRequest& request) {
  auto key = StandaloneNexusRun(namespace_id, request.operation_id(), request.run_id());
  if (key.IsFailure()) return key.Error();
  auto peeked = PeekStandaloneNexus(key.Value(), request.operation_id());
  if (peeked.IsFailure()) return peeked.Error();
  if (IsRunning(peeked.Value()->state)) {
    wf::TerminateNexusOperationExecutionRequest terminate;
    terminate.set_operation_id(request.operation_id());
    terminate.set_run_id(key.Value().run_id);
    terminate.set_reason("Delete nexus operation execution");
    auto terminated = TerminateNexusOperationExecution(namespace_id, terminate);
    if (terminated.IsFailure()) return terminated.Error();
  }
  wf::DeleteWorkflowExecutionRequest remove;
  remove.mutable_workflow_execution()->set_workflow_id(key.Value().workflow_id);
  remove.mutable_workflow_execution()->set_run_id(key.Value().run_id);
  auto removed = Delete(namespace_id, remove);
  if (removed.IsFailure()) {
    if (removed.Error().Code() == errors::kNotFound)
      return OperationNotFound(request.operation_id());
    return removed.Error();
  }
  return hugo::Ok(wf::DeleteNexusOperationExecutionResponse());
}

}  // namespace hdo::history
