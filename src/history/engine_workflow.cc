// The workflow-level transitions: start (and signal-with-start), signal, cancel request,
// terminate, describe, reset of stickiness, and the run timeout.
#include <algorithm>
#include <chrono>

#include "common/error_codes.h"
#include "history/cron.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/time_util.h"

namespace hdo::history {
namespace {

using internal::InvalidArgument;
using internal::IsRunning;
using internal::NotFound;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using persistence::v1::MutableState;
using persistence::v1::TimerTask;

// Signal request ids kept per run for deduplication (the oldest are forgotten first).
constexpr int kSignalRequestIdsMax = 1000;

hugo::Error AlreadyCompleted() { return NotFound("workflow execution already completed"); }

// WorkflowExecutionAlreadyStarted for `current`, with the detail fields clients read. With a
// workflow id, `why` gets " WorkflowId: …, RunId: …." appended; without, it is the whole message.
hugo::Error AlreadyStarted(const std::string& why, const std::string& workflow_id,
                           const persistence::CurrentRun& current) {
  std::string message = workflow_id.empty() ? why
                                            : why + " WorkflowId: " + workflow_id +
                                                  ", RunId: " + current.run_id + ".";
  return hugo::Error::From(std::move(message), errors::kWorkflowAlreadyStarted)
      .WithMetadata("start_request_id", current.create_request_id)
      .WithMetadata("run_id", current.run_id);
}

// What a start does beside an existing current run.
enum class StartAction { kUseExisting, kNewRun, kTerminateThenNewRun };

// Reuse and conflict policies decide whether a start may create a new run beside `current`
// (reference 1.29 workflow_id_dedup.go, with its messages).
hugo::Result<StartAction> ResolveStart(const wf::StartWorkflowExecutionRequest& request,
                                       const persistence::CurrentRun& current,
                                       const std::string& workflow_id) {
  auto reuse = request.workflow_id_reuse_policy();
  auto conflict = request.workflow_id_conflict_policy();
  // The deprecated reuse policy TERMINATE_IF_RUNNING is conflict policy TERMINATE_EXISTING.
  // (value 4: the enum constant is deprecated, and -Werror refuses its name).
  if (reuse == static_cast<enums::WorkflowIdReusePolicy>(4)) {
    reuse = enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
    conflict = enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING;
  }
  if (current.status == enums::WORKFLOW_EXECUTION_STATUS_RUNNING) {
    switch (conflict) {
      case enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING:
        return hugo::Ok(StartAction::kUseExisting);
      case enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING:
        return hugo::Ok(StartAction::kTerminateThenNewRun);
      default:
        return AlreadyStarted("Workflow execution is already running.", workflow_id, current);
    }
  }
  switch (reuse) {
    case enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE:
      return AlreadyStarted("Workflow execution already finished. WorkflowId: " + workflow_id +
                                ", RunId: " + current.run_id +
                                ". Workflow Id reuse policy: reject duplicate workflow Id.",
                            "", current);
    case enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY:
      if (current.status == enums::WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        return AlreadyStarted(
            "Workflow execution already finished successfully. WorkflowId: " + workflow_id +
                ", RunId: " + current.run_id +
                ". Workflow Id reuse policy: allow duplicate workflow Id if last run failed.",
            "", current);
      }
      return hugo::Ok(StartAction::kNewRun);
    default:
      return hugo::Ok(StartAction::kNewRun);
  }
}

// The start request part of a signal-with-start.
wf::StartWorkflowExecutionRequest StartPart(
    const wf::SignalWithStartWorkflowExecutionRequest& request) {
  wf::StartWorkflowExecutionRequest start;
  start.set_namespace_(request.namespace_());
  start.set_workflow_id(request.workflow_id());
  *start.mutable_workflow_type() = request.workflow_type();
  *start.mutable_task_queue() = request.task_queue();
  if (request.has_input()) *start.mutable_input() = request.input();
  // Presence matters: a timeout the client did not send is not written into the history.
  if (request.has_workflow_execution_timeout()) {
    *start.mutable_workflow_execution_timeout() = request.workflow_execution_timeout();
  }
  if (request.has_workflow_run_timeout()) {
    *start.mutable_workflow_run_timeout() = request.workflow_run_timeout();
  }
  if (request.has_workflow_task_timeout()) {
    *start.mutable_workflow_task_timeout() = request.workflow_task_timeout();
  }
  start.set_identity(request.identity());
  start.set_request_id(request.request_id());
  start.set_workflow_id_reuse_policy(request.workflow_id_reuse_policy());
  start.set_workflow_id_conflict_policy(request.workflow_id_conflict_policy());
  if (request.has_retry_policy()) *start.mutable_retry_policy() = request.retry_policy();
  start.set_cron_schedule(request.cron_schedule());
  if (request.has_memo()) *start.mutable_memo() = request.memo();
  if (request.has_search_attributes()) {
    *start.mutable_search_attributes() = request.search_attributes();
  }
  if (request.has_header()) *start.mutable_header() = request.header();
  if (request.has_priority()) *start.mutable_priority() = request.priority();
  if (request.has_workflow_start_delay()) {
    *start.mutable_workflow_start_delay() = request.workflow_start_delay();
  }
  if (request.has_user_metadata()) *start.mutable_user_metadata() = request.user_metadata();
  // Links (a Nexus handler's, to its caller's event) go on the Started event too.
  *start.mutable_links() = request.links();
  return start;
}

}  // namespace

hugo::Result<hugo::Unit> Engine::AttachToRunning(const std::string& namespace_id,
                                                 const wf::StartWorkflowExecutionRequest& request,
                                                 const std::string& run_id) {
  const auto& on_conflict = request.on_conflict_options();
  if (!on_conflict.attach_request_id() && !on_conflict.attach_completion_callbacks() &&
      !on_conflict.attach_links()) {
    return hugo::Ok();
  }
  if (on_conflict.attach_completion_callbacks() && !on_conflict.attach_request_id()) {
    return InvalidArgument("attaching request ID is required for attaching completion callbacks");
  }
  auto begun = Begin({namespace_id, request.workflow_id(), run_id});
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  if (!IsRunning(state)) return hugo::Ok();
  for (const auto& attached : state.attached_request_ids()) {
    if (attached == request.request_id()) return hugo::Ok();  // a retry: attached already
  }
  constexpr int kCallbacksMax = 32;
  if (on_conflict.attach_completion_callbacks() &&
      state.callbacks_size() + request.completion_callbacks_size() > kCallbacksMax) {
    return InvalidArgument("cannot attach more than 32 callbacks to a workflow (" +
                           std::to_string(state.callbacks_size()) + " callbacks already attached)");
  }
  auto* event = AppendOrBuffer(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
  event->set_worker_may_ignore(true);  // as the reference's: SDKs that do not know it skip it
  auto* updated = event->mutable_workflow_execution_options_updated_event_attributes();
  if (on_conflict.attach_request_id()) {
    updated->set_attached_request_id(request.request_id());
    state.add_attached_request_ids(request.request_id());
    // Numbered now unless buffered behind a started workflow task (FlushBuffered numbers it).
    if (event->event_id() != 0) {
      (*state.mutable_attached_request_event_ids())[request.request_id()] = event->event_id();
    }
  }
  if (on_conflict.attach_completion_callbacks()) {
    for (const auto& callback : request.completion_callbacks()) {
      *updated->add_attached_completion_callbacks() = callback;
      auto* info = state.add_callbacks();
      *info->mutable_callback() = callback;
      *info->mutable_registration_time() = now_();
      info->set_state(enums::CALLBACK_STATE_STANDBY);
    }
  }
  updated->set_identity(request.identity());
  if (on_conflict.attach_links()) {
    for (const auto& link : request.links()) *event->add_links() = link;
  }
  return Commit(m);
}

hugo::Result<wf::StartWorkflowExecutionResponse> Engine::StartWorkflow(
    const std::string& namespace_id, const wf::StartWorkflowExecutionRequest& request,
    const temporal::api::update::v1::Request* admit_update) {
  auto attributes = ValidateStartSearchAttributes(namespace_id, request);
  if (attributes.IsFailure()) return attributes.Error();
  // A start from a Nexus handler (callbacks or links) is answered with a link to the run's
  // Started event, which the handler hands back to its caller (the reference links every start;
  // hdo only these, to keep the hot path's replies small).
  auto link_started = [&](wf::StartWorkflowExecutionResponse& response) {
    if (request.completion_callbacks_size() == 0 && request.links_size() == 0) return;
    auto* event = response.mutable_link()->mutable_workflow_event();
    event->set_namespace_(NamespaceNameOf(namespace_id));
    event->set_workflow_id(request.workflow_id());
    event->set_run_id(response.run_id());
    event->mutable_event_ref()->set_event_id(1);
    event->mutable_event_ref()->set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  };
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
      link_started(existing);
      return hugo::Ok(std::move(existing));
    }
    auto action = ResolveStart(request, current.Value(), request.workflow_id());
    if (action.IsFailure()) return action.Error();
    if (action.Value() == StartAction::kUseExisting) {
      // A Nexus handler's start joining the running workflow attaches its request id,
      // completion callbacks and links to it (the reference's OnConflictOptions).
      if (request.has_on_conflict_options() && !request.request_id().empty()) {
        auto attached = AttachToRunning(namespace_id, request, current.Value().run_id);
        if (attached.IsFailure()) return attached.Error();
      }
      link_started(existing);
      if (request.on_conflict_options().attach_request_id() && existing.has_link()) {
        // The link names the attaching request (reference with history.enableRequestIdRefLinks,
        // the setting the SDK suites run with): the event that attached it.
        auto* event = existing.mutable_link()->mutable_workflow_event();
        event->mutable_request_id_ref()->set_request_id(request.request_id());
        event->mutable_request_id_ref()->set_event_type(
            enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
      }
      existing.set_started(false);
      return hugo::Ok(std::move(existing));
    }
    write.current_mode = persistence::CurrentRunMode::kReplace;
    write.expected_current_run_id = current.Value().run_id;
  } else if (current.Error().Code() != persistence::kErrorNotFound) {
    return current.Error();
  }
  wf::StartWorkflowExecutionResponse response;
  auto run_id = StartNewRun(
      namespace_id, request, std::move(write), current.IsSuccess() ? &current.Value() : nullptr,
      nullptr, request.request_eager_execution() ? response.mutable_eager_workflow_task() : nullptr,
      admit_update);
  if (run_id.IsFailure()) return run_id.Error();
  if (response.eager_workflow_task().task_token().empty()) response.clear_eager_workflow_task();
  response.set_run_id(run_id.Value());
  response.set_started(true);
  response.set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  link_started(response);
  return hugo::Ok(std::move(response));
}

hugo::Result<std::string> Engine::StartNewRun(
    const std::string& namespace_id, const wf::StartWorkflowExecutionRequest& request,
    persistence::RunWrite write, const persistence::CurrentRun* replaced,
    const wf::SignalWithStartWorkflowExecutionRequest* signal,
    wf::PollWorkflowTaskQueueResponse* eager_task,
    const temporal::api::update::v1::Request* admit_update) {
  const std::string run_id = NewRunId();
  NewRun spec;
  spec.namespace_id = namespace_id;
  spec.request = request;
  // reference: the frontend fills the unset fields of a workflow retry policy (the Started
  // event shows the whole policy, and retries compute from it).
  if (spec.request.has_retry_policy()) {
    FillRetryPolicyDefaults(spec.request.mutable_retry_policy(), DefaultRetrySettings{});
  }
  spec.write = std::move(write);
  spec.run_id = run_id;
  spec.signal = signal;
  // reference (common.CreateHistoryStartWorkflowRequest): a start may carry a previous run's
  // result and failure; schedules hand them to the runs they start.
  if (spec.request.has_last_completion_result()) {
    spec.last_completion_result = &spec.request.last_completion_result();
  }
  if (spec.request.has_continued_failure()) {
    spec.continued_failure = &spec.request.continued_failure();
  }
  // A cron workflow's first run waits for the schedule's first time; a start delay delays the
  // first workflow task, also a signal-with-start's (its signal is delivered with that task; a
  // later signal-with-start ends the delay: Signal's ends_backoff).
  if (!request.cron_schedule().empty()) {
    auto schedule = CronSchedule::Parse(request.cron_schedule());
    if (schedule.IsFailure()) return schedule.Error();
    auto wait = CronBackoffMs(schedule.Value(), NowMs(), NowMs());
    if (wait.has_value() && *wait > 0) spec.backoff = DurationFromMillis(*wait);
    // The first run of a cron workflow is already one of its schedule's (reference).
    spec.initiator = enums::CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE;
  } else if (request.has_workflow_start_delay()) {
    spec.backoff = request.workflow_start_delay();
  }
  if (replaced != nullptr && replaced->status == enums::WORKFLOW_EXECUTION_STATUS_RUNNING) {
    auto terminated =
        TerminateForNewRun(namespace_id, request.workflow_id(), replaced->run_id, run_id);
    if (terminated.IsFailure()) return terminated.Error();
  }
  auto built = BuildNewRun(spec);
  if (built.IsFailure()) return built.Error();
  Mutation& m = built.Value();
  // Eager start (reference: allowed unless the first task waits): the caller's worker gets the
  // first workflow task in the reply; no poll, no queue.
  // Not for a versioned queue or a run with an override: the first task goes to the version the
  // routing names (or the build id its assignment gives: build-id versioning), which the
  // starting worker may not run.
  const bool eager =
      eager_task != nullptr && m.run.state.has_workflow_task() &&
      !m.run.state.has_versioning_info() &&
      !(options_.route && options_.route(namespace_id, request.task_queue().name(), true,
                                         request.workflow_id(), "", false) != "") &&
      !(options_.build_id_versioned &&
        options_.build_id_versioned(namespace_id, request.task_queue().name()));
  matching::Poller eager_poller{"", request.task_queue().name(), request.identity(),
                                request.request_id(), false};
  if (eager) {
    std::erase_if(m.transfer, [](const persistence::v1::TransferTask& task) {
      return task.kind() == persistence::v1::TransferTask::KIND_WORKFLOW_TASK;
    });
    m.events.mutable_events(0)
        ->mutable_workflow_execution_started_event_attributes()
        ->set_eager_execution_accepted(true);
    MarkWorkflowTaskStarted(m, eager_poller);
  }
  if (admit_update != nullptr) {
    InFlightUpdate& admitted = in_flight_updates_[run_id][admit_update->meta().update_id()];
    admitted.request = *admit_update;
    admitted.admitted_seq = next_update_seq_++;
  }
  // The engine thread is the only writer, so the current-run pointer cannot move between the
  // caller's read and this commit; a failure here is the store's.
  auto committed = Commit(m);
  if (committed.IsFailure()) {
    if (admit_update != nullptr) in_flight_updates_.erase(run_id);
    return committed.Error();
  }
  if (eager) {
    auto task = WorkflowTaskResponse(m.run, eager_poller);
    if (task.IsSuccess()) *eager_task = std::move(task).Value();
  }
  return hugo::Ok(run_id);
}

hugo::Result<wf::SignalWithStartWorkflowExecutionResponse> Engine::SignalWithStart(
    const std::string& namespace_id, const wf::SignalWithStartWorkflowExecutionRequest& request) {
  wf::StartWorkflowExecutionRequest start = StartPart(request);
  auto attributes = ValidateStartSearchAttributes(namespace_id, start);
  if (attributes.IsFailure()) return attributes.Error();
  persistence::RunWrite write;
  write.current_mode = persistence::CurrentRunMode::kCreate;
  write.create_request_id = request.request_id();
  auto current = store_->GetCurrentRun(namespace_id, request.workflow_id());
  if (current.IsSuccess()) {
    if (current.Value().status == enums::WORKFLOW_EXECUTION_STATUS_RUNNING &&
        request.workflow_id_conflict_policy() !=
            enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING) {
      wf::SignalWorkflowExecutionRequest signal;
      signal.mutable_workflow_execution()->set_workflow_id(request.workflow_id());
      signal.mutable_workflow_execution()->set_run_id(current.Value().run_id);
      signal.set_signal_name(request.signal_name());
      *signal.mutable_input() = request.signal_input();
      signal.set_identity(request.identity());
      signal.set_request_id(request.request_id());
      *signal.mutable_header() = request.header();
      *signal.mutable_links() = request.links();
      auto signaled = Signal(namespace_id, signal, /*ends_backoff=*/true);
      if (signaled.IsFailure()) return signaled.Error();
      wf::SignalWithStartWorkflowExecutionResponse response;
      response.set_run_id(current.Value().run_id);
      response.set_started(false);
      *response.mutable_signal_link() = signaled.Value().link();
      return hugo::Ok(std::move(response));
    }
    auto action = ResolveStart(start, current.Value(), request.workflow_id());
    if (action.IsFailure()) return action.Error();
    write.current_mode = persistence::CurrentRunMode::kReplace;
    write.expected_current_run_id = current.Value().run_id;
  } else if (current.Error().Code() != persistence::kErrorNotFound) {
    return current.Error();
  }
  auto run_id = StartNewRun(namespace_id, start, std::move(write),
                            current.IsSuccess() ? &current.Value() : nullptr, &request);
  if (run_id.IsFailure()) return run_id.Error();
  wf::SignalWithStartWorkflowExecutionResponse response;
  response.set_run_id(run_id.Value());
  response.set_started(true);
  // The Signaled event, by the request id (reference: the response's signal_link, which a Nexus
  // handler hands back to its caller).
  auto* link = response.mutable_signal_link()->mutable_workflow_event();
  link->set_namespace_(NamespaceNameOf(namespace_id));
  link->set_workflow_id(request.workflow_id());
  link->set_run_id(run_id.Value());
  link->mutable_request_id_ref()->set_request_id(request.request_id());
  link->mutable_request_id_ref()->set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::SignalWorkflowExecutionResponse> Engine::Signal(
    const std::string& namespace_id, const wf::SignalWorkflowExecutionRequest& request,
    bool ends_backoff) {
  auto begun = BeginExecution(namespace_id, request.workflow_execution());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  if (!IsRunning(state)) return AlreadyCompleted();
  const auto& seen = state.signal_request_ids();
  // The answer links the Signaled event by the request id (reference: a RequestIdRef link, which
  // a Nexus handler hands back to its caller).
  wf::SignalWorkflowExecutionResponse response;
  auto* link = response.mutable_link()->mutable_workflow_event();
  link->set_namespace_(NamespaceNameOf(namespace_id));
  link->set_workflow_id(state.workflow_id());
  link->set_run_id(state.run_id());
  link->mutable_request_id_ref()->set_request_id(request.request_id());
  link->mutable_request_id_ref()->set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  if (!request.request_id().empty() &&
      std::find(seen.begin(), seen.end(), request.request_id()) != seen.end()) {
    return hugo::Ok(std::move(response));  // a retried signal, applied once
  }
  auto* signaled_event = AppendOrBuffer(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  // The request's links (a Nexus handler's, to its caller's event) go on the event, as the
  // reference's.
  for (const auto& linked : request.links()) *signaled_event->add_links() = linked;
  auto* signaled = signaled_event->mutable_workflow_execution_signaled_event_attributes();
  signaled->set_signal_name(request.signal_name());
  if (request.has_input()) *signaled->mutable_input() = request.input();
  signaled->set_identity(request.identity());
  if (request.has_header()) *signaled->mutable_header() = request.header();
  signaled->set_request_id(request.request_id());
  if (!request.request_id().empty()) {
    state.add_signal_request_ids(request.request_id());
    if (state.signal_request_ids_size() > kSignalRequestIdsMax) {
      state.mutable_signal_request_ids()->DeleteSubrange(0, 1);
    }
  }
  state.set_signal_count(state.signal_count() + 1);
  // The backoff's timer still fires later, and then finds nothing to do.
  if (ends_backoff) state.set_workflow_task_backoff_pending(false);
  EnsureWorkflowTask(m);
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::RequestCancelWorkflowExecutionResponse> Engine::RequestCancel(
    const std::string& namespace_id, const wf::RequestCancelWorkflowExecutionRequest& request) {
  // With first_execution_run_id the request names a chain of runs: its current run is the target,
  // whatever run the execution names (reference: requestcancelworkflow).
  temporal::api::common::v1::WorkflowExecution target = request.workflow_execution();
  if (!request.first_execution_run_id().empty()) target.clear_run_id();
  auto begun = BeginExecution(namespace_id, target);
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  // Asking a closed run to cancel is not an error (reference): there is nothing left to do.
  if (!IsRunning(state)) return hugo::Ok(wf::RequestCancelWorkflowExecutionResponse());
  if (!request.first_execution_run_id().empty() &&
      state.first_execution_run_id() != request.first_execution_run_id()) {
    return NotFound("workflow execution not found");
  }
  // A second request (retried or not) changes nothing: the workflow was asked once.
  if (state.cancel_requested()) return hugo::Ok(wf::RequestCancelWorkflowExecutionResponse());
  auto* requested = AppendOrBuffer(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                        ->mutable_workflow_execution_cancel_requested_event_attributes();
  requested->set_cause(request.reason());
  requested->set_identity(request.identity());
  state.set_cancel_requested(true);
  state.set_cancel_request_id(request.request_id());
  EnsureWorkflowTask(m);
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::RequestCancelWorkflowExecutionResponse());
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
  auto begun = Begin({namespace_id, request.workflow_execution().workflow_id(), run_id.Value()});
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  if (!IsRunning(state)) return AlreadyCompleted();
  if (!request.first_execution_run_id().empty() &&
      state.first_execution_run_id() != request.first_execution_run_id()) {
    return NotFound("workflow execution not found");
  }
  TerminateRun(m, request.reason(), request.has_details() ? &request.details() : nullptr,
               request.identity());
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::TerminateWorkflowExecutionResponse());
}

void Engine::TerminateRun(Mutation& m, const std::string& reason,
                          const temporal::api::common::v1::Payloads* details,
                          const std::string& identity) {
  MutableState& state = m.run.state;
  if (state.has_workflow_task() && state.workflow_task().started_event_id() != 0) {
    FailStartedWorkflowTask(m, enums::WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND, nullptr,
                            identity, /*schedule_next=*/false);
  }
  FlushBuffered(m);
  auto* terminated = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED)
                         ->mutable_workflow_execution_terminated_event_attributes();
  terminated->set_reason(reason);
  if (details != nullptr) *terminated->mutable_details() = *details;
  terminated->set_identity(identity);
  Close(m, enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);
}

hugo::Result<hugo::Unit> Engine::TerminateForNewRun(const std::string& namespace_id,
                                                    const std::string& workflow_id,
                                                    const std::string& run_id,
                                                    const std::string& new_run_id) {
  auto begun = Begin({namespace_id, workflow_id, run_id});
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  temporal::api::common::v1::Payloads details;
  auto* payload = details.add_payloads();
  (*payload->mutable_metadata())["encoding"] = "json/plain";
  payload->set_data("\"terminated by new runID: " + new_run_id + "\"");
  TerminateRun(m, "TerminateIfRunning WorkflowIdReusePolicy", &details, "history-service");
  return Commit(m);
}

bool Engine::OnRunTimeout(Mutation& m, const TimerTask& /*task*/) {
  MutableState& state = m.run.state;
  FlushBuffered(m);
  auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT);
  event->mutable_workflow_execution_timed_out_event_attributes()->set_retry_state(
      enums::RETRY_STATE_TIMEOUT);
  // A run timeout may be retried (or the cron schedule goes on); the chain's execution timeout
  // ends it.
  const bool chain_expired = IsSet(state.execution_expiration_time()) &&
                             ToMillis(state.execution_expiration_time()) <= NowMs();
  if (!chain_expired) {
    temporal::api::failure::v1::Failure failure;
    failure.set_message("workflow timeout");
    failure.set_source("Server");
    failure.mutable_timeout_failure_info()->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
    // A store failure to read the Started event leaves the run to time out without a successor.
    (void)ContinueChain(m, event, &failure, nullptr);
  }
  Close(m, enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT);
  return true;
}

hugo::Result<wf::DescribeWorkflowExecutionResponse> Engine::Describe(
    const std::string& namespace_id, const wf::DescribeWorkflowExecutionRequest& request) {
  const auto& execution = request.execution();
  auto run_id = ResolveRunId(namespace_id, execution.workflow_id(), execution.run_id());
  if (run_id.IsFailure()) return run_id.Error();
  auto loaded = LoadRun({namespace_id, execution.workflow_id(), run_id.Value()});
  if (loaded.IsFailure()) return loaded.Error();
  const MutableState& state = loaded.Value().state;
  wf::DescribeWorkflowExecutionResponse response;
  auto* config = response.mutable_execution_config();
  config->mutable_task_queue()->set_name(state.task_queue());
  config->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  if (state.has_workflow_execution_timeout()) {
    *config->mutable_workflow_execution_timeout() = state.workflow_execution_timeout();
  }
  if (state.has_workflow_run_timeout()) {
    *config->mutable_workflow_run_timeout() = state.workflow_run_timeout();
  }
  *config->mutable_default_workflow_task_timeout() = state.default_workflow_task_timeout();
  // The summary and details are read from the Started event, as the reference does (they are
  // not kept in the mutable state that every transition writes).
  auto first = ReadEvents({namespace_id, execution.workflow_id(), run_id.Value()}, 1, 1);
  if (first.IsFailure()) return first.Error();
  const temporal::api::history::v1::HistoryEvent* started_event =
      first.Value().events_size() == 1 ? &first.Value().events(0) : nullptr;
  if (started_event != nullptr && started_event->has_user_metadata()) {
    *config->mutable_user_metadata() = started_event->user_metadata();
  }

  auto* info = response.mutable_workflow_execution_info();
  info->mutable_execution()->set_workflow_id(state.workflow_id());
  info->mutable_execution()->set_run_id(state.run_id());
  info->mutable_type()->set_name(state.workflow_type());
  *info->mutable_start_time() = state.start_time();
  *info->mutable_execution_time() =
      IsSet(state.execution_time()) ? state.execution_time() : state.start_time();
  if (IsSet(state.close_time())) {
    *info->mutable_close_time() = state.close_time();
    // From when its first workflow task could run, as the reference's execution duration.
    *info->mutable_execution_duration() = DurationFromMillis(
        std::max<int64_t>(0, ToMillis(state.close_time()) - ToMillis(info->execution_time())));
  }
  info->set_status(static_cast<enums::WorkflowExecutionStatus>(state.status()));
  info->set_history_length(state.next_event_id() - 1);
  info->set_history_size_bytes(state.history_size_bytes());
  if (state.has_auto_reset_points()) *info->mutable_auto_reset_points() = state.auto_reset_points();
  if (state.has_memo()) *info->mutable_memo() = state.memo();
  if (state.has_search_attributes()) {
    *info->mutable_search_attributes() = state.search_attributes();
  }
  // A versioned run's deployment, version, behavior and BuildIds markers, as its list row has
  // them (the reference keeps them in the run's search attributes).
  if (state.has_versioning_info() || !state.versioned_build_id().empty()) {
    persistence::VisibilityRecord record;
    record.search_attributes = state.visibility_search_attributes();
    record.search_attributes_payloads = state.search_attributes().SerializeAsString();
    AddVersioningAttributes(state, record);
    info->mutable_search_attributes()->ParseFromString(record.search_attributes_payloads);
  }
  if (info->has_search_attributes()) {
    TypeSearchAttributes(namespace_id, *info->mutable_search_attributes());
  }
  info->set_task_queue(state.task_queue());
  info->set_state_transition_count(state.state_transition_count());
  info->set_first_run_id(state.first_execution_run_id());
  // The stamp of the worker that completed the last workflow task; build-id versioning: the
  // run's build id, as assigned (and as the stamp of a run stored before stamps were kept).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (state.has_most_recent_worker_version_stamp()) {
    *info->mutable_most_recent_worker_version_stamp() = state.most_recent_worker_version_stamp();
  }
  if (!state.versioned_build_id().empty()) {
    info->set_assigned_build_id(state.versioned_build_id());
    info->set_inherited_build_id(state.inherited_build_id());
    if (!state.has_most_recent_worker_version_stamp()) {
      info->mutable_most_recent_worker_version_stamp()->set_build_id(state.versioned_build_id());
      info->mutable_most_recent_worker_version_stamp()->set_use_versioning(true);
    }
  }
#pragma GCC diagnostic pop
  // Worker versioning: the stored behavior and version (not the effective ones), the override
  // and a transition in progress, with the deprecated string forms filled, as the reference.
  if (state.has_versioning_info()) {
    auto* versioning = info->mutable_versioning_info();
    *versioning = state.versioning_info();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    if (versioning->version().empty() && versioning->has_deployment_version()) {
      versioning->set_version(versioning->deployment_version().deployment_name() + "." +
                              versioning->deployment_version().build_id());
    }
    auto* override_ = versioning->mutable_versioning_override();
    if (override_->has_pinned()) {
      override_->set_behavior(enums::VERSIONING_BEHAVIOR_PINNED);
      override_->set_pinned_version(override_->pinned().version().deployment_name() + "." +
                                    override_->pinned().version().build_id());
    } else if (override_->auto_upgrade()) {
      override_->set_behavior(enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE);
    }
    if (!versioning->versioning_override().has_pinned() &&
        !versioning->versioning_override().auto_upgrade() &&
        !versioning->versioning_override().has_one_time()) {
      versioning->clear_versioning_override();
    }
    if (versioning->has_version_transition() &&
        versioning->version_transition().has_deployment_version()) {
      const auto& target = versioning->version_transition().deployment_version();
      versioning->mutable_version_transition()->set_version(target.deployment_name() + "." +
                                                            target.build_id());
    }
#pragma GCC diagnostic pop
  }
  info->set_worker_deployment_name(state.worker_deployment_name());
  if (state.has_parent()) {
    info->set_parent_namespace_id(state.parent().namespace_id());
    info->mutable_parent_execution()->set_workflow_id(state.parent().workflow_id());
    info->mutable_parent_execution()->set_run_id(state.parent().run_id());
  }
  if (!state.root_workflow_id().empty()) {
    info->mutable_root_execution()->set_workflow_id(state.root_workflow_id());
    info->mutable_root_execution()->set_run_id(state.root_run_id());
  }
  for (const auto& [initiated_id, child] : state.children()) {
    auto* pending = response.add_pending_children();
    pending->set_workflow_id(child.workflow_id());
    pending->set_run_id(child.run_id());
    pending->set_workflow_type_name(child.workflow_type());
    pending->set_initiated_id(initiated_id);
    pending->set_parent_close_policy(
        static_cast<enums::ParentClosePolicy>(child.parent_close_policy()));
  }
  auto* extended = response.mutable_workflow_extended_info();
  if (IsSet(state.execution_expiration_time())) {
    *extended->mutable_execution_expiration_time() = state.execution_expiration_time();
  }
  if (IsSet(state.run_expiration_time())) {
    *extended->mutable_run_expiration_time() = state.run_expiration_time();
  }
  extended->set_cancel_requested(state.cancel_requested());
  extended->set_reset_run_id(state.reset_run_id());
  // The request ids the run answers for: its start's (the Started event) and those of the starts
  // attached to it (their WorkflowExecutionOptionsUpdated, or buffered while a workflow task
  // runs), as the reference's RequestIds.
  auto* request_ids = extended->mutable_request_id_infos();
  if (!state.create_request_id().empty()) {
    auto& started = (*request_ids)[state.create_request_id()];
    started.set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    started.set_event_id(1);
  }
  for (const std::string& attached : state.attached_request_ids()) {
    auto& attached_info = (*request_ids)[attached];
    attached_info.set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
    auto numbered = state.attached_request_event_ids().find(attached);
    if (numbered != state.attached_request_event_ids().end()) {
      attached_info.set_event_id(numbered->second);
      continue;
    }
    for (const auto& buffered : state.buffered_events()) {
      if (buffered.workflow_execution_options_updated_event_attributes().attached_request_id() ==
          attached) {
        attached_info.set_buffered(true);
        break;
      }
    }
  }
  if (started_event != nullptr) {
    *extended->mutable_original_start_time() = started_event->event_time();
    // A reset run keeps its base run's Started event, which names another run as the original.
    const std::string& original =
        started_event->workflow_execution_started_event_attributes().original_execution_run_id();
    if (!original.empty() && original != state.run_id()) {
      *extended->mutable_last_reset_time() = state.start_time();
    }
  }

  for (const auto& [scheduled_event_id, activity] : state.activities()) {
    auto* pending = response.add_pending_activities();
    pending->set_activity_id(activity.activity_id());
    pending->mutable_activity_type()->set_name(activity.activity_type());
    pending->set_state(activity.cancel_requested() ? enums::PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
                       : activity.started()        ? enums::PENDING_ACTIVITY_STATE_STARTED
                                                   : enums::PENDING_ACTIVITY_STATE_SCHEDULED);
    if (activity.paused()) {
      pending->set_paused(true);
      if (!activity.cancel_requested()) {
        pending->set_state(activity.started() ? enums::PENDING_ACTIVITY_STATE_PAUSE_REQUESTED
                                              : enums::PENDING_ACTIVITY_STATE_PAUSED);
      }
      auto* pause = pending->mutable_pause_info();
      *pause->mutable_pause_time() = activity.pause_info().pause_time();
      pause->mutable_manual()->set_identity(activity.pause_info().identity());
      pause->mutable_manual()->set_reason(activity.pause_info().reason());
    }
    *pending->mutable_activity_options() = ActivityOptionsOf(activity);
    pending->mutable_activity_options()->mutable_task_queue()->set_normal_name(
        activity.task_queue());
    if (activity.has_heartbeat_details()) {
      *pending->mutable_heartbeat_details() = activity.heartbeat_details();
    }
    if (IsSet(activity.last_heartbeat_time())) {
      *pending->mutable_last_heartbeat_time() = activity.last_heartbeat_time();
    }
    if (activity.started()) *pending->mutable_last_started_time() = activity.started_time();
    pending->set_attempt(activity.attempt());
    pending->set_maximum_attempts(activity.retry_policy().maximum_attempts());
    *pending->mutable_scheduled_time() = activity.current_attempt_scheduled_time();
    if (!IsZero(activity.schedule_to_close_timeout())) {
      *pending->mutable_expiration_time() =
          AddDuration(activity.scheduled_time(), activity.schedule_to_close_timeout());
    }
    if (activity.has_last_failure()) *pending->mutable_last_failure() = activity.last_failure();
    pending->set_last_worker_identity(activity.last_worker_identity());
  }
  if (state.has_workflow_task() && IsRunning(state)) {
    const auto& task = state.workflow_task();
    auto* pending = response.mutable_pending_workflow_task();
    pending->set_state(task.started_event_id() != 0 ? enums::PENDING_WORKFLOW_TASK_STATE_STARTED
                                                    : enums::PENDING_WORKFLOW_TASK_STATE_SCHEDULED);
    *pending->mutable_scheduled_time() = task.scheduled_time();
    *pending->mutable_original_scheduled_time() = task.scheduled_time();
    if (task.started_event_id() != 0) *pending->mutable_started_time() = task.started_time();
    pending->set_attempt(task.attempt());
  }
  DescribeNexus(state, &response);
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::ResetStickyTaskQueueResponse> Engine::ResetSticky(
    const std::string& namespace_id, const wf::ResetStickyTaskQueueRequest& request) {
  auto begun = BeginExecution(namespace_id, request.execution());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  if (!IsRunning(m.run.state)) return AlreadyCompleted();
  if (m.run.state.sticky_task_queue().empty()) return hugo::Ok(wf::ResetStickyTaskQueueResponse());
  m.run.state.clear_sticky_task_queue();
  m.run.state.clear_sticky_schedule_to_start_timeout();
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(wf::ResetStickyTaskQueueResponse());
}

}  // namespace hdo::history
