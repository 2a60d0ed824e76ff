// The workflow-run store (persistence/execution_store.h) on PostgreSQL and MySQL/MariaDB, over a
// Session: one Write() is one transaction (a savepoint of the open batch under group commit),
// fenced by the shards' range_ids.
//
// Not thread-safe; the server calls it from its store thread only.
#pragma once

#include "persistence/execution_store.h"
#include "persistence/sql/session.h"

namespace hdo::persistence::sql {

class SqlExecutionStore final : public ExecutionStore {
 public:
  // task_id_floor: MaxTaskId answers at least this (ShardOwnership::task_id_floor), so task ids
  // of a new ownership never repeat older ones, even once their rows are deleted.
  SqlExecutionStore(Session* session, int64_t task_id_floor)
      : session_(session), task_id_floor_(task_id_floor) {}

  hugo::Result<hugo::Unit> Write(const Transaction& transaction) override;
  hugo::Result<CurrentRun> GetCurrentRun(std::string_view namespace_id,
                                         std::string_view workflow_id) override;
  hugo::Result<RunRecord> GetRun(const RunKey& key) override;
  hugo::Result<std::vector<HistoryBatch>> ReadHistory(std::string_view namespace_id,
                                                      std::string_view run_id,
                                                      int64_t first_event_id,
                                                      int batch_count_max) override;
  hugo::Result<std::vector<TransferTaskRecord>> LoadTransferTasks(int64_t after_task_id,
                                                                  int count_max) override;
  hugo::Result<std::vector<TimerTaskRecord>> LoadTimerTasks(int64_t after_task_id,
                                                            int count_max) override;
  hugo::Result<int64_t> MaxTaskId() override;
  hugo::Result<hugo::Unit> DeleteRun(const RunKey& key,
                                     const std::vector<int64_t>& transfer_task_ids,
                                     const std::vector<int64_t>& timer_task_ids) override;

 private:
  // A condition of a Write, checked on its statement's outcome.
  struct Check {
    size_t statement;  // index in the batch
    enum Kind { kCreateCurrent, kReplaceCurrent, kInsertRun, kUpdateRun } kind;
    size_t run;  // index in Transaction::runs
  };
  static void AddRunStatements(const RunWrite& write, size_t run_index,
                               std::vector<Statement>* statements, std::vector<Check>* checks);
  static hugo::Error CheckFailed(const Check& check, const RunWrite& write);
  hugo::Result<hugo::Unit> DeleteTasks(const char* table, const std::vector<int64_t>& task_ids);
  Connection& db() { return session_->connection(); }

  Session* session_;
  int64_t task_id_floor_;
};

}  // namespace hdo::persistence::sql
