// The workflow transitions of the engine: start, workflow task started and completed, and reads
// of history. Each loads the run, appends events, and commits state, events and outbox together.
#include <chrono>

#include "common/error_codes.h"
#include "history/engine.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using persistence::v1::MutableState;
using persistence::v1::TransferTask;
using persistence::v1::WorkflowTaskToken;

hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

persistence::HistoryBatch ToBatch(const hist::History& history) {
  return {history.events(0).event_id(), history.events(history.events_size() - 1).event_id(),
          history.SerializeAsString()};
}

std::string PageToken(int64_t next_event_id) { return "v1:" + std::to_string(next_event_id); }

hugo::Result<int64_t> ParsePageToken(const std::string& token) {
  if (token.empty()) return hugo::Ok(int64_t{1});
  if (token.rfind("v1:", 0) == 0) {
    try {
      size_t used = 0;
      int64_t value = std::stoll(token.substr(3), &used);
      if (used == token.size() - 3 && value >= 1) return hugo::Ok(value);
    } catch (const std::exception&) {
      // Falls through to the error below: a token is only ever one we issued.
    }
  }
  return InvalidArgument("Invalid NextPageToken.");
}

// Reuse and conflict policies decide whether a start may create a new run beside `current`.
// WorkflowExecutionAlreadyStarted for `current`, with the detail fields clients read.
hugo::Error AlreadyStarted(const std::string& why, const std::string& workflow_id,
                           const persistence::CurrentRun& current) {
  return hugo::Error::From(why + " WorkflowId: " + workflow_id + ", RunId: " + current.run_id + ".",
                           errors::kWorkflowAlreadyStarted)
      .WithMetadata("start_request_id", current.create_request_id)
      .WithMetadata("run_id", current.run_id);
}

hugo::Result<bool> MayStartNewRun(const wf::StartWorkflowExecutionRequest& request,
                                  const persistence::CurrentRun& current,
                                  const std::string& workflow_id) {
  if (current.status == enums::WORKFLOW_EXECUTION_STATUS_RUNNING) {
    switch (request.workflow_id_conflict_policy()) {
      case enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING:
        return hugo::Ok(false);
      case enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING:
        return hugo::Error::From(
            "workflow_id_conflict_policy TERMINATE_EXISTING is not implemented yet",
            errors::kUnimplemented);
      default:
        return AlreadyStarted("Workflow execution is already running.", workflow_id, current);
    }
  }
  switch (request.workflow_id_reuse_policy()) {
    case enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE:
      return AlreadyStarted(
          "Workflow execution already finished and its WorkflowId cannot be reused "
          "(REJECT_DUPLICATE).",
          workflow_id, current);
    case enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY:
      if (current.status == enums::WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        return AlreadyStarted(
            "Workflow execution already completed successfully and the reuse policy allows "
            "failed runs only.",
            workflow_id, current);
      }
      return hugo::Ok(true);
    default:
      return hugo::Ok(true);
  }
}

bool IsRunning(const MutableState& state) {
  return state.status() == enums::WORKFLOW_EXECUTION_STATUS_RUNNING;
}

TransferTask WorkflowTaskTransfer(const MutableState& state) {
  TransferTask task;
  task.set_kind(TransferTask::KIND_WORKFLOW_TASK);
  task.set_namespace_id(state.namespace_id());
  task.set_workflow_id(state.workflow_id());
  task.set_run_id(state.run_id());
  task.set_task_queue(state.workflow_task().task_queue());
  task.set_scheduled_event_id(state.workflow_task().scheduled_event_id());
  return task;
}

}  // namespace

hist::HistoryEvent* Engine::AddEvent(MutableStateEvents& events, enums::EventType type) {
  hist::HistoryEvent* event = events.history.add_events();
  event->set_event_id(events.state->next_event_id());
  events.state->set_next_event_id(events.state->next_event_id() + 1);
  *event->mutable_event_time() = now_();
  event->set_event_type(type);
  event->set_task_id(next_event_task_id_++);
  return event;
}

hugo::Result<wf::StartWorkflowExecutionResponse> Engine::StartWorkflow(
    const std::string& namespace_id, const wf::StartWorkflowExecutionRequest& request) {
  persistence::RunWrite write;
  write.current_mode = persistence::CurrentRunMode::kCreate;
  write.create_request_id = request.request_id();
  auto current = store_->GetCurrentRun(namespace_id, request.workflow_id());
  if (current.IsSuccess()) {
    wf::StartWorkflowExecutionResponse existing;
    existing.set_run_id(current.Value().run_id);
    existing.set_status(static_cast<enums::WorkflowExecutionStatus>(current.Value().status));
    // A retried start (same request id) gets the run it created.
    if (!request.request_id().empty() &&
        current.Value().create_request_id == request.request_id()) {
      existing.set_started(true);
      return hugo::Ok(std::move(existing));
    }
    auto may_start = MayStartNewRun(request, current.Value(), request.workflow_id());
    if (may_start.IsFailure()) return may_start.Error();
    if (!may_start.Value()) return hugo::Ok(std::move(existing));  // USE_EXISTING
    write.current_mode = persistence::CurrentRunMode::kReplace;
    write.expected_current_run_id = current.Value().run_id;
  } else if (current.Error().Code() != persistence::kErrorNotFound) {
    return current.Error();
  }

  LoadedRun run;
  MutableState& state = run.state;
  std::string run_id = uuids_.Next();
  run.record.key = {namespace_id, request.workflow_id(), run_id};
  run.record.db_version = 0;
  state.set_namespace_id(namespace_id);
  state.set_workflow_id(request.workflow_id());
  state.set_run_id(run_id);
  state.set_first_execution_run_id(run_id);
  state.set_workflow_type(request.workflow_type().name());
  state.set_task_queue(request.task_queue().name());
  state.set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  state.set_next_event_id(1);
  state.set_create_request_id(request.request_id());
  *state.mutable_start_time() = now_();
  *state.mutable_workflow_execution_timeout() = request.workflow_execution_timeout();
  *state.mutable_workflow_run_timeout() = request.workflow_run_timeout();
  auto task_timeout = std::chrono::seconds(request.workflow_task_timeout().seconds());
  if (task_timeout.count() <= 0) task_timeout = options_.default_workflow_task_timeout;
  task_timeout = std::min(task_timeout, options_.max_workflow_task_timeout);
  state.mutable_default_workflow_task_timeout()->set_seconds(task_timeout.count());

  MutableStateEvents events{&state, {}};
  auto* started = AddEvent(events, enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
                      ->mutable_workflow_execution_started_event_attributes();
  *started->mutable_workflow_type() = request.workflow_type();
  started->mutable_task_queue()->set_name(request.task_queue().name());
  started->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  *started->mutable_input() = request.input();
  *started->mutable_workflow_execution_timeout() = request.workflow_execution_timeout();
  *started->mutable_workflow_run_timeout() = request.workflow_run_timeout();
  *started->mutable_workflow_task_timeout() = state.default_workflow_task_timeout();
  started->set_original_execution_run_id(run_id);
  started->set_first_execution_run_id(run_id);
  started->set_identity(request.identity());
  started->set_attempt(1);
  started->set_workflow_id(request.workflow_id());
  *started->mutable_memo() = request.memo();
  *started->mutable_search_attributes() = request.search_attributes();
  *started->mutable_header() = request.header();
  if (request.has_retry_policy()) *started->mutable_retry_policy() = request.retry_policy();
  started->set_cron_schedule(request.cron_schedule());

  auto* scheduled_event = AddEvent(events, enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  auto* scheduled = scheduled_event->mutable_workflow_task_scheduled_event_attributes();
  scheduled->mutable_task_queue()->set_name(request.task_queue().name());
  scheduled->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  *scheduled->mutable_start_to_close_timeout() = state.default_workflow_task_timeout();
  scheduled->set_attempt(1);
  auto* workflow_task = state.mutable_workflow_task();
  workflow_task->set_scheduled_event_id(scheduled_event->event_id());
  workflow_task->set_attempt(1);
  workflow_task->set_task_queue(request.task_queue().name());
  *workflow_task->mutable_start_to_close_timeout() = state.default_workflow_task_timeout();
  *workflow_task->mutable_scheduled_time() = scheduled_event->event_time();

  write.history.push_back(ToBatch(events.history));
  auto committed = Commit(run, std::move(write), {WorkflowTaskTransfer(state)}, {}, nullptr);
  // The engine thread is the only writer, so the current-run pointer cannot move between the
  // read above and this commit; a failure here is the store's.
  if (committed.IsFailure()) return committed.Error();
  wf::StartWorkflowExecutionResponse response;
  response.set_run_id(run_id);
  response.set_started(true);
  response.set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::PollWorkflowTaskQueueResponse> Engine::RecordWorkflowTaskStarted(
    const matching::WorkflowTask& task, const std::string& poll_request_id,
    const std::string& identity) {
  auto loaded = LoadRun({task.namespace_id, task.workflow_id, task.run_id});
  if (loaded.IsFailure()) return loaded.Error();
  LoadedRun& run = loaded.Value();
  MutableState& state = run.state;
  const bool current = IsRunning(state) && state.has_workflow_task() &&
                       state.workflow_task().scheduled_event_id() == task.scheduled_event_id &&
                       state.workflow_task().started_event_id() == 0;
  if (!current) {
    // Stale: the task was started or completed already, or the run closed. Its outbox row is done.
    persistence::Transaction cleanup;
    cleanup.completed_transfer_task_ids.push_back(task.transfer_task_id);
    (void)store_->Write(cleanup);
    return hugo::Error::From("workflow task is no longer scheduled", errors::kNotFound);
  }
  MutableStateEvents events{&state, {}};
  auto* started_event = AddEvent(events, enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  auto* started = started_event->mutable_workflow_task_started_event_attributes();
  started->set_scheduled_event_id(task.scheduled_event_id);
  started->set_identity(identity);
  started->set_request_id(poll_request_id);
  auto* workflow_task = state.mutable_workflow_task();
  workflow_task->set_started_event_id(started_event->event_id());
  *workflow_task->mutable_started_time() = started_event->event_time();
  workflow_task->set_started_request_id(poll_request_id);
  workflow_task->set_started_identity(identity);
  persistence::RunWrite write;
  write.history.push_back(ToBatch(events.history));
  auto committed = Commit(run, std::move(write), {}, {task.transfer_task_id}, nullptr);
  if (committed.IsFailure()) return committed.Error();

  auto history = ReadEvents(run.record.key, 1, started_event->event_id());
  if (history.IsFailure()) return history.Error();
  wf::PollWorkflowTaskQueueResponse response;
  WorkflowTaskToken token;
  token.set_namespace_id(state.namespace_id());
  token.set_workflow_id(state.workflow_id());
  token.set_run_id(state.run_id());
  token.set_scheduled_event_id(workflow_task->scheduled_event_id());
  token.set_started_event_id(workflow_task->started_event_id());
  token.set_attempt(workflow_task->attempt());
  response.set_task_token(token.SerializeAsString());
  response.mutable_workflow_execution()->set_workflow_id(state.workflow_id());
  response.mutable_workflow_execution()->set_run_id(state.run_id());
  response.mutable_workflow_type()->set_name(state.workflow_type());
  response.set_previous_started_event_id(state.last_completed_workflow_task_started_event_id());
  response.set_started_event_id(workflow_task->started_event_id());
  response.set_attempt(workflow_task->attempt());
  *response.mutable_history() = std::move(history).Value();
  response.mutable_workflow_execution_task_queue()->set_name(state.task_queue());
  response.mutable_workflow_execution_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  *response.mutable_scheduled_time() = workflow_task->scheduled_time();
  *response.mutable_started_time() = workflow_task->started_time();
  return hugo::Ok(std::move(response));
}

namespace {

bool IsCloseCommand(enums::CommandType type) {
  return type == enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION ||
         type == enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION ||
         type == enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION ||
         type == enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION;
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

}  // namespace

hugo::Result<wf::RespondWorkflowTaskCompletedResponse> Engine::CompleteWorkflowTask(
    const std::string& namespace_id, const wf::RespondWorkflowTaskCompletedRequest& request) {
  auto token = DecodeToken(namespace_id, request.task_token());
  if (token.IsFailure()) return token.Error();
  const auto& commands = request.commands();
  for (int i = 0; i < commands.size(); ++i) {
    if (IsCloseCommand(commands[i].command_type()) && i != commands.size() - 1) {
      return InvalidArgument(
          "invalid command sequence: " + enums::CommandType_Name(commands[i].command_type()) +
          " must be the last command.");
    }
  }
  auto loaded =
      LoadRun({token.Value().namespace_id(), token.Value().workflow_id(), token.Value().run_id()});
  if (loaded.IsFailure()) return loaded.Error();
  LoadedRun& run = loaded.Value();
  MutableState& state = run.state;
  const auto& workflow_task = state.workflow_task();
  if (!IsRunning(state) || !state.has_workflow_task() ||
      workflow_task.scheduled_event_id() != token.Value().scheduled_event_id() ||
      workflow_task.started_event_id() != token.Value().started_event_id() ||
      workflow_task.started_event_id() == 0) {
    return hugo::Error::From("Workflow task not found.", errors::kNotFound);
  }
  MutableStateEvents events{&state, {}};
  auto* completed_event = AddEvent(events, enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  auto* completed = completed_event->mutable_workflow_task_completed_event_attributes();
  completed->set_scheduled_event_id(workflow_task.scheduled_event_id());
  completed->set_started_event_id(workflow_task.started_event_id());
  completed->set_identity(request.identity());
  // The deprecated binary_checksum is still what older SDKs use to identify their build.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  completed->set_binary_checksum(request.binary_checksum());
#pragma GCC diagnostic pop
  if (request.has_sdk_metadata()) *completed->mutable_sdk_metadata() = request.sdk_metadata();
  if (request.has_metering_metadata()) {
    *completed->mutable_metering_metadata() = request.metering_metadata();
  }
  state.set_last_completed_workflow_task_started_event_id(workflow_task.started_event_id());
  state.clear_workflow_task();

  for (const auto& command : commands) {
    switch (command.command_type()) {
      case enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION: {
        auto* attributes = AddEvent(events, enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
                               ->mutable_workflow_execution_completed_event_attributes();
        *attributes->mutable_result() =
            command.complete_workflow_execution_command_attributes().result();
        attributes->set_workflow_task_completed_event_id(completed_event->event_id());
        state.set_status(enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
        break;
      }
      case enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION: {
        auto* attributes = AddEvent(events, enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)
                               ->mutable_workflow_execution_failed_event_attributes();
        *attributes->mutable_failure() =
            command.fail_workflow_execution_command_attributes().failure();
        attributes->set_retry_state(enums::RETRY_STATE_RETRY_POLICY_NOT_SET);
        attributes->set_workflow_task_completed_event_id(completed_event->event_id());
        state.set_status(enums::WORKFLOW_EXECUTION_STATUS_FAILED);
        break;
      }
      default:
        // Nothing is written: the SDK fails the task and retries it once hdo supports the command.
        return hugo::Error::From("command " + enums::CommandType_Name(command.command_type()) +
                                     " is not implemented yet",
                                 errors::kUnimplemented);
    }
  }
  if (!IsRunning(state)) *state.mutable_close_time() = now_();
  persistence::RunWrite write;
  write.history.push_back(ToBatch(events.history));
  auto committed = Commit(run, std::move(write), {}, {}, nullptr);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::RespondWorkflowTaskCompletedResponse());
}

hugo::Result<wf::TerminateWorkflowExecutionResponse> Engine::Terminate(
    const std::string& namespace_id, const wf::TerminateWorkflowExecutionRequest& request) {
  // With first_execution_run_id the request names a chain of runs: its current run is the target.
  const std::string& requested_run = request.first_execution_run_id().empty()
                                         ? request.workflow_execution().run_id()
                                         : std::string();
  auto run_id =
      ResolveRunId(namespace_id, request.workflow_execution().workflow_id(), requested_run);
  if (run_id.IsFailure()) return run_id.Error();
  auto loaded = LoadRun({namespace_id, request.workflow_execution().workflow_id(), run_id.Value()});
  if (loaded.IsFailure()) return loaded.Error();
  LoadedRun& run = loaded.Value();
  MutableState& state = run.state;
  if (!IsRunning(state)) {
    return hugo::Error::From("workflow execution already completed", errors::kNotFound);
  }
  if (!request.first_execution_run_id().empty() &&
      state.first_execution_run_id() != request.first_execution_run_id()) {
    return hugo::Error::From("workflow execution not found", errors::kNotFound);
  }
  MutableStateEvents events{&state, {}};
  if (state.has_workflow_task() && state.workflow_task().started_event_id() != 0) {
    auto* failed = AddEvent(events, enums::EVENT_TYPE_WORKFLOW_TASK_FAILED)
                       ->mutable_workflow_task_failed_event_attributes();
    failed->set_scheduled_event_id(state.workflow_task().scheduled_event_id());
    failed->set_started_event_id(state.workflow_task().started_event_id());
    failed->set_cause(enums::WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND);
    failed->set_identity(request.identity());
  }
  auto* terminated = AddEvent(events, enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED)
                         ->mutable_workflow_execution_terminated_event_attributes();
  terminated->set_reason(request.reason());
  if (request.has_details()) *terminated->mutable_details() = request.details();
  terminated->set_identity(request.identity());
  state.clear_workflow_task();
  state.set_status(enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);
  *state.mutable_close_time() = now_();
  persistence::RunWrite write;
  write.history.push_back(ToBatch(events.history));
  auto committed = Commit(run, std::move(write), {}, {}, nullptr);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::TerminateWorkflowExecutionResponse());
}

void Engine::GetHistory(const std::string& namespace_id,
                        const wf::GetWorkflowExecutionHistoryRequest& request, HistoryDone done) {
  if (TryAnswerHistory(namespace_id, request, false, done)) return;
  auto waiter = std::make_shared<HistoryWaiter>();
  waiter->request = request;
  waiter->namespace_id = namespace_id;
  waiter->done = std::move(done);
  waiter->timer = std::make_unique<asio::steady_timer>(executor_);
  waiter->timer->expires_after(options_.history_long_poll);
  auto run_id =
      ResolveRunId(namespace_id, request.execution().workflow_id(), request.execution().run_id());
  std::string key = run_id.IsSuccess() ? run_id.Value() : std::string();
  waiters_.emplace(key, waiter);
  waiter->timer->async_wait([this, waiter, key](const std::error_code& error) {
    if (error) return;  // answered earlier: the timer was cancelled
    auto [begin, end] = waiters_.equal_range(key);
    for (auto it = begin; it != end; ++it) {
      if (it->second == waiter) {
        waiters_.erase(it);
        break;
      }
    }
    TryAnswerHistory(waiter->namespace_id, waiter->request, true, waiter->done);
  });
}

bool Engine::TryAnswerHistory(const std::string& namespace_id,
                              const wf::GetWorkflowExecutionHistoryRequest& request,
                              bool deadline_passed, const HistoryDone& done) {
  auto run_id =
      ResolveRunId(namespace_id, request.execution().workflow_id(), request.execution().run_id());
  if (run_id.IsFailure()) {
    done(run_id.Error());
    return true;
  }
  auto first_event_id = ParsePageToken(request.next_page_token());
  if (first_event_id.IsFailure()) {
    done(first_event_id.Error());
    return true;
  }
  auto loaded = LoadRun({namespace_id, request.execution().workflow_id(), run_id.Value()});
  if (loaded.IsFailure()) {
    done(loaded.Error());
    return true;
  }
  const MutableState& state = loaded.Value().state;
  const int64_t last_event_id = state.next_event_id() - 1;
  const bool close_only =
      request.history_event_filter_type() == enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
  const bool nothing_new = close_only ? IsRunning(state) : first_event_id.Value() > last_event_id;
  if (nothing_new && IsRunning(state)) {
    if (request.wait_new_event() && !deadline_passed) return false;
    // "Nothing yet, ask again": empty events with a token, which the SDKs loop on.
    wf::GetWorkflowExecutionHistoryResponse response;
    response.mutable_history();
    response.set_next_page_token(
        PageToken(close_only ? first_event_id.Value() : last_event_id + 1));
    done(hugo::Ok(std::move(response)));
    return true;
  }
  int64_t page_size = request.maximum_page_size() > 0 ? request.maximum_page_size()
                                                      : options_.history_page_size_default;
  int64_t from = close_only ? last_event_id : first_event_id.Value();
  int64_t to = close_only ? last_event_id : std::min(last_event_id, from + page_size - 1);
  auto history = ReadEvents(loaded.Value().record.key, from, to);
  if (history.IsFailure()) {
    done(history.Error());
    return true;
  }
  wf::GetWorkflowExecutionHistoryResponse response;
  *response.mutable_history() = std::move(history).Value();
  if (!close_only && to < last_event_id) response.set_next_page_token(PageToken(to + 1));
  done(hugo::Ok(std::move(response)));
  return true;
}

}  // namespace hdo::history
