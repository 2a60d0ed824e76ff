// Runs acting on other runs: child workflows (start, outcome delivered to the parent, parent
// close policies) and signals and cancel requests to other workflows (reference:
// service/history/transfer_queue_active_task_executor.go processStartChildExecution,
// processSignalExecution, processCancelExecution, processCloseExecution and
// applyParentClosePolicy; command_attr_validator.go for the commands).
//
// A command writes its Initiated event and a transfer task in the workflow task's transaction.
// The engine then applies the task itself (not matching): it changes the target and the source
// run and deletes the task in one store transaction, so each effect happens exactly once, also
// across a crash (the task is reloaded at startup).
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "common/error_codes.h"
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
using internal::TaskOf;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
namespace command = temporal::api::command::v1;
using persistence::v1::ChildInfo;
using persistence::v1::ExternalRequestInfo;
using persistence::v1::MutableState;
using persistence::v1::TransferTask;

constexpr char kHistoryServiceIdentity[] = "history-service";

bool IsCloseEvent(enums::EventType type) {
  switch (type) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return true;
    default:
      return false;
  }
}

// A run id a command names must be a UUID (reference: uuid.Parse).
bool LooksLikeUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

hugo::Result<std::string> Engine::NamespaceIdOf(const std::string& name) {
  if (!options_.namespace_id_of) return hugo::Ok(name);
  return options_.namespace_id_of(name);
}

std::string Engine::NamespaceNameOf(const std::string& namespace_id) {
  if (!options_.namespace_name_of) return namespace_id;
  return options_.namespace_name_of(namespace_id);
}

// --- commands

std::optional<CommandRejection> Engine::StartChild(
    Mutation& m, const command::StartChildWorkflowExecutionCommandAttributes& original,
    int64_t completed_event_id) {
  MutableState& state = m.run.state;
  constexpr auto kBad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES;
  command::StartChildWorkflowExecutionCommandAttributes attributes = original;
  if (attributes.namespace_().empty()) {
    attributes.set_namespace_(NamespaceNameOf(state.namespace_id()));
  }
  const std::string& workflow_id = attributes.workflow_id();
  const std::string& type_name = attributes.workflow_type().name();
  const std::string suffix = " WorkflowId=" + workflow_id + " WorkflowType=" + type_name +
                             " Namespace=" + attributes.namespace_();
  if (workflow_id.empty()) {
    return CommandRejection{kBad,
                            "Required field WorkflowId is not set on "
                            "StartChildWorkflowExecutionCommand. WorkflowType=" +
                                type_name + " Namespace=" + attributes.namespace_()};
  }
  if (type_name.empty()) {
    return CommandRejection{kBad,
                            "Required field WorkflowType is not set on "
                            "StartChildWorkflowExecutionCommand. WorkflowId=" +
                                workflow_id + " Namespace=" + attributes.namespace_()};
  }
  if (workflow_id.size() > kCommandIdLengthMax || type_name.size() > kCommandIdLengthMax ||
      attributes.namespace_().size() > kCommandIdLengthMax) {
    return CommandRejection{
        kBad, "An id on StartChildWorkflowExecutionCommand exceeds length limit." + suffix};
  }
  auto target_namespace_id = NamespaceIdOf(attributes.namespace_());
  if (target_namespace_id.IsFailure()) {
    return CommandRejection{kBad, target_namespace_id.Error().Message()};
  }
  if (target_namespace_id.Value() != state.namespace_id()) {
    // reference: cross-namespace commands are off by default (system.enableCrossNamespaceCommands).
    return CommandRejection{kBad, "cross namespace commands are not allowed: namespace " +
                                      attributes.namespace_() + " is not the workflow's own." +
                                      suffix};
  }
  // Only the timeouts sent (presence is kept: the events write only those).
  std::vector<google::protobuf::Duration*> timeouts;
  if (attributes.has_workflow_execution_timeout()) {
    timeouts.push_back(attributes.mutable_workflow_execution_timeout());
  }
  if (attributes.has_workflow_run_timeout()) {
    timeouts.push_back(attributes.mutable_workflow_run_timeout());
  }
  if (attributes.has_workflow_task_timeout()) {
    timeouts.push_back(attributes.mutable_workflow_task_timeout());
  }
  for (auto* duration : timeouts) {
    if (auto error = ValidateAndCapDuration(duration); error.has_value()) {
      return CommandRejection{
          kBad, "Invalid timeout on StartChildWorkflowExecutionCommand: " + *error + "." + suffix};
    }
  }
  if (attributes.has_retry_policy()) {
    FillRetryPolicyDefaults(attributes.mutable_retry_policy(), DefaultRetrySettings{});
    auto valid = ValidateRetryPolicy(attributes.mutable_retry_policy());
    if (valid.IsFailure()) {
      return CommandRejection{
          kBad, "invalid WorkflowRetryPolicy on StartChildWorkflowExecutionCommand: " +
                    valid.Error().Message() + "." + suffix};
    }
  }
  if (!attributes.cron_schedule().empty() &&
      CronSchedule::Parse(attributes.cron_schedule()).IsFailure()) {
    return CommandRejection{
        kBad, "invalid CronSchedule on StartChildWorkflowExecutionCommand: invalid CronSchedule.." +
                  suffix};
  }
  {
    MutableState scratch;
    scratch.set_namespace_id(target_namespace_id.Value());
    auto valid = ApplySearchAttributes(scratch, attributes.search_attributes());
    if (valid.IsFailure()) {
      return CommandRejection{enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
                              "invalid SearchAttributes on StartChildWorkflowCommand: " +
                                  valid.Error().Message() + "." + suffix};
    }
  }
  if (attributes.task_queue().name().empty()) {
    attributes.mutable_task_queue()->set_name(state.task_queue());
  }
  attributes.mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  *attributes.mutable_workflow_run_timeout() =
      MinNonZero(attributes.workflow_run_timeout(), attributes.workflow_execution_timeout());
  {
    int64_t task_ms = ToMillis(attributes.workflow_task_timeout());
    if (task_ms <= 0) {
      task_ms = std::chrono::milliseconds(options_.default_workflow_task_timeout).count();
    }
    task_ms = std::min<int64_t>(
        task_ms, std::chrono::milliseconds(options_.max_workflow_task_timeout).count());
    if (!IsZero(attributes.workflow_run_timeout())) {
      task_ms = std::min(task_ms, ToMillis(attributes.workflow_run_timeout()));
    }
    *attributes.mutable_workflow_task_timeout() = DurationFromMillis(task_ms);
  }
  if (attributes.parent_close_policy() == enums::PARENT_CLOSE_POLICY_UNSPECIFIED) {
    attributes.set_parent_close_policy(enums::PARENT_CLOSE_POLICY_TERMINATE);
  }
  if (attributes.workflow_id_reuse_policy() == enums::WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED) {
    attributes.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
  }
  if (state.children_size() >= options_.pending_children_max) {
    return CommandRejection{
        enums::WORKFLOW_TASK_FAILED_CAUSE_PENDING_CHILD_WORKFLOWS_LIMIT_EXCEEDED,
        "the number of pending child workflow executions, " +
            std::to_string(state.children_size()) + ", has reached the per-workflow limit of " +
            std::to_string(options_.pending_children_max)};
  }

  auto* event = Append(m, enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED);
  auto* initiated = event->mutable_start_child_workflow_execution_initiated_event_attributes();
  initiated->set_namespace_(attributes.namespace_());
  initiated->set_namespace_id(target_namespace_id.Value());
  initiated->set_workflow_id(workflow_id);
  *initiated->mutable_workflow_type() = attributes.workflow_type();
  *initiated->mutable_task_queue() = attributes.task_queue();
  if (attributes.has_input()) *initiated->mutable_input() = attributes.input();
  if (attributes.has_workflow_execution_timeout()) {
    *initiated->mutable_workflow_execution_timeout() = attributes.workflow_execution_timeout();
  }
  *initiated->mutable_workflow_run_timeout() = attributes.workflow_run_timeout();
  *initiated->mutable_workflow_task_timeout() = attributes.workflow_task_timeout();
  initiated->set_parent_close_policy(attributes.parent_close_policy());
  initiated->set_control(attributes.control());
  initiated->set_workflow_task_completed_event_id(completed_event_id);
  initiated->set_workflow_id_reuse_policy(attributes.workflow_id_reuse_policy());
  if (attributes.has_retry_policy()) *initiated->mutable_retry_policy() = attributes.retry_policy();
  initiated->set_cron_schedule(attributes.cron_schedule());
  if (attributes.has_header()) *initiated->mutable_header() = attributes.header();
  if (attributes.has_memo()) *initiated->mutable_memo() = attributes.memo();
  if (attributes.has_search_attributes()) {
    *initiated->mutable_search_attributes() = attributes.search_attributes();
  }
  if (attributes.has_priority()) *initiated->mutable_priority() = attributes.priority();
  initiated->set_inherit_build_id(attributes.inherit_build_id());

  ChildInfo& child = (*state.mutable_children())[event->event_id()];
  child.set_initiated_event_id(event->event_id());
  child.set_namespace_(attributes.namespace_());
  child.set_namespace_id(target_namespace_id.Value());
  child.set_workflow_id(workflow_id);
  child.set_workflow_type(type_name);
  child.set_parent_close_policy(attributes.parent_close_policy());
  child.set_create_request_id(uuids_.Next());
  child.set_workflow_task_completed_event_id(completed_event_id);
  TransferTask task = TaskOf(state, TransferTask::KIND_START_CHILD);
  task.set_initiated_event_id(event->event_id());
  m.transfer.push_back(std::move(task));
  return std::nullopt;
}

std::optional<CommandRejection> Engine::SignalExternal(
    Mutation& m, const command::SignalExternalWorkflowExecutionCommandAttributes& attributes,
    int64_t completed_event_id) {
  MutableState& state = m.run.state;
  constexpr auto kBad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
  const std::string& workflow_id = attributes.execution().workflow_id();
  const std::string& run_id = attributes.execution().run_id();
  const std::string name_space = attributes.namespace_().empty()
                                     ? NamespaceNameOf(state.namespace_id())
                                     : attributes.namespace_();
  const std::string suffix = " WorkflowId=" + workflow_id + " Namespace=" + name_space +
                             " RunId=" + run_id + " SignalName=" + attributes.signal_name();
  if (!attributes.has_execution()) {
    return CommandRejection{kBad,
                            "Execution is not set on SignalExternalWorkflowExecutionCommand."};
  }
  if (workflow_id.empty()) {
    return CommandRejection{
        kBad, "WorkflowId is not set on SignalExternalWorkflowExecutionCommand." + suffix};
  }
  if (workflow_id.size() > kCommandIdLengthMax || name_space.size() > kCommandIdLengthMax) {
    return CommandRejection{
        kBad, "An id on SignalExternalWorkflowExecutionCommand exceeds length limit." + suffix};
  }
  if (!run_id.empty() && !LooksLikeUuid(run_id)) {
    return CommandRejection{
        kBad, "Invalid RunId set on SignalExternalWorkflowExecutionCommand." + suffix};
  }
  if (attributes.signal_name().empty()) {
    return CommandRejection{
        kBad, "SignalName is not set on SignalExternalWorkflowExecutionCommand." + suffix};
  }
  auto target_namespace_id = NamespaceIdOf(name_space);
  if (target_namespace_id.IsFailure()) {
    return CommandRejection{kBad, target_namespace_id.Error().Message()};
  }
  if (target_namespace_id.Value() != state.namespace_id()) {
    return CommandRejection{kBad, "cross namespace commands are not allowed: namespace " +
                                      name_space + " is not the workflow's own." + suffix};
  }
  if (state.external_signals_size() >= options_.pending_signals_max) {
    return CommandRejection{enums::WORKFLOW_TASK_FAILED_CAUSE_PENDING_SIGNALS_LIMIT_EXCEEDED,
                            "the number of pending signals to external workflows, " +
                                std::to_string(state.external_signals_size()) +
                                ", has reached the per-workflow limit of " +
                                std::to_string(options_.pending_signals_max)};
  }
  auto* event = Append(m, enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
  auto* initiated = event->mutable_signal_external_workflow_execution_initiated_event_attributes();
  initiated->set_workflow_task_completed_event_id(completed_event_id);
  initiated->set_namespace_(attributes.namespace_());
  initiated->set_namespace_id(target_namespace_id.Value());
  initiated->mutable_workflow_execution()->set_workflow_id(workflow_id);
  initiated->mutable_workflow_execution()->set_run_id(run_id);
  initiated->set_signal_name(attributes.signal_name());
  if (attributes.has_input()) *initiated->mutable_input() = attributes.input();
  initiated->set_control(attributes.control());
  initiated->set_child_workflow_only(attributes.child_workflow_only());
  if (attributes.has_header()) *initiated->mutable_header() = attributes.header();
  ExternalRequestInfo& info = (*state.mutable_external_signals())[event->event_id()];
  info.set_initiated_event_id(event->event_id());
  info.set_namespace_(name_space);
  info.set_namespace_id(target_namespace_id.Value());
  info.set_workflow_id(workflow_id);
  info.set_run_id(run_id);
  info.set_child_workflow_only(attributes.child_workflow_only());
  info.set_request_id(uuids_.Next());
  TransferTask task = TaskOf(state, TransferTask::KIND_SIGNAL_EXTERNAL);
  task.set_initiated_event_id(event->event_id());
  m.transfer.push_back(std::move(task));
  return std::nullopt;
}

std::optional<CommandRejection> Engine::CancelExternal(
    Mutation& m, const command::RequestCancelExternalWorkflowExecutionCommandAttributes& attributes,
    int64_t completed_event_id) {
  MutableState& state = m.run.state;
  constexpr auto kBad =
      enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
  const std::string& workflow_id = attributes.workflow_id();
  const std::string& run_id = attributes.run_id();
  const std::string name_space = attributes.namespace_().empty()
                                     ? NamespaceNameOf(state.namespace_id())
                                     : attributes.namespace_();
  const std::string suffix =
      " WorkflowId=" + workflow_id + " RunId=" + run_id + " Namespace=" + name_space;
  if (workflow_id.empty()) {
    return CommandRejection{
        kBad, "WorkflowId is not set on RequestCancelExternalWorkflowExecutionCommand." + suffix};
  }
  if (workflow_id.size() > kCommandIdLengthMax || name_space.size() > kCommandIdLengthMax) {
    return CommandRejection{
        kBad,
        "An id on RequestCancelExternalWorkflowExecutionCommand exceeds length limit." + suffix};
  }
  if (!run_id.empty() && !LooksLikeUuid(run_id)) {
    return CommandRejection{
        kBad, "Invalid RunId set on RequestCancelExternalWorkflowExecutionCommand." + suffix};
  }
  // A child started by this same task cannot be asked to cancel yet (reference).
  for (const auto& event : m.events.events()) {
    if (event.event_type() == enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED &&
        event.start_child_workflow_execution_initiated_event_attributes().workflow_id() ==
            workflow_id) {
      return CommandRejection{
          kBad, "Start and RequestCancel for child workflow is not allowed in same workflow task." +
                    suffix};
    }
  }
  auto target_namespace_id = NamespaceIdOf(name_space);
  if (target_namespace_id.IsFailure()) {
    return CommandRejection{kBad, target_namespace_id.Error().Message()};
  }
  if (target_namespace_id.Value() != state.namespace_id()) {
    return CommandRejection{kBad, "cross namespace commands are not allowed: namespace " +
                                      name_space + " is not the workflow's own." + suffix};
  }
  if (state.external_cancels_size() >= options_.pending_cancel_requests_max) {
    return CommandRejection{enums::WORKFLOW_TASK_FAILED_CAUSE_PENDING_REQUEST_CANCEL_LIMIT_EXCEEDED,
                            "the number of pending requests to cancel external workflows, " +
                                std::to_string(state.external_cancels_size()) +
                                ", has reached the per-workflow limit of " +
                                std::to_string(options_.pending_cancel_requests_max)};
  }
  auto* event = Append(m, enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
  auto* initiated =
      event->mutable_request_cancel_external_workflow_execution_initiated_event_attributes();
  initiated->set_workflow_task_completed_event_id(completed_event_id);
  initiated->set_namespace_(attributes.namespace_());
  initiated->set_namespace_id(target_namespace_id.Value());
  initiated->mutable_workflow_execution()->set_workflow_id(workflow_id);
  initiated->mutable_workflow_execution()->set_run_id(run_id);
  initiated->set_control(attributes.control());
  initiated->set_child_workflow_only(attributes.child_workflow_only());
  initiated->set_reason(attributes.reason());
  ExternalRequestInfo& info = (*state.mutable_external_cancels())[event->event_id()];
  info.set_initiated_event_id(event->event_id());
  info.set_namespace_(name_space);
  info.set_namespace_id(target_namespace_id.Value());
  info.set_workflow_id(workflow_id);
  info.set_run_id(run_id);
  info.set_child_workflow_only(attributes.child_workflow_only());
  info.set_request_id(uuids_.Next());
  TransferTask task = TaskOf(state, TransferTask::KIND_CANCEL_EXTERNAL);
  task.set_initiated_event_id(event->event_id());
  m.transfer.push_back(std::move(task));
  return std::nullopt;
}

// --- closes

void Engine::OnRunClosed(Mutation& m) {
  MutableState& state = m.run.state;
  const hist::HistoryEvent* close_event =
      m.events.events_size() > 0 ? &m.events.events(m.events.events_size() - 1) : nullptr;
  // The parent hears when the child's chain ends (a continue-as-new, retry or cron run goes on).
  if (state.has_parent() && state.new_execution_run_id().empty() && close_event != nullptr &&
      IsCloseEvent(close_event->event_type())) {
    TransferTask task = TaskOf(state, TransferTask::KIND_CHILD_CLOSED);
    *task.mutable_event() = *close_event;
    *task.mutable_parent() = state.parent();
    m.transfer.push_back(std::move(task));
  }
  // Nexus: the chain's completion callbacks report how it ended.
  if (state.callbacks_size() > 0 && state.new_execution_run_id().empty() &&
      close_event != nullptr && IsCloseEvent(close_event->event_type()) &&
      close_event->event_type() != enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
    QueueCallbacks(m, *close_event);
  }
  if (options_.on_scheduled_run_closed && state.new_execution_run_id().empty() &&
      close_event != nullptr && IsCloseEvent(close_event->event_type())) {
    NotifyScheduler(m, *close_event);
  }
  // Started children follow their parent close policy; children not started yet are not started.
  TransferTask policies = TaskOf(state, TransferTask::KIND_PARENT_CLOSE_POLICY);
  for (const auto& [initiated_id, child] : state.children()) {
    if (child.started_event_id() == 0 ||
        child.parent_close_policy() == enums::PARENT_CLOSE_POLICY_ABANDON) {
      continue;
    }
    *policies.add_children() = child;
  }
  if (policies.children_size() > 0) m.transfer.push_back(std::move(policies));
  state.clear_children();
  state.clear_external_signals();
  state.clear_external_cancels();
}

// A run a schedule started tells the scheduler how its chain ended, once the close is committed.
void Engine::NotifyScheduler(Mutation& m, const hist::HistoryEvent& close_event) {
  const MutableState& state = m.run.state;
  auto scheduled_by = state.search_attributes().indexed_fields().find("TemporalScheduledById");
  if (scheduled_by == state.search_attributes().indexed_fields().end()) return;
  auto schedule_id = nlohmann::json::parse(scheduled_by->second.data(), nullptr, false);
  if (!schedule_id.is_string()) return;
  ScheduledRunClosed closed{state.namespace_id(),
                            schedule_id.get<std::string>(),
                            state.workflow_id(),
                            state.run_id(),
                            static_cast<enums::WorkflowExecutionStatus>(state.status()),
                            close_event};
  m.after_commit.push_back([this, closed = std::move(closed)] {
    if (options_.on_scheduled_run_closed) options_.on_scheduled_run_closed(closed);
  });
}

// --- the engine's transfer tasks

void Engine::ProcessTransfer(const TransferTask& task, int64_t task_id) {
  if (stopped_) return;  // reloaded from the store at the next start
  hugo::Result<hugo::Unit> done = hugo::Ok();
  switch (task.kind()) {
    case TransferTask::KIND_START_CHILD:
      done = ProcessStartChild(task, task_id);
      break;
    case TransferTask::KIND_CHILD_CLOSED:
      done = ProcessChildClosed(task, task_id);
      break;
    case TransferTask::KIND_SIGNAL_EXTERNAL:
      done = ProcessSignalExternal(task, task_id);
      break;
    case TransferTask::KIND_CANCEL_EXTERNAL:
      done = ProcessCancelExternal(task, task_id);
      break;
    case TransferTask::KIND_PARENT_CLOSE_POLICY:
      done = ProcessParentClosePolicy(task, task_id);
      break;
    case TransferTask::KIND_NEXUS_CALLBACKS:
      done = ProcessCallbacks(task, task_id);
      break;
    default:
      DropTasks({task_id}, {});
      return;
  }
  if (done.IsFailure()) {
    // Store trouble: the task stays stored; try again shortly.
    auto retry = std::make_shared<asio::steady_timer>(executor_, std::chrono::seconds(1));
    retry->async_wait([this, retry, task, task_id](const std::error_code& error) {
      if (!error) ProcessTransfer(task, task_id);
    });
  }
}

hugo::Result<hugo::Unit> Engine::ProcessStartChild(const TransferTask& task, int64_t task_id) {
  const persistence::RunKey parent_key{task.namespace_id(), task.workflow_id(), task.run_id()};
  auto begun = Begin(parent_key);
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) DropTasks({task_id}, {});
    return begun.Error().Code() == errors::kNotFound ? hugo::Ok()
                                                     : hugo::Result<hugo::Unit>(begun.Error());
  }
  Mutation& parent = begun.Value();
  MutableState& state = parent.run.state;
  auto found = state.mutable_children()->find(task.initiated_event_id());
  // A closed parent starts no child (reference); a started child is not started twice.
  if (!IsRunning(state) || found == state.mutable_children()->end() ||
      found->second.started_event_id() != 0) {
    DropTasks({task_id}, {});
    return hugo::Ok();
  }
  ChildInfo& child = found->second;
  auto initiated_events =
      ReadEvents(parent_key, child.initiated_event_id(), child.initiated_event_id());
  if (initiated_events.IsFailure()) return initiated_events.Error();
  if (initiated_events.Value().events_size() != 1) {
    DropTasks({task_id}, {});
    return hugo::Ok();
  }
  const auto& initiated = initiated_events.Value()
                              .events(0)
                              .start_child_workflow_execution_initiated_event_attributes();
  parent.done_transfer.push_back(task_id);

  wf::StartWorkflowExecutionRequest request;
  request.set_namespace_(child.namespace_());
  request.set_workflow_id(child.workflow_id());
  *request.mutable_workflow_type() = initiated.workflow_type();
  *request.mutable_task_queue() = initiated.task_queue();
  if (initiated.has_input()) *request.mutable_input() = initiated.input();
  if (initiated.has_header()) *request.mutable_header() = initiated.header();
  if (initiated.has_workflow_execution_timeout()) {
    *request.mutable_workflow_execution_timeout() = initiated.workflow_execution_timeout();
  }
  *request.mutable_workflow_run_timeout() = initiated.workflow_run_timeout();
  *request.mutable_workflow_task_timeout() = initiated.workflow_task_timeout();
  request.set_request_id(child.create_request_id());
  request.set_workflow_id_reuse_policy(initiated.workflow_id_reuse_policy());
  if (initiated.has_retry_policy()) *request.mutable_retry_policy() = initiated.retry_policy();
  request.set_cron_schedule(initiated.cron_schedule());
  if (initiated.has_memo()) *request.mutable_memo() = initiated.memo();
  if (initiated.has_search_attributes()) {
    *request.mutable_search_attributes() = initiated.search_attributes();
  }
  if (initiated.has_priority() || state.has_priority()) {
    *request.mutable_priority() = MergePriority(state.priority(), initiated.priority());
  }
  // The command's summary and details become the child's own (reference: the transfer task
  // starts the child with the Initiated event's user metadata).
  if (initiated_events.Value().events(0).has_user_metadata()) {
    *request.mutable_user_metadata() = initiated_events.Value().events(0).user_metadata();
  }

  NewRun spec;
  spec.namespace_id = child.namespace_id();
  spec.write.current_mode = persistence::CurrentRunMode::kCreate;
  spec.write.create_request_id = child.create_request_id();
  bool refused = false;
  auto current = store_->GetCurrentRun(child.namespace_id(), child.workflow_id());
  if (current.IsSuccess()) {
    // A child's id must be free: a running workflow refuses it, a closed one follows the reuse
    // policy (conflict policies do not apply to children).
    const auto reuse = initiated.workflow_id_reuse_policy();
    const int32_t status = current.Value().status;
    refused = status == enums::WORKFLOW_EXECUTION_STATUS_RUNNING ||
              reuse == enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE ||
              (reuse == enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY &&
               status == enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
    spec.write.current_mode = persistence::CurrentRunMode::kReplace;
    spec.write.expected_current_run_id = current.Value().run_id;
  } else if (current.Error().Code() != persistence::kErrorNotFound) {
    return current.Error();
  }
  if (refused) {
    auto* failed = AppendOrBuffer(parent, enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED)
                       ->mutable_start_child_workflow_execution_failed_event_attributes();
    failed->set_namespace_(child.namespace_());
    failed->set_namespace_id(child.namespace_id());
    failed->set_workflow_id(child.workflow_id());
    *failed->mutable_workflow_type() = initiated.workflow_type();
    failed->set_cause(enums::START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS);
    failed->set_control(initiated.control());
    failed->set_initiated_event_id(child.initiated_event_id());
    state.mutable_children()->erase(found);
    EnsureWorkflowTask(parent);
    return Commit(parent);
  }

  persistence::v1::ParentInfo parent_info;
  parent_info.set_namespace_(NamespaceNameOf(state.namespace_id()));
  parent_info.set_namespace_id(state.namespace_id());
  parent_info.set_workflow_id(state.workflow_id());
  parent_info.set_run_id(state.run_id());
  parent_info.set_initiated_event_id(child.initiated_event_id());
  spec.request = std::move(request);
  spec.parent = &parent_info;
  // Build-id versioning: a child of the parent's namespace and task queue starts with the
  // parent's build id when the command asked (compatible).
  if (initiated.inherit_build_id() && child.namespace_id() == state.namespace_id() &&
      !state.versioned_build_id().empty() &&
      spec.request.task_queue().name() == state.task_queue()) {
    spec.inherited_build_id = state.versioned_build_id();
  }
  // A pinned parent's child starts pinned to the same version (on the parent's queue, or one its
  // version has registered), as does its pinned override.
  if (child.namespace_id() == state.namespace_id()) {
    spec.inherited_pinned_version = InheritedPinnedVersion(state, spec.request.task_queue().name());
    if (spec.inherited_pinned_version.has_value() &&
        state.versioning_info().versioning_override().has_pinned() &&
        !spec.request.has_versioning_override()) {
      *spec.request.mutable_versioning_override() = state.versioning_info().versioning_override();
    }
  }
  spec.root_workflow_id =
      state.root_workflow_id().empty() ? state.workflow_id() : state.root_workflow_id();
  spec.root_run_id = state.root_run_id().empty() ? state.run_id() : state.root_run_id();
  if (!spec.request.cron_schedule().empty()) {
    auto schedule = CronSchedule::Parse(spec.request.cron_schedule());
    if (schedule.IsSuccess()) {
      auto wait = CronBackoffMs(schedule.Value(), NowMs(), NowMs());
      if (wait.has_value() && *wait > 0) spec.backoff = DurationFromMillis(*wait);
      // The first run of a cron workflow is already one of its schedule's (reference).
      spec.initiator = enums::CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE;
    }
  }
  auto built = BuildNewRun(spec);
  if (built.IsFailure()) return built.Error();
  const std::string child_run_id = built.Value().run.record.key.run_id;

  auto* event = AppendOrBuffer(parent, enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED);
  auto* started = event->mutable_child_workflow_execution_started_event_attributes();
  started->set_namespace_(child.namespace_());
  started->set_namespace_id(child.namespace_id());
  started->set_initiated_event_id(child.initiated_event_id());
  started->mutable_workflow_execution()->set_workflow_id(child.workflow_id());
  started->mutable_workflow_execution()->set_run_id(child_run_id);
  *started->mutable_workflow_type() = initiated.workflow_type();
  if (initiated.has_header()) *started->mutable_header() = initiated.header();
  child.set_run_id(child_run_id);
  // Buffered: numbered when the parent's workflow task ends (FlushBuffered fixes the id).
  child.set_started_event_id(event->event_id() != 0 ? event->event_id()
                                                    : -child.initiated_event_id());
  EnsureWorkflowTask(parent);
  parent.also.push_back(std::move(built).Value());
  return Commit(parent);
}

hugo::Result<hugo::Unit> Engine::ProcessChildClosed(const TransferTask& task, int64_t task_id) {
  const auto& info = task.parent();
  auto begun = Begin({info.namespace_id(), info.workflow_id(), info.run_id()});
  if (begun.IsFailure()) {
    if (begun.Error().Code() != errors::kNotFound) return begun.Error();
    DropTasks({task_id}, {});
    return hugo::Ok();
  }
  Mutation& parent = begun.Value();
  MutableState& state = parent.run.state;
  auto found = state.mutable_children()->find(info.initiated_event_id());
  if (!IsRunning(state) || found == state.mutable_children()->end() ||
      found->second.started_event_id() == 0 || found->second.workflow_id() != task.workflow_id()) {
    DropTasks({task_id}, {});  // the parent closed, or heard of this child already
    return hugo::Ok();
  }
  const ChildInfo& child = found->second;
  parent.done_transfer.push_back(task_id);
  const hist::HistoryEvent& close = task.event();
  temporal::api::common::v1::WorkflowExecution execution;
  execution.set_workflow_id(task.workflow_id());
  execution.set_run_id(task.run_id());
  temporal::api::common::v1::WorkflowType type;
  type.set_name(child.workflow_type());
  auto fill = [&](auto* attributes) {
    attributes->set_namespace_(child.namespace_());
    attributes->set_namespace_id(child.namespace_id());
    *attributes->mutable_workflow_execution() = execution;
    *attributes->mutable_workflow_type() = type;
    attributes->set_initiated_event_id(child.initiated_event_id());
    attributes->set_started_event_id(child.started_event_id());
  };
  switch (close.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
      auto* attributes =
          AppendOrBuffer(parent, enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED)
              ->mutable_child_workflow_execution_completed_event_attributes();
      fill(attributes);
      const auto& completed = close.workflow_execution_completed_event_attributes();
      if (completed.has_result()) *attributes->mutable_result() = completed.result();
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
      auto* attributes = AppendOrBuffer(parent, enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED)
                             ->mutable_child_workflow_execution_failed_event_attributes();
      fill(attributes);
      const auto& failed = close.workflow_execution_failed_event_attributes();
      *attributes->mutable_failure() = failed.failure();
      attributes->set_retry_state(failed.retry_state());
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: {
      auto* attributes = AppendOrBuffer(parent, enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED)
                             ->mutable_child_workflow_execution_canceled_event_attributes();
      fill(attributes);
      const auto& canceled = close.workflow_execution_canceled_event_attributes();
      if (canceled.has_details()) *attributes->mutable_details() = canceled.details();
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: {
      auto* attributes =
          AppendOrBuffer(parent, enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT)
              ->mutable_child_workflow_execution_timed_out_event_attributes();
      fill(attributes);
      attributes->set_retry_state(
          close.workflow_execution_timed_out_event_attributes().retry_state());
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: {
      auto* attributes =
          AppendOrBuffer(parent, enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED)
              ->mutable_child_workflow_execution_terminated_event_attributes();
      fill(attributes);
      break;
    }
    default:
      DropTasks({task_id}, {});
      return hugo::Ok();
  }
  state.mutable_children()->erase(found);
  EnsureWorkflowTask(parent);
  return Commit(parent);
}

hugo::Result<std::optional<Engine::Mutation>> Engine::BeginExternalTarget(
    const ExternalRequestInfo& info, const MutableState& source) {
  // A workflow does not signal or cancel itself this way (reference: not found).
  if (info.workflow_id() == source.workflow_id()) return hugo::Ok(std::optional<Mutation>());
  auto run_id = ResolveRunId(info.namespace_id(), info.workflow_id(), info.run_id());
  if (run_id.IsFailure()) {
    if (run_id.Error().Code() != errors::kNotFound) return run_id.Error();
    return hugo::Ok(std::optional<Mutation>());
  }
  auto loaded = Begin({info.namespace_id(), info.workflow_id(), run_id.Value()});
  if (loaded.IsFailure()) {
    if (loaded.Error().Code() != errors::kNotFound) return loaded.Error();
    return hugo::Ok(std::optional<Mutation>());
  }
  const MutableState& target = loaded.Value().run.state;
  const bool child_of_source = target.parent().workflow_id() == source.workflow_id() &&
                               target.parent().run_id() == source.run_id();
  if (!IsRunning(target) || (info.child_workflow_only() && !child_of_source)) {
    return hugo::Ok(std::optional<Mutation>());
  }
  return hugo::Ok(std::optional<Mutation>(std::move(loaded).Value()));
}

hugo::Result<hugo::Unit> Engine::ProcessSignalExternal(const TransferTask& task, int64_t task_id) {
  const persistence::RunKey source_key{task.namespace_id(), task.workflow_id(), task.run_id()};
  auto begun = Begin(source_key);
  if (begun.IsFailure()) {
    if (begun.Error().Code() != errors::kNotFound) return begun.Error();
    DropTasks({task_id}, {});
    return hugo::Ok();
  }
  Mutation& source = begun.Value();
  MutableState& state = source.run.state;
  auto found = state.mutable_external_signals()->find(task.initiated_event_id());
  if (!IsRunning(state) || found == state.mutable_external_signals()->end()) {
    DropTasks({task_id}, {});
    return hugo::Ok();
  }
  const ExternalRequestInfo info = found->second;
  auto initiated_events =
      ReadEvents(source_key, info.initiated_event_id(), info.initiated_event_id());
  if (initiated_events.IsFailure()) return initiated_events.Error();
  if (initiated_events.Value().events_size() != 1) {
    DropTasks({task_id}, {});
    return hugo::Ok();
  }
  const auto& initiated = initiated_events.Value()
                              .events(0)
                              .signal_external_workflow_execution_initiated_event_attributes();
  source.done_transfer.push_back(task_id);
  state.mutable_external_signals()->erase(found);

  auto reached = BeginExternalTarget(info, state);
  if (reached.IsFailure()) return reached.Error();
  std::optional<Mutation> target = std::move(reached).Value();
  if (!target.has_value()) {
    auto* failed =
        AppendOrBuffer(source, enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
            ->mutable_signal_external_workflow_execution_failed_event_attributes();
    failed->set_initiated_event_id(info.initiated_event_id());
    failed->set_namespace_(info.namespace_());
    failed->set_namespace_id(info.namespace_id());
    failed->mutable_workflow_execution()->set_workflow_id(info.workflow_id());
    failed->mutable_workflow_execution()->set_run_id(info.run_id());
    failed->set_control(initiated.control());
    failed->set_cause(
        enums::
            SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND);
    EnsureWorkflowTask(source);
    return Commit(source);
  }
  MutableState& target_state = target->run.state;
  auto* signaled = AppendOrBuffer(*target, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
                       ->mutable_workflow_execution_signaled_event_attributes();
  signaled->set_signal_name(initiated.signal_name());
  if (initiated.has_input()) *signaled->mutable_input() = initiated.input();
  signaled->set_identity(kHistoryServiceIdentity);
  if (initiated.has_header()) *signaled->mutable_header() = initiated.header();
  signaled->mutable_external_workflow_execution()->set_workflow_id(state.workflow_id());
  signaled->mutable_external_workflow_execution()->set_run_id(state.run_id());
  target_state.set_signal_count(target_state.signal_count() + 1);
  EnsureWorkflowTask(*target);

  auto* done = AppendOrBuffer(source, enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED)
                   ->mutable_external_workflow_execution_signaled_event_attributes();
  done->set_initiated_event_id(info.initiated_event_id());
  done->set_namespace_(info.namespace_());
  done->set_namespace_id(info.namespace_id());
  done->mutable_workflow_execution()->set_workflow_id(info.workflow_id());
  done->mutable_workflow_execution()->set_run_id(info.run_id());
  done->set_control(initiated.control());
  EnsureWorkflowTask(source);
  source.also.push_back(std::move(*target));
  return Commit(source);
}

hugo::Result<hugo::Unit> Engine::ProcessCancelExternal(const TransferTask& task, int64_t task_id) {
  const persistence::RunKey source_key{task.namespace_id(), task.workflow_id(), task.run_id()};
  auto begun = Begin(source_key);
  if (begun.IsFailure()) {
    if (begun.Error().Code() != errors::kNotFound) return begun.Error();
    DropTasks({task_id}, {});
    return hugo::Ok();
  }
  Mutation& source = begun.Value();
  MutableState& state = source.run.state;
  auto found = state.mutable_external_cancels()->find(task.initiated_event_id());
  if (!IsRunning(state) || found == state.mutable_external_cancels()->end()) {
    DropTasks({task_id}, {});
    return hugo::Ok();
  }
  const ExternalRequestInfo info = found->second;
  auto initiated_events =
      ReadEvents(source_key, info.initiated_event_id(), info.initiated_event_id());
  if (initiated_events.IsFailure()) return initiated_events.Error();
  const std::string reason =
      initiated_events.Value().events_size() == 1
          ? initiated_events.Value()
                .events(0)
                .request_cancel_external_workflow_execution_initiated_event_attributes()
                .reason()
          : std::string();
  source.done_transfer.push_back(task_id);
  state.mutable_external_cancels()->erase(found);

  auto reached = BeginExternalTarget(info, state);
  if (reached.IsFailure()) return reached.Error();
  std::optional<Mutation> target = std::move(reached).Value();
  const bool delivered = target.has_value();
  // A run asked once already is not asked again; the request still succeeds.
  if (delivered && target->run.state.cancel_requested()) target.reset();
  if (!delivered) {
    auto* failed =
        AppendOrBuffer(source, enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
            ->mutable_request_cancel_external_workflow_execution_failed_event_attributes();
    failed->set_initiated_event_id(info.initiated_event_id());
    failed->set_namespace_(info.namespace_());
    failed->set_namespace_id(info.namespace_id());
    failed->mutable_workflow_execution()->set_workflow_id(info.workflow_id());
    failed->mutable_workflow_execution()->set_run_id(info.run_id());
    failed->set_cause(
        enums::
            CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND);
    EnsureWorkflowTask(source);
    return Commit(source);
  }
  if (target.has_value()) {
    MutableState& target_state = target->run.state;
    auto* requested = AppendOrBuffer(*target, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                          ->mutable_workflow_execution_cancel_requested_event_attributes();
    requested->set_cause(reason);
    requested->set_identity(kHistoryServiceIdentity);
    requested->set_external_initiated_event_id(info.initiated_event_id());
    requested->mutable_external_workflow_execution()->set_workflow_id(state.workflow_id());
    requested->mutable_external_workflow_execution()->set_run_id(state.run_id());
    target_state.set_cancel_requested(true);
    target_state.set_cancel_request_id(info.request_id());
    EnsureWorkflowTask(*target);
  }
  auto* done =
      AppendOrBuffer(source, enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
          ->mutable_external_workflow_execution_cancel_requested_event_attributes();
  done->set_initiated_event_id(info.initiated_event_id());
  done->set_namespace_(info.namespace_());
  done->set_namespace_id(info.namespace_id());
  done->mutable_workflow_execution()->set_workflow_id(info.workflow_id());
  done->mutable_workflow_execution()->set_run_id(info.run_id());
  EnsureWorkflowTask(source);
  if (target.has_value()) source.also.push_back(std::move(*target));
  return Commit(source);
}

hugo::Result<hugo::Unit> Engine::ProcessParentClosePolicy(const TransferTask& task,
                                                          int64_t task_id) {
  for (const ChildInfo& child : task.children()) {
    // The child's chain: its current run, if it still belongs to the chain the parent started.
    auto run_id = ResolveRunId(child.namespace_id(), child.workflow_id(), "");
    if (run_id.IsFailure()) {
      if (run_id.Error().Code() == errors::kNotFound) continue;
      return run_id.Error();
    }
    auto begun = Begin({child.namespace_id(), child.workflow_id(), run_id.Value()});
    if (begun.IsFailure()) {
      if (begun.Error().Code() == errors::kNotFound) continue;
      return begun.Error();
    }
    Mutation& m = begun.Value();
    MutableState& state = m.run.state;
    if (!IsRunning(state) || state.first_execution_run_id() != child.run_id()) continue;
    if (child.parent_close_policy() == enums::PARENT_CLOSE_POLICY_TERMINATE) {
      TerminateRun(m, "by parent close policy", nullptr, kHistoryServiceIdentity);
    } else if (child.parent_close_policy() == enums::PARENT_CLOSE_POLICY_REQUEST_CANCEL) {
      if (state.cancel_requested()) continue;
      auto* requested = AppendOrBuffer(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                            ->mutable_workflow_execution_cancel_requested_event_attributes();
      requested->set_identity(kHistoryServiceIdentity);
      requested->mutable_external_workflow_execution()->set_workflow_id(task.workflow_id());
      requested->mutable_external_workflow_execution()->set_run_id(task.run_id());
      state.set_cancel_requested(true);
      EnsureWorkflowTask(m);
    } else {
      continue;
    }
    auto committed = Commit(m);
    if (committed.IsFailure()) return committed;
  }
  DropTasks({task_id}, {});
  return hugo::Ok();
}

}  // namespace hdo::history
