// The batch operation part of the store interface: one row per batch job (StartBatchOperation),
// keyed by namespace id and job id, guarded by a version that grows with every write
// (compare-and-set). The row's `id` is the job id and its `data` a serialized
// hdo.persistence.v1.BatchOperationState, which the store does not interpret.
//
// Implementations are not thread-safe; the server calls one from its store IO thread only.
// Under group commit their writes join the open batch like the engine's.
#pragma once

#include <cstdint>
#include <string_view>

#include "hugo/result.h"
#include "persistence/keyed_rows.h"

namespace hdo::persistence {

inline constexpr KeyedTable kBatchOperationsTable{"batch_operations", "job_id", "batch operation"};

class BatchStore {
 public:
  virtual ~BatchStore() = default;

  // kErrorAlreadyExists when the namespace has a job with that id.
  virtual hugo::Result<hugo::Unit> CreateBatch(const KeyedRow& row) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<KeyedRow> GetBatch(std::string_view namespace_id,
                                          std::string_view job_id) = 0;
  // A namespace's jobs ordered by job id (every namespace's when `namespace_id` is empty);
  // page_size >= 1.
  virtual hugo::Result<KeyedRowsPage> ListBatches(std::string_view namespace_id, int page_size,
                                                  std::string_view page_token) = 0;
  // Replaces the row if its stored version is still `expected_version`
  // (kErrorConditionFailed otherwise, kErrorNotFound if gone).
  virtual hugo::Result<hugo::Unit> UpdateBatch(const KeyedRow& row, int64_t expected_version) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<hugo::Unit> DeleteBatch(std::string_view namespace_id,
                                               std::string_view job_id) = 0;
};

// A BatchStore over an engine's keyed-row statements (sqlite::KeyedRows, sql::KeyedRows).
template <class Rows>
class KeyedBatchStore final : public BatchStore {
 public:
  template <class Handle>
  explicit KeyedBatchStore(Handle* handle) : rows_(handle, kBatchOperationsTable) {}

  hugo::Result<hugo::Unit> CreateBatch(const KeyedRow& row) override { return rows_.Create(row); }
  hugo::Result<KeyedRow> GetBatch(std::string_view namespace_id, std::string_view job_id) override {
    return rows_.Get(namespace_id, job_id);
  }
  hugo::Result<KeyedRowsPage> ListBatches(std::string_view namespace_id, int page_size,
                                          std::string_view page_token) override {
    return rows_.List(namespace_id, page_size, page_token);
  }
  hugo::Result<hugo::Unit> UpdateBatch(const KeyedRow& row, int64_t expected_version) override {
    return rows_.Update(row, expected_version);
  }
  hugo::Result<hugo::Unit> DeleteBatch(std::string_view namespace_id,
                                       std::string_view job_id) override {
    return rows_.Delete(namespace_id, job_id);
  }

 private:
  Rows rows_;
};

}  // namespace hdo::persistence
