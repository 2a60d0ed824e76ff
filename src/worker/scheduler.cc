#include "worker/scheduler.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <asio/post.hpp>
#include <nlohmann/json.hpp>

#include "common/error_codes.h"
#include "common/log.h"
#include "common/metrics.h"
#include "history/time_util.h"
#include "visibility/go_compat.h"
#include "visibility/query_memory.h"

namespace hdo::worker {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace sched = temporal::api::schedule::v1;
namespace enums = temporal::api::enums::v1;
namespace common = temporal::api::common::v1;
using history::TimestampFromMillis;
using history::ToMillis;
using persistence::v1::BufferedStart;
using persistence::v1::ScheduleState;

// reference: scheduler.WorkflowIDPrefix; the schedule's id must fit a workflow id with it.
constexpr char kWorkflowIdPrefix[] = "temporal-sys-scheduler:";
constexpr size_t kIdLengthMax = 1000;
// Internal search attributes and memo fields the reference's scheduler workflow carries and
// DescribeSchedule / ListSchedules leave out.
constexpr const char* kHiddenSearchAttributes[] = {
    "TemporalNamespaceDivision", "TemporalSchedulePaused", "TemporalScheduleInfoJSON",
    "BinaryChecksums", "BuildIds"};

// Prometheus (docs/architecture/metrics.md).
metrics::Counter& Actions(std::string_view result) {
  static metrics::Counter* started = metrics::DefaultRegistry().GetCounter(
      "hdo_scheduler_actions_total", "Schedules' actions: workflows started, or starts refused.",
      {{"result", "started"}});
  static metrics::Counter* failed = metrics::DefaultRegistry().GetCounter(
      "hdo_scheduler_actions_total", "Schedules' actions: workflows started, or starts refused.",
      {{"result", "failed"}});
  return result == "started" ? *started : *failed;
}

metrics::Counter& MissedCatchupWindow() {
  static metrics::Counter* counter = metrics::DefaultRegistry().GetCounter(
      "hdo_scheduler_missed_catchup_window_total",
      "Schedules' times not taken because they were older than the catch-up window.");
  return *counter;
}

metrics::Counter& BufferOverruns() {
  static metrics::Counter* counter = metrics::DefaultRegistry().GetCounter(
      "hdo_scheduler_buffer_overruns_total",
      "Schedules' actions dropped because the buffer (or the backfill queue) was full.");
  return *counter;
}

hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

// reference: the NotFound of the schedule's workflow ("temporal-sys-scheduler:<id>").
hugo::Error ScheduleNotFound(const std::string& schedule_id) {
  return hugo::Error::From(
      "workflow not found for ID: " + std::string(kWorkflowIdPrefix) + schedule_id,
      errors::kNotFound);
}

// The API's conflict token: the reference's 8 bytes, big-endian.
std::string TokenBytes(int64_t token) {
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i, token >>= 8)
    bytes[static_cast<size_t>(i)] = static_cast<char>(token);
  return bytes;
}

std::optional<int64_t> TokenValue(const std::string& bytes) {
  if (bytes.empty()) return int64_t{0};
  if (bytes.size() != 8) return std::nullopt;
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return static_cast<int64_t>(value);
}

common::Payload JsonPayload(const nlohmann::json& value, std::string_view type) {
  common::Payload payload;
  (*payload.mutable_metadata())["encoding"] = "json/plain";
  if (!type.empty()) (*payload.mutable_metadata())["type"] = std::string(type);
  payload.set_data(value.dump());
  return payload;
}

enums::ScheduleOverlapPolicy Resolve(const ScheduleState& state,
                                     enums::ScheduleOverlapPolicy policy) {
  if (policy == enums::SCHEDULE_OVERLAP_POLICY_UNSPECIFIED) {
    policy = state.schedule().policies().overlap_policy();
  }
  if (policy == enums::SCHEDULE_OVERLAP_POLICY_UNSPECIFIED) {
    policy = enums::SCHEDULE_OVERLAP_POLICY_SKIP;
  }
  return policy;
}

// reference: canTakeScheduledAction.
bool CanTakeScheduledAction(ScheduleState& state, bool manual, bool decrement) {
  if (manual) return true;
  sched::ScheduleState& s = *state.mutable_schedule()->mutable_state();
  if (s.paused()) return false;
  if (!s.limited_actions()) return true;
  if (s.remaining_actions() > 0) {
    if (decrement) {
      s.set_remaining_actions(s.remaining_actions() - 1);
      state.set_conflict_token(state.conflict_token() + 1);
    }
    return true;
  }
  return false;
}

// reference: CleanSpec, applied to what DescribeSchedule and ListSchedules return: every range
// spelled out (end at least start, step at least 1).
void CleanRanges(google::protobuf::RepeatedPtrField<sched::Range>* ranges) {
  for (sched::Range& range : *ranges) {
    if (range.end() < range.start()) range.set_end(range.start());
    if (range.step() == 0) range.set_step(1);
  }
}

void CleanCalendar(sched::StructuredCalendarSpec* calendar) {
  CleanRanges(calendar->mutable_second());
  CleanRanges(calendar->mutable_minute());
  CleanRanges(calendar->mutable_hour());
  CleanRanges(calendar->mutable_day_of_month());
  CleanRanges(calendar->mutable_month());
  CleanRanges(calendar->mutable_year());
  CleanRanges(calendar->mutable_day_of_week());
}

void CleanSpec(sched::ScheduleSpec* spec) {
  for (auto& calendar : *spec->mutable_structured_calendar()) CleanCalendar(&calendar);
  for (auto& calendar : *spec->mutable_exclude_structured_calendar()) CleanCalendar(&calendar);
}

common::SearchAttributes VisibleAttributes(const common::SearchAttributes& attributes) {
  common::SearchAttributes visible = attributes;
  for (const char* hidden : kHiddenSearchAttributes)
    visible.mutable_indexed_fields()->erase(hidden);
  return visible;
}

// reference: validateStartWorkflowArgsForSchedule (a schedule without an action is accepted).
hugo::Result<hugo::Unit> ValidateAction(const sched::ScheduleAction& action) {
  if (!action.has_start_workflow()) return hugo::Ok();
  const auto& start = action.start_workflow();
  // The id must leave room for the "-2009-11-10T23:00:00Z" the scheduler appends.
  if (start.workflow_id().size() + 21 > kIdLengthMax) {
    return InvalidArgument("WorkflowId length exceeds limit.");
  }
  if (start.workflow_type().name().empty()) {
    return InvalidArgument("WorkflowType is not set on request.");
  }
  if (start.workflow_type().name().size() > kIdLengthMax) {
    return InvalidArgument("WorkflowType length exceeds limit.");
  }
  if (!start.has_task_queue()) return InvalidArgument("taskQueue is not set");
  if (start.task_queue().name().empty()) return InvalidArgument("missing task queue name");
  if (start.task_queue().name().size() > kIdLengthMax) {
    return InvalidArgument("taskQueue length exceeds limit");
  }
  if (start.task_queue().name().starts_with("/_sys/")) {
    return InvalidArgument("task queue name cannot start with reserved prefix /_sys/");
  }
  auto negative = [](const google::protobuf::Duration& d) {
    return d.seconds() < 0 || d.nanos() < 0;
  };
  if (negative(start.workflow_execution_timeout())) {
    return InvalidArgument(
        "An invalid WorkflowExecutionTimeoutSeconds is set on request. cause: negative duration");
  }
  if (negative(start.workflow_run_timeout())) {
    return InvalidArgument(
        "An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration");
  }
  if (negative(start.workflow_task_timeout())) {
    return InvalidArgument(
        "An invalid WorkflowTaskTimeoutSeconds is set on request. cause: negative duration");
  }
  if (!start.cron_schedule().empty()) {
    return InvalidArgument("Scheduled workflow must not contain CronSchedule");
  }
  if (start.workflow_id_reuse_policy() != enums::WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED &&
      start.workflow_id_reuse_policy() != enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE) {
    return InvalidArgument("Scheduled workflow must not contain WorkflowIDReusePolicy");
  }
  return hugo::Ok();
}

// What the reference's scheduler stores for what was left unset (ensureFields): the overlap
// policy, the catch-up window, a normal task queue.
void FillDefaults(sched::Schedule& schedule, const Scheduler::Options& options) {
  auto& policies = *schedule.mutable_policies();
  if (policies.overlap_policy() == enums::SCHEDULE_OVERLAP_POLICY_UNSPECIFIED) {
    policies.set_overlap_policy(enums::SCHEDULE_OVERLAP_POLICY_SKIP);
  }
  int64_t catchup_ms = policies.has_catchup_window() ? ToMillis(policies.catchup_window())
                                                     : options.default_catchup_window.count();
  catchup_ms = std::max<int64_t>(catchup_ms, options.min_catchup_window.count());
  *policies.mutable_catchup_window() = history::DurationFromMillis(catchup_ms);
  if (schedule.action().has_start_workflow()) {
    auto* queue = schedule.mutable_action()->mutable_start_workflow()->mutable_task_queue();
    if (queue->kind() == enums::TASK_QUEUE_KIND_UNSPECIFIED) {
      queue->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    }
  }
  // remaining_actions is kept as sent, limited or not (DescribeSchedule echoes it, as the
  // reference does); only a limited schedule counts it down.
}

hugo::Result<hugo::Unit> ValidateIds(const std::string& schedule_id, const std::string& request_id,
                                     bool request_id_required) {
  if (schedule_id.empty()) return InvalidArgument("ScheduleId is not set on request.");
  if (schedule_id.size() + sizeof(kWorkflowIdPrefix) - 1 > kIdLengthMax) {
    return InvalidArgument("ScheduleId length exceeds limit.");
  }
  if (request_id_required && request_id.empty()) {
    return InvalidArgument("RequestId is not set on request.");
  }
  if (request_id.size() > kIdLengthMax) return InvalidArgument("RequestId length exceeds limit.");
  return hugo::Ok();
}

hugo::Result<hugo::Unit> ValidatePatch(const sched::SchedulePatch& patch) {
  // reference: common.ScheduleNotesSizeLimit.
  if (patch.pause().size() > 1000 || patch.unpause().size() > 1000) {
    return InvalidArgument("Schedule notes exceeds limit.");
  }
  for (const auto& backfill : patch.backfill_request()) {
    if (!backfill.has_start_time() || !backfill.has_end_time()) {
      return InvalidArgument("Backfill request needs a start_time and an end_time.");
    }
  }
  return hugo::Ok();
}

// What the buffer lets start now (reference: buffer.go ProcessBuffer, a pure function of the
// buffer, whether a run is going, and the policies).
struct BufferDecision {
  std::vector<BufferedStart> overlapping;  // ALLOW_ALL: all at once
  std::optional<BufferedStart> non_overlapping;
  google::protobuf::RepeatedPtrField<BufferedStart> remaining;
  bool need_cancel = false;
  bool need_terminate = false;
  int64_t skipped = 0;
};

BufferDecision DecideBuffer(const ScheduleState& state, bool running) {
  BufferDecision decision;
  for (const BufferedStart& start : state.buffered_starts()) {
    enums::ScheduleOverlapPolicy policy = Resolve(state, start.overlap_policy());
    if (policy == enums::SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) {
      decision.overlapping.push_back(start);
      continue;
    }
    if (!running && !decision.non_overlapping) {
      decision.non_overlapping = start;
      continue;
    }
    switch (policy) {
      case enums::SCHEDULE_OVERLAP_POLICY_BUFFER_ONE:
        if (decision.remaining.empty()) {
          *decision.remaining.Add() = start;
        } else {
          ++decision.skipped;
        }
        break;
      case enums::SCHEDULE_OVERLAP_POLICY_BUFFER_ALL:
        *decision.remaining.Add() = start;
        break;
      case enums::SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER:
      case enums::SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER:
        if (running) {
          (policy == enums::SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER ? decision.need_cancel
                                                                 : decision.need_terminate) = true;
          *decision.remaining.Add() = start;
        } else {
          decision.non_overlapping = start;  // replaces the one that was about to start
        }
        break;
      default:  // SKIP
        ++decision.skipped;
        break;
    }
  }
  // reference: a cancel or termination would end the ALLOW_ALL runs too; they wait.
  if (decision.need_cancel || decision.need_terminate) decision.overlapping.clear();
  return decision;
}

// What a schedule query reads of a schedule: its search attributes decoded, and whether it is
// paused (TemporalSchedulePaused).
nlohmann::json FilterAttributes(const ScheduleState& state,
                                const visibility::SearchAttributeSet& set) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [name, payload] : state.search_attributes().indexed_fields()) {
    const visibility::AttributeDef* def = set.FindExact(name);
    auto value = visibility::DecodeValue(
        payload, def != nullptr ? def->type : enums::INDEXED_VALUE_TYPE_UNSPECIFIED);
    if (value.IsSuccess()) attributes[name] = value.Value();
  }
  attributes["TemporalSchedulePaused"] = state.schedule().state().paused();
  return attributes;
}

}  // namespace

Scheduler::Scheduler(persistence::ScheduleStore* store, history::Engine* engine,
                     asio::any_io_executor executor, Options options, NowMs now)
    : store_(store),
      engine_(engine),
      executor_(std::move(executor)),
      options_(options),
      now_(std::move(now)),
      timers_(executor_, now_, [this](const Key& key) { Wake(key); }) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Stop() { timers_.Stop(); }

hugo::Result<std::shared_ptr<const visibility::SearchAttributeSet>> Scheduler::SearchAttributesOf(
    const std::string& namespace_id) const {
  if (options_.search_attributes) return options_.search_attributes(namespace_id);
  return hugo::Ok(std::make_shared<const visibility::SearchAttributeSet>());
}

hugo::Result<hugo::Unit> Scheduler::ValidateSearchAttributes(
    const std::string& namespace_id, const std::string& namespace_name,
    const sched::Schedule& schedule, const common::SearchAttributes* own) const {
  auto set = SearchAttributesOf(namespace_id);
  if (set.IsFailure()) return set.Error();
  visibility::ValidateOptions options;
  options.namespace_name = namespace_name;
  if (own != nullptr) {
    auto valid = visibility::ValidateSearchAttributes(*own, *set.Value(), options);
    if (valid.IsFailure()) return valid.Error();
  }
  const auto& action = schedule.action().start_workflow().search_attributes();
  if (action.indexed_fields_size() > 0) {
    auto valid = visibility::ValidateSearchAttributes(action, *set.Value(), options);
    if (valid.IsFailure()) return valid.Error();
  }
  return hugo::Ok();
}

// --- store

hugo::Result<Scheduler::Loaded> Scheduler::Load(const std::string& namespace_id,
                                                const std::string& schedule_id) {
  auto record = store_->GetSchedule(namespace_id, schedule_id);
  if (record.IsFailure()) {
    if (record.Error().HasCode(persistence::kErrorNotFound)) return ScheduleNotFound(schedule_id);
    return record.Error();
  }
  Loaded loaded;
  loaded.record = std::move(record).Value();
  if (!loaded.state.ParseFromString(loaded.record.data)) {
    return hugo::Error::From("schedule '" + schedule_id + "' has a stored state that can't be read",
                             errors::kInternal);
  }
  return hugo::Ok(std::move(loaded));
}

hugo::Result<hugo::Unit> Scheduler::Save(Loaded& loaded) {
  // A wake-up that changed nothing writes nothing (a restart wakes every schedule).
  if (loaded.record.version != 0) {
    ScheduleState stored;
    if (stored.ParseFromString(loaded.record.data) &&
        google::protobuf::util::MessageDifferencer::Equals(stored, loaded.state)) {
      return hugo::Ok();
    }
  }
  loaded.record.data = loaded.state.SerializeAsString();
  int64_t expected = loaded.record.version;
  loaded.record.version = expected + 1;
  auto saved = expected == 0 ? store_->CreateSchedule(loaded.record)
                             : store_->UpdateSchedule(loaded.record, expected);
  if (saved.IsFailure()) loaded.record.version = expected;
  return saved;
}

// --- taking actions

int64_t Scheduler::CatchupWindowMs(const ScheduleState& state) const {
  const auto& policies = state.schedule().policies();
  if (!policies.has_catchup_window()) return options_.default_catchup_window.count();
  return std::max<int64_t>(ToMillis(policies.catchup_window()),
                           options_.min_catchup_window.count());
}

Scheduler::TimeRange Scheduler::ProcessTimeRange(ScheduleState& state, const CompiledSpec& spec,
                                                 const std::string& seed, int64_t start_ms,
                                                 int64_t end_ms,
                                                 enums::ScheduleOverlapPolicy overlap, bool manual,
                                                 int* limit) {
  TimeRange range{std::nullopt, start_ms};
  // Paused or out of actions: the whole range passes without actions (not missed either).
  if (!CanTakeScheduledAction(state, manual, false)) {
    auto next = spec.Next(seed, end_ms);
    if (next) range.next_wakeup_ms = next->actual_ms;
    range.last_handled_ms = end_ms;
    return range;
  }
  const int64_t catchup_ms = CatchupWindowMs(state);
  const int64_t update_ms = ToMillis(state.info().update_time());
  for (auto next = spec.Next(seed, start_ms); next; next = spec.Next(seed, next->actual_ms)) {
    if (next->actual_ms > end_ms) {
      range.next_wakeup_ms = next->actual_ms;
      return range;
    }
    range.last_handled_ms = next->actual_ms;
    if (!manual && update_ms > next->actual_ms) continue;  // before the last update
    if (!manual && end_ms - next->actual_ms > catchup_ms) {
      state.mutable_info()->set_missed_catchup_window(state.info().missed_catchup_window() + 1);
      MissedCatchupWindow().Add();
      log::Warn("schedule missed its catch-up window",
                {{"schedule_id", seed}, {"time_ms", next->actual_ms}});
      continue;
    }
    if (static_cast<int>(state.buffered_starts_size()) >= options_.max_buffer_size) {
      state.mutable_info()->set_buffer_dropped(state.info().buffer_dropped() + 1);
      BufferOverruns().Add();
      continue;
    }
    BufferedStart* start = state.add_buffered_starts();
    *start->mutable_nominal_time() = TimestampFromMillis(next->nominal_s * 1000);
    *start->mutable_actual_time() = TimestampFromMillis(next->actual_ms);
    start->set_overlap_policy(overlap);
    start->set_manual(manual);
    if (limit != nullptr && --*limit <= 0) {
      range.limited = true;
      return range;
    }
  }
  return range;
}

bool Scheduler::ProcessBackfills(ScheduleState& state, const CompiledSpec& spec,
                                 const std::string& seed) {
  int limit = options_.backfills_per_iteration;
  auto* backfills = state.mutable_ongoing_backfills();
  // Half the buffer at most goes to backfills (reference).
  while (!backfills->empty() && limit > 0 &&
         state.buffered_starts_size() < options_.max_buffer_size / 2) {
    sched::BackfillRequest& backfill = *backfills->begin();
    TimeRange range =
        ProcessTimeRange(state, spec, seed, ToMillis(backfill.start_time()),
                         ToMillis(backfill.end_time()), backfill.overlap_policy(), true, &limit);
    if (range.limited) {
      *backfill.mutable_start_time() = TimestampFromMillis(range.last_handled_ms);
    } else {
      backfills->erase(backfills->begin());
    }
  }
  return !backfills->empty() && Resolve(state, backfills->begin()->overlap_policy()) ==
                                    enums::SCHEDULE_OVERLAP_POLICY_ALLOW_ALL;
}

void Scheduler::RefreshRunning(const std::string& namespace_id, ScheduleState& state) {
  auto* running = state.mutable_info()->mutable_running_workflows();
  for (int i = running->size() - 1; i >= 0; --i) {
    wf::DescribeWorkflowExecutionRequest request;
    request.mutable_execution()->set_workflow_id(running->Get(i).workflow_id());
    auto described = engine_->Describe(namespace_id, request);
    bool still_running =
        described.IsSuccess() &&
        described.Value().workflow_execution_info().status() ==
            enums::WORKFLOW_EXECUTION_STATUS_RUNNING &&
        (described.Value().workflow_execution_info().first_run_id().empty() ||
         described.Value().workflow_execution_info().first_run_id() == running->Get(i).run_id());
    if (still_running) continue;
    if (described.IsFailure() && !described.Error().HasCode(errors::kNotFound)) continue;
    history::Engine::ScheduledRunClosed closed;
    closed.workflow_id = running->Get(i).workflow_id();
    closed.status = described.IsSuccess() ? described.Value().workflow_execution_info().status()
                                          : enums::WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
    if (described.IsSuccess()) {
      // Its close event (the result or failure the next run is handed): the engine's close
      // notice may still be queued behind this job, and it is ignored once the run is recorded.
      wf::GetWorkflowExecutionHistoryRequest history;
      history.set_namespace_(state.namespace_name());
      history.mutable_execution()->set_workflow_id(closed.workflow_id);
      history.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
      auto close_event =
          std::make_shared<std::optional<temporal::api::history::v1::HistoryEvent>>();
      uint64_t waiting = engine_->GetHistory(
          namespace_id, history,
          [close_event](hugo::Result<wf::GetWorkflowExecutionHistoryResponse> read) {
            if (read.IsSuccess() && read.Value().history().events_size() > 0) {
              *close_event =
                  read.Value().history().events(read.Value().history().events_size() - 1);
            }
          });
      if (waiting != 0) engine_->CancelHistoryWait(waiting);
      if (close_event->has_value()) closed.close_event = **close_event;
    }
    RecordClose(state, closed);
  }
}

// reference: the scheduler's identity on what it asks of the engine.
std::string Scheduler::Identity(const Loaded& loaded) {
  return "temporal-scheduler-" + loaded.state.namespace_name() + "-" + loaded.record.schedule_id;
}

// A cancel or terminate request for a workflow the schedule started (its chain, by first run).
template <class Request>
Request Scheduler::TargetOf(const Loaded& loaded, const common::WorkflowExecution& execution,
                            const std::string& reason) {
  Request request;
  request.set_namespace_(loaded.state.namespace_name());
  request.mutable_workflow_execution()->set_workflow_id(execution.workflow_id());
  request.set_first_execution_run_id(execution.run_id());
  request.set_reason(reason);
  request.set_identity(Identity(loaded));
  return request;
}

// reference: buffer.go ProcessBuffer and workflow.go processBuffer.
bool Scheduler::ProcessBuffer(Loaded& loaded) {
  ScheduleState& state = loaded.state;
  if (!state.schedule().action().has_start_workflow() || state.buffered_starts_size() == 0) {
    state.clear_buffered_starts();
    return false;
  }
  RefreshRunning(loaded.record.namespace_id, state);
  BufferDecision decision = DecideBuffer(state, state.info().running_workflows_size() > 0);
  *state.mutable_buffered_starts() = std::move(decision.remaining);
  state.mutable_info()->set_overlap_skipped(state.info().overlap_skipped() + decision.skipped);
  std::vector<BufferedStart>& overlapping = decision.overlapping;
  const std::optional<BufferedStart>& non_overlapping = decision.non_overlapping;
  const bool need_cancel = decision.need_cancel;
  const bool need_terminate = decision.need_terminate;

  bool again = false;
  if (non_overlapping) overlapping.push_back(*non_overlapping);
  for (size_t i = 0; i < overlapping.size(); ++i) {
    const BufferedStart& start = overlapping[i];
    if (!CanTakeScheduledAction(state, start.manual(), true)) {
      again = true;
      continue;
    }
    auto result = StartWorkflow(loaded, start);
    Actions(result.IsSuccess() ? "started" : "failed").Add();
    if (result.IsFailure()) {
      log::Warn("schedule could not start its workflow",
                {{"schedule_id", loaded.record.schedule_id}, {"error", result.Error().Message()}});
      again = true;
      continue;
    }
    sched::ScheduleInfo& info = *state.mutable_info();
    info.set_action_count(info.action_count() + 1);
    *info.add_recent_actions() = result.Value();
    while (info.recent_actions_size() > options_.recent_action_count) {
      info.mutable_recent_actions()->erase(info.mutable_recent_actions()->begin());
    }
    // reference (DontTrackOverlapping): ALLOW_ALL runs are not tracked as running.
    bool tracked = non_overlapping && i + 1 == overlapping.size();
    if (tracked) *info.add_running_workflows() = result.Value().start_workflow_result();
  }
  // reference: a failed cancel or termination is tried again at the next action.
  for (const common::WorkflowExecution& execution : state.info().running_workflows()) {
    if (need_terminate) {
      auto request = TargetOf<wf::TerminateWorkflowExecutionRequest>(
          loaded, execution, "terminated by schedule overlap policy");
      (void)engine_->Terminate(loaded.record.namespace_id, request);
    } else if (need_cancel) {
      auto request = TargetOf<wf::RequestCancelWorkflowExecutionRequest>(
          loaded, execution, "cancelled by schedule overlap policy");
      (void)engine_->RequestCancel(loaded.record.namespace_id, request);
    }
  }
  return again;
}

hugo::Result<sched::ScheduleActionResult> Scheduler::StartWorkflow(const Loaded& loaded,
                                                                   const BufferedStart& start) {
  const ScheduleState& state = loaded.state;
  const auto& action = state.schedule().action().start_workflow();
  const int64_t nominal_s = start.nominal_time().seconds();
  // reference (AlwaysAppendTimestamp): the action's id and the nominal time, RFC 3339 in UTC.
  std::string workflow_id = action.workflow_id();
  if (!state.schedule().policies().keep_original_workflow_id()) {
    workflow_id += "-" + visibility::go::FormatRfc3339Nano(nominal_s * 1'000'000'000);
  }
  wf::StartWorkflowExecutionRequest request;
  request.set_namespace_(state.namespace_name());
  request.set_workflow_id(workflow_id);
  *request.mutable_workflow_type() = action.workflow_type();
  *request.mutable_task_queue() = action.task_queue();
  if (action.has_input()) *request.mutable_input() = action.input();
  if (action.has_workflow_execution_timeout()) {
    *request.mutable_workflow_execution_timeout() = action.workflow_execution_timeout();
  }
  if (action.has_workflow_run_timeout()) {
    *request.mutable_workflow_run_timeout() = action.workflow_run_timeout();
  }
  if (action.has_workflow_task_timeout()) {
    *request.mutable_workflow_task_timeout() = action.workflow_task_timeout();
  }
  request.set_identity(Identity(loaded));
  // One request id per action: a start retried after a crash is recognized as the same.
  request.set_request_id("sched:" + loaded.record.schedule_id + ":" +
                         std::to_string(ToMillis(start.actual_time())) + ":" +
                         std::to_string(ToMillis(start.nominal_time())));
  request.set_workflow_id_reuse_policy(start.manual()
                                           ? enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
                                           : enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
  if (action.has_retry_policy()) *request.mutable_retry_policy() = action.retry_policy();
  if (action.has_memo()) *request.mutable_memo() = action.memo();
  if (action.has_header()) *request.mutable_header() = action.header();
  if (action.has_user_metadata()) *request.mutable_user_metadata() = action.user_metadata();
  if (action.has_priority()) *request.mutable_priority() = action.priority();
  *request.mutable_search_attributes() = action.search_attributes();
  auto& fields = *request.mutable_search_attributes()->mutable_indexed_fields();
  fields["TemporalScheduledStartTime"] =
      JsonPayload(visibility::go::FormatRfc3339Nano(nominal_s * 1'000'000'000), "Datetime");
  fields["TemporalScheduledById"] = JsonPayload(loaded.record.schedule_id, "Keyword");
  // ALLOW_ALL runs take no part in the last completion result and failure (reference).
  if (Resolve(state, start.overlap_policy()) != enums::SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) {
    if (state.has_last_completion_result()) {
      *request.mutable_last_completion_result() = state.last_completion_result();
    }
    if (state.has_continued_failure()) {
      *request.mutable_continued_failure() = state.continued_failure();
    }
  }
  auto started = engine_->StartWorkflow(loaded.record.namespace_id, request);
  if (started.IsFailure()) return started.Error();
  sched::ScheduleActionResult result;
  *result.mutable_schedule_time() = start.actual_time();
  *result.mutable_actual_time() = TimestampFromMillis(now_());
  result.mutable_start_workflow_result()->set_workflow_id(workflow_id);
  result.mutable_start_workflow_result()->set_run_id(started.Value().run_id());
  result.set_start_workflow_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  return hugo::Ok(std::move(result));
}

// reference: processWatcherResult.
void Scheduler::RecordClose(ScheduleState& state,
                            const history::Engine::ScheduledRunClosed& closed) {
  sched::ScheduleInfo& info = *state.mutable_info();
  auto* running = info.mutable_running_workflows();
  auto found = std::find_if(running->begin(), running->end(), [&](const auto& execution) {
    return execution.workflow_id() == closed.workflow_id;
  });
  if (found == running->end()) return;  // not tracked (ALLOW_ALL), or already seen
  running->erase(found);
  for (auto& action : *info.mutable_recent_actions()) {
    if (action.start_workflow_result().workflow_id() == closed.workflow_id) {
      action.set_start_workflow_status(closed.status);
    }
  }
  const auto& event = closed.close_event;
  const bool failed = closed.status == enums::WORKFLOW_EXECUTION_STATUS_FAILED;
  const bool timed_out = closed.status == enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
  sched::ScheduleState& s = *state.mutable_schedule()->mutable_state();
  if (state.schedule().policies().pause_on_failure() && (failed || timed_out) && !s.paused()) {
    s.set_paused(true);
    s.set_notes(failed ? "paused due to workflow failure: " + closed.workflow_id + ": " +
                             event.workflow_execution_failed_event_attributes().failure().message()
                       : "paused due to workflow timeout: " + closed.workflow_id);
    state.set_conflict_token(state.conflict_token() + 1);
  }
  if (event.has_workflow_execution_completed_event_attributes()) {
    *state.mutable_last_completion_result() =
        event.workflow_execution_completed_event_attributes().result();
    state.clear_continued_failure();
  } else if (event.has_workflow_execution_failed_event_attributes()) {
    *state.mutable_continued_failure() =
        event.workflow_execution_failed_event_attributes().failure();
  }
}

hugo::Result<hugo::Unit> Scheduler::Advance(Loaded& loaded) {
  ScheduleState& state = loaded.state;
  const Key key{loaded.record.namespace_id, loaded.record.schedule_id};
  auto spec = CompiledSpec::Compile(state.schedule().spec());
  std::optional<int64_t> next_wakeup;
  bool allow_all_backfill_left = false;
  if (spec.IsSuccess()) {
    const int64_t last = ToMillis(state.last_processed_time());
    const int64_t now = std::max(now_(), last);
    TimeRange range = ProcessTimeRange(state, spec.Value(), JitterSeed(key), last, now,
                                       enums::SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, false);
    *state.mutable_last_processed_time() = TimestampFromMillis(range.last_handled_ms);
    next_wakeup = range.next_wakeup_ms;
    // A paused schedule sleeps until it is unpaused (reference: SleepWhilePaused).
    if (state.schedule().state().paused()) next_wakeup.reset();
    allow_all_backfill_left = ProcessBackfills(state, spec.Value(), JitterSeed(key));
    if (allow_all_backfill_left) {
      int64_t soon = now_() + options_.backfill_wakeup.count();
      next_wakeup = next_wakeup ? std::min(*next_wakeup, soon) : soon;
    }
  }
  for (int round = 0; round < options_.buffer_rounds_max && ProcessBuffer(loaded); ++round) {
  }
  if (auto expiry = RetentionExpiry(state, next_wakeup, allow_all_backfill_left)) {
    if (*expiry <= now_()) {
      // reference: the scheduler workflow completes; the schedule is gone, its runs go on.
      log::Info("schedule removed: it can take no more actions and was idle for its retention",
                {{"schedule_id", key.second}});
      if (loaded.record.version != 0) {
        auto deleted = store_->DeleteSchedule(key.first, key.second);
        if (deleted.IsFailure() && !deleted.Error().HasCode(persistence::kErrorNotFound)) {
          return deleted;
        }
      }
      timers_.Disarm(key);
      return hugo::Ok();
    }
    next_wakeup = next_wakeup ? std::min(*next_wakeup, *expiry) : *expiry;
  }
  auto saved = Save(loaded);
  if (saved.IsFailure()) return saved;
  Arm(key, next_wakeup);
  return hugo::Ok();
}

// reference: getRetentionExpiration. A schedule that is not paused and can take no more
// scheduled actions (its spec names no more times, or its actions are used up) is removed
// `retention` after its last event (create, update, last action).
std::optional<int64_t> Scheduler::RetentionExpiry(const ScheduleState& state,
                                                  std::optional<int64_t> next_wakeup,
                                                  bool allow_all_backfill_left) const {
  const auto& s = state.schedule().state();
  const bool can_act = !s.limited_actions() || s.remaining_actions() > 0;
  if (options_.retention.count() <= 0 || s.paused() || (next_wakeup && can_act) ||
      allow_all_backfill_left || state.buffered_starts_size() > 0) {
    return std::nullopt;
  }
  int64_t since =
      std::max(ToMillis(state.info().create_time()), ToMillis(state.info().update_time()));
  if (state.info().recent_actions_size() > 0) {
    since = std::max(since, ToMillis(state.info().recent_actions().rbegin()->actual_time()));
  }
  return since + options_.retention.count();
}

void Scheduler::Arm(const Key& key, std::optional<int64_t> at_ms) {
  if (at_ms) {
    timers_.Arm(key, *at_ms);
  } else {
    timers_.Disarm(key);
  }
}

void Scheduler::FireDue() { timers_.FireDue(); }

void Scheduler::Wake(const Key& key) {
  auto loaded = Load(key.first, key.second);
  if (loaded.IsFailure()) {
    if (!loaded.Error().HasCode(errors::kNotFound)) {
      log::Error("schedule could not be read",
                 {{"schedule_id", key.second}, {"error", loaded.Error().Message()}});
      Arm(key, now_() + 1000);  // try again
    } else {
      timers_.Disarm(key);
    }
    return;
  }
  auto advanced = Advance(loaded.Value());
  if (advanced.IsFailure()) {
    log::Error("schedule could not take its actions",
               {{"schedule_id", key.second}, {"error", advanced.Error().Message()}});
    Arm(key, now_() + 1000);
  }
}

void Scheduler::OnRunClosed(const history::Engine::ScheduledRunClosed& closed) {
  asio::post(executor_, [this, closed] {
    if (timers_.stopped()) return;
    auto loaded = Load(closed.namespace_id, closed.schedule_id);
    if (loaded.IsFailure()) return;  // deleted since
    RecordClose(loaded.Value().state, closed);
    auto advanced = Advance(loaded.Value());
    if (advanced.IsFailure()) {
      log::Error("schedule could not record a closed workflow",
                 {{"schedule_id", closed.schedule_id}, {"error", advanced.Error().Message()}});
    }
  });
}

hugo::Result<int> Scheduler::Recover() {
  int recovered = 0;
  std::string token;
  do {
    auto page = store_->ListSchedules("", 100, token);
    if (page.IsFailure()) return page.Error();
    for (const auto& record : page.Value().schedules) {
      Wake({record.namespace_id, record.schedule_id});
      ++recovered;
    }
    token = page.Value().next_page_token;
  } while (!token.empty());
  return hugo::Ok(recovered);
}

// --- patches

void Scheduler::ApplyPatch(ScheduleState& state, const sched::SchedulePatch& patch) {
  if (patch.has_trigger_immediately()) {
    const auto& trigger = patch.trigger_immediately();
    int64_t at = trigger.has_scheduled_time() ? ToMillis(trigger.scheduled_time()) : now_();
    if (static_cast<int>(state.buffered_starts_size()) >= options_.max_buffer_size) {
      state.mutable_info()->set_buffer_dropped(state.info().buffer_dropped() + 1);
      BufferOverruns().Add();
    } else {
      BufferedStart* start = state.add_buffered_starts();
      *start->mutable_nominal_time() = TimestampFromMillis(at);
      *start->mutable_actual_time() = TimestampFromMillis(at);
      start->set_overlap_policy(trigger.overlap_policy());
      start->set_manual(true);
    }
  }
  for (const auto& backfill : patch.backfill_request()) {
    if (state.ongoing_backfills_size() >= options_.max_buffer_size) {
      state.mutable_info()->set_buffer_dropped(state.info().buffer_dropped() + 1);
      BufferOverruns().Add();
      continue;
    }
    // reference (InclusiveBackfillStartTime): the start time is included.
    sched::BackfillRequest* ongoing = state.add_ongoing_backfills();
    *ongoing = backfill;
    *ongoing->mutable_start_time() = TimestampFromMillis(ToMillis(backfill.start_time()) - 1);
  }
  sched::ScheduleState& s = *state.mutable_schedule()->mutable_state();
  if (!patch.pause().empty()) {
    s.set_paused(true);
    s.set_notes(patch.pause());
    state.set_conflict_token(state.conflict_token() + 1);
  }
  if (!patch.unpause().empty()) {
    s.set_paused(false);
    s.set_notes(patch.unpause());
    state.set_conflict_token(state.conflict_token() + 1);
  }
}

// --- the API

hugo::Result<wf::CreateScheduleResponse> Scheduler::Create(
    const std::string& namespace_id, const wf::CreateScheduleRequest& request) {
  auto ids = ValidateIds(request.schedule_id(), request.request_id(), true);
  if (ids.IsFailure()) return ids.Error();
  auto spec = CompiledSpec::Compile(request.schedule().spec());
  if (spec.IsFailure()) return spec.Error();
  auto action = ValidateAction(request.schedule().action());
  if (action.IsFailure()) return action.Error();
  if (request.has_initial_patch()) {
    auto patch = ValidatePatch(request.initial_patch());
    if (patch.IsFailure()) return patch.Error();
  }
  auto attributes = ValidateSearchAttributes(
      namespace_id, request.namespace_(), request.schedule(),
      request.has_search_attributes() ? &request.search_attributes() : nullptr);
  if (attributes.IsFailure()) return attributes.Error();
  auto existing = store_->GetSchedule(namespace_id, request.schedule_id());
  if (existing.IsSuccess()) {
    ScheduleState state;
    if (state.ParseFromString(existing.Value().data) &&
        state.create_request_id() == request.request_id()) {
      wf::CreateScheduleResponse response;
      response.set_conflict_token(TokenBytes(1));
      return hugo::Ok(std::move(response));
    }
    return hugo::Error::From("Schedule '" + request.schedule_id() +
                                 "' is already registered in namespace '" + request.namespace_() +
                                 "'.",
                             errors::kWorkflowAlreadyStarted)
        .WithMetadata("start_request_id", state.create_request_id());
  }
  if (!existing.Error().HasCode(persistence::kErrorNotFound)) return existing.Error();

  Loaded loaded;
  loaded.record.namespace_id = namespace_id;
  loaded.record.schedule_id = request.schedule_id();
  ScheduleState& state = loaded.state;
  *state.mutable_schedule() = request.schedule();
  *state.mutable_schedule()->mutable_spec() = spec.Value().canonical();
  FillDefaults(*state.mutable_schedule(), options_);
  if (request.has_memo()) *state.mutable_memo() = request.memo();
  if (request.has_search_attributes())
    *state.mutable_search_attributes() = request.search_attributes();
  state.set_namespace_name(request.namespace_());
  state.set_create_request_id(request.request_id());
  state.set_conflict_token(1);
  const int64_t now = now_();
  *state.mutable_last_processed_time() = TimestampFromMillis(now);
  *state.mutable_info()->mutable_create_time() = TimestampFromMillis(now);
  if (request.has_initial_patch()) {
    ApplyPatch(state, request.initial_patch());
  }
  auto advanced = Advance(loaded);
  if (advanced.IsFailure()) {
    if (advanced.Error().HasCode(persistence::kErrorAlreadyExists)) {
      return hugo::Error::From("Schedule '" + request.schedule_id() + "' is already registered.",
                               errors::kWorkflowAlreadyStarted);
    }
    return advanced.Error();
  }
  wf::CreateScheduleResponse response;
  response.set_conflict_token(TokenBytes(state.conflict_token()));
  return hugo::Ok(std::move(response));
}

std::vector<int64_t> Scheduler::FutureActionTimes(const ScheduleState& state,
                                                  const CompiledSpec& spec, const std::string& seed,
                                                  int count) const {
  // reference (AccurateFutureActionTimes): no more than the remaining actions, none before the
  // last update.
  if (state.schedule().state().limited_actions()) {
    count =
        static_cast<int>(std::min<int64_t>(count, state.schedule().state().remaining_actions()));
  }
  std::vector<int64_t> times;
  const int64_t update_ms = ToMillis(state.info().update_time());
  int64_t after = ToMillis(state.last_processed_time());
  for (int guard = 0; static_cast<int>(times.size()) < count && guard < 10 * count + 100; ++guard) {
    auto next = spec.Next(seed, after);
    if (!next) break;
    after = next->actual_ms;
    if (update_ms > next->actual_ms) continue;
    times.push_back(next->actual_ms);
  }
  return times;
}

hugo::Result<wf::DescribeScheduleResponse> Scheduler::Describe(
    const std::string& namespace_id, const wf::DescribeScheduleRequest& request) {
  if (request.schedule_id().empty()) return InvalidArgument("ScheduleId is not set on request.");
  auto loaded = Load(namespace_id, request.schedule_id());
  if (loaded.IsFailure()) return loaded.Error();
  const ScheduleState& state = loaded.Value().state;
  wf::DescribeScheduleResponse response;
  *response.mutable_schedule() = state.schedule();
  CleanSpec(response.mutable_schedule()->mutable_spec());
  *response.mutable_info() = state.info();
  response.mutable_info()->set_buffer_size(state.buffered_starts_size());
  auto spec = CompiledSpec::Compile(state.schedule().spec());
  if (spec.IsSuccess()) {
    for (int64_t ms :
         FutureActionTimes(state, spec.Value(), JitterSeed({namespace_id, request.schedule_id()}),
                           options_.future_action_count)) {
      *response.mutable_info()->add_future_action_times() = TimestampFromMillis(ms);
    }
  }
  // Runs that closed since (the scheduler hears of closes a moment later) are left out.
  auto* running = response.mutable_info()->mutable_running_workflows();
  for (int i = running->size() - 1; i >= 0; --i) {
    wf::DescribeWorkflowExecutionRequest describe;
    describe.mutable_execution()->set_workflow_id(running->Get(i).workflow_id());
    auto described = engine_->Describe(namespace_id, describe);
    if (described.IsFailure() ? described.Error().HasCode(errors::kNotFound)
                              : described.Value().workflow_execution_info().status() !=
                                    enums::WORKFLOW_EXECUTION_STATUS_RUNNING) {
      running->DeleteSubrange(i, 1);
    }
  }
  if (state.memo().fields_size() > 0) *response.mutable_memo() = state.memo();
  common::SearchAttributes visible = VisibleAttributes(state.search_attributes());
  if (visible.indexed_fields_size() > 0) {
    engine_->TypeSearchAttributes(namespace_id, visible);
    *response.mutable_search_attributes() = std::move(visible);
  }
  if (response.schedule().action().start_workflow().has_search_attributes()) {
    engine_->TypeSearchAttributes(namespace_id, *response.mutable_schedule()
                                                     ->mutable_action()
                                                     ->mutable_start_workflow()
                                                     ->mutable_search_attributes());
  }
  response.set_conflict_token(TokenBytes(state.conflict_token()));
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::UpdateScheduleResponse> Scheduler::Update(
    const std::string& namespace_id, const wf::UpdateScheduleRequest& request) {
  auto ids = ValidateIds(request.schedule_id(), request.request_id(), false);
  if (ids.IsFailure()) return ids.Error();
  auto spec = CompiledSpec::Compile(request.schedule().spec());
  if (spec.IsFailure()) return spec.Error();
  auto action = ValidateAction(request.schedule().action());
  if (action.IsFailure()) return action.Error();
  auto attributes = ValidateSearchAttributes(
      namespace_id, request.namespace_(), request.schedule(),
      request.has_search_attributes() ? &request.search_attributes() : nullptr);
  if (attributes.IsFailure()) return attributes.Error();
  auto token = TokenValue(request.conflict_token());
  if (!token) return InvalidArgument("ConflictToken is not a token DescribeSchedule returned.");
  auto loaded = Load(namespace_id, request.schedule_id());
  if (loaded.IsFailure()) return loaded.Error();
  ScheduleState& state = loaded.Value().state;
  if (*token != 0 && *token != state.conflict_token()) {
    return hugo::Error::From(
        "schedule '" + request.schedule_id() +
            "' changed since its conflict token was read; describe it again and retry",
        errors::kFailedPrecondition);
  }
  sched::Schedule schedule = request.schedule();
  *schedule.mutable_spec() = spec.Value().canonical();
  FillDefaults(schedule, options_);
  *state.mutable_schedule() = std::move(schedule);
  if (request.has_search_attributes()) {
    // reference: updateCustomSearchAttributes replaces the custom attributes.
    common::SearchAttributes replaced = request.search_attributes();
    for (const char* hidden : kHiddenSearchAttributes) {
      auto kept = state.search_attributes().indexed_fields().find(hidden);
      if (kept != state.search_attributes().indexed_fields().end()) {
        (*replaced.mutable_indexed_fields())[hidden] = kept->second;
      }
    }
    *state.mutable_search_attributes() = std::move(replaced);
  }
  const int64_t now = now_();
  *state.mutable_info()->mutable_update_time() = TimestampFromMillis(now);
  state.set_conflict_token(state.conflict_token() + 1);
  auto advanced = Advance(loaded.Value());
  if (advanced.IsFailure()) return advanced.Error();
  return hugo::Ok(wf::UpdateScheduleResponse());
}

hugo::Result<wf::PatchScheduleResponse> Scheduler::Patch(const std::string& namespace_id,
                                                         const wf::PatchScheduleRequest& request) {
  auto ids = ValidateIds(request.schedule_id(), request.request_id(), false);
  if (ids.IsFailure()) return ids.Error();
  auto patch = ValidatePatch(request.patch());
  if (patch.IsFailure()) return patch.Error();
  auto loaded = Load(namespace_id, request.schedule_id());
  if (loaded.IsFailure()) return loaded.Error();
  // Times that came due before the patch are taken with it (reference: the time range, then
  // the signals).
  ApplyPatch(loaded.Value().state, request.patch());
  auto advanced = Advance(loaded.Value());
  if (advanced.IsFailure()) return advanced.Error();
  return hugo::Ok(wf::PatchScheduleResponse());
}

hugo::Result<wf::DeleteScheduleResponse> Scheduler::Delete(
    const std::string& namespace_id, const wf::DeleteScheduleRequest& request) {
  if (request.schedule_id().empty()) return InvalidArgument("ScheduleId is not set on request.");
  auto deleted = store_->DeleteSchedule(namespace_id, request.schedule_id());
  if (deleted.IsFailure()) {
    if (deleted.Error().HasCode(persistence::kErrorNotFound)) {
      return ScheduleNotFound(request.schedule_id());
    }
    return deleted.Error();
  }
  // The workflows it started run on (reference).
  timers_.Disarm({namespace_id, request.schedule_id()});
  return hugo::Ok(wf::DeleteScheduleResponse());
}

hugo::Result<wf::ListSchedulesResponse> Scheduler::List(const std::string& namespace_id,
                                                        const wf::ListSchedulesRequest& request) {
  auto set = SearchAttributesOf(namespace_id);
  if (set.IsFailure()) return set.Error();
  auto filter = visibility::MemoryFilter::Compile(request.query(), *set.Value());
  if (filter.IsFailure()) return filter.Error();
  // reference: frontend.visibilityMaxPageSize bounds the page.
  int page_size = request.maximum_page_size() > 0
                      ? std::min(request.maximum_page_size(), options_.list_page_size_default)
                      : options_.list_page_size_default;
  std::string token = request.next_page_token();
  if (!token.empty() && persistence::ScheduleAfterToken(token).first != namespace_id) {
    return InvalidArgument("Invalid NextPageToken: it was not returned by ListSchedules here.");
  }
  wf::ListSchedulesResponse response;
  // Pages of the store until the response's page is full or the store has no more.
  do {
    auto page = store_->ListSchedules(namespace_id, page_size, token);
    if (page.IsFailure()) return page.Error();
    token = page.Value().next_page_token;
    for (const auto& record : page.Value().schedules) {
      ScheduleState state;
      if (!state.ParseFromString(record.data)) continue;
      const nlohmann::json attributes = FilterAttributes(state, *set.Value());
      if (!filter.Value().Matches({&attributes, record.schedule_id})) continue;
      AddListEntry(namespace_id, record.schedule_id, state, response.add_schedules());
      if (response.schedules_size() == page_size) {
        // The page is full: the next one starts after this schedule.
        token = page.Value().schedules.back().schedule_id == record.schedule_id
                    ? page.Value().next_page_token
                    : persistence::SchedulePageToken(record);
        response.set_next_page_token(token);
        return hugo::Ok(std::move(response));
      }
    }
  } while (!token.empty());
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::CountSchedulesResponse> Scheduler::Count(
    const std::string& namespace_id, const wf::CountSchedulesRequest& request) {
  auto set = SearchAttributesOf(namespace_id);
  if (set.IsFailure()) return set.Error();
  auto filter = visibility::MemoryFilter::Compile(request.query(), *set.Value());
  if (filter.IsFailure()) return filter.Error();
  int64_t count = 0;
  std::string token;
  do {
    auto page = store_->ListSchedules(namespace_id, options_.list_page_size_default, token);
    if (page.IsFailure()) return page.Error();
    token = page.Value().next_page_token;
    for (const auto& record : page.Value().schedules) {
      ScheduleState state;
      if (!state.ParseFromString(record.data)) continue;
      const nlohmann::json attributes = FilterAttributes(state, *set.Value());
      if (filter.Value().Matches({&attributes, record.schedule_id})) ++count;
    }
  } while (!token.empty());
  wf::CountSchedulesResponse response;
  response.set_count(count);
  return hugo::Ok(std::move(response));
}

void Scheduler::AddListEntry(const std::string& namespace_id, const std::string& schedule_id,
                             const ScheduleState& state, sched::ScheduleListEntry* entry) {
  entry->set_schedule_id(schedule_id);
  if (state.memo().fields_size() > 0) *entry->mutable_memo() = state.memo();
  common::SearchAttributes visible = VisibleAttributes(state.search_attributes());
  if (visible.indexed_fields_size() > 0) {
    engine_->TypeSearchAttributes(namespace_id, visible);
    *entry->mutable_search_attributes() = std::move(visible);
  }
  sched::ScheduleListInfo* info = entry->mutable_info();
  *info->mutable_spec() = state.schedule().spec();
  info->mutable_spec()->clear_timezone_data();
  CleanSpec(info->mutable_spec());
  *info->mutable_workflow_type() = state.schedule().action().start_workflow().workflow_type();
  info->set_notes(state.schedule().state().notes());
  info->set_paused(state.schedule().state().paused());
  const auto& recent = state.info().recent_actions();
  for (int i = std::max(0, recent.size() - options_.recent_action_count_for_list);
       i < recent.size(); ++i) {
    *info->add_recent_actions() = recent.Get(i);
  }
  auto spec = CompiledSpec::Compile(state.schedule().spec());
  if (spec.IsSuccess()) {
    for (int64_t ms :
         FutureActionTimes(state, spec.Value(), JitterSeed({namespace_id, schedule_id}),
                           options_.future_action_count_for_list)) {
      *info->add_future_action_times() = TimestampFromMillis(ms);
    }
  }
}

hugo::Result<wf::ListScheduleMatchingTimesResponse> Scheduler::MatchingTimes(
    const std::string& namespace_id, const wf::ListScheduleMatchingTimesRequest& request) {
  if (request.schedule_id().empty()) return InvalidArgument("ScheduleId is not set on request.");
  if (!request.has_start_time() || !request.has_end_time()) {
    return InvalidArgument("missing or invalid query: give a start_time and an end_time");
  }
  auto loaded = Load(namespace_id, request.schedule_id());
  if (loaded.IsFailure()) return loaded.Error();
  auto spec = CompiledSpec::Compile(loaded.Value().state.schedule().spec());
  if (spec.IsFailure()) return spec.Error();
  wf::ListScheduleMatchingTimesResponse response;
  const std::string seed = JitterSeed({namespace_id, request.schedule_id()});
  int64_t after = ToMillis(request.start_time());
  const int64_t end = ToMillis(request.end_time());
  for (int i = 0; i < options_.max_list_matching_times; ++i) {
    auto next = spec.Value().Next(seed, after);
    if (!next || next->actual_ms > end) break;
    *response.add_start_time() = TimestampFromMillis(next->actual_ms);
    after = next->actual_ms;
  }
  return hugo::Ok(std::move(response));
}

}  // namespace hdo::worker
