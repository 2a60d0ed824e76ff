// The engine's core: loading and committing runs, the transfer and timer outboxes, event
// buffering and workflow task scheduling shared by every transition.
#include "history/engine.h"

#include <algorithm>
#include <asio/post.hpp>
#include <random>

#include "common/error_codes.h"
#include "common/uuid.h"
#include "history/engine_errors.h"
#include "history/time_util.h"

namespace hdo::history {
namespace {

// What matching needs of a stored task to pick the queue a claimed poll must come from.
matching::Task ClaimTask(const persistence::v1::TransferTask& task) {
  matching::Task claim;
  claim.namespace_id = task.namespace_id();
  claim.workflow_id = task.workflow_id();
  claim.pinned = task.pinned_version();
  claim.use_ramping = task.use_ramping_version();
  claim.sticky = task.sticky();
  claim.build_id_directive = task.build_id_directive();
  return claim;
}

using internal::IsRunning;
using internal::NotFound;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using persistence::v1::MutableState;
using persistence::v1::TimerTask;
using persistence::v1::TransferTask;

persistence::HistoryBatch ToBatch(const hist::History& history) {
  return {history.events(0).event_id(), history.events(history.events_size() - 1).event_id(),
          history.SerializeAsString()};
}

// An activity outcome buffered before its ActivityTaskStarted was numbered names it by the
// placeholder -scheduled_event_id; `started_ids` maps scheduled ids to the numbers given. Child
// outcomes likewise name their ChildWorkflowExecutionStarted by -initiated_event_id.
void FixStartedIds(hist::HistoryEvent& event, std::map<int64_t, int64_t>& activity_started,
                   std::map<int64_t, int64_t>& child_started) {
  auto fix = [](auto* attributes, std::map<int64_t, int64_t>& ids) {
    if (attributes->started_event_id() < 0) {
      attributes->set_started_event_id(ids[-attributes->started_event_id()]);
    }
  };
  switch (event.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      fix(event.mutable_activity_task_completed_event_attributes(), activity_started);
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED:
      fix(event.mutable_activity_task_failed_event_attributes(), activity_started);
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      fix(event.mutable_activity_task_timed_out_event_attributes(), activity_started);
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      fix(event.mutable_activity_task_canceled_event_attributes(), activity_started);
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      fix(event.mutable_child_workflow_execution_completed_event_attributes(), child_started);
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      fix(event.mutable_child_workflow_execution_failed_event_attributes(), child_started);
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      fix(event.mutable_child_workflow_execution_canceled_event_attributes(), child_started);
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      fix(event.mutable_child_workflow_execution_timed_out_event_attributes(), child_started);
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
      fix(event.mutable_child_workflow_execution_terminated_event_attributes(), child_started);
      break;
    default:
      break;
  }
}

}  // namespace

Engine::Engine(persistence::ExecutionStore* store, matching::Matcher* matcher,
               asio::any_io_executor executor, Options options, Now now)
    : store_(store),
      matcher_(matcher),
      executor_(std::move(executor)),
      options_(options),
      now_(std::move(now)),
      timer_wakeup_(std::make_unique<asio::steady_timer>(executor_)),
      visibility_wakeup_(std::make_unique<asio::steady_timer>(executor_)) {}

metrics::Gauge& Engine::ResultPollsWaiting() {
  static metrics::Gauge* gauge = metrics::DefaultRegistry().GetGauge(
      "hdo_history_result_polls_waiting",
      "History long polls (GetWorkflowExecutionHistory with wait_new_event, e.g. a client "
      "waiting for a result) parked waiting for new events now.");
  return *gauge;
}

Engine::~Engine() { ResultPollsWaiting().Add(-static_cast<double>(history_waits_.size())); }

google::protobuf::Timestamp Engine::After(const google::protobuf::Duration& duration) {
  return AddDuration(now_(), duration);
}

int64_t Engine::NowMs() { return ToMillis(now_()); }

hugo::Result<int> Engine::Recover() {
  auto max_id = store_->MaxTaskId();
  if (max_id.IsFailure()) return max_id.Error();
  next_task_id_ = max_id.Value() + 1;
  int recovered = 0;
  int64_t after = 0;
  std::vector<std::pair<int64_t, TransferTask>> visibility;
  while (true) {
    auto tasks = store_->LoadTransferTasks(after, 1000);
    if (tasks.IsFailure()) return tasks.Error();
    if (tasks.Value().empty()) break;
    for (const auto& record : tasks.Value()) {
      TransferTask task;
      if (task.ParseFromString(record.data)) {
        if (task.kind() == TransferTask::KIND_VISIBILITY) {
          visibility.emplace_back(record.task_id, std::move(task));
        } else {
          Dispatch(task, record.task_id);
        }
        ++recovered;
      }
      after = record.task_id;
    }
  }
  auto visible = RecoverVisibility(visibility);
  if (visible.IsFailure()) return visible.Error();
  after = 0;
  while (true) {
    auto timers = store_->LoadTimerTasks(after, 1000);
    if (timers.IsFailure()) return timers.Error();
    if (timers.Value().empty()) break;
    for (const auto& record : timers.Value()) {
      TimerTask task;
      if (task.ParseFromString(record.data)) {
        timer_queue_.emplace(record.fire_time_ms, std::make_pair(record.task_id, task));
        ++recovered;
      }
      after = record.task_id;
    }
  }
  ArmTimer();
  return hugo::Ok(recovered);
}

hugo::Result<int> Engine::ReloadFromStore() {
  cache_lru_.clear();
  cache_index_.clear();
  closed_runs_order_.clear();
  closed_runs_.clear();
  timer_queue_.clear();
  // Pending rows may belong to the lost commit; the stored tasks name the ones that count.
  pending_visibility_.clear();
  matcher_->DropQueuedTasks();
  return Recover();
}

void Engine::Dispatch(const TransferTask& task, int64_t task_id) {
  matching::Task match{task.namespace_id(),
                       task.workflow_id(),
                       task.run_id(),
                       task.scheduled_event_id(),
                       task.attempt(),
                       task_id,
                       0,
                       task.stamp()};
  match.pinned = task.pinned_version();
  match.use_ramping = task.use_ramping_version();
  match.sticky = task.sticky();
  match.build_id_directive = task.build_id_directive();
  switch (task.kind()) {
    case TransferTask::KIND_WORKFLOW_TASK:
      matcher_->AddWorkflowTask(task.task_queue(), std::move(match));
      break;
    case TransferTask::KIND_ACTIVITY_TASK:
      matcher_->AddActivityTask(task.task_queue(), std::move(match));
      break;
    case TransferTask::KIND_START_CHILD:
    case TransferTask::KIND_CHILD_CLOSED:
    case TransferTask::KIND_SIGNAL_EXTERNAL:
    case TransferTask::KIND_CANCEL_EXTERNAL:
    case TransferTask::KIND_PARENT_CLOSE_POLICY:
    case TransferTask::KIND_NEXUS_CALLBACKS:
      // The engine's own work, after the transition that wrote it has returned.
      asio::post(executor_, [this, task, task_id] { ProcessTransfer(task, task_id); });
      break;
    case TransferTask::KIND_NEXUS_START:
    case TransferTask::KIND_NEXUS_CANCEL:
      // A request to a Nexus handler, answered later (engine_nexus.cc).
      asio::post(executor_, [this, task, task_id] { ProcessNexusRequest(task, task_id); });
      break;
    default:
      break;
  }
}

namespace {

std::string CacheKey(const persistence::RunKey& key) {
  // Sized once: a transition builds several of these, and the chained operator+ allocated twice.
  std::string cache_key;
  cache_key.reserve(key.namespace_id.size() + key.workflow_id.size() + key.run_id.size() + 2);
  cache_key.append(key.namespace_id).append(1, '\n').append(key.workflow_id).append(1, '\n');
  cache_key.append(key.run_id);
  return cache_key;
}

metrics::Histogram& VisibilityFlushRows() {
  static metrics::Histogram* histogram = metrics::DefaultRegistry().GetHistogram(
      "hdo_history_visibility_flush_rows",
      "Deferred visibility: the visibility rows one write of the pending rows wrote.",
      {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096});
  return *histogram;
}

metrics::Counter& VisibilityRowsMerged() {
  static metrics::Counter* counter = metrics::DefaultRegistry().GetCounter(
      "hdo_history_visibility_rows_merged_total",
      "Deferred visibility: transitions whose visibility row replaced the run's row still "
      "pending (a row write saved).");
  return *counter;
}

// Deferred visibility: a committed transition's row, waiting for its commit's end to enter the
// pending rows.
struct StagedVisibility {
  std::string key;  // CacheKey
  persistence::VisibilityRecord record;
  int64_t task_id = 0;  // its KIND_VISIBILITY task, written by this commit; 0: already pending
};

// `newer` (a later transition's row of the same run) replaces `older`, which was not written: the
// write must still do what either would have (a row not stored yet is inserted whole; indexed
// columns or attributes changed by either are rewritten).
void MergeVisibility(persistence::VisibilityRecord& older, persistence::VisibilityRecord newer) {
  const bool row_exists = older.row_exists;
  const bool counters_only = older.counters_only && newer.counters_only;
  const bool stored =
      older.memo_and_search_attributes_stored && newer.memo_and_search_attributes_stored;
  older = std::move(newer);
  older.row_exists = row_exists;
  older.counters_only = counters_only;
  older.memo_and_search_attributes_stored = stored;
}

// A cached run a transition may change in place: it holds nothing the store does not (a
// speculative workflow task lives only in the cache, so giving up its transition could not
// reload it).
bool StoredAsCached(const MutableState& state) {
  return !state.has_workflow_task() || !state.workflow_task().speculative();
}

}  // namespace

hugo::Result<std::shared_ptr<Engine::LoadedRun>> Engine::LoadStoredRun(
    const persistence::RunKey& key) {
  auto record = store_->GetRun(key);
  if (record.IsFailure()) {
    if (record.Error().Code() == persistence::kErrorNotFound) {
      return NotFound("workflow execution not found for workflow ID \"" + key.workflow_id +
                      "\" and run ID \"" + key.run_id + "\"");
    }
    return record.Error();
  }
  auto run = std::make_shared<LoadedRun>(LoadedRun{std::move(record).Value(), {}});
  if (!run->state.ParseFromString(run->record.state)) {
    return hugo::Error::From("stored state of run " + key.run_id + " does not decode",
                             errors::kInternal);
  }
  run->record.status = run->state.status();
  run->record.state.clear();  // the decoded state is the copy that counts
  return hugo::Ok(std::move(run));
}

hugo::Result<Engine::LoadedRun> Engine::LoadRun(const persistence::RunKey& key) {
  auto cached = cache_index_.find(CacheKey(key));
  if (cached != cache_index_.end() && cached->second->second.run != nullptr) {
    cache_lru_.splice(cache_lru_.begin(), cache_lru_, cached->second);
    return hugo::Ok(LoadedRun(*cached->second->second.run));
  }
  auto stored = LoadStoredRun(key);
  if (stored.IsFailure()) return stored.Error();
  LoadedRun run = *stored.Value();
  CacheRun(std::move(stored).Value());
  return hugo::Ok(std::move(run));
}

hugo::Result<const Engine::LoadedRun*> Engine::PeekRun(const persistence::RunKey& key) {
  std::string cache_key = CacheKey(key);
  auto cached = cache_index_.find(cache_key);
  if (cached == cache_index_.end() || cached->second->second.run == nullptr) {
    auto stored = LoadStoredRun(key);
    if (stored.IsFailure()) return stored.Error();
    CacheRun(stored.Value());
    cached = cache_index_.find(cache_key);
    if (cached == cache_index_.end()) {
      peeked_ = std::move(*stored.Value());
      return hugo::Ok(static_cast<const LoadedRun*>(&peeked_));
    }
  }
  cache_lru_.splice(cache_lru_.begin(), cache_lru_, cached->second);
  return hugo::Ok(static_cast<const LoadedRun*>(cached->second->second.run.get()));
}

void Engine::CacheRun(std::shared_ptr<LoadedRun> run) {
  if (options_.mutable_state_cache_max == 0) return;
  std::string key = CacheKey(run->record.key);
  auto cached = cache_index_.find(key);
  if (cached != cache_index_.end()) {
    CachedRun& entry = cached->second->second;
    entry.run = std::move(run);
    // A run changed without a commit of events (an update's in-memory task) keeps its tail,
    // which still ends where its history does.
    if (!entry.tail.empty() &&
        entry.tail.back().last_event_id != entry.run->state.next_event_id() - 1) {
      entry.tail.clear();
    }
    cache_lru_.splice(cache_lru_.begin(), cache_lru_, cached->second);
    return;
  }
  cache_lru_.emplace_front(key, CachedRun{std::move(run), {}});
  cache_index_[std::move(key)] = cache_lru_.begin();
  while (cache_lru_.size() > options_.mutable_state_cache_max) {
    auto& [evicted_key, evicted] = cache_lru_.back();
    if (evicted.run != nullptr &&
        evicted.run->state.status() != enums::WORKFLOW_EXECUTION_STATUS_RUNNING &&
        options_.closed_runs_remembered > 0) {
      auto [closed, inserted] = closed_runs_.insert(evicted_key);
      if (inserted) closed_runs_order_.push_back(&*closed);
      while (closed_runs_order_.size() > options_.closed_runs_remembered) {
        closed_runs_.erase(*closed_runs_order_.front());
        closed_runs_order_.pop_front();
      }
    }
    cache_index_.erase(evicted_key);
    cache_lru_.pop_back();
  }
}

namespace {

// Events kept in a cached run's tail at most: a workflow's recent events (what a sticky worker
// is sent) and, for short runs, the whole history.
constexpr int kTailEventsMax = 64;

}  // namespace

void Engine::CacheCommitted(const std::shared_ptr<LoadedRun>& committed,
                            const hist::History& events, std::string data) {
  if (options_.mutable_state_cache_max == 0) return;
  const LoadedRun& run = *committed;
  std::vector<TailBatch> tail;
  const std::string key = CacheKey(run.record.key);
  auto cached = cache_index_.find(key);
  if (cached != cache_index_.end()) tail = std::move(cached->second->second.tail);
  if (events.events_size() > 0) {
    TailBatch batch;
    batch.first_event_id = events.events(0).event_id();
    batch.last_event_id = events.events(events.events_size() - 1).event_id();
    batch.data = std::move(data);
    batch.search_attributes =
        std::any_of(events.events().begin(), events.events().end(), CarriesSearchAttributes);
    // A tail must join up with the new events; if it does not, they start a new one (a tail
    // only has to end where the history does).
    if (!tail.empty() && tail.back().last_event_id + 1 != batch.first_event_id) tail.clear();
    tail.push_back(std::move(batch));
  }
  if (!tail.empty() &&
      tail.back().last_event_id - tail.front().first_event_id + 1 > kTailEventsMax) {
    // Over the bound, keep what a sticky worker still needs (the events after its last
    // completed task), then at most kTailEventsMax events: whole batches, oldest dropped first,
    // the newest always kept.
    const int64_t keep_from = run.state.last_completed_workflow_task_started_event_id() + 1;
    auto kept = tail.begin();
    while (tail.end() - kept > 1 && kept->last_event_id < keep_from) ++kept;
    while (tail.end() - kept > 1 &&
           tail.back().last_event_id - kept->first_event_id + 1 > kTailEventsMax) {
      ++kept;
    }
    tail.erase(tail.begin(), kept);
  }
  CacheRun(committed);
  cached = cache_index_.find(key);
  if (cached != cache_index_.end()) cached->second->second.tail = std::move(tail);
}

namespace {

// Appends the events of a serialized History `batch` that lie in first..last to `into`.
hugo::Result<hugo::Unit> TakeEvents(const std::string& batch, int64_t first_event_id,
                                    int64_t last_event_id, hist::History& into) {
  hist::History parsed;
  if (!parsed.ParseFromString(batch)) {
    return hugo::Error::From("a cached history batch does not parse", errors::kInternal);
  }
  for (hist::HistoryEvent& event : *parsed.mutable_events()) {
    if (event.event_id() < first_event_id || event.event_id() > last_event_id) continue;
    *into.add_events() = std::move(event);
  }
  return hugo::Ok();
}

}  // namespace

const std::vector<Engine::TailBatch>* Engine::TailCovering(const persistence::RunKey& key,
                                                           int64_t first_event_id,
                                                           int64_t last_event_id) const {
  auto cached = cache_index_.find(CacheKey(key));
  if (cached == cache_index_.end()) return nullptr;
  const std::vector<TailBatch>& tail = cached->second->second.tail;
  if (tail.empty() || tail.front().first_event_id > first_event_id ||
      tail.back().last_event_id < last_event_id) {
    return nullptr;
  }
  return &tail;
}

hugo::Result<hist::History> Engine::EventsOf(const persistence::RunKey& key, int64_t first_event_id,
                                             int64_t last_event_id) {
  const std::vector<TailBatch>* tail = TailCovering(key, first_event_id, last_event_id);
  if (tail == nullptr) return ReadEvents(key, first_event_id, last_event_id);
  hist::History history;
  for (const TailBatch& batch : *tail) {
    if (batch.last_event_id < first_event_id || batch.first_event_id > last_event_id) continue;
    auto taken = TakeEvents(batch.data, first_event_id, last_event_id, history);
    if (taken.IsFailure()) return taken.Error();
  }
  return hugo::Ok(std::move(history));
}

hugo::Result<hugo::Unit> Engine::AppendWireEvents(const persistence::RunKey& key,
                                                  int64_t first_event_id, int64_t last_event_id,
                                                  std::string& out) {
  const std::vector<TailBatch>* tail = TailCovering(key, first_event_id, last_event_id);
  if (tail == nullptr) {
    auto read = ReadEvents(key, first_event_id, last_event_id);
    if (read.IsFailure()) return read.Error();
    TypeSearchAttributes(key.namespace_id, read.Value());
    read.Value().AppendToString(&out);
    return hugo::Ok();
  }
  for (const TailBatch& batch : *tail) {
    if (batch.last_event_id < first_event_id || batch.first_event_id > last_event_id) continue;
    if (!batch.search_attributes && batch.first_event_id >= first_event_id &&
        batch.last_event_id <= last_event_id) {
      // A serialized History is its events' fields one after another: batches concatenate.
      out += batch.data;
      continue;
    }
    hist::History part;
    auto taken = TakeEvents(batch.data, first_event_id, last_event_id, part);
    if (taken.IsFailure()) return taken.Error();
    TypeSearchAttributes(key.namespace_id, part);
    part.AppendToString(&out);
  }
  return hugo::Ok();
}

void Engine::ParseWireHistory(google::protobuf::Message& reply) {
  // Serialized, the wire bytes are the typed field's: parsing them back fills it.
  const std::string bytes = reply.SerializeAsString();
  reply.Clear();
  (void)reply.ParseFromString(bytes);
}

void Engine::EvictRun(const persistence::RunKey& key) {
  auto cached = cache_index_.find(CacheKey(key));
  if (cached == cache_index_.end()) return;
  cache_lru_.erase(cached->second);
  cache_index_.erase(cached);
}

hugo::Result<bool> Engine::DeleteClosedRun(const persistence::RunKey& key) {
  auto cached = cache_index_.find(CacheKey(key));
  if (cached != cache_index_.end()) {
    const std::shared_ptr<LoadedRun>& run = cached->second->second.run;
    if (run == nullptr || IsRunning(run->state)) return hugo::Ok(false);
  }
  // A run the cache does not hold is taken as its listing row says: closed (a run never opens
  // again; a reset or a continue-as-new starts another).
  auto deleted = store_->DeleteRun(key, {}, {});
  if (deleted.IsFailure()) {
    if (deleted.Error().Code() == persistence::kErrorNotFound) return hugo::Ok(false);
    return deleted.Error();
  }
  // A row still pending would bring the run back into lists.
  DropPendingVisibility(key);
  EvictRun(key);
  return hugo::Ok(true);
}

hugo::Result<Engine::Mutation> Engine::Begin(const persistence::RunKey& key) {
  auto cached = cache_index_.find(CacheKey(key));
  if (cached != cache_index_.end() && cached->second->second.run != nullptr) {
    cache_lru_.splice(cache_lru_.begin(), cache_lru_, cached->second);
    std::shared_ptr<LoadedRun>& run = cached->second->second.run;
    // Checked out without a copy when nothing else holds the object (a committed mutation
    // still in scope does) and the store holds all of it: the entry stays empty until the
    // commit gives the run back, and a transition given up leaves the store's copy to reload.
    if (run.use_count() == 1 && StoredAsCached(run->state)) {
      return hugo::Ok(Mutation(std::move(run)));
    }
    return hugo::Ok(Mutation(std::make_shared<LoadedRun>(*run)));
  }
  // Not cached: the stored run, cached by the commit.
  auto stored = LoadStoredRun(key);
  if (stored.IsFailure()) return stored.Error();
  return hugo::Ok(Mutation(std::move(stored).Value()));
}

hugo::Result<Engine::Mutation> Engine::BeginExecution(
    const std::string& namespace_id,
    const temporal::api::common::v1::WorkflowExecution& execution) {
  auto run_id = ResolveRunId(namespace_id, execution.workflow_id(), execution.run_id());
  if (run_id.IsFailure()) return run_id.Error();
  return Begin({namespace_id, execution.workflow_id(), run_id.Value()});
}

hugo::Result<std::string> Engine::ResolveRunId(const std::string& namespace_id,
                                               const std::string& workflow_id,
                                               const std::string& run_id) {
  if (!run_id.empty()) return hugo::Ok(run_id);
  auto current = store_->GetCurrentRun(namespace_id, workflow_id);
  if (current.IsFailure()) {
    if (current.Error().Code() == persistence::kErrorNotFound) {
      return NotFound("workflow not found for ID: " + workflow_id);
    }
    return current.Error();
  }
  return hugo::Ok(current.Value().run_id);
}

hugo::Result<hugo::Unit> Engine::Commit(Mutation& root) {
  // updates: a transition of only a speculative workflow task stays in memory.
  if (root.also.empty() && CommitSpeculative(root)) return hugo::Ok();
  // The mutation and the other runs' mutations it carries, depth first: one transaction.
  std::vector<Mutation*> mutations{&root};
  for (size_t i = 0; i < mutations.size(); ++i) {
    for (Mutation& other : mutations[i]->also) mutations.push_back(&other);
  }
  std::vector<StartedOnPoll> started_on_polls = StartOnParkedPolls(mutations);
  persistence::Transaction transaction;
  const bool deferred = options_.visibility_delay.count() > 0;
  std::vector<StagedVisibility> staged;  // deferred: entered into pending once committed
  std::vector<std::vector<int64_t>> transfer_ids(mutations.size());
  std::vector<std::vector<int64_t>> timer_ids(mutations.size());
  for (size_t i = 0; i < mutations.size(); ++i) {
    Mutation& m = *mutations[i];
    LoadedRun& run = m.run;
    run.state.set_state_transition_count(run.state.state_transition_count() + 1);
    persistence::RunWrite write = std::move(m.write);
    write.run.key = run.record.key;
    write.run.db_version = run.record.db_version + 1;
    write.run.status = run.state.status();
    // Most transitions leave the status alone: the current-run pointer that mirrors it is then
    // not rewritten (a stored run's pointer already holds its status).
    if (write.current_mode == persistence::CurrentRunMode::kUpdate && run.record.db_version > 0 &&
        run.record.status == run.state.status()) {
      write.current_mode = persistence::CurrentRunMode::kUnchanged;
    }
    if (m.events.events_size() > 0) {
      write.history.push_back(ToBatch(m.events));
      run.state.set_history_size_bytes(run.state.history_size_bytes() +
                                       static_cast<int64_t>(write.history.back().data.size()));
    }
    write.run.state = StoredState(run.state);
    persistence::VisibilityRecord visibility = VisibilityOf(run.state);
    // Most transitions change only the counters (history length and size, transitions,
    // replays): those update the row in place and touch none of its indexes.
    visibility.counters_only = !m.visibility_changed && run.record.db_version > 0 &&
                               run.record.status == run.state.status();
    visibility.row_exists = run.record.db_version > 0;
    // Memo and search attributes change only through the commands that set visibility_changed
    // (a new run's row is written whole).
    visibility.memo_and_search_attributes_stored =
        !m.visibility_changed && run.record.db_version > 0;
    if (deferred) {
      std::string key = CacheKey(run.record.key);
      int64_t task_id = 0;
      const bool staged_before =
          std::any_of(staged.begin(), staged.end(),
                      [&key](const StagedVisibility& one) { return one.key == key; });
      if (!staged_before && pending_visibility_.count(key) == 0) {
        // The run's row is behind its state from this commit on: the task says so durably.
        task_id = next_task_id_++;
        TransferTask task;
        task.set_kind(TransferTask::KIND_VISIBILITY);
        task.set_namespace_id(run.record.key.namespace_id);
        task.set_workflow_id(run.record.key.workflow_id);
        task.set_run_id(run.record.key.run_id);
        transaction.new_transfer_tasks.push_back({task_id, task.SerializeAsString()});
      }
      staged.push_back({std::move(key), std::move(visibility), task_id});
    } else {
      transaction.visibility.push_back(std::move(visibility));
    }
    transaction.runs.push_back(std::move(write));
    for (const TransferTask& task : m.transfer) {
      transfer_ids[i].push_back(next_task_id_++);
      transaction.new_transfer_tasks.push_back({transfer_ids[i].back(), task.SerializeAsString()});
    }
    for (const PendingTimer& timer : m.timers) {
      timer_ids[i].push_back(next_task_id_++);
      transaction.new_timer_tasks.push_back(
          {timer_ids[i].back(), timer.fire_time_ms, timer.task.SerializeAsString()});
    }
    transaction.completed_transfer_task_ids.insert(transaction.completed_transfer_task_ids.end(),
                                                   m.done_transfer.begin(), m.done_transfer.end());
    transaction.completed_timer_task_ids.insert(transaction.completed_timer_task_ids.end(),
                                                m.done_timer.begin(), m.done_timer.end());
  }
  auto written = store_->Write(transaction);
  if (written.IsFailure()) {
    // The store may or may not hold the write: the next transition reads what it holds.
    for (Mutation* m : mutations) EvictRun(m->run.record.key);
    AnswerParkedPolls(started_on_polls, false);
    return written;
  }
  bool earlier = false;
  for (size_t i = 0; i < mutations.size(); ++i) {
    Mutation& m = *mutations[i];
    LoadedRun& run = m.run;
    run.record.db_version = transaction.runs[i].run.db_version;
    run.record.status = run.state.status();
    std::vector<persistence::HistoryBatch>& written_history = transaction.runs[i].history;
    CacheCommitted(m.owned, m.events,
                   m.events.events_size() > 0 && !written_history.empty()
                       ? std::move(written_history.back().data)
                       : std::string());
    for (size_t t = 0; t < m.transfer.size(); ++t) Dispatch(m.transfer[t], transfer_ids[i][t]);
    for (size_t t = 0; t < m.timers.size(); ++t) {
      timer_queue_.emplace(m.timers[t].fire_time_ms,
                           std::make_pair(timer_ids[i][t], m.timers[t].task));
      earlier = earlier || armed_for_ms_ == 0 || m.timers[t].fire_time_ms < armed_for_ms_;
    }
  }
  if (earlier) ArmTimer();
  for (StagedVisibility& one : staged) {
    auto [entry, added] = pending_visibility_.try_emplace(std::move(one.key));
    if (added) {
      entry->second = {std::move(one.record), one.task_id, visibility_round_};
    } else {
      MergeVisibility(entry->second.record, std::move(one.record));
      VisibilityRowsMerged().Add();
    }
  }
  if (!staged.empty()) {
    ArmVisibilityFlush(pending_visibility_.size() >= options_.visibility_pending_max
                           ? std::chrono::milliseconds(0)
                           : options_.visibility_delay);
  }
  AnswerParkedPolls(started_on_polls, true);
  for (Mutation* m : mutations) {
    WakeWaiters(m->run.record.key.run_id, IsRunning(m->run.state));
    if (m->run.state.has_standalone_activity() || m->run.state.has_standalone_nexus_operation()) {
      WakeActivityWaiters(m->run.record.key.run_id);
    }
    ServeBufferedQueries(m->run.state);
    AfterUpdateCommit(*m);
  }
  return hugo::Ok();
}

std::vector<Engine::StartedOnPoll> Engine::StartOnParkedPolls(
    const std::vector<Mutation*>& mutations) {
  std::vector<StartedOnPoll> started;
  for (Mutation* m : mutations) {
    MutableState& state = m->run.state;
    if (m->in_memory || !IsRunning(state)) continue;
    auto& transfer = m->transfer;
    for (auto task = transfer.begin(); task != transfer.end();) {
      std::optional<matching::Matcher::ClaimedPoll> poll;
      int64_t activity_id = 0;
      if (task->kind() == TransferTask::KIND_WORKFLOW_TASK) {
        const auto& workflow_task = state.workflow_task();
        // The tests RecordWorkflowTaskStarted makes of a polled task.
        const bool current = state.has_workflow_task() && !workflow_task.speculative() &&
                             workflow_task.started_event_id() == 0 &&
                             workflow_task.scheduled_event_id() == task->scheduled_event_id() &&
                             workflow_task.attempt() == task->attempt();
        if (current) poll = matcher_->ClaimWorkflowPoll(task->task_queue(), ClaimTask(*task));
        if (poll.has_value()) {
          DropScheduleToStart(*m, TimerTask::KIND_WORKFLOW_TASK_TIMEOUT, task->scheduled_event_id(),
                              task->attempt());
          MarkWorkflowTaskStarted(*m, poll->poller, static_cast<int64_t>(m->events.ByteSizeLong()));
        }
      } else if (task->kind() == TransferTask::KIND_ACTIVITY_TASK) {
        auto found = state.mutable_activities()->find(task->scheduled_event_id());
        // The tests RecordActivityTaskStarted makes.
        const bool current =
            found != state.mutable_activities()->end() &&
            found->second.attempt() == task->attempt() && found->second.stamp() == task->stamp() &&
            !found->second.paused() && !found->second.started() && !found->second.retry_pending() &&
            !(state.has_versioning_info() && state.versioning_info().has_version_transition());
        if (current) poll = matcher_->ClaimActivityPoll(task->task_queue(), ClaimTask(*task));
        if (poll.has_value()) {
          activity_id = task->scheduled_event_id();
          DropScheduleToStart(*m, TimerTask::KIND_ACTIVITY_TIMEOUT, task->scheduled_event_id(),
                              task->attempt());
          MarkActivityStarted(*m, found->second, poll->poller.poll_request_id,
                              poll->poller.identity);
        }
      }
      if (!poll.has_value()) {
        ++task;
        continue;
      }
      started.push_back({m, activity_id, std::move(*poll)});
      task = transfer.erase(task);
    }
  }
  return started;
}

// The schedule-to-start timeout of a task started now would only fire stale: not written.
void Engine::DropScheduleToStart(Mutation& m, TimerTask::Kind kind, int64_t scheduled_event_id,
                                 int32_t attempt) {
  auto& timers = m.timers;
  timers.erase(std::remove_if(timers.begin(), timers.end(),
                              [&](const PendingTimer& timer) {
                                return timer.task.kind() == kind &&
                                       timer.task.timeout_type() ==
                                           enums::TIMEOUT_TYPE_SCHEDULE_TO_START &&
                                       timer.task.scheduled_event_id() == scheduled_event_id &&
                                       timer.task.attempt() == attempt;
                              }),
               timers.end());
}

void Engine::AnswerParkedPolls(std::vector<StartedOnPoll>& started, bool written) {
  for (StartedOnPoll& one : started) {
    auto& poll = one.poll;
    // Unanswerable (the write failed) means an empty answer: the poller polls again, and a task
    // the store kept started anyway is retried by its start-to-close timeout.
    if (poll.workflow_done) {
      wf::PollWorkflowTaskQueueResponse task;
      if (written) {
        auto response = WorkflowTaskResponse(one.m->run, poll.poller);
        if (response.IsSuccess()) task = std::move(response).Value();
      }
      poll.workflow_done(std::move(task));
      continue;
    }
    const auto& state = one.m->run.state;
    auto info = state.activities().find(one.activity_scheduled_event_id);
    poll.activity_done(written && info != state.activities().end()
                           ? ActivityTaskResponse(state, info->second, poll.poller.namespace_name)
                           : wf::PollActivityTaskQueueResponse());
  }
}

// --- deferred visibility

void Engine::ArmVisibilityFlush(std::chrono::milliseconds after) {
  if (visibility_armed_ && after.count() > 0) return;  // an earlier wake-up covers these rows
  visibility_armed_ = true;
  visibility_wakeup_->expires_after(after);
  visibility_wakeup_->async_wait([this](const std::error_code& error) {
    if (error) return;  // re-armed sooner, or the engine is going away
    visibility_armed_ = false;
    (void)WriteDueVisibility();
  });
}

hugo::Result<hugo::Unit> Engine::WriteDueVisibility() {
  if (!visibility_due_) visibility_due_ = visibility_round_++;
  const uint64_t due = *visibility_due_;
  std::vector<PendingRow> rows;
  const size_t rows_max = std::max<size_t>(options_.visibility_write_rows, 1);
  for (auto it = pending_visibility_.begin();
       it != pending_visibility_.end() && rows.size() < rows_max; ++it) {
    if (it->second.round > due) continue;  // pending since this round began: the next one's
    rows.push_back(it);
  }
  if (rows.empty()) {
    // The round is over; rows that became pending during it wait for their own delay.
    visibility_due_.reset();
    if (!pending_visibility_.empty()) {
      ArmVisibilityFlush(pending_visibility_.size() >= options_.visibility_pending_max
                             ? std::chrono::milliseconds(0)
                             : options_.visibility_delay);
    }
    return hugo::Ok();
  }
  auto written = WriteVisibilityRows(rows);
  if (written.IsFailure()) return written;
  // The rest of the round after the requests that queued meanwhile.
  ArmVisibilityFlush(std::chrono::milliseconds(0));
  return hugo::Ok();
}

hugo::Result<hugo::Unit> Engine::WriteVisibilityRows(const std::vector<PendingRow>& rows) {
  persistence::Transaction transaction;
  transaction.visibility.reserve(rows.size());
  for (PendingRow row : rows) {
    transaction.visibility.push_back(std::move(row->second.record));
    if (row->second.task_id != 0) {
      transaction.completed_transfer_task_ids.push_back(row->second.task_id);
    }
  }
  auto written = store_->Write(transaction);
  if (written.IsFailure()) {
    // Kept for the next try: rows that were written after all are written again (a row not
    // found by an update is inserted whole; an insert replaces).
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i]->second.record = std::move(transaction.visibility[i]);
    }
    visibility_due_.reset();
    ArmVisibilityFlush(options_.visibility_delay.count() > 0 ? options_.visibility_delay
                                                             : std::chrono::milliseconds(100));
    return written;
  }
  VisibilityFlushRows().Observe(static_cast<double>(rows.size()));
  for (PendingRow row : rows) pending_visibility_.erase(row);
  return hugo::Ok();
}

void Engine::DropPendingVisibility(const persistence::RunKey& key) {
  pending_visibility_.erase(CacheKey(key));
}

hugo::Result<hugo::Unit> Engine::FlushVisibility() {
  if (pending_visibility_.empty()) return hugo::Ok();
  if (visibility_armed_) {
    visibility_armed_ = false;
    visibility_wakeup_->cancel();
  }
  std::vector<PendingRow> rows;
  rows.reserve(pending_visibility_.size());
  for (auto it = pending_visibility_.begin(); it != pending_visibility_.end(); ++it) {
    rows.push_back(it);
  }
  auto written = WriteVisibilityRows(rows);
  if (written.IsSuccess()) visibility_due_.reset();
  return written;
}

hugo::Result<hugo::Unit> Engine::RecoverVisibility(
    const std::vector<std::pair<int64_t, TransferTask>>& tasks) {
  std::vector<int64_t> stale;
  for (const auto& [task_id, task] : tasks) {
    const persistence::RunKey key{task.namespace_id(), task.workflow_id(), task.run_id()};
    std::string cache_key = CacheKey(key);
    if (pending_visibility_.count(cache_key) > 0) {
      stale.push_back(task_id);  // the run's row is pending under another task already
      continue;
    }
    auto run = LoadStoredRun(key);
    if (run.IsFailure()) {
      if (!run.Error().HasCode(errors::kNotFound)) return run.Error();
      stale.push_back(task_id);  // the run was deleted with its row
      continue;
    }
    // Whatever the stored row holds, it is replaced whole from the stored state.
    pending_visibility_[cache_key] = {VisibilityOf(run.Value()->state), task_id, visibility_round_};
  }
  DropTasks(std::move(stale), {});
  if (!pending_visibility_.empty()) ArmVisibilityFlush(std::chrono::milliseconds(0));
  return hugo::Ok();
}

void Engine::DropTasks(std::vector<int64_t> transfer_ids, std::vector<int64_t> timer_ids) {
  if (transfer_ids.empty() && timer_ids.empty()) return;
  persistence::Transaction cleanup;
  cleanup.completed_transfer_task_ids = std::move(transfer_ids);
  cleanup.completed_timer_task_ids = std::move(timer_ids);
  // A failed cleanup leaves stale rows that are dropped again after the next restart.
  (void)store_->Write(cleanup);
}

hist::HistoryEvent* Engine::Append(Mutation& m, enums::EventType type) {
  MutableState& state = m.run.state;
  hist::HistoryEvent* event = m.events.add_events();
  event->set_event_id(state.next_event_id());
  state.set_next_event_id(state.next_event_id() + 1);
  *event->mutable_event_time() = now_();
  event->set_event_type(type);
  event->set_task_id(next_event_task_id_++);
  return event;
}

hist::HistoryEvent* Engine::AppendOrBuffer(Mutation& m, enums::EventType type) {
  MutableState& state = m.run.state;
  if (!state.has_workflow_task() || state.workflow_task().started_event_id() == 0) {
    return Append(m, type);
  }
  hist::HistoryEvent* event = state.add_buffered_events();
  *event->mutable_event_time() = now_();
  event->set_event_type(type);
  return event;
}

bool Engine::FlushBuffered(Mutation& m) {
  MutableState& state = m.run.state;
  if (state.buffered_events_size() == 0) return false;
  // Activity and child outcomes name their Started event, numbered only now (placeholder:
  // -scheduled id, -initiated id).
  std::map<int64_t, int64_t> started_ids;
  std::map<int64_t, int64_t> child_started_ids;
  // Outcomes of activities and children go after the other buffered events (signals, starts,
  // cancel requests), in their order: the reference's reorderBuffer.
  auto* events = state.mutable_buffered_events();
  std::stable_partition(events->begin(), events->end(), [](const hist::HistoryEvent& event) {
    switch (event.event_type()) {
      case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
        return false;
      default:
        return true;
    }
  });
  for (auto& buffered : *events) {
    hist::HistoryEvent* event = m.events.add_events();
    *event = std::move(buffered);
    event->set_event_id(state.next_event_id());
    state.set_next_event_id(state.next_event_id() + 1);
    event->set_task_id(next_event_task_id_++);
    if (event->event_type() == enums::EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      started_ids[event->activity_task_started_event_attributes().scheduled_event_id()] =
          event->event_id();
    }
    if (event->event_type() == enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
      const int64_t initiated_id =
          event->child_workflow_execution_started_event_attributes().initiated_event_id();
      child_started_ids[initiated_id] = event->event_id();
      auto child = state.mutable_children()->find(initiated_id);
      if (child != state.mutable_children()->end()) {
        child->second.set_started_event_id(event->event_id());
      }
    }
    if (event->event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED) {
      const std::string& attached =
          event->workflow_execution_options_updated_event_attributes().attached_request_id();
      if (!attached.empty()) {
        (*state.mutable_attached_request_event_ids())[attached] = event->event_id();
      }
    }
    FixStartedIds(*event, started_ids, child_started_ids);
  }
  state.clear_buffered_events();
  return true;
}

void Engine::ScheduleWorkflowTask(Mutation& m, int32_t attempt) {
  MutableState& state = m.run.state;
  // New events since the failure make the next task a normal one (reference: buffered events
  // end a run of transient attempts).
  if (FlushBuffered(m)) attempt = 1;
  bool sticky = !state.sticky_task_queue().empty() &&
                matcher_->StickyAlive(state.namespace_id(), state.sticky_task_queue()) &&
                StickyUsable(state);
  if (!sticky) {
    state.clear_sticky_task_queue();
    state.clear_sticky_schedule_to_start_timeout();
  }
  auto* task = state.mutable_workflow_task();
  task->Clear();
  task->set_attempt(attempt);
  task->set_sticky(sticky);
  task->set_task_queue(sticky ? state.sticky_task_queue() : state.task_queue());
  // The jitter is drawn only for a retry that backs off (not on the hot path's first attempts).
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const double jitter = attempt > kWorkflowTaskBackoffMinAttempts
                            ? std::uniform_real_distribution<double>(0, 1)(random)
                            : 0;
  *task->mutable_start_to_close_timeout() =
      WorkflowTaskStartToClose(state.default_workflow_task_timeout(), attempt, jitter);
  *task->mutable_scheduled_time() = now_();
  if (attempt > 1) {
    // Transient: the id is reserved, the events are written only if the attempt completes.
    task->set_transient(true);
    task->set_scheduled_event_id(state.next_event_id());
  } else {
    auto* event = Append(m, enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    auto* attributes = event->mutable_workflow_task_scheduled_event_attributes();
    attributes->mutable_task_queue()->set_name(task->task_queue());
    attributes->mutable_task_queue()->set_kind(sticky ? enums::TASK_QUEUE_KIND_STICKY
                                                      : enums::TASK_QUEUE_KIND_NORMAL);
    if (sticky) attributes->mutable_task_queue()->set_normal_name(state.task_queue());
    *attributes->mutable_start_to_close_timeout() = task->start_to_close_timeout();
    attributes->set_attempt(attempt);
    task->set_scheduled_event_id(event->event_id());
  }
  TransferTask transfer;
  transfer.set_kind(TransferTask::KIND_WORKFLOW_TASK);
  transfer.set_namespace_id(state.namespace_id());
  transfer.set_workflow_id(state.workflow_id());
  transfer.set_run_id(state.run_id());
  transfer.set_task_queue(task->task_queue());
  transfer.set_scheduled_event_id(task->scheduled_event_id());
  transfer.set_attempt(attempt);
  transfer.set_sticky(sticky);
  StampVersioning(state, transfer, true);
  m.transfer.push_back(std::move(transfer));
  if (sticky) {
    TimerTask timeout;
    timeout.set_kind(TimerTask::KIND_WORKFLOW_TASK_TIMEOUT);
    timeout.set_scheduled_event_id(task->scheduled_event_id());
    timeout.set_attempt(attempt);
    timeout.set_timeout_type(enums::TIMEOUT_TYPE_SCHEDULE_TO_START);
    google::protobuf::Duration wait = state.sticky_schedule_to_start_timeout();
    if (wait.seconds() == 0 && wait.nanos() == 0) wait.set_seconds(5);
    AddTimer(m, std::move(timeout), After(wait));
  }
}

void Engine::EnsureWorkflowTask(Mutation& m) {
  const MutableState& state = m.run.state;
  if (state.status() != enums::WORKFLOW_EXECUTION_STATUS_RUNNING) return;
  if (state.has_workflow_task()) return;
  // Events that arrive while the first task waits for its backoff are seen when it ends.
  if (PendingOnBackoff(state)) return;
  ScheduleWorkflowTask(m, 1);
}

void Engine::AddTimer(Mutation& m, TimerTask task, const google::protobuf::Timestamp& fire_time) {
  const MutableState& state = m.run.state;
  task.set_namespace_id(state.namespace_id());
  task.set_workflow_id(state.workflow_id());
  task.set_run_id(state.run_id());
  m.timers.push_back({std::move(task), ToMillis(fire_time)});
}

void Engine::Close(Mutation& m, enums::WorkflowExecutionStatus status) {
  MutableState& state = m.run.state;
  state.set_status(status);
  OnRunClosed(m);
  *state.mutable_close_time() = now_();
  state.clear_workflow_task();
  // Pending activities stay: DescribeWorkflowExecution of the closed run still lists them, as
  // the reference's does (nothing dispatches or times out on a closed run).
  state.clear_timers();
  state.clear_buffered_events();
  state.clear_sticky_task_queue();
  state.clear_sticky_schedule_to_start_timeout();
}

hugo::Result<hist::History> Engine::ReadEvents(const persistence::RunKey& key,
                                               int64_t first_event_id, int64_t last_event_id) {
  hist::History history;
  // The first batch may start before first_event_id: what precedes it is skipped.
  auto batches = store_->ReadHistory(key.namespace_id, key.run_id, first_event_id, 1 << 20);
  if (batches.IsFailure()) return batches.Error();
  for (const auto& batch : batches.Value()) {
    if (batch.first_event_id > last_event_id) break;
    if (batch.last_event_id < first_event_id) continue;
    hist::History decoded;
    if (!decoded.ParseFromString(batch.data)) {
      return hugo::Error::From("stored history of run " + key.run_id + " does not decode",
                               errors::kInternal);
    }
    for (auto& event : *decoded.mutable_events()) {
      if (event.event_id() >= first_event_id && event.event_id() <= last_event_id) {
        *history.add_events() = std::move(event);
      }
    }
  }
  return hugo::Ok(std::move(history));
}

void Engine::ReleaseWaiters() {
  stopped_ = true;
  timer_wakeup_->cancel();
  auto waiting = std::move(waiters_);
  waiters_.clear();
  ResultPollsWaiting().Add(-static_cast<double>(history_waits_.size()));
  history_waits_.clear();
  for (auto& [run_id, waiter] : waiting) {
    waiter->timer->cancel();
    TryAnswerHistory(waiter->namespace_id, waiter->request, true, waiter->done);
  }
  std::vector<uint64_t> queries;
  for (const auto& [id, query] : queries_) queries.push_back(id);
  for (uint64_t id : queries) {
    FinishQuery(id, hugo::Error::From("the server is shutting down", errors::kUnavailable));
  }
}

// --- timer queue

void Engine::ArmTimer() {
  if (stopped_ || timer_queue_.empty()) {
    armed_for_ms_ = 0;
    return;
  }
  const int64_t due = timer_queue_.begin()->first;
  armed_for_ms_ = due;
  const int64_t wait = std::max<int64_t>(0, due - NowMs());
  timer_wakeup_->expires_after(std::chrono::milliseconds(wait));
  timer_wakeup_->async_wait([this, due](const std::error_code& error) {
    if (error || stopped_ || armed_for_ms_ != due) return;
    armed_for_ms_ = 0;
    FireDueTimers();
  });
}

void Engine::FireDueTimers() {
  const int64_t now = NowMs();
  std::vector<std::pair<int64_t, TimerTask>> due;
  while (!timer_queue_.empty() && timer_queue_.begin()->first <= now) {
    due.push_back(std::move(timer_queue_.begin()->second));
    timer_queue_.erase(timer_queue_.begin());
  }
  // Most due timers are timeouts of tasks that completed long ago (each workflow task and
  // activity attempt arms one): checked against the cache and dropped together, they cost one
  // store write per firing instead of a load and a write each.
  std::vector<int64_t> stale;
  for (auto& [task_id, task] : due) {
    if (TimerIsStale(task)) {
      stale.push_back(task_id);
    } else {
      FireTimer(task_id, task);
    }
  }
  DropTasks({}, std::move(stale));
  ArmTimer();
}

bool Engine::TimerIsStale(const TimerTask& task) const {
  const std::string key = CacheKey({task.namespace_id(), task.workflow_id(), task.run_id()});
  auto cached = cache_index_.find(key);
  if (cached == cache_index_.end()) return closed_runs_.contains(key);
  if (cached->second->second.run == nullptr) return false;  // checked out: the transition decides
  const MutableState& state = cached->second->second.run->state;
  if (state.status() != enums::WORKFLOW_EXECUTION_STATUS_RUNNING) return true;
  switch (task.kind()) {
    case TimerTask::KIND_WORKFLOW_TASK_TIMEOUT:
      // The same tests as OnWorkflowTaskTimeout's before it changes anything.
      if (!state.has_workflow_task()) return true;
      if (state.workflow_task().speculative()) return false;
      return state.workflow_task().scheduled_event_id() != task.scheduled_event_id() ||
             state.workflow_task().attempt() != task.attempt();
    case TimerTask::KIND_ACTIVITY_TIMEOUT: {
      // OnActivityTimeout's.
      auto found = state.activities().find(task.scheduled_event_id());
      if (found == state.activities().end()) return true;
      if (found->second.paused()) return true;  // re-armed by the unpause
      return task.timeout_type() != enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE &&
             found->second.attempt() != task.attempt();
    }
    default:
      return false;
  }
}

int64_t Engine::TimerQueueLagMs() {
  if (timer_queue_.empty()) return 0;
  return std::max<int64_t>(0, NowMs() - timer_queue_.begin()->first);
}

void Engine::FireTimer(int64_t task_id, const TimerTask& task) {
  auto begun = Begin({task.namespace_id(), task.workflow_id(), task.run_id()});
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) DropTasks({}, {task_id});
    return;  // store trouble: the task stays stored and fires again after a restart
  }
  Mutation& m = begun.Value();
  m.done_timer.push_back(task_id);
  bool live = m.run.state.status() == enums::WORKFLOW_EXECUTION_STATUS_RUNNING;
  if (live) {
    switch (task.kind()) {
      case TimerTask::KIND_WORKFLOW_TASK_TIMEOUT:
        live = OnWorkflowTaskTimeout(m, task);
        break;
      case TimerTask::KIND_ACTIVITY_TIMEOUT:
        live = OnActivityTimeout(m, task);
        break;
      case TimerTask::KIND_ACTIVITY_RETRY:
        live = OnActivityRetry(m, task);
        break;
      case TimerTask::KIND_USER_TIMER:
        live = OnUserTimer(m, task);
        break;
      case TimerTask::KIND_WORKFLOW_RUN_TIMEOUT:
        live = OnRunTimeout(m, task);
        break;
      case TimerTask::KIND_WORKFLOW_BACKOFF:
        live = OnWorkflowBackoff(m, task);
        break;
      case TimerTask::KIND_NEXUS_TIMEOUT:
        live = OnNexusTimeout(m, task);
        break;
      case TimerTask::KIND_NEXUS_RETRY:
        live = OnNexusRetry(m, task);
        break;
      default:
        live = false;
    }
  }
  if (!live) {
    DropTasks({}, {task_id});
    return;
  }
  auto committed = Commit(m);
  if (committed.IsFailure()) {
    // Not applied: try again shortly (the stored row also survives a restart).
    timer_queue_.emplace(NowMs() + 1000, std::make_pair(task_id, task));
  }
}

}  // namespace hdo::history
