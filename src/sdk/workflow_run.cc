#include "workflow_run.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "hdo/failure.h"
#include "proto_util.h"
#include "temporal/api/update/v1/message.pb.h"

namespace hdo::internal {
namespace {

namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;
using google::protobuf::util::TimeUtil;

constexpr size_t kSchedulerStepsMax = 1'000'000;
constexpr int kActivationLoopsMax = 100'000;

std::chrono::system_clock::time_point ToTime(const google::protobuf::Timestamp& t) {
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(TimeUtil::TimestampToMilliseconds(t)));
}

hugo::Error NonDeterminism(std::string message) {
  return hugo::Error::From(std::move(message), std::string(WorkflowErrorCodes::kNonDeterminism));
}

std::string EventName(EventType type) {
  std::string name = enums::EventType_Name(type);
  if (name.rfind("EVENT_TYPE_", 0) == 0) name = name.substr(11);
  return name;
}

std::string EventKey(const HistoryEvent& e) {
  switch (e.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      return e.activity_task_scheduled_event_attributes().activity_id();
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
      return std::to_string(
          e.activity_task_cancel_requested_event_attributes().scheduled_event_id());
    case enums::EVENT_TYPE_TIMER_STARTED:
      return e.timer_started_event_attributes().timer_id();
    case enums::EVENT_TYPE_TIMER_CANCELED:
      return e.timer_canceled_event_attributes().timer_id();
    case enums::EVENT_TYPE_MARKER_RECORDED: {
      const auto& m = e.marker_recorded_event_attributes();
      std::string key;
      if (m.marker_name() == kLocalActivityMarker) {
        auto it = m.details().find("activity_id");
        if (it != m.details().end() && it->second.payloads_size() > 0) {
          key = FromPayload<std::string>(it->second.payloads(0)).ValueOr("");
        }
      } else {
        auto it = m.details().find("key");
        if (it != m.details().end() && it->second.payloads_size() > 0) {
          key = FromPayload<std::string>(it->second.payloads(0)).ValueOr("");
        }
      }
      return m.marker_name() + ":" + key;
    }
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      return e.start_child_workflow_execution_initiated_event_attributes().workflow_id();
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: {
      const auto& a = e.signal_external_workflow_execution_initiated_event_attributes();
      return a.workflow_execution().workflow_id() + ":" + a.signal_name();
    }
    case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      return e.request_cancel_external_workflow_execution_initiated_event_attributes()
          .workflow_execution()
          .workflow_id();
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      return e.workflow_execution_update_accepted_event_attributes().protocol_instance_id();
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
      return e.workflow_execution_update_completed_event_attributes().meta().update_id();
    default:
      return "";
  }
}

std::string EventDetail(const HistoryEvent& e) {
  std::string detail;
  switch (e.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      detail =
          "activity type " + e.activity_task_scheduled_event_attributes().activity_type().name();
      break;
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      detail = "workflow type " +
               e.start_child_workflow_execution_initiated_event_attributes().workflow_type().name();
      break;
    default:
      break;
  }
  std::string key = EventKey(e);
  std::string text = "event " + std::to_string(e.event_id()) + " " + EventName(e.event_type());
  if (!key.empty()) text += " (" + key + (detail.empty() ? "" : ", " + detail) + ")";
  return text;
}

// The activity type / workflow type a command names, compared with its event's.
std::string CommandTypeName(const command::Command& c) {
  if (c.has_schedule_activity_task_command_attributes()) {
    return c.schedule_activity_task_command_attributes().activity_type().name();
  }
  if (c.has_start_child_workflow_execution_command_attributes()) {
    return c.start_child_workflow_execution_command_attributes().workflow_type().name();
  }
  return "";
}
std::string EventTypeName(const HistoryEvent& e) {
  if (e.has_activity_task_scheduled_event_attributes()) {
    return e.activity_task_scheduled_event_attributes().activity_type().name();
  }
  if (e.has_start_child_workflow_execution_initiated_event_attributes()) {
    return e.start_child_workflow_execution_initiated_event_attributes().workflow_type().name();
  }
  return "";
}

Payloads OnePayload(const Payload& payload) {
  Payloads payloads;
  *payloads.add_payloads() = payload;
  return payloads;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Scheduler, scopes, commands.

bool Scheduler::RunUntilIdle() {
  size_t steps = 0;
  while (!ready_.empty()) {
    if (++steps > kSchedulerStepsMax) return false;
    std::coroutine_handle<> next = ready_.front();
    ready_.pop_front();
    next.resume();
  }
  return true;
}

void ScheduleResume(Scheduler* scheduler, std::coroutine_handle<> handle) {
  scheduler->Schedule(handle);
}

Waitable::WakerId Waitable::AddWaker(std::function<void()> waker) {
  wakers_.emplace_back(next_id_, std::move(waker));
  return next_id_++;
}
void Waitable::RemoveWaker(WakerId id) {
  for (auto it = wakers_.begin(); it != wakers_.end(); ++it) {
    if (it->first == id) {
      wakers_.erase(it);
      return;
    }
  }
}
void Waitable::Wake() {
  auto wakers = std::move(wakers_);
  wakers_.clear();
  for (auto& [id, waker] : wakers) waker();
}

void Scope::Cancel() {
  if (canceled) return;
  canceled = true;
  auto handlers = std::move(on_cancel);
  on_cancel.clear();
  for (auto& [id, handler] : handlers) handler();
  for (auto& weak : children) {
    if (auto child = weak.lock()) child->Cancel();
  }
  done->Resolve(hugo::Unit{});
}

std::shared_ptr<Scope> Scope::NewChild(const std::shared_ptr<Scope>& self) {
  auto child = std::make_shared<Scope>();
  if (self->canceled) {
    child->canceled = true;
    child->done->Resolve(hugo::Unit{});
  } else {
    self->children.push_back(child);
  }
  return child;
}

std::string Command::Describe() const {
  std::string name = enums::CommandType_Name(proto.command_type());
  if (name.rfind("COMMAND_TYPE_", 0) == 0) name = name.substr(13);
  std::string type = CommandTypeName(proto);
  std::string text = name;
  if (!key.empty() || !type.empty()) {
    text += " (" + key +
            (type.empty() ? "" : (key.empty() ? "" : ", ") + std::string("type ") + type) + ")";
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// State of the operations history resolves.

// The effect and version records of hugo's DeterministicEffectStore / VersionGate, kept as
// markers: records seen in history (look-ahead of the activation) are returned by TryGet, and the
// first TryGet of a look-ahead record re-issues its marker command (it is matched against the
// recorded event); a new record is added as a marker command.
class WorkflowRun::MarkerStore final : public hugo::DeterministicStateStore {
 public:
  explicit MarkerStore(WorkflowRun* run) : run_(run) {}

  void AddFromHistory(const std::string& key, hugo::DeterministicRecord record) {
    if (records_.count(key) == 0) records_[key] = Entry{std::move(record), false};
  }
  bool Contains(const std::string& key) const { return records_.count(key) > 0; }

  hugo::Result<std::optional<hugo::DeterministicRecord>> TryGet(std::string_view key) override {
    auto it = records_.find(std::string(key));
    if (it == records_.end()) {
      return hugo::Result<std::optional<hugo::DeterministicRecord>>::Ok(std::nullopt);
    }
    Claim(it->first, it->second);
    return hugo::Result<std::optional<hugo::DeterministicRecord>>::Ok(it->second.record);
  }
  hugo::Result<hugo::Unit> Set(std::string_view key,
                               const hugo::DeterministicRecord& record) override {
    records_[std::string(key)] = Entry{record, true};
    run_->RecordMarker(record.kind, std::string(key), record);
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  }
  hugo::Result<bool> TryAdd(std::string_view key,
                            const hugo::DeterministicRecord& record) override {
    if (records_.count(std::string(key)) > 0) return hugo::Result<bool>::Ok(false);
    records_[std::string(key)] = Entry{record, true};
    run_->RecordMarker(record.kind, std::string(key), record);
    return hugo::Result<bool>::Ok(true);
  }

 private:
  struct Entry {
    hugo::DeterministicRecord record;
    bool emitted = false;
  };
  void Claim(const std::string& key, Entry& entry) {
    if (entry.emitted) return;
    entry.emitted = true;
    run_->RecordMarker(entry.record.kind, key, entry.record);
  }
  WorkflowRun* run_;
  std::map<std::string, Entry> records_;
};

namespace {
// A clock that reads workflow time (recorded_at of effect and version records).
class WorkflowClock final : public hugo::Clock {
 public:
  explicit WorkflowClock(const std::chrono::system_clock::time_point* now) : now_(now) {}
  TimePoint Now() const override { return TimePoint(now_->time_since_epoch()); }
  WallTime UtcNow() const override { return *now_; }
  TimerId Schedule(TimePoint, std::function<void()>) override { return 0; }
  bool Cancel(TimerId) override { return false; }

 private:
  const std::chrono::system_clock::time_point* now_;
};

nlohmann::json RecordJson(const hugo::DeterministicRecord& record) {
  return {{"kind", record.kind},
          {"version", record.version},
          {"payload", record.payload},
          {"recordedAt", std::chrono::duration_cast<std::chrono::milliseconds>(
                             record.recorded_at.time_since_epoch())
                             .count()}};
}
std::optional<hugo::DeterministicRecord> RecordFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("kind")) return std::nullopt;
  hugo::DeterministicRecord record;
  record.kind = j.value("kind", "");
  record.version = j.value("version", 0);
  record.payload = j.value("payload", "");
  record.recorded_at = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(j.value("recordedAt", int64_t{0})));
  return record;
}
}  // namespace

// ---------------------------------------------------------------------------------------------

WorkflowRun::WorkflowRun(const WorkflowRegistry* registry, LocalActivityRunner local_activities,
                         WorkflowRunOptions options)
    : registry_(registry),
      local_activities_(std::move(local_activities)),
      options_(std::move(options)),
      marker_store_(std::make_shared<MarkerStore>(this)) {
  auto clock = std::make_shared<WorkflowClock>(&now_);
  effects_ = std::make_unique<hugo::DeterministicEffectStore>(marker_store_, clock);
  versions_ = std::make_unique<hugo::VersionGate>(marker_store_, clock);
  if (!options_.interceptors.empty()) BuildChains();
}

WorkflowRun::~WorkflowRun() {
  // Coroutine frames first: their locals reference the states below.
  spawned_.clear();
  root_.reset();
  kept_frames_.clear();
  // A command's callback holds its operation's state, which holds the command.
  for (auto& command : pending_) command->on_recorded = nullptr;
  for (auto& command : sent_) command->on_recorded = nullptr;
  // Attempts still running are told to stop: nobody will read their outcome.
  for (auto& [id, state] : local_running_) state->cancel.request_stop();
}

hugo::Result<hugo::Unit> WorkflowRun::AppendEvents(
    const google::protobuf::RepeatedPtrField<HistoryEvent>& events) {
  return Append(events);
}

hugo::Result<hugo::Unit> WorkflowRun::AppendEvents(
    google::protobuf::RepeatedPtrField<HistoryEvent>&& events) {
  return Append(events);
}

// Events const: copied; mutable: moved (a message moved between two heap messages swaps).
template <class Events>
hugo::Result<hugo::Unit> WorkflowRun::Append(Events& events) {
  for (auto& event : events) {
    if (event.event_id() < next_event_id_) continue;  // already held (a re-sent page)
    if (event.event_id() != next_event_id_) {
      return hugo::Error::From("history event " + std::to_string(event.event_id()) +
                                   " does not follow event " + std::to_string(next_event_id_ - 1) +
                                   " held for run " + info_.run_id,
                               std::string(hugo::ErrorCodes::kValidation));
    }
    events_.push_back(std::move(event));
    ++next_event_id_;
  }
  if (!events_.empty() && info_.run_id.empty()) {
    const HistoryEvent& first = events_.front();
    if (first.event_type() != enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
      return hugo::Error::From("history does not begin with WorkflowExecutionStarted",
                               std::string(hugo::ErrorCodes::kValidation));
    }
    const auto& a = first.workflow_execution_started_event_attributes();
    info_.namespace_name = options_.namespace_name;
    info_.run_id = a.original_execution_run_id();
    info_.first_execution_run_id = a.first_execution_run_id();
    info_.continued_execution_run_id = a.continued_execution_run_id();
    info_.workflow_type = a.workflow_type().name();
    info_.task_queue = a.task_queue().name();
    info_.attempt = a.attempt() > 0 ? a.attempt() : 1;
    info_.cron_schedule = a.cron_schedule();
    info_.execution_timeout = FromProtoDuration(a.workflow_execution_timeout());
    info_.run_timeout = FromProtoDuration(a.workflow_run_timeout());
    info_.task_timeout = FromProtoDuration(a.workflow_task_timeout());
    info_.start_time = ToTime(first.event_time());
    if (a.has_parent_workflow_execution()) {
      info_.parent = WorkflowExecution{a.parent_workflow_execution().workflow_id(),
                                       a.parent_workflow_execution().run_id()};
    }
    for (const auto& [k, v] : a.memo().fields()) info_.memo[k] = v;
    for (const auto& [k, v] : a.search_attributes().indexed_fields())
      info_.search_attributes[k] = v;
    input_ = a.input();
    info_.header = HeaderToFields(a.header());
    info_.last_completion_result = a.last_completion_result();
    if (a.has_continued_failure()) info_.last_failure = FailureToError(a.continued_failure());
    if (!a.workflow_id().empty()) info_.workflow_id = a.workflow_id();
    now_ = info_.start_time;
  }
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

void WorkflowRun::SetWorkflowId(std::string workflow_id) {
  info_.workflow_id = std::move(workflow_id);
  if (execution_context_) return;
  hugo::WorkflowIdentity identity{info_.namespace_name, info_.workflow_id, info_.run_id,
                                  info_.task_queue,     std::nullopt,      std::nullopt};
  auto created = hugo::WorkflowExecutionContext::Create(identity);
  if (created.IsSuccess()) execution_context_ = std::move(created).Value();
}

void WorkflowRun::AddMessages(
    const google::protobuf::RepeatedPtrField<temporal::api::protocol::v1::Message>& messages) {
  for (const auto& m : messages) incoming_messages_.push_back(m);
}

void WorkflowRun::Fail(hugo::Error error) {
  if (!failure_) failure_ = std::move(error);
}

bool WorkflowRun::IsCommandEvent(EventType type) const {
  switch (type) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
    case enums::EVENT_TYPE_TIMER_STARTED:
    case enums::EVENT_TYPE_TIMER_CANCELED:
    case enums::EVENT_TYPE_MARKER_RECORDED:
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
    case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
    case enums::EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
    case enums::EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The activation loop.

hugo::Result<hugo::Unit> WorkflowRun::Advance(bool live) {
  while (cursor_ < events_.size() && !failure_) {
    const HistoryEvent& event = events_[cursor_];
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      bool last = cursor_ + 1 == events_.size();
      if (last) {
        ++cursor_;
        RunActivation({cursor_ - 1, !live});
        break;
      }
      EventType next = events_[cursor_ + 1].event_type();
      if (next == enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        RunActivation({cursor_, true});
      }
      ++cursor_;
      continue;
    }
    ApplyEvent(event);
    ++cursor_;
  }
  if (failure_) return *failure_;
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

void WorkflowRun::RunActivation(const Activation& activation) {
  const HistoryEvent& started = events_[activation.started_index];
  replaying_ = activation.replaying;
  now_ = ToTime(started.event_time());
  info_.history_length = started.event_id();
  info_.history_size_bytes = started.workflow_task_started_event_attributes().history_size_bytes();
  info_.continue_as_new_suggested =
      started.workflow_task_started_event_attributes().suggest_continue_as_new();
  heartbeat_needed_ = false;
  abandoned_ = false;
  if (!replaying_) {
    // The Go SDK's rule: a task waiting for local activities heartbeats at 80 % of its timeout,
    // counted here from when the server started it (the task may have waited in the worker or
    // fetched its history since), by at most half the timeout should the clocks disagree.
    const std::chrono::milliseconds timeout = TaskTimeout();
    auto age = std::clamp<std::chrono::system_clock::duration>(
        std::chrono::system_clock::now() - now_, std::chrono::system_clock::duration::zero(),
        timeout / 2);
    heartbeat_at_ = std::chrono::steady_clock::now() + timeout * 8 / 10 - age;
  }
  for (const auto& command : sent_) {
    if (!command->dropped) {
      Fail(NonDeterminism("the workflow produced " + command->Describe() +
                          " but history has no event for it before " + EventDetail(started)));
      return;
    }
  }
  sent_.clear();
  size_t completed_index = activation.started_index + 1;
  if (completed_index < events_.size() &&
      events_[completed_index].event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
    ReadLookAhead(completed_index);
  }
  if (!started_) StartRoot();
  if (failure_) return;
  activation_loops_ = 0;
  updates_delivered_ = false;
  ContinueActivation();
}

void WorkflowRun::ContinueActivation() {
  waiting_ = false;
  // Updates are delivered once the code has run up to its first wait, so that handlers the
  // workflow registers at its start (or in reaction to this activation's events) are there;
  // replay delivers accepted updates at the same point. A loop taken up again after a stop for
  // waiting_ finds the code idle and the conditions as they were, and reaches the local
  // activities' wait again.
  for (; activation_loops_ < kActivationLoopsMax && !failure_; ++activation_loops_) {
    if (!scheduler_.RunUntilIdle()) {
      Fail(hugo::Error::From("workflow code ran " + std::to_string(kSchedulerStepsMax) +
                                 " steps without waiting on anything",
                             "hdo.workflow.busy"));
      return;
    }
    CheckRootDone();
    if (closed_) break;
    if (!updates_delivered_) {
      updates_delivered_ = true;
      if (DeliverUpdates()) continue;
    }
    if (CheckConditions()) continue;
    if (ResolveLocalActivities()) continue;
    if (waiting_) return;  // Resume goes on from here
    break;
  }
  FinishActivation();
}

hugo::Result<hugo::Unit> WorkflowRun::Resume() {
  may_wait_ = true;
  if (waiting_) ContinueActivation();
  if (failure_) return *failure_;
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

void WorkflowRun::ReadLookAhead(size_t completed_index) {
  for (size_t i = completed_index + 1; i < events_.size(); ++i) {
    const HistoryEvent& e = events_[i];
    if (!IsCommandEvent(e.event_type())) break;
    if (e.event_type() == enums::EVENT_TYPE_MARKER_RECORDED) {
      const auto& m = e.marker_recorded_event_attributes();
      if (m.marker_name() == kLocalActivityMarker) {
        std::string key = EventKey(e);
        local_markers_.emplace_back(key.substr(kLocalActivityMarker.size() + 1), e);
        continue;
      }
      auto key_it = m.details().find("key");
      auto record_it = m.details().find("record");
      if (key_it == m.details().end() || record_it == m.details().end() ||
          key_it->second.payloads_size() == 0 || record_it->second.payloads_size() == 0) {
        continue;
      }
      auto key = FromPayload<std::string>(key_it->second.payloads(0));
      auto json = FromPayload<nlohmann::json>(record_it->second.payloads(0));
      if (key.IsFailure() || json.IsFailure()) continue;
      if (auto record = RecordFromJson(json.Value())) {
        marker_store_->AddFromHistory(key.Value(), *record);
      }
    } else if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) {
      replay_updates_.push_back(
          e.workflow_execution_update_accepted_event_attributes().accepted_request());
    }
  }
}

void WorkflowRun::StartRoot() {
  started_ = true;
  // The workflow.* metrics count a run once: where it first runs live, not on each replay.
  if (execution_context_ && !replaying_) execution_context_->MarkStarted();
  const WorkflowRegistry::Factory* factory = registry_->Find(info_.workflow_type);
  if (factory == nullptr) {
    std::string names;
    for (const auto& name : registry_->Names()) names += (names.empty() ? "" : ", ") + name;
    Fail(hugo::Error::From("unable to find workflow type " + info_.workflow_type +
                               "; registered types: [" + names + "]",
                           "hdo.workflow.unknown_type"));
    return;
  }
  if (!options_.context_propagators.empty()) {  // without propagators the context has no values
    hugo::Result<HeaderFields> values =
        ExtractToWorkflow(options_.context_propagators, info_.header, HeaderFields{});
    if (values.IsFailure()) {
      Fail(values.Error());
      return;
    }
    root_values_ = std::make_shared<const HeaderFields>(std::move(values).Value());
  }
  hugo::Result<Workflow<Payloads>> root =
      chains_ ? chains_->workflow(RootContext(), input_) : (*factory)(RootContext(), input_);
  if (root.IsFailure()) {
    Fail(root.Error());
    return;
  }
  root_.emplace(std::move(root).Value());
  scheduler_.Schedule(root_->handle());
}

WorkflowContext WorkflowRun::RootContext() {
  return WorkflowContext(this, root_scope_, root_values_);
}

bool WorkflowRun::CheckConditions() {
  bool progressed = false;
  for (size_t i = 0; i < conditions_.size();) {
    auto& [waiter, condition] = conditions_[i];
    if (waiter->value) {
      conditions_.erase(conditions_.begin() + static_cast<long>(i));
      continue;
    }
    bool holds = false;
    try {
      holds = condition();
    } catch (...) {
      Fail(hugo::Error::FromException(std::current_exception(), "hdo.workflow.exception"));
      return false;
    }
    if (holds) {
      waiter->Resolve(true);
      conditions_.erase(conditions_.begin() + static_cast<long>(i));
      progressed = true;
      continue;
    }
    ++i;
  }
  return progressed;
}

void WorkflowRun::CheckRootDone() {
  if (closed_ || !root_ || !root_->done()) return;
  auto& promise = root_->handle().promise();
  if (promise.exception) {
    Fail(hugo::Error::FromException(promise.exception, "hdo.workflow.exception"));
    return;
  }
  hugo::Result<Payloads> outcome = std::move(*promise.result);
  closed_ = true;
  if (outcome.IsSuccess() || outcome.Error().HasCode(WorkflowErrorCodes::kContinueAsNew)) {
    WarnOfRunningUpdates();
  }
  command::Command c;
  if (outcome.IsSuccess()) {
    c.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
    *c.mutable_complete_workflow_execution_command_attributes()->mutable_result() = outcome.Value();
    AddCommand(std::move(c), enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, "");
    if (execution_context_ && !replaying_)
      (void)execution_context_->Complete(hugo::WorkflowStatus::kCompleted);
    return;
  }
  const hugo::Error& error = outcome.Error();
  if (error.HasCode(WorkflowErrorCodes::kContinueAsNew)) {
    c.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
    auto* a = c.mutable_continue_as_new_workflow_execution_command_attributes();
    a->mutable_workflow_type()->set_name(
        error.TryGetMetadata<std::string>("workflow_type").value_or(info_.workflow_type));
    a->mutable_task_queue()->set_name(
        error.TryGetMetadata<std::string>("task_queue").value_or(info_.task_queue));
    a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    Payloads input;
    input.ParseFromString(
        hugo::Base64Decode(error.TryGetMetadata<std::string>("input").value_or("")).value_or(""));
    *a->mutable_input() = input;
    std::optional<std::string> header = error.TryGetMetadata<std::string>("header");
    if (header) a->mutable_header()->ParseFromString(hugo::Base64Decode(*header).value_or(""));
    int64_t run_timeout = error.TryGetMetadata<int64_t>("run_timeout_ms").value_or(0);
    if (run_timeout > 0)
      *a->mutable_workflow_run_timeout() = ToProtoDuration(std::chrono::milliseconds(run_timeout));
    int64_t task_timeout = error.TryGetMetadata<int64_t>("task_timeout_ms").value_or(0);
    if (task_timeout > 0)
      *a->mutable_workflow_task_timeout() =
          ToProtoDuration(std::chrono::milliseconds(task_timeout));
    AddCommand(std::move(c), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, "");
    if (execution_context_ && !replaying_)
      (void)execution_context_->Complete(hugo::WorkflowStatus::kCompleted);
    return;
  }
  if (error.HasCode(hugo::ErrorCodes::kCanceled) && cancel_requested_) {
    c.set_command_type(enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION);
    c.mutable_cancel_workflow_execution_command_attributes();
    AddCommand(std::move(c), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, "");
    if (execution_context_ && !replaying_)
      (void)execution_context_->Complete(hugo::WorkflowStatus::kCanceled);
    return;
  }
  c.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
  *c.mutable_fail_workflow_execution_command_attributes()->mutable_failure() =
      ErrorToFailure(error);
  AddCommand(std::move(c), enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, "");
  if (execution_context_ && !replaying_)
    (void)execution_context_->Complete(hugo::WorkflowStatus::kFailed, error);
}

void WorkflowRun::WarnOfRunningUpdates() const {
  if (running_updates_.empty() || replaying_) return;
  std::string updates;
  for (const auto& [id, name] : running_updates_) {
    auto handler = update_handlers_.find(name);
    if (handler != update_handlers_.end() &&
        handler->second.options.unfinished_policy == HandlerUnfinishedPolicy::kAbandon) {
      continue;
    }
    updates += (updates.empty() ? "" : ", ") + name + " (id " + id + ")";
  }
  if (updates.empty()) return;
  std::cerr << "level=warn workflow_id=" << info_.workflow_id << " run_id=" << info_.run_id
            << " msg=\"the workflow finished while update handlers were still running: " << updates
            << "; their callers get an error instead of the update's result. Wait for them with "
               "co_await ctx.AwaitAllHandlersFinished() before returning\"\n";
}

void WorkflowRun::FinishActivation() {
  if (failure_) return;
  reply_commands_.clear();
  reply_messages_ = std::move(outgoing_messages_);
  outgoing_messages_.clear();
  for (auto& command : pending_) {
    if (command->dropped) {
      command->on_recorded = nullptr;
      continue;
    }
    reply_commands_.push_back(command->proto);
    sent_.push_back(command);
  }
  pending_.clear();
  local_markers_.clear();
  local_marker_next_ = 0;
  replay_updates_.clear();
}

std::vector<command::Command> WorkflowRun::TakeCommands() { return std::move(reply_commands_); }
std::vector<temporal::api::protocol::v1::Message> WorkflowRun::TakeMessages() {
  return std::move(reply_messages_);
}

hugo::Result<hugo::Unit> WorkflowRun::CheckFullyMatched() const {
  if (failure_) return *failure_;
  for (const auto& command : sent_) {
    if (!command->dropped) {
      return NonDeterminism("the workflow produced " + command->Describe() +
                            " but history ends without an event for it");
    }
  }
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

std::shared_ptr<Command> WorkflowRun::AddCommand(command::Command proto, EventType event_type,
                                                 std::string key) {
  auto command = std::make_shared<Command>();
  command->proto = std::move(proto);
  command->event_type = event_type;
  command->key = std::move(key);
  pending_.push_back(command);
  return command;
}

// ---------------------------------------------------------------------------------------------
// Events.

void WorkflowRun::ApplyEvent(const HistoryEvent& event) {
  if (execution_context_) execution_context_->Tick();
  if (IsCommandEvent(event.event_type())) {
    MatchCommand(event);
    return;
  }
  switch (event.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
    case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED:
    case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      ApplyActivityEvent(event);
      break;
    case enums::EVENT_TYPE_TIMER_FIRED: {
      auto it = timers_.find(event.timer_fired_event_attributes().timer_id());
      if (it != timers_.end()) {
        it->second->future->Resolve(hugo::Result<hugo::Unit>::Ok(hugo::Unit{}));
        timers_.erase(it);
      }
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      ApplySignal(event);
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
      ApplyCancelRequest();
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
      ApplyChildEvent(event);
      break;
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
    case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
      ApplyExternalEvent(event);
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED: {
      // Delivered at the next activation when it runs live; on replay the accepted event's
      // look-ahead delivers it.
      temporal::api::protocol::v1::Message m;
      m.set_id(
          event.workflow_execution_update_admitted_event_attributes().request().meta().update_id() +
          "/request");
      m.set_protocol_instance_id(
          event.workflow_execution_update_admitted_event_attributes().request().meta().update_id());
      m.set_event_id(event.event_id());
      m.mutable_body()->PackFrom(
          event.workflow_execution_update_admitted_event_attributes().request());
      admitted_updates_.push_back(std::move(m));
      break;
    }
    default:
      break;
  }
}

void WorkflowRun::MatchCommand(const HistoryEvent& event) {
  while (!sent_.empty() && sent_.front()->dropped) sent_.pop_front();
  bool is_version_marker =
      event.event_type() == enums::EVENT_TYPE_MARKER_RECORDED &&
      event.marker_recorded_event_attributes().marker_name() == hugo::kVersionRecordKind;
  if (sent_.empty()) {
    if (is_version_marker) return;  // GetVersion removed from the code: allowed
    Fail(NonDeterminism("history has " + EventDetail(event) +
                        " but the workflow produced no command for it"));
    return;
  }
  std::shared_ptr<Command> command = sent_.front();
  std::string event_key = EventKey(event);
  std::string command_key = command->key;
  bool same = command->event_type == event.event_type() && command_key == event_key &&
              CommandTypeName(command->proto) == EventTypeName(event);
  if (!same) {
    if (is_version_marker) return;
    Fail(NonDeterminism("history has " + EventDetail(event) + " but the workflow produced " +
                        command->Describe()));
    return;
  }
  sent_.pop_front();
  if (command->on_recorded) command->on_recorded(event);
  command->on_recorded = nullptr;
}

void WorkflowRun::ApplyActivityEvent(const HistoryEvent& event) {
  int64_t scheduled_event_id = 0;
  hugo::Result<Payloads> outcome = hugo::Error::Canceled();
  switch (event.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      scheduled_event_id = event.activity_task_completed_event_attributes().scheduled_event_id();
      outcome =
          hugo::Result<Payloads>::Ok(event.activity_task_completed_event_attributes().result());
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED: {
      const auto& a = event.activity_task_failed_event_attributes();
      scheduled_event_id = a.scheduled_event_id();
      outcome = ActivityError(a.failure(), a.retry_state());
      break;
    }
    case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
      const auto& a = event.activity_task_timed_out_event_attributes();
      scheduled_event_id = a.scheduled_event_id();
      outcome = ActivityError(a.failure(), a.retry_state());
      break;
    }
    default:
      scheduled_event_id = event.activity_task_canceled_event_attributes().scheduled_event_id();
      break;
  }
  auto it = activities_.find(scheduled_event_id);
  if (it == activities_.end()) return;
  std::shared_ptr<ActivityState> state = it->second;
  activities_.erase(it);
  if (outcome.IsFailure() && !outcome.Error().HasCode(hugo::ErrorCodes::kCanceled)) {
    outcome = outcome.Error()
                  .WithMetadata("activity_type", state->activity_type)
                  .WithMetadata("activity_id", state->activity_id);
  }
  state->future->Resolve(std::move(outcome));
}

hugo::Error WorkflowRun::ActivityError(const temporal::api::failure::v1::Failure& failure,
                                       enums::RetryState retry_state) {
  hugo::Error cause = FailureToError(failure);
  return hugo::Error::From("activity error", std::string(FailureCodes::kActivity))
      .WithMetadata("retry_state", enums::RetryState_Name(retry_state))
      .WithCause(cause);
}

void WorkflowRun::ApplySignal(const HistoryEvent& event) {
  const auto& a = event.workflow_execution_signaled_event_attributes();
  if (!chains_) {
    std::shared_ptr<SignalChannelState> state = SignalState(a.signal_name());
    state->items.push_back(a.input());
    state->Wake();
    return;
  }
  chains_->signal(RootContext(),
                  SignalInput{a.signal_name(), a.input(), HeaderToFields(a.header())});
}

void WorkflowRun::DeliverSignal(const SignalInput& input) {
  std::shared_ptr<SignalChannelState> state = SignalState(input.signal_name);
  state->items.push_back(input.input);
  state->Wake();
}

void WorkflowRun::BuildChains() {
  using I = WorkerInterceptor;
  const WorkerInterceptors& list = options_.interceptors;
  chains_ = std::make_unique<Chains>();
  chains_->signal = InterceptorChain<I::SignalNext>(
      list, &I::HandleSignal,
      [this](WorkflowContext, const SignalInput& input) { DeliverSignal(input); });
  chains_->query = InterceptorChain<I::QueryNext>(
      list, &I::HandleQuery,
      [this](WorkflowContext, const QueryInput& input) { return AnswerQuery(input); });
  chains_->validate_update = InterceptorChain<I::ValidateUpdateNext>(
      list, &I::ValidateUpdate,
      [this](WorkflowContext, const UpdateInput& input) { return RunUpdateValidator(input); });
  chains_->execute_update = InterceptorChain<I::ExecuteUpdateNext>(
      list, &I::ExecuteUpdate, [this](WorkflowContext ctx, const UpdateInput& input) {
        return RunUpdateHandler(ctx, input);
      });
  chains_->workflow = InterceptorChain<I::WorkflowNext>(
      list, &I::ExecuteWorkflow,
      [this](WorkflowContext ctx, const Payloads& input) -> hugo::Result<Workflow<Payloads>> {
        const WorkflowRegistry::Factory* factory = registry_->Find(info_.workflow_type);
        if (factory == nullptr) {
          return hugo::Error::From("unable to find workflow type " + info_.workflow_type,
                                   "hdo.workflow.unknown_type");
        }
        return (*factory)(ctx, input);
      });
  chains_->schedule_activity = InterceptorChain<I::ScheduleActivityNext>(
      list, &I::ScheduleActivity, [this](WorkflowContext ctx, const ActivityCall& call) {
        return ScheduleActivity(ctx.scope(), call.activity_type, call.options, call.input,
                                FieldsToHeader(call.header));
      });
  chains_->schedule_local_activity = InterceptorChain<I::ScheduleLocalActivityNext>(
      list, &I::ScheduleLocalActivity, [this](WorkflowContext ctx, const LocalActivityCall& call) {
        return ScheduleLocalActivity(ctx.scope(), call.activity_type, call.options, call.input,
                                     FieldsToHeader(call.header));
      });
  chains_->start_child = InterceptorChain<I::StartChildWorkflowNext>(
      list, &I::StartChildWorkflow, [this](WorkflowContext ctx, const ChildWorkflowCall& call) {
        return StartChild(ctx.scope(), call.workflow_type, call.options, call.input,
                          FieldsToHeader(call.header));
      });
  chains_->signal_external = InterceptorChain<I::SignalExternalNext>(
      list, &I::SignalExternalWorkflow,
      [this](WorkflowContext ctx, const SignalExternalCall& call) {
        return SignalExternal(ctx.scope(), call.workflow_id, call.run_id, call.signal_name,
                              call.input, false, FieldsToHeader(call.header));
      });
  chains_->cancel_external = InterceptorChain<I::CancelExternalNext>(
      list, &I::RequestCancelExternalWorkflow,
      [this](WorkflowContext, const CancelExternalCall& call) {
        return CancelExternal(call.workflow_id, call.run_id, false);
      });
  chains_->continue_as_new = InterceptorChain<I::ContinueAsNewNext>(
      list, &I::ContinueAsNew,
      [](WorkflowContext, const ContinueAsNewCall& call) { return ContinueAsNewError(call); });
  chains_->start_timer = InterceptorChain<I::StartTimerNext>(
      list, &I::StartTimer, [this](WorkflowContext ctx, std::chrono::milliseconds duration) {
        return StartTimer(ctx.scope(), duration);
      });
}

std::shared_ptr<SignalChannelState> WorkflowRun::SignalState(const std::string& name) {
  auto& state = signals_[name];
  if (!state) state = std::make_shared<SignalChannelState>();
  return state;
}

void WorkflowRun::ApplyCancelRequest() {
  cancel_requested_ = true;
  root_scope_->Cancel();
}

void WorkflowRun::ApplyChildEvent(const HistoryEvent& event) {
  int64_t initiated = 0;
  std::optional<hugo::Result<Payloads>> result;
  switch (event.event_type()) {
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
      const auto& a = event.child_workflow_execution_started_event_attributes();
      auto it = children_.find(a.initiated_event_id());
      if (it != children_.end()) {
        it->second->started->Resolve(hugo::Result<WorkflowExecution>::Ok(WorkflowExecution{
            a.workflow_execution().workflow_id(), a.workflow_execution().run_id()}));
      }
      return;
    }
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: {
      const auto& a = event.start_child_workflow_execution_failed_event_attributes();
      initiated = a.initiated_event_id();
      hugo::Error error = hugo::Error::From(
          "the child workflow " + a.workflow_id() +
              " could not start: " + enums::StartChildWorkflowExecutionFailedCause_Name(a.cause()),
          "temporal.child_workflow.start_failed");
      auto it = children_.find(initiated);
      if (it != children_.end()) it->second->started->Resolve(error);
      result = error;
      break;
    }
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      initiated = event.child_workflow_execution_completed_event_attributes().initiated_event_id();
      result = hugo::Result<Payloads>::Ok(
          event.child_workflow_execution_completed_event_attributes().result());
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: {
      const auto& a = event.child_workflow_execution_failed_event_attributes();
      initiated = a.initiated_event_id();
      result = ChildError(a.workflow_execution(), FailureToError(a.failure()));
      break;
    }
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: {
      const auto& a = event.child_workflow_execution_canceled_event_attributes();
      initiated = a.initiated_event_id();
      result = ChildError(a.workflow_execution(), hugo::Error::Canceled("child workflow canceled"));
      break;
    }
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: {
      const auto& a = event.child_workflow_execution_timed_out_event_attributes();
      initiated = a.initiated_event_id();
      result = ChildError(a.workflow_execution(), hugo::Error::Timeout());
      break;
    }
    default: {
      const auto& a = event.child_workflow_execution_terminated_event_attributes();
      initiated = a.initiated_event_id();
      result = ChildError(a.workflow_execution(),
                          hugo::Error::From("terminated", std::string(FailureCodes::kTerminated)));
      break;
    }
  }
  auto it = children_.find(initiated);
  if (it == children_.end()) return;
  it->second->result->Resolve(std::move(*result));
  children_.erase(it);
}

hugo::Error WorkflowRun::ChildError(const temporal::api::common::v1::WorkflowExecution& execution,
                                    hugo::Error cause) {
  return hugo::Error::From("child workflow " + execution.workflow_id() + " did not complete",
                           std::string(FailureCodes::kChildWorkflow))
      .WithMetadata("workflow_id", execution.workflow_id())
      .WithMetadata("run_id", execution.run_id())
      .WithCause(std::move(cause));
}

void WorkflowRun::ApplyExternalEvent(const HistoryEvent& event) {
  int64_t initiated = 0;
  hugo::Result<hugo::Unit> outcome = hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  switch (event.event_type()) {
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
      initiated =
          event.external_workflow_execution_signaled_event_attributes().initiated_event_id();
      break;
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
      initiated = event.external_workflow_execution_cancel_requested_event_attributes()
                      .initiated_event_id();
      break;
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED: {
      const auto& a = event.signal_external_workflow_execution_failed_event_attributes();
      initiated = a.initiated_event_id();
      outcome = hugo::Error::From(
          "signal to " + a.workflow_execution().workflow_id() +
              " failed: " + enums::SignalExternalWorkflowExecutionFailedCause_Name(a.cause()),
          "temporal.external_workflow.not_found");
      break;
    }
    default: {
      const auto& a = event.request_cancel_external_workflow_execution_failed_event_attributes();
      initiated = a.initiated_event_id();
      outcome = hugo::Error::From(
          "cancel request to " + a.workflow_execution().workflow_id() +
              " failed: " + enums::CancelExternalWorkflowExecutionFailedCause_Name(a.cause()),
          "temporal.external_workflow.not_found");
      break;
    }
  }
  auto it = externals_.find(initiated);
  if (it == externals_.end()) return;
  it->second->future->Resolve(std::move(outcome));
  externals_.erase(it);
}

void WorkflowRun::RecordMarker(const std::string& name, const std::string& key,
                               const hugo::DeterministicRecord& record) {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_RECORD_MARKER);
  auto* a = c.mutable_record_marker_command_attributes();
  a->set_marker_name(name);
  (*a->mutable_details())["key"] = OnePayload(ToPayload(key).ValueOr(Payload()));
  (*a->mutable_details())["record"] = OnePayload(ToPayload(RecordJson(record)).ValueOr(Payload()));
  AddCommand(std::move(c), enums::EVENT_TYPE_MARKER_RECORDED, name + ":" + key);
}

bool WorkflowRun::HasRecord(const std::string& key) const { return marker_store_->Contains(key); }

}  // namespace hdo::internal
