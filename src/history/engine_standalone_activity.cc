// Standalone activities: an activity a client starts on its own (StartActivityExecution) and
// waits for (PollActivityExecution), describes, cancels, terminates and deletes. Each is a run of
// its own id space (workflow id StandaloneActivityKey(activity id)) whose MutableState holds one
// ActivityInfo (activities[1]) and the StandaloneActivity record; no history is written. The
// activity paths of engine_activity.cc serve its worker (poll, heartbeat, completion by token or
// by id, retries, timeouts); where a workflow's activity would write its outcome into history,
// the run closes with it (CloseStandaloneActivity). Semantics: the reference's chasm/lib/activity
// (docs/architecture/history.md, "Standalone activities").
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error_codes.h"
#include "history/commands.h"
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
namespace activity_pb = temporal::api::activity::v1;
using persistence::v1::ActivityInfo;
using persistence::v1::MutableState;
using persistence::v1::StandaloneActivity;
using persistence::v1::StandaloneActivityPollToken;

// The run's one activity: activities[kActivityKey] while it runs.
constexpr int64_t kActivityKey = 1;
// Not a character a client types: the activities' ids never meet the workflows'.
constexpr char kKeyPrefix[] =
    "\x1f"
    "activity"
    "\x1f";

hugo::Error FailedPrecondition(std::string message) {
  return hugo::Error::From(std::move(message), errors::kFailedPrecondition);
}

hugo::Error ActivityNotFound(const std::string& activity_id) {
  return NotFound("activity not found for ID: " + activity_id);
}

enums::ActivityExecutionStatus ActivityStatus(const MutableState& state) {
  switch (state.status()) {
    case enums::WORKFLOW_EXECUTION_STATUS_RUNNING:
      return enums::ACTIVITY_EXECUTION_STATUS_RUNNING;
    case enums::WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return enums::ACTIVITY_EXECUTION_STATUS_COMPLETED;
    case enums::WORKFLOW_EXECUTION_STATUS_FAILED:
      return enums::ACTIVITY_EXECUTION_STATUS_FAILED;
    case enums::WORKFLOW_EXECUTION_STATUS_CANCELED:
      return enums::ACTIVITY_EXECUTION_STATUS_CANCELED;
    case enums::WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return enums::ACTIVITY_EXECUTION_STATUS_TERMINATED;
    case enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return enums::ACTIVITY_EXECUTION_STATUS_TIMED_OUT;
    default:
      return enums::ACTIVITY_EXECUTION_STATUS_UNSPECIFIED;
  }
}

// The status as the reference's messages name it ("Completed", "TimedOut").
std::string StatusName(const MutableState& state) {
  return EnumShorthand(enums::ActivityExecutionStatus_Name(ActivityStatus(state)),
                       "ACTIVITY_EXECUTION_STATUS_");
}

// The activity's ActivityInfo: the pending one while it runs, the one kept at close after.
const ActivityInfo& InfoOf(const MutableState& state) {
  auto found = state.activities().find(kActivityKey);
  if (found != state.activities().end()) return found->second;
  return state.standalone_activity().closed_info();
}

void AddLink(const std::string& namespace_name, const MutableState& state,
             temporal::api::common::v1::Link* link) {
  auto* activity = link->mutable_activity();
  activity->set_namespace_(namespace_name);
  activity->set_activity_id(state.standalone_activity().activity_id());
  activity->set_run_id(state.run_id());
}

hugo::Error AlreadyStarted(const persistence::CurrentRun& current) {
  return hugo::Error::From("activity execution already started", errors::kActivityAlreadyStarted)
      .WithMetadata("start_request_id", current.create_request_id)
      .WithMetadata("run_id", current.run_id);
}

activity_pb::ActivityExecutionOutcome OutcomeOf(const MutableState& state) {
  activity_pb::ActivityExecutionOutcome outcome;
  const StandaloneActivity& activity = state.standalone_activity();
  if (state.status() == enums::WORKFLOW_EXECUTION_STATUS_COMPLETED) {
    *outcome.mutable_result() = activity.result();
  } else {
    *outcome.mutable_failure() = activity.failure();
    outcome.set_retry_state(static_cast<enums::RetryState>(activity.retry_state()));
  }
  return outcome;
}

// The start's completion callbacks, waiting for the close (a Nexus operation the activity backs).
void AddCallbacks(MutableState& state, const wf::StartActivityExecutionRequest& request,
                  const google::protobuf::Timestamp& now) {
  for (const auto& callback : request.completion_callbacks()) {
    auto* info = state.add_callbacks();
    *info->mutable_callback() = callback;
    *info->mutable_registration_time() = now;
    info->set_state(enums::CALLBACK_STATE_STANDBY);
  }
}

}  // namespace

std::string Engine::StandaloneActivityKey(const std::string& activity_id) {
  return kKeyPrefix + activity_id;
}

hugo::Result<persistence::RunKey> Engine::StandaloneActivityRun(const std::string& namespace_id,
                                                                const std::string& activity_id,
                                                                const std::string& run_id) {
  const std::string key = StandaloneActivityKey(activity_id);
  if (!run_id.empty()) return hugo::Ok(persistence::RunKey{namespace_id, key, run_id});
  auto current = store_->GetCurrentRun(namespace_id, key);
  if (current.IsFailure()) {
    if (current.Error().Code() == persistence::kErrorNotFound) return ActivityNotFound(activity_id);
    return current.Error();
  }
  return hugo::Ok(persistence::RunKey{namespace_id, key, current.Value().run_id});
}

hugo::Result<Engine::Mutation> Engine::BeginStandaloneActivity(const std::string& namespace_id,
                                                               const std::string& activity_id,
                                                               const std::string& run_id) {
  auto key = StandaloneActivityRun(namespace_id, activity_id, run_id);
  if (key.IsFailure()) return key.Error();
  auto begun = Begin(key.Value());
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) return ActivityNotFound(activity_id);
    return begun.Error();
  }
  if (!begun.Value().run.state.has_standalone_activity()) return ActivityNotFound(activity_id);
  return begun;
}

hugo::Result<const Engine::LoadedRun*> Engine::PeekStandaloneActivity(
    const persistence::RunKey& key, const std::string& activity_id) {
  auto peeked = PeekRun(key);
  if (peeked.IsFailure()) {
    if (peeked.Error().Code() == errors::kNotFound) return ActivityNotFound(activity_id);
    return peeked.Error();
  }
  if (!peeked.Value()->state.has_standalone_activity()) return ActivityNotFound(activity_id);
  return peeked;
}

hugo::Result<wf::StartActivityExecutionResponse> Engine::StartActivityExecution(
    const std::string& namespace_id, const wf::StartActivityExecutionRequest& request) {
  const std::string key = StandaloneActivityKey(request.activity_id());
  const std::string namespace_name = NamespaceNameOf(namespace_id);
  persistence::RunWrite write;
  write.current_mode = persistence::CurrentRunMode::kCreate;
  write.create_request_id = request.request_id();
  auto current = store_->GetCurrentRun(namespace_id, key);
  if (current.IsSuccess()) {
    const persistence::CurrentRun& existing = current.Value();
    auto answer_existing = [&]() -> hugo::Result<wf::StartActivityExecutionResponse> {
      wf::StartActivityExecutionResponse response;
      response.set_run_id(existing.run_id);
      response.set_started(false);
      auto peeked = PeekRun({namespace_id, key, existing.run_id});
      if (peeked.IsFailure()) return peeked.Error();
      AddLink(namespace_name, peeked.Value()->state, response.mutable_link());
      return hugo::Ok(std::move(response));
    };
    // A retried start (its request id created or joined the run) gets the run, whatever its state.
    bool same_request = existing.create_request_id == request.request_id();
    if (!same_request) {
      auto peeked = PeekRun({namespace_id, key, existing.run_id});
      if (peeked.IsFailure()) return peeked.Error();
      const auto& attached = peeked.Value()->state.attached_request_ids();
      same_request =
          std::find(attached.begin(), attached.end(), request.request_id()) != attached.end();
    }
    if (same_request) return answer_existing();
    if (existing.status == enums::WORKFLOW_EXECUTION_STATUS_RUNNING) {
      if (request.id_conflict_policy() != enums::ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING) {
        return AlreadyStarted(existing);
      }
      // Joining the running activity: its request id and links attached when asked to.
      const auto& on_conflict = request.on_conflict_options();
      if (on_conflict.attach_request_id() ||
          (on_conflict.attach_links() && request.links_size() > 0) ||
          (on_conflict.attach_completion_callbacks() && request.completion_callbacks_size() > 0)) {
        auto begun = Begin({namespace_id, key, existing.run_id});
        if (begun.IsFailure()) return begun.Error();
        Mutation& m = begun.Value();
        if (on_conflict.attach_request_id()) {
          m.run.state.add_attached_request_ids(request.request_id());
        }
        if (on_conflict.attach_links()) {
          for (const auto& link : request.links()) {
            *m.run.state.mutable_standalone_activity()->add_links() = link;
          }
        }
        if (on_conflict.attach_completion_callbacks()) AddCallbacks(m.run.state, request, now_());
        auto committed = Commit(m);
        if (committed.IsFailure()) return committed.Error();
      }
      return answer_existing();
    }
    switch (request.id_reuse_policy()) {
      case enums::ACTIVITY_ID_REUSE_POLICY_REJECT_DUPLICATE:
        return AlreadyStarted(existing);
      case enums::ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY:
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
  state.set_workflow_type(request.activity_type().name());
  state.set_task_queue(request.task_queue().name());
  if (request.has_priority()) *state.mutable_priority() = request.priority();
  state.set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  state.set_next_event_id(1);
  state.set_create_request_id(request.request_id());
  state.set_attempt(1);
  *state.mutable_start_time() = now_();
  const google::protobuf::Timestamp dispatch_at = AddDuration(now_(), request.start_delay());
  *state.mutable_execution_time() = dispatch_at;
  state.set_root_workflow_id(key);
  state.set_root_run_id(run_id);
  *state.mutable_search_attributes() = request.search_attributes();
  auto applied = ApplySearchAttributes(state, request.search_attributes());
  if (applied.IsFailure()) return applied.Error();
  // Lists of workflows leave the activity out (their implicit TemporalNamespaceDivision IS NULL);
  // lists of activities ask for this division.
  nlohmann::json attributes =
      state.visibility_search_attributes().empty()
          ? nlohmann::json::object()
          : nlohmann::json::parse(state.visibility_search_attributes(), nullptr, false);
  if (!attributes.is_object()) attributes = nlohmann::json::object();
  attributes[visibility::kTemporalNamespaceDivision] = visibility::kStandaloneActivityDivision;
  state.set_visibility_search_attributes(attributes.dump());

  StandaloneActivity* activity = state.mutable_standalone_activity();
  activity->set_activity_id(request.activity_id());
  activity->set_identity(request.identity());
  if (request.has_user_metadata()) *activity->mutable_user_metadata() = request.user_metadata();
  *activity->mutable_links() = request.links();
  AddCallbacks(state, request, now_());

  ActivityInfo& info = (*state.mutable_activities())[kActivityKey];
  info.set_scheduled_event_id(kActivityKey);
  info.set_activity_id(request.activity_id());
  info.set_activity_type(request.activity_type().name());
  info.set_task_queue(request.task_queue().name());
  *info.mutable_schedule_to_close_timeout() = request.schedule_to_close_timeout();
  *info.mutable_schedule_to_start_timeout() = request.schedule_to_start_timeout();
  *info.mutable_start_to_close_timeout() = request.start_to_close_timeout();
  *info.mutable_heartbeat_timeout() = request.heartbeat_timeout();
  *info.mutable_retry_policy() = request.retry_policy();
  if (request.has_header()) *info.mutable_header() = request.header();
  if (request.has_input()) *info.mutable_input() = request.input();
  if (request.has_priority()) *info.mutable_priority() = request.priority();
  // The deadlines count from the first dispatch (the start delay extends them, as the
  // reference's); Describe shows the request's time as the schedule time.
  *info.mutable_scheduled_time() = dispatch_at;
  info.set_attempt(1);
  ArmActivityTimeouts(m, info);
  ScheduleActivityAttempt(m, info, dispatch_at);
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  wf::StartActivityExecutionResponse response;
  response.set_run_id(run_id);
  response.set_started(true);
  AddLink(namespace_name, m.run.state, response.mutable_link());
  return hugo::Ok(std::move(response));
}

void Engine::CloseStandaloneActivity(Mutation& m, enums::WorkflowExecutionStatus status,
                                     const temporal::api::common::v1::Payloads* result,
                                     const temporal::api::failure::v1::Failure* failure) {
  MutableState& state = m.run.state;
  StandaloneActivity* activity = state.mutable_standalone_activity();
  auto found = state.mutable_activities()->find(kActivityKey);
  if (found != state.mutable_activities()->end()) {
    *activity->mutable_closed_info() = found->second;
    state.mutable_activities()->erase(found);
  }
  if (result != nullptr) *activity->mutable_result() = *result;
  if (failure != nullptr) *activity->mutable_failure() = *failure;
  Close(m, status);
  if (state.callbacks_size() > 0) {
    // The callbacks report the outcome as a handler workflow's close would (ProcessCallbacks):
    // a completed result, or the activity's failure.
    temporal::api::history::v1::HistoryEvent close;
    switch (status) {
      case enums::WORKFLOW_EXECUTION_STATUS_COMPLETED:
        close.set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
        if (result != nullptr) {
          *close.mutable_workflow_execution_completed_event_attributes()->mutable_result() =
              *result;
        }
        break;
      case enums::WORKFLOW_EXECUTION_STATUS_CANCELED:
        close.set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
        if (failure != nullptr && failure->canceled_failure_info().has_details()) {
          *close.mutable_workflow_execution_canceled_event_attributes()->mutable_details() =
              failure->canceled_failure_info().details();
        }
        break;
      default:
        close.set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
        if (failure != nullptr) {
          *close.mutable_workflow_execution_failed_event_attributes()->mutable_failure() = *failure;
        }
        break;
    }
    QueueCallbacks(m, close);
  }
}

// --- describe and poll ---------------------------------------------------------------------------

namespace {

// The activity as DescribeActivityExecution shows it (reference: Activity.buildActivityInfo).
activity_pb::ActivityExecutionInfo DescribeInfo(const MutableState& state,
                                                const wf::DescribeActivityExecutionRequest& request,
                                                const google::protobuf::Timestamp& now) {
  const StandaloneActivity& activity = state.standalone_activity();
  const ActivityInfo& info = InfoOf(state);
  const bool running = IsRunning(state);
  activity_pb::ActivityExecutionInfo out;
  out.set_activity_id(activity.activity_id());
  out.set_run_id(state.run_id());
  out.mutable_activity_type()->set_name(info.activity_type());
  out.set_status(ActivityStatus(state));
  if (running) {
    out.set_run_state(info.started() ? (info.cancel_requested()
                                            ? enums::PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
                                            : enums::PENDING_ACTIVITY_STATE_STARTED)
                                     : enums::PENDING_ACTIVITY_STATE_SCHEDULED);
  }
  out.set_task_queue(info.task_queue());
  *out.mutable_schedule_to_close_timeout() = info.schedule_to_close_timeout();
  *out.mutable_schedule_to_start_timeout() = info.schedule_to_start_timeout();
  *out.mutable_start_to_close_timeout() = info.start_to_close_timeout();
  *out.mutable_heartbeat_timeout() = info.heartbeat_timeout();
  *out.mutable_retry_policy() = info.retry_policy();
  if (request.include_heartbeat_details() && info.has_heartbeat_details()) {
    *out.mutable_heartbeat_details() = info.heartbeat_details();
  }
  if (IsSet(info.last_heartbeat_time())) {
    *out.mutable_last_heartbeat_time() = info.last_heartbeat_time();
  }
  if (IsSet(info.started_time())) *out.mutable_last_started_time() = info.started_time();
  out.set_attempt(info.attempt());
  *out.mutable_schedule_time() = state.start_time();
  *out.mutable_execution_time() = state.execution_time();
  const int64_t delay_ms = ToMillis(state.execution_time()) - ToMillis(state.start_time());
  *out.mutable_start_delay() = DurationFromMillis(std::max<int64_t>(0, delay_ms));
  if (!IsZero(info.schedule_to_close_timeout())) {
    *out.mutable_expiration_time() =
        AddDuration(state.execution_time(), info.schedule_to_close_timeout());
  }
  if (!running && state.has_close_time()) {
    *out.mutable_close_time() = state.close_time();
    *out.mutable_execution_duration() =
        DurationFromMillis(ToMillis(state.close_time()) - ToMillis(state.start_time()));
  }
  if (request.include_last_failure() && info.has_last_failure()) {
    *out.mutable_last_failure() = info.last_failure();
  }
  out.set_last_worker_identity(info.last_worker_identity());
  // Waiting for the next attempt (a retry's backoff or the start delay).
  if (running && !info.started() && info.retry_pending() &&
      ToMillis(info.current_attempt_scheduled_time()) > ToMillis(now)) {
    *out.mutable_next_attempt_schedule_time() = info.current_attempt_scheduled_time();
    if (info.attempt() > 1 && IsSet(info.last_attempt_complete_time())) {
      *out.mutable_current_retry_interval() =
          DurationFromMillis(ToMillis(info.current_attempt_scheduled_time()) -
                             ToMillis(info.last_attempt_complete_time()));
    }
  }
  if (IsSet(info.last_attempt_complete_time())) {
    *out.mutable_last_attempt_complete_time() = info.last_attempt_complete_time();
  }
  if (info.has_priority()) *out.mutable_priority() = info.priority();
  out.set_state_transition_count(state.state_transition_count());
  out.set_state_size_bytes(static_cast<int64_t>(state.ByteSizeLong()));
  *out.mutable_search_attributes() = state.search_attributes();
  if (info.has_header()) *out.mutable_header() = info.header();
  if (activity.has_user_metadata()) *out.mutable_user_metadata() = activity.user_metadata();
  out.set_canceled_reason(activity.canceled_reason());
  *out.mutable_links() = activity.links();
  return out;
}

std::string PollTokenOf(const MutableState& state) {
  StandaloneActivityPollToken token;
  token.set_namespace_id(state.namespace_id());
  token.set_activity_id(state.standalone_activity().activity_id());
  token.set_run_id(state.run_id());
  token.set_state_transition_count(state.state_transition_count());
  return token.SerializeAsString();
}

}  // namespace

uint64_t Engine::WaitForActivity(const std::string& run_id, std::function<bool()> answer,
                                 std::function<void()> expire, std::chrono::milliseconds wait) {
  auto waiter = std::make_shared<ActivityWaiter>();
  waiter->id = next_activity_wait_id_++;
  waiter->run_id = run_id;
  waiter->answer = std::move(answer);
  waiter->expire = std::move(expire);
  waiter->timer = std::make_unique<asio::steady_timer>(executor_);
  waiter->timer->expires_after(wait);
  activity_waiters_.emplace(run_id, waiter);
  activity_waits_.emplace(waiter->id, waiter);
  waiter->timer->async_wait([this, waiter](const std::error_code& error) {
    if (error) return;  // answered or cancelled: the timer was cancelled
    CancelActivityWait(waiter->id);
  });
  return waiter->id;
}

void Engine::CancelActivityWait(uint64_t wait_id) {
  auto found = activity_waits_.find(wait_id);
  if (found == activity_waits_.end()) return;
  std::shared_ptr<ActivityWaiter> waiter = found->second;
  activity_waits_.erase(found);
  auto [begin, end] = activity_waiters_.equal_range(waiter->run_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second == waiter) {
      activity_waiters_.erase(it);
      break;
    }
  }
  waiter->timer->cancel();
  waiter->expire();
}

void Engine::WakeActivityWaiters(const std::string& run_id) {
  auto [begin, end] = activity_waiters_.equal_range(run_id);
  if (begin == end) return;
  std::vector<std::shared_ptr<ActivityWaiter>> waiting;
  for (auto it = begin; it != end; ++it) waiting.push_back(it->second);
  activity_waiters_.erase(begin, end);
  for (auto& waiter : waiting) {
    if (waiter->answer()) {
      waiter->timer->cancel();
      activity_waits_.erase(waiter->id);
    } else {
      activity_waiters_.emplace(run_id, waiter);
    }
  }
}

uint64_t Engine::DescribeActivityExecution(const std::string& namespace_id,
                                           const wf::DescribeActivityExecutionRequest& request,
                                           std::chrono::milliseconds wait,
                                           Done<wf::DescribeActivityExecutionResponse> done) {
  std::optional<StandaloneActivityPollToken> token;
  if (!request.long_poll_token().empty()) {
    StandaloneActivityPollToken decoded;
    if (!decoded.ParseFromString(request.long_poll_token())) {
      done(InvalidArgument("invalid long poll token"));
      return 0;
    }
    if (decoded.namespace_id() != namespace_id || decoded.activity_id() != request.activity_id() ||
        decoded.run_id() != request.run_id()) {
      done(InvalidArgument("long poll token does not match execution"));
      return 0;
    }
    token = decoded;
  }
  auto key = StandaloneActivityRun(namespace_id, request.activity_id(), request.run_id());
  if (key.IsFailure()) {
    done(key.Error());
    return 0;
  }
  // Answers from the run as it is now; false while the token's state is still the newest.
  auto answer = [this, key = key.Value(), request, token, done]() -> bool {
    auto peeked = PeekStandaloneActivity(key, request.activity_id());
    if (peeked.IsFailure()) {
      done(peeked.Error());
      return true;
    }
    const MutableState& state = peeked.Value()->state;
    if (token.has_value() && state.state_transition_count() <= token->state_transition_count()) {
      return false;
    }
    wf::DescribeActivityExecutionResponse response;
    response.set_run_id(state.run_id());
    *response.mutable_info() = DescribeInfo(state, request, now_());
    if (request.include_input() && InfoOf(state).has_input()) {
      *response.mutable_input() = InfoOf(state).input();
    }
    if (request.include_outcome() && !IsRunning(state))
      *response.mutable_outcome() = OutcomeOf(state);
    response.set_long_poll_token(PollTokenOf(state));
    for (const auto& callback : state.callbacks()) {
      auto* out = response.add_callbacks();
      out->mutable_trigger()->mutable_activity_closed();
      auto* info = out->mutable_info();
      *info->mutable_callback() = callback.callback();
      *info->mutable_registration_time() = callback.registration_time();
      info->set_state(static_cast<enums::CallbackState>(callback.state()));
      info->set_attempt(callback.attempt());
      if (callback.has_last_attempt_complete_time()) {
        *info->mutable_last_attempt_complete_time() = callback.last_attempt_complete_time();
      }
      if (callback.has_last_attempt_failure()) {
        *info->mutable_last_attempt_failure() = callback.last_attempt_failure();
      }
      if (callback.has_next_attempt_schedule_time()) {
        *info->mutable_next_attempt_schedule_time() = callback.next_attempt_schedule_time();
      }
      info->set_blocked_reason(callback.blocked_reason());
    }
    done(hugo::Ok(std::move(response)));
    return true;
  };
  if (answer()) return 0;
  return WaitForActivity(
      key.Value().run_id, answer,
      [done] { done(hugo::Ok(wf::DescribeActivityExecutionResponse())); }, wait);
}

uint64_t Engine::PollActivityExecution(const std::string& namespace_id,
                                       const wf::PollActivityExecutionRequest& request,
                                       std::chrono::milliseconds wait,
                                       Done<wf::PollActivityExecutionResponse> done) {
  auto key = StandaloneActivityRun(namespace_id, request.activity_id(), request.run_id());
  if (key.IsFailure()) {
    done(key.Error());
    return 0;
  }
  auto answer = [this, key = key.Value(), request, done]() -> bool {
    auto peeked = PeekStandaloneActivity(key, request.activity_id());
    if (peeked.IsFailure()) {
      done(peeked.Error());
      return true;
    }
    const MutableState& state = peeked.Value()->state;
    if (IsRunning(state)) return false;
    wf::PollActivityExecutionResponse response;
    response.set_run_id(state.run_id());
    *response.mutable_outcome() = OutcomeOf(state);
    done(hugo::Ok(std::move(response)));
    return true;
  };
  if (answer()) return 0;
  return WaitForActivity(
      key.Value().run_id, answer, [done] { done(hugo::Ok(wf::PollActivityExecutionResponse())); },
      wait);
}

// --- cancel, terminate, delete -------------------------------------------------------------------

hugo::Result<wf::RequestCancelActivityExecutionResponse> Engine::RequestCancelActivityExecution(
    const std::string& namespace_id, const wf::RequestCancelActivityExecutionRequest& request) {
  auto begun = BeginStandaloneActivity(namespace_id, request.activity_id(), request.run_id());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  StandaloneActivity* activity = state.mutable_standalone_activity();
  // A retried request changes nothing, also once the activity closed.
  if (!activity->cancel_request_id().empty() &&
      activity->cancel_request_id() == request.request_id()) {
    return hugo::Ok(wf::RequestCancelActivityExecutionResponse());
  }
  if (!IsRunning(state)) {
    return FailedPrecondition("activity is in terminal state " + StatusName(state));
  }
  if (!activity->cancel_request_id().empty()) {
    return FailedPrecondition("cancellation already requested with request ID " +
                              activity->cancel_request_id());
  }
  activity->set_cancel_request_id(request.request_id());
  activity->set_canceled_reason(request.reason());
  activity->set_cancel_identity(request.identity());
  ActivityInfo& info = (*state.mutable_activities())[kActivityKey];
  info.set_cancel_requested(true);
  if (!info.started()) {
    // No attempt runs (start delay, retry backoff, or not taken yet): canceled at once, with
    // the reason as its details.
    temporal::api::failure::v1::Failure canceled;
    canceled.set_message("Activity canceled");
    auto* details = canceled.mutable_canceled_failure_info()->mutable_details()->add_payloads();
    (*details->mutable_metadata())["encoding"] = "json/plain";
    details->set_data(nlohmann::json(request.reason()).dump());
    canceled.mutable_canceled_failure_info()->set_identity(request.identity());
    CloseStandaloneActivity(m, enums::WORKFLOW_EXECUTION_STATUS_CANCELED, nullptr, &canceled);
  }
  // Otherwise the worker hears of it in its next heartbeat's answer.
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::RequestCancelActivityExecutionResponse());
}

hugo::Result<wf::TerminateActivityExecutionResponse> Engine::TerminateActivityExecution(
    const std::string& namespace_id, const wf::TerminateActivityExecutionRequest& request) {
  auto begun = BeginStandaloneActivity(namespace_id, request.activity_id(), request.run_id());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  StandaloneActivity* activity = state.mutable_standalone_activity();
  if (state.status() == enums::WORKFLOW_EXECUTION_STATUS_TERMINATED) {
    if (activity->terminate_request_id() == request.request_id()) {
      return hugo::Ok(wf::TerminateActivityExecutionResponse());
    }
    return FailedPrecondition("already terminated with request ID " +
                              activity->terminate_request_id());
  }
  if (!IsRunning(state)) {
    return FailedPrecondition("invalid transition from " + StatusName(state));
  }
  activity->set_terminate_request_id(request.request_id());
  temporal::api::failure::v1::Failure terminated;
  terminated.set_message(request.reason());
  terminated.mutable_terminated_failure_info()->set_identity(request.identity());
  CloseStandaloneActivity(m, enums::WORKFLOW_EXECUTION_STATUS_TERMINATED, nullptr, &terminated);
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::TerminateActivityExecutionResponse());
}

hugo::Result<wf::DeleteActivityExecutionResponse> Engine::DeleteActivityExecution(
    const std::string& namespace_id, const wf::DeleteActivityExecutionRequest& request) {
  auto key = StandaloneActivityRun(namespace_id, request.activity_id(), request.run_id());
  if (key.IsFailure()) return key.Error();
  auto peeked = PeekStandaloneActivity(key.Value(), request.activity_id());
  if (peeked.IsFailure()) return peeked.Error();
  if (IsRunning(peeked.Value()->state)) {
    wf::TerminateActivityExecutionRequest terminate;
    terminate.set_activity_id(request.activity_id());
    terminate.set_run_id(key.Value().run_id);
    terminate.set_reason("Delete activity execution");
    auto terminated = TerminateActivityExecution(namespace_id, terminate);
    if (terminated.IsFailure()) return terminated.Error();
  }
  wf::DeleteWorkflowExecutionRequest remove;
  remove.mutable_workflow_execution()->set_workflow_id(key.Value().workflow_id);
  remove.mutable_workflow_execution()->set_run_id(key.Value().run_id);
  auto removed = Delete(namespace_id, remove);
  if (removed.IsFailure()) return removed.Error();
  return hugo::Ok(wf::DeleteActivityExecutionResponse());
}

}  // namespace hdo::history
