// hdo::internal::EagerWorkflows: eager workflow start (the Go SDK's eagerWorkflowDispatcher). A
// started Worker registers itself for its (connection, namespace, task queue); a Client starting
// a workflow with StartWorkflowOptions::enable_eager_start on that connection reserves a workflow
// task slot of such a worker, asks the server for the first workflow task in the start's reply,
// and hands it to that worker, which runs it as if polled. No worker, no free slot, or a server
// that declines: a plain start, the task queued as usual.
//
// Owner: process-wide (Get()). Thread safety: every member may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::internal {

// A worker's side: taken by a Client between Reserve and Run/Release. Close (worker shutdown,
// before its slots and threads go) makes later calls no-ops: Reserve fails, Run drops the task.
class EagerWorkflowTarget {
 public:
  struct Hooks {
    std::function<bool()> try_reserve;  // a workflow task slot, without waiting
    std::function<void()> release;      // a reserved slot not used
    // Runs the task on the reserved slot (which it releases when done).
    std::function<void(temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse)> run;
  };
  explicit EagerWorkflowTarget(Hooks hooks) : hooks_(std::move(hooks)) {}

  bool Reserve();
  // False: the worker closed meanwhile and the task was not run (its start-to-close timeout
  // makes the server queue it again).
  bool Run(temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse task);
  void Release();
  void Close();

 private:
  Hooks hooks_;
  std::mutex mutex_;
  bool closed_ = false;
};

class EagerWorkflows {
 public:
  static EagerWorkflows& Get();

  void Register(const void* connection, const std::string& namespace_name,
                const std::string& task_queue, std::shared_ptr<EagerWorkflowTarget> target);
  void Unregister(const std::shared_ptr<EagerWorkflowTarget>& target);
  // A target for the queue with a slot reserved, or null.
  std::shared_ptr<EagerWorkflowTarget> Reserve(const void* connection,
                                               const std::string& namespace_name,
                                               const std::string& task_queue);

 private:
  struct Entry {
    const void* connection;
    std::string namespace_name;
    std::string task_queue;
    std::shared_ptr<EagerWorkflowTarget> target;
  };
  std::mutex mutex_;
  std::vector<Entry> entries_;
  size_t next_ = 0;  // round robin among the workers of one queue
};

}  // namespace hdo::internal
