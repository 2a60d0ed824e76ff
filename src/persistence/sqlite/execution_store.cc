#include "persistence/sqlite/execution_store.h"

#include <sqlite3.h>

#include "persistence/sqlite/database.h"
#include "persistence/sqlite/statement.h"
#include "persistence/sqlite/visibility_store.h"

namespace hdo::persistence::sqlite {
namespace {

hugo::Error ConditionFailed(const std::string& what) {
  return hugo::Error::From(what, kErrorConditionFailed);
}

// Deletes the outbox rows (transfer or timer tasks) a transaction completed.
hugo::Result<hugo::Unit> DeleteTasks(sqlite3* db, std::string_view sql,
                                     const std::vector<int64_t>& task_ids) {
  for (int64_t task_id : task_ids) {
    Statement remove(db, sql);
    remove.BindInt64(1, task_id);
    auto removed = remove.Run();
    if (removed.IsFailure()) return removed;
  }
  return hugo::Ok();
}

std::string Describe(const RunKey& key) {
  return "run " + key.run_id + " of workflow '" + key.workflow_id + "'";
}

}  // namespace

hugo::Result<hugo::Unit> SqliteExecutionStore::WriteRun(const RunWrite& write) {
  const RunRecord& run = write.run;
  if (run.db_version == 1) {
    Statement insert(db_->handle(),
                     "INSERT INTO executions(namespace_id, workflow_id, run_id, db_version, state) "
                     "VALUES(?,?,?,?,?)");
    insert.BindText(1, run.key.namespace_id)
        .BindText(2, run.key.workflow_id)
        .BindText(3, run.key.run_id)
        .BindInt64(4, 1)
        .BindBlob(5, run.state);
    auto inserted = insert.Run();
    if (inserted.IsFailure() && insert.last_error() == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return ConditionFailed(Describe(run.key) + " already exists");
    }
    return inserted;
  }
  Statement update(db_->handle(),
                   "UPDATE executions SET db_version = ?, state = ? "
                   "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND db_version = ?");
  update.BindInt64(1, run.db_version)
      .BindBlob(2, run.state)
      .BindText(3, run.key.namespace_id)
      .BindText(4, run.key.workflow_id)
      .BindText(5, run.key.run_id)
      .BindInt64(6, run.db_version - 1);
  auto updated = update.Run();
  if (updated.IsFailure()) return updated;
  if (sqlite3_changes(db_->handle()) != 1) {
    return ConditionFailed(Describe(run.key) + " is not at version " +
                           std::to_string(run.db_version - 1));
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> SqliteExecutionStore::WriteCurrent(const RunWrite& write) {
  const RunKey& key = write.run.key;
  switch (write.current_mode) {
    case CurrentRunMode::kCreate: {
      Statement insert(db_->handle(),
                       "INSERT INTO current_executions(namespace_id, workflow_id, run_id, "
                       "create_request_id, status) VALUES(?,?,?,?,?)");
      insert.BindText(1, key.namespace_id)
          .BindText(2, key.workflow_id)
          .BindText(3, key.run_id)
          .BindText(4, write.create_request_id)
          .BindInt64(5, write.run.status);
      auto inserted = insert.Run();
      if (inserted.IsFailure() && insert.last_error() == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return hugo::Error::From("workflow '" + key.workflow_id + "' already has a run",
                                 kErrorAlreadyExists);
      }
      return inserted;
    }
    case CurrentRunMode::kReplace: {
      Statement update(db_->handle(),
                       "UPDATE current_executions SET run_id = ?, create_request_id = ?, "
                       "status = ? WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?");
      update.BindText(1, key.run_id)
          .BindText(2, write.create_request_id)
          .BindInt64(3, write.run.status)
          .BindText(4, key.namespace_id)
          .BindText(5, key.workflow_id)
          .BindText(6, write.expected_current_run_id);
      auto updated = update.Run();
      if (updated.IsFailure()) return updated;
      if (sqlite3_changes(db_->handle()) != 1) {
        return ConditionFailed("the current run of workflow '" + key.workflow_id +
                               "' is no longer " + write.expected_current_run_id);
      }
      return hugo::Ok();
    }
    case CurrentRunMode::kUpdate: {
      // Mirrors the status; a run that is no longer current leaves the pointer alone.
      Statement update(db_->handle(),
                       "UPDATE current_executions SET status = ? "
                       "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?");
      update.BindInt64(1, write.run.status)
          .BindText(2, key.namespace_id)
          .BindText(3, key.workflow_id)
          .BindText(4, key.run_id);
      return update.Run();
    }
    case CurrentRunMode::kUnchanged:
      break;
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> SqliteExecutionStore::Write(const Transaction& transaction) {
  // Every failure of a write means the engine's view of a run was wrong (a run not at its
  // version, a workflow id that has a run): one that fails after writing loses the batch, and
  // the engine reloads (Undo::kBatch, which spares each transaction a savepoint).
  return db_->InTransaction(
      [&]() -> hugo::Result<hugo::Unit> {
        for (const RunWrite& write : transaction.runs) {
          auto current = WriteCurrent(write);
          if (current.IsFailure()) return current;
          auto run = WriteRun(write);
          if (run.IsFailure()) return run;
          for (const HistoryBatch& batch : write.history) {
            Statement insert(db_->handle(),
                             "INSERT INTO history_batches(namespace_id, run_id, first_event_id, "
                             "last_event_id, data) VALUES(?,?,?,?,?)");
            insert.BindText(1, write.run.key.namespace_id)
                .BindText(2, write.run.key.run_id)
                .BindInt64(3, batch.first_event_id)
                .BindInt64(4, batch.last_event_id)
                .BindBlob(5, batch.data);
            auto inserted = insert.Run();
            if (inserted.IsFailure()) return inserted;
          }
        }
        for (const TransferTaskRecord& task : transaction.new_transfer_tasks) {
          Statement insert(db_->handle(), "INSERT INTO transfer_tasks(task_id, data) VALUES(?,?)");
          insert.BindInt64(1, task.task_id).BindBlob(2, task.data);
          auto inserted = insert.Run();
          if (inserted.IsFailure()) return inserted;
        }
        auto transfers_done =
            DeleteTasks(db_->handle(), "DELETE FROM transfer_tasks WHERE task_id = ?",
                        transaction.completed_transfer_task_ids);
        if (transfers_done.IsFailure()) return transfers_done;
        for (const VisibilityRecord& record : transaction.visibility) {
          auto written = WriteVisibility(db_->handle(), record);
          if (written.IsFailure()) return written;
        }
        for (const TimerTaskRecord& task : transaction.new_timer_tasks) {
          Statement insert(db_->handle(),
                           "INSERT INTO timer_tasks(task_id, fire_time, data) VALUES(?,?,?)");
          insert.BindInt64(1, task.task_id).BindInt64(2, task.fire_time_ms).BindBlob(3, task.data);
          auto inserted = insert.Run();
          if (inserted.IsFailure()) return inserted;
        }
        return DeleteTasks(db_->handle(), "DELETE FROM timer_tasks WHERE task_id = ?",
                           transaction.completed_timer_task_ids);
      },
      Database::Undo::kBatch);
}

hugo::Result<CurrentRun> SqliteExecutionStore::GetCurrentRun(std::string_view namespace_id,
                                                             std::string_view workflow_id) {
  Statement select(db_->handle(),
                   "SELECT run_id, create_request_id, status FROM current_executions "
                   "WHERE namespace_id = ? AND workflow_id = ?");
  select.BindText(1, namespace_id).BindText(2, workflow_id);
  auto row = select.Step();
  if (row.IsFailure()) return row.Error();
  if (!row.Value()) {
    return hugo::Error::From("workflow '" + std::string(workflow_id) + "' not found",
                             kErrorNotFound);
  }
  return hugo::Ok(CurrentRun{select.ColumnText(0), select.ColumnText(1),
                             static_cast<int32_t>(select.ColumnInt64(2))});
}

hugo::Result<RunRecord> SqliteExecutionStore::GetRun(const RunKey& key) {
  Statement select(db_->handle(),
                   "SELECT db_version, state FROM executions "
                   "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?");
  select.BindText(1, key.namespace_id).BindText(2, key.workflow_id).BindText(3, key.run_id);
  auto row = select.Step();
  if (row.IsFailure()) return row.Error();
  if (!row.Value()) return hugo::Error::From(Describe(key) + " not found", kErrorNotFound);
  return hugo::Ok(RunRecord{key, select.ColumnInt64(0), select.ColumnBlob(1), 0});
}

hugo::Result<std::vector<HistoryBatch>> SqliteExecutionStore::ReadHistory(
    std::string_view namespace_id, std::string_view run_id, int64_t first_event_id,
    int batch_count_max) {
  // From the batch holding first_event_id (the last one starting at or before it): two seeks
  // on the primary key, however long the history.
  Statement select(db_->handle(),
                   "SELECT first_event_id, last_event_id, data FROM history_batches "
                   "WHERE namespace_id = ?1 AND run_id = ?2 AND first_event_id >= "
                   "coalesce((SELECT max(first_event_id) FROM history_batches "
                   "WHERE namespace_id = ?1 AND run_id = ?2 AND first_event_id <= ?3), ?3) "
                   "ORDER BY first_event_id LIMIT ?4");
  select.BindText(1, namespace_id)
      .BindText(2, run_id)
      .BindInt64(3, first_event_id)
      .BindInt64(4, batch_count_max);
  std::vector<HistoryBatch> batches;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    batches.push_back({select.ColumnInt64(0), select.ColumnInt64(1), select.ColumnBlob(2)});
  }
  return hugo::Ok(std::move(batches));
}

hugo::Result<std::vector<TransferTaskRecord>> SqliteExecutionStore::LoadTransferTasks(
    int64_t after_task_id, int count_max) {
  Statement select(db_->handle(),
                   "SELECT task_id, data FROM transfer_tasks WHERE task_id > ? "
                   "ORDER BY task_id LIMIT ?");
  select.BindInt64(1, after_task_id).BindInt64(2, count_max);
  std::vector<TransferTaskRecord> tasks;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    tasks.push_back({select.ColumnInt64(0), select.ColumnBlob(1)});
  }
  return hugo::Ok(std::move(tasks));
}

hugo::Result<std::vector<TimerTaskRecord>> SqliteExecutionStore::LoadTimerTasks(
    int64_t after_task_id, int count_max) {
  Statement select(db_->handle(),
                   "SELECT task_id, fire_time, data FROM timer_tasks WHERE task_id > ? "
                   "ORDER BY task_id LIMIT ?");
  select.BindInt64(1, after_task_id).BindInt64(2, count_max);
  std::vector<TimerTaskRecord> tasks;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    tasks.push_back({select.ColumnInt64(0), select.ColumnInt64(1), select.ColumnBlob(2)});
  }
  return hugo::Ok(std::move(tasks));
}

hugo::Result<int64_t> SqliteExecutionStore::MaxTaskId() {
  // AUTOINCREMENT keeps the high-water mark in sqlite_sequence even after rows are deleted; timer
  // task ids come from the same sequence (the writer inserts them explicitly, which moves it).
  Statement select(
      db_->handle(),
      "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'transfer_tasks'), 0), "
      "coalesce((SELECT max(task_id) FROM transfer_tasks), 0), "
      "coalesce((SELECT max(task_id) FROM timer_tasks), 0))");
  auto row = select.Step();
  if (row.IsFailure()) return row.Error();
  return hugo::Ok(row.Value() ? select.ColumnInt64(0) : int64_t{0});
}

hugo::Result<hugo::Unit> SqliteExecutionStore::DeleteRun(
    const RunKey& key, const std::vector<int64_t>& transfer_task_ids,
    const std::vector<int64_t>& timer_task_ids) {
  return db_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    Statement run(
        db_->handle(),
        "DELETE FROM executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?");
    run.BindText(1, key.namespace_id).BindText(2, key.workflow_id).BindText(3, key.run_id);
    auto deleted = run.Run();
    if (deleted.IsFailure()) return deleted;
    if (sqlite3_changes(db_->handle()) != 1) {
      return hugo::Error::From(Describe(key) + " not found", kErrorNotFound);
    }
    // The pointer goes only if it names this run: a deleted older run leaves the current one.
    Statement pointer(db_->handle(),
                      "DELETE FROM current_executions "
                      "WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?");
    pointer.BindText(1, key.namespace_id).BindText(2, key.workflow_id).BindText(3, key.run_id);
    auto unpointed = pointer.Run();
    if (unpointed.IsFailure()) return unpointed;
    for (const char* sql :
         {"DELETE FROM history_batches WHERE namespace_id = ? AND run_id = ?",
          "DELETE FROM executions_visibility WHERE namespace_id = ? AND run_id = ?"}) {
      Statement remove(db_->handle(), sql);
      remove.BindText(1, key.namespace_id).BindText(2, key.run_id);
      auto removed = remove.Run();
      if (removed.IsFailure()) return removed;
    }
    auto transfers_removed = DeleteTasks(
        db_->handle(), "DELETE FROM transfer_tasks WHERE task_id = ?", transfer_task_ids);
    if (transfers_removed.IsFailure()) return transfers_removed;
    return DeleteTasks(db_->handle(), "DELETE FROM timer_tasks WHERE task_id = ?", timer_task_ids);
  });
}

}  // namespace hdo::persistence::sqlite
