// hdo::internal::WorkflowTaskProcessor: the workflow half of a worker. It takes each polled
// workflow task, finds the run in the sticky cache or replays its history into a fresh instance,
// drives the workflow code on the deterministic scheduler, answers the task's queries, and sends
// the reply itself (RespondWorkflowTaskCompleted / Failed, RespondQueryTaskCompleted).
//
// Owner: one Worker. Thread safety: Handle may be called from several threads at once; tasks of
// one run are serialised inside (the server never has two outstanding for one run).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "hdo/connection.h"
#include "hdo/interceptor.h"
#include "hdo/workflow.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"
#include "worker_threads.h"

namespace hdo::internal {

struct WorkflowTaskProcessorOptions {
  std::string namespace_name;
  std::string task_queue;
  std::string identity;
  // The worker's sticky queue (empty: no sticky execution) and its schedule-to-start timeout.
  std::string sticky_task_queue;
  std::chrono::milliseconds sticky_schedule_to_start_timeout{5000};
  // At most this many runs are cached (least recently used evicted first).
  size_t cache_size_max = 1000;
  // Eager activity execution: the worker's activity side, lent to workflow task replies. Unset:
  // no activity is requested eagerly.
  struct EagerActivities {
    std::string task_queue;             // activities scheduled on this queue may run here
    std::function<bool()> try_reserve;  // an activity slot, without waiting
    std::function<void()> release;      // a reserved slot the server did not fill
    // Runs a task the server handed back, on a reserved slot (which it releases when done).
    std::function<void(temporal::api::workflowservice::v1::PollActivityTaskQueueResponse)> run;
  };
  std::optional<EagerActivities> eager_activities;
  WorkerInterceptors interceptors;  // WorkerOptions::interceptors
  // Runs a local activity attempt off the task's thread (the worker's local activity pool). Unset:
  // attempts run on the task's thread, one after the other (tests).
  std::function<void(std::function<void()>)> submit_local_activity;
  // Runs a task the server returned in a reply (workflow code) on the worker's pool, not on the
  // gRPC thread that read the reply. Unset: on that thread (tests).
  std::function<void(std::function<void()>)> submit_task;
  // Workflow code may run on the gRPC thread that received its task (WorkerOptions::
  // workflow_tasks_on_grpc_threads): a task handed over with `on_grpc_thread`, and a task a reply
  // returns, runs there until it would block (waiting for local activities, fetching history, a
  // payload codec, a blocking reply, another task of the run still being answered) or when it
  // replays a long history; from there it goes on through submit_task. False: every returned
  // task goes through submit_task.
  bool tasks_on_grpc_threads = false;
  // Where a reply waits between its attempts (null: the processor's own timer thread).
  std::shared_ptr<TimerThread> timers;
  // The worker's stop past its shutdown grace: a task waiting for local activities is given up
  // (no reply; the server times it out).
  std::stop_token worker_stop;
};

class WorkflowTaskProcessor {
 public:
  WorkflowTaskProcessor(std::shared_ptr<Connection> connection,
                        std::shared_ptr<const WorkflowRegistry> workflows,
                        LocalActivityRunner local_activities, WorkflowTaskProcessorOptions options);
  ~WorkflowTaskProcessor();

  // Handles one polled task (a workflow task, or a legacy query task when `query` is set), sends
  // its reply without waiting for the answer, and runs the tasks the answers return; `done` runs
  // once the last answer is handled, on the gRPC thread that read it (or the calling thread when
  // no reply went out). Never throws.
  void Handle(temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse task,
              std::function<void()> done);
  // Handle, called on a gRPC thread (tasks_on_grpc_threads): what would block there goes on
  // through submit_task.
  void HandleOnGrpcThread(temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse task,
                          std::function<void()> done);
  // Handle, returning once `done` would run (tests).
  void Handle(temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse task);
  // Handles a task as the server sent it: its payloads decoded first (ConnectionOptions::codecs);
  // a task that does not decode fails (RespondWorkflowTaskFailed with the codec's error).
  void HandleReceived(temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse task,
                      std::function<void()> done, bool on_grpc_thread = false);

  // Drops every cached run (shutdown).
  void EvictAll();
  size_t cached_runs() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hdo::internal
