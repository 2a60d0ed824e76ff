#include "frontend/nexus_endpoints.h"

#include <iterator>
#include <utility>

#include "common/error_codes.h"
#include "common/log.h"
#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "frontend/timestamps.h"

namespace hdo::frontend {
namespace {

namespace nexus = temporal::api::nexus::v1;
namespace op = temporal::api::operatorservice::v1;

// Pages of the store read at a time by Load().
constexpr int kLoadPageSize = 100;

// Where the Nexus HTTP API serves the endpoint (the reference's
// RouteDispatchNexusTaskByEndpoint): stable across renames.
std::string UrlPrefix(const std::string& id) { return "/nexus/endpoints/" + id + "/services"; }

hugo::Error VersionMismatch(int64_t received, int64_t expected) {
  return hugo::Error::From("nexus endpoint version mismatch. received: " +
                               std::to_string(received) + " expected " + std::to_string(expected),
                           errors::kFailedPrecondition);
}

hugo::Error NameTaken(const std::string& action, const std::string& name) {
  return hugo::Error::From(
      "error " + action + " Nexus endpoint. Endpoint with name " + name + " already registered",
      errors::kAlreadyExists);
}

}  // namespace

NexusEndpoints::NexusEndpoints(persistence::NexusEndpointStore* store, NamespaceHandler* namespaces,
                               Options options)
    : store_(store), namespaces_(namespaces), options_(std::move(options)) {}

hugo::Result<hugo::Unit> NexusEndpoints::Load() {
  std::map<std::string, nexus::Endpoint, std::less<>> by_id;
  std::map<std::string, std::string, std::less<>> id_by_name;
  std::string token;
  do {
    auto page = store_->ListEndpoints(kLoadPageSize, token);
    if (page.IsFailure()) return page.Error();
    for (const persistence::KeyedRow& row : page.Value().rows) {
      nexus::Endpoint endpoint;
      if (!endpoint.ParseFromString(row.data)) {
        return hugo::Error::From("stored Nexus endpoint '" + row.id + "' does not decode",
                                 kErrorInternal);
      }
      endpoint.set_id(row.id);
      endpoint.set_version(row.version);
      if (!id_by_name.emplace(endpoint.spec().name(), row.id).second) {
        log::Warn("two stored Nexus endpoints have one name; the name finds the first",
                  {{"name", endpoint.spec().name()}, {"endpoint_id", row.id}});
      }
      by_id.emplace(row.id, std::move(endpoint));
    }
    token = page.Value().next_page_token;
  } while (!token.empty());
  by_id_ = std::move(by_id);
  id_by_name_ = std::move(id_by_name);
  return hugo::Ok();
}

hugo::Result<hugo::Unit> NexusEndpoints::ValidateSpec(const nexus::EndpointSpec& spec) const {
  return ValidateNexusEndpointSpec(spec, options_.limits, [this](const std::string& name) {
    return namespaces_->ResolveId(name);
  });
}

hugo::Result<hugo::Unit> NexusEndpoints::Store(const nexus::Endpoint& endpoint,
                                               int64_t expected_version) {
  persistence::KeyedRow row{"", endpoint.id(), endpoint.version(), endpoint.SerializeAsString()};
  auto written = expected_version == 0 ? store_->CreateEndpoint(row)
                                       : store_->UpdateEndpoint(row, expected_version);
  if (written.IsFailure()) return written;
  auto [previous, created] = by_id_.try_emplace(endpoint.id());
  if (!created) id_by_name_.erase(previous->second.spec().name());
  previous->second = endpoint;
  id_by_name_[endpoint.spec().name()] = endpoint.id();
  return hugo::Ok();
}

hugo::Result<op::CreateNexusEndpointResponse> NexusEndpoints::Create(
    const op::CreateNexusEndpointRequest& request) {
  auto valid = ValidateSpec(request.spec());
  if (valid.IsFailure()) return valid.Error();
  if (ByName(request.spec().name()) != nullptr) return NameTaken("creating", request.spec().name());
  nexus::Endpoint endpoint;
  endpoint.set_version(1);
  endpoint.set_id(uuids_.Next());
  *endpoint.mutable_spec() = request.spec();
  *endpoint.mutable_created_time() = ToTimestamp(options_.now());
  endpoint.set_url_prefix(UrlPrefix(endpoint.id()));
  auto stored = Store(endpoint, 0);
  if (stored.IsFailure()) return stored.Error();
  op::CreateNexusEndpointResponse response;
  *response.mutable_endpoint() = std::move(endpoint);
  return hugo::Ok(std::move(response));
}

hugo::Result<op::UpdateNexusEndpointResponse> NexusEndpoints::Update(
    const op::UpdateNexusEndpointRequest& request) {
  auto valid = ValidateSpec(request.spec());
  if (valid.IsFailure()) return valid.Error();
  const nexus::Endpoint* current = ById(request.id());
  if (current == nullptr) {
    return hugo::Error::From(
        "error updating Nexus endpoint. endpoint ID " + request.id() + " not found",
        kErrorNotFound);
  }
  if (request.version() != current->version()) {
    return VersionMismatch(request.version(), current->version());
  }
  const nexus::Endpoint* named = ByName(request.spec().name());
  if (named != nullptr && named != current) return NameTaken("updating", request.spec().name());
  nexus::Endpoint endpoint = *current;
  endpoint.set_version(current->version() + 1);
  *endpoint.mutable_spec() = request.spec();
  // Milliseconds, as the reference's hybrid logical clock keeps it.
  *endpoint.mutable_last_modified_time() =
      ToTimestamp(std::chrono::time_point_cast<std::chrono::milliseconds>(options_.now()));
  auto stored = Store(endpoint, current->version());
  if (stored.IsFailure()) return stored.Error();
  op::UpdateNexusEndpointResponse response;
  *response.mutable_endpoint() = std::move(endpoint);
  return hugo::Ok(std::move(response));
}

hugo::Result<op::DeleteNexusEndpointResponse> NexusEndpoints::Delete(
    const op::DeleteNexusEndpointRequest& request) {
  auto valid = ValidateNexusEndpointDelete(request.id(), request.version());
  if (valid.IsFailure()) return valid.Error();
  auto found = by_id_.find(request.id());
  if (found == by_id_.end()) {
    return hugo::Error::From("error deleting nexus endpoint with ID: " + request.id(),
                             kErrorNotFound);
  }
  if (request.version() != found->second.version()) {
    return VersionMismatch(request.version(), found->second.version());
  }
  auto deleted = store_->DeleteEndpoint(request.id());
  if (deleted.IsFailure()) return deleted.Error();
  id_by_name_.erase(found->second.spec().name());
  by_id_.erase(found);
  return hugo::Ok(op::DeleteNexusEndpointResponse());
}

hugo::Result<op::GetNexusEndpointResponse> NexusEndpoints::Get(
    const op::GetNexusEndpointRequest& request) const {
  auto valid = ValidateNexusEndpointId(request.id());
  if (valid.IsFailure()) return valid.Error();
  // Any form Go's uuid.Parse takes names the endpoint, as in the reference's SQL lookup.
  const nexus::Endpoint* endpoint = ById(CanonicalUuid(request.id()));
  if (endpoint == nullptr) {
    return hugo::Error::From("Nexus endpoint with ID `" + request.id() + "` not found",
                             kErrorNotFound);
  }
  op::GetNexusEndpointResponse response;
  *response.mutable_endpoint() = *endpoint;
  return hugo::Ok(std::move(response));
}

hugo::Result<op::ListNexusEndpointsResponse> NexusEndpoints::List(
    const op::ListNexusEndpointsRequest& request) const {
  op::ListNexusEndpointsResponse response;
  if (!request.name().empty()) {
    if (const nexus::Endpoint* endpoint = ByName(request.name())) {
      *response.add_endpoints() = *endpoint;
    }
    return hugo::Ok(std::move(response));
  }
  int page_size = request.page_size();
  if (page_size < 0) return InvalidArgument("page_size is negative");
  if (page_size > options_.list_page_size_max) {
    return InvalidArgument("page_size exceeds limit of " +
                           std::to_string(options_.list_page_size_max));
  }
  if (page_size == 0) page_size = options_.list_page_size_default;
  // The token is the id of the previous page's last endpoint; the next page starts after it.
  const std::string& after = request.next_page_token();
  if (!after.empty() && UuidParseError(after).has_value()) {
    return InvalidArgument("invalid next_page_token");
  }
  auto next = after.empty() ? by_id_.begin() : by_id_.upper_bound(after);
  for (; next != by_id_.end() && response.endpoints_size() < page_size; ++next) {
    *response.add_endpoints() = next->second;
  }
  if (next != by_id_.end()) response.set_next_page_token(std::prev(next)->first);
  return hugo::Ok(std::move(response));
}

const nexus::Endpoint* NexusEndpoints::ByName(std::string_view name) const {
  auto id = id_by_name_.find(name);
  return id == id_by_name_.end() ? nullptr : ById(id->second);
}

const nexus::Endpoint* NexusEndpoints::ById(std::string_view id) const {
  auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &found->second;
}

std::string NexusEndpoints::TargetingNamespace(std::string_view namespace_name) const {
  for (const auto& [id, endpoint] : by_id_) {
    const auto& target = endpoint.spec().target();
    if (target.has_worker() && target.worker().namespace_() == namespace_name) {
      return endpoint.spec().name();
    }
  }
  return "";
}

}  // namespace hdo::frontend
