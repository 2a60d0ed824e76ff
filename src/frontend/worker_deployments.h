// Worker deployments (worker versioning): the registry of each namespace's deployments, their
// versions (build ids) and the task queues those versions' workers poll, the routing config
// (current and ramping version) that decides which version's workers get a task, and the
// WorkflowService RPCs that read and change them (Describe/List/Delete WorkerDeployment,
// Describe/Delete/UpdateMetadata WorkerDeploymentVersion, SetWorkerDeploymentCurrentVersion,
// SetWorkerDeploymentRampingVersion, SetWorkerDeploymentManager), with the reference server's
// checks, messages and effects (temporalio/temporal v1.29 service/worker/workerdeployment and
// common/worker_versioning; researched in docs/architecture/versioning.md).
//
// The reference keeps a deployment in a system workflow and each version in another, and pushes
// routing into the task queues' user data; hdo keeps one row per deployment
// (persistence/worker_deployment_store.h) and everything in memory, and answers routing questions
// from it directly, so a change is in effect for matching the moment its RPC returns (the
// reference's RPCs also return only after the routing reached every partition).
//
// A version is named by its deployment and build id; inside hdo (matching's versioned queues,
// history's pinned versions) by the reference's string "<deployment>.<build id>" (deployment
// names contain neither '.' nor ':', so the first '.' splits it), "" meaning unversioned.
//
// Owned by the server. Not thread-safe: every call runs on the store IO (engine) thread, which
// owns the store. A change is written to the store first and applied in memory only once the
// store took it; the caller answers once the write is durable (frontend/reply.h), and Load()
// again after a failed commit, which takes writes back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "hdo/persistence/v1/deployment.pb.h"
#include "hugo/result.h"
#include "persistence/worker_deployment_store.h"
#include "temporal/api/deployment/v1/message.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::frontend {

class WorkerDeployments {
 public:
  struct Options {
    // reference: matching.maxDeployments, matching.maxVersionsInDeployment,
    // matching.maxTaskQueuesInDeploymentVersion.
    int max_deployments = 100;
    int max_versions = 100;
    int max_task_queues = 100;
    // A demoted version is DRAINING; its pinned running workflows are first counted this long
    // after (reference: matching.wv.VersionDrainageStatusVisibilityGracePeriod, 3 min), then
    // every `drainage_refresh` (matching.wv.VersionDrainageStatusRefreshInterval, 3 min) until
    // none is left (DRAINED).
    std::chrono::milliseconds drainage_grace = std::chrono::minutes(3);
    std::chrono::milliseconds drainage_refresh = std::chrono::minutes(3);
    // A version has pollers while one polled within this window (reference:
    // matching.PollerHistoryTTL, 5 min): it cannot be deleted then.
    std::chrono::milliseconds poller_ttl = std::chrono::minutes(5);
    int list_page_size_max = 1000;
    std::function<std::chrono::system_clock::time_point()> now = std::chrono::system_clock::now;
    // Running workflows of the namespace whose effective behavior is PINNED to `version` (the
    // "<deployment>.<build id>" string): the drainage check. Unset: never drained.
    std::function<hugo::Result<int64_t>(const std::string& namespace_id,
                                        const std::string& version)>
        count_pinned;
    // Called after the routing of a namespace's task queues changed (a version became current or
    // ramping, stopped being either, or was deleted), so matching can hand queued tasks to the
    // versions they now go to.
    std::function<void(const std::string& namespace_id)> routing_changed;
  };

  using TaskQueueType = temporal::api::enums::v1::TaskQueueType;

  explicit WorkerDeployments(persistence::WorkerDeploymentStore* store, Options options);

  // Replaces what is in memory with every stored deployment (at startup, and after a failed commit
  // took writes back). On failure what was in memory stays.
  hugo::Result<hugo::Unit> Load();

  // A poll from a worker whose deployment_options say VERSIONED: validates the options
  // (InvalidArgument), then registers the deployment, the version and this task queue and type on
  // their first poll (limits: FailedPrecondition), and notes the poll (pollers of a version).
  // Returns the version's "<deployment>.<build id>" string; "" for an unversioned poll.
  hugo::Result<std::string> RecordPoll(
      const std::string& namespace_id,
      const temporal::api::deployment::v1::WorkerDeploymentOptions& options,
      const std::string& task_queue, TaskQueueType type);

  // Where a task of (task_queue, type) goes: the version string of the workers that get it ("":
  // unversioned workers). `pinned`: the version the workflow is pinned to ("": follows the
  // routing); a pinned version that has not registered this queue follows the routing too.
  // `use_ramping`: the ramping version whatever the percentage (a continue-as-new asking for
  // it). Otherwise the ramping version takes the workflows whose id hashes under its percentage,
  // the current version the rest, and unversioned workers get them when there is neither.
  std::string Route(const std::string& namespace_id, const std::string& task_queue,
                    TaskQueueType type, std::string_view workflow_id, const std::string& pinned,
                    bool use_ramping = false) const;
  // True when the namespace has any deployment (else every route is "", and Route can be skipped).
  bool Any(const std::string& namespace_id) const;
  // True when `version` ("<deployment>.<build id>") registered the task queue (any type).
  bool HasTaskQueue(const std::string& namespace_id, const std::string& version,
                    const std::string& task_queue) const;

  // The RPCs; `namespace_id` is the request's namespace, resolved by the caller.
  hugo::Result<temporal::api::workflowservice::v1::DescribeWorkerDeploymentResponse> Describe(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DescribeWorkerDeploymentRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ListWorkerDeploymentsResponse> List(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListWorkerDeploymentsRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DescribeWorkerDeploymentVersionResponse>
  DescribeVersion(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DescribeWorkerDeploymentVersionRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::SetWorkerDeploymentCurrentVersionResponse>
  SetCurrent(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::SetWorkerDeploymentCurrentVersionRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::SetWorkerDeploymentRampingVersionResponse>
  SetRamping(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::SetWorkerDeploymentRampingVersionRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DeleteWorkerDeploymentVersionResponse>
  DeleteVersion(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DeleteWorkerDeploymentVersionRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DeleteWorkerDeploymentResponse> Delete(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DeleteWorkerDeploymentRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::UpdateWorkerDeploymentVersionMetadataResponse>
  UpdateVersionMetadata(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UpdateWorkerDeploymentVersionMetadataRequest&
          request);
  hugo::Result<temporal::api::workflowservice::v1::SetWorkerDeploymentManagerResponse> SetManager(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::SetWorkerDeploymentManagerRequest& request);

  // "<deployment>.<build id>", and back ("" and "__unversioned__" are unversioned: nullopt).
  static std::string VersionString(std::string_view deployment, std::string_view build_id);
  static std::optional<temporal::api::deployment::v1::WorkerDeploymentVersion> ParseVersion(
      std::string_view version);

 private:
  using Record = hdo::persistence::v1::WorkerDeploymentRecord;
  using VersionRecord = hdo::persistence::v1::WorkerDeploymentVersionRecord;
  struct Stored {
    Record record;
    int64_t row_version = 0;  // the store row's version (0: not stored yet)
  };
  using DeploymentKey = std::pair<std::string, std::string>;  // namespace id, name
  // A task queue of a namespace with its type.
  using QueueKey = std::tuple<std::string, std::string, int>;

  Stored* Find(const std::string& namespace_id, std::string_view name);
  static VersionRecord* FindVersion(Record& record, std::string_view build_id);
  // Writes the deployment (creating its row when new) and takes it into memory.
  hugo::Result<hugo::Unit> Store(const std::string& namespace_id, Stored& stored, Record next);
  // A new deployment (with its first conflict token) and version, not stored yet.
  Stored NewDeployment(const std::string& name);
  VersionRecord NewVersion(const std::string& build_id) const;
  // Appends a new version to `record` unless it has max_versions already (FailedPrecondition).
  hugo::Result<VersionRecord*> AddVersion(Record& record, const std::string& build_id) const;
  // SetCurrent/SetRamping's version string (nullopt: unversioned or no ramp), checked against
  // the request's deployment name.
  static hugo::Result<std::optional<temporal::api::deployment::v1::WorkerDeploymentVersion>>
  ParseTarget(const std::string& target, const std::string& deployment_name);
  // The deployment SetCurrent/SetRamping changes: the stored one, else (allow_no_pollers and a
  // versioned target) a new one made in `fresh`.
  hugo::Result<Stored*> DeploymentToChange(const std::string& namespace_id, const std::string& name,
                                           bool allow_no_pollers, bool versioned_target,
                                           Stored& fresh);
  // Rebuilds the (queue → versions) index of one namespace from its deployments.
  void Reindex(const std::string& namespace_id);
  // DRAINING versions due a count get it; a change is written.
  void RefreshDrainage(const std::string& namespace_id, Stored& stored);
  bool HasPollers(const std::string& namespace_id, const std::string& version) const;
  std::string NewConflictToken();

  persistence::WorkerDeploymentStore* store_;
  Options options_;
  std::map<DeploymentKey, Stored> deployments_;
  // Which versions registered a queue: (namespace, queue, type) → version strings.
  std::map<QueueKey, std::set<std::string>> queue_versions_;
  std::set<std::string> namespaces_with_deployments_;
  // Last poll of each version (namespace id, version string), in memory only.
  std::map<std::pair<std::string, std::string>, std::chrono::steady_clock::time_point> last_poll_;
  uint64_t token_counter_ = 0;
};

}  // namespace hdo::frontend
