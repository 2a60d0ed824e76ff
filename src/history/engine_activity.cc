// Activities and user timers. Activities: started (poll hand-off), completed, failed with
// server-side retries, canceled, heartbeats, and their timeouts. Retries are attempts of one
// pending activity and invisible in history: ActivityTaskStarted is written only when the
// activity closes, with its final attempt.
#include "common/error_codes.h"
#include "history/commands.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/time_util.h"

namespace hdo::history {
namespace {

using internal::InvalidArgument;
using internal::IsRunning;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using persistence::v1::ActivityInfo;
using persistence::v1::ActivityTaskToken;
using persistence::v1::MutableState;
using persistence::v1::TimerTask;
using persistence::v1::TransferTask;

hugo::Error ActivityNotFound() {
  return hugo::Error::From(
      "invalid activityID or activity already timed out or invoking workflow is completed",
      errors::kNotFound);
}

hugo::Error PendingActivityNotFound(const std::string& activity_id) {
  return hugo::Error::From("cannot find pending activity with ActivityID " + activity_id +
                               ", check workflow execution history for more details",
                           errors::kNotFound);
}

TimerTask ActivityTimeout(const ActivityInfo& info, enums::TimeoutType type) {
  TimerTask timeout;
  timeout.set_kind(TimerTask::KIND_ACTIVITY_TIMEOUT);
  timeout.set_scheduled_event_id(info.scheduled_event_id());
  timeout.set_attempt(info.attempt());
  timeout.set_timeout_type(type);
  return timeout;
}

// When the activity's timeout of `type` falls by its options now; none when it has no such
// timeout (or, for the attempt's timeouts, no started attempt).
std::optional<google::protobuf::Timestamp> ActivityDeadline(const ActivityInfo& info,
                                                            enums::TimeoutType type) {
  switch (type) {
    case enums::TIMEOUT_TYPE_SCHEDULE_TO_START:
      if (IsZero(info.schedule_to_start_timeout())) return std::nullopt;
      return AddDuration(info.current_attempt_scheduled_time(), info.schedule_to_start_timeout());
    case enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE:
      if (IsZero(info.schedule_to_close_timeout())) return std::nullopt;
      return AddDuration(info.scheduled_time(), info.schedule_to_close_timeout());
    case enums::TIMEOUT_TYPE_START_TO_CLOSE:
      if (IsZero(info.start_to_close_timeout()) || !info.started()) return std::nullopt;
      return AddDuration(info.started_time(), info.start_to_close_timeout());
    case enums::TIMEOUT_TYPE_HEARTBEAT: {
      if (IsZero(info.heartbeat_timeout()) || !info.started()) return std::nullopt;
      const google::protobuf::Timestamp& last =
          IsSet(info.last_heartbeat_time()) ? info.last_heartbeat_time() : info.started_time();
      return AddDuration(last, info.heartbeat_timeout());
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

void Engine::DispatchActivityAttempt(Mutation& m, ActivityInfo& info) {
  const MutableState& state = m.run.state;
  TransferTask transfer;
  transfer.set_kind(TransferTask::KIND_ACTIVITY_TASK);
  transfer.set_namespace_id(state.namespace_id());
  transfer.set_workflow_id(state.workflow_id());
  transfer.set_run_id(state.run_id());
  transfer.set_task_queue(info.task_queue());
  transfer.set_scheduled_event_id(info.scheduled_event_id());
  transfer.set_attempt(info.attempt());
  transfer.set_stamp(info.stamp());
  StampVersioning(state, transfer, false);
  m.transfer.push_back(std::move(transfer));
  if (!IsZero(info.schedule_to_start_timeout())) {
    AddTimer(m, ActivityTimeout(info, enums::TIMEOUT_TYPE_SCHEDULE_TO_START),
             After(info.schedule_to_start_timeout()));
  }
}

hugo::Result<wf::PollActivityTaskQueueResponse> Engine::RecordActivityTaskStarted(
    const matching::Task& task, const matching::Poller& poller) {
  auto begun = Begin({task.namespace_id, task.workflow_id, task.run_id});
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) DropTasks({task.transfer_task_id}, {});
    return begun.Error();
  }
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  auto found = state.mutable_activities()->find(task.scheduled_event_id);
  if (!IsRunning(state) || found == state.mutable_activities()->end() ||
      found->second.attempt() != task.attempt || found->second.stamp() != task.stamp ||
      found->second.paused() || found->second.started() || found->second.retry_pending()) {
    DropTasks({task.transfer_task_id}, {});
    return ActivityNotFound();
  }
  if (state.has_versioning_info() && state.versioning_info().has_version_transition()) {
    // The run moves to another version: its activities start once that version's worker
    // completed a workflow task, which sends them again (reference: ActivityStartDuringTransition).
    DropTasks({task.transfer_task_id}, {});
    return hugo::Error::From("activity task of a run moving to another worker deployment version",
                             errors::kFailedPrecondition);
  }
  ActivityInfo& info = found->second;
  m.done_transfer.push_back(task.transfer_task_id);
  MarkActivityStarted(m, info, poller.poll_request_id, poller.identity);
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(ActivityTaskResponse(state, info, poller.namespace_name));
}

void Engine::MarkActivityStarted(Mutation& m, ActivityInfo& info, const std::string& request_id,
                                 const std::string& identity) {
  info.set_started(true);
  *info.mutable_started_time() = now_();
  info.set_started_request_id(request_id);
  info.set_started_identity(identity);
  info.set_last_worker_identity(identity);
  info.clear_last_heartbeat_time();
  if (!IsZero(info.start_to_close_timeout())) {
    AddTimer(m, ActivityTimeout(info, enums::TIMEOUT_TYPE_START_TO_CLOSE),
             After(info.start_to_close_timeout()));
  }
  if (!IsZero(info.heartbeat_timeout())) {
    AddTimer(m, ActivityTimeout(info, enums::TIMEOUT_TYPE_HEARTBEAT),
             After(info.heartbeat_timeout()));
  }
}

wf::PollActivityTaskQueueResponse Engine::ActivityTaskResponse(const MutableState& state,
                                                               const ActivityInfo& info,
                                                               const std::string& namespace_name) {
  wf::PollActivityTaskQueueResponse response;
  ActivityTaskToken token;
  token.set_namespace_id(state.namespace_id());
  token.set_workflow_id(state.workflow_id());
  token.set_run_id(state.run_id());
  token.set_scheduled_event_id(info.scheduled_event_id());
  token.set_attempt(info.attempt());
  token.set_activity_id(info.activity_id());
  response.set_task_token(token.SerializeAsString());
  response.set_workflow_namespace(namespace_name);
  if (state.has_standalone_activity()) {
    // A standalone activity: no workflow (an empty execution), its own run id.
    response.mutable_workflow_execution();
    response.set_activity_run_id(state.run_id());
  } else {
    response.mutable_workflow_type()->set_name(state.workflow_type());
    response.mutable_workflow_execution()->set_workflow_id(state.workflow_id());
    response.mutable_workflow_execution()->set_run_id(state.run_id());
  }
  response.mutable_activity_type()->set_name(info.activity_type());
  response.set_activity_id(info.activity_id());
  if (info.has_header()) *response.mutable_header() = info.header();
  if (info.has_input()) *response.mutable_input() = info.input();
  if (info.has_heartbeat_details())
    *response.mutable_heartbeat_details() = info.heartbeat_details();
  *response.mutable_scheduled_time() =
      state.has_standalone_activity() ? state.start_time() : info.scheduled_time();
  *response.mutable_current_attempt_scheduled_time() = info.current_attempt_scheduled_time();
  *response.mutable_started_time() = info.started_time();
  response.set_attempt(info.attempt());
  *response.mutable_schedule_to_close_timeout() = info.schedule_to_close_timeout();
  *response.mutable_start_to_close_timeout() = info.start_to_close_timeout();
  *response.mutable_heartbeat_timeout() = info.heartbeat_timeout();
  *response.mutable_retry_policy() = info.retry_policy();
  if (info.has_priority() || state.has_priority()) {
    *response.mutable_priority() = MergePriority(state.priority(), info.priority());
  }
  return response;
}

hugo::Result<Engine::Mutation> Engine::BeginActivity(const ActivityRef& ref, ActivityInfo** info) {
  persistence::RunKey key;
  std::optional<ActivityTaskToken> token;
  if (!ref.task_token.empty()) {
    ActivityTaskToken decoded;
    if (!decoded.ParseFromString(ref.task_token) || decoded.run_id().empty()) {
      return InvalidArgument("Error deserializing task token.");
    }
    if (decoded.namespace_id() != ref.namespace_id) {
      return InvalidArgument("Operation requested with a token from a different namespace.");
    }
    key = {decoded.namespace_id(), decoded.workflow_id(), decoded.run_id()};
    token = std::move(decoded);
  } else if (ref.workflow_id.empty()) {
    // By id without a workflow: a standalone activity (run_id its run, empty: the current one).
    auto standalone = StandaloneActivityRun(ref.namespace_id, ref.activity_id, ref.run_id);
    if (standalone.IsFailure()) return standalone.Error();
    key = standalone.Value();
  } else {
    auto run_id = ResolveRunId(ref.namespace_id, ref.workflow_id, ref.run_id);
    if (run_id.IsFailure()) return run_id.Error();
    key = {ref.namespace_id, ref.workflow_id, run_id.Value()};
  }
  auto begun = Begin(key);
  if (begun.IsFailure()) {
    if (ref.workflow_id.empty() && ref.task_token.empty() &&
        begun.Error().Code() == errors::kNotFound) {
      return hugo::Error::From("activity not found for ID: " + ref.activity_id, errors::kNotFound);
    }
    return begun.Error();
  }
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  const bool standalone = state.has_standalone_activity();
  if (!IsRunning(state)) {
    if (standalone) {
      return hugo::Error::From(
          "activity not found for ID: " + state.standalone_activity().activity_id(),
          errors::kNotFound);
    }
    return hugo::Error::From("workflow execution already completed", errors::kNotFound);
  }
  ActivityInfo* found = nullptr;
  for (auto& [scheduled_event_id, activity] : *state.mutable_activities()) {
    if (token.has_value() ? scheduled_event_id == token->scheduled_event_id()
                          : activity.activity_id() == ref.activity_id) {
      found = &activity;
      break;
    }
  }
  // A token names one attempt: a late answer of an earlier attempt changes nothing.
  if (found == nullptr || !found->started() ||
      (token.has_value() && found->attempt() != token->attempt())) {
    if (standalone) {
      return hugo::Error::From(
          "activity not found for ID: " + state.standalone_activity().activity_id(),
          errors::kNotFound);
    }
    return token.has_value() ? ActivityNotFound() : PendingActivityNotFound(ref.activity_id);
  }
  *info = found;
  return begun;
}

int64_t Engine::AppendActivityStarted(Mutation& m, const ActivityInfo& info) {
  auto* event = AppendOrBuffer(m, enums::EVENT_TYPE_ACTIVITY_TASK_STARTED);
  // Written when the attempt ends, dated when it started (the reference overwrites the event
  // time with the activity's started time).
  if (IsSet(info.started_time())) *event->mutable_event_time() = info.started_time();
  auto* started = event->mutable_activity_task_started_event_attributes();
  started->set_scheduled_event_id(info.scheduled_event_id());
  started->set_identity(info.started_identity());
  started->set_request_id(info.started_request_id());
  started->set_attempt(info.attempt());
  if (info.has_last_failure()) *started->mutable_last_failure() = info.last_failure();
  // Buffered events are numbered when flushed; the outcome names the placeholder until then.
  return event->event_id() != 0 ? event->event_id() : -info.scheduled_event_id();
}

hugo::Result<hugo::Unit> Engine::CompleteActivity(
    const ActivityRef& ref, const temporal::api::common::v1::Payloads& result) {
  ActivityInfo* info = nullptr;
  auto begun = BeginActivity(ref, &info);
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  if (m.run.state.has_standalone_activity()) {
    if (!ref.identity.empty()) info->set_last_worker_identity(ref.identity);
    *info->mutable_last_attempt_complete_time() = now_();
    CloseStandaloneActivity(m, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED, &result, nullptr);
    return Commit(m);
  }
  const int64_t scheduled_id = info->scheduled_event_id();
  const int64_t started_id = AppendActivityStarted(m, *info);
  auto* completed = AppendOrBuffer(m, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
                        ->mutable_activity_task_completed_event_attributes();
  if (result.payloads_size() > 0) *completed->mutable_result() = result;
  completed->set_scheduled_event_id(scheduled_id);
  completed->set_started_event_id(started_id);
  completed->set_identity(ref.identity);
  m.run.state.mutable_activities()->erase(scheduled_id);
  EnsureWorkflowTask(m);
  return Commit(m);
}

hugo::Result<hugo::Unit> Engine::FailActivity(const ActivityRef& ref,
                                              const temporal::api::failure::v1::Failure& failure,
                                              const temporal::api::common::v1::Payloads* details) {
  ActivityInfo* info = nullptr;
  auto begun = BeginActivity(ref, &info);
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  if (details != nullptr && details->payloads_size() > 0) {
    *info->mutable_heartbeat_details() = *details;
  }
  FailActivityAttempt(m, *info, failure, std::nullopt, ref.identity);
  return Commit(m);
}

hugo::Result<hugo::Unit> Engine::CancelActivity(
    const ActivityRef& ref, const temporal::api::common::v1::Payloads& details) {
  ActivityInfo* info = nullptr;
  auto begun = BeginActivity(ref, &info);
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  if (m.run.state.has_standalone_activity()) {
    // Only a cancellation the client asked for may end it canceled (reference: the activity
    // state machine has no STARTED -> CANCELED transition).
    if (!info->cancel_requested()) {
      return hugo::Error::From("invalid transition from Started", errors::kFailedPrecondition);
    }
    temporal::api::failure::v1::Failure canceled;
    canceled.set_message("Activity canceled");
    auto* canceled_info = canceled.mutable_canceled_failure_info();
    if (details.payloads_size() > 0) *canceled_info->mutable_details() = details;
    canceled_info->set_identity(m.run.state.standalone_activity().cancel_identity());
    if (!ref.identity.empty()) info->set_last_worker_identity(ref.identity);
    CloseStandaloneActivity(m, enums::WORKFLOW_EXECUTION_STATUS_CANCELED, nullptr, &canceled);
    return Commit(m);
  }
  const int64_t scheduled_id = info->scheduled_event_id();
  const int64_t cancel_requested_id = info->cancel_requested_event_id();
  const int64_t started_id = AppendActivityStarted(m, *info);
  auto* canceled = AppendOrBuffer(m, enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED)
                       ->mutable_activity_task_canceled_event_attributes();
  if (details.payloads_size() > 0) *canceled->mutable_details() = details;
  canceled->set_latest_cancel_requested_event_id(cancel_requested_id);
  canceled->set_scheduled_event_id(scheduled_id);
  canceled->set_started_event_id(started_id);
  canceled->set_identity(ref.identity);
  m.run.state.mutable_activities()->erase(scheduled_id);
  EnsureWorkflowTask(m);
  return Commit(m);
}

hugo::Result<Engine::HeartbeatAnswer> Engine::HeartbeatActivity(
    const ActivityRef& ref, const temporal::api::common::v1::Payloads& details) {
  ActivityInfo* info = nullptr;
  auto begun = BeginActivity(ref, &info);
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  if (details.payloads_size() > 0) {
    *info->mutable_heartbeat_details() = details;
  }
  *info->mutable_last_heartbeat_time() = now_();
  const HeartbeatAnswer answer{info->cancel_requested(), info->paused(), info->activity_reset()};
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(answer);
}

void Engine::FailActivityAttempt(Mutation& m, ActivityInfo& info,
                                 const temporal::api::failure::v1::Failure& failure,
                                 std::optional<enums::TimeoutType> timeout_type,
                                 const std::string& identity) {
  // A retryable failure of a paused activity parks its next attempt, whatever its attempts and
  // expiration (reference: RetryActivity): UnpauseActivity or ResetActivity dispatches it.
  if (info.paused() && !info.cancel_requested() &&
      IsRetryableFailure(&failure, info.retry_policy())) {
    NextActivityAttempt(info, failure);
    info.set_retry_pending(true);
    return;
  }
  const RetryDecision decision = NextActivityRetry(
      &info.retry_policy(), info.attempt(), info.cancel_requested(), &failure,
      ActivityRetryExpiration(info.scheduled_time(), info.schedule_to_close_timeout()), now_());
  if (decision.state == enums::RETRY_STATE_IN_PROGRESS) {
    // The next attempt: nothing in history, the failure is kept for its Started event.
    NextActivityAttempt(info, failure);
    ScheduleActivityAttempt(m, info, After(decision.backoff));
    return;
  }
  if (m.run.state.has_standalone_activity()) {
    CloseStandaloneAfterFailure(m, info, failure, timeout_type, identity, decision.state);
    return;
  }
  const int64_t scheduled_id = info.scheduled_event_id();
  const int64_t started_id = info.started() ? AppendActivityStarted(m, info) : 0;
  if (timeout_type.has_value()) {
    auto* timed_out = AppendOrBuffer(m, enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT)
                          ->mutable_activity_task_timed_out_event_attributes();
    *timed_out->mutable_failure() = ActivityTimedOutEventFailure(
        *timeout_type, decision.state,
        info.has_heartbeat_details() ? &info.heartbeat_details() : nullptr);
    if (info.has_last_failure()) {
      *timed_out->mutable_failure()->mutable_cause() = info.last_failure();
    }
    timed_out->set_scheduled_event_id(scheduled_id);
    timed_out->set_started_event_id(started_id);
    timed_out->set_retry_state(decision.state);
  } else {
    auto* failed = AppendOrBuffer(m, enums::EVENT_TYPE_ACTIVITY_TASK_FAILED)
                       ->mutable_activity_task_failed_event_attributes();
    *failed->mutable_failure() = failure;
    failed->set_scheduled_event_id(scheduled_id);
    failed->set_started_event_id(started_id);
    failed->set_identity(identity);
    failed->set_retry_state(decision.state);
  }
  m.run.state.mutable_activities()->erase(scheduled_id);
  EnsureWorkflowTask(m);
}

void Engine::NextActivityAttempt(ActivityInfo& info,
                                 const temporal::api::failure::v1::Failure& failure) {
  *info.mutable_last_attempt_complete_time() = now_();
  info.set_attempt(info.attempt() + 1);
  info.set_started(false);
  info.clear_started_time();
  info.clear_started_request_id();
  info.clear_started_identity();
  info.clear_last_heartbeat_time();
  *info.mutable_last_failure() = failure;
  if (info.last_failure().has_timeout_failure_info()) {
    // Heartbeat details reach the next attempt through its poll response only.
    info.mutable_last_failure()->mutable_timeout_failure_info()->clear_last_heartbeat_details();
  }
}

void Engine::ScheduleActivityAttempt(Mutation& m, ActivityInfo& info,
                                     const google::protobuf::Timestamp& at) {
  // The attempt is set up: a reset's marks end here (reference: UpdateActivityInfoForRetries).
  info.set_activity_reset(false);
  if (info.reset_heartbeats()) {
    info.clear_heartbeat_details();
    info.clear_last_heartbeat_time();
    info.set_reset_heartbeats(false);
  }
  info.set_started(false);
  if (ToMillis(at) <= NowMs()) {
    info.set_retry_pending(false);
    *info.mutable_current_attempt_scheduled_time() = now_();
    DispatchActivityAttempt(m, info);
    return;
  }
  info.set_retry_pending(true);
  *info.mutable_current_attempt_scheduled_time() = at;
  TimerTask retry;
  retry.set_kind(TimerTask::KIND_ACTIVITY_RETRY);
  retry.set_scheduled_event_id(info.scheduled_event_id());
  retry.set_attempt(info.attempt());
  retry.set_stamp(info.stamp());
  AddTimer(m, std::move(retry), at);
}

void Engine::ArmActivityTimeouts(Mutation& m, const ActivityInfo& info) {
  for (enums::TimeoutType type :
       {enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, enums::TIMEOUT_TYPE_START_TO_CLOSE,
        enums::TIMEOUT_TYPE_HEARTBEAT}) {
    const std::optional<google::protobuf::Timestamp> deadline = ActivityDeadline(info, type);
    if (deadline.has_value()) AddTimer(m, ActivityTimeout(info, type), *deadline);
  }
}

bool Engine::OnActivityTimeout(Mutation& m, const TimerTask& timer) {
  MutableState& state = m.run.state;
  auto found = state.mutable_activities()->find(timer.scheduled_event_id());
  if (found == state.mutable_activities()->end()) return false;
  ActivityInfo& info = found->second;
  // Nothing times out while paused; the unpause arms the timeouts again.
  if (info.paused()) return false;
  const auto type = static_cast<enums::TimeoutType>(timer.timeout_type());
  if (type != enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE && info.attempt() != timer.attempt()) {
    return false;
  }
  switch (type) {
    case enums::TIMEOUT_TYPE_SCHEDULE_TO_START:
      if (info.started() || info.retry_pending()) return false;
      break;
    case enums::TIMEOUT_TYPE_START_TO_CLOSE:
    case enums::TIMEOUT_TYPE_HEARTBEAT:
      if (!info.started()) return false;
      break;
    default:
      break;
  }
  // The deadline by the activity's options now: a heartbeat since the timer was set, or options
  // changed since (UpdateActivityOptions), move it; a timeout no longer set does not fire.
  const std::optional<google::protobuf::Timestamp> deadline = ActivityDeadline(info, type);
  if (!deadline.has_value()) return false;
  if (ToMillis(*deadline) > NowMs()) {
    AddTimer(m, ActivityTimeout(info, type), *deadline);
    return true;
  }
  FailActivityAttempt(m, info, ActivityTimeoutFailure(type), type, std::string());
  return true;
}

bool Engine::OnActivityRetry(Mutation& m, const TimerTask& timer) {
  MutableState& state = m.run.state;
  auto found = state.mutable_activities()->find(timer.scheduled_event_id());
  if (found == state.mutable_activities()->end()) return false;
  ActivityInfo& info = found->second;
  if (info.attempt() != timer.attempt() || info.stamp() != timer.stamp() || info.paused() ||
      !info.retry_pending()) {
    return false;
  }
  info.set_retry_pending(false);
  *info.mutable_current_attempt_scheduled_time() = now_();
  DispatchActivityAttempt(m, info);
  return true;
}

bool Engine::OnUserTimer(Mutation& m, const TimerTask& timer) {
  MutableState& state = m.run.state;
  auto found = state.mutable_timers()->find(timer.timer_id());
  if (found == state.mutable_timers()->end() ||
      found->second.started_event_id() != timer.started_event_id()) {
    return false;
  }
  auto* fired =
      AppendOrBuffer(m, enums::EVENT_TYPE_TIMER_FIRED)->mutable_timer_fired_event_attributes();
  fired->set_timer_id(timer.timer_id());
  fired->set_started_event_id(timer.started_event_id());
  state.mutable_timers()->erase(found);
  EnsureWorkflowTask(m);
  return true;
}

void Engine::CloseStandaloneAfterFailure(Mutation& m, ActivityInfo& info,
                                         const temporal::api::failure::v1::Failure& failure,
                                         std::optional<enums::TimeoutType> timeout_type,
                                         const std::string& identity,
                                         enums::RetryState retry_state) {
  m.run.state.mutable_standalone_activity()->set_retry_state(retry_state);
  if (timeout_type.has_value()) {
    // reference: "activity <Type> timeout" with the last heartbeat, caused by the previous
    // attempt's failure ("Not enough time ..." when a retry would not fit the schedule-to-close).
    temporal::api::failure::v1::Failure timed_out = ActivityTimedOutEventFailure(
        *timeout_type, retry_state,
        info.has_heartbeat_details() ? &info.heartbeat_details() : nullptr);
    if (info.has_last_failure()) *timed_out.mutable_cause() = info.last_failure();
    if (*timeout_type == enums::TIMEOUT_TYPE_START_TO_CLOSE ||
        *timeout_type == enums::TIMEOUT_TYPE_HEARTBEAT) {
      *info.mutable_last_failure() = ActivityTimeoutFailure(*timeout_type);
      *info.mutable_last_attempt_complete_time() = now_();
    }
    CloseStandaloneActivity(m, enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT, nullptr, &timed_out);
    return;
  }
  temporal::api::failure::v1::Failure failed = failure;
  if (failed.message().empty() &&
      failed.failure_info_case() == temporal::api::failure::v1::Failure::FAILURE_INFO_NOT_SET) {
    failed.set_message("activity task failed without failure details");
  }
  *info.mutable_last_failure() = failed;
  *info.mutable_last_attempt_complete_time() = now_();
  if (!identity.empty()) info.set_last_worker_identity(identity);
  CloseStandaloneActivity(m, enums::WORKFLOW_EXECUTION_STATUS_FAILED, nullptr, &failed);
}

}  // namespace hdo::history
