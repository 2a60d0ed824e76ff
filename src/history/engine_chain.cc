// Chains of runs under one workflow id: a new run's first transition (shared by start,
// signal-with-start, children and every chain), continue-as-new, workflow retries and cron
// (reference: service/history/workflow/retry.go SetupNewWorkflowForRetryOrCron,
// mutable_state_impl.go AddContinueAsNewEvent and ContinueAsNewMinBackoff).
//
// A chain's next run is created in the same transaction that closes the previous one: the close
// event names it (new_execution_run_id), the current-run pointer moves to it, and the first
// workflow task waits for the backoff (retry interval, cron schedule, the reuse interval) on a
// timer task.
#include <algorithm>

#include "common/error_codes.h"
#include "history/completing_worker.h"
#include "history/cron.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/time_util.h"

// The namespace fields of the child and external commands and events, and the failure of
// continue-as-new, are deprecated in the API but still sent by SDKs and written by the reference.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace hdo::history {
namespace {

using internal::IsRunning;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using persistence::v1::MutableState;
using persistence::v1::TimerTask;

bool Positive(const google::protobuf::Duration& duration) {
  return duration.seconds() > 0 || (duration.seconds() == 0 && duration.nanos() > 0);
}

// What a retry or cron run carries over from the chain's previous run: its start request as the
// Started event recorded it.
wf::StartWorkflowExecutionRequest StartRequestOf(
    const MutableState& state, const hist::WorkflowExecutionStartedEventAttributes& started) {
  wf::StartWorkflowExecutionRequest request;
  request.set_workflow_id(state.workflow_id());
  *request.mutable_workflow_type() = started.workflow_type();
  request.mutable_task_queue()->set_name(started.task_queue().name());
  if (started.has_input()) *request.mutable_input() = started.input();
  if (started.has_header()) *request.mutable_header() = started.header();
  if (started.has_workflow_execution_timeout()) {
    *request.mutable_workflow_execution_timeout() = started.workflow_execution_timeout();
  }
  if (started.has_workflow_run_timeout()) {
    *request.mutable_workflow_run_timeout() = started.workflow_run_timeout();
  }
  *request.mutable_workflow_task_timeout() = started.workflow_task_timeout();
  if (started.has_retry_policy()) *request.mutable_retry_policy() = started.retry_policy();
  request.set_cron_schedule(started.cron_schedule());
  if (started.has_memo()) *request.mutable_memo() = started.memo();
  if (started.has_search_attributes()) {
    *request.mutable_search_attributes() = started.search_attributes();
  }
  if (started.has_priority()) *request.mutable_priority() = started.priority();
  return request;
}

}  // namespace

hugo::Result<Engine::Mutation> Engine::BuildNewRun(const NewRun& spec) {
  const wf::StartWorkflowExecutionRequest& request = spec.request;
  const std::string run_id = spec.run_id.empty() ? NewRunId() : spec.run_id;
  Mutation m;
  m.write = spec.write;
  m.run.record.key = {spec.namespace_id, request.workflow_id(), run_id};
  m.run.record.db_version = 0;
  MutableState& state = m.run.state;
  state.set_namespace_id(spec.namespace_id);
  state.set_workflow_id(request.workflow_id());
  state.set_run_id(run_id);
  const std::string first_run_id =
      spec.first_execution_run_id.empty() ? run_id : spec.first_execution_run_id;
  state.set_first_execution_run_id(first_run_id);
  state.set_workflow_type(request.workflow_type().name());
  state.set_task_queue(request.task_queue().name());
  if (request.has_priority()) *state.mutable_priority() = request.priority();
  state.set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  state.set_next_event_id(1);
  state.set_create_request_id(request.request_id());
  state.set_attempt(spec.attempt);
  state.set_cron_schedule(request.cron_schedule());
  // One instant for the start time, the Started event's time and (plus the backoff) the
  // execution time, as the reference derives them from the start event.
  const google::protobuf::Timestamp started_at = now_();
  *state.mutable_start_time() = started_at;
  *state.mutable_execution_time() = AddDuration(started_at, spec.backoff);
  *state.mutable_memo() = request.memo();
  *state.mutable_search_attributes() = request.search_attributes();
  auto attributes = ApplySearchAttributes(state, request.search_attributes());
  if (attributes.IsFailure()) return attributes.Error();
  if (request.has_retry_policy()) *state.mutable_retry_policy() = request.retry_policy();
  if (spec.parent != nullptr) *state.mutable_parent() = *spec.parent;
  state.set_root_workflow_id(spec.root_workflow_id.empty() ? request.workflow_id()
                                                           : spec.root_workflow_id);
  state.set_root_run_id(spec.root_run_id.empty() ? run_id : spec.root_run_id);
  if (spec.last_completion_result != nullptr) {
    *state.mutable_last_completion_result() = *spec.last_completion_result;
  }
  if (spec.continued_failure != nullptr) {
    *state.mutable_continued_failure() = *spec.continued_failure;
  }
  // Reference normalization: the run timeout defaults to and is capped by the execution timeout;
  // the task timeout defaults to 10 s, is capped by the run timeout and by 120 s.
  google::protobuf::Duration execution_timeout = request.workflow_execution_timeout();
  google::protobuf::Duration run_timeout =
      MinNonZero(request.workflow_run_timeout(), execution_timeout);
  int64_t task_timeout_ms = ToMillis(request.workflow_task_timeout());
  if (task_timeout_ms <= 0) {
    task_timeout_ms = std::chrono::milliseconds(options_.default_workflow_task_timeout).count();
  }
  task_timeout_ms = std::min<int64_t>(
      task_timeout_ms, std::chrono::milliseconds(options_.max_workflow_task_timeout).count());
  if (!IsZero(run_timeout)) task_timeout_ms = std::min(task_timeout_ms, ToMillis(run_timeout));
  // Presence kept: a chain's next run and a child's Started event write it only when sent.
  if (request.has_workflow_execution_timeout()) {
    *state.mutable_workflow_execution_timeout() = execution_timeout;
  }
  // Present as on the Started event: sent, or derived from the execution timeout (Describe
  // reports a run timeout a TypeScript client never sent as none, as the reference).
  if (request.has_workflow_run_timeout() || !IsZero(run_timeout)) {
    *state.mutable_workflow_run_timeout() = run_timeout;
  }
  *state.mutable_default_workflow_task_timeout() = DurationFromMillis(task_timeout_ms);
  // The run's clock starts when its first workflow task may: after the backoff.
  if (!IsZero(run_timeout)) {
    *state.mutable_run_expiration_time() = AddDuration(state.execution_time(), run_timeout);
  }
  if (IsSet(spec.execution_expiration_time)) {
    *state.mutable_execution_expiration_time() = spec.execution_expiration_time;
  } else if (!IsZero(execution_timeout)) {
    *state.mutable_execution_expiration_time() =
        AddDuration(state.execution_time(), execution_timeout);
  }

  auto* started_event = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  *started_event->mutable_event_time() = started_at;
  // The workflow's summary and details (the reference's history builder: on the event itself).
  if (request.has_user_metadata())
    *started_event->mutable_user_metadata() = request.user_metadata();
  auto* started = started_event->mutable_workflow_execution_started_event_attributes();
  *started->mutable_workflow_type() = request.workflow_type();
  started->mutable_task_queue()->set_name(request.task_queue().name());
  started->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  if (request.has_input()) *started->mutable_input() = request.input();
  // Timeouts are written as the client sent them (a Go client sends explicit zeros, a
  // TypeScript client none), the run timeout also when it came from the execution timeout.
  if (request.has_workflow_execution_timeout()) {
    *started->mutable_workflow_execution_timeout() = execution_timeout;
  }
  if (request.has_workflow_run_timeout() || !IsZero(run_timeout)) {
    *started->mutable_workflow_run_timeout() = run_timeout;
  }
  *started->mutable_workflow_task_timeout() = state.default_workflow_task_timeout();
  started->set_continued_execution_run_id(spec.continued_execution_run_id);
  started->set_initiator(spec.initiator);
  if (spec.continued_failure != nullptr) {
    *started->mutable_continued_failure() = *spec.continued_failure;
  }
  if (spec.last_completion_result != nullptr) {
    *started->mutable_last_completion_result() = *spec.last_completion_result;
  }
  if (spec.backoff_present || Positive(spec.backoff)) {
    *started->mutable_first_workflow_task_backoff() = spec.backoff;
  }
  started->set_original_execution_run_id(run_id);
  if (spec.prev_auto_reset_points != nullptr) {
    *started->mutable_prev_auto_reset_points() = *spec.prev_auto_reset_points;
    *state.mutable_auto_reset_points() = RolledOverResetPoints(
        *spec.prev_auto_reset_points, spec.continued_execution_run_id, now_(),
        options_.retention ? options_.retention(spec.namespace_id) : std::chrono::hours(24));
  }
  started->set_first_execution_run_id(first_run_id);
  started->set_identity(request.identity());
  started->set_attempt(spec.attempt);
  started->set_workflow_id(request.workflow_id());
  if (IsSet(state.execution_expiration_time())) {
    *started->mutable_workflow_execution_expiration_time() = state.execution_expiration_time();
  }
  if (request.has_memo()) *started->mutable_memo() = request.memo();
  if (request.has_search_attributes()) {
    *started->mutable_search_attributes() = request.search_attributes();
  }
  if (request.has_header()) *started->mutable_header() = request.header();
  if (request.has_retry_policy()) *started->mutable_retry_policy() = request.retry_policy();
  started->set_cron_schedule(request.cron_schedule());
  if (request.has_priority()) *started->mutable_priority() = request.priority();
  auto versioning = ApplyStartVersioning(m, spec, started);
  if (versioning.IsFailure()) return versioning.Error();
  // Nexus: the completion callbacks of the chain (a new chain's from its start request, a
  // continuing one's carried over) and the links the start came with.
  if (spec.callbacks != nullptr) {
    // The chain's own (an update's callbacks stay with the run whose update they wait for).
    for (const auto& info : *spec.callbacks) {
      if (info.update_id().empty()) *state.add_callbacks() = info;
    }
  } else {
    for (const auto& callback : request.completion_callbacks()) {
      auto* info = state.add_callbacks();
      *info->mutable_callback() = callback;
      *info->mutable_registration_time() = now_();
      info->set_state(enums::CALLBACK_STATE_STANDBY);
    }
  }
  for (const auto& info : state.callbacks()) *started->add_completion_callbacks() = info.callback();
  for (const auto& link : request.links()) *started_event->add_links() = link;
  if (spec.parent != nullptr) {
    started->set_parent_workflow_namespace(spec.parent->namespace_());
    started->set_parent_workflow_namespace_id(spec.parent->namespace_id());
    started->mutable_parent_workflow_execution()->set_workflow_id(spec.parent->workflow_id());
    started->mutable_parent_workflow_execution()->set_run_id(spec.parent->run_id());
    started->set_parent_initiated_event_id(spec.parent->initiated_event_id());
    started->mutable_root_workflow_execution()->set_workflow_id(state.root_workflow_id());
    started->mutable_root_workflow_execution()->set_run_id(state.root_run_id());
  }

  if (spec.signal != nullptr) {
    const auto* signal = spec.signal;
    auto* signaled_event = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    for (const auto& link : signal->links()) *signaled_event->add_links() = link;
    auto* signaled = signaled_event->mutable_workflow_execution_signaled_event_attributes();
    signaled->set_signal_name(signal->signal_name());
    if (signal->has_signal_input()) *signaled->mutable_input() = signal->signal_input();
    signaled->set_identity(signal->identity());
    if (signal->has_header()) *signaled->mutable_header() = signal->header();
    signaled->set_request_id(signal->request_id());
    state.set_signal_count(1);
    // A retried signal-with-start that finds this run signals it no second time.
    if (!signal->request_id().empty()) state.add_signal_request_ids(signal->request_id());
  }
  if (Positive(spec.backoff)) {
    state.set_workflow_task_backoff_pending(true);
    TimerTask backoff;
    backoff.set_kind(TimerTask::KIND_WORKFLOW_BACKOFF);
    AddTimer(m, std::move(backoff), state.execution_time());
  } else {
    ScheduleWorkflowTask(m, 1);
  }
  const google::protobuf::Timestamp& deadline =
      !IsSet(state.run_expiration_time()) ? state.execution_expiration_time()
      : !IsSet(state.execution_expiration_time())
          ? state.run_expiration_time()
          : (ToMillis(state.run_expiration_time()) <= ToMillis(state.execution_expiration_time())
                 ? state.run_expiration_time()
                 : state.execution_expiration_time());
  if (IsSet(deadline)) {
    TimerTask timeout;
    timeout.set_kind(TimerTask::KIND_WORKFLOW_RUN_TIMEOUT);
    AddTimer(m, std::move(timeout), deadline);
  }
  return hugo::Ok(std::move(m));
}

bool Engine::OnWorkflowBackoff(Mutation& m, const TimerTask& /*task*/) {
  MutableState& state = m.run.state;
  // A task scheduled meanwhile (an update's, a later signal-with-start's) ended the wait.
  const bool waiting = PendingOnBackoff(state);
  if (!state.workflow_task_backoff_pending()) return false;
  state.set_workflow_task_backoff_pending(false);
  if (waiting) EnsureWorkflowTask(m);
  return true;
}

google::protobuf::Duration Engine::ChainBackoff(const MutableState& state,
                                                const google::protobuf::Duration& backoff) {
  // The run's lifetime counts from its first workflow task (start time plus its own backoff).
  const google::protobuf::Timestamp& began =
      IsSet(state.execution_time()) ? state.execution_time() : state.start_time();
  const int64_t lifetime_ms = NowMs() - ToMillis(began);
  const int64_t minimum_ms = options_.workflow_id_reuse_minimal_interval.count();
  if (lifetime_ms + ToMillis(backoff) < minimum_ms) {
    return DurationFromMillis(minimum_ms - lifetime_ms);
  }
  return backoff;
}

hugo::Result<hugo::Unit> Engine::ContinueChain(Mutation& m, hist::HistoryEvent* close_event,
                                               const temporal::api::failure::v1::Failure* failure,
                                               const temporal::api::common::v1::Payloads* result) {
  MutableState& state = m.run.state;
  const auto type = close_event->event_type();
  const bool failed = type == enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED ||
                      type == enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT;
  enums::RetryState retry_state = enums::RETRY_STATE_RETRY_POLICY_NOT_SET;
  enums::ContinueAsNewInitiator initiator = enums::CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED;
  google::protobuf::Duration backoff;
  if (failed) {
    std::optional<google::protobuf::Timestamp> expiration;
    if (IsSet(state.execution_expiration_time())) expiration = state.execution_expiration_time();
    RetryDecision decision =
        NextWorkflowRetry(state.has_retry_policy() ? &state.retry_policy() : nullptr,
                          state.attempt(), failure, expiration, now_());
    retry_state = decision.state;
    if (retry_state == enums::RETRY_STATE_IN_PROGRESS) {
      initiator = enums::CONTINUE_AS_NEW_INITIATOR_RETRY;
      backoff = decision.backoff;
    }
  }
  if (initiator == enums::CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED && !state.cron_schedule().empty()) {
    auto schedule = CronSchedule::Parse(state.cron_schedule());
    if (schedule.IsSuccess()) {
      const google::protobuf::Timestamp& scheduled =
          IsSet(state.execution_time()) ? state.execution_time() : state.start_time();
      auto wait = CronBackoffMs(schedule.Value(), ToMillis(scheduled), NowMs());
      if (wait.has_value()) {
        initiator = enums::CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE;
        backoff = DurationFromMillis(*wait);
      }
    }
  }
  if (type == enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED) {
    close_event->mutable_workflow_execution_failed_event_attributes()->set_retry_state(retry_state);
  } else if (type == enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT) {
    close_event->mutable_workflow_execution_timed_out_event_attributes()->set_retry_state(
        retry_state);
  }
  if (initiator == enums::CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED) return hugo::Ok();

  auto first = ReadEvents(m.run.record.key, 1, 1);
  if (first.IsFailure()) return first.Error();
  if (first.Value().events_size() == 0) {
    return hugo::Error::From("run " + state.run_id() + " has no Started event", errors::kInternal);
  }
  const auto& started = first.Value().events(0).workflow_execution_started_event_attributes();
  NewRun next;
  next.namespace_id = state.namespace_id();
  next.request = StartRequestOf(state, started);
  next.request.set_request_id(uuids_.Next());
  next.write.current_mode = persistence::CurrentRunMode::kReplace;
  next.write.expected_current_run_id = state.run_id();
  next.write.create_request_id = next.request.request_id();
  next.continued_execution_run_id = state.run_id();
  next.first_execution_run_id = state.first_execution_run_id();
  next.initiator = initiator;
  next.attempt = initiator == enums::CONTINUE_AS_NEW_INITIATOR_RETRY ? state.attempt() + 1 : 1;
  next.backoff = ChainBackoff(state, backoff);
  // A cron run that succeeded hands on its result; one that failed, the chain's last success.
  const temporal::api::common::v1::Payloads* last_result = result != nullptr ? result
                                                           : state.has_last_completion_result()
                                                               ? &state.last_completion_result()
                                                               : nullptr;
  next.last_completion_result = last_result;
  next.continued_failure = failed ? failure : nullptr;
  next.execution_expiration_time = state.execution_expiration_time();
  next.parent = state.has_parent() ? &state.parent() : nullptr;
  // A child's runs keep its tree's root; a run without a parent is the root of its own tree, as
  // the reference passes the root on only with a parent.
  if (state.has_parent()) {
    next.root_workflow_id = state.root_workflow_id();
    next.root_run_id = state.root_run_id();
  }
  next.callbacks = &state.callbacks();
  if (state.has_auto_reset_points()) next.prev_auto_reset_points = &state.auto_reset_points();
  auto built = BuildNewRun(next);
  if (built.IsFailure()) return built.Error();
  const std::string& new_run_id = built.Value().run.record.key.run_id;
  state.set_new_execution_run_id(new_run_id);
  switch (type) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      close_event->mutable_workflow_execution_completed_event_attributes()
          ->set_new_execution_run_id(new_run_id);
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      close_event->mutable_workflow_execution_failed_event_attributes()->set_new_execution_run_id(
          new_run_id);
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      close_event->mutable_workflow_execution_timed_out_event_attributes()
          ->set_new_execution_run_id(new_run_id);
      break;
    default:
      break;
  }
  m.also.push_back(std::move(built).Value());
  return hugo::Ok();
}

std::optional<CommandRejection> Engine::ContinueAsNew(
    Mutation& m,
    temporal::api::command::v1::ContinueAsNewWorkflowExecutionCommandAttributes attributes,
    int64_t completed_event_id) {
  MutableState& state = m.run.state;
  constexpr auto kBad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES;
  if (attributes.workflow_type().name().empty()) {
    attributes.mutable_workflow_type()->set_name(state.workflow_type());
  }
  const std::string& type_name = attributes.workflow_type().name();
  if (type_name.size() > kCommandIdLengthMax) {
    return CommandRejection{kBad,
                            "WorkflowType on ContinueAsNewWorkflowExecutionCommand exceeds length "
                            "limit. WorkflowType=" +
                                type_name};
  }
  if (attributes.task_queue().name().empty()) {
    attributes.mutable_task_queue()->set_name(state.task_queue());
  }
  attributes.mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  const bool backoff_sent = attributes.has_backoff_start_interval();
  std::vector<google::protobuf::Duration*> durations{attributes.mutable_workflow_run_timeout(),
                                                     attributes.mutable_workflow_task_timeout()};
  if (backoff_sent) durations.push_back(attributes.mutable_backoff_start_interval());
  for (auto* duration : durations) {
    if (auto error = ValidateAndCapDuration(duration); error.has_value()) {
      return CommandRejection{kBad, "Invalid duration on ContinueAsNewWorkflowExecutionCommand: " +
                                        *error + ". WorkflowType=" + type_name};
    }
  }
  if (IsZero(attributes.workflow_run_timeout())) {
    *attributes.mutable_workflow_run_timeout() = state.workflow_run_timeout();
  }
  if (IsZero(attributes.workflow_task_timeout())) {
    *attributes.mutable_workflow_task_timeout() = state.default_workflow_task_timeout();
  }
  *attributes.mutable_workflow_run_timeout() =
      MinNonZero(attributes.workflow_run_timeout(), state.workflow_execution_timeout());
  if (attributes.has_retry_policy()) {
    FillRetryPolicyDefaults(attributes.mutable_retry_policy(), DefaultRetrySettings{});
    auto valid = ValidateRetryPolicy(attributes.mutable_retry_policy());
    if (valid.IsFailure()) {
      return CommandRejection{
          kBad, "invalid WorkflowRetryPolicy on ContinueAsNewWorkflowExecutionCommand: " +
                    valid.Error().Message() + ". WorkflowType=" + type_name};
    }
  }
  if (!attributes.cron_schedule().empty() &&
      CronSchedule::Parse(attributes.cron_schedule()).IsFailure()) {
    return CommandRejection{kBad, "invalid CronSchedule on ContinueAsNewWorkflowExecutionCommand."};
  }
  // The event keeps the command's initiator (none from the SDKs); the new run's Started says
  // WORKFLOW then (reference: SetDefaultContinueAsNewInitiator after the event is built).
  const enums::ContinueAsNewInitiator initiator =
      attributes.initiator() == enums::CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED
          ? enums::CONTINUE_AS_NEW_INITIATOR_WORKFLOW
          : attributes.initiator();

  NewRun next;
  next.namespace_id = state.namespace_id();
  wf::StartWorkflowExecutionRequest& request = next.request;
  request.set_workflow_id(state.workflow_id());
  request.set_request_id(uuids_.Next());
  *request.mutable_workflow_type() = attributes.workflow_type();
  request.mutable_task_queue()->set_name(attributes.task_queue().name());
  if (attributes.has_input()) *request.mutable_input() = attributes.input();
  if (attributes.has_header()) *request.mutable_header() = attributes.header();
  if (state.has_workflow_execution_timeout()) {
    *request.mutable_workflow_execution_timeout() = state.workflow_execution_timeout();
  }
  *request.mutable_workflow_run_timeout() = attributes.workflow_run_timeout();
  *request.mutable_workflow_task_timeout() = attributes.workflow_task_timeout();
  if (attributes.has_retry_policy()) *request.mutable_retry_policy() = attributes.retry_policy();
  request.set_cron_schedule(attributes.cron_schedule());
  if (attributes.has_memo()) *request.mutable_memo() = attributes.memo();
  if (attributes.has_search_attributes()) {
    *request.mutable_search_attributes() = attributes.search_attributes();
  }
  next.write.current_mode = persistence::CurrentRunMode::kReplace;
  next.write.expected_current_run_id = state.run_id();
  next.write.create_request_id = request.request_id();
  next.continued_execution_run_id = state.run_id();
  next.first_execution_run_id = state.first_execution_run_id();
  next.initiator = initiator;
  next.attempt = initiator == enums::CONTINUE_AS_NEW_INITIATOR_RETRY ? state.attempt() + 1 : 1;
  next.backoff = ChainBackoff(state, attributes.backoff_start_interval());
  // reference: the command's interval, unless the reuse interval had to add one.
  next.backoff_present =
      backoff_sent || ToMillis(next.backoff) != ToMillis(attributes.backoff_start_interval());
  next.last_completion_result =
      attributes.has_last_completion_result() ? &attributes.last_completion_result() : nullptr;
  next.continued_failure = attributes.has_failure() ? &attributes.failure() : nullptr;
  next.execution_expiration_time = state.execution_expiration_time();
  next.parent = state.has_parent() ? &state.parent() : nullptr;
  // A child's runs keep its tree's root; a run without a parent is the root of its own tree, as
  // the reference passes the root on only with a parent.
  if (state.has_parent()) {
    next.root_workflow_id = state.root_workflow_id();
    next.root_run_id = state.root_run_id();
  }
  next.callbacks = &state.callbacks();
  if (state.has_auto_reset_points()) next.prev_auto_reset_points = &state.auto_reset_points();
  // Build-id versioning: the run's build id goes on when the command asks (compatible, the
  // SDKs' default on the same task queue).
  if (attributes.inherit_build_id() && !state.versioned_build_id().empty() &&
      next.request.task_queue().name() == state.task_queue()) {
    next.inherited_build_id = state.versioned_build_id();
  }
  // Worker versioning: a pinned run continues pinned (on its queue, or one its version has),
  // unless the command asks for the routing's version (AUTO_UPGRADE) or the ramping one.
  switch (attributes.initial_versioning_behavior()) {
    case enums::CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_UNSPECIFIED:
      next.inherited_pinned_version =
          InheritedPinnedVersion(state, next.request.task_queue().name());
      if (next.inherited_pinned_version.has_value() && state.has_versioning_info() &&
          state.versioning_info().versioning_override().has_pinned() &&
          !next.request.has_versioning_override()) {
        *next.request.mutable_versioning_override() = state.versioning_info().versioning_override();
      }
      break;
    case enums::CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_USE_RAMPING_VERSION:
      next.use_ramping_version = true;
      break;
    default:
      break;
  }
  auto built = BuildNewRun(next);
  if (built.IsFailure()) {
    const bool attribute_error = built.Error().Code() == errors::kInvalidArgument;
    return CommandRejection{
        attribute_error ? enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES : kBad,
        built.Error().Message()};
  }
  const std::string& new_run_id = built.Value().run.record.key.run_id;

  auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW)
                    ->mutable_workflow_execution_continued_as_new_event_attributes();
  event->set_workflow_task_completed_event_id(completed_event_id);
  event->set_new_execution_run_id(new_run_id);
  *event->mutable_workflow_type() = attributes.workflow_type();
  *event->mutable_task_queue() = attributes.task_queue();
  if (attributes.has_header()) *event->mutable_header() = attributes.header();
  if (attributes.has_input()) *event->mutable_input() = attributes.input();
  *event->mutable_workflow_run_timeout() = attributes.workflow_run_timeout();
  *event->mutable_workflow_task_timeout() = attributes.workflow_task_timeout();
  if (!IsZero(attributes.backoff_start_interval())) {
    *event->mutable_backoff_start_interval() = attributes.backoff_start_interval();
  }
  event->set_initiator(attributes.initiator());  // as the command said (SDKs: unset)
  if (attributes.has_failure()) *event->mutable_failure() = attributes.failure();
  if (attributes.has_last_completion_result()) {
    *event->mutable_last_completion_result() = attributes.last_completion_result();
  }
  if (attributes.has_memo()) *event->mutable_memo() = attributes.memo();
  if (attributes.has_search_attributes()) {
    *event->mutable_search_attributes() = attributes.search_attributes();
  }
  event->set_inherit_build_id(attributes.inherit_build_id());
  state.set_new_execution_run_id(new_run_id);
  Close(m, enums::WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW);
  m.also.push_back(std::move(built).Value());
  return std::nullopt;
}

}  // namespace hdo::history
