#include "frontend/namespace_handler.h"

#include <iterator>

#include "common/error_codes.h"
#include "frontend/errors.h"

namespace hdo::frontend {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

std::string FormatDuration(std::chrono::seconds duration) {
  auto hours = std::chrono::duration_cast<std::chrono::hours>(duration);
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(duration - hours);
  auto seconds = duration - hours - minutes;
  return std::to_string(hours.count()) + "h" + std::to_string(minutes.count()) + "m" +
         std::to_string(seconds.count()) + "s";
}

// Store errors pass through; a missing namespace becomes the typed NotFound clients expect.
hugo::Error FromStore(const hugo::Error& error, const std::string& name) {
  if (error.Code() == persistence::kErrorNotFound) return NamespaceNotFound(name);
  if (error.Code() == persistence::kErrorAlreadyExists) return NamespaceAlreadyExists(name);
  return error;
}

}  // namespace

NamespaceHandler::NamespaceHandler(persistence::NamespaceStore* store, Options options)
    : store_(store), options_(std::move(options)) {}

hugo::Result<hugo::Unit> NamespaceHandler::ValidateName(const std::string& name) const {
  if (name.empty()) return InvalidArgument("Namespace not set on request.");
  if (name.size() > options_.max_name_length) {
    return InvalidArgument("Namespace length exceeds limit: " + std::to_string(name.size()) +
                           " characters, at most " + std::to_string(options_.max_name_length) +
                           ".");
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> NamespaceHandler::ValidateRetention(
    const google::protobuf::Duration& retention) const {
  bool valid = retention.seconds() >= 0 && retention.nanos() >= 0 && retention.nanos() < 1000000000;
  if (!valid || std::chrono::seconds(retention.seconds()) < options_.min_retention) {
    return InvalidArgument(
        "A valid retention period is not set on request: workflow_execution_retention_period "
        "must be at least " +
        FormatDuration(options_.min_retention) + ".");
  }
  return hugo::Ok();
}

wf::DescribeNamespaceResponse NamespaceHandler::NewDescription(
    const wf::RegisterNamespaceRequest& request) {
  wf::DescribeNamespaceResponse description;
  auto* info = description.mutable_namespace_info();
  info->set_name(request.namespace_());
  info->set_id(uuids_.Next());
  info->set_state(enums::NAMESPACE_STATE_REGISTERED);
  info->set_description(request.description());
  info->set_owner_email(request.owner_email());
  info->mutable_data()->insert(request.data().begin(), request.data().end());
  // Capabilities are set when a description is read (Decode): what this server implements.
  info->mutable_capabilities();
  auto* config = description.mutable_config();
  *config->mutable_workflow_execution_retention_ttl() =
      request.workflow_execution_retention_period();
  config->mutable_bad_binaries();
  config->set_history_archival_state(enums::ARCHIVAL_STATE_DISABLED);
  config->set_visibility_archival_state(enums::ARCHIVAL_STATE_DISABLED);
  auto* replication = description.mutable_replication_config();
  replication->set_active_cluster_name(options_.cluster_name);
  replication->add_clusters()->set_cluster_name(options_.cluster_name);
  replication->set_state(enums::REPLICATION_STATE_NORMAL);
  description.set_is_global_namespace(false);
  return description;
}

hugo::Result<wf::DescribeNamespaceResponse> NamespaceHandler::Decode(
    const persistence::NamespaceRecord& record) const {
  wf::DescribeNamespaceResponse description;
  if (!description.ParseFromString(record.data)) {
    return hugo::Error::From("stored namespace '" + record.name + "' does not decode",
                             kErrorInternal);
  }
  // What this server implements, whatever version stored the namespace (the reference reports
  // the first three for a namespace on a dev server, and worker_heartbeats when
  // frontend.WorkerHeartbeatsEnabled is on).
  description.mutable_namespace_info()->set_supports_schedules(true);
  auto* capabilities = description.mutable_namespace_info()->mutable_capabilities();
  capabilities->set_eager_workflow_start(true);
  capabilities->set_sync_update(true);
  capabilities->set_async_update(true);
  // RecordWorkerHeartbeat is served (ListWorkers / DescribeWorker read it): SDKs send their
  // workers' heartbeats only to a namespace that says so.
  capabilities->set_worker_heartbeats(true);
  // ShutdownWorker completes the named instance's polls, Nexus polls included (matching's
  // CompleteWorkerPolls): workers wait for them instead of cancelling them.
  capabilities->set_worker_poll_complete_on_shutdown(true);
  return hugo::Ok(std::move(description));
}

hugo::Result<wf::RegisterNamespaceResponse> NamespaceHandler::Register(
    const wf::RegisterNamespaceRequest& request) {
  auto name_ok = ValidateName(request.namespace_());
  if (name_ok.IsFailure()) return name_ok.Error();
  if (request.is_global_namespace()) {
    return InvalidArgument("Cannot register global namespace when not enabled");
  }
  auto retention_ok = ValidateRetention(request.workflow_execution_retention_period());
  if (retention_ok.IsFailure()) return retention_ok.Error();
  if (!request.active_cluster_name().empty() &&
      request.active_cluster_name() != options_.cluster_name) {
    return InvalidArgument("Active cluster '" + request.active_cluster_name() +
                           "' is not a cluster of this server; use '" + options_.cluster_name +
                           "' or leave it empty.");
  }
  wf::DescribeNamespaceResponse description = NewDescription(request);
  persistence::NamespaceRecord record{description.namespace_info().id(), request.namespace_(), 1,
                                      description.SerializeAsString()};
  auto created = store_->CreateNamespace(record);
  if (created.IsFailure()) return FromStore(created.Error(), request.namespace_());
  return hugo::Ok(wf::RegisterNamespaceResponse());
}

hugo::Result<wf::DescribeNamespaceResponse> NamespaceHandler::Describe(
    const wf::DescribeNamespaceRequest& request) {
  if (!request.id().empty() && !request.namespace_().empty()) {
    return InvalidArgument("GetNamespace operation failed. Both ID and Name specified in request.");
  }
  if (request.id().empty() && request.namespace_().empty()) {
    return InvalidArgument("Namespace not set on request.");
  }
  auto record = request.id().empty() ? store_->GetNamespaceByName(request.namespace_())
                                     : store_->GetNamespaceById(request.id());
  if (record.IsFailure()) {
    return FromStore(record.Error(), request.id().empty() ? request.namespace_() : request.id());
  }
  return Decode(record.Value());
}

hugo::Result<wf::ListNamespacesResponse> NamespaceHandler::List(
    const wf::ListNamespacesRequest& request) {
  int page_size = request.page_size() == 0 ? options_.list_page_size_default : request.page_size();
  if (page_size < 0 || page_size > options_.list_page_size_max) {
    return InvalidArgument("page_size must be between 1 and " +
                           std::to_string(options_.list_page_size_max) + ", not " +
                           std::to_string(page_size) + ".");
  }
  auto page = store_->ListNamespaces(page_size, request.next_page_token());
  if (page.IsFailure()) return page.Error();
  wf::ListNamespacesResponse response;
  for (const auto& record : page.Value().namespaces) {
    auto description = Decode(record);
    if (description.IsFailure()) return description.Error();
    // A namespace being deleted is listed only when asked for (reference: namespace_filter).
    if (description.Value().namespace_info().state() == enums::NAMESPACE_STATE_DELETED &&
        !request.namespace_filter().include_deleted()) {
      continue;
    }
    *response.add_namespaces() = std::move(description).Value();
  }
  response.set_next_page_token(page.Value().next_page_token);
  return hugo::Ok(std::move(response));
}

hugo::Result<std::string> NamespaceHandler::ResolveId(const std::string& name) {
  if (auto known = ids_.find(name); known != ids_.end()) return hugo::Ok(known->second);
  auto name_ok = ValidateName(name);
  if (name_ok.IsFailure()) return name_ok.Error();
  auto record = store_->GetNamespaceByName(name);
  if (record.IsFailure()) return FromStore(record.Error(), name);
  auto description = Decode(record.Value());
  if (description.IsFailure()) return description.Error();
  if (description.Value().namespace_info().state() == enums::NAMESPACE_STATE_DELETED) {
    return hugo::Error::From(
        "Namespace has invalid state: Deleted. Must be Registered or Deprecated.",
        errors::kFailedPrecondition);
  }
  if (description.Value().namespace_info().state() == enums::NAMESPACE_STATE_DEPRECATED) {
    deprecated_.insert(record.Value().id);
  }
  ids_.emplace(name, record.Value().id);
  return hugo::Ok(record.Value().id);
}

hugo::Result<std::string> NamespaceHandler::ResolveIdToStart(const std::string& name) {
  auto id = ResolveId(name);
  if (id.IsSuccess() && deprecated_.count(id.Value()) != 0) {
    return hugo::Error::From("Namespace has invalid state: Deprecated. Must be Registered.",
                             errors::kFailedPrecondition);
  }
  return id;
}

hugo::Result<wf::DeprecateNamespaceResponse> NamespaceHandler::Deprecate(
    const wf::DeprecateNamespaceRequest& request) {
  wf::UpdateNamespaceRequest update;
  update.set_namespace_(request.namespace_());
  update.mutable_update_info()->set_state(enums::NAMESPACE_STATE_DEPRECATED);
  auto updated = Update(update);
  if (updated.IsFailure()) return updated.Error();
  return hugo::Ok(wf::DeprecateNamespaceResponse());
}

hugo::Result<NamespaceHandler::Deleted> NamespaceHandler::MarkDeleted(const std::string& name,
                                                                      const std::string& id) {
  // A compare-and-set on the notification version, as Update.
  constexpr int kAttemptsMax = 3;
  for (int attempt = 1;; ++attempt) {
    auto record = id.empty() ? store_->GetNamespaceByName(name) : store_->GetNamespaceById(id);
    if (record.IsFailure()) return FromStore(record.Error(), id.empty() ? name : id);
    auto description = Decode(record.Value());
    if (description.IsFailure()) return description.Error();
    wf::DescribeNamespaceResponse deleted = std::move(description).Value();
    auto* info = deleted.mutable_namespace_info();
    // Deleting again (a retry, or a deletion still under way) answers the name it has.
    if (info->state() == enums::NAMESPACE_STATE_DELETED) {
      return hugo::Ok(Deleted{record.Value().id, record.Value().name});
    }
    info->set_state(enums::NAMESPACE_STATE_DELETED);
    const std::string& namespace_id = record.Value().id;
    // reference: GenerateDeletedNamespaceNameActivity, from 5 characters of the id up.
    hugo::Result<hugo::Unit> written = hugo::Ok();
    std::string renamed;
    for (size_t length = 5; length <= namespace_id.size(); ++length) {
      renamed = record.Value().name + "-deleted-" + namespace_id.substr(0, length);
      info->set_name(renamed);
      persistence::NamespaceRecord next{namespace_id, renamed,
                                        record.Value().notification_version + 1,
                                        deleted.SerializeAsString()};
      written = store_->UpdateNamespace(next, record.Value().notification_version);
      if (written.IsSuccess() || written.Error().Code() != persistence::kErrorAlreadyExists) break;
    }
    if (written.IsSuccess()) {
      ids_.erase(record.Value().name);
      return hugo::Ok(Deleted{namespace_id, renamed});
    }
    if (written.Error().Code() == persistence::kErrorAlreadyExists) {
      return hugo::Error::From("unable to generate new name for deleted namespace " +
                                   record.Value().name + ". ID \"" + namespace_id +
                                   "\" is not unique",
                               kErrorInternal);
    }
    if (written.Error().Code() != persistence::kErrorConditionFailed || attempt == kAttemptsMax) {
      return FromStore(written.Error(), record.Value().name);
    }
  }
}

hugo::Result<hugo::Unit> NamespaceHandler::Remove(const std::string& namespace_id) {
  for (auto it = ids_.begin(); it != ids_.end();) {
    it = it->second == namespace_id ? ids_.erase(it) : std::next(it);
  }
  auto removed = store_->DeleteNamespace(namespace_id);
  if (removed.IsFailure() && removed.Error().Code() == persistence::kErrorNotFound) {
    return hugo::Error::From("namespace id " + namespace_id + " is not found", errors::kNotFound);
  }
  return removed;
}

hugo::Result<hugo::Unit> NamespaceHandler::EnsureNamespace(const std::string& name,
                                                           std::chrono::seconds retention) {
  wf::RegisterNamespaceRequest request;
  request.set_namespace_(name);
  request.mutable_workflow_execution_retention_period()->set_seconds(retention.count());
  auto registered = Register(request);
  if (registered.IsFailure() && registered.Error().Code() != kErrorNamespaceAlreadyExists) {
    return registered.Error();
  }
  return hugo::Ok();
}

}  // namespace hdo::frontend

namespace hdo::frontend {
namespace {

// Applies the fields an UpdateNamespaceRequest sets; returns an error for changes hdo refuses.
hugo::Result<hugo::Unit> ApplyUpdate(const wf::UpdateNamespaceRequest& request,
                                     const std::string& cluster_name,
                                     wf::DescribeNamespaceResponse* description) {
  auto* info = description->mutable_namespace_info();
  const auto& update = request.update_info();
  if (!update.description().empty()) info->set_description(update.description());
  if (!update.owner_email().empty()) info->set_owner_email(update.owner_email());
  for (const auto& [key, value] : update.data()) (*info->mutable_data())[key] = value;
  // A state only moves forward, REGISTERED to DEPRECATED (reference: validateStateUpdate). To
  // DELETED it moves by DeleteNamespace only, which also renames it and reclaims its runs.
  if (update.state() != enums::NAMESPACE_STATE_UNSPECIFIED && update.state() != info->state()) {
    if (info->state() != enums::NAMESPACE_STATE_REGISTERED ||
        update.state() != enums::NAMESPACE_STATE_DEPRECATED) {
      return InvalidArgument("Invalid namespace state update.");
    }
    info->set_state(update.state());
  }
  if (request.has_config()) {
    const auto& config = request.config();
    auto* stored = description->mutable_config();
    if (config.has_workflow_execution_retention_ttl()) {
      *stored->mutable_workflow_execution_retention_ttl() =
          config.workflow_execution_retention_ttl();
    }
    for (const auto& [checksum, binary] : config.bad_binaries().binaries()) {
      (*stored->mutable_bad_binaries()->mutable_binaries())[checksum] = binary;
    }
  }
  if (!request.delete_bad_binary().empty()) {
    auto* binaries = description->mutable_config()->mutable_bad_binaries()->mutable_binaries();
    if (binaries->erase(request.delete_bad_binary()) == 0) {
      return InvalidArgument("Bad binary checksum " + request.delete_bad_binary() +
                             " doesn't exists.");
    }
  }
  const std::string& active = request.replication_config().active_cluster_name();
  if (!active.empty() && active != cluster_name) {
    return InvalidArgument("Active cluster '" + active + "' is not a cluster of this server.");
  }
  return hugo::Ok();
}

}  // namespace

hugo::Result<wf::UpdateNamespaceResponse> NamespaceHandler::Update(
    const wf::UpdateNamespaceRequest& request) {
  auto name_ok = ValidateName(request.namespace_());
  if (name_ok.IsFailure()) return name_ok.Error();
  if (request.promote_namespace()) {
    return InvalidArgument(
        "Cannot promote namespace to global: global namespaces are not enabled.");
  }
  if (request.config().has_workflow_execution_retention_ttl()) {
    auto retention_ok = ValidateRetention(request.config().workflow_execution_retention_ttl());
    if (retention_ok.IsFailure()) return retention_ok.Error();
  }
  // A compare-and-set on the notification version; a lost race re-reads and re-applies.
  constexpr int kAttemptsMax = 3;
  for (int attempt = 1;; ++attempt) {
    auto record = store_->GetNamespaceByName(request.namespace_());
    if (record.IsFailure()) return FromStore(record.Error(), request.namespace_());
    auto description = Decode(record.Value());
    if (description.IsFailure()) return description.Error();
    wf::DescribeNamespaceResponse updated = std::move(description).Value();
    if (updated.namespace_info().state() == enums::NAMESPACE_STATE_DELETED) {
      return hugo::Error::From(
          "Namespace has invalid state: Deleted. Must be Registered or Deprecated.",
          errors::kFailedPrecondition);
    }
    auto applied = ApplyUpdate(request, options_.cluster_name, &updated);
    if (applied.IsFailure()) return applied.Error();
    persistence::NamespaceRecord next{record.Value().id, record.Value().name,
                                      record.Value().notification_version + 1,
                                      updated.SerializeAsString()};
    auto written = store_->UpdateNamespace(next, record.Value().notification_version);
    if (written.IsSuccess()) {
      if (updated.namespace_info().state() == enums::NAMESPACE_STATE_DEPRECATED) {
        deprecated_.insert(record.Value().id);
      }
      wf::UpdateNamespaceResponse response;
      *response.mutable_namespace_info() = updated.namespace_info();
      *response.mutable_config() = updated.config();
      *response.mutable_replication_config() = updated.replication_config();
      response.set_is_global_namespace(updated.is_global_namespace());
      return hugo::Ok(std::move(response));
    }
    if (written.Error().Code() != persistence::kErrorConditionFailed || attempt == kAttemptsMax) {
      return FromStore(written.Error(), request.namespace_());
    }
  }
}

}  // namespace hdo::frontend
