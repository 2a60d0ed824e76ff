// Workflow Update (reference: service/history/workflow/update, api/updateworkflow, api/pollupdate,
// api/multioperation). An update is admitted in memory (the in-flight registry, by run and update
// id), delivered to the worker as a protocol message with the run's next workflow task, accepted
// (WorkflowExecutionUpdateAccepted, and MutableState.updates) or rejected (nothing written) by the
// worker, and completed (WorkflowExecutionUpdateCompleted). Callers wait in memory for a stage and
// are answered after the commit that reaches it, or with the stage reached when their wait ends.
//
// An update arriving while the run has no workflow task schedules a speculative one: kept only in
// memory (the cached state, matching, in-memory timers) and written only if its completion keeps
// anything, or when another transition writes events (it then becomes a normal task). A restart
// loses admitted updates and speculative tasks (the client retries); accepted updates are stored.
#include <algorithm>

#include "common/error_codes.h"
#include "common/log.h"
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
namespace update = temporal::api::update::v1;
namespace protocol = temporal::api::protocol::v1;
using persistence::v1::MutableState;
using persistence::v1::TimerTask;
using persistence::v1::TransferTask;
using persistence::v1::UpdateInfo;

constexpr auto kAdmitted = enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
constexpr auto kAccepted = enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
constexpr auto kCompleted = enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;
// reference: failUpdateWorkflowTaskAttemptCount.
constexpr int kFailedTaskAttempts = 3;
// reference: DiscardSpeculativeWorkflowTaskMaximumEventsCount.
constexpr int64_t kDiscardMaxEvents = 10;

temporal::api::failure::v1::Failure ServerFailure(const std::string& message,
                                                  const std::string& type) {
  temporal::api::failure::v1::Failure failure;
  failure.set_message(message);
  failure.set_source("Server");
  failure.mutable_application_failure_info()->set_type(type);
  failure.mutable_application_failure_info()->set_non_retryable(true);
  return failure;
}

temporal::api::failure::v1::Failure UnprocessedFailure() {
  return ServerFailure(
      "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow "
      "Update is not supported by the worker.",
      "UnprocessedUpdate");
}

temporal::api::failure::v1::Failure WorkflowCompletedFailure() {
  return ServerFailure(
      "Workflow Update failed because the Workflow completed before the Update completed.",
      "AcceptedUpdateCompletedWorkflow");
}

hugo::Error AbortedByClosing() {
  return NotFound("workflow update was aborted by closing workflow");
}

CommandRejection BadMessage(std::string message) {
  return CommandRejection{enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE,
                          std::move(message)};
}

bool Reached(enums::UpdateWorkflowExecutionLifecycleStage reached,
             enums::UpdateWorkflowExecutionLifecycleStage wanted) {
  return static_cast<int>(reached) >= static_cast<int>(wanted);
}

}  // namespace

// --- client side: admit, find, wait

uint64_t Engine::UpdateWorkflow(const std::string& namespace_id,
                                const wf::UpdateWorkflowExecutionRequest& request,
                                std::chrono::milliseconds wait, UpdateDone done) {
  auto begun = BeginExecution(namespace_id, request.workflow_execution());
  if (begun.IsFailure()) {
    done(begun.Error());
    return 0;
  }
  Mutation& m = begun.Value();
  const MutableState& state = m.run.state;
  if (!request.first_execution_run_id().empty() &&
      state.first_execution_run_id() != request.first_execution_run_id()) {
    done(NotFound("workflow execution not found"));
    return 0;
  }
  const std::string& update_id = request.request().meta().update_id();
  const auto stage = request.wait_policy().lifecycle_stage();
  if (!IsRunning(state)) {
    if (state.updates().count(update_id) > 0) {
      return WaitForUpdate(state, update_id, stage, wait, std::move(done));
    }
    done(NotFound("workflow execution already completed"));
    return 0;
  }
  auto& registry = in_flight_updates_[state.run_id()];
  const bool known = registry.count(update_id) > 0 || state.updates().count(update_id) > 0;
  if (!known) {
    if (state.has_workflow_task() && state.workflow_task().attempt() >= kFailedTaskAttempts) {
      done(hugo::Error::From(
          "Unable to perform workflow execution update due to Workflow Task in failed state.",
          errors::kWorkflowNotReady));
      return 0;
    }
    auto admitted = AdmitUpdate(m, request.request());
    if (admitted.IsFailure()) {
      done(admitted.Error());
      return 0;
    }
  } else if (auto stored = state.updates().find(update_id);
             stored != state.updates().end() && stored->second.completed_event_id() == 0 &&
             request.request().completion_callbacks_size() > 0) {
    // Accepted and still running: another request's callbacks join it (once per request id).
    if (AttachUpdateCallbacks(m.run.state, update_id, request.request())) {
      auto committed = Commit(m);
      if (committed.IsFailure()) {
        done(committed.Error());
        return 0;
      }
    }
  } else if (auto admitted = registry.find(update_id);
             admitted != registry.end() && request.request().completion_callbacks_size() > 0 &&
             request.request().request_id() != admitted->second.request.request_id()) {
    // Admitted, not accepted yet: this request's callbacks wait for the acceptance too.
    auto& joined = admitted->second.joined;
    const bool seen = std::any_of(joined.begin(), joined.end(), [&](const update::Request& r) {
      return !r.request_id().empty() && r.request_id() == request.request().request_id();
    });
    if (!seen) joined.push_back(request.request());
    if (!state.has_workflow_task()) {
      ScheduleSpeculativeTask(m);
      (void)Commit(m);
    }
  } else if (registry.count(update_id) > 0 && !state.has_workflow_task()) {
    // Its speculative task was lost (evicted state): schedule another one.
    ScheduleSpeculativeTask(m);
    (void)Commit(m);
  }
  return WaitForUpdate(m.run.state, update_id, stage, wait, std::move(done));
}

uint64_t Engine::PollUpdate(const std::string& namespace_id,
                            const wf::PollWorkflowExecutionUpdateRequest& request,
                            std::chrono::milliseconds wait, UpdateDone done) {
  const auto& ref = request.update_ref();
  auto begun = BeginExecution(namespace_id, ref.workflow_execution());
  if (begun.IsFailure()) {
    done(begun.Error());
    return 0;
  }
  const auto& state = begun.Value().run.state;
  auto status = StatusOfUpdate(begun.Value().run, ref.update_id());
  if (!status.has_value()) {
    done(NotFound("update \"" + ref.update_id() + "\" not found"));
    return 0;
  }
  return WaitForUpdate(state, ref.update_id(), request.wait_policy().lifecycle_stage(), wait,
                       std::move(done));
}

hugo::Result<hugo::Unit> Engine::AdmitUpdate(Mutation& m, const update::Request& request) {
  const MutableState& state = m.run.state;
  const std::string& update_id = request.meta().update_id();
  auto& registry = in_flight_updates_[state.run_id()];
  int in_flight = static_cast<int>(registry.size());
  int completed = 0;
  for (const auto& [id, info] : state.updates()) {
    if (info.completed_event_id() == 0) {
      ++in_flight;
    } else {
      ++completed;
    }
  }
  if (options_.max_in_flight_updates > 0 && in_flight >= options_.max_in_flight_updates) {
    return hugo::Error::From("limit on number of concurrent in-flight updates has been reached (" +
                                 std::to_string(options_.max_in_flight_updates) + ")",
                             errors::kResourceExhausted)
        .WithMetadata("cause", std::string("CONCURRENT_LIMIT"));
  }
  if (options_.max_total_updates > 0 && in_flight + completed >= options_.max_total_updates) {
    return hugo::Error::From(
        "The limit on the total number of distinct updates in this workflow has been reached (" +
            std::to_string(options_.max_total_updates) +
            "). Make sure any duplicate updates share an Update ID so the server can deduplicate "
            "them, and consider rejecting updates that you aren't going to process. You can also "
            "Continue-as-New to avoid this; we recommend you check Continue-as-New Suggested in "
            "your Workflow.",
        errors::kFailedPrecondition);
  }
  InFlightUpdate& admitted = registry[update_id];
  admitted.request = request;
  admitted.admitted_seq = next_update_seq_++;
  if (!state.has_workflow_task()) {
    ScheduleSpeculativeTask(m);
    auto committed = Commit(m);
    if (committed.IsFailure()) {
      registry.erase(update_id);
      return committed.Error();
    }
  }
  // A task scheduled (not started) carries it when it starts; a started one is followed by a
  // new task when it completes (AfterUpdateCommit).
  return hugo::Ok();
}

std::optional<Engine::UpdateStatus> Engine::StatusOfUpdate(const LoadedRun& run,
                                                           const std::string& update_id) {
  const MutableState& state = run.state;
  UpdateStatus status;
  status.run_id = state.run_id();
  auto stored = state.updates().find(update_id);
  if (stored != state.updates().end()) {
    const UpdateInfo& info = stored->second;
    if (info.completed_event_id() != 0) {
      auto events =
          ReadEvents(run.record.key, info.completed_event_id(), info.completed_event_id());
      if (events.IsSuccess() && events.Value().events_size() == 1) {
        status.stage = kCompleted;
        status.outcome = events.Value()
                             .events(0)
                             .workflow_execution_update_completed_event_attributes()
                             .outcome();
        return status;
      }
    }
    if (!IsRunning(state)) {
      // Accepted and never completed: the run closed first (reference: aborted on close).
      status.stage = kCompleted;
      status.outcome.emplace();
      *status.outcome->mutable_failure() = WorkflowCompletedFailure();
      return status;
    }
    status.stage = kAccepted;
    return status;
  }
  auto registry = in_flight_updates_.find(state.run_id());
  if (registry != in_flight_updates_.end() && registry->second.count(update_id) > 0) {
    status.stage = kAdmitted;
    return status;
  }
  return std::nullopt;
}

uint64_t Engine::WaitForUpdate(const MutableState& state, const std::string& update_id,
                               enums::UpdateWorkflowExecutionLifecycleStage stage,
                               std::chrono::milliseconds wait, UpdateDone done) {
  const uint64_t waiter_id = next_update_waiter_id_++;
  UpdateWaiter& waiter = update_waiters_[waiter_id];
  waiter.namespace_id = state.namespace_id();
  waiter.workflow_id = state.workflow_id();
  waiter.run_id = state.run_id();
  waiter.update_id = update_id;
  waiter.stage = stage;
  waiter.done = std::move(done);
  waiter.timer = std::make_unique<asio::steady_timer>(executor_);
  waiter.timer->expires_after(std::min(wait, options_.update_wait));
  waiter.timer->async_wait([this, waiter_id](const std::error_code& error) {
    if (!error) OnUpdateWaitExpired(waiter_id);
  });
  run_update_waiters_.emplace(state.run_id(), waiter_id);
  auto run = LoadRun({state.namespace_id(), state.workflow_id(), state.run_id()});
  if (run.IsSuccess()) WakeUpdateWaiters(run.Value());
  return update_waiters_.count(waiter_id) > 0 ? waiter_id : 0;
}

void Engine::WakeUpdateWaiters(const LoadedRun& run) {
  auto [begin, end] = run_update_waiters_.equal_range(run.state.run_id());
  std::vector<std::pair<uint64_t, UpdateStatus>> ready;
  for (auto it = begin; it != end; ++it) {
    auto found = update_waiters_.find(it->second);
    if (found == update_waiters_.end()) continue;
    auto status = StatusOfUpdate(run, found->second.update_id);
    if (status.has_value() && Reached(status->stage, found->second.stage)) {
      ready.emplace_back(it->second, std::move(*status));
    }
  }
  for (auto& [waiter_id, status] : ready)
    FinishUpdateWaiter(waiter_id, hugo::Ok(std::move(status)));
}

void Engine::OnUpdateWaitExpired(uint64_t waiter_id) {
  auto found = update_waiters_.find(waiter_id);
  if (found == update_waiters_.end()) return;
  const UpdateWaiter& waiter = found->second;
  auto run = LoadRun({waiter.namespace_id, waiter.workflow_id, waiter.run_id});
  std::optional<UpdateStatus> status;
  if (run.IsSuccess()) status = StatusOfUpdate(run.Value(), waiter.update_id);
  if (!status.has_value()) {
    FinishUpdateWaiter(waiter_id, NotFound("update \"" + waiter.update_id + "\" not found"));
    return;
  }
  // The stage reached, without an outcome unless it completed (the client asks again).
  if (status->stage != kCompleted) status->outcome.reset();
  FinishUpdateWaiter(waiter_id, hugo::Ok(std::move(*status)));
}

void Engine::CancelUpdateWait(uint64_t waiter_id) {
  FinishUpdateWaiter(waiter_id, hugo::Error::From("update wait ended: the caller left",
                                                  errors::kDeadlineExceeded));
}

void Engine::FinishUpdateWaiter(uint64_t waiter_id, hugo::Result<UpdateStatus> result) {
  auto found = update_waiters_.find(waiter_id);
  if (found == update_waiters_.end()) return;
  UpdateWaiter waiter = std::move(found->second);
  update_waiters_.erase(found);
  auto [begin, end] = run_update_waiters_.equal_range(waiter.run_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second == waiter_id) {
      run_update_waiters_.erase(it);
      break;
    }
  }
  waiter.timer->cancel();
  waiter.done(std::move(result));
}

// --- speculative workflow tasks

void Engine::ScheduleSpeculativeTask(Mutation& m) {
  MutableState& state = m.run.state;
  if (options_.mutable_state_cache_max == 0) {
    // Without the cache nothing in memory survives the transition: a normal task instead.
    ScheduleWorkflowTask(m, 1);
    return;
  }
  bool sticky = !state.sticky_task_queue().empty() &&
                matcher_->StickyAlive(state.namespace_id(), state.sticky_task_queue()) &&
                StickyUsable(state);
  auto* task = state.mutable_workflow_task();
  task->Clear();
  task->set_attempt(1);
  task->set_speculative(true);
  task->set_sticky(sticky);
  task->set_task_queue(sticky ? state.sticky_task_queue() : state.task_queue());
  *task->mutable_start_to_close_timeout() = state.default_workflow_task_timeout();
  *task->mutable_scheduled_time() = now_();
  task->set_scheduled_event_id(state.next_event_id());  // reserved, as a transient task's
  TransferTask transfer;
  transfer.set_kind(TransferTask::KIND_WORKFLOW_TASK);
  transfer.set_namespace_id(state.namespace_id());
  transfer.set_workflow_id(state.workflow_id());
  transfer.set_run_id(state.run_id());
  transfer.set_task_queue(task->task_queue());
  transfer.set_scheduled_event_id(task->scheduled_event_id());
  transfer.set_attempt(1);
  transfer.set_sticky(sticky);
  StampVersioning(state, transfer, true);
  m.transfer.push_back(std::move(transfer));
  // Always a schedule-to-start timeout (reference: even on the normal queue).
  TimerTask timeout;
  timeout.set_kind(TimerTask::KIND_WORKFLOW_TASK_TIMEOUT);
  timeout.set_scheduled_event_id(task->scheduled_event_id());
  timeout.set_attempt(1);
  timeout.set_timeout_type(enums::TIMEOUT_TYPE_SCHEDULE_TO_START);
  AddTimer(m, std::move(timeout),
           After(DurationFromMillis(options_.speculative_schedule_to_start.count())));
  m.in_memory = true;
}

bool Engine::CommitSpeculative(Mutation& m) {
  MutableState& state = m.run.state;
  if (state.has_workflow_task() && state.workflow_task().speculative() &&
      (m.events.events_size() > 0 || state.buffered_events_size() > 0)) {
    // Something is written: the speculative task becomes a normal one (reference:
    // convertSpeculativeWorkflowTaskToNormal).
    const auto task = state.workflow_task();
    if (task.started_event_id() == 0 || task.scheduled_event_id() != state.next_event_id()) {
      // Scheduled only (its reserved id may be taken by the new events): schedule anew.
      state.clear_workflow_task();
      ScheduleWorkflowTask(m, 1);
    } else {
      // Started: events since are buffered, so its reserved ids are still free.
      MaterializeTransient(m);
      TimerTask timeout;
      timeout.set_kind(TimerTask::KIND_WORKFLOW_TASK_TIMEOUT);
      timeout.set_scheduled_event_id(task.scheduled_event_id());
      timeout.set_attempt(task.attempt());
      timeout.set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
      AddTimer(m, std::move(timeout),
               AddDuration(task.started_time(), task.start_to_close_timeout()));
    }
    m.in_memory = false;
  }
  if (!m.in_memory || m.events.events_size() > 0) return false;
  // Nothing to write: the cached state, matching and the in-memory timer queue hold it all.
  CacheRun(m.owned);
  for (const TransferTask& task : m.transfer) Dispatch(task, 0);
  for (const PendingTimer& timer : m.timers) {
    timer_queue_.emplace(timer.fire_time_ms, std::make_pair(int64_t{0}, timer.task));
  }
  if (!m.timers.empty()) ArmTimer();
  AfterUpdateCommit(m);
  return true;
}

std::string Engine::StoredState(const MutableState& state) {
  if (!state.has_workflow_task() || !state.workflow_task().speculative()) {
    return state.SerializeAsString();
  }
  MutableState stored = state;
  stored.clear_workflow_task();
  return stored.SerializeAsString();
}

bool Engine::OnSpeculativeTaskTimeout(Mutation& m, const TimerTask& timer) {
  MutableState& state = m.run.state;
  const auto task = state.workflow_task();
  if (task.scheduled_event_id() != timer.scheduled_event_id() ||
      task.attempt() != timer.attempt()) {
    return false;
  }
  if (timer.timeout_type() == enums::TIMEOUT_TYPE_SCHEDULE_TO_START) {
    if (task.started_event_id() != 0) return false;
    // Not taken in time: a normal task on the normal queue (reference: converted to normal).
    state.clear_workflow_task();
    state.clear_sticky_task_queue();
    state.clear_sticky_schedule_to_start_timeout();
    ScheduleWorkflowTask(m, 1);
    return true;
  }
  if (task.started_event_id() == 0 ||
      ToMillis(task.started_time()) + ToMillis(task.start_to_close_timeout()) > NowMs()) {
    return false;  // an older task's timer
  }
  MaterializeTransient(m);
  auto* timed_out = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)
                        ->mutable_workflow_task_timed_out_event_attributes();
  timed_out->set_scheduled_event_id(task.scheduled_event_id());
  timed_out->set_started_event_id(task.started_event_id());
  timed_out->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
  state.clear_workflow_task();
  state.clear_sticky_task_queue();
  state.clear_sticky_schedule_to_start_timeout();
  ScheduleWorkflowTask(m, task.attempt() + 1);
  return true;
}

void Engine::AttachUpdateMessages(const MutableState& state,
                                  wf::PollWorkflowTaskQueueResponse* response) {
  auto registry = in_flight_updates_.find(state.run_id());
  if (registry == in_flight_updates_.end()) return;
  std::vector<std::pair<uint64_t, std::string>> order;
  for (const auto& [id, admitted] : registry->second) order.emplace_back(admitted.admitted_seq, id);
  std::sort(order.begin(), order.end());
  const auto& task = state.workflow_task();
  for (const auto& [seq, id] : order) {
    InFlightUpdate& admitted = registry->second[id];
    // Every admitted update, and those a task that ended unanswered carried (sent again).
    protocol::Message* message = response->add_messages();
    message->set_id(id + "/request");
    message->set_protocol_instance_id(id);
    message->set_event_id(task.started_event_id() - 1);
    message->mutable_body()->PackFrom(admitted.request);
    admitted.sent_started_event_id = task.started_event_id();
    admitted.sent_started_time_ms = ToMillis(task.started_time());
  }
}

std::optional<hugo::Result<wf::RespondWorkflowTaskCompletedResponse>>
Engine::DiscardSpeculativeTask(Mutation& m,
                               const wf::RespondWorkflowTaskCompletedRequest& request) {
  MutableState& state = m.run.state;
  if (!state.workflow_task().speculative()) return std::nullopt;
  if (request.commands_size() > 0 || request.force_create_new_workflow_task()) return std::nullopt;
  if (state.buffered_events_size() > 0) return std::nullopt;
  for (const auto& message : request.messages()) {
    if (!message.body().Is<update::Rejection>()) return std::nullopt;
  }
  // The events it shipped besides its own must not be lost to an SDK that cannot see them twice
  // (reference: skipWorkflowTaskCompletedEvent).
  const int64_t shipped =
      state.next_event_id() - state.last_completed_workflow_task_started_event_id();
  if (!request.capabilities().discard_speculative_workflow_task_with_events() && shipped > 2) {
    return std::nullopt;
  }
  if (shipped > kDiscardMaxEvents) return std::nullopt;
  auto rejected = ProcessUpdateMessages(m, request);
  if (rejected.has_value()) {
    // The normal path processes them again and fails the task.
    m.processed_messages.clear();
    m.after_commit.clear();
    return std::nullopt;
  }
  state.clear_workflow_task();
  const auto& sticky = request.sticky_attributes();
  if (!sticky.worker_task_queue().name().empty()) {
    state.set_sticky_task_queue(sticky.worker_task_queue().name());
    *state.mutable_sticky_schedule_to_start_timeout() = sticky.schedule_to_start_timeout();
  }
  m.in_memory = true;
  auto committed = Commit(m);
  if (committed.IsFailure())
    return hugo::Result<wf::RespondWorkflowTaskCompletedResponse>(committed.Error());
  wf::RespondWorkflowTaskCompletedResponse response;
  response.set_reset_history_event_id(state.last_completed_workflow_task_started_event_id());
  return hugo::Result<wf::RespondWorkflowTaskCompletedResponse>(hugo::Ok(std::move(response)));
}

// --- worker side: protocol messages of a completion

std::optional<CommandRejection> Engine::OnProtocolMessageCommand(
    Mutation& m, const wf::RespondWorkflowTaskCompletedRequest& request,
    const temporal::api::command::v1::Command& command) {
  const std::string& message_id = command.protocol_message_command_attributes().message_id();
  for (const auto& message : request.messages()) {
    if (message.id() != message_id) continue;
    if (std::find(m.processed_messages.begin(), m.processed_messages.end(), message_id) !=
        m.processed_messages.end()) {
      break;
    }
    m.processed_messages.push_back(message_id);
    return ProcessUpdateMessage(m, message);
  }
  return BadMessage("ProtocolMessageCommand referenced absent message ID " + message_id);
}

std::optional<CommandRejection> Engine::ProcessUpdateMessages(
    Mutation& m, const wf::RespondWorkflowTaskCompletedRequest& request) {
  std::vector<std::string> answered;
  for (const auto& message : request.messages()) {
    answered.push_back(message.protocol_instance_id());
    if (std::find(m.processed_messages.begin(), m.processed_messages.end(), message.id()) !=
        m.processed_messages.end()) {
      continue;
    }
    m.processed_messages.push_back(message.id());
    if (auto rejection = ProcessUpdateMessage(m, message); rejection.has_value()) return rejection;
  }
  // Delivered with this task and neither accepted nor rejected: the server rejects them, or the
  // worker would get them again and again (reference: rejectUnprocessedUpdates). A heartbeat
  // keeps them for the next task.
  if (request.force_create_new_workflow_task()) return std::nullopt;
  const MutableState& state = m.run.state;
  const auto& task = state.workflow_task();
  auto registry = in_flight_updates_.find(state.run_id());
  if (registry == in_flight_updates_.end()) return std::nullopt;
  const std::string run_id = state.run_id();
  for (const auto& [id, admitted] : registry->second) {
    if (admitted.sent_started_event_id == 0 ||
        admitted.sent_started_event_id != task.started_event_id() ||
        admitted.sent_started_time_ms != ToMillis(task.started_time()) ||
        std::find(answered.begin(), answered.end(), id) != answered.end()) {
      continue;
    }
    m.after_commit.push_back([this, run_id, update_id = id] {
      EndUpdateWithFailure(run_id, update_id, UnprocessedFailure());
    });
  }
  return std::nullopt;
}

void Engine::EndUpdateWithFailure(const std::string& run_id, const std::string& update_id,
                                  const temporal::api::failure::v1::Failure& failure) {
  auto found = in_flight_updates_.find(run_id);
  if (found != in_flight_updates_.end()) found->second.erase(update_id);
  UpdateStatus status;
  status.run_id = run_id;
  status.stage = kCompleted;
  status.outcome.emplace();
  *status.outcome->mutable_failure() = failure;
  std::vector<uint64_t> waiting;
  auto [begin, end] = run_update_waiters_.equal_range(run_id);
  for (auto it = begin; it != end; ++it) {
    auto waiter = update_waiters_.find(it->second);
    if (waiter != update_waiters_.end() && waiter->second.update_id == update_id) {
      waiting.push_back(it->second);
    }
  }
  for (uint64_t waiter_id : waiting) FinishUpdateWaiter(waiter_id, hugo::Ok(status));
}

std::optional<CommandRejection> Engine::ProcessUpdateMessage(Mutation& m,
                                                             const protocol::Message& message) {
  MutableState& state = m.run.state;
  const std::string& update_id = message.protocol_instance_id();
  const std::string run_id = state.run_id();
  auto& registry = in_flight_updates_[run_id];
  auto admitted = registry.find(update_id);
  auto stored = state.mutable_updates()->find(update_id);
  const bool accepted = stored != state.mutable_updates()->end();
  if (message.body().Is<update::Acceptance>()) {
    update::Acceptance acceptance;
    if (!message.body().UnpackTo(&acceptance)) return BadMessage("unable to unmarshal request");
    if (accepted) {
      return BadMessage("invalid state transition attempted for Update " + update_id +
                        ": received *updatepb.Acceptance message while in state Accepted");
    }
    update::Request request;
    if (admitted != registry.end()) {
      request = admitted->second.request;
      for (const auto& joined : admitted->second.joined) {
        AttachUpdateCallbacks(state, update_id, joined);
      }
    } else if (acceptance.has_accepted_request()) {
      request = acceptance.accepted_request();  // lost with a restart: the worker still has it
    } else {
      return BadMessage("update " + update_id +
                        " wasn't found on the server. This is most likely a transient error "
                        "which will be resolved automatically by retries");
    }
    if (acceptance.accepted_request_sequencing_event_id() == 0) {
      return BadMessage(
          "invalid *updatepb.Acceptance: accepted_request_sequencing_event_id is not set");
    }
    if (acceptance.accepted_request_message_id().empty()) {
      return BadMessage("invalid *updatepb.Acceptance: accepted_request_message_id is not set");
    }
    auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    auto* attributes = event->mutable_workflow_execution_update_accepted_event_attributes();
    attributes->set_protocol_instance_id(update_id);
    attributes->set_accepted_request_message_id(update_id + "/request");
    attributes->set_accepted_request_sequencing_event_id(
        acceptance.accepted_request_sequencing_event_id());
    // The request's links go on the event; its completion callbacks (a Nexus operation the
    // update backs) wait for the update's completion (reference: AttachCallbacks).
    for (const auto& link : request.links()) *event->add_links() = link;
    AttachUpdateCallbacks(state, update_id, request);
    *attributes->mutable_accepted_request() = std::move(request);
    (*state.mutable_updates())[update_id].set_accepted_event_id(event->event_id());
    m.after_commit.push_back([this, run_id, update_id] {
      auto found = in_flight_updates_.find(run_id);
      if (found != in_flight_updates_.end()) found->second.erase(update_id);
    });
    return std::nullopt;
  }
  if (message.body().Is<update::Rejection>()) {
    update::Rejection rejection;
    if (!message.body().UnpackTo(&rejection)) return BadMessage("unable to unmarshal request");
    if (accepted) {
      return BadMessage("invalid state transition attempted for Update " + update_id +
                        ": received *updatepb.Rejection message while in state Accepted");
    }
    // Nothing is written: the waiters get the failure, the update is forgotten.
    m.after_commit.push_back([this, run_id, update_id, failure = rejection.failure()] {
      EndUpdateWithFailure(run_id, update_id, failure);
    });
    return std::nullopt;
  }
  if (message.body().Is<update::Response>()) {
    update::Response response;
    if (!message.body().UnpackTo(&response)) return BadMessage("unable to unmarshal request");
    if (!accepted || stored->second.completed_event_id() != 0) {
      return BadMessage("invalid state transition attempted for Update " + update_id +
                        ": received *updatepb.Response message while in state " +
                        (accepted ? "Completed" : "Admitted"));
    }
    if (response.meta().update_id() != update_id) {
      return BadMessage("invalid *updatepb.Response: meta.update_id != " + update_id);
    }
    if (!response.has_outcome()) {
      return BadMessage("invalid *updatepb.Response: outcome is not set");
    }
    auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
    auto* attributes = event->mutable_workflow_execution_update_completed_event_attributes();
    *attributes->mutable_meta() = response.meta();
    attributes->set_accepted_event_id(stored->second.accepted_event_id());
    *attributes->mutable_outcome() = response.outcome();
    stored->second.set_completed_event_id(event->event_id());
    QueueCallbacks(m, *event);  // the update's callbacks, if any
    return std::nullopt;
  }
  return BadMessage("Message type " + message.body().type_url() + " not supported");
}

bool Engine::AttachUpdateCallbacks(MutableState& state, const std::string& update_id,
                                   const update::Request& request) {
  if (request.completion_callbacks_size() == 0) return false;
  if (!request.request_id().empty()) {
    for (const auto& info : state.callbacks()) {
      if (info.update_id() == update_id && info.request_id() == request.request_id()) return false;
    }
  }
  for (const auto& callback : request.completion_callbacks()) {
    auto* info = state.add_callbacks();
    *info->mutable_callback() = callback;
    *info->mutable_registration_time() = now_();
    info->set_state(enums::CALLBACK_STATE_STANDBY);
    info->set_update_id(update_id);
    info->set_request_id(request.request_id());
  }
  return true;
}

// --- after each commit

void Engine::AfterUpdateCommit(Mutation& m) {
  auto effects = std::move(m.after_commit);
  m.after_commit.clear();
  for (auto& effect : effects) effect();
  const MutableState& state = m.run.state;
  if (!IsRunning(state)) {
    AbortUpdatesOfClosedRun(state);
  } else if (!state.has_workflow_task()) {
    auto registry = in_flight_updates_.find(state.run_id());
    if (registry != in_flight_updates_.end() && !registry->second.empty()) {
      // Admitted while the last task ran: a new (speculative) task delivers them.
      auto again = Begin(m.run.record.key);
      if (again.IsSuccess() && !again.Value().run.state.has_workflow_task()) {
        ScheduleSpeculativeTask(again.Value());
        (void)Commit(again.Value());
      }
    }
  }
  if (run_update_waiters_.count(state.run_id()) > 0) WakeUpdateWaiters(m.run);
}

void Engine::AbortUpdatesOfClosedRun(const MutableState& state) {
  auto registry = in_flight_updates_.find(state.run_id());
  if (registry == in_flight_updates_.end()) return;
  std::map<std::string, InFlightUpdate> admitted = std::move(registry->second);
  in_flight_updates_.erase(registry);
  std::vector<std::pair<uint64_t, std::string>> waiting;  // waiter, update id
  auto [begin, end] = run_update_waiters_.equal_range(state.run_id());
  for (auto it = begin; it != end; ++it) {
    auto waiter = update_waiters_.find(it->second);
    if (waiter != update_waiters_.end() && admitted.count(waiter->second.update_id) > 0) {
      waiting.emplace_back(it->second, waiter->second.update_id);
    }
  }
  if (state.status() == enums::WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW) {
    // Admitted updates go on with the new run (reference: retried on the continuing run).
    auto run_id = ResolveRunId(state.namespace_id(), state.workflow_id(), "");
    if (run_id.IsSuccess() && run_id.Value() != state.run_id()) {
      auto begun = Begin({state.namespace_id(), state.workflow_id(), run_id.Value()});
      if (begun.IsSuccess() && IsRunning(begun.Value().run.state)) {
        std::optional<Mutation> next;
        next.emplace(std::move(begun).Value());
        for (auto& [id, pending] : admitted) {
          Mutation& m = *next;
          if (in_flight_updates_[run_id.Value()].count(id) > 0) continue;
          if (AdmitUpdate(m, pending.request).IsFailure()) continue;
          auto reloaded = Begin(m.run.record.key);
          if (reloaded.IsSuccess()) next.emplace(std::move(reloaded).Value());
        }
        for (auto& [waiter_id, update_id] : waiting) {
          auto waiter = update_waiters_.find(waiter_id);
          if (waiter == update_waiters_.end()) continue;
          auto [wbegin, wend] = run_update_waiters_.equal_range(state.run_id());
          for (auto it = wbegin; it != wend; ++it) {
            if (it->second == waiter_id) {
              run_update_waiters_.erase(it);
              break;
            }
          }
          waiter->second.run_id = run_id.Value();
          run_update_waiters_.emplace(run_id.Value(), waiter_id);
        }
        return;
      }
    }
  }
  for (auto& [waiter_id, update_id] : waiting) FinishUpdateWaiter(waiter_id, AbortedByClosing());
}

// --- update-with-start

uint64_t Engine::UpdateWithStart(const std::string& namespace_id,
                                 const wf::StartWorkflowExecutionRequest& start,
                                 const wf::UpdateWorkflowExecutionRequest& update_request,
                                 std::chrono::milliseconds wait, MultiOperationDone done) {
  const std::string& update_id = update_request.request().meta().update_id();
  // The current run takes the update when the start would not start a new one (reference:
  // multioperation.updateWithStart.Invoke): the update is known there, the start is a retry
  // (same request id), or the conflict policy is USE_EXISTING.
  std::optional<LoadedRun> existing;
  auto current = store_->GetCurrentRun(namespace_id, start.workflow_id());
  if (current.IsSuccess()) {
    auto loaded = LoadRun({namespace_id, start.workflow_id(), current.Value().run_id});
    if (loaded.IsSuccess()) existing = std::move(loaded).Value();
  }
  bool use_existing = false;
  if (existing.has_value()) {
    auto status = StatusOfUpdate(*existing, update_id);
    // A closed run's update counts only if it completed there (an update the run's close
    // aborted does not: the id reuse policy decides, as the reference's).
    const auto stored = existing->state.updates().find(update_id);
    const bool completed_in_history =
        stored != existing->state.updates().end() && stored->second.completed_event_id() != 0;
    if (status.has_value() && status->stage == kCompleted &&
        (IsRunning(existing->state) || completed_in_history)) {
      use_existing = true;
    } else if (IsRunning(existing->state)) {
      use_existing =
          start.request_id() == existing->state.create_request_id() || status.has_value() ||
          start.workflow_id_conflict_policy() == enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING;
    }
  }
  wf::StartWorkflowExecutionResponse start_response;
  if (use_existing) {
    start_response.set_run_id(existing->state.run_id());
    start_response.set_started(false);
    start_response.set_status(
        static_cast<enums::WorkflowExecutionStatus>(existing->state.status()));
  } else {
    auto result = StartWorkflow(namespace_id, start, &update_request.request());
    if (result.IsFailure()) {
      MultiOperationErrors failed;
      failed.start = result.Error();
      done(hugo::Error::From(
               "MultiOperation could not be executed: Start failed: " + result.Error().Message(),
               errors::kMultiOperation),
           failed);
      return 0;
    }
    start_response = std::move(result).Value();
  }
  wf::UpdateWorkflowExecutionRequest pinned = update_request;
  pinned.mutable_workflow_execution()->set_run_id(start_response.run_id());
  const bool started = start_response.started();
  return UpdateWorkflow(
      namespace_id, pinned, wait,
      [done = std::move(done), start_response, started, workflow_id = start.workflow_id(),
       update_id](hugo::Result<UpdateStatus> status) {
        if (status.IsFailure()) {
          MultiOperationErrors failed;
          failed.update = status.Error();
          failed.start_succeeded = started;
          done(hugo::Error::From("MultiOperation could not be executed: Update failed: " +
                                     status.Error().Message(),
                                 errors::kMultiOperation),
               failed);
          return;
        }
        wf::ExecuteMultiOperationResponse response;
        *response.add_responses()->mutable_start_workflow() = start_response;
        auto* updated = response.add_responses()->mutable_update_workflow();
        auto* ref = updated->mutable_update_ref();
        ref->mutable_workflow_execution()->set_workflow_id(workflow_id);
        ref->mutable_workflow_execution()->set_run_id(status.Value().run_id);
        ref->set_update_id(update_id);
        updated->set_stage(status.Value().stage);
        if (status.Value().outcome.has_value()) {
          *updated->mutable_outcome() = *status.Value().outcome;
        }
        done(hugo::Ok(std::move(response)), {});
      });
}

}  // namespace hdo::history
