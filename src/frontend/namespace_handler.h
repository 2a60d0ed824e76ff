// Namespace RPCs of the frontend: Register, Describe, List and Update, plus EnsureNamespace for the
// namespaces `start-dev` creates. Validates each request the way the reference server does (same
// messages where SDKs or tools match on them), then reads or writes the NamespaceStore.
//
// Owned by the server. Not thread-safe: every call runs on the store IO thread, which owns the
// store; the gRPC handlers post to it and finish their calls from there.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/uuid.h"
#include "hugo/result.h"
#include "persistence/namespace_store.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::frontend {

class NamespaceHandler {
 public:
  struct Options {
    // Shortest retention a namespace may have (reference: system.namespaceMinRetentionLocal).
    std::chrono::seconds min_retention = std::chrono::hours(1);
    // Longest namespace name (reference: limit.maxIDLength).
    size_t max_name_length = 1000;
    int list_page_size_default = 100;
    int list_page_size_max = 1000;
    // The one cluster of a single-cluster deployment, as DescribeNamespace reports it.
    std::string cluster_name = "active";
  };

  NamespaceHandler(persistence::NamespaceStore* store, Options options);

  hugo::Result<temporal::api::workflowservice::v1::RegisterNamespaceResponse> Register(
      const temporal::api::workflowservice::v1::RegisterNamespaceRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DescribeNamespaceResponse> Describe(
      const temporal::api::workflowservice::v1::DescribeNamespaceRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ListNamespacesResponse> List(
      const temporal::api::workflowservice::v1::ListNamespacesRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::UpdateNamespaceResponse> Update(
      const temporal::api::workflowservice::v1::UpdateNamespaceRequest& request);
  // The namespace marked DEPRECATED (the deprecated RPC; UpdateNamespace's state does the same):
  // its runs go on and can be read, signalled and ended, but no new run starts in it.
  hugo::Result<temporal::api::workflowservice::v1::DeprecateNamespaceResponse> Deprecate(
      const temporal::api::workflowservice::v1::DeprecateNamespaceRequest& request);

  // The id of the namespace named `name`; NamespaceNotFound when there is none, FailedPrecondition
  // "Namespace has invalid state: Deleted. ..." for one being deleted (reference: the namespace
  // validator's default allowed states).
  hugo::Result<std::string> ResolveId(const std::string& name);
  // ResolveId for a request that starts a run (StartWorkflowExecution, SignalWithStart): a
  // DEPRECATED namespace refuses it, FailedPrecondition "Namespace has invalid state: Deprecated.
  // Must be Registered." (reference: the namespace validator's per-API states).
  hugo::Result<std::string> ResolveIdToStart(const std::string& name);

  // The first step of a namespace's deletion (OperatorService DeleteNamespace; reference: the
  // delete-namespace system workflow's MarkNamespaceDeleted, GenerateDeletedNamespaceName and
  // RenameNamespace activities): the namespace, by name or by id, is marked DELETED and renamed
  // "<name>-deleted-<the first 5 characters of its id>" (more of them while that name is taken)
  // in one write, so that its name is free at once. Its runs and record go later
  // (worker/namespace_reclaimer.h). Answers the id and the new name.
  struct Deleted {
    std::string id;
    std::string name;
  };
  hugo::Result<Deleted> MarkDeleted(const std::string& name, const std::string& id);
  // The last step: the record of a namespace marked DELETED removed. kNotFound when gone.
  hugo::Result<hugo::Unit> Remove(const std::string& namespace_id);

  // Registers `name` with the given retention unless it exists; an existing one is left as is.
  hugo::Result<hugo::Unit> EnsureNamespace(const std::string& name, std::chrono::seconds retention);

 private:
  hugo::Result<hugo::Unit> ValidateName(const std::string& name) const;
  hugo::Result<hugo::Unit> ValidateRetention(const google::protobuf::Duration& retention) const;
  temporal::api::workflowservice::v1::DescribeNamespaceResponse NewDescription(
      const temporal::api::workflowservice::v1::RegisterNamespaceRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DescribeNamespaceResponse> Decode(
      const persistence::NamespaceRecord& record) const;

  persistence::NamespaceStore* store_;
  Options options_;
  UuidGenerator uuids_;
  // Name -> id of the namespaces seen (not deleted): every request resolves its namespace. A
  // namespace keeps its name and id until MarkDeleted renames it, which drops its entry.
  // Misses are not kept: another process on the same database may create the name later.
  std::unordered_map<std::string, std::string> ids_;
  // The ids among them whose namespace is DEPRECATED (a state never left but for deletion).
  std::unordered_set<std::string> deprecated_;
};

}  // namespace hdo::frontend
