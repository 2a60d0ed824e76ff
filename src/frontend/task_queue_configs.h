// The registry of task queue configurations: what UpdateTaskQueueConfig set per (namespace, task
// queue, task queue type), a temporal.api.taskqueue.v1.TaskQueueConfig each (the queue rate
// limit, the fairness key rate limit default, the fairness weight overrides, each rate limit with
// who set it, when and why), all held in memory. DescribeTaskQueue reports it (report_config)
// and matching enforces its queue rate limit on activity queues, in place of the one the workers
// ask for (Options::rate_changed). Reference: service/frontend/workflow_handler.go
// UpdateTaskQueueConfig and validators.go (validation), service/matching/matching_engine.go
// UpdateTaskQueueConfig (the merge) and fairness_util.go.
//
// Each configuration is one row of the TaskQueueConfigStore (persistence/
// task_queue_config_store.h). A change is written to the store first and applied in memory only
// once the store took it; the caller answers once the write is durable (frontend/reply.h), and
// Load() again after a failed commit, which takes writes back.
//
// hdo serves no fairness keys (tasks of one priority go first in, first out): the fairness
// settings are kept and reported, as the reference keeps them while its matching.enableFairness
// is off (its default).
//
// Owned by the server. Not thread-safe: every call runs on the store IO (engine) thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "hugo/result.h"
#include "persistence/task_queue_config_store.h"
#include "temporal/api/taskqueue/v1/message.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::frontend {

// The reference's checks of an UpdateTaskQueueConfig request, in its order and words (e.g.
// "Setting rate limit on workflow task queues is not allowed.").
hugo::Result<hugo::Unit> ValidateUpdateTaskQueueConfig(
    const temporal::api::workflowservice::v1::UpdateTaskQueueConfigRequest& request);

class TaskQueueConfigs {
 public:
  struct Options {
    // reference: matching.maxFairnessKeyWeightOverrides.
    int fairness_weight_overrides_max = 1000;
    // The time of a rate limit's update_time.
    std::function<std::chrono::system_clock::time_point()> now = std::chrono::system_clock::now;
    // Called after a change took effect, and for every configuration Load() read: the queue rate
    // limit of (namespace id, task queue, type) as it is now (none: unset).
    std::function<void(const std::string& namespace_id, const std::string& task_queue,
                       temporal::api::enums::v1::TaskQueueType type,
                       std::optional<double> requests_per_second)>
        rate_changed;
  };

  // `store` outlives this.
  TaskQueueConfigs(persistence::TaskQueueConfigStore* store, Options options);

  // Replaces what is in memory with every configuration of the store (at startup, and after a
  // failed commit took writes back). On failure what was in memory stays.
  hugo::Result<hugo::Unit> Load();

  // Applies a validated request (ValidateUpdateTaskQueueConfig) of the namespace: a rate limit
  // update replaces that rate limit (without its rate_limit: unsets it, keeping who and why), the
  // fairness weight overrides merge (set, then unset). Answers the configuration as it is after.
  hugo::Result<temporal::api::taskqueue::v1::TaskQueueConfig> Update(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UpdateTaskQueueConfigRequest& request);

  // The configuration set for the queue and type; nullptr when none was ever set. Valid until
  // the next Update or Load.
  const temporal::api::taskqueue::v1::TaskQueueConfig* Get(
      const std::string& namespace_id, const std::string& task_queue,
      temporal::api::enums::v1::TaskQueueType type) const;

  // The queue rate limit set for the queue and type, in tasks per second; none when unset.
  std::optional<double> QueueRateLimit(const std::string& namespace_id,
                                       const std::string& task_queue,
                                       temporal::api::enums::v1::TaskQueueType type) const;

 private:
  using Key = std::tuple<std::string, std::string, int>;  // namespace id, task queue, type
  struct Entry {
    int64_t version = 0;
    temporal::api::taskqueue::v1::TaskQueueConfig config;
  };
  void Announce(const Key& key, const temporal::api::taskqueue::v1::TaskQueueConfig& config);

  persistence::TaskQueueConfigStore* store_;
  Options options_;
  std::map<Key, Entry> configs_;
};

}  // namespace hdo::frontend
