// The task queue configuration part of the store interface: one row per (namespace, task queue,
// task queue type) whose configuration UpdateTaskQueueConfig ever set, keyed by (namespace id,
// "<type number>/<task queue name>") and guarded by a version that grows with every write
// (compare-and-set). A row's `data` is a serialized temporal.api.taskqueue.v1.TaskQueueConfig,
// which the store does not interpret; the registry (frontend/task_queue_configs.h) reads every
// row at startup and writes one row per change.
//
// Implementations are not thread-safe; the server calls one from its store IO thread only.
// Under group commit their writes join the open batch like the engine's.
#pragma once

#include <cstdint>
#include <string_view>

#include "hugo/result.h"
#include "persistence/keyed_rows.h"

namespace hdo::persistence {

inline constexpr KeyedTable kTaskQueueConfigsTable{"task_queue_configs", "task_queue",
                                                   "task queue config"};
// The same shape for a task queue's build-id versioning (worker versioning v0.1/v0.2): one row
// per (namespace, task queue) whose version sets or rules were ever set, keyed by (namespace id,
// task queue name); `data` is a serialized hdo.persistence.v1.TaskQueueVersioningRecord
// (frontend/build_id_versioning.h).
inline constexpr KeyedTable kTaskQueueVersioningTable{"task_queue_versioning", "task_queue",
                                                      "task queue versioning"};

class TaskQueueConfigStore {
 public:
  virtual ~TaskQueueConfigStore() = default;

  // kErrorAlreadyExists when the row exists.
  virtual hugo::Result<hugo::Unit> CreateConfig(const KeyedRow& row) = 0;
  // Every namespace's rows, ordered by (namespace id, id); page_size >= 1.
  virtual hugo::Result<KeyedRowsPage> ListConfigs(int page_size, std::string_view page_token) = 0;
  // Replaces the row if its stored version is still `expected_version` (kErrorConditionFailed
  // otherwise, kErrorNotFound if gone).
  virtual hugo::Result<hugo::Unit> UpdateConfig(const KeyedRow& row, int64_t expected_version) = 0;
};

// A TaskQueueConfigStore over an engine's keyed-row statements (sqlite::KeyedRows,
// sql::KeyedRows), on `table` (kTaskQueueConfigsTable or kTaskQueueVersioningTable).
template <class Rows>
class KeyedTaskQueueConfigStore final : public TaskQueueConfigStore {
 public:
  template <class Handle>
  explicit KeyedTaskQueueConfigStore(Handle* handle,
                                     const KeyedTable& table = kTaskQueueConfigsTable)
      : rows_(handle, table) {}

  hugo::Result<hugo::Unit> CreateConfig(const KeyedRow& row) override { return rows_.Create(row); }
  hugo::Result<KeyedRowsPage> ListConfigs(int page_size, std::string_view page_token) override {
    return rows_.List("", page_size, page_token);
  }
  hugo::Result<hugo::Unit> UpdateConfig(const KeyedRow& row, int64_t expected_version) override {
    return rows_.Update(row, expected_version);
  }

 private:
  Rows rows_;
};

}  // namespace hdo::persistence
