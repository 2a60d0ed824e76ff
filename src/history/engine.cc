#include "history/engine.h"

#include <algorithm>

#include "common/error_codes.h"
#include "common/uuid.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using persistence::v1::MutableState;
using persistence::v1::TransferTask;

hugo::Error NotFound(std::string message) {
  return hugo::Error::From(std::move(message), errors::kNotFound);
}

}  // namespace

Engine::Engine(persistence::ExecutionStore* store, matching::Matcher* matcher,
               asio::any_io_executor executor, Options options, Now now)
    : store_(store),
      matcher_(matcher),
      executor_(std::move(executor)),
      options_(options),
      now_(std::move(now)) {}

hugo::Result<int> Engine::Recover() {
  auto max_id = store_->MaxTransferTaskId();
  if (max_id.IsFailure()) return max_id.Error();
  next_task_id_ = max_id.Value() + 1;
  int recovered = 0;
  int64_t after = 0;
  while (true) {
    auto tasks = store_->LoadTransferTasks(after, 1000);
    if (tasks.IsFailure()) return tasks.Error();
    if (tasks.Value().empty()) break;
    for (const auto& record : tasks.Value()) {
      TransferTask task;
      if (task.ParseFromString(record.data)) {
        Dispatch(task, record.task_id);
        ++recovered;
      }
      after = record.task_id;
    }
  }
  return hugo::Ok(recovered);
}

void Engine::Dispatch(const TransferTask& task, int64_t task_id) {
  if (task.kind() != TransferTask::KIND_WORKFLOW_TASK) return;
  matcher_->AddWorkflowTask(
      task.task_queue(), matching::WorkflowTask{task.namespace_id(), task.workflow_id(),
                                                task.run_id(), task.scheduled_event_id(), task_id});
}

hugo::Result<Engine::LoadedRun> Engine::LoadRun(const persistence::RunKey& key) {
  auto record = store_->GetRun(key);
  if (record.IsFailure()) {
    if (record.Error().Code() == persistence::kErrorNotFound) {
      return NotFound("Workflow execution not found. WorkflowId: " + key.workflow_id +
                      ", RunId: " + key.run_id + ".");
    }
    return record.Error();
  }
  LoadedRun run{std::move(record).Value(), {}};
  if (!run.state.ParseFromString(run.record.state)) {
    return hugo::Error::From("stored state of run " + key.run_id + " does not decode",
                             errors::kInternal);
  }
  run.record.status = run.state.status();
  return hugo::Ok(std::move(run));
}

hugo::Result<std::string> Engine::ResolveRunId(const std::string& namespace_id,
                                               const std::string& workflow_id,
                                               const std::string& run_id) {
  if (!run_id.empty()) return hugo::Ok(run_id);
  auto current = store_->GetCurrentRun(namespace_id, workflow_id);
  if (current.IsFailure()) {
    if (current.Error().Code() == persistence::kErrorNotFound) {
      return NotFound("Workflow execution not found. WorkflowId: " + workflow_id + ".");
    }
    return current.Error();
  }
  return hugo::Ok(current.Value().run_id);
}

hugo::Result<hugo::Unit> Engine::Commit(LoadedRun& run, persistence::RunWrite write,
                                        std::vector<TransferTask> new_tasks,
                                        std::vector<int64_t> completed_task_ids,
                                        std::vector<int64_t>* new_task_ids) {
  run.state.set_state_transition_count(run.state.state_transition_count() + 1);
  write.run.key = run.record.key;
  write.run.db_version = run.record.db_version + 1;
  write.run.state = run.state.SerializeAsString();
  write.run.status = run.state.status();
  persistence::Transaction transaction;
  transaction.runs.push_back(std::move(write));
  std::vector<int64_t> ids;
  for (const TransferTask& task : new_tasks) {
    ids.push_back(next_task_id_++);
    transaction.new_transfer_tasks.push_back({ids.back(), task.SerializeAsString()});
  }
  transaction.completed_transfer_task_ids = std::move(completed_task_ids);
  auto written = store_->Write(transaction);
  if (written.IsFailure()) return written;
  run.record.db_version = transaction.runs[0].run.db_version;
  run.record.status = run.state.status();
  for (size_t i = 0; i < new_tasks.size(); ++i) Dispatch(new_tasks[i], ids[i]);
  if (new_task_ids != nullptr) *new_task_ids = ids;
  WakeWaiters(run.record.key.run_id);
  return hugo::Ok();
}

hugo::Result<hist::History> Engine::ReadEvents(const persistence::RunKey& key,
                                               int64_t first_event_id, int64_t last_event_id) {
  hist::History history;
  // A batch may start before first_event_id: read from its start and skip what precedes.
  auto batches = store_->ReadHistory(key.namespace_id, key.run_id, 1, 1 << 20);
  if (batches.IsFailure()) return batches.Error();
  for (const auto& batch : batches.Value()) {
    if (batch.last_event_id < first_event_id || batch.first_event_id > last_event_id) continue;
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
  auto waiting = std::move(waiters_);
  waiters_.clear();
  for (auto& [run_id, waiter] : waiting) {
    waiter->timer->cancel();
    TryAnswerHistory(waiter->namespace_id, waiter->request, true, waiter->done);
  }
}

void Engine::WakeWaiters(const std::string& run_id) {
  auto [begin, end] = waiters_.equal_range(run_id);
  std::vector<std::shared_ptr<HistoryWaiter>> waiting;
  for (auto it = begin; it != end; ++it) waiting.push_back(it->second);
  waiters_.erase(begin, end);
  for (auto& waiter : waiting) {
    if (TryAnswerHistory(waiter->namespace_id, waiter->request, false, waiter->done)) {
      waiter->timer->cancel();
    } else {
      waiters_.emplace(run_id, waiter);
    }
  }
}

}  // namespace hdo::history
