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

void SqlExecutionStore::AddRunStatements(const RunWrite& write, size_t run_index,
                                         std::vector<Statement>* statements,
                                         std::vector<Check>* checks) {
  const RunRecord& run = write.run;
  const RunKey& key = run.key;
  switch (write.current_mode) {
    case CurrentRunMode::kCreate:
      checks->push_back({statements->size(), Check::kCreateCurrent, run_index});
      statements->push_back(
          {"INSERT INTO current_executions(namespace_id, workflow_id, run_id, create_request_id, "
           "status) VALUES(?,?,?,?,?)",
           {key.namespace_id, key.workflow_id, key.run_id, write.create_request_id,
            int64_t{run.status}}});
      break;
    case CurrentRunMode::kReplace:
      checks->push_back({statements->size(), Check::kReplaceCurrent, run_index});
      statements->push_back(
          {"UPDATE current_executions SET run_id = ?, create_request_id = ?, status = ? "
           "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?",
           {key.run_id, write.create_request_id, int64_t{run.status}, key.namespace_id,
            key.workflow_id, write.expected_current_run_id}});
      break;
    case CurrentRunMode::kUpdate:
      // Mirrors the status; a run that is no longer current leaves the pointer alone.
      statements->push_back(
          {"UPDATE current_executions SET status = ? "
           "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?",
           {int64_t{run.status}, key.namespace_id, key.workflow_id, key.run_id}});
      break;
    case CurrentRunMode::kUnchanged:
      break;
  }
  if (run.db_version == 1) {
    checks->push_back({statements->size(), Check::kInsertRun, run_index});
    statements->push_back(
        {"INSERT INTO executions(namespace_id, workflow_id, run_id, db_version, state) "
         "VALUES(?,?,?,?,?)",
         {key.namespace_id, key.workflow_id, key.run_id, int64_t{1}, Blob{run.state}}});
  } else {
    checks->push_back({statements->size(), Check::kUpdateRun, run_index});
    statements->push_back(
        {"UPDATE executions SET db_version = ?, state = ? "
         "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND db_version = ?",
         {run.db_version, Blob{run.state}, key.namespace_id, key.workflow_id, key.run_id,
          run.db_version - 1}});
  }
  for (const HistoryBatch& batch : write.history) {
    statements->push_back(
        {"INSERT INTO history_batches(namespace_id, run_id, first_event_id, last_event_id, data) "
         "VALUES(?,?,?,?,?)",
         {key.namespace_id, key.run_id, batch.first_event_id, batch.last_event_id,
          Blob{batch.data}}});
  }
}

hugo::Error SqlExecutionStore::CheckFailed(const Check& check, const RunWrite& write) {
  const RunKey& key = write.run.key;
  switch (check.kind) {
    case Check::kCreateCurrent:
      return hugo::Error::From("workflow '" + key.workflow_id + "' already has a run",
                               kErrorAlreadyExists);
    case Check::kReplaceCurrent:
      return ConditionFailed("the current run of workflow '" + key.workflow_id + "' is no longer " +
                             write.expected_current_run_id);
    case Check::kInsertRun:
      return ConditionFailed(Describe(key) + " already exists");
    case Check::kUpdateRun:
      break;
  }
  return ConditionFailed(Describe(key) + " is not at version " +
                         std::to_string(write.run.db_version - 1));
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
  // The whole transaction is one batch of statements: one round trip (ExecuteBatch), then the
  // conditions (run versions, current-run pointers) are checked on the rows each changed; a
  // failed one fails the transaction, which the session rolls back.
  std::vector<Statement> statements;
  std::vector<Check> checks;
  for (size_t i = 0; i < transaction.runs.size(); ++i) {
    AddRunStatements(transaction.runs[i], i, &statements, &checks);
  }
  for (const TransferTaskRecord& task : transaction.new_transfer_tasks) {
    statements.push_back(
        {"INSERT INTO transfer_tasks(task_id, data) VALUES(?,?)", {task.task_id, Blob{task.data}}});
  }
  for (int64_t task_id : transaction.completed_transfer_task_ids) {
    statements.push_back({"DELETE FROM transfer_tasks WHERE task_id = ?", {task_id}});
  }
  Engine engine = session_->engine();
  for (const VisibilityRecord& record : transaction.visibility) {
    statements.push_back(VisibilityWrite(engine, record));
  }
  for (const TimerTaskRecord& task : transaction.new_timer_tasks) {
    statements.push_back({"INSERT INTO timer_tasks(task_id, fire_time, data) VALUES(?,?,?)",
                          {task.task_id, task.fire_time_ms, Blob{task.data}}});
  }
  for (int64_t task_id : transaction.completed_timer_task_ids) {
    statements.push_back({"DELETE FROM timer_tasks WHERE task_id = ?", {task_id}});
  }
  if (statements.empty()) return hugo::Ok();
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto executed = session_->ExecuteBatch(statements);
    if (executed.IsFailure()) {
      const hugo::Error& error = executed.Error();
      auto index = error.TryGetMetadata<int64_t>("statement_index");
      if (index.has_value() && error.HasCode(kErrorDuplicateKey)) {
        for (const Check& check : checks) {
          if (static_cast<int64_t>(check.statement) == *index &&
              (check.kind == Check::kCreateCurrent || check.kind == Check::kInsertRun)) {
            return CheckFailed(check, transaction.runs[check.run]);
          }
        }
      }
      return error;
    }
    for (const Check& check : checks) {
      if ((check.kind == Check::kReplaceCurrent || check.kind == Check::kUpdateRun) &&
          executed.Value()[check.statement] != 1) {
        return CheckFailed(check, transaction.runs[check.run]);
      }
    }
    return hugo::Ok();
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
