#include "frontend/worker_deployments.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/error_codes.h"
#include "common/log.h"
#include "frontend/errors.h"
#include "frontend/timestamps.h"

// The deprecated string forms of versions ("<deployment>.<build id>", "__unversioned__") are
// still what the SDKs send and read beside the structs: this file reads and writes both.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace hdo::frontend {
namespace {

namespace deployment = temporal::api::deployment::v1;
namespace enums = temporal::api::enums::v1;
namespace wf = temporal::api::workflowservice::v1;

// The reference's sentinel for "no version" in its version strings.
constexpr std::string_view kUnversioned = "__unversioned__";
// reference: (MaxIDLengthLimit 1000 - len of the system workflow id prefix 39) / 2.
constexpr size_t kMaxNameLength = (1000 - 39) / 2;
constexpr int kLoadPageSize = 100;

std::chrono::system_clock::time_point FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(timestamp.seconds()) + std::chrono::nanoseconds(timestamp.nanos())));
}

bool Before(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() < b.seconds() || (a.seconds() == b.seconds() && a.nanos() < b.nanos());
}

hugo::Error Invalid(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}
hugo::Error Precondition(std::string message) {
  return hugo::Error::From(std::move(message), errors::kFailedPrecondition);
}
hugo::Error NotFound(std::string message) {
  return hugo::Error::From(std::move(message), errors::kNotFound);
}

// The reference's validateVersionWfParams: `field` names the value in the message.
hugo::Result<hugo::Unit> ValidateName(std::string_view field, std::string_view value,
                                      bool deployment_name) {
  if (value.empty()) return Invalid(std::string(field) + " cannot be empty");
  if (value.size() > kMaxNameLength) {
    return Invalid("size of " + std::string(field) + " larger than the maximum allowed");
  }
  if (deployment_name) {
    if (value.find('.') != std::string_view::npos) {
      return Invalid("worker deployment name cannot contain '.'");
    }
    if (value.find(':') != std::string_view::npos) {
      return Invalid("worker deployment name cannot contain ':'");
    }
  }
  if (value.substr(0, 2) == "__") return Invalid(std::string(field) + " cannot start with '__'");
  return hugo::Ok();
}

hugo::Result<hugo::Unit> ValidateVersion(const deployment::WorkerDeploymentVersion& version) {
  auto name = ValidateName("WorkerDeploymentName", version.deployment_name(), true);
  if (name.IsFailure()) return name;
  return ValidateName("BuildID", version.build_id(), false);
}

// A request's version as a struct: `structured` when it names one, else the deprecated string.
hugo::Result<deployment::WorkerDeploymentVersion> RequestVersion(
    const std::string& text, const deployment::WorkerDeploymentVersion* structured) {
  if (structured != nullptr &&
      (!structured->deployment_name().empty() || !structured->build_id().empty())) {
    return hugo::Ok(*structured);
  }
  auto parsed = WorkerDeployments::ParseVersion(text);
  if (!parsed.has_value()) {
    if (text == kUnversioned) return hugo::Ok(deployment::WorkerDeploymentVersion());
    return Invalid("invalid version string \"" + text +
                   "\", expected format is \"<deployment_name>.<build_id>\"");
  }
  return hugo::Ok(*parsed);
}

// The ManagerIdentity check of the changes a manager guards.
hugo::Result<hugo::Unit> CheckManager(const std::string& manager, const std::string& identity) {
  if (manager.empty() || manager == identity) return hugo::Ok();
  return Precondition("ManagerIdentity '" + manager +
                      "' is set and does not match user identity '" + identity +
                      "'; to proceed, set your own identity as the ManagerIdentity, remove the "
                      "ManagerIdentity, or wait for the other client to do so");
}

bool Versioned(std::string_view version) { return !version.empty() && version != kUnversioned; }

// Stable across restarts and processes: which side of a ramp a workflow falls on.
double RampPoint(std::string_view workflow_id) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : workflow_id) {
    hash ^= c;
    hash *= 16777619u;
  }
  return 100.0 * static_cast<double>(hash) / 4294967296.0;
}

}  // namespace

WorkerDeployments::WorkerDeployments(persistence::WorkerDeploymentStore* store, Options options)
    : store_(store), options_(std::move(options)) {}

std::string WorkerDeployments::VersionString(std::string_view deployment_name,
                                             std::string_view build_id) {
  return std::string(deployment_name) + "." + std::string(build_id);
}

std::optional<deployment::WorkerDeploymentVersion> WorkerDeployments::ParseVersion(
    std::string_view version) {
  if (version.empty() || version == kUnversioned) return std::nullopt;
  const size_t split = version.find_first_of(".:");
  if (split == std::string_view::npos || split == 0 || split + 1 == version.size()) {
    return std::nullopt;
  }
  deployment::WorkerDeploymentVersion parsed;
  parsed.set_deployment_name(std::string(version.substr(0, split)));
  parsed.set_build_id(std::string(version.substr(split + 1)));
  return parsed;
}

hugo::Result<hugo::Unit> WorkerDeployments::Load() {
  std::map<DeploymentKey, Stored> loaded;
  std::string token;
  do {
    auto page = store_->ListDeployments(kLoadPageSize, token);
    if (page.IsFailure()) return page.Error();
    for (const persistence::KeyedRow& row : page.Value().rows) {
      Stored stored;
      if (!stored.record.ParseFromString(row.data)) {
        return hugo::Error::From("stored worker deployment '" + row.id + "' does not decode",
                                 kErrorInternal);
      }
      stored.row_version = row.version;
      loaded.emplace(DeploymentKey{row.namespace_id, row.id}, std::move(stored));
    }
    token = page.Value().next_page_token;
  } while (!token.empty());
  deployments_ = std::move(loaded);
  std::set<std::string> namespaces;
  for (const auto& [key, stored] : deployments_) namespaces.insert(key.first);
  namespaces.insert(namespaces_with_deployments_.begin(), namespaces_with_deployments_.end());
  queue_versions_.clear();
  namespaces_with_deployments_.clear();
  for (const std::string& namespace_id : namespaces) Reindex(namespace_id);
  return hugo::Ok();
}

void WorkerDeployments::Reindex(const std::string& namespace_id) {
  for (auto it = queue_versions_.lower_bound({namespace_id, std::string(), 0});
       it != queue_versions_.end() && std::get<0>(it->first) == namespace_id;) {
    it = queue_versions_.erase(it);
  }
  bool any = false;
  for (auto it = deployments_.lower_bound({namespace_id, std::string()});
       it != deployments_.end() && it->first.first == namespace_id; ++it) {
    any = true;
    const Record& record = it->second.record;
    for (const VersionRecord& version : record.versions()) {
      const std::string name = VersionString(record.name(), version.build_id());
      for (const auto& queue : version.task_queues()) {
        queue_versions_[{namespace_id, queue.name(), static_cast<int>(queue.type())}].insert(name);
      }
    }
  }
  if (any) {
    namespaces_with_deployments_.insert(namespace_id);
  } else {
    namespaces_with_deployments_.erase(namespace_id);
  }
}

bool WorkerDeployments::Any(const std::string& namespace_id) const {
  return !namespaces_with_deployments_.empty() && namespaces_with_deployments_.count(namespace_id);
}

WorkerDeployments::Stored* WorkerDeployments::Find(const std::string& namespace_id,
                                                   std::string_view name) {
  auto found = deployments_.find({namespace_id, std::string(name)});
  return found == deployments_.end() ? nullptr : &found->second;
}

WorkerDeployments::VersionRecord* WorkerDeployments::FindVersion(Record& record,
                                                                 std::string_view build_id) {
  for (VersionRecord& version : *record.mutable_versions()) {
    if (version.build_id() == build_id) return &version;
  }
  return nullptr;
}

std::string WorkerDeployments::NewConflictToken() {
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.now().time_since_epoch())
                 .count();
  std::string token(16, '\0');
  uint64_t counter = ++token_counter_;
  std::memcpy(token.data(), &now, sizeof(now));
  std::memcpy(token.data() + 8, &counter, sizeof(counter));
  return token;
}

WorkerDeployments::Stored WorkerDeployments::NewDeployment(const std::string& name) {
  Stored stored;
  Record& record = stored.record;
  record.set_name(name);
  record.set_conflict_token(NewConflictToken());
  *record.mutable_create_time() = ToTimestamp(options_.now());
  record.mutable_routing_config()->set_current_version(std::string(kUnversioned));
  return stored;
}

WorkerDeployments::VersionRecord WorkerDeployments::NewVersion(const std::string& build_id) const {
  VersionRecord version;
  version.set_build_id(build_id);
  *version.mutable_create_time() = ToTimestamp(options_.now());
  version.set_status(enums::WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE);
  return version;
}

hugo::Result<WorkerDeployments::VersionRecord*> WorkerDeployments::AddVersion(
    Record& record, const std::string& build_id) const {
  if (record.versions_size() >= options_.max_versions) {
    return Precondition("cannot add version " + VersionString(record.name(), build_id) +
                        " since maximum number of versions (" +
                        std::to_string(options_.max_versions) +
                        ") have been registered in the deployment");
  }
  *record.add_versions() = NewVersion(build_id);
  return hugo::Ok(record.mutable_versions(record.versions_size() - 1));
}

hugo::Result<std::optional<deployment::WorkerDeploymentVersion>> WorkerDeployments::ParseTarget(
    const std::string& target, const std::string& deployment_name) {
  auto parsed = ParseVersion(target);
  if (Versioned(target) && !parsed.has_value()) {
    return Invalid("invalid version string: \"" + target +
                   "\", expected format is \"<deployment_name>.<build_id>\"");
  }
  if (parsed.has_value()) {
    if (parsed->deployment_name() != deployment_name) {
      return Invalid("invalid version string '" + target + "' does not match deployment name '" +
                     deployment_name + "'");
    }
    auto build_ok = ValidateName("BuildID", parsed->build_id(), false);
    if (build_ok.IsFailure()) return build_ok.Error();
  }
  return hugo::Ok(std::move(parsed));
}

hugo::Result<WorkerDeployments::Stored*> WorkerDeployments::DeploymentToChange(
    const std::string& namespace_id, const std::string& name, bool allow_no_pollers,
    bool versioned_target, Stored& fresh) {
  if (Stored* existing = Find(namespace_id, name)) return hugo::Ok(existing);
  if (!allow_no_pollers) {
    return Precondition("no Worker Deployment found with name " + name +
                        "; does your Worker Deployment have pollers?");
  }
  if (!versioned_target) return Invalid("BuildID cannot be empty");
  fresh = NewDeployment(name);
  return hugo::Ok(&fresh);
}

hugo::Result<hugo::Unit> WorkerDeployments::Store(const std::string& namespace_id, Stored& stored,
                                                  Record next) {
  persistence::KeyedRow row{namespace_id, next.name(), stored.row_version + 1,
                            next.SerializeAsString()};
  auto written = stored.row_version == 0 ? store_->CreateDeployment(row)
                                         : store_->UpdateDeployment(row, stored.row_version);
  if (written.IsFailure()) return written;
  // `stored` may be the map's own entry, or a new deployment's outside it.
  Stored& target = deployments_[{namespace_id, next.name()}];
  target.record = std::move(next);
  target.row_version = row.version;
  Reindex(namespace_id);
  if (options_.routing_changed) options_.routing_changed(namespace_id);
  return hugo::Ok();
}

hugo::Result<std::string> WorkerDeployments::RecordPoll(
    const std::string& namespace_id, const deployment::WorkerDeploymentOptions& options,
    const std::string& task_queue, TaskQueueType type) {
  if (options.worker_versioning_mode() != enums::WORKER_VERSIONING_MODE_VERSIONED) {
    return hugo::Ok(std::string());
  }
  if (options.deployment_name().empty()) {
    return Invalid("versioned worker must have deployment name");
  }
  if (options.build_id().empty()) return Invalid("versioned worker must have build id");
  if (options.deployment_name().find_first_of(".:") != std::string::npos) {
    return Invalid("deployment name cannot contain ':' or '.'");
  }
  std::string version = VersionString(options.deployment_name(), options.build_id());
  last_poll_[{namespace_id, version}] = std::chrono::steady_clock::now();
  // The common case: already registered.
  auto queue = queue_versions_.find({namespace_id, task_queue, static_cast<int>(type)});
  if (queue != queue_versions_.end() && queue->second.count(version) != 0) {
    return hugo::Ok(std::move(version));
  }
  auto name_ok = ValidateName("WorkerDeploymentName", options.deployment_name(), true);
  if (name_ok.IsFailure()) return name_ok.Error();
  auto build_ok = ValidateName("BuildID", options.build_id(), false);
  if (build_ok.IsFailure()) return build_ok.Error();
  Stored* existing = Find(namespace_id, options.deployment_name());
  Stored fresh;
  if (existing == nullptr) {
    int count = 0;
    for (auto it = deployments_.lower_bound({namespace_id, std::string()});
         it != deployments_.end() && it->first.first == namespace_id; ++it) {
      ++count;
    }
    if (count >= options_.max_deployments) {
      return Precondition("reached maximum deployments in namespace (" +
                          std::to_string(options_.max_deployments) + ")");
    }
    fresh = NewDeployment(options.deployment_name());
  }
  Stored& stored = existing != nullptr ? *existing : fresh;
  Record next = stored.record;
  VersionRecord* record = FindVersion(next, options.build_id());
  if (record == nullptr) {
    auto added = AddVersion(next, options.build_id());
    if (added.IsFailure()) return added.Error();
    record = added.Value();
  }
  for (const auto& registered : record->task_queues()) {
    if (registered.name() == task_queue && registered.type() == type) {
      return hugo::Ok(std::move(version));
    }
  }
  if (record->task_queues_size() >= options_.max_task_queues) {
    return Precondition("maximum number of task queues (" +
                        std::to_string(options_.max_task_queues) +
                        ") have been registered in deployment");
  }
  auto* added = record->add_task_queues();
  added->set_name(task_queue);
  added->set_type(type);
  auto written = Store(namespace_id, stored, std::move(next));
  if (written.IsFailure()) return written.Error();
  return hugo::Ok(std::move(version));
}

std::string WorkerDeployments::Route(const std::string& namespace_id, const std::string& task_queue,
                                     TaskQueueType type, std::string_view workflow_id,
                                     const std::string& pinned, bool use_ramping) const {
  auto queue = queue_versions_.find({namespace_id, task_queue, static_cast<int>(type)});
  if (queue == queue_versions_.end()) return std::string();
  if (!pinned.empty() && queue->second.count(pinned) != 0) return pinned;
  // The current and the ramping version among those that registered the queue (the newest
  // routing change wins, as the reference's user data merge), and a ramp to unversioned of the
  // current version's deployment.
  const VersionRecord* current = nullptr;
  std::string current_name;
  const VersionRecord* ramping = nullptr;
  std::string ramping_name;
  const Record* current_deployment = nullptr;
  for (const std::string& version : queue->second) {
    auto parsed = ParseVersion(version);
    if (!parsed.has_value()) continue;
    auto found = deployments_.find({namespace_id, parsed->deployment_name()});
    if (found == deployments_.end()) continue;
    for (const VersionRecord& record : found->second.record.versions()) {
      if (record.build_id() != parsed->build_id()) continue;
      if (record.has_current_since_time() &&
          (current == nullptr ||
           Before(current->routing_update_time(), record.routing_update_time()))) {
        current = &record;
        current_name = version;
        current_deployment = &found->second.record;
      }
      if (record.has_ramping_since_time() &&
          (ramping == nullptr ||
           Before(ramping->routing_update_time(), record.routing_update_time()))) {
        ramping = &record;
        ramping_name = version;
      }
    }
  }
  double ramp = 0;
  std::string ramp_target;
  bool ramp_set = false;
  if (ramping != nullptr) {
    ramp = ramping->ramp_percentage();
    ramp_target = ramping_name;
    ramp_set = true;
  } else if (current_deployment != nullptr &&
             current_deployment->routing_config().ramping_version() == kUnversioned) {
    ramp = current_deployment->routing_config().ramping_version_percentage();
    ramp_set = true;  // to unversioned workers
  }
  if (ramp_set && (use_ramping || ramp >= 100 || (ramp > 0 && RampPoint(workflow_id) < ramp))) {
    return ramp_target;
  }
  return current != nullptr ? current_name : std::string();
}

bool WorkerDeployments::HasTaskQueue(const std::string& namespace_id, const std::string& version,
                                     const std::string& task_queue) const {
  for (auto it = queue_versions_.lower_bound({namespace_id, task_queue, 0});
       it != queue_versions_.end() && std::get<0>(it->first) == namespace_id &&
       std::get<1>(it->first) == task_queue;
       ++it) {
    if (it->second.count(version) != 0) return true;
  }
  return false;
}

bool WorkerDeployments::HasPollers(const std::string& namespace_id,
                                   const std::string& version) const {
  auto found = last_poll_.find({namespace_id, version});
  return found != last_poll_.end() &&
         std::chrono::steady_clock::now() - found->second < options_.poller_ttl;
}

void WorkerDeployments::RefreshDrainage(const std::string& namespace_id, Stored& stored) {
  if (!options_.count_pinned) return;
  const auto now = options_.now();
  std::optional<Record> next;
  for (int i = 0; i < stored.record.versions_size(); ++i) {
    const VersionRecord& version = stored.record.versions(i);
    const auto& drainage = version.drainage_info();
    if (drainage.status() != enums::VERSION_DRAINAGE_STATUS_DRAINING) continue;
    const auto last_checked = FromTimestamp(drainage.last_checked_time());
    const bool first =
        drainage.last_checked_time().seconds() == drainage.last_changed_time().seconds() &&
        drainage.last_checked_time().nanos() == drainage.last_changed_time().nanos();
    if (now - last_checked < (first ? options_.drainage_grace : options_.drainage_refresh)) {
      continue;
    }
    auto count = options_.count_pinned(namespace_id,
                                       VersionString(stored.record.name(), version.build_id()));
    if (count.IsFailure()) continue;
    if (!next.has_value()) next = stored.record;
    VersionRecord* changed = next->mutable_versions(i);
    auto* info = changed->mutable_drainage_info();
    *info->mutable_last_checked_time() = ToTimestamp(now);
    if (count.Value() == 0) {
      info->set_status(enums::VERSION_DRAINAGE_STATUS_DRAINED);
      *info->mutable_last_changed_time() = ToTimestamp(now);
      changed->set_status(enums::WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED);
    }
  }
  if (!next.has_value()) return;
  auto written = Store(namespace_id, stored, std::move(*next));
  if (written.IsFailure()) {
    log::Warn("worker deployment drainage not written",
              {{"deployment", stored.record.name()}, {"error", written.Error().Message()}});
  }
}

namespace {

// A version stops being current or ramping: it drains.
void Deactivate(hdo::persistence::v1::WorkerDeploymentVersionRecord& version,
                const google::protobuf::Timestamp& now) {
  version.clear_current_since_time();
  version.clear_ramping_since_time();
  version.set_ramp_percentage(0);
  *version.mutable_routing_update_time() = now;
  *version.mutable_last_deactivation_time() = now;
  version.set_status(enums::WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING);
  auto* drainage = version.mutable_drainage_info();
  drainage->set_status(enums::VERSION_DRAINAGE_STATUS_DRAINING);
  *drainage->mutable_last_changed_time() = now;
  *drainage->mutable_last_checked_time() = now;
}

void Activate(hdo::persistence::v1::WorkerDeploymentVersionRecord& version,
              const google::protobuf::Timestamp& now) {
  *version.mutable_routing_update_time() = now;
  if (!version.has_first_activation_time()) *version.mutable_first_activation_time() = now;
  version.clear_drainage_info();
}

deployment::WorkerDeploymentInfo::WorkerDeploymentVersionSummary Summary(
    const std::string& deployment_name,
    const hdo::persistence::v1::WorkerDeploymentVersionRecord& version, bool deprecated_status) {
  deployment::WorkerDeploymentInfo::WorkerDeploymentVersionSummary summary;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  summary.set_version(WorkerDeployments::VersionString(deployment_name, version.build_id()));
  if (deprecated_status) summary.set_drainage_status(version.drainage_info().status());
#pragma GCC diagnostic pop
  summary.set_status(version.status());
  summary.mutable_deployment_version()->set_deployment_name(deployment_name);
  summary.mutable_deployment_version()->set_build_id(version.build_id());
  *summary.mutable_create_time() = version.create_time();
  if (version.has_drainage_info()) *summary.mutable_drainage_info() = version.drainage_info();
  if (version.has_current_since_time()) {
    *summary.mutable_current_since_time() = version.current_since_time();
  }
  if (version.has_ramping_since_time()) {
    *summary.mutable_ramping_since_time() = version.ramping_since_time();
  }
  if (version.has_routing_update_time()) {
    *summary.mutable_routing_update_time() = version.routing_update_time();
  }
  if (version.has_first_activation_time()) {
    *summary.mutable_first_activation_time() = version.first_activation_time();
  }
  if (version.has_last_current_time()) {
    *summary.mutable_last_current_time() = version.last_current_time();
  }
  if (version.has_last_deactivation_time()) {
    *summary.mutable_last_deactivation_time() = version.last_deactivation_time();
  }
  return summary;
}

}  // namespace

hugo::Result<wf::DescribeWorkerDeploymentResponse> WorkerDeployments::Describe(
    const std::string& namespace_id, const wf::DescribeWorkerDeploymentRequest& request) {
  auto name_ok = ValidateName("WorkerDeploymentName", request.deployment_name(), true);
  if (name_ok.IsFailure()) return name_ok.Error();
  Stored* stored = Find(namespace_id, request.deployment_name());
  if (stored == nullptr) return NotFound("Worker Deployment not found");
  RefreshDrainage(namespace_id, *stored);
  stored = Find(namespace_id, request.deployment_name());
  const Record& record = stored->record;
  wf::DescribeWorkerDeploymentResponse response;
  response.set_conflict_token(record.conflict_token());
  auto* info = response.mutable_worker_deployment_info();
  info->set_name(record.name());
  *info->mutable_create_time() = record.create_time();
  *info->mutable_routing_config() = record.routing_config();
  info->set_last_modifier_identity(record.last_modifier_identity());
  info->set_manager_identity(record.manager_identity());
  info->set_routing_config_update_state(enums::ROUTING_CONFIG_UPDATE_STATE_COMPLETED);
  std::vector<const VersionRecord*> versions;
  for (const VersionRecord& version : record.versions()) versions.push_back(&version);
  // Newest first, as the reference.
  std::stable_sort(versions.begin(), versions.end(), [](const auto* a, const auto* b) {
    return Before(b->create_time(), a->create_time());
  });
  for (const VersionRecord* version : versions) {
    *info->add_version_summaries() = Summary(record.name(), *version, true);
  }
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::ListWorkerDeploymentsResponse> WorkerDeployments::List(
    const std::string& namespace_id, const wf::ListWorkerDeploymentsRequest& request) {
  int page_size = request.page_size();
  if (page_size <= 0 || page_size > options_.list_page_size_max) {
    page_size = options_.list_page_size_max;
  }
  const std::string after = request.next_page_token();
  wf::ListWorkerDeploymentsResponse response;
  auto it = after.empty() ? deployments_.lower_bound({namespace_id, std::string()})
                          : deployments_.upper_bound({namespace_id, after});
  for (; it != deployments_.end() && it->first.first == namespace_id; ++it) {
    if (response.worker_deployments_size() == page_size) {
      response.set_next_page_token(response.worker_deployments().rbegin()->name());
      break;
    }
    const Record& record = it->second.record;
    auto* summary = response.add_worker_deployments();
    summary->set_name(record.name());
    *summary->mutable_create_time() = record.create_time();
    *summary->mutable_routing_config() = record.routing_config();
    const VersionRecord* latest = nullptr;
    for (const VersionRecord& version : record.versions()) {
      if (latest == nullptr || !Before(version.create_time(), latest->create_time())) {
        latest = &version;
      }
      const std::string name = VersionString(record.name(), version.build_id());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      if (record.routing_config().current_version() == name) {
        *summary->mutable_current_version_summary() = Summary(record.name(), version, false);
      }
      if (record.routing_config().ramping_version() == name) {
        *summary->mutable_ramping_version_summary() = Summary(record.name(), version, false);
      }
#pragma GCC diagnostic pop
    }
    if (latest != nullptr) {
      *summary->mutable_latest_version_summary() = Summary(record.name(), *latest, false);
    }
  }
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::DescribeWorkerDeploymentVersionResponse> WorkerDeployments::DescribeVersion(
    const std::string& namespace_id, const wf::DescribeWorkerDeploymentVersionRequest& request) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const std::string& text = request.version();
#pragma GCC diagnostic pop
  if (text.empty() && !request.has_deployment_version()) {
    return Invalid("deployment version cannot be empty");
  }
  auto version = RequestVersion(text, &request.deployment_version());
  if (version.IsFailure()) return version.Error();
  auto valid = ValidateVersion(version.Value());
  if (valid.IsFailure()) return valid.Error();
  Stored* stored = Find(namespace_id, version.Value().deployment_name());
  if (stored == nullptr || FindVersion(stored->record, version.Value().build_id()) == nullptr) {
    return NotFound("Worker Deployment Version not found");
  }
  RefreshDrainage(namespace_id, *stored);
  stored = Find(namespace_id, version.Value().deployment_name());
  const VersionRecord& record = *FindVersion(stored->record, version.Value().build_id());
  wf::DescribeWorkerDeploymentVersionResponse response;
  auto* info = response.mutable_worker_deployment_version_info();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  info->set_version(VersionString(stored->record.name(), record.build_id()));
#pragma GCC diagnostic pop
  *info->mutable_deployment_version() = version.Value();
  info->set_deployment_name(stored->record.name());
  info->set_status(record.status());
  *info->mutable_create_time() = record.create_time();
  if (record.has_routing_update_time()) {
    *info->mutable_routing_changed_time() = record.routing_update_time();
  }
  if (record.has_current_since_time()) {
    *info->mutable_current_since_time() = record.current_since_time();
  }
  if (record.has_ramping_since_time()) {
    *info->mutable_ramping_since_time() = record.ramping_since_time();
  }
  if (record.has_first_activation_time()) {
    *info->mutable_first_activation_time() = record.first_activation_time();
  }
  if (record.has_last_current_time()) {
    *info->mutable_last_current_time() = record.last_current_time();
  }
  if (record.has_last_deactivation_time()) {
    *info->mutable_last_deactivation_time() = record.last_deactivation_time();
  }
  info->set_ramp_percentage(record.ramp_percentage());
  // Nil while UNSPECIFIED (current, ramping, never activated), as the reference.
  if (record.drainage_info().status() != enums::VERSION_DRAINAGE_STATUS_UNSPECIFIED) {
    *info->mutable_drainage_info() = record.drainage_info();
  }
  if (record.has_metadata()) *info->mutable_metadata() = record.metadata();
  info->set_last_modifier_identity(record.last_modifier_identity());
  for (const auto& queue : record.task_queues()) {
    auto* listed = info->add_task_queue_infos();
    listed->set_name(queue.name());
    listed->set_type(queue.type());
    auto* described = response.add_version_task_queues();
    described->set_name(queue.name());
    described->set_type(queue.type());
  }
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::SetWorkerDeploymentCurrentVersionResponse> WorkerDeployments::SetCurrent(
    const std::string& namespace_id, const wf::SetWorkerDeploymentCurrentVersionRequest& request) {
  if (request.deployment_name().empty()) return Invalid("deployment name cannot be empty");
  auto name_ok = ValidateName("WorkerDeploymentName", request.deployment_name(), true);
  if (name_ok.IsFailure()) return name_ok.Error();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  std::string target = request.version();
#pragma GCC diagnostic pop
  if (target.empty()) {
    target = request.build_id().empty()
                 ? std::string(kUnversioned)
                 : VersionString(request.deployment_name(), request.build_id());
  }
  auto checked = ParseTarget(target, request.deployment_name());
  if (checked.IsFailure()) return checked.Error();
  const auto& parsed = checked.Value();
  Stored fresh;
  auto found = DeploymentToChange(namespace_id, request.deployment_name(),
                                  request.allow_no_pollers(), parsed.has_value(), fresh);
  if (found.IsFailure()) return found.Error();
  Stored& stored = *found.Value();
  Record next = stored.record;
  auto& routing = *next.mutable_routing_config();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const std::string previous =
      routing.current_version().empty() ? std::string(kUnversioned) : routing.current_version();
  wf::SetWorkerDeploymentCurrentVersionResponse response;
  if (previous == target && next.last_modifier_identity() == request.identity()) {
    response.set_conflict_token(next.conflict_token());
    response.set_previous_version(target);
    if (parsed.has_value()) *response.mutable_previous_deployment_version() = *parsed;
    return hugo::Ok(std::move(response));
  }
  if (!request.conflict_token().empty() && request.conflict_token() != next.conflict_token()) {
    return Precondition("conflict token mismatch");
  }
  VersionRecord* version = parsed.has_value() ? FindVersion(next, parsed->build_id()) : nullptr;
  if (parsed.has_value() && version == nullptr) {
    if (!request.allow_no_pollers()) return NotFound("Version not found in deployment");
    auto added = AddVersion(next, parsed->build_id());
    if (added.IsFailure()) return added.Error();
    version = added.Value();
  }
  auto manager_ok = CheckManager(next.manager_identity(), request.identity());
  if (manager_ok.IsFailure()) return manager_ok.Error();
  const auto now = ToTimestamp(options_.now());
  if (auto old = ParseVersion(previous); old.has_value() && previous != target) {
    if (VersionRecord* demoted = FindVersion(next, old->build_id())) {
      *demoted->mutable_last_current_time() = now;
      Deactivate(*demoted, now);
    }
  }
  if (version != nullptr) {
    Activate(*version, now);
    *version->mutable_current_since_time() = now;
    version->clear_ramping_since_time();
    version->set_ramp_percentage(0);
    version->set_status(enums::WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT);
  }
  routing.set_current_version(target);
  if (parsed.has_value()) {
    *routing.mutable_current_deployment_version() = *parsed;
  } else {
    routing.clear_current_deployment_version();
  }
  *routing.mutable_current_version_changed_time() = now;
  // The new current was ramping (or both are unversioned): the ramp ends.
  if (routing.ramping_version() == target) {
    routing.clear_ramping_version();
    routing.clear_ramping_deployment_version();
    routing.set_ramping_version_percentage(0);
    *routing.mutable_ramping_version_changed_time() = now;
    *routing.mutable_ramping_version_percentage_changed_time() = now;
  }
  routing.set_revision_number(routing.revision_number() + 1);
#pragma GCC diagnostic pop
  next.set_conflict_token(NewConflictToken());
  next.set_last_modifier_identity(request.identity());
  auto written = Store(namespace_id, stored, std::move(next));
  if (written.IsFailure()) return written.Error();
  response.set_conflict_token(
      Find(namespace_id, request.deployment_name())->record.conflict_token());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  response.set_previous_version(previous);
  if (auto old = ParseVersion(previous)) *response.mutable_previous_deployment_version() = *old;
#pragma GCC diagnostic pop
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::SetWorkerDeploymentRampingVersionResponse> WorkerDeployments::SetRamping(
    const std::string& namespace_id, const wf::SetWorkerDeploymentRampingVersionRequest& request) {
  if (request.deployment_name().empty()) return Invalid("deployment name cannot be empty");
  auto name_ok = ValidateName("WorkerDeploymentName", request.deployment_name(), true);
  if (name_ok.IsFailure()) return name_ok.Error();
  const float percentage = request.percentage();
  if (!(percentage >= 0 && percentage <= 100)) {
    return Invalid("Percentage must be between 0 and 100 (inclusive)");
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  std::string target = request.version();
#pragma GCC diagnostic pop
  if (target.empty()) {
    if (!request.build_id().empty()) {
      target = VersionString(request.deployment_name(), request.build_id());
    } else if (percentage > 0) {
      target = std::string(kUnversioned);  // a ramp to unversioned workers
    }                                      // else: no ramp
  }
  auto checked = ParseTarget(target, request.deployment_name());
  if (checked.IsFailure()) return checked.Error();
  const auto& parsed = checked.Value();
  Stored fresh;
  auto found = DeploymentToChange(namespace_id, request.deployment_name(),
                                  request.allow_no_pollers(), parsed.has_value(), fresh);
  if (found.IsFailure()) return found.Error();
  Stored& stored = *found.Value();
  Record next = stored.record;
  auto& routing = *next.mutable_routing_config();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const std::string previous = routing.ramping_version();
  const float previous_percentage = routing.ramping_version_percentage();
  wf::SetWorkerDeploymentRampingVersionResponse response;
  if (previous == target && previous_percentage == percentage &&
      next.last_modifier_identity() == request.identity()) {
    response.set_conflict_token(next.conflict_token());
    response.set_previous_version(target);
    response.set_previous_percentage(percentage);
    if (parsed.has_value()) *response.mutable_previous_deployment_version() = *parsed;
    return hugo::Ok(std::move(response));
  }
  if (!request.conflict_token().empty() && request.conflict_token() != next.conflict_token()) {
    return Precondition("conflict token mismatch");
  }
  const std::string current =
      routing.current_version().empty() ? std::string(kUnversioned) : routing.current_version();
  if (!target.empty() && target == current && !(target == kUnversioned && percentage == 0)) {
    return Precondition("requested ramping version " + target + " is already current");
  }
  VersionRecord* version = parsed.has_value() ? FindVersion(next, parsed->build_id()) : nullptr;
  if (parsed.has_value() && version == nullptr) {
    if (!request.allow_no_pollers()) return NotFound("Version not found in deployment");
    auto added = AddVersion(next, parsed->build_id());
    if (added.IsFailure()) return added.Error();
    version = added.Value();
  }
  auto manager_ok = CheckManager(next.manager_identity(), request.identity());
  if (manager_ok.IsFailure()) return manager_ok.Error();
  const auto now = ToTimestamp(options_.now());
  if (previous != target) {
    if (auto old = ParseVersion(previous)) {
      if (VersionRecord* unramped = FindVersion(next, old->build_id())) Deactivate(*unramped, now);
    }
    *routing.mutable_ramping_version_changed_time() = now;
  }
  if (version != nullptr) {
    if (previous != target) {
      Activate(*version, now);
      *version->mutable_ramping_since_time() = now;
      version->set_status(enums::WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING);
    }
    version->set_ramp_percentage(percentage);
  }
  routing.set_ramping_version(target);
  if (parsed.has_value()) {
    *routing.mutable_ramping_deployment_version() = *parsed;
  } else {
    routing.clear_ramping_deployment_version();
  }
  routing.set_ramping_version_percentage(target.empty() ? 0 : percentage);
  *routing.mutable_ramping_version_percentage_changed_time() = now;
  routing.set_revision_number(routing.revision_number() + 1);
#pragma GCC diagnostic pop
  next.set_conflict_token(NewConflictToken());
  next.set_last_modifier_identity(request.identity());
  auto written = Store(namespace_id, stored, std::move(next));
  if (written.IsFailure()) return written.Error();
  response.set_conflict_token(
      Find(namespace_id, request.deployment_name())->record.conflict_token());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  response.set_previous_version(previous);
  response.set_previous_percentage(previous_percentage);
  if (auto old = ParseVersion(previous)) *response.mutable_previous_deployment_version() = *old;
#pragma GCC diagnostic pop
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::DeleteWorkerDeploymentVersionResponse> WorkerDeployments::DeleteVersion(
    const std::string& namespace_id, const wf::DeleteWorkerDeploymentVersionRequest& request) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  auto version = RequestVersion(request.version(), &request.deployment_version());
#pragma GCC diagnostic pop
  if (version.IsFailure()) return version.Error();
  auto valid = ValidateVersion(version.Value());
  if (valid.IsFailure()) return valid.Error();
  const std::string& name = version.Value().deployment_name();
  Stored* stored = Find(namespace_id, name);
  if (stored == nullptr) return NotFound("Worker Deployment not found");
  if (FindVersion(stored->record, version.Value().build_id()) == nullptr) {
    return hugo::Ok(wf::DeleteWorkerDeploymentVersionResponse());
  }
  const std::string text = VersionString(name, version.Value().build_id());
  const auto& routing = stored->record.routing_config();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (routing.current_version() == text || routing.ramping_version() == text) {
    return Precondition("Version cannot be deleted since it is current or ramping.");
  }
#pragma GCC diagnostic pop
  // An identity-less request is nobody's: a manager set refuses it.
  const std::string identity = request.identity().empty() ? "\n" : request.identity();
  auto manager_ok = CheckManager(stored->record.manager_identity(), identity);
  if (manager_ok.IsFailure()) return manager_ok.Error();
  RefreshDrainage(namespace_id, *stored);
  stored = Find(namespace_id, name);
  const VersionRecord* record = FindVersion(stored->record, version.Value().build_id());
  if (!request.skip_drainage() &&
      record->drainage_info().status() == enums::VERSION_DRAINAGE_STATUS_DRAINING) {
    return Precondition("Version cannot be deleted since it is draining.");
  }
  if (HasPollers(namespace_id, text)) {
    return Precondition("Version cannot be deleted since it has active pollers.");
  }
  Record next = stored->record;
  auto* versions = next.mutable_versions();
  versions->erase(std::remove_if(versions->begin(), versions->end(),
                                 [&](const VersionRecord& one) {
                                   return one.build_id() == version.Value().build_id();
                                 }),
                  versions->end());
  next.set_last_modifier_identity(request.identity());
  auto written = Store(namespace_id, *stored, std::move(next));
  if (written.IsFailure()) return written.Error();
  last_poll_.erase({namespace_id, text});
  return hugo::Ok(wf::DeleteWorkerDeploymentVersionResponse());
}

hugo::Result<wf::DeleteWorkerDeploymentResponse> WorkerDeployments::Delete(
    const std::string& namespace_id, const wf::DeleteWorkerDeploymentRequest& request) {
  auto name_ok = ValidateName("WorkerDeploymentName", request.deployment_name(), true);
  if (name_ok.IsFailure()) return name_ok.Error();
  Stored* stored = Find(namespace_id, request.deployment_name());
  if (stored == nullptr) return hugo::Ok(wf::DeleteWorkerDeploymentResponse());
  // The reference answers this with Internal (its client maps every failed update so); the
  // condition is the caller's to change, hence FailedPrecondition.
  if (stored->record.versions_size() > 0) {
    return Precondition("deployment has versions, can't be deleted");
  }
  auto deleted = store_->DeleteDeployment(namespace_id, request.deployment_name());
  if (deleted.IsFailure()) return deleted.Error();
  deployments_.erase({namespace_id, request.deployment_name()});
  Reindex(namespace_id);
  if (options_.routing_changed) options_.routing_changed(namespace_id);
  return hugo::Ok(wf::DeleteWorkerDeploymentResponse());
}

hugo::Result<wf::UpdateWorkerDeploymentVersionMetadataResponse>
WorkerDeployments::UpdateVersionMetadata(
    const std::string& namespace_id,
    const wf::UpdateWorkerDeploymentVersionMetadataRequest& request) {
  if (request.upsert_entries().empty() && request.remove_entries().empty()) {
    return Invalid("At least one of remove_entries or upsert_entries must be provided");
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  auto version = RequestVersion(request.version(), &request.deployment_version());
#pragma GCC diagnostic pop
  if (version.IsFailure()) return version.Error();
  auto valid = ValidateVersion(version.Value());
  if (valid.IsFailure()) return valid.Error();
  Stored* stored = Find(namespace_id, version.Value().deployment_name());
  if (stored == nullptr || FindVersion(stored->record, version.Value().build_id()) == nullptr) {
    return NotFound("Worker Deployment Version not found");
  }
  Record next = stored->record;
  VersionRecord* record = FindVersion(next, version.Value().build_id());
  auto* entries = record->mutable_metadata()->mutable_entries();
  for (const auto& [key, value] : request.upsert_entries()) (*entries)[key] = value;
  for (const std::string& key : request.remove_entries()) entries->erase(key);
  wf::UpdateWorkerDeploymentVersionMetadataResponse response;
  *response.mutable_metadata() = record->metadata();
  auto written = Store(namespace_id, *stored, std::move(next));
  if (written.IsFailure()) return written.Error();
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::SetWorkerDeploymentManagerResponse> WorkerDeployments::SetManager(
    const std::string& namespace_id, const wf::SetWorkerDeploymentManagerRequest& request) {
  if (request.identity().empty()) return Invalid("Identity is required");
  auto name_ok = ValidateName("WorkerDeploymentName", request.deployment_name(), true);
  if (name_ok.IsFailure()) return name_ok.Error();
  Stored* stored = Find(namespace_id, request.deployment_name());
  if (stored == nullptr) return NotFound("Worker Deployment not found");
  const std::string manager = request.self() ? request.identity() : request.manager_identity();
  Record next = stored->record;
  wf::SetWorkerDeploymentManagerResponse response;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (next.manager_identity() == manager && next.last_modifier_identity() == request.identity()) {
    response.set_conflict_token(next.conflict_token());
    response.set_previous_manager_identity(manager);
    return hugo::Ok(std::move(response));
  }
  if (!request.conflict_token().empty() && request.conflict_token() != next.conflict_token()) {
    return Precondition("conflict token mismatch");
  }
  response.set_previous_manager_identity(next.manager_identity());
#pragma GCC diagnostic pop
  next.set_manager_identity(manager);
  next.set_last_modifier_identity(request.identity());
  next.set_conflict_token(NewConflictToken());
  response.set_conflict_token(next.conflict_token());
  auto written = Store(namespace_id, *stored, std::move(next));
  if (written.IsFailure()) return written.Error();
  return hugo::Ok(std::move(response));
}

}  // namespace hdo::frontend
