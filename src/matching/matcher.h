// Matching: task queues in memory. A task queue partition is (namespace id, task queue name,
// kind); a task added to it meets a parked poller at once (sync match) or waits in the
// partition's queue; a poll meets a queued task at once or parks until its long-poll window ends,
// then answers empty (the SDKs treat an empty task token as "no task" and poll again).
//
// The hand-off of a workflow task to a poller goes through `record_started` (history), and only a
// task history accepts as started is delivered; a refused one (stale: already started, run closed)
// is dropped and the next task is tried.
//
// Owned by the server. Not thread-safe: every method runs on the engine thread (the executor
// given at construction), and so do the `done` callbacks.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "hugo/result.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::matching {

// A workflow task waiting for a poller; the transfer task that dispatched it is completed when
// history records the task started.
struct WorkflowTask {
  std::string namespace_id;
  std::string workflow_id;
  std::string run_id;
  int64_t scheduled_event_id = 0;
  int64_t transfer_task_id = 0;
};

class Matcher {
 public:
  using PollWorkflowTaskResponse =
      temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse;
  using PollActivityTaskResponse =
      temporal::api::workflowservice::v1::PollActivityTaskQueueResponse;
  // History's side of the hand-off. An error means "do not deliver this task".
  using RecordStarted = std::function<hugo::Result<PollWorkflowTaskResponse>(
      const WorkflowTask& task, const std::string& poll_request_id, const std::string& identity)>;

  struct Options {
    std::chrono::milliseconds long_poll_max = std::chrono::seconds(60);
    // Tasks queued per partition at most; beyond it AddWorkflowTask refuses (the transfer task
    // stays stored and is retried).
    size_t backlog_max = 100000;
  };

  Matcher(asio::any_io_executor executor, RecordStarted record_started, Options options);

  // Returns false when the partition's backlog is full.
  bool AddWorkflowTask(const std::string& task_queue, WorkflowTask task);

  // Calls `done` exactly once: with a started task, or with an empty response when `wait` (capped
  // at long_poll_max) passes or CancelPoll names it. Returns the poll's id.
  uint64_t PollWorkflowTask(const std::string& namespace_id, const std::string& task_queue,
                            const std::string& identity, std::chrono::milliseconds wait,
                            std::function<void(PollWorkflowTaskResponse)> done);
  // Activity tasks do not exist yet: the poll parks and answers empty, like an idle queue.
  uint64_t PollActivityTask(const std::string& namespace_id, const std::string& task_queue,
                            std::chrono::milliseconds wait,
                            std::function<void(PollActivityTaskResponse)> done);
  // Ends a parked poll now with an empty response; unknown ids (already answered) are ignored.
  void CancelPoll(uint64_t poll_id);

  // Answers every parked poll empty now (server shutdown).
  void CancelAll();

  // Workflow tasks queued and pollers parked (for tests and metrics).
  size_t BacklogSize(const std::string& namespace_id, const std::string& task_queue) const;
  size_t ParkedPolls() const { return polls_.size(); }

 private:
  using PartitionKey = std::tuple<std::string, std::string, int>;  // namespace id, queue, kind
  struct ParkedPoll {
    PartitionKey partition;
    std::string identity;
    std::function<void(PollWorkflowTaskResponse)> workflow_done;
    std::function<void(PollActivityTaskResponse)> activity_done;
    std::unique_ptr<asio::steady_timer> timer;
  };
  struct Partition {
    std::deque<WorkflowTask> tasks;
    std::deque<uint64_t> polls;  // parked, oldest first
  };

  // Tries queued tasks for a poll; true when one was delivered.
  bool DeliverQueued(Partition& partition, const std::string& identity,
                     const std::function<void(PollWorkflowTaskResponse)>& done);
  uint64_t Park(PartitionKey key, ParkedPoll poll, std::chrono::milliseconds wait);
  void Expire(uint64_t poll_id);

  asio::any_io_executor executor_;
  RecordStarted record_started_;
  Options options_;
  std::map<PartitionKey, Partition> partitions_;
  std::map<uint64_t, ParkedPoll> polls_;
  uint64_t next_poll_id_ = 1;
};

}  // namespace hdo::matching
