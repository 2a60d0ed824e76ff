// The Nexus endpoint part of the store interface: one row per endpoint (OperatorService
// CreateNexusEndpoint), keyed by endpoint id and guarded by a version that grows with every
// update (compare-and-set). Endpoints belong to the cluster, not to a namespace: every row's
// `namespace_id` is empty. A row's `data` is a serialized temporal.api.nexus.v1.Endpoint, which
// the store does not interpret (name uniqueness is the registry's, frontend/nexus_endpoints.h).
//
// Implementations are not thread-safe; the server calls one from its store IO thread only.
// Under group commit their writes join the open batch like the engine's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hugo/result.h"
#include "persistence/keyed_rows.h"

namespace hdo::persistence {

inline constexpr KeyedTable kNexusEndpointsTable{"nexus_endpoints", "endpoint_id",
                                                 "Nexus endpoint"};

class NexusEndpointStore {
 public:
  virtual ~NexusEndpointStore() = default;

  // kErrorAlreadyExists when an endpoint has that id. The row's namespace_id is ignored.
  virtual hugo::Result<hugo::Unit> CreateEndpoint(const KeyedRow& row) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<KeyedRow> GetEndpoint(std::string_view id) = 0;
  // Endpoints ordered by id; page_size >= 1.
  virtual hugo::Result<KeyedRowsPage> ListEndpoints(int page_size, std::string_view page_token) = 0;
  // Replaces the row if its stored version is still `expected_version` (kErrorConditionFailed
  // otherwise, kErrorNotFound if gone). The row's namespace_id is ignored.
  virtual hugo::Result<hugo::Unit> UpdateEndpoint(const KeyedRow& row,
                                                  int64_t expected_version) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<hugo::Unit> DeleteEndpoint(std::string_view id) = 0;
};

// A NexusEndpointStore over an engine's keyed-row statements (sqlite::KeyedRows,
// sql::KeyedRows).
template <class Rows>
class KeyedNexusEndpointStore final : public NexusEndpointStore {
 public:
  template <class Handle>
  explicit KeyedNexusEndpointStore(Handle* handle) : rows_(handle, kNexusEndpointsTable) {}

  hugo::Result<hugo::Unit> CreateEndpoint(const KeyedRow& row) override {
    return rows_.Create(ClusterWide(row));
  }
  hugo::Result<KeyedRow> GetEndpoint(std::string_view id) override { return rows_.Get("", id); }
  hugo::Result<KeyedRowsPage> ListEndpoints(int page_size, std::string_view page_token) override {
    return rows_.List("", page_size, page_token);
  }
  hugo::Result<hugo::Unit> UpdateEndpoint(const KeyedRow& row, int64_t expected_version) override {
    return rows_.Update(ClusterWide(row), expected_version);
  }
  hugo::Result<hugo::Unit> DeleteEndpoint(std::string_view id) override {
    return rows_.Delete("", id);
  }

 private:
  static KeyedRow ClusterWide(const KeyedRow& row) {
    return KeyedRow{std::string(), row.id, row.version, row.data};
  }

  Rows rows_;
};

}  // namespace hdo::persistence
