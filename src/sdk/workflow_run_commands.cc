// WorkflowRun: the operations workflow code starts (each becomes a command), local activities,
// updates and queries. The activation loop and event handling are in workflow_run.cc.

#include <algorithm>
#include <cmath>
#include <iostream>

#include "hdo/failure.h"
#include "proto_util.h"
#include "temporal/api/sdk/v1/workflow_metadata.pb.h"
#include "workflow_run.h"

namespace hdo::internal {
namespace {

namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;

template <class T>
std::shared_ptr<FutureState<hugo::Result<T>>> Failed(hugo::Error error) {
  auto state = std::make_shared<FutureState<hugo::Result<T>>>();
  state->Resolve(std::move(error));
  return state;
}

Payloads OnePayload(hugo::Result<Payload> payload) {
  Payloads payloads;
  if (payload.IsSuccess()) *payloads.add_payloads() = payload.Value();
  return payloads;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Activities.

Future<hugo::Result<Payloads>> WorkflowRun::ScheduleActivity(std::shared_ptr<Scope> scope,
                                                             std::string activity_type,
                                                             ActivityOptions options,
                                                             Payloads input, Header header) {
  using Raw = Future<hugo::Result<Payloads>>;
  if (options.schedule_to_close_timeout.count() <= 0 &&
      options.start_to_close_timeout.count() <= 0) {
    return Raw::FromState(&scheduler_,
                          Failed<Payloads>(hugo::Error::From(
                              "activity " + activity_type +
                                  " needs a schedule_to_close_timeout or a start_to_close_timeout",
                              std::string(hugo::ErrorCodes::kValidation))));
  }
  if (scope->canceled) {
    return Raw::FromState(&scheduler_, Failed<Payloads>(hugo::Error::Canceled()));
  }
  auto state = std::make_shared<ActivityState>();
  int64_t seq = NextSequence();
  state->activity_id = options.activity_id.empty() ? std::to_string(seq) : options.activity_id;
  state->activity_type = activity_type;
  state->cancellation_type = options.cancellation_type;
  state->future = std::make_shared<FutureState<hugo::Result<Payloads>>>();

  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  auto* a = c.mutable_schedule_activity_task_command_attributes();
  a->set_activity_id(state->activity_id);
  a->mutable_activity_type()->set_name(activity_type);
  a->mutable_task_queue()->set_name(options.task_queue.empty() ? info_.task_queue
                                                               : options.task_queue);
  a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  *a->mutable_input() = std::move(input);
  if (!header.fields().empty()) *a->mutable_header() = std::move(header);
  if (options.schedule_to_close_timeout.count() > 0) {
    *a->mutable_schedule_to_close_timeout() = ToProtoDuration(options.schedule_to_close_timeout);
  }
  if (options.schedule_to_start_timeout.count() > 0) {
    *a->mutable_schedule_to_start_timeout() = ToProtoDuration(options.schedule_to_start_timeout);
  }
  if (options.start_to_close_timeout.count() > 0) {
    *a->mutable_start_to_close_timeout() = ToProtoDuration(options.start_to_close_timeout);
  }
  if (options.heartbeat_timeout.count() > 0) {
    *a->mutable_heartbeat_timeout() = ToProtoDuration(options.heartbeat_timeout);
  }
  if (options.retry_policy) *a->mutable_retry_policy() = options.retry_policy->ToProto();
  a->set_request_eager_execution(!options.disable_eager_execution);
  state->command =
      AddCommand(std::move(c), enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, state->activity_id);
  state->command->on_recorded = [this, state](const HistoryEvent& event) {
    state->scheduled_event_id = event.event_id();
    if (!state->future->value) activities_[event.event_id()] = state;
  };
  scope->OnCancel([this, state] {
    if (state->future->value) return;
    if (state->scheduled_event_id == 0) {  // not sent yet: the command is dropped
      state->command->dropped = true;
      state->future->Resolve(hugo::Error::Canceled("activity canceled before it was scheduled"));
      return;
    }
    if (state->cancellation_type != ActivityCancellationType::kAbandon) {
      command::Command cancel;
      cancel.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK);
      cancel.mutable_request_cancel_activity_task_command_attributes()->set_scheduled_event_id(
          state->scheduled_event_id);
      AddCommand(std::move(cancel), enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
                 std::to_string(state->scheduled_event_id));
    }
    if (state->cancellation_type != ActivityCancellationType::kWaitCancellationCompleted) {
      activities_.erase(state->scheduled_event_id);
      state->future->Resolve(hugo::Error::Canceled("activity canceled"));
    }
  });
  return Raw::FromState(&scheduler_, state->future);
}

Future<hugo::Result<Payloads>> WorkflowRun::ScheduleLocalActivity(std::shared_ptr<Scope> scope,
                                                                  std::string activity_type,
                                                                  LocalActivityOptions options,
                                                                  Payloads input, Header header) {
  using Raw = Future<hugo::Result<Payloads>>;
  if (options.schedule_to_close_timeout.count() <= 0 &&
      options.start_to_close_timeout.count() <= 0) {
    return Raw::FromState(&scheduler_,
                          Failed<Payloads>(hugo::Error::From(
                              "local activity " + activity_type +
                                  " needs a schedule_to_close_timeout or a start_to_close_timeout",
                              std::string(hugo::ErrorCodes::kValidation))));
  }
  if (scope->canceled)
    return Raw::FromState(&scheduler_, Failed<Payloads>(hugo::Error::Canceled()));
  auto state = std::make_shared<LocalActivityState>();
  state->activity_id = std::to_string(NextSequence());
  state->activity_type = std::move(activity_type);
  state->options = std::move(options);
  state->input = std::move(input);
  state->header = HeaderToFields(header);
  state->future = std::make_shared<FutureState<hugo::Result<Payloads>>>();
  state->scope = scope;
  state->scheduled = now_;
  AddLocalAttempt(state, scope);
  return Raw::FromState(&scheduler_, state->future);
}

void WorkflowRun::AddLocalAttempt(const std::shared_ptr<LocalActivityState>& state,
                                  const std::shared_ptr<Scope>& scope) {
  local_pending_.push_back(state);
  scope->OnCancel([state] {
    // Not started yet, or running off the task's thread (its token is stopped and its outcome
    // ignored): the call ends canceled, without a marker, in the live run as in replay.
    if (state->future->value) return;
    state->canceled = true;
    state->cancel.request_stop();
    state->future->Resolve(hugo::Error::Canceled("local activity canceled"));
  });
}

void WorkflowRun::LocalMailbox::Post(LocalOutcome outcome) {
  {
    std::lock_guard lock(mutex);
    outcomes.push_back(std::move(outcome));
  }
  posted.notify_all();
}

// Replay: the look-ahead's markers resolve their calls one at a time, in history order, each
// followed by the code it wakes (as the live run applied the outcomes). A call with no marker
// in this activation waits for a later one (its attempt outlived a heartbeat), or runs live
// once replay ends.
bool WorkflowRun::ResolveLocalActivityFromMarker() {
  std::erase_if(local_pending_,
                [](const auto& state) { return state->canceled || state->future->value; });
  if (local_marker_next_ >= local_markers_.size()) return false;
  const std::string& id = local_markers_[local_marker_next_].first;
  auto found = std::find_if(local_pending_.begin(), local_pending_.end(),
                            [&id](const auto& state) { return state->activity_id == id; });
  if (found == local_pending_.end()) return false;  // MatchCommand reports the marker
  std::shared_ptr<LocalActivityState> state = *found;
  local_pending_.erase(found);
  HistoryEvent event = std::move(local_markers_[local_marker_next_].second);
  ++local_marker_next_;
  const auto& marker = event.marker_recorded_event_attributes();
  hugo::Result<Payloads> outcome = hugo::Result<Payloads>::Ok(Payloads());
  if (marker.has_failure()) {
    outcome = ActivityError(marker.failure(), enums::RETRY_STATE_UNSPECIFIED);
    std::optional<LocalRetry> retry = LocalRetryOf(marker);
    if (retry) {  // the attempt's failure, retried after a timer
      RecordLocalActivityMarker(*state, outcome, retry);
      RetryLocalActivityAfter(state, *retry);
      return true;
    }
  } else {
    auto result = marker.details().find("result");
    if (result != marker.details().end()) outcome = hugo::Result<Payloads>::Ok(result->second);
  }
  RecordLocalActivityMarker(*state, outcome, std::nullopt);
  state->future->Resolve(std::move(outcome));
  return true;
}

// Live: starts the calls the code made, then waits for one outcome the workflow sees (applied,
// true), the heartbeat time (false, heartbeat_needed_) or the worker's stop (false, abandoned_).
// Attempts past their deadline time out here, whether or not their function has returned (the
// Go SDK's); failed attempts whose backoff fits in the task timeout are retried here.
bool WorkflowRun::ResolveLocalActivities() {
  if (replaying_) return ResolveLocalActivityFromMarker();
  std::vector<std::shared_ptr<LocalActivityState>> pending = std::move(local_pending_);
  local_pending_.clear();
  for (auto& state : pending) {
    if (!state->canceled && !state->future->value) StartLocalAttempt(state);
  }
  using Clock = std::chrono::steady_clock;
  for (;;) {
    std::erase_if(local_running_, [](const auto& entry) { return entry.second->future->value; });
    if (local_running_.empty()) return false;
    if (options_.worker_stop.stop_requested()) {
      abandoned_ = true;
      return false;
    }
    std::optional<LocalOutcome> posted;
    {
      std::lock_guard lock(local_mailbox_->mutex);
      if (!local_mailbox_->outcomes.empty()) {
        posted.emplace(std::move(local_mailbox_->outcomes.front()));
        local_mailbox_->outcomes.pop_front();
      }
    }
    if (posted) {
      auto it = local_running_.find(posted->activity_id);
      if (it != local_running_.end() &&
          ApplyLocalOutcome(it->second, posted->attempt, std::move(posted->outcome))) {
        return true;
      }
      continue;
    }
    const Clock::time_point now = Clock::now();
    Clock::time_point wake = heartbeat_at_;
    std::shared_ptr<LocalActivityState> expired;
    for (auto& [id, state] : local_running_) {
      if (state->running_attempt == 0 && state->retry_at) {
        if (*state->retry_at <= now) {
          state->retry_at.reset();
          StartLocalAttempt(state);
        } else {
          wake = std::min(wake, *state->retry_at);
          continue;
        }
      }
      if (state->running_attempt != 0 && state->deadline <= now) {
        expired = state;
        break;
      }
      if (state->running_attempt != 0) wake = std::min(wake, state->deadline);
    }
    if (expired) {
      expired->cancel.request_stop();
      const bool schedule_to_close =
          expired->options.schedule_to_close_timeout.count() > 0 &&
          std::chrono::system_clock::now() >=
              expired->scheduled + expired->options.schedule_to_close_timeout;
      hugo::Error timeout =
          hugo::Error::From("local activity " + expired->activity_type + " deadline exceeded",
                            std::string(FailureCodes::kTimeout))
              .WithMetadata("timeout_type",
                            std::string(schedule_to_close ? "ScheduleToClose" : "StartToClose"));
      if (ApplyLocalOutcome(expired, expired->running_attempt, std::move(timeout))) return true;
      continue;
    }
    if (now >= heartbeat_at_) {
      heartbeat_needed_ = true;
      return false;
    }
    if (!may_wait_) {
      waiting_ = true;  // the activation stops here; Resume waits on a thread that may
      return false;
    }
    std::unique_lock lock(local_mailbox_->mutex);
    local_mailbox_->posted.wait_until(lock, options_.worker_stop, wake,
                                      [this] { return !local_mailbox_->outcomes.empty(); });
  }
}

void WorkflowRun::StartLocalAttempt(const std::shared_ptr<LocalActivityState>& state) {
  ActivityInvocation invocation;
  invocation.info.namespace_name = info_.namespace_name;
  invocation.info.task_queue = info_.task_queue;
  invocation.info.workflow_id = info_.workflow_id;
  invocation.info.run_id = info_.run_id;
  invocation.info.workflow_type = info_.workflow_type;
  invocation.info.activity_id = state->activity_id;
  invocation.info.activity_type = state->activity_type;
  invocation.info.is_local = true;
  invocation.info.attempt = state->attempt;
  invocation.info.schedule_to_close_timeout = state->options.schedule_to_close_timeout;
  invocation.info.start_to_close_timeout = state->options.start_to_close_timeout;
  invocation.info.header = state->header;
  invocation.input = state->input;
  // The attempt's deadline: start-to-close from now, schedule-to-close from the call.
  const auto now = std::chrono::system_clock::now();
  auto deadline = std::chrono::system_clock::time_point::max();
  if (state->options.start_to_close_timeout.count() > 0) {
    deadline = now + state->options.start_to_close_timeout;
  }
  if (state->options.schedule_to_close_timeout.count() > 0) {
    deadline = std::min(deadline, state->scheduled + state->options.schedule_to_close_timeout);
  }
  invocation.deadline = deadline;
  invocation.info.scheduled_time = state->scheduled;
  invocation.info.started_time = now;
  if (deadline != std::chrono::system_clock::time_point::max()) invocation.info.deadline = deadline;
  state->deadline = std::chrono::steady_clock::now() + (deadline - now);
  state->cancel = std::stop_source();
  invocation.cancel = state->cancel.get_token();
  state->running_attempt = state->attempt;
  local_running_[state->activity_id] = state;
  if (!local_mailbox_) local_mailbox_ = std::make_shared<LocalMailbox>();
  auto attempt = [mailbox = local_mailbox_, runner = local_activities_,
                  invocation = std::move(invocation)] {
    hugo::Result<Payloads> outcome =
        runner ? runner(invocation)
               : hugo::Result<Payloads>(hugo::Error::From("this worker runs no local activities",
                                                          "hdo.local_activity"));
    mailbox->Post({invocation.info.activity_id, invocation.info.attempt, std::move(outcome)});
  };
  if (options_.submit_local_activity) {
    options_.submit_local_activity(std::move(attempt));
  } else {
    attempt();
  }
}

bool WorkflowRun::ApplyLocalOutcome(std::shared_ptr<LocalActivityState> state, int32_t attempt,
                                    hugo::Result<Payloads> outcome) {
  if (state->future->value || attempt != state->running_attempt) return false;  // stale
  state->running_attempt = 0;
  if (outcome.IsSuccess()) {
    local_running_.erase(state->activity_id);
    RecordLocalActivityMarker(*state, outcome, std::nullopt);
    state->future->Resolve(std::move(outcome));
    return true;
  }
  std::optional<std::chrono::milliseconds> backoff =
      LocalRetryBackoff(*state, attempt, outcome.Error());
  // The Go SDK's rule: a backoff up to the task timeout is waited in the worker (the task
  // heartbeats meanwhile); a longer one ends the attempt with a marker and a durable timer.
  if (backoff && *backoff <= TaskTimeout()) {
    state->attempt = attempt + 1;
    state->retry_at = std::chrono::steady_clock::now() + *backoff;
    return false;
  }
  local_running_.erase(state->activity_id);
  temporal::api::failure::v1::Failure failure = ErrorToFailure(outcome.Error());
  hugo::Error error = ActivityError(failure, enums::RETRY_STATE_UNSPECIFIED);
  if (backoff) {
    LocalRetry retry{attempt, *backoff};
    RecordLocalActivityMarker(*state, error, retry);
    RetryLocalActivityAfter(state, retry);
    return true;
  }
  RecordLocalActivityMarker(*state, error, std::nullopt);
  state->future->Resolve(std::move(error));
  return true;
}

std::optional<std::chrono::milliseconds> WorkflowRun::LocalRetryBackoff(
    const LocalActivityState& state, int32_t attempt, const hugo::Error& error) const {
  RetryPolicy policy = state.options.retry_policy.value_or(RetryPolicy{});
  if (IsNonRetryable(error) || error.HasCode(FailureCodes::kCanceled)) return std::nullopt;
  if (error.HasCode(FailureCodes::kTimeout) &&
      error.TryGetMetadata<std::string>("timeout_type").value_or("") == "ScheduleToClose") {
    return std::nullopt;
  }
  if (policy.maximum_attempts > 0 && attempt >= policy.maximum_attempts) return std::nullopt;
  const std::string type = error.TryGetMetadata<std::string>("type").value_or(error.Code());
  for (const auto& listed : policy.non_retryable_error_types) {
    if (listed == type) return std::nullopt;
  }
  std::chrono::milliseconds backoff{0};
  if (auto delay = error.TryGetMetadata<hugo::Duration>("next_retry_delay")) {
    backoff = std::chrono::duration_cast<std::chrono::milliseconds>(*delay);
  }
  if (backoff.count() <= 0) {  // the Go SDK's: initial × coefficient^(attempt-1), capped
    double initial = policy.initial_interval.count() > 0
                         ? static_cast<double>(policy.initial_interval.count())
                         : 1000.0;
    double coefficient = policy.backoff_coefficient > 0 ? policy.backoff_coefficient : 2.0;
    double ms = initial * std::pow(coefficient, attempt - 1);
    std::chrono::milliseconds cap =
        policy.maximum_interval.count() > 0
            ? policy.maximum_interval
            : std::chrono::milliseconds(static_cast<int64_t>(initial)) * 100;
    backoff = ms >= static_cast<double>(cap.count())
                  ? cap
                  : std::chrono::milliseconds(static_cast<int64_t>(ms));
  }
  // Past the schedule-to-close timeout (from the first attempt's schedule): no more attempts.
  if (state.options.schedule_to_close_timeout.count() > 0 &&
      std::chrono::system_clock::now() + backoff >
          state.scheduled + state.options.schedule_to_close_timeout) {
    return std::nullopt;
  }
  return backoff;
}

void WorkflowRun::RetryLocalActivityAfter(const std::shared_ptr<LocalActivityState>& state,
                                          LocalRetry retry) {
  // A scope no context holds any more can no longer be canceled: a fresh one stands in.
  auto scope_of = [](const std::weak_ptr<Scope>& weak) {
    std::shared_ptr<Scope> scope = weak.lock();
    return scope ? scope : std::make_shared<Scope>();
  };
  std::shared_ptr<FutureState<hugo::Result<hugo::Unit>>> timer =
      StartTimerState(scope_of(state->scope), retry.backoff);
  std::weak_ptr<FutureState<hugo::Result<hugo::Unit>>> weak = timer;
  auto on_timer = [this, state, weak, retry, scope_of] {
    auto fired = weak.lock();
    if (fired == nullptr || state->future->value) return;  // canceled meanwhile
    if (fired->value->IsFailure()) {
      state->future->Resolve(fired->value->Error());
      return;
    }
    // The next attempt: a new local activity (its own id and marker) of the same call.
    auto next = std::make_shared<LocalActivityState>(*state);
    next->activity_id = std::to_string(NextSequence());
    next->attempt = retry.attempt + 1;
    next->canceled = false;
    next->running_attempt = 0;
    next->retry_at.reset();
    next->cancel = std::stop_source(std::nostopstate);
    AddLocalAttempt(next, scope_of(state->scope));
  };
  if (timer->value) {
    on_timer();
  } else {
    timer->AddWaker(std::move(on_timer));
  }
}

std::optional<WorkflowRun::LocalRetry> WorkflowRun::LocalRetryOf(
    const temporal::api::history::v1::MarkerRecordedEventAttributes& marker) {
  auto attempt = marker.details().find("attempt");
  auto backoff = marker.details().find("backoff_ms");
  if (attempt == marker.details().end() || backoff == marker.details().end() ||
      attempt->second.payloads_size() == 0 || backoff->second.payloads_size() == 0) {
    return std::nullopt;
  }
  auto a = FromPayload<int32_t>(attempt->second.payloads(0));
  auto b = FromPayload<int64_t>(backoff->second.payloads(0));
  if (a.IsFailure() || b.IsFailure() || b.Value() <= 0) return std::nullopt;
  return LocalRetry{a.Value(), std::chrono::milliseconds(b.Value())};
}

void WorkflowRun::RecordLocalActivityMarker(LocalActivityState& state,
                                            const hugo::Result<Payloads>& result,
                                            std::optional<LocalRetry> retry) {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_RECORD_MARKER);
  auto* a = c.mutable_record_marker_command_attributes();
  a->set_marker_name(std::string(kLocalActivityMarker));
  auto& details = *a->mutable_details();
  details["activity_id"] = OnePayload(ToPayload(state.activity_id));
  details["type"] = OnePayload(ToPayload(state.activity_type));
  if (result.IsSuccess()) {
    details["result"] = result.Value();
  } else {
    const hugo::Error* cause = result.Error().Cause();
    *a->mutable_failure() = ErrorToFailure(cause ? *cause : result.Error());
  }
  if (retry) {  // this attempt failed; the next runs after a timer of `backoff_ms`
    details["attempt"] = OnePayload(ToPayload(retry->attempt));
    details["backoff_ms"] = OnePayload(ToPayload(int64_t{retry->backoff.count()}));
  }
  AddCommand(std::move(c), enums::EVENT_TYPE_MARKER_RECORDED,
             std::string(kLocalActivityMarker) + ":" + state.activity_id);
}

// ---------------------------------------------------------------------------------------------
// Timers, children, external workflows, visibility.

Future<hugo::Result<hugo::Unit>> WorkflowRun::StartTimer(std::shared_ptr<Scope> scope,
                                                         std::chrono::milliseconds duration) {
  return Future<hugo::Result<hugo::Unit>>::FromState(&scheduler_,
                                                     StartTimerState(std::move(scope), duration));
}

std::shared_ptr<FutureState<hugo::Result<hugo::Unit>>> WorkflowRun::StartTimerState(
    std::shared_ptr<Scope> scope, std::chrono::milliseconds duration) {
  if (duration.count() < 0) {
    return Failed<hugo::Unit>(hugo::Error::From("a timer needs a duration of zero or more",
                                                std::string(hugo::ErrorCodes::kValidation)));
  }
  if (scope->canceled) return Failed<hugo::Unit>(hugo::Error::Canceled());
  auto state = std::make_shared<TimerState>();
  state->future = std::make_shared<FutureState<hugo::Result<hugo::Unit>>>();
  if (duration.count() == 0) {
    state->future->Resolve(hugo::Result<hugo::Unit>::Ok(hugo::Unit{}));
    return state->future;
  }
  state->timer_id = std::to_string(NextSequence());
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_START_TIMER);
  c.mutable_start_timer_command_attributes()->set_timer_id(state->timer_id);
  *c.mutable_start_timer_command_attributes()->mutable_start_to_fire_timeout() =
      ToProtoDuration(duration);
  state->command = AddCommand(std::move(c), enums::EVENT_TYPE_TIMER_STARTED, state->timer_id);
  state->command->on_recorded = [this, state](const HistoryEvent&) {
    state->recorded = true;
    if (!state->future->value) timers_[state->timer_id] = state;
  };
  scope->OnCancel([this, state] {
    if (state->future->value) return;
    if (!state->recorded) {
      state->command->dropped = true;
    } else {
      command::Command cancel;
      cancel.set_command_type(enums::COMMAND_TYPE_CANCEL_TIMER);
      cancel.mutable_cancel_timer_command_attributes()->set_timer_id(state->timer_id);
      AddCommand(std::move(cancel), enums::EVENT_TYPE_TIMER_CANCELED, state->timer_id);
      timers_.erase(state->timer_id);
    }
    state->future->Resolve(hugo::Error::Canceled("timer canceled"));
  });
  return state->future;
}

WorkflowContext::RawChild WorkflowRun::StartChild(std::shared_ptr<Scope> scope,
                                                  std::string workflow_type,
                                                  ChildWorkflowOptions options, Payloads input,
                                                  Header header) {
  auto state = std::make_shared<ChildState>();
  state->started = std::make_shared<FutureState<hugo::Result<WorkflowExecution>>>();
  state->result = std::make_shared<FutureState<hugo::Result<Payloads>>>();
  WorkflowContext::RawChild raw{
      Future<hugo::Result<WorkflowExecution>>::FromState(&scheduler_, state->started),
      Future<hugo::Result<Payloads>>::FromState(&scheduler_, state->result)};
  if (scope->canceled) {
    state->started->Resolve(hugo::Error::Canceled());
    state->result->Resolve(hugo::Error::Canceled());
    return raw;
  }
  int64_t seq = NextSequence();
  state->workflow_id =
      options.workflow_id.empty() ? info_.run_id + "_" + std::to_string(seq) : options.workflow_id;
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION);
  auto* a = c.mutable_start_child_workflow_execution_command_attributes();
  a->set_workflow_id(state->workflow_id);
  a->mutable_workflow_type()->set_name(workflow_type);
  a->mutable_task_queue()->set_name(options.task_queue.empty() ? info_.task_queue
                                                               : options.task_queue);
  a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  *a->mutable_input() = std::move(input);
  if (!header.fields().empty()) *a->mutable_header() = std::move(header);
  if (options.execution_timeout.count() > 0) {
    *a->mutable_workflow_execution_timeout() = ToProtoDuration(options.execution_timeout);
  }
  if (options.run_timeout.count() > 0)
    *a->mutable_workflow_run_timeout() = ToProtoDuration(options.run_timeout);
  if (options.task_timeout.count() > 0)
    *a->mutable_workflow_task_timeout() = ToProtoDuration(options.task_timeout);
  a->set_parent_close_policy(static_cast<enums::ParentClosePolicy>(options.parent_close_policy));
  if (options.retry_policy) *a->mutable_retry_policy() = options.retry_policy->ToProto();
  a->set_cron_schedule(options.cron_schedule);
  for (const auto& [k, v] : options.memo) {
    (*a->mutable_memo()->mutable_fields())[k] = ToPayload(v).ValueOr(Payload());
  }
  for (const auto& [k, v] : options.search_attributes) {
    (*a->mutable_search_attributes()->mutable_indexed_fields())[k] =
        ToPayload(v).ValueOr(Payload());
  }
  for (const auto& [k, v] : options.typed_search_attributes.payloads()) {
    (*a->mutable_search_attributes()->mutable_indexed_fields())[k] = v;
  }
  state->command = AddCommand(
      std::move(c), enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, state->workflow_id);
  state->command->on_recorded = [this, state](const HistoryEvent& event) {
    state->initiated_event_id = event.event_id();
    children_[event.event_id()] = state;
  };
  scope->OnCancel([this, state] {
    if (state->result->value) return;
    if (state->initiated_event_id == 0) {
      state->command->dropped = true;
      state->started->Resolve(hugo::Error::Canceled());
      state->result->Resolve(hugo::Error::Canceled());
      return;
    }
    // Wait for the child to close (ChildWorkflowExecutionCanceled), as the Go SDK's default.
    (void)CancelExternal(state->workflow_id, "", true);
  });
  return raw;
}

Future<hugo::Result<hugo::Unit>> WorkflowRun::SignalExternal(
    std::shared_ptr<Scope> scope, std::string workflow_id, std::string run_id,
    std::string signal_name, Payloads input, bool child_workflow_only, Header header) {
  auto state = std::make_shared<ExternalState>();
  state->future = std::make_shared<FutureState<hugo::Result<hugo::Unit>>>();
  auto future = Future<hugo::Result<hugo::Unit>>::FromState(&scheduler_, state->future);
  if (scope->canceled) {
    state->future->Resolve(hugo::Error::Canceled());
    return future;
  }
  NextSequence();
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION);
  auto* a = c.mutable_signal_external_workflow_execution_command_attributes();
  a->mutable_execution()->set_workflow_id(workflow_id);
  a->mutable_execution()->set_run_id(run_id);
  a->set_signal_name(signal_name);
  *a->mutable_input() = std::move(input);
  if (!header.fields().empty()) *a->mutable_header() = std::move(header);
  a->set_child_workflow_only(child_workflow_only);
  state->command =
      AddCommand(std::move(c), enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
                 workflow_id + ":" + signal_name);
  state->command->on_recorded = [this, state](const HistoryEvent& event) {
    externals_[event.event_id()] = state;
  };
  return future;
}

Future<hugo::Result<hugo::Unit>> WorkflowRun::CancelExternal(std::string workflow_id,
                                                             std::string run_id,
                                                             bool child_workflow_only) {
  auto state = std::make_shared<ExternalState>();
  state->future = std::make_shared<FutureState<hugo::Result<hugo::Unit>>>();
  NextSequence();
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION);
  auto* a = c.mutable_request_cancel_external_workflow_execution_command_attributes();
  a->set_workflow_id(workflow_id);
  a->set_run_id(run_id);
  a->set_child_workflow_only(child_workflow_only);
  state->command = AddCommand(
      std::move(c), enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
      workflow_id);
  state->command->on_recorded = [this, state](const HistoryEvent& event) {
    externals_[event.event_id()] = state;
  };
  return Future<hugo::Result<hugo::Unit>>::FromState(&scheduler_, state->future);
}

void WorkflowRun::UpsertSearchAttributes(const std::map<std::string, Payload>& attributes) {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  auto* fields = c.mutable_upsert_workflow_search_attributes_command_attributes()
                     ->mutable_search_attributes()
                     ->mutable_indexed_fields();
  for (const auto& [k, v] : attributes) {
    (*fields)[k] = v;
    // An unset (binary/null) removes the attribute, as the server does.
    if (PayloadEncoding(v) == Encodings::kNull) {
      info_.search_attributes.erase(k);
    } else {
      info_.search_attributes[k] = v;
    }
  }
  AddCommand(std::move(c), enums::EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, "");
}

void WorkflowRun::UpsertMemo(const std::map<std::string, Payload>& memo) {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES);
  auto* fields = c.mutable_modify_workflow_properties_command_attributes()
                     ->mutable_upserted_memo()
                     ->mutable_fields();
  for (const auto& [k, v] : memo) {
    (*fields)[k] = v;
    info_.memo[k] = v;
  }
  AddCommand(std::move(c), enums::EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, "");
}

uint64_t WorkflowRun::NextRandom() {
  if (!random_seeded_) {
    std::seed_seq seed(info_.first_execution_run_id.begin(), info_.first_execution_run_id.end());
    random_.seed(seed);
    random_seeded_ = true;
  }
  return random_();
}

// ---------------------------------------------------------------------------------------------
// Conditions, branches, queries, updates.

void WorkflowRun::AddCondition(std::shared_ptr<FutureState<bool>> waiter,
                               std::function<bool()> condition) {
  conditions_.emplace_back(std::move(waiter), std::move(condition));
}

void WorkflowRun::Spawn(Workflow<hugo::Unit> coroutine) {
  scheduler_.Schedule(coroutine.handle());
  spawned_.push_back(std::move(coroutine));
}

void WorkflowRun::SetQueryHandler(std::string name, WorkflowContext::RawQueryHandler handler,
                                  QueryHandlerOptions options) {
  queries_[std::move(name)] = QueryHandlerEntry{std::move(handler), std::move(options)};
}

std::vector<std::string> WorkflowRun::UnhandledSignalNames() const {
  std::vector<std::string> names;
  for (const auto& [name, state] : signals_) {
    if (state && !state->items.empty()) names.push_back(name);
  }
  return names;
}

void WorkflowRun::DeclareSignal(const std::string& name, std::string description) {
  auto [it, added] = signal_definitions_.try_emplace(name, std::move(description));
  if (!added && it->second.empty()) it->second = std::move(description);
}

void WorkflowRun::SetUpdateHandler(std::string name, WorkflowContext::RawUpdateHandler handler,
                                   WorkflowContext::RawUpdateValidator validator,
                                   UpdateHandlerOptions options) {
  update_handlers_[std::move(name)] =
      UpdateHandlerEntry{std::move(handler), std::move(validator), std::move(options)};
}

hugo::Result<Payloads> WorkflowRun::Query(const std::string& query_type, const Payloads& args,
                                          const temporal::api::common::v1::Header& header) {
  // `__stack_trace` is answered before the interceptors, as the Go SDK answers it (and
  // `__open_sessions`) ahead of its query handler; the metadata query goes through them, as in Go,
  // so an interceptor can see or rewrite what the run says about itself.
  if (query_type == kStackTraceQuery) return ToPayloads(StackTrace());
  QueryInput input{query_type, args, HeaderToFields(header)};
  hugo::Result<Payloads> answer = [&]() -> hugo::Result<Payloads> {
    try {
      return chains_ ? chains_->query(RootContext(), input) : AnswerQuery(input);
    } catch (...) {
      return hugo::Error::FromException(std::current_exception(), "hdo.query.exception");
    }
  }();
  // As the Go SDK: an answer above 2 MB fails the query here rather than at the server.
  if (answer.IsSuccess() && answer.Value().ByteSizeLong() > kQueryResultSizeLimit) {
    const std::string size = std::to_string(answer.Value().ByteSizeLong());
    std::cerr << "level=error workflow_id=" << info_.workflow_id << " run_id=" << info_.run_id
              << " query_type=" << query_type << " size=" << size
              << " limit=" << kQueryResultSizeLimit
              << " msg=\"query result size exceeds limit; answer with less (e.g. a summary) or "
                 "read the data through an activity\"\n";
    return hugo::Error::From("query result size (" + size + ") exceeds limit (" +
                                 std::to_string(kQueryResultSizeLimit) + ")",
                             "hdo.query.result_too_large");
  }
  return answer;
}

hugo::Result<Payloads> WorkflowRun::AnswerQuery(const QueryInput& input) {
  const std::string& query_type = input.query_type;
  const Payloads& args = input.args;
  if (query_type == kWorkflowMetadataQuery) return WorkflowMetadata();
  auto it = queries_.find(query_type);
  if (it == queries_.end()) {
    std::string known = std::string(kStackTraceQuery) + " " + std::string(kWorkflowMetadataQuery);
    for (const auto& [name, handler] : queries_) known += " " + name;
    return hugo::Error::From(
        "unknown queryType " + query_type + ". KnownQueryTypes=[" + known + "]",
        "hdo.query.unknown_type");
  }
  try {
    return it->second.handler(args);
  } catch (...) {
    return hugo::Error::FromException(std::current_exception(), "hdo.query.exception");
  }
}

// What the run waits for, one line each, in the order the code asked for it (the Go SDK answers
// with its goroutines' stacks; a coroutine has no stack to print, so this names what each
// suspended branch waits on).
std::string WorkflowRun::StackTrace() const {
  std::string trace = "workflow " + info_.workflow_type + " (workflow id " + info_.workflow_id +
                      ", run id " + info_.run_id + ") is waiting for:";
  size_t lines = 0;
  auto line = [&](const std::string& text) {
    trace += "\n  " + text;
    ++lines;
  };
  for (const auto& [event_id, activity] : activities_) {
    line("activity " + activity->activity_type + " (activity id " + activity->activity_id +
         (event_id > 0 ? ", scheduled event " + std::to_string(event_id) : ", not yet scheduled") +
         ")");
  }
  for (const auto& local : local_pending_) {
    line("local activity " + local->activity_type + " (activity id " + local->activity_id + ")");
  }
  for (const auto& [id, local] : local_running_) {
    line("local activity " + local->activity_type + " (activity id " + id + ", running)");
  }
  for (const auto& [id, timer] : timers_) line("timer " + id);
  for (const auto& [event_id, child] : children_) {
    line("child workflow " + child->workflow_id +
         (event_id > 0 ? " (initiated event " + std::to_string(event_id) + ")" : ""));
  }
  for (const auto& [event_id, external] : externals_) {
    line("a signal or cancel request to another workflow (initiated event " +
         std::to_string(event_id) + ")");
  }
  // Commands of the operations above that history does not hold yet (made by the latest
  // activation, or sent and not yet recorded).
  auto unrecorded = [&](const std::shared_ptr<Command>& command) {
    if (command->dropped) return;
    const auto& proto = command->proto;
    switch (command->event_type) {
      case enums::EVENT_TYPE_TIMER_STARTED:
        line("timer " + command->key + " (not yet in history)");
        break;
      case enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        line("activity " +
             proto.schedule_activity_task_command_attributes().activity_type().name() +
             " (activity id " + command->key + ", not yet in history)");
        break;
      case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        line("child workflow " + command->key + " (not yet in history)");
        break;
      case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        line("a signal or cancel request to another workflow (not yet in history)");
        break;
      default:
        break;
    }
  };
  for (const auto& command : sent_) unrecorded(command);
  for (const auto& command : pending_) unrecorded(command);
  if (!conditions_.empty()) line(std::to_string(conditions_.size()) + " Await condition(s)");
  for (const auto& [id, name] : running_updates_) {
    line("update handler " + name + " (update id " + id + ")");
  }
  if (lines == 0) trace += " nothing (a signal, or the next workflow task)";
  return trace;
}

// `__temporal_workflow_metadata`: the handlers this run registered and its current details, as
// temporal.api.sdk.v1.WorkflowMetadata in json/protobuf (what the Go SDK answers; the Temporal UI
// and `temporal workflow metadata` read it). Each list sorted by name (byte order, as Go sorts),
// the built-in queries among the queries.
hugo::Result<Payloads> WorkflowRun::WorkflowMetadata() const {
  temporal::api::sdk::v1::WorkflowMetadata metadata;
  auto* definition = metadata.mutable_definition();
  definition->set_type(info_.workflow_type);
  auto add = [](auto* list, const std::string& name, const std::string& description) {
    auto* entry = list->Add();
    entry->set_name(name);
    entry->set_description(description);
  };
  std::map<std::string, std::string> queries;
  for (const auto& [name, entry] : queries_) queries[name] = entry.options.description;
  queries[std::string(kStackTraceQuery)] = "Current stack trace";
  queries[std::string(kWorkflowMetadataQuery)] = "Metadata about the workflow";
  for (const auto& [name, description] : queries) {
    add(definition->mutable_query_definitions(), name, description);
  }
  for (const auto& [name, description] : signal_definitions_) {
    add(definition->mutable_signal_definitions(), name, description);
  }
  for (const auto& [name, entry] : update_handlers_) {
    add(definition->mutable_update_definitions(), name, entry.options.description);
  }
  metadata.set_current_details(current_details_);
  return ToPayloads(metadata);
}

hugo::Result<hugo::Unit> WorkflowRun::RunUpdateValidator(const UpdateInput& input) {
  auto handler = update_handlers_.find(input.update_name);
  if (handler == update_handlers_.end() || !handler->second.validator) {
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  }
  return handler->second.validator(input.args);
}

Workflow<Payloads> WorkflowRun::RunUpdateHandler(WorkflowContext ctx, const UpdateInput& input) {
  auto handler = update_handlers_.find(input.update_name);
  if (handler == update_handlers_.end()) {
    return FailedWorkflow(
        hugo::Error::From("no handler for update " + input.update_name, "hdo.update.unknown_name"));
  }
  return handler->second.handler(ctx, input.args);
}

Workflow<Payloads> WorkflowRun::StartUpdateHandler(WorkflowContext ctx, const UpdateInput& input) {
  return chains_ ? chains_->execute_update(ctx, input) : RunUpdateHandler(ctx, input);
}

bool WorkflowRun::DeliverUpdates() {
  bool delivered = !replay_updates_.empty();
  for (const auto& request : replay_updates_) {
    DeliverUpdate(request, request.meta().update_id() + "/request", 0, false);
  }
  if (replaying_) return delivered;
  std::vector<temporal::api::protocol::v1::Message> messages = std::move(admitted_updates_);
  admitted_updates_.clear();
  for (auto& m : incoming_messages_) messages.push_back(std::move(m));
  incoming_messages_.clear();
  for (const auto& m : messages) {
    temporal::api::update::v1::Request request;
    if (!m.body().UnpackTo(&request)) continue;
    DeliverUpdate(request, m.id(), m.event_id(), true);
    delivered = true;
  }
  return delivered;
}

namespace {
Workflow<hugo::Unit> RunUpdate(WorkflowRun* run, std::string update_id, Workflow<Payloads> body) {
  hugo::Result<Payloads> outcome = co_await std::move(body);
  run->CompleteUpdateFromCoroutine(update_id, outcome);
  co_return hugo::Unit{};
}
}  // namespace

void WorkflowRun::DeliverUpdate(const temporal::api::update::v1::Request& request,
                                const std::string& message_id, int64_t sequencing_event_id,
                                bool validate) {
  const std::string& update_id = request.meta().update_id();
  if (!delivered_updates_.insert(update_id).second) return;
  auto handler = update_handlers_.find(request.input().name());
  hugo::Result<hugo::Unit> valid = hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  if (handler == update_handlers_.end()) {
    std::string known;
    for (const auto& [name, h] : update_handlers_) known += (known.empty() ? "" : " ") + name;
    valid = hugo::Error::From(
        "unknown update " + request.input().name() + ". KnownUpdates=[" + known + "]",
        "hdo.update.unknown_name");
  } else if (validate) {
    UpdateInput input{update_id, request.input().name(), request.input().args(),
                      HeaderToFields(request.input().header())};
    try {
      valid = chains_ ? chains_->validate_update(RootContext(), input) : RunUpdateValidator(input);
    } catch (...) {
      valid = hugo::Error::FromException(std::current_exception(), "hdo.update.exception");
    }
  }
  temporal::api::protocol::v1::Message m;
  m.set_protocol_instance_id(update_id);
  if (valid.IsFailure()) {
    if (!validate) {  // accepted in history but no handler now
      Fail(hugo::Error::From("history accepted update " + update_id + " (" +
                                 request.input().name() + ") that the workflow has no handler for",
                             std::string(WorkflowErrorCodes::kNonDeterminism)));
      return;
    }
    temporal::api::update::v1::Rejection rejection;
    rejection.set_rejected_request_message_id(message_id);
    rejection.set_rejected_request_sequencing_event_id(sequencing_event_id);
    *rejection.mutable_rejected_request() = request;
    *rejection.mutable_failure() = ErrorToFailure(valid.Error());
    m.set_id(update_id + "/reject");
    m.mutable_body()->PackFrom(rejection);
    AddProtocolMessage(std::move(m), false, enums::EVENT_TYPE_UNSPECIFIED, "");
    return;
  }
  temporal::api::update::v1::Acceptance acceptance;
  acceptance.set_accepted_request_message_id(message_id);
  acceptance.set_accepted_request_sequencing_event_id(sequencing_event_id);
  *acceptance.mutable_accepted_request() = request;
  m.set_id(update_id + "/accept");
  m.mutable_body()->PackFrom(acceptance);
  AddProtocolMessage(std::move(m), true, enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
                     update_id);
  // The handler's context: the run's values with the update header's extracted over them.
  hugo::Result<HeaderFields> values = internal::ExtractToWorkflow(
      options_.context_propagators, HeaderToFields(request.input().header()),
      RootContext().ContextValues());
  running_updates_[update_id] = request.input().name();
  Workflow<Payloads> body =
      values.IsFailure()
          ? FailedWorkflow(values.Error())
          : StartUpdateHandler(
                WorkflowContext(this, root_scope_,
                                std::make_shared<const HeaderFields>(std::move(values).Value()),
                                std::make_shared<const UpdateInfo>(
                                    UpdateInfo{update_id, request.input().name()})),
                UpdateInput{update_id, request.input().name(), request.input().args(),
                            HeaderToFields(request.input().header())});
  Spawn(RunUpdate(this, update_id, std::move(body)));
}

void WorkflowRun::CompleteUpdateFromCoroutine(const std::string& update_id,
                                              const hugo::Result<Payloads>& outcome) {
  running_updates_.erase(update_id);
  temporal::api::update::v1::Response response;
  response.mutable_meta()->set_update_id(update_id);
  if (outcome.IsSuccess()) {
    *response.mutable_outcome()->mutable_success() = outcome.Value();
  } else {
    *response.mutable_outcome()->mutable_failure() = ErrorToFailure(outcome.Error());
  }
  temporal::api::protocol::v1::Message m;
  m.set_id(update_id + "/complete");
  m.set_protocol_instance_id(update_id);
  m.mutable_body()->PackFrom(response);
  AddProtocolMessage(std::move(m), true, enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
                     update_id);
}

void WorkflowRun::AddProtocolMessage(temporal::api::protocol::v1::Message message,
                                     bool with_command, EventType event_type, std::string key) {
  if (with_command) {
    command::Command c;
    c.set_command_type(enums::COMMAND_TYPE_PROTOCOL_MESSAGE);
    c.mutable_protocol_message_command_attributes()->set_message_id(message.id());
    AddCommand(std::move(c), event_type, std::move(key));
  }
  outgoing_messages_.push_back(std::move(message));
}

}  // namespace hdo::internal
