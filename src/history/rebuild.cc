// The state rebuilder: one Apply* per family of events, each mirroring what the engine's
// transition that wrote the event did to the run's state.
#include "history/rebuild.h"

#include "common/error_codes.h"
#include "history/completing_worker.h"
#include "history/engine.h"
#include "history/time_util.h"

namespace hdo::history {
namespace {

namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using persistence::v1::ActivityInfo;
using persistence::v1::ChildInfo;
using persistence::v1::ExternalRequestInfo;
using persistence::v1::MutableState;

hugo::Error Invalid(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

// An upserted value that is empty or JSON null removes the entry (as the engine does).
template <class Map>
void Upsert(Map* fields, const Map& changes) {
  for (const auto& [name, value] : changes) {
    if (value.data().empty() || value.data() == "null") {
      fields->erase(name);
    } else {
      (*fields)[name] = value;
    }
  }
}

void ApplyStarted(const hist::HistoryEvent& event, MutableState& state) {
  const auto& started = event.workflow_execution_started_event_attributes();
  state.set_workflow_type(started.workflow_type().name());
  state.set_task_queue(started.task_queue().name());
  state.set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  state.set_first_execution_run_id(started.first_execution_run_id());
  state.set_attempt(started.attempt());
  *state.mutable_start_time() = event.event_time();
  if (started.has_workflow_execution_timeout()) {
    *state.mutable_workflow_execution_timeout() = started.workflow_execution_timeout();
  }
  if (started.has_workflow_run_timeout()) {
    *state.mutable_workflow_run_timeout() = started.workflow_run_timeout();
  }
  *state.mutable_default_workflow_task_timeout() = started.workflow_task_timeout();
  // The run's clock starts when its first workflow task may (after the backoff).
  *state.mutable_execution_time() =
      AddDuration(event.event_time(), started.first_workflow_task_backoff());
  if (!IsZero(started.workflow_run_timeout())) {
    *state.mutable_run_expiration_time() =
        AddDuration(state.execution_time(), started.workflow_run_timeout());
  }
  if (IsSet(started.workflow_execution_expiration_time())) {
    *state.mutable_execution_expiration_time() = started.workflow_execution_expiration_time();
  }
  // Present even when empty, as the engine's start writes them.
  *state.mutable_memo() = started.memo();
  *state.mutable_search_attributes() = started.search_attributes();
  // The reset points of the runs before it in its chain, as its start carried them.
  if (started.has_prev_auto_reset_points()) {
    *state.mutable_auto_reset_points() = started.prev_auto_reset_points();
  }
  if (started.has_retry_policy()) *state.mutable_retry_policy() = started.retry_policy();
  for (const auto& callback : started.completion_callbacks()) {
    auto* info = state.add_callbacks();
    *info->mutable_callback() = callback;
    *info->mutable_registration_time() = event.event_time();
    info->set_state(enums::CALLBACK_STATE_STANDBY);
  }
  state.set_cron_schedule(started.cron_schedule());
  if (started.has_parent_workflow_execution()) {
    auto* parent = state.mutable_parent();
    parent->set_namespace_(started.parent_workflow_namespace());
    parent->set_namespace_id(started.parent_workflow_namespace_id());
    parent->set_workflow_id(started.parent_workflow_execution().workflow_id());
    parent->set_run_id(started.parent_workflow_execution().run_id());
    parent->set_initiated_event_id(started.parent_initiated_event_id());
  }
  if (started.has_root_workflow_execution()) {
    state.set_root_workflow_id(started.root_workflow_execution().workflow_id());
    state.set_root_run_id(started.root_workflow_execution().run_id());
  } else {
    // A run without a parent is its own root.
    state.set_root_workflow_id(state.workflow_id());
    state.set_root_run_id(state.run_id());
  }
  if (started.has_last_completion_result()) {
    *state.mutable_last_completion_result() = started.last_completion_result();
  }
  if (started.has_continued_failure()) {
    *state.mutable_continued_failure() = started.continued_failure();
  }
  // Worker versioning: the start's override and a pinned version inherited from the parent or
  // the continued run.
  if (started.has_versioning_override()) {
    auto normalized = Engine::NormalizeVersioningOverride(started.versioning_override());
    if (normalized.IsSuccess()) {
      *state.mutable_versioning_info()->mutable_versioning_override() = normalized.Value();
      if (normalized.Value().has_pinned()) {
        state.set_worker_deployment_name(normalized.Value().pinned().version().deployment_name());
      }
    }
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (!started.inherited_build_id().empty()) {
    state.set_versioned_build_id(started.inherited_build_id());
    state.set_inherited_build_id(started.inherited_build_id());
  }
#pragma GCC diagnostic pop
  if (started.has_inherited_pinned_version()) {
    auto* info = state.mutable_versioning_info();
    info->set_behavior(enums::VERSIONING_BEHAVIOR_PINNED);
    *info->mutable_deployment_version() = started.inherited_pinned_version();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    info->set_version(started.inherited_pinned_version().deployment_name() + "." +
                      started.inherited_pinned_version().build_id());
#pragma GCC diagnostic pop
  }
}

// A completed workflow task's worker: its behavior and version become the run's (none for an
// unversioned worker), a one-time override on that version is spent.
void ApplyCompletedVersioning(const hist::WorkflowTaskCompletedEventAttributes& completed,
                              MutableState& state) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  // Build-id versioning: the build id a build-id worker stamped (engine_versioning.cc).
  if (completed.worker_version().use_versioning() &&
      !completed.worker_version().build_id().empty()) {
    state.set_versioned_build_id(completed.worker_version().build_id());
  }
#pragma GCC diagnostic pop
  const bool versioned = completed.has_deployment_version() &&
                         completed.versioning_behavior() != enums::VERSIONING_BEHAVIOR_UNSPECIFIED;
  if (!versioned && !state.has_versioning_info()) return;
  auto* info = state.mutable_versioning_info();
  if (!completed.worker_deployment_name().empty()) {
    state.set_worker_deployment_name(completed.worker_deployment_name());
  }
  info->clear_version_transition();
  const auto& version = completed.deployment_version();
  if (info->versioning_override().has_one_time()) {
    const auto& target = info->versioning_override().one_time().target_deployment_version();
    if (target.deployment_name() == version.deployment_name() &&
        target.build_id() == version.build_id()) {
      info->clear_versioning_override();
    }
  }
  info->set_behavior(versioned ? completed.versioning_behavior()
                               : enums::VERSIONING_BEHAVIOR_UNSPECIFIED);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (versioned) {
    *info->mutable_deployment_version() = version;
    info->set_version(version.deployment_name() + "." + version.build_id());
  } else {
    info->clear_deployment_version();
    info->clear_version();
  }
#pragma GCC diagnostic pop
}

// A failed or timed-out workflow task is followed at once by the next attempt, transient (not in
// history) until it completes; a WorkflowTaskScheduled event that follows replaces it.
void ScheduleTransientWorkflowTask(const hist::HistoryEvent& event, int32_t failed_attempt,
                                   MutableState& state) {
  auto* task = state.mutable_workflow_task();
  task->Clear();
  task->set_scheduled_event_id(event.event_id() + 1);
  task->set_attempt(failed_attempt + 1);
  task->set_task_queue(state.task_queue());
  *task->mutable_start_to_close_timeout() = state.default_workflow_task_timeout();
  *task->mutable_scheduled_time() = event.event_time();
  task->set_transient(true);
}

void ApplyWorkflowTask(const hist::HistoryEvent& event, MutableState& state) {
  const int32_t attempt = state.workflow_task().attempt();
  switch (event.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: {
      const auto& scheduled = event.workflow_task_scheduled_event_attributes();
      auto* task = state.mutable_workflow_task();
      task->Clear();
      task->set_scheduled_event_id(event.event_id());
      task->set_attempt(scheduled.attempt());
      task->set_task_queue(scheduled.task_queue().name());
      task->set_sticky(scheduled.task_queue().kind() == enums::TASK_QUEUE_KIND_STICKY);
      *task->mutable_start_to_close_timeout() = scheduled.start_to_close_timeout();
      *task->mutable_scheduled_time() = event.event_time();
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_TASK_STARTED: {
      const auto& started = event.workflow_task_started_event_attributes();
      auto* task = state.mutable_workflow_task();
      task->set_started_event_id(event.event_id());
      *task->mutable_started_time() = event.event_time();
      task->set_started_request_id(started.request_id());
      task->set_started_identity(started.identity());
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      state.set_last_completed_workflow_task_started_event_id(
          event.workflow_task_completed_event_attributes().started_event_id());
      state.clear_workflow_task();
      ApplyCompletedVersioning(event.workflow_task_completed_event_attributes(), state);
      NoteCompletingWorker(state, event.workflow_task_completed_event_attributes(),
                           event.event_id(), event.event_time());
      break;
    case enums::EVENT_TYPE_WORKFLOW_TASK_FAILED:
      state.clear_workflow_task();
      ScheduleTransientWorkflowTask(event, attempt, state);
      break;
    case enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
      state.clear_workflow_task();
      if (event.workflow_task_timed_out_event_attributes().timeout_type() ==
          enums::TIMEOUT_TYPE_START_TO_CLOSE) {
        ScheduleTransientWorkflowTask(event, attempt, state);
      }
      break;
    default:
      break;
  }
}

void ApplyActivityScheduled(const hist::HistoryEvent& event, MutableState& state) {
  const auto& scheduled = event.activity_task_scheduled_event_attributes();
  ActivityInfo& info = (*state.mutable_activities())[event.event_id()];
  info.set_scheduled_event_id(event.event_id());
  info.set_activity_id(scheduled.activity_id());
  info.set_activity_type(scheduled.activity_type().name());
  info.set_task_queue(scheduled.task_queue().name());
  *info.mutable_schedule_to_close_timeout() = scheduled.schedule_to_close_timeout();
  *info.mutable_schedule_to_start_timeout() = scheduled.schedule_to_start_timeout();
  *info.mutable_start_to_close_timeout() = scheduled.start_to_close_timeout();
  *info.mutable_heartbeat_timeout() = scheduled.heartbeat_timeout();
  *info.mutable_retry_policy() = scheduled.retry_policy();
  if (scheduled.has_header()) *info.mutable_header() = scheduled.header();
  if (scheduled.has_input()) *info.mutable_input() = scheduled.input();
  if (scheduled.has_priority()) *info.mutable_priority() = scheduled.priority();
  *info.mutable_scheduled_time() = event.event_time();
  *info.mutable_current_attempt_scheduled_time() = event.event_time();
  info.set_attempt(1);
  info.set_workflow_task_completed_event_id(scheduled.workflow_task_completed_event_id());
}

void ApplyActivity(const hist::HistoryEvent& event, MutableState& state) {
  auto* activities = state.mutable_activities();
  switch (event.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      ApplyActivityScheduled(event, state);
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_STARTED: {
      const auto& started = event.activity_task_started_event_attributes();
      auto found = activities->find(started.scheduled_event_id());
      if (found == activities->end()) break;
      found->second.set_started(true);
      found->second.set_attempt(started.attempt());
      *found->second.mutable_started_time() = event.event_time();
      found->second.set_started_identity(started.identity());
      found->second.set_started_request_id(started.request_id());
      break;
    }
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: {
      const auto& requested = event.activity_task_cancel_requested_event_attributes();
      auto found = activities->find(requested.scheduled_event_id());
      if (found == activities->end()) break;
      found->second.set_cancel_requested(true);
      found->second.set_cancel_requested_event_id(event.event_id());
      break;
    }
    case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      activities->erase(event.activity_task_completed_event_attributes().scheduled_event_id());
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED:
      activities->erase(event.activity_task_failed_event_attributes().scheduled_event_id());
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      activities->erase(event.activity_task_timed_out_event_attributes().scheduled_event_id());
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      activities->erase(event.activity_task_canceled_event_attributes().scheduled_event_id());
      break;
    default:
      break;
  }
}

void ApplyTimer(const hist::HistoryEvent& event, MutableState& state) {
  switch (event.event_type()) {
    case enums::EVENT_TYPE_TIMER_STARTED: {
      const auto& started = event.timer_started_event_attributes();
      auto& info = (*state.mutable_timers())[started.timer_id()];
      info.set_timer_id(started.timer_id());
      info.set_started_event_id(event.event_id());
      *info.mutable_expiry_time() =
          AddDuration(event.event_time(), started.start_to_fire_timeout());
      break;
    }
    case enums::EVENT_TYPE_TIMER_FIRED:
      state.mutable_timers()->erase(event.timer_fired_event_attributes().timer_id());
      break;
    case enums::EVENT_TYPE_TIMER_CANCELED:
      state.mutable_timers()->erase(event.timer_canceled_event_attributes().timer_id());
      break;
    default:
      break;
  }
}

void ApplyChildInitiated(const hist::HistoryEvent& event, MutableState& state) {
  const auto& initiated = event.start_child_workflow_execution_initiated_event_attributes();
  ChildInfo& child = (*state.mutable_children())[event.event_id()];
  child.set_initiated_event_id(event.event_id());
  child.set_namespace_(initiated.namespace_());
  child.set_namespace_id(initiated.namespace_id());
  child.set_workflow_id(initiated.workflow_id());
  child.set_workflow_type(initiated.workflow_type().name());
  child.set_parent_close_policy(initiated.parent_close_policy());
  child.set_workflow_task_completed_event_id(initiated.workflow_task_completed_event_id());
}

// Children: from StartChildWorkflowExecutionInitiated until the child's outcome.
void ApplyChild(const hist::HistoryEvent& event, MutableState& state) {
  auto* children = state.mutable_children();
  switch (event.event_type()) {
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      ApplyChildInitiated(event, state);
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
      const auto& started = event.child_workflow_execution_started_event_attributes();
      auto found = children->find(started.initiated_event_id());
      if (found == children->end()) break;
      found->second.set_started_event_id(event.event_id());
      found->second.set_run_id(started.workflow_execution().run_id());
      break;
    }
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
      children->erase(
          event.start_child_workflow_execution_failed_event_attributes().initiated_event_id());
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      children->erase(
          event.child_workflow_execution_completed_event_attributes().initiated_event_id());
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      children->erase(
          event.child_workflow_execution_failed_event_attributes().initiated_event_id());
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      children->erase(
          event.child_workflow_execution_canceled_event_attributes().initiated_event_id());
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      children->erase(
          event.child_workflow_execution_timed_out_event_attributes().initiated_event_id());
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
      children->erase(
          event.child_workflow_execution_terminated_event_attributes().initiated_event_id());
      break;
    default:
      break;
  }
}

template <class Attributes>
ExternalRequestInfo ExternalRequest(int64_t initiated_event_id, const Attributes& initiated) {
  ExternalRequestInfo info;
  info.set_initiated_event_id(initiated_event_id);
  info.set_namespace_(initiated.namespace_());
  info.set_namespace_id(initiated.namespace_id());
  info.set_workflow_id(initiated.workflow_execution().workflow_id());
  info.set_run_id(initiated.workflow_execution().run_id());
  info.set_child_workflow_only(initiated.child_workflow_only());
  return info;
}

// Signals and cancel requests to other workflows: from their Initiated event until the outcome.
void ApplyExternal(const hist::HistoryEvent& event, MutableState& state) {
  switch (event.event_type()) {
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      (*state.mutable_external_signals())[event.event_id()] = ExternalRequest(
          event.event_id(), event.signal_external_workflow_execution_initiated_event_attributes());
      break;
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
      state.mutable_external_signals()->erase(
          event.signal_external_workflow_execution_failed_event_attributes().initiated_event_id());
      break;
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
      state.mutable_external_signals()->erase(
          event.external_workflow_execution_signaled_event_attributes().initiated_event_id());
      break;
    case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      (*state.mutable_external_cancels())[event.event_id()] = ExternalRequest(
          event.event_id(),
          event.request_cancel_external_workflow_execution_initiated_event_attributes());
      break;
    case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
      state.mutable_external_cancels()->erase(
          event.request_cancel_external_workflow_execution_failed_event_attributes()
              .initiated_event_id());
      break;
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
      state.mutable_external_cancels()->erase(
          event.external_workflow_execution_cancel_requested_event_attributes()
              .initiated_event_id());
      break;
    default:
      break;
  }
}

// Close events: what the engine's Close() drops goes with the status.
void ApplyClose(const hist::HistoryEvent& event, MutableState& state) {
  enums::WorkflowExecutionStatus status = enums::WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
  switch (event.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      status = enums::WORKFLOW_EXECUTION_STATUS_COMPLETED;
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      status = enums::WORKFLOW_EXECUTION_STATUS_FAILED;
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      status = enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      status = enums::WORKFLOW_EXECUTION_STATUS_CANCELED;
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      status = enums::WORKFLOW_EXECUTION_STATUS_TERMINATED;
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      status = enums::WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW;
      state.set_new_execution_run_id(
          event.workflow_execution_continued_as_new_event_attributes().new_execution_run_id());
      break;
    default:
      return;
  }
  state.set_status(status);
  *state.mutable_close_time() = event.event_time();
  state.clear_workflow_task();
  // Pending activities stay, as the engine keeps them (DescribeWorkflowExecution lists them).
  state.clear_timers();
}

// Nexus operations the run scheduled (engine_nexus.cc), and completion callbacks attached later.
void ApplyNexus(const hist::HistoryEvent& event, MutableState& state) {
  auto* operations = state.mutable_nexus_operations();
  switch (event.event_type()) {
    case enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED: {
      const auto& scheduled = event.nexus_operation_scheduled_event_attributes();
      auto& op = (*operations)[event.event_id()];
      op.set_scheduled_event_id(event.event_id());
      op.set_endpoint(scheduled.endpoint());
      op.set_endpoint_id(scheduled.endpoint_id());
      op.set_service(scheduled.service());
      op.set_operation(scheduled.operation());
      if (scheduled.has_input()) *op.mutable_input() = scheduled.input();
      *op.mutable_nexus_header() = scheduled.nexus_header();
      *op.mutable_scheduled_time() = event.event_time();
      *op.mutable_schedule_to_close_timeout() = scheduled.schedule_to_close_timeout();
      *op.mutable_schedule_to_start_timeout() = scheduled.schedule_to_start_timeout();
      *op.mutable_start_to_close_timeout() = scheduled.start_to_close_timeout();
      op.set_request_id(scheduled.request_id());
      op.set_workflow_task_completed_event_id(scheduled.workflow_task_completed_event_id());
      op.set_state(enums::PENDING_NEXUS_OPERATION_STATE_SCHEDULED);
      break;
    }
    case enums::EVENT_TYPE_NEXUS_OPERATION_STARTED: {
      const auto& started = event.nexus_operation_started_event_attributes();
      auto found = operations->find(started.scheduled_event_id());
      if (found == operations->end()) break;
      found->second.set_started_event_id(event.event_id());
      found->second.set_operation_token(started.operation_token());
      *found->second.mutable_started_time() = event.event_time();
      found->second.set_state(enums::PENDING_NEXUS_OPERATION_STATE_STARTED);
      break;
    }
    case enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED:
      operations->erase(event.nexus_operation_completed_event_attributes().scheduled_event_id());
      break;
    case enums::EVENT_TYPE_NEXUS_OPERATION_FAILED:
      operations->erase(event.nexus_operation_failed_event_attributes().scheduled_event_id());
      break;
    case enums::EVENT_TYPE_NEXUS_OPERATION_CANCELED:
      operations->erase(event.nexus_operation_canceled_event_attributes().scheduled_event_id());
      break;
    case enums::EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT:
      operations->erase(event.nexus_operation_timed_out_event_attributes().scheduled_event_id());
      break;
    case enums::EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED: {
      const auto& requested = event.nexus_operation_cancel_requested_event_attributes();
      auto found = operations->find(requested.scheduled_event_id());
      if (found == operations->end()) break;
      found->second.set_cancel_requested_event_id(event.event_id());
      *found->second.mutable_cancel_requested_time() = event.event_time();
      break;
    }
    case enums::EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED: {
      auto found = operations->find(
          event.nexus_operation_cancel_request_completed_event_attributes().scheduled_event_id());
      if (found == operations->end()) break;
      found->second.set_cancel_state(enums::NEXUS_OPERATION_CANCELLATION_STATE_SUCCEEDED);
      break;
    }
    case enums::EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED: {
      auto found = operations->find(
          event.nexus_operation_cancel_request_failed_event_attributes().scheduled_event_id());
      if (found == operations->end()) break;
      found->second.set_cancel_state(enums::NEXUS_OPERATION_CANCELLATION_STATE_FAILED);
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED: {
      const auto& updated = event.workflow_execution_options_updated_event_attributes();
      if (!updated.attached_request_id().empty()) {
        state.add_attached_request_ids(updated.attached_request_id());
        (*state.mutable_attached_request_event_ids())[updated.attached_request_id()] =
            event.event_id();
      }
      for (const auto& callback : updated.attached_completion_callbacks()) {
        auto* info = state.add_callbacks();
        *info->mutable_callback() = callback;
        *info->mutable_registration_time() = event.event_time();
        info->set_state(enums::CALLBACK_STATE_STANDBY);
      }
      if (updated.unset_versioning_override()) {
        if (state.has_versioning_info())
          state.mutable_versioning_info()->clear_versioning_override();
      } else if (updated.has_versioning_override()) {
        auto normalized = Engine::NormalizeVersioningOverride(updated.versioning_override());
        if (normalized.IsSuccess()) {
          *state.mutable_versioning_info()->mutable_versioning_override() = normalized.Value();
        }
      }
      break;
    }
    default:
      break;
  }
}

void ApplyEvent(const hist::HistoryEvent& event, MutableState& state) {
  switch (event.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      state.set_signal_count(state.signal_count() + 1);
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
      state.set_cancel_requested(true);
      break;
    case enums::EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      Upsert(state.mutable_search_attributes()->mutable_indexed_fields(),
             event.upsert_workflow_search_attributes_event_attributes()
                 .search_attributes()
                 .indexed_fields());
      break;
    case enums::EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
      Upsert(state.mutable_memo()->mutable_fields(),
             event.workflow_properties_modified_event_attributes().upserted_memo().fields());
      break;
    default:
      ApplyWorkflowTask(event, state);
      ApplyActivity(event, state);
      ApplyTimer(event, state);
      ApplyChild(event, state);
      ApplyExternal(event, state);
      ApplyNexus(event, state);
      ApplyClose(event, state);
      break;
  }
}

}  // namespace

hugo::Result<MutableState> RebuildMutableState(const RebuildTarget& target,
                                               const hist::History& events) {
  if (events.events_size() == 0 ||
      events.events(0).event_type() != enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
    return Invalid("a rebuilt history must open with WorkflowExecutionStarted");
  }
  MutableState state;
  state.set_namespace_id(target.namespace_id);
  state.set_workflow_id(target.workflow_id);
  state.set_run_id(target.run_id);
  state.set_create_request_id(target.create_request_id);
  ApplyStarted(events.events(0), state);
  int64_t expected_id = 2;
  for (int i = 1; i < events.events_size(); ++i) {
    const hist::HistoryEvent& event = events.events(i);
    if (event.event_id() != expected_id) {
      return Invalid("history is not contiguous at event " + std::to_string(event.event_id()));
    }
    ++expected_id;
    ApplyEvent(event, state);
  }
  state.set_next_event_id(expected_id);
  return hugo::Ok(std::move(state));
}

}  // namespace hdo::history
