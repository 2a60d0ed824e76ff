// Workflow tasks: started (poll hand-off), completed with commands, failed, timed out; transient
// attempts and sticky queues.
#include <google/protobuf/unknown_field_set.h>

#include "common/error_codes.h"
#include "common/log.h"
#include "history/commands.h"
#include "history/completing_worker.h"
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
namespace command = temporal::api::command::v1;
using persistence::v1::ActivityInfo;
using persistence::v1::MutableState;
using persistence::v1::TimerInfo;
using persistence::v1::TimerTask;
using persistence::v1::WorkflowTaskToken;

hugo::Error TaskNotFound() {
  return hugo::Error::From("Workflow task not found.", errors::kNotFound);
}

hugo::Result<WorkflowTaskToken> DecodeToken(const std::string& namespace_id,
                                            const std::string& bytes) {
  WorkflowTaskToken token;
  if (bytes.empty()) return InvalidArgument("Task token not set on request.");
  if (!token.ParseFromString(bytes) || token.run_id().empty()) {
    return InvalidArgument("Error deserializing task token.");
  }
  if (token.namespace_id() != namespace_id) {
    return InvalidArgument("Operation requested with a token from a different namespace.");
  }
  return hugo::Ok(std::move(token));
}

// The started workflow task the token names, if it is still the run's.
bool TokenMatches(const MutableState& state, const WorkflowTaskToken& token) {
  const auto& task = state.workflow_task();
  return IsRunning(state) && state.has_workflow_task() && task.started_event_id() != 0 &&
         task.scheduled_event_id() == token.scheduled_event_id() &&
         task.started_event_id() == token.started_event_id() && task.attempt() == token.attempt() &&
         (token.started_time_ms() == 0 || token.started_time_ms() == ToMillis(task.started_time()));
}

// Whether the worker taking the task holds the run up to its last completed task: a sticky poll
// of a task on the sticky queue, or the completing worker taking the next task in its reply.
bool PartialHistory(const matching::Poller& poller, const persistence::v1::WorkflowTaskInfo& task) {
  return poller.holds_run || (poller.sticky && task.sticky());
}

hist::HistoryEvent ScheduledEvent(const MutableState& state,
                                  const google::protobuf::Timestamp& at) {
  const auto& task = state.workflow_task();
  hist::HistoryEvent event;
  event.set_event_id(task.scheduled_event_id());
  *event.mutable_event_time() = at;
  event.set_event_type(enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  auto* attributes = event.mutable_workflow_task_scheduled_event_attributes();
  attributes->mutable_task_queue()->set_name(task.task_queue());
  attributes->mutable_task_queue()->set_kind(task.sticky() ? enums::TASK_QUEUE_KIND_STICKY
                                                           : enums::TASK_QUEUE_KIND_NORMAL);
  if (task.sticky()) attributes->mutable_task_queue()->set_normal_name(state.task_queue());
  *attributes->mutable_start_to_close_timeout() = task.start_to_close_timeout();
  attributes->set_attempt(task.attempt());
  return event;
}

hist::HistoryEvent StartedEvent(const MutableState& state) {
  const auto& task = state.workflow_task();
  hist::HistoryEvent event;
  event.set_event_id(task.started_event_id());
  *event.mutable_event_time() = task.started_time();
  event.set_event_type(enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  auto* attributes = event.mutable_workflow_task_started_event_attributes();
  attributes->set_scheduled_event_id(task.scheduled_event_id());
  attributes->set_identity(task.started_identity());
  attributes->set_request_id(task.started_request_id());
  return event;
}

// The BAD_*_ATTRIBUTES cause of a command type (an oversized payload fails the task with it).
enums::WorkflowTaskFailedCause BadAttributesCause(enums::CommandType type) {
  switch (type) {
    case enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES;
    case enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES;
    case enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES;
    case enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_WORKFLOW_EXECUTION_ATTRIBUTES;
    case enums::COMMAND_TYPE_RECORD_MARKER:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES;
    case enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES;
    case enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES;
    case enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
    case enums::COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES;
    case enums::COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES;
    default:
      return enums::WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED;
  }
}

}  // namespace

hugo::Result<wf::PollWorkflowTaskQueueResponse> Engine::RecordWorkflowTaskStarted(
    const matching::Task& task, const matching::Poller& poller) {
  if (task.query_id != 0) return RecordQueryTaskStarted(task, poller);
  auto begun = Begin({task.namespace_id, task.workflow_id, task.run_id});
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) DropTasks({task.transfer_task_id}, {});
    return begun.Error();
  }
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  auto* workflow_task = state.mutable_workflow_task();
  const bool current = IsRunning(state) && state.has_workflow_task() &&
                       workflow_task->scheduled_event_id() == task.scheduled_event_id &&
                       workflow_task->attempt() == task.attempt &&
                       workflow_task->started_event_id() == 0;
  if (!current) {
    // Stale: the task was started or completed already, or the run closed. Its outbox row is done.
    DropTasks({task.transfer_task_id}, {});
    log::Debug("stale workflow task dropped", {{"workflow_id", task.workflow_id}});
    return hugo::Error::From("workflow task is no longer scheduled", errors::kNotFound);
  }
  m.done_transfer.push_back(task.transfer_task_id);
  m.in_memory = workflow_task->speculative();  // updates: a speculative task is not written
  MarkWorkflowTaskStarted(m, poller);
  auto committed = Commit(m);
  if (committed.IsFailure()) {
    log::Warn("workflow task not started: commit failed",
              {{"workflow_id", task.workflow_id}, {"error", committed.Error().Message()}});
    return committed.Error();
  }

  return WorkflowTaskResponse(m.run, poller);
}

void Engine::MarkWorkflowTaskStarted(Mutation& m, const matching::Poller& poller,
                                     int64_t pending_history_bytes) {
  MutableState& state = m.run.state;
  auto* workflow_task = state.mutable_workflow_task();
  if (workflow_task->transient() && workflow_task->scheduled_event_id() != state.next_event_id()) {
    // Events arrived since the transient attempt was scheduled: it becomes a normal task.
    workflow_task->set_transient(false);
    workflow_task->set_attempt(1);
    hist::HistoryEvent scheduled = ScheduledEvent(state, now_());
    auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    *event->mutable_workflow_task_scheduled_event_attributes() =
        scheduled.workflow_task_scheduled_event_attributes();
    workflow_task->set_scheduled_event_id(event->event_id());
  }
  *workflow_task->mutable_started_time() = now_();
  workflow_task->set_started_request_id(poller.poll_request_id);
  workflow_task->set_started_identity(poller.identity);
  if (workflow_task->transient() || workflow_task->speculative()) {
    workflow_task->set_started_event_id(workflow_task->scheduled_event_id() + 1);
    NoteVersionOnStart(m, poller, nullptr);
  } else {
    auto* started_event = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
    auto* started = started_event->mutable_workflow_task_started_event_attributes();
    started->set_scheduled_event_id(workflow_task->scheduled_event_id());
    started->set_identity(poller.identity);
    started->set_request_id(poller.poll_request_id);
    const int64_t history_size_bytes = state.history_size_bytes() + pending_history_bytes;
    started->set_history_size_bytes(history_size_bytes);
    started->set_suggest_continue_as_new(
        state.next_event_id() - 1 >= options_.history_count_suggest_continue_as_new ||
        history_size_bytes >= options_.history_size_suggest_continue_as_new);
    workflow_task->set_started_event_id(started_event->event_id());
    NoteVersionOnStart(m, poller, started);
  }
  TimerTask timeout;
  timeout.set_kind(TimerTask::KIND_WORKFLOW_TASK_TIMEOUT);
  timeout.set_scheduled_event_id(workflow_task->scheduled_event_id());
  timeout.set_attempt(workflow_task->attempt());
  timeout.set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
  AddTimer(m, std::move(timeout), After(workflow_task->start_to_close_timeout()));
  // Delivered with full history although a task completed before: the worker replays the run.
  const bool full_history = !PartialHistory(poller, *workflow_task);
  if (full_history && state.last_completed_workflow_task_started_event_id() > 0) {
    state.set_replay_count(state.replay_count() + 1);
  }
}

hugo::Result<wf::PollWorkflowTaskQueueResponse> Engine::WorkflowTaskResponse(
    const LoadedRun& run, const matching::Poller& poller) {
  const MutableState& state = run.state;
  const auto* workflow_task = &state.workflow_task();
  // A worker that has the run cached up to its last completed task gets what follows.
  int64_t first_event_id = 1;
  if (PartialHistory(poller, *workflow_task) &&
      state.last_completed_workflow_task_started_event_id() > 0) {
    first_event_id = state.last_completed_workflow_task_started_event_id() + 1;
  }
  // A transient or speculative attempt's Scheduled and Started events are not stored: they
  // follow the stored ones.
  hist::History in_memory;
  if (workflow_task->transient() || workflow_task->speculative()) {
    *in_memory.add_events() = ScheduledEvent(state, workflow_task->scheduled_time());
    *in_memory.add_events() = StartedEvent(state);
  }
  wf::PollWorkflowTaskQueueResponse response;
  if (options_.wire_history) {
    std::string& history =
        *response.GetReflection()->MutableUnknownFields(&response)->AddLengthDelimited(
            wf::PollWorkflowTaskQueueResponse::kHistoryFieldNumber);
    auto appended =
        AppendWireEvents(run.record.key, first_event_id, state.next_event_id() - 1, history);
    if (appended.IsFailure()) return appended.Error();
    in_memory.AppendToString(&history);
  } else {
    auto history = EventsOf(run.record.key, first_event_id, state.next_event_id() - 1);
    if (history.IsFailure()) return history.Error();
    *response.mutable_history() = std::move(history).Value();
    TypeSearchAttributes(state.namespace_id(), *response.mutable_history());
    response.mutable_history()->mutable_events()->MergeFrom(in_memory.events());
  }
  WorkflowTaskToken token;
  token.set_namespace_id(state.namespace_id());
  token.set_workflow_id(state.workflow_id());
  token.set_run_id(state.run_id());
  token.set_scheduled_event_id(workflow_task->scheduled_event_id());
  token.set_started_event_id(workflow_task->started_event_id());
  token.set_attempt(workflow_task->attempt());
  token.set_started_time_ms(ToMillis(workflow_task->started_time()));
  response.set_task_token(token.SerializeAsString());
  response.mutable_workflow_execution()->set_workflow_id(state.workflow_id());
  response.mutable_workflow_execution()->set_run_id(state.run_id());
  response.mutable_workflow_type()->set_name(state.workflow_type());
  response.set_previous_started_event_id(state.last_completed_workflow_task_started_event_id());
  response.set_started_event_id(workflow_task->started_event_id());
  response.set_attempt(workflow_task->attempt());
  AttachBufferedQueries(state, &response);
  AttachUpdateMessages(state, &response);
  response.mutable_workflow_execution_task_queue()->set_name(state.task_queue());
  response.mutable_workflow_execution_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  *response.mutable_scheduled_time() = workflow_task->scheduled_time();
  *response.mutable_started_time() = workflow_task->started_time();
  return hugo::Ok(std::move(response));
}

void Engine::MaterializeTransient(Mutation& m) {
  MutableState& state = m.run.state;
  if (!state.workflow_task().transient() && !state.workflow_task().speculative()) return;
  // Nothing is written while a task is started, so the reserved ids are still the next ones.
  hist::HistoryEvent scheduled = ScheduledEvent(state, state.workflow_task().scheduled_time());
  auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  *event->mutable_event_time() = scheduled.event_time();
  *event->mutable_workflow_task_scheduled_event_attributes() =
      scheduled.workflow_task_scheduled_event_attributes();
  hist::HistoryEvent started = StartedEvent(state);
  event = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  *event->mutable_event_time() = started.event_time();
  *event->mutable_workflow_task_started_event_attributes() =
      started.workflow_task_started_event_attributes();
  state.mutable_workflow_task()->set_transient(false);
  state.mutable_workflow_task()->set_speculative(false);
}

void Engine::FailStartedWorkflowTask(Mutation& m, enums::WorkflowTaskFailedCause cause,
                                     const temporal::api::failure::v1::Failure* failure,
                                     const std::string& identity, bool schedule_next) {
  MutableState& state = m.run.state;
  // updates: a speculative task's failure is written with its events.
  if (state.workflow_task().speculative()) MaterializeTransient(m);
  const auto task = state.workflow_task();
  if (!task.transient()) {
    auto* failed = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_FAILED)
                       ->mutable_workflow_task_failed_event_attributes();
    failed->set_scheduled_event_id(task.scheduled_event_id());
    failed->set_started_event_id(task.started_event_id());
    failed->set_cause(cause);
    if (failure != nullptr) *failed->mutable_failure() = *failure;
    failed->set_identity(identity);
  }
  state.clear_workflow_task();
  // The failing worker's cache is suspect: the next attempt goes to the normal queue.
  state.clear_sticky_task_queue();
  state.clear_sticky_schedule_to_start_timeout();
  if (schedule_next) ScheduleWorkflowTask(m, task.attempt() + 1);
}

hugo::Result<wf::RespondWorkflowTaskFailedResponse> Engine::FailWorkflowTask(
    const std::string& namespace_id, const wf::RespondWorkflowTaskFailedRequest& request) {
  auto token = DecodeToken(namespace_id, request.task_token());
  if (token.IsFailure()) return token.Error();
  auto begun =
      Begin({token.Value().namespace_id(), token.Value().workflow_id(), token.Value().run_id()});
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  if (!TokenMatches(m.run.state, token.Value())) return TaskNotFound();
  FailStartedWorkflowTask(m, request.cause(), request.has_failure() ? &request.failure() : nullptr,
                          request.identity(), /*schedule_next=*/true);
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::RespondWorkflowTaskFailedResponse());
}

bool Engine::OnWorkflowTaskTimeout(Mutation& m, const TimerTask& timer) {
  MutableState& state = m.run.state;
  if (!state.has_workflow_task()) return false;
  if (state.workflow_task().speculative()) return OnSpeculativeTaskTimeout(m, timer);
  const auto task = state.workflow_task();
  if (task.scheduled_event_id() != timer.scheduled_event_id() ||
      task.attempt() != timer.attempt()) {
    return false;
  }
  if (timer.timeout_type() == enums::TIMEOUT_TYPE_START_TO_CLOSE) {
    if (task.started_event_id() == 0) return false;
    if (!task.transient()) {
      auto* timed_out = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)
                            ->mutable_workflow_task_timed_out_event_attributes();
      timed_out->set_scheduled_event_id(task.scheduled_event_id());
      timed_out->set_started_event_id(task.started_event_id());
      timed_out->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
    }
    state.clear_workflow_task();
    state.clear_sticky_task_queue();
    state.clear_sticky_schedule_to_start_timeout();
    ScheduleWorkflowTask(m, task.attempt() + 1);
    return true;
  }
  // Schedule-to-start exists only for sticky tasks: the worker is gone, use the normal queue.
  if (task.started_event_id() != 0 || !task.sticky()) return false;
  if (!task.transient()) {
    auto* timed_out = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)
                          ->mutable_workflow_task_timed_out_event_attributes();
    timed_out->set_scheduled_event_id(task.scheduled_event_id());
    timed_out->set_timeout_type(enums::TIMEOUT_TYPE_SCHEDULE_TO_START);
  }
  state.clear_workflow_task();
  state.clear_sticky_task_queue();
  state.clear_sticky_schedule_to_start_timeout();
  ScheduleWorkflowTask(m, task.transient() ? task.attempt() : 1);
  return true;
}

hugo::Result<wf::RespondWorkflowTaskCompletedResponse> Engine::CompleteWorkflowTask(
    const std::string& namespace_id, const wf::RespondWorkflowTaskCompletedRequest& request) {
  auto token = DecodeToken(namespace_id, request.task_token());
  if (token.IsFailure()) return token.Error();
  if (auto sequence = ValidateCommandSequence(request.commands()); sequence.has_value()) {
    return InvalidArgument(*sequence);
  }
  const persistence::RunKey key{token.Value().namespace_id(), token.Value().workflow_id(),
                                token.Value().run_id()};
  auto begun = Begin(key);
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  if (!TokenMatches(state, token.Value())) return TaskNotFound();

  // Answers of the queries that went with this task (before the commit, which sends any
  // unanswered one on as a query task).
  AnswerQueries(state.run_id(), request.query_results());
  if (auto discarded = DiscardSpeculativeTask(m, request); discarded.has_value()) {
    return std::move(*discarded);  // updates: only rejections, nothing written
  }
  MaterializeTransient(m);
  const auto task = state.workflow_task();
  auto* completed_event = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const int64_t completed_id = completed_event->event_id();
  auto* completed = completed_event->mutable_workflow_task_completed_event_attributes();
  completed->set_scheduled_event_id(task.scheduled_event_id());
  completed->set_started_event_id(task.started_event_id());
  completed->set_identity(request.identity());
  // The deprecated binary_checksum is still what older SDKs use to identify their build.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  completed->set_binary_checksum(request.binary_checksum());
  // The worker's build id as it reported it (deprecated too: the reference writes the stamp as
  // sent, and the SDKs read a run's current build id from it).
  if (request.has_worker_version_stamp()) {
    *completed->mutable_worker_version() = request.worker_version_stamp();
  }
  // The worker's deployment as the reference writes it: the name whatever the mode; the version
  // of a VERSIONED worker, else the deprecated `deployment` when it names both; the versioning
  // behavior only from a VERSIONED worker (an SDK may report a default behavior without
  // versioning on).
  const auto& deployment = request.deployment_options();
  completed->set_worker_deployment_name(!deployment.deployment_name().empty()
                                            ? deployment.deployment_name()
                                            : request.deployment().series_name());
  const bool versioned =
      deployment.worker_versioning_mode() == enums::WORKER_VERSIONING_MODE_VERSIONED;
  if (versioned) {
    if (!deployment.deployment_name().empty() && !deployment.build_id().empty()) {
      completed->mutable_deployment_version()->set_deployment_name(deployment.deployment_name());
      completed->mutable_deployment_version()->set_build_id(deployment.build_id());
    }
  } else if (!request.deployment().series_name().empty() &&
             !request.deployment().build_id().empty()) {
    completed->mutable_deployment_version()->set_deployment_name(
        request.deployment().series_name());
    completed->mutable_deployment_version()->set_build_id(request.deployment().build_id());
  }
  if (versioned || !request.has_deployment_options()) {
    completed->set_versioning_behavior(request.versioning_behavior());
  }
#pragma GCC diagnostic pop
  if (request.has_sdk_metadata()) *completed->mutable_sdk_metadata() = request.sdk_metadata();
  if (request.has_metering_metadata()) {
    *completed->mutable_metering_metadata() = request.metering_metadata();
  }
  state.set_last_completed_workflow_task_started_event_id(task.started_event_id());
  state.clear_workflow_task();
  ApplyCompletedVersioning(m, request);
  if (NoteCompletingWorker(state, *completed, completed_id, now_())) m.visibility_changed = true;
  const auto& sticky = request.sticky_attributes();
  // A run still moving to another version takes its next task through matching.
  const bool in_transition =
      state.has_versioning_info() && state.versioning_info().has_version_transition();
  if (!sticky.worker_task_queue().name().empty() && !in_transition) {
    state.set_sticky_task_queue(sticky.worker_task_queue().name());
    *state.mutable_sticky_schedule_to_start_timeout() = sticky.schedule_to_start_timeout();
  } else {
    state.clear_sticky_task_queue();
    state.clear_sticky_schedule_to_start_timeout();
  }

  ActivityContext context;
  context.workflow_task_queue = state.task_queue();
  context.workflow_run_timeout = state.workflow_run_timeout();
  bool new_task = request.force_create_new_workflow_task() || in_transition;
  std::vector<int64_t> eager_activities;  // scheduled event ids, in command order
  std::optional<CommandRejection> rejection;
  const bool arrived_while_running = state.buffered_events_size() > 0;
  for (const auto& original : request.commands()) {
    command::Command cmd = original;
    rejection = NormalizeCommand(&cmd, context);
    if (rejection.has_value()) break;
    if (cmd.ByteSizeLong() > options_.blob_size_max) {
      // reference: an oversized payload fails the task and terminates the run.
      rejection = CommandRejection{BadAttributesCause(cmd.command_type()),
                                   "Blob data size exceeds limit.", true, true};
      break;
    }
    const int events_before = m.events.events_size();
    switch (cmd.command_type()) {
      case enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const auto& attributes = cmd.schedule_activity_task_command_attributes();
        bool duplicate = false;
        for (const auto& [id, activity] : state.activities()) {
          duplicate = duplicate || activity.activity_id() == attributes.activity_id();
        }
        if (state.activities_size() >= options_.pending_activities_max) {
          rejection = CommandRejection{
              enums::WORKFLOW_TASK_FAILED_CAUSE_PENDING_ACTIVITIES_LIMIT_EXCEEDED,
              "the number of pending activities, " + std::to_string(state.activities_size()) +
                  ", has reached the per-workflow limit of " +
                  std::to_string(options_.pending_activities_max)};
          break;
        }
        if (duplicate) {
          rejection = CommandRejection{
              enums::WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
              "invalid history builder state for action: add-activitytask-scheduled-event, "
              "ActivityID: " +
                  attributes.activity_id()};
          break;
        }
        auto* event = Append(m, enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
        auto* scheduled = event->mutable_activity_task_scheduled_event_attributes();
        scheduled->set_activity_id(attributes.activity_id());
        *scheduled->mutable_activity_type() = attributes.activity_type();
        *scheduled->mutable_task_queue() = attributes.task_queue();
        if (attributes.has_header()) *scheduled->mutable_header() = attributes.header();
        if (attributes.has_input()) *scheduled->mutable_input() = attributes.input();
        *scheduled->mutable_schedule_to_close_timeout() = attributes.schedule_to_close_timeout();
        *scheduled->mutable_schedule_to_start_timeout() = attributes.schedule_to_start_timeout();
        *scheduled->mutable_start_to_close_timeout() = attributes.start_to_close_timeout();
        *scheduled->mutable_heartbeat_timeout() = attributes.heartbeat_timeout();
        scheduled->set_workflow_task_completed_event_id(completed_id);
        *scheduled->mutable_retry_policy() = attributes.retry_policy();
        if (attributes.has_priority()) *scheduled->mutable_priority() = attributes.priority();
        ActivityInfo& info = (*state.mutable_activities())[event->event_id()];
        info.set_scheduled_event_id(event->event_id());
        info.set_activity_id(attributes.activity_id());
        info.set_activity_type(attributes.activity_type().name());
        info.set_task_queue(attributes.task_queue().name());
        *info.mutable_schedule_to_close_timeout() = attributes.schedule_to_close_timeout();
        *info.mutable_schedule_to_start_timeout() = attributes.schedule_to_start_timeout();
        *info.mutable_start_to_close_timeout() = attributes.start_to_close_timeout();
        *info.mutable_heartbeat_timeout() = attributes.heartbeat_timeout();
        *info.mutable_retry_policy() = attributes.retry_policy();
        if (attributes.has_header()) *info.mutable_header() = attributes.header();
        if (attributes.has_input()) *info.mutable_input() = attributes.input();
        if (attributes.has_priority()) *info.mutable_priority() = attributes.priority();
        *info.mutable_scheduled_time() = event->event_time();
        *info.mutable_current_attempt_scheduled_time() = event->event_time();
        info.set_attempt(1);
        info.set_workflow_task_completed_event_id(completed_id);
        // Not eagerly past a rate limit set for the queue (the workers' own keep their SDKs
        // from asking).
        if (attributes.request_eager_execution() && options_.activity_eager_execution &&
            !matcher_->ActivityRateConfigured(m.run.state.namespace_id(), info.task_queue())) {
          eager_activities.push_back(info.scheduled_event_id());  // started below, not queued
        } else {
          DispatchActivityAttempt(m, info);
        }
        if (!IsZero(info.schedule_to_close_timeout())) {
          TimerTask timeout;
          timeout.set_kind(TimerTask::KIND_ACTIVITY_TIMEOUT);
          timeout.set_scheduled_event_id(info.scheduled_event_id());
          timeout.set_attempt(0);  // any attempt
          timeout.set_timeout_type(enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
          AddTimer(m, std::move(timeout), After(info.schedule_to_close_timeout()));
        }
        break;
      }
      case enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
        const int64_t scheduled_id =
            cmd.request_cancel_activity_task_command_attributes().scheduled_event_id();
        auto found = state.mutable_activities()->find(scheduled_id);
        if (found == state.mutable_activities()->end()) {
          rejection = CommandRejection{
              enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
              "Unable to find activity with scheduled event id " + std::to_string(scheduled_id) +
                  "."};
          break;
        }
        ActivityInfo& info = found->second;
        auto* requested = Append(m, enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
        auto* attributes = requested->mutable_activity_task_cancel_requested_event_attributes();
        attributes->set_scheduled_event_id(scheduled_id);
        attributes->set_workflow_task_completed_event_id(completed_id);
        if (!info.started()) {
          // Not running anywhere: canceled at once, and the workflow hears of it. The event is
          // buffered, as the reference's history builder buffers every outcome: it follows the
          // events of this task's commands (the SDKs number those from the commands), and a run
          // this task closes drops it.
          hist::HistoryEvent* buffered = state.add_buffered_events();
          *buffered->mutable_event_time() = now_();
          buffered->set_event_type(enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED);
          auto* canceled = buffered->mutable_activity_task_canceled_event_attributes();
          canceled->set_scheduled_event_id(scheduled_id);
          canceled->set_latest_cancel_requested_event_id(requested->event_id());
          canceled->set_identity(request.identity());
          state.mutable_activities()->erase(found);
          new_task = true;
        } else {
          info.set_cancel_requested(true);
          info.set_cancel_requested_event_id(requested->event_id());
        }
        break;
      }
      case enums::COMMAND_TYPE_START_TIMER: {
        const auto& attributes = cmd.start_timer_command_attributes();
        if (state.timers().count(attributes.timer_id()) > 0) {
          rejection = CommandRejection{
              enums::WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
              "invalid history builder state for action: add-timer-started-event, TimerID: " +
                  attributes.timer_id()};
          break;
        }
        auto* event = Append(m, enums::EVENT_TYPE_TIMER_STARTED);
        auto* started = event->mutable_timer_started_event_attributes();
        started->set_timer_id(attributes.timer_id());
        *started->mutable_start_to_fire_timeout() = attributes.start_to_fire_timeout();
        started->set_workflow_task_completed_event_id(completed_id);
        TimerInfo& info = (*state.mutable_timers())[attributes.timer_id()];
        info.set_timer_id(attributes.timer_id());
        info.set_started_event_id(event->event_id());
        *info.mutable_expiry_time() = After(attributes.start_to_fire_timeout());
        TimerTask fire;
        fire.set_kind(TimerTask::KIND_USER_TIMER);
        fire.set_timer_id(attributes.timer_id());
        fire.set_started_event_id(event->event_id());
        AddTimer(m, std::move(fire), info.expiry_time());
        break;
      }
      case enums::COMMAND_TYPE_CANCEL_TIMER: {
        const std::string& timer_id = cmd.cancel_timer_command_attributes().timer_id();
        int64_t started_event_id = 0;
        auto found = state.mutable_timers()->find(timer_id);
        if (found != state.mutable_timers()->end()) {
          started_event_id = found->second.started_event_id();
          state.mutable_timers()->erase(found);
        } else {
          // Fired while this task ran: the canceled timer's TimerFired must not reach history.
          auto* buffered = state.mutable_buffered_events();
          for (int i = 0; i < buffered->size(); ++i) {
            const auto& event = buffered->Get(i);
            if (event.event_type() == enums::EVENT_TYPE_TIMER_FIRED &&
                event.timer_fired_event_attributes().timer_id() == timer_id) {
              started_event_id = event.timer_fired_event_attributes().started_event_id();
              buffered->DeleteSubrange(i, 1);
              break;
            }
          }
        }
        if (started_event_id == 0) {
          rejection =
              CommandRejection{enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
                               "Unable to find timer with ID " + timer_id + "."};
          break;
        }
        auto* canceled =
            Append(m, enums::EVENT_TYPE_TIMER_CANCELED)->mutable_timer_canceled_event_attributes();
        canceled->set_timer_id(timer_id);
        canceled->set_started_event_id(started_event_id);
        canceled->set_workflow_task_completed_event_id(completed_id);
        canceled->set_identity(request.identity());
        break;
      }
      case enums::COMMAND_TYPE_RECORD_MARKER: {
        const auto& attributes = cmd.record_marker_command_attributes();
        auto* marker = Append(m, enums::EVENT_TYPE_MARKER_RECORDED)
                           ->mutable_marker_recorded_event_attributes();
        marker->set_marker_name(attributes.marker_name());
        *marker->mutable_details() = attributes.details();
        marker->set_workflow_task_completed_event_id(completed_id);
        if (attributes.has_header()) *marker->mutable_header() = attributes.header();
        if (attributes.has_failure()) *marker->mutable_failure() = attributes.failure();
        break;
      }
      case enums::COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const auto& attributes = cmd.upsert_workflow_search_attributes_command_attributes();
        auto applied = ApplySearchAttributes(state, attributes.search_attributes());
        if (applied.IsFailure()) {
          rejection = CommandRejection{enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
                                       applied.Error().Message()};
          break;
        }
        m.visibility_changed = true;
        auto* upserted = Append(m, enums::EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
                             ->mutable_upsert_workflow_search_attributes_event_attributes();
        upserted->set_workflow_task_completed_event_id(completed_id);
        *upserted->mutable_search_attributes() = attributes.search_attributes();
        auto* fields = state.mutable_search_attributes()->mutable_indexed_fields();
        for (const auto& [name, value] : attributes.search_attributes().indexed_fields()) {
          // An empty value removes the attribute (reference: nil payload data).
          if (value.data().empty() || value.data() == "null") {
            fields->erase(name);
          } else {
            (*fields)[name] = value;
          }
        }
        break;
      }
      case enums::COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES: {
        const auto& attributes = cmd.modify_workflow_properties_command_attributes();
        m.visibility_changed = true;
        auto* modified = Append(m, enums::EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED)
                             ->mutable_workflow_properties_modified_event_attributes();
        modified->set_workflow_task_completed_event_id(completed_id);
        *modified->mutable_upserted_memo() = attributes.upserted_memo();
        auto* fields = state.mutable_memo()->mutable_fields();
        for (const auto& [name, value] : attributes.upserted_memo().fields()) {
          if (value.data().empty() || value.data() == "null") {
            fields->erase(name);
          } else {
            (*fields)[name] = value;
          }
        }
        break;
      }
      case enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
        rejection =
            StartChild(m, cmd.start_child_workflow_execution_command_attributes(), completed_id);
        break;
      case enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
        rejection = SignalExternal(m, cmd.signal_external_workflow_execution_command_attributes(),
                                   completed_id);
        break;
      case enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        rejection = CancelExternal(
            m, cmd.request_cancel_external_workflow_execution_command_attributes(), completed_id);
        break;
      case enums::COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION:
        rejection = ScheduleNexusOperation(m, cmd.schedule_nexus_operation_command_attributes(),
                                           completed_id);
        break;
      case enums::COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION:
        rejection = RequestCancelNexusOperation(
            m, cmd.request_cancel_nexus_operation_command_attributes(), completed_id, &new_task);
        break;
      case enums::COMMAND_TYPE_PROTOCOL_MESSAGE:
        rejection = OnProtocolMessageCommand(m, request, cmd);  // updates
        break;
      case enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      case enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
      case enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
      case enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
        // New events the workflow has not seen yet: it must see them before it may close (those
        // this task's own commands buffered do not count).
        if (arrived_while_running) {
          rejection = CommandRejection{
              enums::WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
              "Workflow has unhandled events: close command rejected, a new workflow task is "
              "scheduled."};
          break;
        }
        if (cmd.command_type() == enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION) {
          rejection = ContinueAsNew(m, cmd.continue_as_new_workflow_execution_command_attributes(),
                                    completed_id);
        } else if (cmd.command_type() == enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION) {
          auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
          auto* attributes = event->mutable_workflow_execution_completed_event_attributes();
          const auto& result = cmd.complete_workflow_execution_command_attributes();
          if (result.has_result()) *attributes->mutable_result() = result.result();
          attributes->set_workflow_task_completed_event_id(completed_id);
          auto chained =
              ContinueChain(m, event, nullptr, result.has_result() ? &result.result() : nullptr);
          if (chained.IsFailure()) return chained.Error();
          Close(m, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
        } else if (cmd.command_type() == enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION) {
          auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
          auto* attributes = event->mutable_workflow_execution_failed_event_attributes();
          *attributes->mutable_failure() =
              cmd.fail_workflow_execution_command_attributes().failure();
          attributes->set_retry_state(enums::RETRY_STATE_RETRY_POLICY_NOT_SET);
          attributes->set_workflow_task_completed_event_id(completed_id);
          auto chained = ContinueChain(m, event, &attributes->failure(), nullptr);
          if (chained.IsFailure()) return chained.Error();
          RecordFailureForVisibility(state, attributes->failure());
          Close(m, enums::WORKFLOW_EXECUTION_STATUS_FAILED);
        } else {
          auto* attributes = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED)
                                 ->mutable_workflow_execution_canceled_event_attributes();
          const auto& details = cmd.cancel_workflow_execution_command_attributes();
          if (details.has_details()) *attributes->mutable_details() = details.details();
          attributes->set_workflow_task_completed_event_id(completed_id);
          Close(m, enums::WORKFLOW_EXECUTION_STATUS_CANCELED);
        }
        break;
      }
      default:
        break;
    }
    if (rejection.has_value()) break;
    // A command's summary and details (user metadata) go on the event it wrote first (the
    // reference sets them on the event its command handler returns: Scheduled, TimerStarted,
    // Initiated, the close event, ...).
    if (cmd.has_user_metadata() && m.events.events_size() > events_before) {
      *m.events.mutable_events(events_before)->mutable_user_metadata() = cmd.user_metadata();
    }
  }
  if (!rejection.has_value()) rejection = ProcessUpdateMessages(m, request);  // updates

  if (rejection.has_value() && !rejection->fail_task) {
    return InvalidArgument(rejection->message);  // nothing written; the task stays started
  }
  if (rejection.has_value()) {
    const std::string reason = rejection->message;  // a termination's reason has no cause
    // The reference names the cause first, in the failure and in the RPC's error.
    rejection->message = EnumShorthand(enums::WorkflowTaskFailedCause_Name(rejection->cause),
                                       "WORKFLOW_TASK_FAILED_CAUSE_") +
                         ": " + rejection->message;
    // Nothing of this completion is kept: the task fails with the cause, from the stored state.
    auto again = Begin(key);
    if (again.IsFailure()) return again.Error();
    Mutation& failing = again.Value();
    if (!TokenMatches(failing.run.state, token.Value())) return TaskNotFound();
    temporal::api::failure::v1::Failure failure;
    failure.set_message(rejection->message);
    failure.mutable_server_failure_info();
    FailStartedWorkflowTask(failing, rejection->cause, &failure, request.identity(),
                            /*schedule_next=*/!rejection->terminate);
    if (rejection->terminate) {
      TerminateRun(failing, reason, nullptr, "history-service");
    }
    auto committed = Commit(failing);
    if (committed.IsFailure()) return committed.Error();
    return InvalidArgument(rejection->message);
  }

  bool scheduled_next = false;
  if (!IsRunning(state)) {
    // Closed by this task: what its commands buffered is dropped (the reference's history
    // builder drops the buffer of a finished run).
    state.clear_buffered_events();
  } else {
    if (FlushBuffered(m)) new_task = true;
    // reference: a history past its limits ends the run.
    if (state.next_event_id() - 1 > options_.history_count_max) {
      TerminateRun(m, "Workflow history count exceeds limit.", nullptr, "history-service");
    } else if (state.history_size_bytes() > options_.history_size_max) {
      TerminateRun(m, "Workflow history size exceeds limit.", nullptr, "history-service");
    } else if (new_task) {
      ScheduleWorkflowTask(m, 1);
      scheduled_next = true;
    }
  }
  // The next workflow task this completion scheduled (events that arrived while the task ran, or
  // force_create_new_workflow_task): asked for with return_new_workflow_task, as every SDK does,
  // it is started for the completing worker in this write and goes back in the reply instead of
  // through matching (reference: bypassTaskGeneration).
  std::optional<matching::Poller> returned_to;
  if (scheduled_next && request.return_new_workflow_task() && IsRunning(state) &&
      state.has_workflow_task() && state.workflow_task().started_event_id() == 0 &&
      InlineTaskRoutable(state)) {
    const auto& next = state.workflow_task();
    // ScheduleWorkflowTask queued it for matching: the worker takes it here instead.
    std::erase_if(m.transfer, [&](const persistence::v1::TransferTask& queued) {
      return queued.kind() == persistence::v1::TransferTask::KIND_WORKFLOW_TASK &&
             queued.scheduled_event_id() == next.scheduled_event_id() &&
             queued.attempt() == next.attempt();
    });
    DropScheduleToStart(m, TimerTask::KIND_WORKFLOW_TASK_TIMEOUT, next.scheduled_event_id(),
                        next.attempt());
    matching::Poller& poller = returned_to.emplace();
    poller.namespace_name = request.namespace_();
    poller.task_queue = next.task_queue();
    poller.identity = request.identity();
    poller.poll_request_id = "request-from-RespondWorkflowTaskCompleted";  // the reference's
    // The worker holds the run it just completed: the events after that task are enough, on a
    // sticky queue or not. A worker without a cache (the Go SDK's cache size 0) keeps the run
    // of the task it heartbeats (a local activity retrying), and a whole history would make it
    // start over and lose that task's state.
    poller.sticky = next.sticky();
    poller.holds_run = true;
    MarkWorkflowTaskStarted(m, poller, static_cast<int64_t>(m.events.ByteSizeLong()));
  }
  // Eager activities (reference: handlePostCommandEagerExecuteActivity), once every command is
  // applied: each one still pending on a running run is started by the completing worker in
  // this write. One the run no longer has, or that a closed run leaves, is not handed out.
  std::vector<int64_t> eager_started;
  for (int64_t scheduled_id : eager_activities) {
    auto found = state.mutable_activities()->find(scheduled_id);
    if (!IsRunning(state) || found == state.mutable_activities()->end()) continue;
    MarkActivityStarted(m, found->second, uuids_.Next(), request.identity());
    eager_started.push_back(scheduled_id);
  }
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  wf::RespondWorkflowTaskCompletedResponse response;
  for (int64_t scheduled_id : eager_started) {
    *response.add_activity_tasks() =
        ActivityTaskResponse(state, state.activities().at(scheduled_id), request.namespace_());
  }
  if (returned_to.has_value()) {
    auto next = WorkflowTaskResponse(m.run, *returned_to);
    if (next.IsSuccess()) {
      *response.mutable_workflow_task() = std::move(next).Value();
    } else {
      // Started but not handed over: its start-to-close timeout retries it through matching.
      log::Warn("new workflow task not returned",
                {{"workflow_id", state.workflow_id()}, {"error", next.Error().Message()}});
    }
  }
  return hugo::Ok(std::move(response));
}

}  // namespace hdo::history
