// Matching: task queues in memory. A task queue partition is (namespace id, task queue name,
// kind: workflow or activity); a task added to it meets a parked poller at once (sync match) or
// waits in the partition's queue; a poll meets a queued task at once or parks until its long-poll
// window ends, then answers empty (the SDKs treat an empty task token as "no task" and poll
// again).
//
// The hand-off of a task to a poller goes through history's `record_started`, and only a task
// history accepts as started is delivered; a refused one (stale: already started, run closed,
// attempt moved on) is dropped and the next task is tried. Query tasks live on workflow
// partitions beside workflow tasks, are delivered first, and are never persisted: they wait for a
// poller only until the querying client gives up (RemoveQuery).
//
// An activity partition may have a dispatch rate limit (rate_limiter.h), set by its pollers'
// `task_queue_metadata.max_tasks_per_second`: the latest activity poll decides, and one without
// a value lifts the limit (as the reference 1.29 does; the Go SDK sends a value on every poll,
// 100,000 when its worker sets none). It lives in memory. While the partition has no token, a
// task is not handed to a parked poller: it waits in the partition's queue, and a timer hands the
// queue out to parked polls as tokens come back. Rate 0 pauses the queue. Queries are never
// limited; eager activities never pass through matching (the SDKs turn them off with a limit).
//
// Sticky queues are ordinary partitions whose liveness matters: history asks StickyAlive before
// it schedules on one, and a worker's ShutdownWorker ends it at once.
//
// Metrics (hdo_matching_*, docs/architecture/metrics.md) go to Options::registry, labelled with
// namespace, task_queue (every sticky queue as "__sticky__", as the reference does) and task_type;
// each partition resolves its instruments once, when it is created.
//
// Owned by the server. Not thread-safe: every method runs on the engine thread (the executor
// given at construction), and so do the `done` callbacks.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/metrics.h"
#include "hugo/result.h"
#include "matching/rate_limiter.h"
#include "matching/rate_tracker.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::matching {

// A task waiting for a poller. Workflow and activity tasks come from a transfer task, which
// history completes when it records the task started; query tasks carry a query id instead.
struct Task {
  std::string namespace_id;
  std::string workflow_id;
  std::string run_id;
  int64_t scheduled_event_id = 0;
  int32_t attempt = 0;
  int64_t transfer_task_id = 0;
  uint64_t query_id = 0;
  // Activity tasks: the activity's stamp when dispatched (history compares it when started).
  int32_t stamp = 0;
  // Worker versioning (Options::route): the version the run is pinned to ("<deployment>.<build
  // id>"; empty: the task follows its queue's routing), whether it takes the ramping version
  // whatever the percentage (a continue-as-new that asked for it), and whether it was sent to a
  // sticky queue (a worker's own: never routed).
  std::string pinned;
  bool use_ramping = false;
  bool sticky = false;
  // Build-id versioning (worker versioning v0.1/v0.2): the run's directive, "" unversioned, "*"
  // to be assigned, "=<build id>" (frontend/build_id_versioning.h), also picked by Options::route.
  std::string build_id_directive;
};

// Who polls: passed to history when a task is handed over.
struct Poller {
  std::string namespace_name;
  std::string task_queue;
  std::string identity;
  std::string poll_request_id;
  // The poll named a sticky queue (the worker's own), so a partial history is enough.
  bool sticky = false;
  // Set (on another thread) when the poll's client has gone away: no task is handed to it, and
  // it is not parked. Null: a poll nobody cancels (tests, in-process callers).
  std::shared_ptr<const std::atomic<bool>> gone;
  // An activity poll's task_queue_metadata.max_tasks_per_second (>= 0, finite): the queue's
  // dispatch rate from now on. Unset on an activity poll: the queue has no limit from now on.
  std::optional<double> max_tasks_per_second;
  // The worker completed the run's previous task and takes this one in that completion's reply
  // (return_new_workflow_task): it holds the run, so a partial history is enough whatever queue
  // the task is on (reference: the returned task is always sticky-enabled).
  bool holds_run = false;
  // The worker instance the poll came from (the poll's worker_instance_key; may be empty):
  // ShutdownWorker with that key completes the poll empty (CompleteWorkerPolls).
  std::string worker_instance_key;
  // A VERSIONED worker's version ("<deployment>.<build id>"; empty: an unversioned worker): on a
  // normal queue it is handed only the tasks routed to that version. A build-id worker's
  // (use_versioning, v0.1/v0.2) is its build id's or set's key (BuildIdVersioning::PollerKey).
  std::string version;
  // A build-id worker's build id (empty: none, or a deployment's worker).
  std::string build_id;
  // The poll's worker_version_capabilities, as DescribeTaskQueue reports them: sent at all, their
  // build id (an unversioned worker's too), use_versioning and deployment series.
  bool has_capabilities = false;
  std::string capabilities_build_id;
  bool capabilities_use_versioning = false;
  std::string capabilities_deployment_series;
  bool Gone() const { return gone != nullptr && gone->load(std::memory_order_relaxed); }
};

class Matcher {
 public:
  using PollWorkflowTaskResponse =
      temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse;
  using PollActivityTaskResponse =
      temporal::api::workflowservice::v1::PollActivityTaskQueueResponse;
  // History's side of the hand-off. An error means "do not deliver this task".
  using RecordWorkflowStarted =
      std::function<hugo::Result<PollWorkflowTaskResponse>(const Task& task, const Poller& poller)>;
  using RecordActivityStarted =
      std::function<hugo::Result<PollActivityTaskResponse>(const Task& task, const Poller& poller)>;

  struct Options {
    std::chrono::milliseconds long_poll_max = std::chrono::seconds(60);
    // Tasks queued per partition at most; beyond it Add*Task refuses (the transfer task stays
    // stored and is retried).
    size_t backlog_max = 100000;
    // A sticky queue without a poll for this long is considered gone (reference: 10 s).
    std::chrono::milliseconds sticky_liveness = std::chrono::seconds(10);
    // How long a shut-down worker instance's late polls are answered empty at once.
    std::chrono::milliseconds shutdown_memory = std::chrono::minutes(5);
    // Pollers listed by DescribeTaskQueue: seen within this window (reference: 5 min).
    std::chrono::milliseconds poller_history = std::chrono::minutes(5);
    // Where the hdo_matching_* metrics go; outlives the matcher.
    metrics::Registry* registry = &metrics::DefaultRegistry();
    // The namespace label of a partition's metrics, from its namespace id (called once per
    // partition). Unset or empty: the id itself.
    std::function<std::string(const std::string& namespace_id)> namespace_name_of;
    // Worker versioning: the version of the workers a task on (namespace id, task queue, kind
    // workflow or activity) goes to ("": unversioned workers), from the queue's routing and the
    // task's `pinned` / `use_ramping` (frontend/worker_deployments.h). Unset: no routing. Sticky
    // tasks are never routed.
    std::function<std::string(const std::string& namespace_id, const std::string& task_queue,
                              bool workflow, const Task& task)>
        route;
  };
  // The queue a version's workers poll: "<task queue>\x1f<version>" (no task queue name holds a
  // control character); the task queue itself for "".
  static std::string VersionedQueue(const std::string& task_queue, const std::string& version);
  // The task queue of a versioned queue (itself for any other name).
  static std::string BaseQueue(const std::string& queue);
  using Now = std::function<google::protobuf::Timestamp()>;

  Matcher(asio::any_io_executor executor, RecordWorkflowStarted record_workflow,
          RecordActivityStarted record_activity, Options options, Now now);
  // Takes its queued tasks and parked polls back out of the gauges (the registry outlives it).
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Returns false when the partition's backlog is full.
  bool AddWorkflowTask(const std::string& task_queue, Task task);
  bool AddActivityTask(const std::string& task_queue, Task task);
  // Query tasks: delivered before workflow tasks; never refused (bounded by the callers' deadline).
  void AddQueryTask(const std::string& task_queue, Task task);
  // Drops an undelivered query task (its client left or was answered); unknown ids are ignored.
  void RemoveQuery(uint64_t query_id);

  // Calls `done` exactly once: with a started task, or with an empty response when `wait` (capped
  // at long_poll_max) passes or CancelPoll names it. Returns the poll's id (0: answered at once).
  uint64_t PollWorkflowTask(const std::string& namespace_id, Poller poller,
                            std::chrono::milliseconds wait,
                            std::function<void(PollWorkflowTaskResponse)> done);
  uint64_t PollActivityTask(const std::string& namespace_id, Poller poller,
                            std::chrono::milliseconds wait,
                            std::function<void(PollActivityTaskResponse)> done);
  // Ends a parked poll now with an empty response; unknown ids (already answered) are ignored.
  void CancelPoll(uint64_t poll_id);

  // History's sync match inside the transaction that creates a task: the oldest poll parked on
  // the partition, taken out of matching (counted as a sync match) with its poller given a
  // request id. History starts the task in the same write and answers it with `done` (exactly
  // once: with the started task, or empty when the write failed). None: no poll is parked.
  struct ClaimedPoll {
    Poller poller;
    std::function<void(PollWorkflowTaskResponse)> workflow_done;  // set by ClaimWorkflowPoll
    std::function<void(PollActivityTaskResponse)> activity_done;  // set by ClaimActivityPoll
  };
  // `task`: the task to be started (its routing picks the versioned queue).
  std::optional<ClaimedPoll> ClaimWorkflowPoll(const std::string& task_queue, const Task& task);
  std::optional<ClaimedPoll> ClaimActivityPoll(const std::string& task_queue, const Task& task);

  // The routing of a namespace's queues changed (a version became current or ramping, or stopped
  // being either): queued tasks move to the queues of the versions they go to now, and meet the
  // polls parked there.
  void RoutingChanged(const std::string& namespace_id);

  // A worker stopping (ShutdownWorker) takes its sticky queue with it: parked polls on it end,
  // and it is no longer alive for scheduling.
  void UnloadSticky(const std::string& namespace_id, const std::string& sticky_queue);
  // A worker instance shutting down (ShutdownWorker's worker_instance_key): its parked polls, on
  // any queue of the namespace, are answered empty now, and a poll of that instance arriving
  // later (sent before the shutdown) is answered empty at once, for `shutdown_memory`; the worker
  // waits for its polls to return instead of cancelling them, so no task is handed to a poll it
  // has abandoned (the worker_poll_complete_on_shutdown namespace capability).
  void CompleteWorkerPolls(const std::string& namespace_id, const std::string& worker_instance_key);
  // True when a poller polled the workflow queue within the liveness window, or waits on it now.
  bool StickyAlive(const std::string& namespace_id, const std::string& sticky_queue) const;

  // Answers every parked poll empty now (server shutdown).
  void CancelAll();
  // Forgets every queued workflow and activity task (history reloads them from its outbox after
  // a lost commit); parked polls and query tasks stay.
  void DropQueuedTasks();

  // What DescribeTaskQueue lists of a poller: its identity, when it last polled, and the rate it
  // asked for (its poll's max_tasks_per_second; the reference's default dispatch rate, 100,000 a
  // second, when it sent none, as every workflow poll).
  struct PollerInfo {
    std::string identity;
    std::string version;            // a VERSIONED worker's "<deployment>.<build id>"
    std::string build_id;           // a build-id worker's (use_versioning, v0.1/v0.2)
    bool has_capabilities = false;  // the poll sent worker_version_capabilities
    std::string capabilities_build_id;
    bool capabilities_use_versioning = false;
    std::string capabilities_deployment_series;
    google::protobuf::Timestamp last_access_time;
    double rate_per_second = 0;
  };
  static constexpr double kDefaultPollerRate = 100000;
  // Pollers seen recently on a queue (kind: true for workflow, false for activity), those of
  // every version's queue included.
  std::vector<PollerInfo> Pollers(const std::string& namespace_id, const std::string& task_queue,
                                  bool workflow) const;

  // Workflow tasks queued and pollers parked (for tests and metrics).
  size_t BacklogSize(const std::string& namespace_id, const std::string& task_queue) const;
  size_t ParkedPolls() const { return polls_.size(); }
  struct Backlog {
    std::string namespace_id;
    std::string task_queue;
    bool workflow = true;  // false: activity
    size_t tasks = 0;
  };
  // Every partition holding workflow or activity tasks, with how many (readiness probe).
  std::vector<Backlog> Backlogs() const;
  // A queue's figures for DescribeTaskQueue (zeros for a queue never used).
  struct QueueStats {
    int64_t backlog = 0;                       // tasks queued, none handed to a poller yet
    std::chrono::milliseconds backlog_age{0};  // how long the oldest of them has waited
    double add_rate = 0;       // tasks added per second over the last 30 s (TaskRateTracker)
    double dispatch_rate = 0;  // tasks handed to pollers per second, same window
    double dispatch_limit = kDefaultPollerRate;  // the dispatch rate limit, else the default
  };
  QueueStats Stats(const std::string& namespace_id, const std::string& task_queue,
                   bool workflow) const;
  // The activity queue's dispatch rate limit in tasks per second (none: unlimited).
  std::optional<double> ActivityDispatchRate(const std::string& namespace_id,
                                             const std::string& task_queue) const;
  // The activity queue's rate limit set through the API (UpdateTaskQueueConfig, reference: the
  // queue rate limit of its configuration): it takes the place of the one its pollers ask for,
  // on its versioned queues too; none gives the pollers' back.
  void SetConfiguredRate(const std::string& namespace_id, const std::string& task_queue,
                         std::optional<double> rate);
  // True when the activity queue has a rate set through the API (its tasks then go through
  // matching: no eager start past the limit).
  bool ActivityRateConfigured(const std::string& namespace_id,
                              const std::string& task_queue) const {
    return !configured_rates_.empty() && configured_rates_.count({namespace_id, task_queue}) != 0;
  }
  // What limits the activity queue's dispatch (DescribeTaskQueue's effective_rate_limit): the
  // configured rate, else the one its last poll asked for, else the system's default.
  enum class RateSource { kSystem, kWorker, kApi };
  struct EffectiveRate {
    double rate = kDefaultPollerRate;
    RateSource source = RateSource::kSystem;
  };
  EffectiveRate ActivityEffectiveRate(const std::string& namespace_id,
                                      const std::string& task_queue) const;

 private:
  using PartitionKey = std::tuple<std::string, std::string, int>;  // namespace id, queue, kind
  struct ParkedPoll {
    PartitionKey partition;
    Poller poller;
    std::function<void(PollWorkflowTaskResponse)> workflow_done;
    std::function<void(PollActivityTaskResponse)> activity_done;
    std::unique_ptr<asio::steady_timer> timer;
    std::chrono::steady_clock::time_point started;
  };
  using ParkedPollMap = std::map<uint64_t, ParkedPoll>;
  struct Queued {
    Task task;
    std::chrono::steady_clock::time_point added;
  };
  // One task type's instruments on one partition.
  struct TaskMetrics {
    metrics::Counter* added = nullptr;
    metrics::Counter* sync_match = nullptr;
    metrics::Counter* backlog_match = nullptr;
    metrics::Gauge* backlog_depth = nullptr;
    metrics::Histogram* dispatch_latency = nullptr;
  };
  // Resolved when the partition is created, so the hot path never looks a series up.
  struct PartitionMetrics {
    TaskMetrics tasks;    // Workflow or Activity
    TaskMetrics queries;  // Query: workflow partitions only (null on activity ones)
    metrics::Gauge* pollers_waiting = nullptr;
    // Tasks queued although a poller was parked: held back by the dispatch rate limit.
    metrics::Counter* rate_limited = nullptr;
    metrics::Histogram* poll_wait_task = nullptr;
    metrics::Histogram* poll_wait_empty = nullptr;
  };
  struct Partition {
    std::deque<Queued> tasks;
    std::deque<Queued> queries;
    std::deque<uint64_t> polls;  // parked, oldest first
    std::chrono::steady_clock::time_point last_poll{};
    bool unloaded = false;
    std::map<std::string, PollerInfo> pollers;  // by identity
    PartitionMetrics metrics;
    // The dispatch rate limit (none: unlimited), and the timer that hands queued tasks to parked
    // polls when tokens come back (armed only while both wait).
    std::optional<DispatchRateLimiter> rate;
    // What the last activity poll asked for (task_queue_metadata.max_tasks_per_second).
    std::optional<double> worker_rate;
    // Tasks added and handed to pollers (queries not counted), for DescribeTaskQueue's stats.
    TaskRateTracker added_rate;
    TaskRateTracker dispatched_rate;
    std::unique_ptr<asio::steady_timer> dispatch_timer;
    std::chrono::steady_clock::time_point dispatch_at =
        std::chrono::steady_clock::time_point::max();
  };

  // The partition of `key`, created (with its metrics) when missing. `sticky`: created by a
  // poll of a sticky queue.
  Partition& PartitionFor(const PartitionKey& key, bool sticky = false);
  PartitionMetrics MakeMetrics(const PartitionKey& key, bool sticky) const;
  bool Add(const PartitionKey& key, Task task, bool query);
  // The partition a task of `key` (a task queue) goes to under the routing.
  PartitionKey Routed(const PartitionKey& key, const Task& task) const;
  std::optional<ClaimedPoll> Claim(const PartitionKey& key);
  // Tries queued tasks for a poll; true when one was delivered.
  bool DeliverQueued(Partition& partition, ParkedPoll& poll);
  // Hands one task to a poll through history; false when history refused it.
  bool Offer(Partition& partition, const Queued& queued, bool query, ParkedPoll& poll);
  uint64_t Poll(PartitionKey key, ParkedPoll poll, std::chrono::milliseconds wait);
  // The rate limit: true when a task may be handed over now (always without a limit).
  static bool DispatchReady(Partition& partition);
  // `now`: the caller's clock reading when it has one (one read per hand-off).
  static void DispatchTaken(Partition& partition, std::chrono::steady_clock::time_point now =
                                                      std::chrono::steady_clock::now());
  void SetDispatchRate(const PartitionKey& key, Partition& partition, std::optional<double> rate);
  // The partition's oldest parked poll still waiting (ids of polls already gone are dropped,
  // polls whose client went away are cancelled); polls_.end() when there is none.
  ParkedPollMap::iterator FrontLivePoll(Partition& partition);
  // Takes that front poll, just handed a task, out of the partition and of polls_.
  void Unpark(Partition& partition, ParkedPollMap::iterator parked);
  // Notes a poll of `poller` on the partition now (DescribeTaskQueue's list).
  void RecordPoller(Partition& partition, const Poller& poller);
  // While queued tasks and parked polls wait for a token: the timer set for the next one.
  void ArmDispatch(const PartitionKey& key, Partition& partition);
  void DispatchQueued(const PartitionKey& key);
  void Expire(uint64_t poll_id);

  asio::any_io_executor executor_;
  RecordWorkflowStarted record_workflow_;
  RecordActivityStarted record_activity_;
  Options options_;
  Now now_;
  std::map<PartitionKey, Partition> partitions_;
  // Rates of activity queues set through the API, by (namespace id, queue).
  std::map<std::pair<std::string, std::string>, double> configured_rates_;
  ParkedPollMap polls_;
  // Worker instances shut down (namespace id, key) and when: their late polls end at once.
  std::map<std::pair<std::string, std::string>, std::chrono::steady_clock::time_point>
      shut_down_workers_;
  // Where each undelivered query task waits.
  std::map<uint64_t, PartitionKey> query_partitions_;
  uint64_t next_poll_id_ = 1;
};

}  // namespace hdo::matching
