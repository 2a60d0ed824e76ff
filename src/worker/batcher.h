// The batcher: hdo's batch operations (WorkflowService StartBatchOperation, StopBatchOperation,
// DescribeBatchOperation, ListBatchOperations) and the system worker that carries them out: a
// job terminates, cancels, signals, deletes or resets every workflow a list filter query names
// (or the executions it lists), at a bounded rate, as the reference's batcher does
// (service/worker/batcher).
//
// Where the reference runs one system workflow per job, whose activity pages through the targets
// and heartbeats its progress, hdo keeps a job as one row of the batch operation store
// (hdo.persistence.v1.BatchOperationState), works through its targets on the engine thread with
// a timer per running job, and applies each operation through the engine as the matching RPC
// would. The row records the page the job is on and the counts of the pages before it; after a
// crash a restart works through that page again (at least once per target, as the reference
// resumes from its last heartbeat). Signals and cancellations carry a request id made of the job
// id and the target's run, so a target signalled before the crash is not signalled twice.
//
// Owned by the server. Not thread-safe: every method runs on the engine thread.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hdo/persistence/v1/batch.pb.h"
#include "history/engine.h"
#include "hugo/result.h"
#include "persistence/batch_store.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"
#include "worker/key_timers.h"

namespace hdo::worker {

class Batcher {
 public:
  struct Options {
    // Running jobs a namespace may have at once (reference:
    // frontend.MaxConcurrentBatchOperationPerNamespace, 1).
    int max_concurrent_per_namespace = 1;
    // Operations per second of one job at most; a request asking for less gets what it asks
    // (reference: worker.batcherRPS, 50).
    double max_operations_per_second = 50;
    // Attempts at one target whose operation fails with something other than NotFound
    // (reference: defaultAttemptsOnRetryableError, 50).
    int attempts_per_target = 50;
    // Targets listed per page (reference: 1000).
    int page_size = 1000;
    // How often a running job wakes to take its next operations.
    std::chrono::milliseconds tick = std::chrono::milliseconds(100);
    int list_page_size_max = 1000;
    // How long a finished job stays listed (reference: the namespace's retention of the job's
    // workflow). Unset: 7 days.
    std::function<std::chrono::milliseconds(const std::string& namespace_id)> retention;
    // The targets: one page of a list filter query, and its count (the frontend's visibility,
    // which writes deferred rows first). Required.
    std::function<hugo::Result<temporal::api::workflowservice::v1::ListWorkflowExecutionsResponse>(
        const std::string& namespace_id,
        const temporal::api::workflowservice::v1::ListWorkflowExecutionsRequest& request)>
        list;
    std::function<hugo::Result<int64_t>(const std::string& namespace_id, const std::string& query)>
        count;
  };
  using NowMs = std::function<int64_t()>;

  Batcher(persistence::BatchStore* store, history::Engine* engine, asio::any_io_executor executor,
          Options options, NowMs now);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Reads every job: running ones resume from their page, finished ones past their retention
  // are removed. Returns how many run.
  hugo::Result<int> Recover();
  // Stops every timer (server shutdown).
  void Stop();

  // --- the WorkflowService calls; `namespace_id` is resolved, the request's namespace is its
  // name.
  hugo::Result<temporal::api::workflowservice::v1::StartBatchOperationResponse> Start(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartBatchOperationRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::StopBatchOperationResponse> StopJob(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StopBatchOperationRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DescribeBatchOperationResponse> Describe(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DescribeBatchOperationRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ListBatchOperationsResponse> List(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListBatchOperationsRequest& request);

  // Runs every job's due work by the batcher's clock now, as their timers do on their own; with
  // a clock that is not the wall clock (tests) the caller drives time.
  void FireDue();
  // Jobs with an armed timer (tests).
  size_t ArmedCount() const { return timers_.size(); }

 private:
  using Key = std::pair<std::string, std::string>;  // namespace id, job id
  struct Loaded {
    persistence::KeyedRow row;
    persistence::v1::BatchOperationState state;
  };
  // A running job's place inside its current page (memory only; the row holds the page start).
  struct Target {
    temporal::api::common::v1::WorkflowExecution execution;
    int attempts = 0;
  };
  struct Progress {
    std::vector<Target> page;
    size_t next = 0;
    bool page_loaded = false;
    bool has_more = false;        // a page follows the loaded one
    std::string next_page_token;  // the listing's token of the page that follows
    int64_t page_success = 0;
    int64_t page_failure = 0;
    double allowance = 0;  // operations the rate lets the job take now
    int64_t last_tick_ms = 0;
  };

  hugo::Result<Loaded> Load(const std::string& namespace_id, const std::string& job_id);
  hugo::Result<hugo::Unit> Save(Loaded& loaded);
  // Takes the operations the rate allows now, moves to the next page or finishes the job.
  void Work(const Key& key);
  // Loads the page the stored state names into `progress`.
  hugo::Result<hugo::Unit> LoadPage(const Key& key,
                                    const persistence::v1::BatchOperationState& state,
                                    Progress& progress);
  // One operation on one target. NotFound (the target is gone or closed) counts as done.
  hugo::Result<hugo::Unit> Apply(const std::string& namespace_id,
                                 const persistence::v1::BatchOperationState& state,
                                 const temporal::api::common::v1::WorkflowExecution& target);
  // The event a reset of `target` goes back to; a reset to a build id's reset point may name an
  // earlier run of the chain, which then becomes `target`'s run.
  hugo::Result<int64_t> ResetEventId(const std::string& namespace_id,
                                     const persistence::v1::BatchOperationState& state,
                                     temporal::api::common::v1::WorkflowExecution& target);
  hugo::Result<hugo::Unit> Finish(Loaded& loaded,
                                  temporal::api::enums::v1::BatchOperationState state,
                                  const std::string& reason);
  void Arm(const Key& key, int64_t at_ms);
  void ArmRetention(const Key& key, const persistence::v1::BatchOperationState& state);
  int64_t RetentionMs(const std::string& namespace_id) const;
  double RateOf(const persistence::v1::BatchOperationState& state) const;
  void FillCounts(
      const Key& key, const persistence::v1::BatchOperationState& state,
      temporal::api::workflowservice::v1::DescribeBatchOperationResponse& response) const;
  hugo::Result<std::vector<Loaded>> LoadNamespace(const std::string& namespace_id);

  persistence::BatchStore* store_;
  history::Engine* engine_;
  asio::any_io_executor executor_;
  Options options_;
  NowMs now_;
  std::map<Key, Progress> running_;
  KeyTimers timers_;
};

// The targets' query a job lists: the request's, limited to running workflows for the operations
// that only apply to them (terminate, cancel, signal), as the reference adjusts it.
std::string BatchTargetQuery(
    const temporal::api::workflowservice::v1::StartBatchOperationRequest& request);

}  // namespace hdo::worker
