// The worker deployment part of the store interface: one row per worker deployment of a
// namespace (worker versioning), keyed by (namespace id, deployment name) and guarded by a version
// that grows with every write (compare-and-set). A row's `data` is a serialized
// hdo.persistence.v1.WorkerDeploymentRecord, which the store does not interpret; the registry
// (frontend/worker_deployments.h) reads every row at startup and writes one row per change.
//
// Implementations are not thread-safe; the server calls one from its store IO thread only.
// Under group commit their writes join the open batch like the engine's.
#pragma once

#include <cstdint>
#include <string_view>

#include "hugo/result.h"
#include "persistence/keyed_rows.h"

namespace hdo::persistence {

inline constexpr KeyedTable kWorkerDeploymentsTable{"worker_deployments", "deployment_name",
                                                    "worker deployment"};

class WorkerDeploymentStore {
 public:
  virtual ~WorkerDeploymentStore() = default;

  // kErrorAlreadyExists when the namespace has a deployment of that name.
  virtual hugo::Result<hugo::Unit> CreateDeployment(const KeyedRow& row) = 0;
  // Every namespace's deployments, ordered by (namespace id, name); page_size >= 1.
  virtual hugo::Result<KeyedRowsPage> ListDeployments(int page_size,
                                                      std::string_view page_token) = 0;
  // Replaces the row if its stored version is still `expected_version` (kErrorConditionFailed
  // otherwise, kErrorNotFound if gone).
  virtual hugo::Result<hugo::Unit> UpdateDeployment(const KeyedRow& row,
                                                    int64_t expected_version) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<hugo::Unit> DeleteDeployment(std::string_view namespace_id,
                                                    std::string_view name) = 0;
};

// A WorkerDeploymentStore over an engine's keyed-row statements (sqlite::KeyedRows,
// sql::KeyedRows).
template <class Rows>
class KeyedWorkerDeploymentStore final : public WorkerDeploymentStore {
 public:
  template <class Handle>
  explicit KeyedWorkerDeploymentStore(Handle* handle) : rows_(handle, kWorkerDeploymentsTable) {}

  hugo::Result<hugo::Unit> CreateDeployment(const KeyedRow& row) override {
    return rows_.Create(row);
  }
  hugo::Result<KeyedRowsPage> ListDeployments(int page_size, std::string_view page_token) override {
    return rows_.List("", page_size, page_token);
  }
  hugo::Result<hugo::Unit> UpdateDeployment(const KeyedRow& row,
                                            int64_t expected_version) override {
    return rows_.Update(row, expected_version);
  }
  hugo::Result<hugo::Unit> DeleteDeployment(std::string_view namespace_id,
                                            std::string_view name) override {
    return rows_.Delete(namespace_id, name);
  }

 private:
  Rows rows_;
};

}  // namespace hdo::persistence
