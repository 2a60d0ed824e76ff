// The workflow-run part of the store interface: runs (mutable state snapshots guarded by a
// db_version), the current-run pointer per workflow id, history event batches, and the transfer
// and timer outboxes. One Write() is one transaction: every run write, history batch and task
// change in it commits together or not at all, which is what group commit and the outbox rely on.
//
// Implementations are not thread-safe; the server calls one from its store IO thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"
#include "persistence/namespace_store.h"
#include "persistence/visibility_store.h"

namespace hdo::persistence {

struct RunKey {
  std::string namespace_id;
  std::string workflow_id;
  std::string run_id;
};

struct RunRecord {
  RunKey key;
  // The version this record has once written: 1 for a new run, previous + 1 for an update.
  int64_t db_version = 0;
  // A serialized hdo.persistence.v1.MutableState; the store does not interpret it.
  std::string state;
  // temporal.api.enums.v1.WorkflowExecutionStatus, mirrored into the current-run pointer.
  int32_t status = 0;
};

struct CurrentRun {
  std::string run_id;
  std::string create_request_id;
  int32_t status = 0;
};

struct HistoryBatch {
  int64_t first_event_id = 0;
  int64_t last_event_id = 0;
  // A serialized temporal.api.history.v1.History with exactly those events.
  std::string data;
};

struct TransferTaskRecord {
  // Allocated by the writer, increasing; unique across the store (transfer and timer tasks).
  int64_t task_id = 0;
  // A serialized hdo.persistence.v1.TransferTask.
  std::string data;
};

struct TimerTaskRecord {
  int64_t task_id = 0;
  // When the task is due, milliseconds since the Unix epoch.
  int64_t fire_time_ms = 0;
  // A serialized hdo.persistence.v1.TimerTask.
  std::string data;
};

// How a run write relates to its workflow id's current-run pointer.
enum class CurrentRunMode {
  // The run is the current one; its status is mirrored into the pointer.
  kUpdate,
  // A brand-new workflow id: fails with kErrorAlreadyExists when a pointer exists.
  kCreate,
  // A new run replaces the pointer, which must still name `expected_current_run_id`.
  kReplace,
  // The status the pointer mirrors did not change: the pointer is not written.
  kUnchanged,
};

struct RunWrite {
  RunRecord run;
  CurrentRunMode current_mode = CurrentRunMode::kUpdate;
  std::string expected_current_run_id;  // kReplace only
  std::string create_request_id;        // kCreate and kReplace
  std::vector<HistoryBatch> history;
};

struct Transaction {
  std::vector<RunWrite> runs;
  std::vector<TransferTaskRecord> new_transfer_tasks;
  std::vector<int64_t> completed_transfer_task_ids;
  std::vector<TimerTaskRecord> new_timer_tasks;
  std::vector<int64_t> completed_timer_task_ids;
  // Listing rows inserted or replaced (by namespace id and run id).
  std::vector<VisibilityRecord> visibility;
};

class ExecutionStore {
 public:
  virtual ~ExecutionStore() = default;

  // Commits everything or nothing. A run write with db_version 1 inserts the run; any other
  // db_version updates it if the stored version is db_version - 1 (kErrorConditionFailed
  // otherwise, and when the run is missing). kErrorAlreadyExists for a kCreate whose workflow id
  // has a current run; kErrorConditionFailed for a kReplace whose pointer moved. Under group
  // commit, a Write that fails after it changed rows may take the open batch with it (the SQLite
  // store: the batch is rolled back and group commit told it is lost, so every reply waiting for
  // it is answered Unavailable and the owner reloads); one that fails before leaves it alone.
  virtual hugo::Result<hugo::Unit> Write(const Transaction& transaction) = 0;

  // kErrorNotFound when the workflow id has no run.
  virtual hugo::Result<CurrentRun> GetCurrentRun(std::string_view namespace_id,
                                                 std::string_view workflow_id) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<RunRecord> GetRun(const RunKey& key) = 0;
  // The batch holding first_event_id and the ones after it, in order, at most batch_count_max.
  virtual hugo::Result<std::vector<HistoryBatch>> ReadHistory(std::string_view namespace_id,
                                                              std::string_view run_id,
                                                              int64_t first_event_id,
                                                              int batch_count_max) = 0;
  // Transfer tasks with task_id > after_task_id, in order, at most count_max.
  virtual hugo::Result<std::vector<TransferTaskRecord>> LoadTransferTasks(int64_t after_task_id,
                                                                          int count_max) = 0;
  // Timer tasks with task_id > after_task_id, in task id order, at most count_max.
  virtual hugo::Result<std::vector<TimerTaskRecord>> LoadTimerTasks(int64_t after_task_id,
                                                                    int count_max) = 0;
  // The largest transfer or timer task id ever written (0 when none): the writer continues
  // above it.
  virtual hugo::Result<int64_t> MaxTaskId() = 0;
  // Removes a run in one transaction: its state, history batches, listing row, the given outbox
  // rows (the store does not read task blobs, so the caller names them) and, when the run is the
  // current run of its workflow id, the current-run pointer. kErrorNotFound when the run is
  // absent (nothing is changed then).
  virtual hugo::Result<hugo::Unit> DeleteRun(const RunKey& key,
                                             const std::vector<int64_t>& transfer_task_ids,
                                             const std::vector<int64_t>& timer_task_ids) = 0;
};

}  // namespace hdo::persistence
