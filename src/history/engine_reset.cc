// Reset and delete (reference: service/history/api/resetworkflow, ndc/workflow_resetter.go,
// api/deleteworkflow). A reset builds a new run from the base run's events before the reset
// point: its pending workflow task fails with RESET_WORKFLOW, pending activities are dispatched
// again and timers re-armed, the base run's later signals (and updates) are applied once more,
// and a new workflow task is scheduled; a running current run is terminated in the same store
// transaction, which also moves the current-run pointer to the new run.
#include <cstdint>
#include <optional>
#include <set>

#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/rebuild.h"
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
using persistence::v1::TransferTask;

// The reference's identities of the events it writes itself.
constexpr char kIdentityHistoryService[] = "history-service";
constexpr char kIdentityResetter[] = "history-resetter";
// Runs followed through continue-as-new when collecting the events to re-apply.
constexpr int kReapplyChainMax = 1000;

struct ReapplyRules {
  bool signals = true;
  bool updates = true;
};

// The deprecated reset_reapply_type says what to include, reset_reapply_exclude_types what not
// (reference: resetworkflow.GetResetReapplyExcludeTypes).
ReapplyRules RulesOf(const wf::ResetWorkflowExecutionRequest& request) {
  ReapplyRules rules;
  // Deprecated, still sent by older clients.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const enums::ResetReapplyType include = request.reset_reapply_type();
#pragma GCC diagnostic pop
  switch (include) {
    case enums::RESET_REAPPLY_TYPE_SIGNAL:
      rules.updates = false;
      break;
    case enums::RESET_REAPPLY_TYPE_NONE:
      rules.signals = false;
      rules.updates = false;
      break;
    default:
      break;
  }
  for (int type : request.reset_reapply_exclude_types()) {
    if (type == enums::RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL) rules.signals = false;
    if (type == enums::RESET_REAPPLY_EXCLUDE_TYPE_UPDATE) rules.updates = false;
  }
  return rules;
}

bool Reapplied(const hist::HistoryEvent& event, const ReapplyRules& rules) {
  switch (event.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      return rules.signals;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED:
      return rules.updates;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      return rules.updates &&
             event.workflow_execution_update_accepted_event_attributes().has_accepted_request();
    default:
      return false;
  }
}

google::protobuf::Timestamp EarlierSet(const google::protobuf::Timestamp& a,
                                       const google::protobuf::Timestamp& b) {
  if (!IsSet(a)) return b;
  if (!IsSet(b)) return a;
  return ToMillis(a) <= ToMillis(b) ? a : b;
}

// A run's stored events 1..last_event_id: as batches to store for another run and decoded.
struct CopiedHistory {
  std::vector<persistence::HistoryBatch> batches;
  hist::History events;
  int64_t size_bytes = 0;
};

// The part of `decoded` (the batch `batch`) up to `last_event_id` when that is where the
// reference's batches end and hdo's do not: a WorkflowTaskScheduled whose WorkflowTaskStarted
// follows in the same batch (hdo writes a task started by a waiting poller in the transaction
// that schedules it; the reference writes WorkflowTaskStarted in a batch of its own).
std::optional<persistence::HistoryBatch> CutBeforeTaskStarted(
    const persistence::HistoryBatch& batch, const hist::History& decoded, int64_t last_event_id) {
  hist::History head;
  for (int i = 0; i < decoded.events_size(); ++i) {
    const hist::HistoryEvent& event = decoded.events(i);
    if (event.event_id() == last_event_id) {
      if (event.event_type() != enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED ||
          i + 1 >= decoded.events_size() ||
          decoded.events(i + 1).event_type() != enums::EVENT_TYPE_WORKFLOW_TASK_STARTED) {
        return std::nullopt;
      }
      *head.add_events() = event;
      return persistence::HistoryBatch{batch.first_event_id, last_event_id,
                                       head.SerializeAsString()};
    }
    *head.add_events() = event;
  }
  return std::nullopt;
}

// last_event_id must end a stored batch, as the reference requires of a reset point (its
// version-history check reads whole batches), or be a WorkflowTaskScheduled hdo stored together
// with its WorkflowTaskStarted (CutBeforeTaskStarted).
hugo::Result<CopiedHistory> CopyHistory(persistence::ExecutionStore* store,
                                        const persistence::RunKey& key, int64_t last_event_id) {
  auto batches = store->ReadHistory(key.namespace_id, key.run_id, 1, 1 << 20);
  if (batches.IsFailure()) return batches.Error();
  CopiedHistory copied;
  for (auto& batch : batches.Value()) {
    if (batch.first_event_id > last_event_id) break;
    hist::History decoded;
    if (!decoded.ParseFromString(batch.data)) {
      return hugo::Error::From("stored history of run " + key.run_id + " does not decode",
                               errors::kInternal);
    }
    if (batch.last_event_id > last_event_id) {
      std::optional<persistence::HistoryBatch> head =
          CutBeforeTaskStarted(batch, decoded, last_event_id);
      if (!head.has_value()) {
        return InvalidArgument("StateRebuilder unable to Rebuild mutable state to event ID: " +
                               std::to_string(last_event_id) +
                               ", version: 0, this event must be at the boundary");
      }
      batch = std::move(*head);
      decoded.ParseFromString(batch.data);
    }
    for (auto& event : *decoded.mutable_events()) *copied.events.add_events() = std::move(event);
    copied.size_bytes += static_cast<int64_t>(batch.data.size());
    copied.batches.push_back(std::move(batch));
  }
  return hugo::Ok(std::move(copied));
}

}  // namespace

hugo::Result<MutableState> Engine::RebuildRun(const persistence::RunKey& key, int64_t last_event_id,
                                              const std::string& run_id,
                                              const std::string& create_request_id) {
  auto copied = CopyHistory(store_, key, last_event_id);
  if (copied.IsFailure()) return copied.Error();
  auto rebuilt = RebuildMutableState({key.namespace_id, key.workflow_id, run_id, create_request_id},
                                     copied.Value().events);
  if (rebuilt.IsFailure()) return rebuilt.Error();
  MutableState& state = rebuilt.Value();
  state.set_history_size_bytes(copied.Value().size_bytes);
  // The visibility copies, as the engine's transitions derive them. An attribute the namespace
  // no longer has leaves them incomplete rather than failing the rebuild. BuildIds is the
  // server's own (the rebuild wrote it into both copies), which no client may set.
  temporal::api::common::v1::SearchAttributes set_by_clients = state.search_attributes();
  set_by_clients.mutable_indexed_fields()->erase("BuildIds");
  (void)ApplySearchAttributes(state, set_by_clients);
  const auto& events = copied.Value().events.events();
  if (!events.empty() &&
      events.rbegin()->event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED) {
    RecordFailureForVisibility(
        state, events.rbegin()->workflow_execution_failed_event_attributes().failure());
  }
  return rebuilt;
}

hugo::Result<wf::ResetWorkflowExecutionResponse> Engine::Reset(
    const std::string& namespace_id, const wf::ResetWorkflowExecutionRequest& request) {
  const std::string& workflow_id = request.workflow_execution().workflow_id();
  auto base_run_id = ResolveRunId(namespace_id, workflow_id, request.workflow_execution().run_id());
  if (base_run_id.IsFailure()) return base_run_id.Error();
  const persistence::RunKey base_key{namespace_id, workflow_id, base_run_id.Value()};
  auto base = LoadRun(base_key);
  if (base.IsFailure()) return base.Error();
  const int64_t finish_event_id = request.workflow_task_finish_event_id();
  const int64_t base_next_event_id = base.Value().state.next_event_id();
  if (finish_event_id <= 1 || finish_event_id >= base_next_event_id) {
    return InvalidArgument("Workflow task finish ID must be > 1 && <= workflow last event ID.");
  }
  auto current_run_id = ResolveRunId(namespace_id, workflow_id, "");
  if (current_run_id.IsFailure()) return current_run_id.Error();
  const persistence::RunKey current_key{namespace_id, workflow_id, current_run_id.Value()};
  auto current = LoadRun(current_key);
  if (current.IsFailure()) return current.Error();
  wf::ResetWorkflowExecutionResponse response;
  // A retried reset finds the run it created as the current one.
  if (!request.request_id().empty() &&
      current.Value().state.create_request_id() == request.request_id()) {
    response.set_run_id(current_run_id.Value());
    return hugo::Ok(std::move(response));
  }

  const std::string new_run_id = NewRunId();
  Mutation reset;
  reset.run.record.key = {namespace_id, workflow_id, new_run_id};
  auto copied = CopyHistory(store_, base_key, finish_event_id - 1);
  if (copied.IsFailure()) return copied.Error();
  auto rebuilt = RebuildRun(base_key, finish_event_id - 1, new_run_id, request.request_id());
  if (rebuilt.IsFailure()) return rebuilt.Error();
  reset.run.state = std::move(rebuilt).Value();
  if (!IsRunning(reset.run.state) || !reset.run.state.has_workflow_task()) {
    return InvalidArgument(
        "Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, "
        "WorkflowTaskStarted + 1]: " +
        std::to_string(finish_event_id));
  }
  reset.write.history = std::move(copied.Value().batches);
  reset.write.current_mode = persistence::CurrentRunMode::kReplace;
  reset.write.expected_current_run_id = current_run_id.Value();
  reset.write.create_request_id = request.request_id();

  // What the base run saw after the reset point, then the runs it continued as, in order.
  auto after = ReadEvents(base_key, finish_event_id, base_next_event_id - 1);
  if (after.IsFailure()) return after.Error();
  std::vector<hist::HistoryEvent> seen(after.Value().events().begin(),
                                       after.Value().events().end());
  bool reached_current = base_key.run_id == current_key.run_id;
  for (int hop = 0;
       hop < kReapplyChainMax && !seen.empty() &&
       seen.back().event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW;
       ++hop) {
    const persistence::RunKey next{
        namespace_id, workflow_id,
        seen.back().workflow_execution_continued_as_new_event_attributes().new_execution_run_id()};
    auto events = ReadEvents(next, 1, INT64_MAX);
    if (events.IsFailure()) return events.Error();
    seen.insert(seen.end(), events.Value().events().begin(), events.Value().events().end());
    reached_current = reached_current || next.run_id == current_key.run_id;
  }

  std::optional<Mutation> terminated;
  if (IsRunning(current.Value().state)) {
    auto begun = Begin(current_key);
    if (begun.IsFailure()) return begun.Error();
    terminated.emplace(std::move(begun).Value());
    TerminateRun(*terminated, request.reason(), nullptr, kIdentityResetter);
    // Events buffered in the current run reach history only with its termination.
    if (reached_current) {
      seen.insert(seen.end(), terminated->events.events().begin(),
                  terminated->events.events().end());
    }
  }
  // The base run names the run its reset created (Describe's reset_run_id, the reference's
  // UpdateResetRunID), in the same transaction; a closed base run changes only that.
  if (terminated.has_value() && base_key.run_id == current_key.run_id) {
    terminated->run.state.set_reset_run_id(new_run_id);
  } else {
    auto begun = Begin(base_key);
    if (begun.IsFailure()) return begun.Error();
    begun.Value().run.state.set_reset_run_id(new_run_id);
    reset.also.push_back(std::move(begun).Value());
  }
  const ReapplyRules rules = RulesOf(request);
  std::vector<hist::HistoryEvent> reapply;
  for (auto& event : seen) {
    if (Reapplied(event, rules)) reapply.push_back(std::move(event));
  }
  PrepareResetRun(reset, base_key.run_id, request, reapply);
  // One transaction: the old current run terminated, the new run taking its place.
  if (terminated.has_value()) reset.also.push_back(std::move(*terminated));
  auto committed = Commit(reset);
  if (committed.IsFailure()) return committed.Error();
  response.set_run_id(new_run_id);
  return hugo::Ok(std::move(response));
}

void Engine::PrepareResetRun(Mutation& m, const std::string& base_run_id,
                             const wf::ResetWorkflowExecutionRequest& request,
                             const std::vector<hist::HistoryEvent>& reapply) {
  MutableState& state = m.run.state;
  // The new run starts now: its run timeout counts from here (the chain's deadline stays).
  *state.mutable_start_time() = now_();
  state.clear_run_expiration_time();
  if (!IsZero(state.workflow_run_timeout())) {
    *state.mutable_run_expiration_time() =
        EarlierSet(After(state.workflow_run_timeout()), state.execution_expiration_time());
  }
  persistence::v1::WorkflowTaskInfo task = state.workflow_task();
  if (task.transient()) {
    auto* scheduled = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
                          ->mutable_workflow_task_scheduled_event_attributes();
    scheduled->mutable_task_queue()->set_name(task.task_queue());
    scheduled->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    *scheduled->mutable_start_to_close_timeout() = task.start_to_close_timeout();
    scheduled->set_attempt(task.attempt());
    task.set_scheduled_event_id(state.next_event_id() - 1);
  }
  if (task.started_event_id() == 0) {
    auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
    auto* started = event->mutable_workflow_task_started_event_attributes();
    started->set_scheduled_event_id(task.scheduled_event_id());
    started->set_identity(kIdentityHistoryService);
    started->set_request_id(uuids_.Next());
    task.set_started_event_id(event->event_id());
  }
  auto* failed = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_FAILED)
                     ->mutable_workflow_task_failed_event_attributes();
  failed->set_scheduled_event_id(task.scheduled_event_id());
  failed->set_started_event_id(task.started_event_id());
  failed->set_cause(enums::WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW);
  failed->mutable_failure()->set_message(request.reason());
  failed->mutable_failure()->mutable_reset_workflow_failure_info();
  failed->set_identity(kIdentityHistoryService);
  failed->set_base_run_id(base_run_id);
  failed->set_new_run_id(state.run_id());
  state.clear_workflow_task();

  // Pending activities are scheduled anew (an activity's Started event is written only when it
  // closes, so none of them is started at a reset point); timers keep their expiry.
  for (auto& [scheduled_event_id, info] : *state.mutable_activities()) {
    *info.mutable_scheduled_time() = now_();
    *info.mutable_current_attempt_scheduled_time() = now_();
    DispatchActivityAttempt(m, info);
    if (!IsZero(info.schedule_to_close_timeout())) {
      TimerTask timeout;
      timeout.set_kind(TimerTask::KIND_ACTIVITY_TIMEOUT);
      timeout.set_scheduled_event_id(info.scheduled_event_id());
      timeout.set_timeout_type(enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
      AddTimer(m, std::move(timeout), After(info.schedule_to_close_timeout()));
    }
  }
  // Nexus operations: one not started yet is started again (same request id, which the
  // handler deduplicates); a started one waits for its completion, and its cancel request, if
  // one was asked and not answered, is sent again; the schedule-to-close deadline stays.
  for (auto& [scheduled_event_id, op] : *state.mutable_nexus_operations()) {
    if (op.started_event_id() == 0) {
      DispatchNexusStart(m, op);
    } else if (op.cancel_requested_event_id() != 0 &&
               op.cancel_state() != enums::NEXUS_OPERATION_CANCELLATION_STATE_SUCCEEDED &&
               op.cancel_state() != enums::NEXUS_OPERATION_CANCELLATION_STATE_FAILED) {
      DispatchNexusCancel(m, op);
    }
    if (!IsZero(op.schedule_to_close_timeout())) {
      TimerTask timeout;
      timeout.set_kind(TimerTask::KIND_NEXUS_TIMEOUT);
      timeout.set_scheduled_event_id(scheduled_event_id);
      timeout.set_timeout_type(enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
      AddTimer(m, std::move(timeout),
               AddDuration(op.scheduled_time(), op.schedule_to_close_timeout()));
    }
  }
  for (const auto& [timer_id, info] : state.timers()) {
    TimerTask fire;
    fire.set_kind(TimerTask::KIND_USER_TIMER);
    fire.set_timer_id(timer_id);
    fire.set_started_event_id(info.started_event_id());
    AddTimer(m, std::move(fire), info.expiry_time());
  }

  for (const hist::HistoryEvent& event : reapply) {
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
      const auto& original = event.workflow_execution_signaled_event_attributes();
      auto* signaled = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
                           ->mutable_workflow_execution_signaled_event_attributes();
      signaled->set_signal_name(original.signal_name());
      if (original.has_input()) *signaled->mutable_input() = original.input();
      signaled->set_identity(original.identity());
      if (original.has_header()) *signaled->mutable_header() = original.header();
      state.set_signal_count(state.signal_count() + 1);
      continue;
    }
    // An update comes back admitted (reference: reapplyEvents); the worker accepts it again.
    auto* admitted = Append(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED)
                         ->mutable_workflow_execution_update_admitted_event_attributes();
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED) {
      *admitted = event.workflow_execution_update_admitted_event_attributes();
    } else {
      *admitted->mutable_request() =
          event.workflow_execution_update_accepted_event_attributes().accepted_request();
      admitted->set_origin(enums::UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY);
    }
  }
  ScheduleWorkflowTask(m, 1);
  const google::protobuf::Timestamp deadline =
      EarlierSet(state.run_expiration_time(), state.execution_expiration_time());
  if (IsSet(deadline)) {
    TimerTask timeout;
    timeout.set_kind(TimerTask::KIND_WORKFLOW_RUN_TIMEOUT);
    AddTimer(m, std::move(timeout), deadline);
  }
}

hugo::Result<std::pair<std::vector<int64_t>, std::vector<int64_t>>> Engine::OutboxOf(
    const persistence::RunKey& key) {
  auto matches = [&key](const auto& task) {
    return task.namespace_id() == key.namespace_id && task.workflow_id() == key.workflow_id &&
           task.run_id() == key.run_id;
  };
  std::pair<std::vector<int64_t>, std::vector<int64_t>> outbox;
  for (int64_t after = 0;;) {
    auto tasks = store_->LoadTransferTasks(after, 1000);
    if (tasks.IsFailure()) return tasks.Error();
    if (tasks.Value().empty()) break;
    for (const auto& record : tasks.Value()) {
      TransferTask task;
      if (task.ParseFromString(record.data) && matches(task))
        outbox.first.push_back(record.task_id);
      after = record.task_id;
    }
  }
  for (int64_t after = 0;;) {
    auto timers = store_->LoadTimerTasks(after, 1000);
    if (timers.IsFailure()) return timers.Error();
    if (timers.Value().empty()) break;
    for (const auto& record : timers.Value()) {
      TimerTask task;
      if (task.ParseFromString(record.data) && matches(task))
        outbox.second.push_back(record.task_id);
      after = record.task_id;
    }
  }
  return hugo::Ok(std::move(outbox));
}

hugo::Result<wf::DeleteWorkflowExecutionResponse> Engine::Delete(
    const std::string& namespace_id, const wf::DeleteWorkflowExecutionRequest& request) {
  const std::string& workflow_id = request.workflow_execution().workflow_id();
  auto run_id = ResolveRunId(namespace_id, workflow_id, request.workflow_execution().run_id());
  if (run_id.IsFailure()) return run_id.Error();
  const persistence::RunKey key{namespace_id, workflow_id, run_id.Value()};
  auto begun = Begin(key);
  if (begun.IsFailure()) return begun.Error();
  if (IsRunning(begun.Value().run.state)) {
    // As the reference: a running run is terminated first, so that its waiters hear the end.
    TerminateRun(begun.Value(), "Delete workflow execution", nullptr, kIdentityHistoryService);
    auto committed = Commit(begun.Value());
    if (committed.IsFailure()) return committed.Error();
  }
  // A pending visibility row would bring the deleted run back into lists; its task is in the
  // outbox below.
  DropPendingVisibility(key);
  auto outbox = OutboxOf(key);
  if (outbox.IsFailure()) return outbox.Error();
  auto deleted = store_->DeleteRun(key, outbox.Value().first, outbox.Value().second);
  EvictRun(key);
  if (deleted.IsFailure()) {
    if (deleted.Error().Code() == persistence::kErrorNotFound) {
      return NotFound("workflow execution not found for workflow ID \"" + workflow_id +
                      "\" and run ID \"" + key.run_id + "\"");
    }
    return deleted.Error();
  }
  const std::set<int64_t> gone(outbox.Value().second.begin(), outbox.Value().second.end());
  for (auto it = timer_queue_.begin(); it != timer_queue_.end();) {
    it = gone.count(it->second.first) > 0 ? timer_queue_.erase(it) : std::next(it);
  }
  return hugo::Ok(wf::DeleteWorkflowExecutionResponse());
}

}  // namespace hdo::history
