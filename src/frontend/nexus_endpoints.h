// The registry of Nexus endpoints: the cluster's endpoints (temporal.api.nexus.v1.Endpoint), all
// held in memory by id and by name, and the OperatorService RPCs that change and read them
// (Create/Update/Delete/Get/ListNexusEndpoints) with the reference server's validation and
// messages (service/frontend/nexus_endpoint_client.go and service/matching/
// nexus_endpoint_client.go of temporalio/temporal v1.29). Each endpoint is one row of the
// NexusEndpointStore (persistence/nexus_endpoint_store.h: the serialized Endpoint, its version
// as the row's version); Load() reads them all at startup. A change is written to the store
// first and applied in memory only once the store took it; the caller answers once the write is
// durable (frontend/reply.h), and reloads after a failed commit, which takes writes back.
//
// Where hdo departs from the reference (its bugs, not its contract): an update keeps
// created_time; renaming an endpoint to a name another endpoint has is AlreadyExists, and the old
// name is free again at once; a delete compares the version like an update; a bad
// next_page_token is InvalidArgument; a List page is followed by a token only when more
// endpoints follow.
//
// Owned by the server. Not thread-safe: every call, the lookups included, runs on the store IO
// (engine) thread, which owns the store.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/uuid.h"
#include "frontend/nexus_endpoint_validation.h"
#include "hugo/result.h"
#include "persistence/nexus_endpoint_store.h"
#include "temporal/api/nexus/v1/message.pb.h"
#include "temporal/api/operatorservice/v1/request_response.pb.h"

namespace hdo::frontend {

class NamespaceHandler;

class NexusEndpoints {
 public:
  struct Options {
    NexusEndpointLimits limits;
    // reference: limit.endpointListDefaultPageSize, limit.endpointListMaxPageSize.
    int list_page_size_default = 100;
    int list_page_size_max = 1000;
    // The time of created_time and last_modified_time.
    std::function<std::chrono::system_clock::time_point()> now = std::chrono::system_clock::now;
  };

  // `store` and `namespaces` (which resolves a worker target's namespace) outlive this.
  NexusEndpoints(persistence::NexusEndpointStore* store, NamespaceHandler* namespaces,
                 Options options);

  // Replaces what is in memory with every endpoint of the store (at startup, and after a failed
  // commit took writes back). On failure what was in memory stays.
  hugo::Result<hugo::Unit> Load();

  hugo::Result<temporal::api::operatorservice::v1::CreateNexusEndpointResponse> Create(
      const temporal::api::operatorservice::v1::CreateNexusEndpointRequest& request);
  hugo::Result<temporal::api::operatorservice::v1::UpdateNexusEndpointResponse> Update(
      const temporal::api::operatorservice::v1::UpdateNexusEndpointRequest& request);
  hugo::Result<temporal::api::operatorservice::v1::DeleteNexusEndpointResponse> Delete(
      const temporal::api::operatorservice::v1::DeleteNexusEndpointRequest& request);
  hugo::Result<temporal::api::operatorservice::v1::GetNexusEndpointResponse> Get(
      const temporal::api::operatorservice::v1::GetNexusEndpointRequest& request) const;
  // Ordered by id, as the reference's SQL store pages them; with `name` set, that endpoint or
  // none (page size and token ignored).
  hugo::Result<temporal::api::operatorservice::v1::ListNexusEndpointsResponse> List(
      const temporal::api::operatorservice::v1::ListNexusEndpointsRequest& request) const;

  // The endpoint with that name or id; nullptr when absent. The pointer stays valid until the
  // endpoint is next updated or deleted, or Load() runs: copy what must outlive the caller's
  // turn on the store thread.
  const temporal::api::nexus::v1::Endpoint* ByName(std::string_view name) const;
  const temporal::api::nexus::v1::Endpoint* ById(std::string_view id) const;
  size_t size() const { return by_id_.size(); }
  // The name of an endpoint whose worker target is the namespace (by name); "" when none is.
  std::string TargetingNamespace(std::string_view namespace_name) const;

 private:
  hugo::Result<hugo::Unit> ValidateSpec(const temporal::api::nexus::v1::EndpointSpec& spec) const;
  // Writes `endpoint` (a new row when `expected_version` is 0) then takes it into memory.
  hugo::Result<hugo::Unit> Store(const temporal::api::nexus::v1::Endpoint& endpoint,
                                 int64_t expected_version);

  persistence::NexusEndpointStore* store_;
  NamespaceHandler* namespaces_;
  Options options_;
  UuidGenerator uuids_;
  // Every endpoint by id (ordered: List pages in id order), and the id of each name.
  std::map<std::string, temporal::api::nexus::v1::Endpoint, std::less<>> by_id_;
  std::map<std::string, std::string, std::less<>> id_by_name_;
};

}  // namespace hdo::frontend
