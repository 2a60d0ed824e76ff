// hdo::WorkerHost: runs several Workers in one process the way a deployment wants them run:
// starts them all, shuts them all down gracefully on the first SIGINT/SIGTERM (a second one gets
// the default action: the process dies), and serves a health endpoint over plain HTTP for
// liveness/readiness probes:
//   GET /healthz -> 200 {"status":"serving","workers":[{"task_queue":..,"identity":..,
//                                                        "running":true}, ...]}
//                -> 503 {"status":"not_serving",...} once any worker stopped (shut down, or
//                   stopped by itself on a poll error that retrying cannot fix).
//   GET /metrics -> 200, the process's libhugo instruments (hugo::Diagnostics: the workflow.*
//                   metrics of the runs' WorkflowExecutionContext, libhugo's channel, task-queue
//                   and result counters) in the Prometheus text format (hugo::RenderPrometheus).
//
// Owner: the application's main(). Thread safety: Add before Run; Stop, health_port and
// WaitUntilServing may be called from any thread while Run blocks. One host per process handles
// signals at a time (the handlers are process-wide; Run restores the previous ones on return).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hdo/worker.h"
#include "hugo/result.h"

namespace hdo {
namespace internal {
class HttpHealthServer;
}  // namespace internal

struct WorkerHostOptions {
  // -1: no health endpoint; 0: a free port (read it with health_port()); else that port.
  int health_port = -1;
  // The address the health endpoint binds (all interfaces: probes come to the pod's address).
  std::string health_address = "0.0.0.0";
  // Install SIGINT/SIGTERM handlers for the duration of Run.
  bool handle_signals = true;
};

class WorkerHost {
 public:
  explicit WorkerHost(WorkerHostOptions options = {});
  ~WorkerHost();
  WorkerHost(const WorkerHost&) = delete;
  WorkerHost& operator=(const WorkerHost&) = delete;

  void Add(std::unique_ptr<Worker> worker);

  // Starts every worker and the health endpoint, blocks until a signal or Stop(), then shuts every
  // worker down in parallel (each drains its in-flight tasks) and returns. A worker that does not
  // start, or a health port that cannot be bound, stops the others and is the error; otherwise
  // the first fatal worker error, if any. A worker that stops by itself does not end Run (the
  // health endpoint reports it, so that the orchestrator restarts the process).
  hugo::Result<hugo::Unit> Run();
  // Asks Run to shut down, as the first signal does.
  void Stop();

  // The health endpoint's port once it serves (the chosen one for port 0); -1 before or when off.
  int health_port() const { return health_port_.load(); }
  // True once every worker started and the health endpoint (if any) serves; false on timeout or
  // when Run failed.
  bool WaitUntilServing(std::chrono::milliseconds timeout);
  // 200 or 503 and the JSON body of GET /healthz.
  std::pair<int, std::string> Health() const;

  // The default worker identity, from the deployment context (environment variables set by the
  // deployment; Kubernetes' downward API for POD_NAME):
  //   "<pid>@<host>"                                when none of HDO_CLUSTER, HDO_REGION, POD_NAME
  //   "<cluster>/<region>/<pod>@<host>:<pid>"       otherwise, leaving out the unset parts
  //                                                 (e.g. "eu1/pay-7d9f@node-3:1")
  static std::string DeploymentIdentity();

 private:
  enum class Phase { kIdle, kStarting, kServing, kStopping, kDone };
  hugo::Result<hugo::Unit> StartAll(size_t* started);
  void ShutdownAll();
  void SetPhase(Phase phase);

  WorkerHostOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<internal::HttpHealthServer> health_;
  std::atomic<int> health_port_{-1};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  Phase phase_ = Phase::kIdle;
  bool stop_requested_ = false;
};

}  // namespace hdo
