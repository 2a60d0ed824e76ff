// hdo::NamespaceClient: registers, describes, lists and updates namespaces on a Temporal frontend
// (hdo or any Temporal server), the Go SDK's NamespaceClient, and manages their custom search
// attributes (the OperatorService calls Go reaches through client.OperatorService()). Calls are
// synchronous with the connection's deadline and retries; gRPC failures are StatusToError's errors
// (an existing name is grpc.already_exists with `temporal.failure` NamespaceAlreadyExistsFailure,
// an unknown one grpc.not_found). A missing name is error.validation before any call.
//
// Owner: the application; it shares the Connection. Thread safety: immutable after construction,
// safe from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hdo/connection.h"
#include "hugo/result.h"
#include "temporal/api/enums/v1/common.pb.h"
#include "temporal/api/operatorservice/v1/service.grpc.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo {

struct NamespaceOptions {
  std::string name;
  std::string description;
  std::string owner_email;
  // How long closed workflows of the namespace are kept (the server sets its own bounds).
  std::chrono::milliseconds retention = std::chrono::hours(72);
  std::map<std::string, std::string> data;
};

// What Update changes: the fields that are set (an empty description or owner leaves it as it is,
// as the server does).
struct NamespaceUpdate {
  std::optional<std::string> description;
  std::optional<std::string> owner_email;
  std::optional<std::chrono::milliseconds> retention;
  // Entries added or replaced (the server merges them into the namespace's data).
  std::map<std::string, std::string> data;
};

class NamespaceClient {
 public:
  using DescribeResponse = temporal::api::workflowservice::v1::DescribeNamespaceResponse;

  // Precondition: `connection` is not null. An empty identity means "<pid>@<hostname>".
  explicit NamespaceClient(std::shared_ptr<Connection> connection, std::string identity = {});

  hugo::Result<hugo::Unit> Register(const NamespaceOptions& options) const;
  hugo::Result<DescribeResponse> Describe(const std::string& name) const;
  // Every namespace, reading at most `pages_max` pages of `page_size`.
  hugo::Result<std::vector<DescribeResponse>> List(int32_t page_size = 100,
                                                   int pages_max = 100) const;
  hugo::Result<hugo::Unit> Update(const std::string& name, const NamespaceUpdate& update) const;

  // The custom search attributes of namespace `name` (OperatorService): add (an existing name of
  // the same type is accepted again; of another type it is grpc.already_exists or
  // grpc.invalid_argument, as the server decides), list, remove.
  using SearchAttributeTypes = std::map<std::string, temporal::api::enums::v1::IndexedValueType>;
  hugo::Result<hugo::Unit> AddSearchAttributes(const std::string& name,
                                               const SearchAttributeTypes& attributes) const;
  hugo::Result<SearchAttributeTypes> ListSearchAttributes(const std::string& name) const;
  hugo::Result<hugo::Unit> RemoveSearchAttributes(const std::string& name,
                                                  const std::vector<std::string>& attributes) const;

 private:
  std::shared_ptr<Connection> connection_;
  std::unique_ptr<temporal::api::operatorservice::v1::OperatorService::Stub> operator_;
  std::string identity_;
};

}  // namespace hdo
