#include "persistence/sql/execution_store.h"

#include <algorithm>

#include "persistence/sql/visibility_store.h"

namespace hdo::persistence::sql {
namespace {

hugo::Error ConditionFailed(const std::string& what) {
  return hugo::Error::From(what, kErrorConditionFailed);
}

std::string Describe(const RunKey& key) {
  return "run " + key.run_id + " of workflow '" + key.workflow_id + "'";
}

}  // namespace

hugo::Result<hugo::Unit> SqlExecutionStore::WriteRun(const RunWrite& write) {
  const RunRecord& run = write.run;
  if (run.db_version == 1) {
    auto inserted = db().Execute(
        "INSERT INTO executions(namespace_id, workflow_id, run_id, db_version, state) "
        "VALUES(?,?,?,?,?)",
        {run.key.namespace_id, run.key.workflow_id, run.key.run_id, int64_t{1}, Blob{run.state}});
    if (inserted.IsFailure()) {
      if (inserted.Error().HasCode(kErrorDuplicateKey)) {
        return ConditionFailed(Describe(run.key) + " already exists");
      }
      return inserted.Error();
    }
    return hugo::Ok();
  }
  auto updated = db().Execute(
      "UPDATE executions SET db_version = ?, state = ? "
      "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND db_version = ?",
      {run.db_version, Blob{run.state}, run.key.namespace_id, run.key.workflow_id, run.key.run_id,
       run.db_version - 1});
  if (updated.IsFailure()) return updated.Error();
  if (updated.Value() != 1) {
    return ConditionFailed(Describe(run.key) + " is not at version " +
                           std::to_string(run.db_version - 1));
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> SqlExecutionStore::WriteCurrent(const RunWrite& write) {
  const RunKey& key = write.run.key;
  switch (write.current_mode) {
    case CurrentRunMode::kCreate: {
      auto inserted = db().Execute(
          "INSERT INTO current_executions(namespace_id, workflow_id, run_id, create_request_id, "
          "status) VALUES(?,?,?,?,?)",
          {key.namespace_id, key.workflow_id, key.run_id, write.create_request_id,
           int64_t{write.run.status}});
      if (inserted.IsFailure()) {
        if (inserted.Error().HasCode(kErrorDuplicateKey)) {
          return hugo::Error::From("workflow '" + key.workflow_id + "' already has a run",
                                   kErrorAlreadyExists);
        }
        return inserted.Error();
      }
      return hugo::Ok();
    }
    case CurrentRunMode::kReplace: {
      auto updated = db().Execute(
          "UPDATE current_executions SET run_id = ?, create_request_id = ?, status = ? "
          "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?",
          {key.run_id, write.create_request_id, int64_t{write.run.status}, key.namespace_id,
           key.workflow_id, write.expected_current_run_id});
      if (updated.IsFailure()) return updated.Error();
      if (updated.Value() != 1) {
        return ConditionFailed("the current run of workflow '" + key.workflow_id +
                               "' is no longer " + write.expected_current_run_id);
      }
      return hugo::Ok();
    }
    case CurrentRunMode::kUpdate: {
      // Mirrors the status; a run that is no longer current leaves the pointer alone.
      auto updated = db().Execute(
          "UPDATE current_executions SET status = ? "
          "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?",
          {int64_t{write.run.status}, key.namespace_id, key.workflow_id, key.run_id});
      if (updated.IsFailure()) return updated.Error();
      return hugo::Ok();
    }
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> SqlExecutionStore::DeleteTasks(const char* table,
                                                        const std::vector<int64_t>& task_ids) {
  for (int64_t task_id : task_ids) {
    auto removed =
        db().Execute(std::string("DELETE FROM ") + table + " WHERE task_id = ?", {task_id});
    if (removed.IsFailure()) return removed.Error();
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> SqlExecutionStore::Write(const Transaction& transaction) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    for (const RunWrite& write : transaction.runs) {
      auto current = WriteCurrent(write);
      if (current.IsFailure()) return current;
      auto run = WriteRun(write);
      if (run.IsFailure()) return run;
      for (const HistoryBatch& batch : write.history) {
        auto inserted = db().Execute(
            "INSERT INTO history_batches(namespace_id, run_id, first_event_id, last_event_id, "
            "data) VALUES(?,?,?,?,?)",
            {write.run.key.namespace_id, write.run.key.run_id, batch.first_event_id,
             batch.last_event_id, Blob{batch.data}});
        if (inserted.IsFailure()) return inserted.Error();
      }
    }
    for (const TransferTaskRecord& task : transaction.new_transfer_tasks) {
      auto inserted = db().Execute("INSERT INTO transfer_tasks(task_id, data) VALUES(?,?)",
                                   {task.task_id, Blob{task.data}});
      if (inserted.IsFailure()) return inserted.Error();
    }
    auto transfers_done = DeleteTasks("transfer_tasks", transaction.completed_transfer_task_ids);
    if (transfers_done.IsFailure()) return transfers_done;
    for (const VisibilityRecord& record : transaction.visibility) {
      auto written = WriteVisibility(db(), record);
      if (written.IsFailure()) return written;
    }
    for (const TimerTaskRecord& task : transaction.new_timer_tasks) {
      auto inserted =
          db().Execute("INSERT INTO timer_tasks(task_id, fire_time, data) VALUES(?,?,?)",
                       {task.task_id, task.fire_time_ms, Blob{task.data}});
      if (inserted.IsFailure()) return inserted.Error();
    }
    return DeleteTasks("timer_tasks", transaction.completed_timer_task_ids);
  });
}

hugo::Result<CurrentRun> SqlExecutionStore::GetCurrentRun(std::string_view namespace_id,
                                                          std::string_view workflow_id) {
  auto rows = db().Query(
      "SELECT run_id, create_request_id, status FROM current_executions "
      "WHERE namespace_id = ? AND workflow_id = ?",
      {std::string(namespace_id), std::string(workflow_id)});
  if (rows.IsFailure()) return rows.Error();
  if (rows.Value().empty()) {
    return hugo::Error::From("workflow '" + std::string(workflow_id) + "' not found",
                             kErrorNotFound);
  }
  const Rows& row = rows.Value();
  return hugo::Ok(
      CurrentRun{row.Bytes(0, 0), row.Bytes(0, 1), static_cast<int32_t>(row.Int64(0, 2))});
}

hugo::Result<RunRecord> SqlExecutionStore::GetRun(const RunKey& key) {
  auto rows = db().Query(
      "SELECT db_version, state FROM executions "
      "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?",
      {key.namespace_id, key.workflow_id, key.run_id});
  if (rows.IsFailure()) return rows.Error();
  if (rows.Value().empty()) return hugo::Error::From(Describe(key) + " not found", kErrorNotFound);
  return hugo::Ok(RunRecord{key, rows.Value().Int64(0, 0), rows.Value().Bytes(0, 1), 0});
}

hugo::Result<std::vector<HistoryBatch>> SqlExecutionStore::ReadHistory(
    std::string_view namespace_id, std::string_view run_id, int64_t first_event_id,
    int batch_count_max) {
  // From the batch holding first_event_id (the last one starting at or before it).
  auto rows = db().Query(
      "SELECT first_event_id, last_event_id, data FROM history_batches "
      "WHERE namespace_id = ? AND run_id = ? AND first_event_id >= "
      "coalesce((SELECT max(first_event_id) FROM history_batches "
      "WHERE namespace_id = ? AND run_id = ? AND first_event_id <= ?), ?) "
      "ORDER BY first_event_id LIMIT ?",
      {std::string(namespace_id), std::string(run_id), std::string(namespace_id),
       std::string(run_id), first_event_id, first_event_id, int64_t{batch_count_max}});
  if (rows.IsFailure()) return rows.Error();
  std::vector<HistoryBatch> batches;
  for (size_t row = 0; row < rows.Value().size(); ++row) {
    batches.push_back(
        {rows.Value().Int64(row, 0), rows.Value().Int64(row, 1), rows.Value().Bytes(row, 2)});
  }
  return hugo::Ok(std::move(batches));
}

hugo::Result<std::vector<TransferTaskRecord>> SqlExecutionStore::LoadTransferTasks(
    int64_t after_task_id, int count_max) {
  auto rows = db().Query(
      "SELECT task_id, data FROM transfer_tasks WHERE task_id > ? ORDER BY task_id LIMIT ?",
      {after_task_id, int64_t{count_max}});
  if (rows.IsFailure()) return rows.Error();
  std::vector<TransferTaskRecord> tasks;
  for (size_t row = 0; row < rows.Value().size(); ++row) {
    tasks.push_back({rows.Value().Int64(row, 0), rows.Value().Bytes(row, 1)});
  }
  return hugo::Ok(std::move(tasks));
}

hugo::Result<std::vector<TimerTaskRecord>> SqlExecutionStore::LoadTimerTasks(int64_t after_task_id,
                                                                             int count_max) {
  auto rows = db().Query(
      "SELECT task_id, fire_time, data FROM timer_tasks WHERE task_id > ? "
      "ORDER BY task_id LIMIT ?",
      {after_task_id, int64_t{count_max}});
  if (rows.IsFailure()) return rows.Error();
  std::vector<TimerTaskRecord> tasks;
  for (size_t row = 0; row < rows.Value().size(); ++row) {
    tasks.push_back(
        {rows.Value().Int64(row, 0), rows.Value().Int64(row, 1), rows.Value().Bytes(row, 2)});
  }
  return hugo::Ok(std::move(tasks));
}

hugo::Result<int64_t> SqlExecutionStore::MaxTaskId() {
  auto rows = db().Query(
      "SELECT coalesce((SELECT max(task_id) FROM transfer_tasks), 0), "
      "coalesce((SELECT max(task_id) FROM timer_tasks), 0)",
      {});
  if (rows.IsFailure()) return rows.Error();
  return hugo::Ok(std::max({task_id_floor_, rows.Value().Int64(0, 0), rows.Value().Int64(0, 1)}));
}

hugo::Result<hugo::Unit> SqlExecutionStore::DeleteRun(const RunKey& key,
                                                      const std::vector<int64_t>& transfer_task_ids,
                                                      const std::vector<int64_t>& timer_task_ids) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto deleted = db().Execute(
        "DELETE FROM executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?",
        {key.namespace_id, key.workflow_id, key.run_id});
    if (deleted.IsFailure()) return deleted.Error();
    if (deleted.Value() != 1) {
      return hugo::Error::From(Describe(key) + " not found", kErrorNotFound);
    }
    // The pointer goes only if it names this run: a deleted older run leaves the current one.
    auto unpointed = db().Execute(
        "DELETE FROM current_executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?",
        {key.namespace_id, key.workflow_id, key.run_id});
    if (unpointed.IsFailure()) return unpointed.Error();
    for (const char* sql : {"DELETE FROM history_batches WHERE namespace_id = ? AND run_id = ?",
                            "DELETE FROM executions_visibility WHERE namespace_id = ? AND "
                            "run_id = ?"}) {
      auto removed = db().Execute(sql, {key.namespace_id, key.run_id});
      if (removed.IsFailure()) return removed.Error();
    }
    auto transfers = DeleteTasks("transfer_tasks", transfer_task_ids);
    if (transfers.IsFailure()) return transfers;
    return DeleteTasks("timer_tasks", timer_task_ids);
  });
}

}  // namespace hdo::persistence::sql
