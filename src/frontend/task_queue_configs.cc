#include "frontend/task_queue_configs.h"

#include <cstdlib>
#include <map>
#include <utility>

#include "common/error_codes.h"
#include "frontend/errors.h"
#include "frontend/timestamps.h"

namespace hdo::frontend {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using temporal::api::taskqueue::v1::RateLimitConfig;
using temporal::api::taskqueue::v1::TaskQueueConfig;

// reference: maxReasonLength, MaxIDLengthLimit, the fairness key limit, the task queue name limit.
constexpr size_t kReasonMax = 1000;
constexpr size_t kIdentityMax = 1000;
constexpr size_t kFairnessKeyMax = 64;
constexpr size_t kTaskQueueNameMax = 1000;
constexpr int kFairnessOverridesInRequestMax = 1000;
constexpr int kLoadPageSize = 100;

hugo::Result<hugo::Unit> CheckRateLimit(
    const wf::UpdateTaskQueueConfigRequest::RateLimitUpdate& update, const std::string& label) {
  if (!update.has_rate_limit()) return hugo::Ok();
  if (update.rate_limit().requests_per_second() < 0) {
    return InvalidArgument("RequestsPerSecond for " + label + " rate limit must be non-negative.");
  }
  if (update.reason().size() > kReasonMax) {
    return InvalidArgument(label + ".Reason field too long (max " + std::to_string(kReasonMax) +
                           " characters).");
  }
  return hugo::Ok();
}

// "<type number>/<task queue name>": the row id.
std::string RowId(const std::string& task_queue, int type) {
  return std::to_string(type) + "/" + task_queue;
}

// reference: buildRateLimitConfig. Without a rate limit the update unsets it and the metadata
// stays, naming who unset it.
RateLimitConfig BuildRateLimit(const wf::UpdateTaskQueueConfigRequest::RateLimitUpdate& update,
                               const google::protobuf::Timestamp& now,
                               const std::string& identity) {
  RateLimitConfig config;
  if (update.has_rate_limit()) *config.mutable_rate_limit() = update.rate_limit();
  auto* metadata = config.mutable_metadata();
  metadata->set_reason(update.reason());
  metadata->set_update_identity(identity);
  *metadata->mutable_update_time() = now;
  return config;
}

}  // namespace

hugo::Result<hugo::Unit> ValidateUpdateTaskQueueConfig(
    const wf::UpdateTaskQueueConfigRequest& request) {
  const std::string& queue = request.task_queue();
  if (queue.empty()) return InvalidArgument("TaskQueue is not set on request.");
  if (queue.size() > kTaskQueueNameMax) {
    return InvalidArgument("TaskQueue length exceeds limit of " +
                           std::to_string(kTaskQueueNameMax) + ".");
  }
  if (queue.rfind("/_sys/", 0) == 0) {
    return InvalidArgument("task queue family name cannot have prefix /_sys/ " + queue);
  }
  const enums::TaskQueueType type = request.task_queue_type();
  if (type != enums::TASK_QUEUE_TYPE_WORKFLOW && type != enums::TASK_QUEUE_TYPE_ACTIVITY &&
      type != enums::TASK_QUEUE_TYPE_NEXUS) {
    return InvalidArgument(
        "TaskQueueType is not set on request: it is one of workflow, activity or nexus.");
  }
  const bool workflow = type == enums::TASK_QUEUE_TYPE_WORKFLOW;
  if (workflow && request.update_queue_rate_limit().has_rate_limit()) {
    return InvalidArgument("Setting rate limit on workflow task queues is not allowed.");
  }
  auto checked = CheckRateLimit(request.update_queue_rate_limit(), "UpdateQueueRateLimit");
  if (checked.IsFailure()) return checked;
  if (workflow && request.update_fairness_key_rate_limit_default().has_rate_limit()) {
    return InvalidArgument(
        "Setting fairness key rate limit on workflow task queues is not allowed.");
  }
  checked = CheckRateLimit(request.update_fairness_key_rate_limit_default(),
                           "UpdateFairnessKeyRateLimitDefault");
  if (checked.IsFailure()) return checked;
  if (request.identity().size() > kIdentityMax) {
    return InvalidArgument("Identity field too long (max " + std::to_string(kIdentityMax) +
                           " characters).");
  }
  const auto& set = request.set_fairness_weight_overrides();
  const auto& unset = request.unset_fairness_weight_overrides();
  const int total = static_cast<int>(set.size()) + unset.size();
  if (total > kFairnessOverridesInRequestMax) {
    return InvalidArgument("too many fairness weight overrides in request: got " +
                           std::to_string(total) + ", maximum " +
                           std::to_string(kFairnessOverridesInRequestMax));
  }
  // In key order: the first bad key is the same one every time.
  const std::map<std::string, float> ordered(set.begin(), set.end());
  for (const auto& [key, weight] : ordered) {
    if (key.empty()) return InvalidArgument("fairness weight override key must not be empty");
    if (key.size() > kFairnessKeyMax) return InvalidArgument("fairness key length exceeds limit");
    if (!(weight > 0)) {
      return InvalidArgument("invalid fairness weight weight for key \"" + key +
                             "\": must be greater than zero");
    }
  }
  for (const std::string& key : unset) {
    if (key.empty()) return InvalidArgument("fairness weight override key must not be empty");
    if (key.size() > kFairnessKeyMax) return InvalidArgument("fairness key length exceeds limit");
  }
  for (const std::string& key : unset) {
    if (set.count(key) != 0) {
      return InvalidArgument("fairness weight override key \"" + key +
                             "\" present in both set and unset lists");
    }
  }
  return hugo::Ok();
}

TaskQueueConfigs::TaskQueueConfigs(persistence::TaskQueueConfigStore* store, Options options)
    : store_(store), options_(std::move(options)) {}

hugo::Result<hugo::Unit> TaskQueueConfigs::Load() {
  std::map<Key, Entry> configs;
  std::string token;
  do {
    auto page = store_->ListConfigs(kLoadPageSize, token);
    if (page.IsFailure()) return page.Error();
    for (const persistence::KeyedRow& row : page.Value().rows) {
      const size_t slash = row.id.find('/');
      Entry entry;
      entry.version = row.version;
      if (slash == std::string::npos || !entry.config.ParseFromString(row.data)) {
        return hugo::Error::From("stored task queue config '" + row.id + "' does not decode",
                                 kErrorInternal);
      }
      const int type = std::atoi(row.id.substr(0, slash).c_str());
      configs[{row.namespace_id, row.id.substr(slash + 1), type}] = std::move(entry);
    }
    token = page.Value().next_page_token;
  } while (!token.empty());
  // Rates that were set and are gone now (taken back with a failed commit) are unset too.
  for (const auto& [key, entry] : configs_) {
    if (configs.count(key) == 0) Announce(key, TaskQueueConfig());
  }
  configs_ = std::move(configs);
  for (const auto& [key, entry] : configs_) Announce(key, entry.config);
  return hugo::Ok();
}

hugo::Result<TaskQueueConfig> TaskQueueConfigs::Update(
    const std::string& namespace_id, const wf::UpdateTaskQueueConfigRequest& request) {
  const Key key{namespace_id, request.task_queue(), request.task_queue_type()};
  auto found = configs_.find(key);
  TaskQueueConfig config = found != configs_.end() ? found->second.config : TaskQueueConfig();
  const bool changes = request.has_update_queue_rate_limit() ||
                       request.has_update_fairness_key_rate_limit_default() ||
                       !request.set_fairness_weight_overrides().empty() ||
                       !request.unset_fairness_weight_overrides().empty();
  // Nothing to change: the configuration as it is (reference).
  if (!changes) return hugo::Ok(std::move(config));
  const google::protobuf::Timestamp now = ToTimestamp(options_.now());
  if (request.has_update_queue_rate_limit()) {
    *config.mutable_queue_rate_limit() =
        BuildRateLimit(request.update_queue_rate_limit(), now, request.identity());
  }
  if (request.has_update_fairness_key_rate_limit_default()) {
    *config.mutable_fairness_keys_rate_limit_default() =
        BuildRateLimit(request.update_fairness_key_rate_limit_default(), now, request.identity());
  }
  auto& overrides = *config.mutable_fairness_weight_overrides();
  for (const std::string& unset : request.unset_fairness_weight_overrides()) overrides.erase(unset);
  for (const auto& [fairness_key, weight] : request.set_fairness_weight_overrides()) {
    overrides[fairness_key] = weight;
  }
  if (static_cast<int>(overrides.size()) > options_.fairness_weight_overrides_max) {
    return InvalidArgument("fairness weight overrides update rejected: exceeding maximum key size");
  }
  persistence::KeyedRow row;
  row.namespace_id = namespace_id;
  row.id = RowId(request.task_queue(), request.task_queue_type());
  row.data = config.SerializeAsString();
  const int64_t version = found != configs_.end() ? found->second.version : 0;
  row.version = version + 1;
  auto written = version == 0 ? store_->CreateConfig(row) : store_->UpdateConfig(row, version);
  if (written.IsFailure()) return written.Error();
  Entry& entry = configs_[key];
  entry.version = row.version;
  entry.config = config;
  Announce(key, entry.config);
  return hugo::Ok(std::move(config));
}

const TaskQueueConfig* TaskQueueConfigs::Get(const std::string& namespace_id,
                                             const std::string& task_queue,
                                             enums::TaskQueueType type) const {
  auto found = configs_.find({namespace_id, task_queue, type});
  return found != configs_.end() ? &found->second.config : nullptr;
}

std::optional<double> TaskQueueConfigs::QueueRateLimit(const std::string& namespace_id,
                                                       const std::string& task_queue,
                                                       enums::TaskQueueType type) const {
  const TaskQueueConfig* config = Get(namespace_id, task_queue, type);
  if (config == nullptr || !config->queue_rate_limit().has_rate_limit()) return std::nullopt;
  return config->queue_rate_limit().rate_limit().requests_per_second();
}

void TaskQueueConfigs::Announce(const Key& key, const TaskQueueConfig& config) {
  if (!options_.rate_changed) return;
  std::optional<double> rate;
  if (config.queue_rate_limit().has_rate_limit()) {
    rate = config.queue_rate_limit().rate_limit().requests_per_second();
  }
  options_.rate_changed(std::get<0>(key), std::get<1>(key),
                        static_cast<enums::TaskQueueType>(std::get<2>(key)), rate);
}

}  // namespace hdo::frontend
