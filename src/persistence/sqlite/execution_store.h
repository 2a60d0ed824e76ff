// The SQLite implementation of ExecutionStore, on the tables of schemas V2 and V3.
// Not thread-safe: used from the store IO thread that owns the Database.
#pragma once

#include "persistence/execution_store.h"

namespace hdo::persistence::sqlite {

class Database;

class SqliteExecutionStore final : public ExecutionStore {
 public:
  // `db` must outlive the store and be migrated to at least schema V3.
  explicit SqliteExecutionStore(Database* db) : db_(db) {}

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
  hugo::Result<hugo::Unit> WriteRun(const RunWrite& write);
  hugo::Result<hugo::Unit> WriteCurrent(const RunWrite& write);
  Database* db_;
};

}  // namespace hdo::persistence::sqlite
