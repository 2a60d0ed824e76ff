// The activity operator calls: PauseActivity, UnpauseActivity, ResetActivity and
// UpdateActivityOptions, as the reference's history service applies them
// (service/history/api/{pause,unpause,reset,updateactivityoptions}activity, workflow/activity.go).
// They change pending activities' state only: no event is written and no workflow task is
// scheduled. A running attempt is never cut off: it goes on, its heartbeats tell the worker
// (activity_paused, activity_reset), and what it reports is taken. Queued dispatches of an
// attempt that must not start any more are made stale by the activity's stamp.
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "common/error_codes.h"
#include "history/commands.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/time_util.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using internal::InvalidArgument;
using internal::IsRunning;
using internal::NotFound;
using persistence::v1::ActivityInfo;
using persistence::v1::MutableState;

constexpr char kPauseInfoAttribute[] = "TemporalPauseInfo";

hugo::Error ActivityNotPending() {
  return NotFound(
      "Can't find pending activity with such ID. Invalid activityID or activity "
      "already completed");
}

hugo::Error WorkflowCompleted() { return NotFound("workflow execution already completed"); }

// A scheduled attempt waits for a worker or its retry: the operator calls dispatch it anew.
bool Scheduled(const ActivityInfo& info) { return !info.started() && !info.cancel_requested(); }

// `now` plus a random part of `jitter` (none when zero).
google::protobuf::Timestamp Jittered(const google::protobuf::Timestamp& now,
                                     const google::protobuf::Duration& jitter) {
  const int64_t jitter_ms = ToMillis(jitter);
  if (jitter_ms <= 0) return now;
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return TimestampFromMillis(ToMillis(now) +
                             std::uniform_int_distribution<int64_t>(0, jitter_ms - 1)(random));
}

// An update_mask path in the reference's normal form (util.ParseFieldMask): each dot-separated
// segment camelCased from snake_case ("retry_policy.maximum_attempts" and
// "RetryPolicy.MaximumAttempts" are both "retryPolicy.maximumAttempts").
std::string NormalPath(const std::string& path) {
  std::string out;
  bool segment_start = true;
  bool upper_next = false;
  for (char c : path) {
    if (c == '.') {
      out += c;
      segment_start = true;
      upper_next = false;
    } else if (c == '_') {
      upper_next = !segment_start;
    } else if (segment_start) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      segment_start = false;
    } else {
      out += upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper_next = false;
    }
  }
  return out;
}

// The activity's options as the reference reports them (PendingActivityInfo.activity_options,
// UpdateActivityOptionsResponse).
temporal::api::activity::v1::ActivityOptions OptionsOf(const ActivityInfo& info) {
  temporal::api::activity::v1::ActivityOptions options;
  options.mutable_task_queue()->set_name(info.task_queue());
  *options.mutable_schedule_to_close_timeout() = info.schedule_to_close_timeout();
  *options.mutable_schedule_to_start_timeout() = info.schedule_to_start_timeout();
  *options.mutable_start_to_close_timeout() = info.start_to_close_timeout();
  *options.mutable_heartbeat_timeout() = info.heartbeat_timeout();
  auto* retry = options.mutable_retry_policy();
  *retry->mutable_initial_interval() = info.retry_policy().initial_interval();
  retry->set_backoff_coefficient(info.retry_policy().backoff_coefficient());
  *retry->mutable_maximum_interval() = info.retry_policy().maximum_interval();
  retry->set_maximum_attempts(info.retry_policy().maximum_attempts());
  return options;
}

// reference: mergeActivityOptions; unknown paths are ignored as there.
hugo::Result<hugo::Unit> MergeOptions(ActivityInfo& merged,
                                      const temporal::api::activity::v1::ActivityOptions& given,
                                      const google::protobuf::FieldMask& mask) {
  for (const std::string& raw : mask.paths()) {
    const std::string path = NormalPath(raw);
    if (path == "taskQueue.name") {
      if (!given.has_task_queue()) return InvalidArgument("TaskQueue is not provided");
      merged.set_task_queue(given.task_queue().name());
    } else if (path == "scheduleToCloseTimeout") {
      *merged.mutable_schedule_to_close_timeout() = given.schedule_to_close_timeout();
    } else if (path == "scheduleToStartTimeout") {
      *merged.mutable_schedule_to_start_timeout() = given.schedule_to_start_timeout();
    } else if (path == "startToCloseTimeout") {
      *merged.mutable_start_to_close_timeout() = given.start_to_close_timeout();
    } else if (path == "heartbeatTimeout") {
      *merged.mutable_heartbeat_timeout() = given.heartbeat_timeout();
    } else if (path.rfind("retryPolicy.", 0) == 0) {
      if (!given.has_retry_policy()) return InvalidArgument("RetryPolicy is not provided");
      const auto& retry = given.retry_policy();
      auto* into = merged.mutable_retry_policy();
      if (path == "retryPolicy.initialInterval") {
        *into->mutable_initial_interval() = retry.initial_interval();
      } else if (path == "retryPolicy.backoffCoefficient") {
        into->set_backoff_coefficient(retry.backoff_coefficient());
      } else if (path == "retryPolicy.maximumInterval") {
        *into->mutable_maximum_interval() = retry.maximum_interval();
      } else if (path == "retryPolicy.maximumAttempts") {
        into->set_maximum_attempts(retry.maximum_attempts());
      }
    }
  }
  return hugo::Ok();
}

// reference: adjustActivityOptions (the schedule command's rules, no run timeout).
hugo::Result<hugo::Unit> NormalizeOptions(ActivityInfo& info) {
  if (info.task_queue().empty()) {
    return InvalidArgument(
        "invalid TaskQueue on ScheduleActivityTaskCommand: missing task queue name. ActivityId=" +
        info.activity_id() + " ActivityType=" + info.activity_type());
  }
  temporal::api::command::v1::ScheduleActivityTaskCommandAttributes attributes;
  attributes.set_activity_id(info.activity_id());
  attributes.mutable_activity_type()->set_name(info.activity_type());
  *attributes.mutable_schedule_to_close_timeout() = info.schedule_to_close_timeout();
  *attributes.mutable_schedule_to_start_timeout() = info.schedule_to_start_timeout();
  *attributes.mutable_start_to_close_timeout() = info.start_to_close_timeout();
  *attributes.mutable_heartbeat_timeout() = info.heartbeat_timeout();
  if (auto error = NormalizeActivityTimeouts(&attributes, google::protobuf::Duration())) {
    return InvalidArgument(*error);
  }
  *info.mutable_schedule_to_close_timeout() = attributes.schedule_to_close_timeout();
  *info.mutable_schedule_to_start_timeout() = attributes.schedule_to_start_timeout();
  *info.mutable_start_to_close_timeout() = attributes.start_to_close_timeout();
  *info.mutable_heartbeat_timeout() = attributes.heartbeat_timeout();
  return hugo::Ok();
}

// When the waiting attempt is due by the retry policy now (reference: GetNextScheduledTime): the
// last attempt's end plus initial interval x coefficient^(attempt - 1), capped by the maximum.
google::protobuf::Timestamp RetryTimeOf(const ActivityInfo& info) {
  if (!IsSet(info.last_attempt_complete_time()) || info.attempt() <= 1) {
    return info.current_attempt_scheduled_time();
  }
  const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(
      CappedRetryInterval(info.retry_policy(), info.attempt()));
  return TimestampFromMillis(ToMillis(info.last_attempt_complete_time()) +
                             std::min<int64_t>(interval.count(), int64_t{1} << 50));
}

}  // namespace

hugo::Result<std::vector<ActivityInfo*>> Engine::NamedActivities(MutableState& state,
                                                                 const std::string& id,
                                                                 const std::string& type,
                                                                 bool all) {
  std::vector<ActivityInfo*> named;
  for (auto& [scheduled_event_id, info] : *state.mutable_activities()) {
    if (all || (!id.empty() && info.activity_id() == id) ||
        (!type.empty() && info.activity_type() == type)) {
      named.push_back(&info);
    }
  }
  if (named.empty()) return ActivityNotPending();
  return hugo::Ok(std::move(named));
}

hugo::Result<hugo::Unit> Engine::UpdatePauseInfo(MutableState& state) {
  std::set<std::string> paused;
  for (const auto& [scheduled_event_id, info] : state.activities()) {
    if (info.paused()) paused.insert("property:activityType=" + info.activity_type());
  }
  // The run's value as lists read it (the normalized JSON of its attributes).
  const nlohmann::json current =
      nlohmann::json::parse(state.visibility_search_attributes(), nullptr, false);
  const bool present = current.is_object() && current.contains(kPauseInfoAttribute);
  if (paused.empty() ? !present
                     : present && current[kPauseInfoAttribute] == nlohmann::json(paused)) {
    return hugo::Ok();
  }
  temporal::api::common::v1::Payload value;
  (*value.mutable_metadata())["encoding"] = "json/plain";
  (*value.mutable_metadata())["type"] = "KeywordList";
  // An empty list removes the attribute (reference: payload.MergeMapOfPayload).
  value.set_data(paused.empty() ? "null" : nlohmann::json(paused).dump());
  // In the run's search attributes too, where Describe reads them, as the reference keeps it.
  auto* fields = state.mutable_search_attributes()->mutable_indexed_fields();
  if (paused.empty()) {
    fields->erase(kPauseInfoAttribute);
  } else {
    (*fields)[kPauseInfoAttribute] = value;
  }
  temporal::api::common::v1::SearchAttributes change;
  (*change.mutable_indexed_fields())[kPauseInfoAttribute] = std::move(value);
  return ApplySearchAttributes(state, change);
}

hugo::Result<hugo::Unit> Engine::CommitActivityChange(Mutation& m, bool pause_changed) {
  if (pause_changed) {
    auto pause_info = UpdatePauseInfo(m.run.state);
    if (pause_info.IsFailure()) return pause_info.Error();
    m.visibility_changed = true;
  }
  return Commit(m);
}

hugo::Result<wf::PauseActivityResponse> Engine::PauseActivity(
    const std::string& namespace_id, const wf::PauseActivityRequest& request) {
  auto begun = BeginExecution(namespace_id, request.execution());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  auto named = NamedActivities(state, request.id(), request.type(), false);
  if (named.IsFailure()) return named.Error();
  if (!IsRunning(state)) return WorkflowCompleted();
  bool changed = false;
  for (ActivityInfo* info : named.Value()) {
    // Pausing a paused activity keeps its first pause (who, when, why).
    if (info->paused()) continue;
    // A queued dispatch must not start it; a running attempt is let finish.
    if (Scheduled(*info)) info->set_stamp(info->stamp() + 1);
    info->set_paused(true);
    auto* pause = info->mutable_pause_info();
    *pause->mutable_pause_time() = now_();
    pause->set_identity(request.identity());
    pause->set_reason(request.reason());
    changed = true;
  }
  if (!changed) return hugo::Ok(wf::PauseActivityResponse());
  auto committed = CommitActivityChange(m, /*pause_changed=*/true);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::PauseActivityResponse());
}

hugo::Result<wf::UnpauseActivityResponse> Engine::UnpauseActivity(
    const std::string& namespace_id, const wf::UnpauseActivityRequest& request) {
  auto begun = BeginExecution(namespace_id, request.execution());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  if (!IsRunning(state)) return WorkflowCompleted();
  auto named = NamedActivities(state, request.id(), request.type(), request.unpause_all());
  if (named.IsFailure()) return named.Error();
  bool changed = false;
  for (ActivityInfo* info : named.Value()) {
    if (!info->paused()) continue;  // not paused: nothing to do
    info->set_paused(false);
    info->clear_pause_info();
    info->set_stamp(info->stamp() + 1);
    if (request.reset_attempts()) info->set_attempt(1);
    if (request.reset_heartbeat()) {
      info->clear_heartbeat_details();
      info->clear_last_heartbeat_time();
    }
    if (Scheduled(*info)) {
      // The next attempt goes now (within the jitter), whatever was left of its backoff.
      info->clear_last_failure();
      ScheduleActivityAttempt(m, *info, Jittered(now_(), request.jitter()));
    }
    // The timeouts that did not fire while paused count again, from their own bases.
    ArmActivityTimeouts(m, *info);
    changed = true;
  }
  if (!changed) return hugo::Ok(wf::UnpauseActivityResponse());
  auto committed = CommitActivityChange(m, /*pause_changed=*/true);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::UnpauseActivityResponse());
}

hugo::Result<wf::ResetActivityResponse> Engine::ResetActivity(
    const std::string& namespace_id, const wf::ResetActivityRequest& request) {
  auto begun = BeginExecution(namespace_id, request.execution());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  auto named = NamedActivities(state, request.id(), request.type(), request.match_all());
  if (named.IsFailure()) return named.Error();
  if (!IsRunning(state)) return WorkflowCompleted();
  bool pause_changed = false;
  for (ActivityInfo* info : named.Value()) {
    info->set_attempt(1);
    info->set_activity_reset(true);
    if (request.reset_heartbeat()) info->set_reset_heartbeats(true);
    if (request.restore_original_options()) {
      auto restored = RestoreScheduledOptions(m, *info);
      if (restored.IsFailure()) return restored.Error();
      info->set_stamp(info->stamp() + 1);
    }
    // A running attempt goes on (and stays paused); a paused one kept paused waits.
    if (info->started() || (info->paused() && request.keep_paused())) continue;
    info->set_stamp(info->stamp() + 1);
    if (info->paused()) {
      info->set_paused(false);
      info->clear_pause_info();
      pause_changed = true;
    }
    if (Scheduled(*info)) {
      info->clear_last_failure();
      ScheduleActivityAttempt(m, *info, Jittered(now_(), request.jitter()));
      ArmActivityTimeouts(m, *info);
    }
  }
  auto committed = CommitActivityChange(m, pause_changed);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::ResetActivityResponse());
}

hugo::Result<hugo::Unit> Engine::RestoreScheduledOptions(Mutation& m, ActivityInfo& info) {
  auto events =
      ReadEvents({m.run.state.namespace_id(), m.run.state.workflow_id(), m.run.state.run_id()},
                 info.scheduled_event_id(), info.scheduled_event_id());
  if (events.IsFailure()) return events.Error();
  for (const auto& event : events.Value().events()) {
    if (event.event_id() != info.scheduled_event_id() ||
        !event.has_activity_task_scheduled_event_attributes()) {
      continue;
    }
    const auto& scheduled = event.activity_task_scheduled_event_attributes();
    info.set_task_queue(scheduled.task_queue().name());
    *info.mutable_schedule_to_close_timeout() = scheduled.schedule_to_close_timeout();
    *info.mutable_schedule_to_start_timeout() = scheduled.schedule_to_start_timeout();
    *info.mutable_start_to_close_timeout() = scheduled.start_to_close_timeout();
    *info.mutable_heartbeat_timeout() = scheduled.heartbeat_timeout();
    *info.mutable_retry_policy() = scheduled.retry_policy();
    return hugo::Ok();
  }
  return InvalidArgument("ActivityTaskScheduledEvent not found, " +
                         std::to_string(info.scheduled_event_id()));
}

hugo::Result<wf::UpdateActivityOptionsResponse> Engine::UpdateActivityOptions(
    const std::string& namespace_id, const wf::UpdateActivityOptionsRequest& request) {
  if (request.restore_original() && request.update_mask().paths_size() > 0) {
    return InvalidArgument("Both UpdateMask and RestoreOriginal are provided");
  }
  auto begun = BeginExecution(namespace_id, request.execution());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  if (!IsRunning(state)) return WorkflowCompleted();
  if (!request.restore_original() && !request.has_activity_options()) {
    return InvalidArgument("ActivityOptions are not provided");
  }
  auto named = NamedActivities(state, request.id(), request.type(), request.match_all());
  if (named.IsFailure()) return named.Error();
  if (!request.restore_original() && !request.has_update_mask()) {
    return InvalidArgument("UpdateMask is not provided");
  }
  wf::UpdateActivityOptionsResponse response;
  for (ActivityInfo* info : named.Value()) {
    ActivityInfo merged = *info;
    if (request.restore_original()) {
      auto restored = RestoreScheduledOptions(m, merged);
      if (restored.IsFailure()) return restored.Error();
    } else {
      auto merging = MergeOptions(merged, request.activity_options(), request.update_mask());
      if (merging.IsFailure()) return merging.Error();
      auto normalized = NormalizeOptions(merged);
      if (normalized.IsFailure()) return normalized.Error();
    }
    *info = std::move(merged);
    info->set_stamp(info->stamp() + 1);
    if (Scheduled(*info) && !info->paused()) {
      // Dispatched anew under the new options (a new task queue), a waiting retry at the time
      // the new retry policy gives it.
      const google::protobuf::Timestamp at = info->retry_pending() ? RetryTimeOf(*info) : now_();
      ScheduleActivityAttempt(m, *info, at);
    }
    // The timeouts by the new options (the timers already set find the new deadlines).
    if (!info->paused()) ArmActivityTimeouts(m, *info);
    *response.mutable_activity_options() = OptionsOf(*info);
  }
  auto committed = CommitActivityChange(m, /*pause_changed=*/false);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(std::move(response));
}

temporal::api::activity::v1::ActivityOptions Engine::ActivityOptionsOf(const ActivityInfo& info) {
  return OptionsOf(info);
}

}  // namespace hdo::history
