// Build-id versioning of task queues: worker versioning v0.1 (compatible version sets,
// UpdateWorkerBuildIdCompatibility) and v0.2 (assignment and redirect rules,
// UpdateWorkerVersioningRules), both deprecated in the reference for Worker Deployments and off
// by default there (frontend.workerVersioningDataAPIs / workerVersioningRuleAPIs; the SDKs' test
// servers switch them on). Reference: service/matching/version_sets.go,
// version_rule_helpers.go, matching_engine.go (the updates), task_queue_partition_manager.go (the
// routing), service/frontend/workflow_handler.go (validation).
//
// What is held per (namespace, task queue): an hdo.persistence.v1.TaskQueueVersioningRecord, all
// in memory, one row each in the store (persistence/task_queue_config_store.h,
// kTaskQueueVersioningTable), written before it is applied; the caller answers once the write is
// durable (frontend/reply.h) and Load()s again after a failed commit.
//
// Routing. A worker that polls with worker_version_capabilities.use_versioning and a build id
// polls its version's queue (matching::Matcher::VersionedQueue) named by PollerKey: its set's
// key when its build id is a set's default, else its build id's key. A run's tasks carry a
// directive (RunDirective): "" for an unversioned run (it completed a task without a build id:
// it stays on the unversioned queue), "*" for a run that has not been given one yet (its first
// workflow task: the queue's first assignment rule whose ramp takes the run, else its default
// set, else unversioned), "=<build id>" for a run given one (its set, else that build id after
// the redirect rules). Route turns a directive into a version key; the queue the task waits on
// changes when the data does (Options::changed).
//
// Deleted rules are dropped at once (the reference keeps them for 14 days, for reachability).
//
// Owned by the server. Not thread-safe: every call runs on the store IO (engine) thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "hdo/persistence/v1/build_id_versioning.pb.h"
#include "hugo/result.h"
#include "persistence/task_queue_config_store.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::frontend {

class BuildIdVersioning {
 public:
  struct Options {
    // The reference's switches (frontend.workerVersioningDataAPIs / RuleAPIs): off, the RPCs
    // answer PERMISSION_DENIED with its words.
    bool data_apis = false;
    bool rule_apis = false;
    // The reference's limits per queue (matching.versionCompatibleSetLimitPerQueue,
    // versionBuildIdLimitPerQueue, assignmentRuleLimitPerQueue, redirectRuleLimitPerQueue,
    // redirectRuleMaxUpstreamBuildIDsPerQueue) and frontend.workerBuildIdSize.
    int sets_max = 10;
    int build_ids_max = 100;
    int assignment_rules_max = 100;
    int redirect_rules_max = 500;
    int upstream_build_ids_max = 50;
    size_t build_id_size_max = 255;
    std::function<std::chrono::system_clock::time_point()> now = std::chrono::system_clock::now;
    // Called after the data of a namespace's queue changed (and after Load): its queued tasks
    // may go elsewhere now.
    std::function<void(const std::string& namespace_id)> changed;
    // Whether a worker polled (namespace id, task queue) with this build id within the last 70 s
    // (CommitBuildId without force).
    std::function<bool(const std::string& namespace_id, const std::string& task_queue,
                       const std::string& build_id)>
        recent_poller;
  };

  BuildIdVersioning(persistence::TaskQueueConfigStore* store, Options options);

  // Replaces what is in memory with every row of the store (at startup, and after a failed
  // commit took writes back). On failure what was in memory stays.
  hugo::Result<hugo::Unit> Load();

  // The RPCs, namespace resolved; validation included, in the reference's order and words.
  hugo::Result<temporal::api::workflowservice::v1::UpdateWorkerBuildIdCompatibilityResponse>
  UpdateCompatibility(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UpdateWorkerBuildIdCompatibilityRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::GetWorkerBuildIdCompatibilityResponse>
  GetCompatibility(const std::string& namespace_id,
                   const temporal::api::workflowservice::v1::GetWorkerBuildIdCompatibilityRequest&
                       request) const;
  hugo::Result<temporal::api::workflowservice::v1::UpdateWorkerVersioningRulesResponse> UpdateRules(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UpdateWorkerVersioningRulesRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::GetWorkerVersioningRulesResponse> GetRules(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::GetWorkerVersioningRulesRequest& request) const;
  // The switches' refusals, for the RPCs that need them before their own checks.
  hugo::Result<hugo::Unit> CheckDataApis() const;
  hugo::Result<hugo::Unit> CheckRuleApis() const;

  // --- routing (version keys of matching's versioned queues)

  // The key of a build id's queue, and of a compatible set's (named by its first build id).
  static std::string BuildIdKey(const std::string& build_id);
  static std::string SetKey(const std::string& first_build_id);
  // Whether `key` is one of the two (not a worker deployment version).
  static bool IsKey(const std::string& key);
  // The directive of a run: "" unversioned, "*" to be assigned, "=<build id>".
  static std::string RunDirective(const std::string& run_build_id, bool completed_a_task);

  // The version key a build-id worker's poll of (namespace, queue) waits on. The reference's
  // NewerBuildExists (OUT_OF_RANGE "Task queue has a newer compatible build: ...") when its build
  // id is no longer its set's default, or a redirect rule sends its tasks elsewhere.
  hugo::Result<std::string> PollerKey(const std::string& namespace_id,
                                      const std::string& task_queue,
                                      const std::string& build_id) const;
  // The version key a task with `directive` goes to ("" the unversioned queue); `run_id` picks
  // the ramp of a partially ramped assignment rule.
  std::string Route(const std::string& namespace_id, const std::string& task_queue,
                    const std::string& directive, const std::string& run_id) const;
  // Whether the queue has version sets or rules.
  bool Versioned(const std::string& namespace_id, const std::string& task_queue) const;

  // --- reachability (GetWorkerTaskReachability, DescribeTaskQueue's task_reachability)

  // Whether new runs on the queue may be given `build_id` ("" unversioned): the default set's
  // default, the target of an assignment rule that can take them (up to the first fully ramped
  // one), or "" while the queue has neither sets nor a fully ramped rule.
  bool TakesNewWorkflows(const std::string& namespace_id, const std::string& task_queue,
                         const std::string& build_id) const;
  // The build ids whose runs' tasks go to `build_id`'s queue: itself, the rest of its set, and
  // the sources of redirect rules leading to it.
  std::vector<std::string> Upstream(const std::string& namespace_id, const std::string& task_queue,
                                    const std::string& build_id) const;
  // Whether `build_id` is in one of the queue's sets but not its default (no task goes to it).
  bool InSetNotDefault(const std::string& namespace_id, const std::string& task_queue,
                       const std::string& build_id) const;

  // GetWorkerTaskReachability's view of a build id on a queue, from the version sets alone (the
  // v0.1 API; reference: getTaskQueueReachability). `reachable`: "" always, another build id
  // when it is its set's default; `new_workflows`: the queue's default, or became the default
  // less than 5 minutes ago; `counted_build_ids`: the build ids whose runs count as existing.
  struct SetReachabilityInfo {
    bool reachable = false;
    bool new_workflows = false;
    bool default_in_queue = false;
    std::vector<std::string> counted_build_ids;
  };
  SetReachabilityInfo SetReachability(const std::string& namespace_id,
                                      const std::string& task_queue,
                                      const std::string& build_id) const;
  // The namespace's queues whose version sets hold `build_id`, in name order.
  std::vector<std::string> QueuesWith(const std::string& namespace_id,
                                      const std::string& build_id) const;

 private:
  using Key = std::pair<std::string, std::string>;  // namespace id, task queue
  // Looks a (namespace id, task queue) up without copying them (Route is on the hot path).
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return std::tie(a.first, a.second) < std::tie(b.first, b.second);
    }
  };
  using View = std::pair<std::string_view, std::string_view>;
  struct Entry {
    int64_t version = 0;
    persistence::v1::TaskQueueVersioningRecord record;
  };
  const persistence::v1::TaskQueueVersioningRecord* Find(const std::string& namespace_id,
                                                         const std::string& task_queue) const;
  hugo::Result<hugo::Unit> Write(const Key& key,
                                 const persistence::v1::TaskQueueVersioningRecord& record);
  temporal::api::workflowservice::v1::GetWorkerVersioningRulesResponse RulesResponse(
      const persistence::v1::TaskQueueVersioningRecord& record) const;

  persistence::TaskQueueConfigStore* store_;
  Options options_;
  std::map<Key, Entry, KeyLess> queues_;
};

}  // namespace hdo::frontend
