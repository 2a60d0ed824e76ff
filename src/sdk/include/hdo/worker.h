// hdo::Worker: polls one task queue of one namespace for workflow tasks (normal and sticky queue)
// and activity tasks, runs them on a bounded thread pool, and replies. Workflow tasks are handed
// to the workflow task processor (replay, sticky cache, replies); activities run the functions
// of the worker's ActivityRegistry and are answered here (RespondActivityTaskCompleted / Failed /
// Canceled, nothing after CompleteAsync). Semantics follow the Temporal Go SDK worker.
//
// Owner: the application (often through a WorkerHost). Thread safety: register every workflow
// and activity before Start; Start, Shutdown and Run may be called from any thread, the getters
// are thread-safe. Shutdown (and the destructor) blocks until in-flight tasks are drained.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "hdo/activity.h"
#include "hdo/connection.h"
#include "hdo/interceptor.h"
#include "hdo/workflow.h"
#include "hugo/result.h"

namespace hdo {

struct WorkerOptions {
  std::string task_queue;
  // Sent with every poll and reply. Empty: WorkerHost::DeploymentIdentity() (see worker_host.h).
  std::string identity;
  // Slots: a poller does not poll while all slots of its kind are taken.
  size_t max_concurrent_workflow_tasks = 100;
  size_t max_concurrent_activities = 100;
  // Local activity attempts run on threads of their own, at most this many at once (later ones
  // queue); the workflow task waits for them, heartbeating itself past 80 % of its timeout.
  size_t max_concurrent_local_activities = 100;
  // Activities this worker starts per second at most (the Go SDK's WorkerActivitiesPerSecond);
  // 0: no limit. Polled activities are spaced by 1/rate (a poller holding a slot waits for its
  // turn before it polls); an eager activity is requested only when a turn is free at once.
  double worker_activities_per_second = 0;
  // Activities the server hands out per second from this task queue, to all its workers
  // together (the Go SDK's TaskQueueActivitiesPerSecond): sent with every activity poll as the
  // queue's task_queue_metadata.max_tasks_per_second (the latest poller's value is the queue's);
  // 0: not sent, no limit. It turns eager activities off, as in the Go SDK: an eager activity
  // would bypass the server's limit.
  double task_queue_activities_per_second = 0;
  size_t workflow_pollers = 2;  // at least 2 with sticky execution (one per queue)
  size_t activity_pollers = 2;
  size_t sticky_cache_size = 1000;
  // Sticky execution: workflow tasks of cached runs come on `<identity>-<uuid>` (kind STICKY).
  bool enable_sticky_execution = true;
  std::chrono::milliseconds sticky_schedule_to_start_timeout{5000};
  // Eager activity execution (the Go SDK's DisableEagerActivities): an activity a workflow
  // schedules on this worker's task queue, while an activity slot is free, comes back in the
  // workflow task's completion reply and runs here without an activity poll (at most 3 per
  // workflow task, as the Go SDK). Servers that do not support it simply queue the activity.
  bool disable_eager_activities = false;
  // Workflow code runs on the gRPC thread that received its task (a poll's answer, a completion
  // that returns the run's next task, an asynchronous start's eager task), saving a hand-off to
  // the worker's threads per task. A task that would block there goes on on the worker's
  // threads: one that waits for local activities (from the wait on), fetches history, replays
  // more than 64 events, answers a legacy query, fails, or runs with payload codecs. Turn it off
  // when workflow code or workflow interceptors compute for long between waits: they would hold
  // one of gRPC's few threads, delaying the answers of every call on them.
  bool workflow_tasks_on_grpc_threads = true;
  // Shutdown waits this long for running tasks, then stops the token of running activities.
  std::chrono::milliseconds shutdown_grace{10000};
  std::chrono::milliseconds default_heartbeat_throttle{30000};
  std::chrono::milliseconds max_heartbeat_throttle{60000};
  // After a failed poll a poller waits poll_backoff_initial, doubling up to poll_backoff_max.
  std::chrono::milliseconds poll_backoff_initial{100};
  std::chrono::milliseconds poll_backoff_max{10000};
  // Interceptors (hdo/interceptor.h) around activities, workflows, signals, queries and updates,
  // the first outermost.
  WorkerInterceptors interceptors;
  // One line per event worth a person's attention (poll errors, failed replies). Default: stderr.
  std::function<void(std::string_view line)> log;
};

class Worker {
 public:
  Worker(std::shared_ptr<Connection> connection, std::string namespace_name, WorkerOptions options);
  ~Worker();  // Shutdown()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  template <class F>
  void RegisterWorkflow(std::string name, F fn) {
    workflows_->Register(std::move(name), std::move(fn));
    ++workflow_types_;
  }
  template <class F>
  void RegisterActivity(std::string name, F fn) {
    activities_->Register(std::move(name), std::move(fn));
  }

  // Starts the pollers: workflow pollers only when a workflow is registered, activity pollers
  // only when an activity is. error.validation for bad options or nothing registered;
  // FailedPrecondition-like error.validation when already started.
  hugo::Result<hugo::Unit> Start();
  // Stops polling (in-flight polls are cancelled), tells the server (ShutdownWorker), waits for
  // in-flight tasks, stops the token of activities still running after shutdown_grace and waits
  // for them too, then evicts the sticky cache. Idempotent.
  void Shutdown();
  // Start, wait until `stop` is requested (or the worker stops on a fatal poll error), Shutdown.
  // The fatal error, if any, is the result.
  hugo::Result<hugo::Unit> Run(std::stop_token stop);

  const std::string& namespace_name() const { return namespace_name_; }
  const std::string& task_queue() const { return options_.task_queue; }
  const std::string& identity() const { return options_.identity; }
  // `<identity>-<uuid>`; empty when sticky execution is off.
  const std::string& sticky_task_queue() const { return sticky_task_queue_; }
  // Started, not shut down, not stopped by a fatal poll error.
  bool running() const;
  // Why the worker stopped by itself (a non-retryable poll error), if it did.
  std::optional<hugo::Error> fatal_error() const;
  const ActivityRegistry& activities() const { return *activities_; }

  // Runs one local activity attempt on this worker's registry (info.is_local set; no heartbeats),
  // on the calling thread: the context's token stops at invocation.deadline (or the one `info`'s
  // timeouts give), on invocation.cancel and at shutdown. What the workflow task processor runs on
  // its local activity threads.
  hugo::Result<Payloads> RunLocalActivity(const ActivityInvocation& invocation);

 private:
  class Impl;
  std::shared_ptr<Connection> connection_;
  std::string namespace_name_;
  WorkerOptions options_;
  std::string sticky_task_queue_;
  std::shared_ptr<WorkflowRegistry> workflows_;
  size_t workflow_types_ = 0;
  std::shared_ptr<ActivityRegistry> activities_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hdo
