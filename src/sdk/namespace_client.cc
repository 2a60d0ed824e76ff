#include "hdo/namespace_client.h"

#include "call.h"
#include "proto_util.h"

namespace hdo {
namespace {

namespace ws = temporal::api::workflowservice::v1;
using Stub = Connection::Stub;

hugo::Result<hugo::Unit> ValidateName(const std::string& name) {
  if (name.empty()) return InvalidArgument("a namespace call needs the namespace's name");
  return hugo::Ok();
}

}  // namespace

namespace os = temporal::api::operatorservice::v1;

NamespaceClient::NamespaceClient(std::shared_ptr<Connection> connection, std::string identity)
    : connection_(std::move(connection)),
      operator_(os::OperatorService::NewStub(connection_->channel())),
      identity_(identity.empty() ? DefaultIdentity() : std::move(identity)) {}

hugo::Result<hugo::Unit> NamespaceClient::AddSearchAttributes(
    const std::string& name, const SearchAttributeTypes& attributes) const {
  auto valid = ValidateName(name);
  if (valid.IsFailure()) return valid.Error();
  if (attributes.empty())
    return InvalidArgument("AddSearchAttributes needs at least one attribute");
  os::AddSearchAttributesRequest request;
  request.set_namespace_(name);
  for (const auto& [attribute, type] : attributes) {
    (*request.mutable_search_attributes())[attribute] = type;
  }
  return CallOn<os::AddSearchAttributesResponse>(*connection_, *operator_,
                                                 &os::OperatorService::Stub::AddSearchAttributes,
                                                 request, "AddSearchAttributes")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<NamespaceClient::SearchAttributeTypes> NamespaceClient::ListSearchAttributes(
    const std::string& name) const {
  auto valid = ValidateName(name);
  if (valid.IsFailure()) return valid.Error();
  os::ListSearchAttributesRequest request;
  request.set_namespace_(name);
  return CallOn<os::ListSearchAttributesResponse>(*connection_, *operator_,
                                                  &os::OperatorService::Stub::ListSearchAttributes,
                                                  request, "ListSearchAttributes")
      .Map([](const os::ListSearchAttributesResponse& response) {
        SearchAttributeTypes types;
        for (const auto& [attribute, type] : response.custom_attributes()) types[attribute] = type;
        return types;
      });
}

hugo::Result<hugo::Unit> NamespaceClient::RemoveSearchAttributes(
    const std::string& name, const std::vector<std::string>& attributes) const {
  auto valid = ValidateName(name);
  if (valid.IsFailure()) return valid.Error();
  os::RemoveSearchAttributesRequest request;
  request.set_namespace_(name);
  for (const auto& attribute : attributes) request.add_search_attributes(attribute);
  return CallOn<os::RemoveSearchAttributesResponse>(
             *connection_, *operator_, &os::OperatorService::Stub::RemoveSearchAttributes, request,
             "RemoveSearchAttributes")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<hugo::Unit> NamespaceClient::Register(const NamespaceOptions& options) const {
  auto valid = ValidateName(options.name);
  if (valid.IsFailure()) return valid.Error();
  ws::RegisterNamespaceRequest request;
  request.set_namespace_(options.name);
  request.set_description(options.description);
  request.set_owner_email(options.owner_email);
  *request.mutable_workflow_execution_retention_period() = ToProtoDuration(options.retention);
  for (const auto& [key, value] : options.data) (*request.mutable_data())[key] = value;
  return Call<ws::RegisterNamespaceResponse>(*connection_, &Stub::RegisterNamespace, request,
                                             "RegisterNamespace")
      .Map([](const auto&) { return hugo::Unit{}; });
}

hugo::Result<NamespaceClient::DescribeResponse> NamespaceClient::Describe(
    const std::string& name) const {
  auto valid = ValidateName(name);
  if (valid.IsFailure()) return valid.Error();
  ws::DescribeNamespaceRequest request;
  request.set_namespace_(name);
  return Call<DescribeResponse>(*connection_, &Stub::DescribeNamespace, request,
                                "DescribeNamespace");
}

hugo::Result<std::vector<NamespaceClient::DescribeResponse>> NamespaceClient::List(
    int32_t page_size, int pages_max) const {
  std::vector<DescribeResponse> all;
  ws::ListNamespacesRequest request;
  request.set_page_size(page_size);
  for (int page = 0; page < pages_max; ++page) {
    auto response = Call<ws::ListNamespacesResponse>(*connection_, &Stub::ListNamespaces, request,
                                                     "ListNamespaces");
    if (response.IsFailure()) return response.Error();
    for (auto& described : *response.Value().mutable_namespaces()) {
      all.push_back(std::move(described));
    }
    if (response.Value().next_page_token().empty()) break;
    request.set_next_page_token(response.Value().next_page_token());
  }
  return hugo::Result<std::vector<DescribeResponse>>::Ok(std::move(all));
}

hugo::Result<hugo::Unit> NamespaceClient::Update(const std::string& name,
                                                 const NamespaceUpdate& update) const {
  auto valid = ValidateName(name);
  if (valid.IsFailure()) return valid.Error();
  ws::UpdateNamespaceRequest request;
  request.set_namespace_(name);
  auto& info = *request.mutable_update_info();
  if (update.description) info.set_description(*update.description);
  if (update.owner_email) info.set_owner_email(*update.owner_email);
  for (const auto& [key, value] : update.data) (*info.mutable_data())[key] = value;
  if (update.retention) {
    *request.mutable_config()->mutable_workflow_execution_retention_ttl() =
        ToProtoDuration(*update.retention);
  }
  return Call<ws::UpdateNamespaceResponse>(*connection_, &Stub::UpdateNamespace, request,
                                           "UpdateNamespace")
      .Map([](const auto&) { return hugo::Unit{}; });
}

}  // namespace hdo
