// Nexus tasks: a start or cancel request of a Nexus operation handed to a worker that polls the
// handler's task queue (PollNexusTaskQueue), and the worker's answer (RespondNexusTaskCompleted /
// RespondNexusTaskFailed) handed back to whoever dispatched it: the Nexus HTTP handler or
// history's invocation of an operation a workflow scheduled. As the reference's, a Nexus task is
// matched synchronously and never stored: it waits for a poller, then for the answer, both within
// the dispatcher's timeout, and a restart forgets it (its dispatcher retries).
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
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "hugo/result.h"
#include "matching/matcher.h"
#include "temporal/api/nexus/v1/message.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::matching {

// Error code of NexusMatcher::Respond: the task is unknown, answered, or its dispatcher gave up.
inline constexpr char kErrorNexusTaskNotFound[] = "hdo.matching.nexus_task_not_found";

class NexusMatcher {
 public:
  using PollResponse = temporal::api::workflowservice::v1::PollNexusTaskQueueResponse;
  // What became of a dispatched task.
  struct Outcome {
    enum class Kind {
      kResponse,      // the worker answered (RespondNexusTaskCompleted): `response`
      kHandlerError,  // the worker failed it (RespondNexusTaskFailed): `error`
      kTimedOut,      // no answer within the timeout; `delivered` tells whether a worker took it
      kCanceled,      // the server is shutting down
    };
    Kind kind = Kind::kTimedOut;
    temporal::api::nexus::v1::Response response;
    temporal::api::nexus::v1::HandlerError error;
    // The worker failed the task with a Temporal failure (RespondNexusTaskFailed.failure, sent
    // when the request announced Temporal failure responses): `error.failure` carries it whole
    // (metadata type temporal.api.failure.v1.Failure, details its JSON), to be used as it is.
    bool temporal_failure = false;
    bool delivered = false;
  };
  using Done = std::function<void(Outcome)>;
  struct Options {
    std::chrono::milliseconds long_poll_max = std::chrono::seconds(60);
    // Pollers of a queue remembered for DescribeTaskQueue after their last poll.
    std::chrono::milliseconds poller_history = std::chrono::minutes(5);
    // How long a shut-down worker instance's late polls (sent before its ShutdownWorker, or by a
    // poller that had not yet stopped) are answered empty at once, as the workflow matcher's.
    std::chrono::milliseconds shutdown_memory = std::chrono::minutes(5);
  };

  NexusMatcher(asio::any_io_executor executor, Options options);
  ~NexusMatcher();
  NexusMatcher(const NexusMatcher&) = delete;
  NexusMatcher& operator=(const NexusMatcher&) = delete;

  // Hands `request` to a poller of the namespace's `task_queue` (at once when one waits) and
  // calls `done` once with the worker's answer, or kTimedOut after `timeout`. Returns an id for
  // CancelDispatch.
  uint64_t Dispatch(const std::string& namespace_id, const std::string& task_queue,
                    temporal::api::nexus::v1::Request request, std::chrono::milliseconds timeout,
                    Done done);
  // The dispatcher gave up: `done` is never called, a late answer is refused.
  void CancelDispatch(uint64_t dispatch_id);

  // A long poll: answered with a task, or empty after `wait` (capped by long_poll_max). Returns
  // the poll id for CancelPoll (0 when answered at once).
  uint64_t Poll(const std::string& namespace_id, Poller poller, std::chrono::milliseconds wait,
                std::function<void(PollResponse)> done);
  void CancelPoll(uint64_t poll_id);

  // The worker's answer to the task of `task_token` (from its PollResponse), given the
  // namespace the answer came in. kErrorNexusTaskNotFound when the task is not waiting for one;
  // InvalidArgument for a token that is not a Nexus task token.
  hugo::Result<hugo::Unit> Respond(const std::string& namespace_id, const std::string& task_token,
                                   Outcome outcome);

  // ShutdownWorker: the instance's parked polls answered empty now, its later ones at once for
  // Options::shutdown_memory.
  void CompleteWorkerPolls(const std::string& namespace_id, const std::string& worker_instance_key);

  // Who polled the queue lately (DescribeTaskQueue with TASK_QUEUE_TYPE_NEXUS).
  std::vector<Matcher::PollerInfo> Pollers(const std::string& namespace_id,
                                           const std::string& task_queue) const;

  // Answers every parked poll empty and every dispatched task kCanceled (server shutdown).
  void CancelAll();

  size_t ParkedPolls() const { return polls_.size(); }
  size_t PendingTasks() const { return tasks_.size(); }

 private:
  using QueueKey = std::tuple<std::string, std::string>;  // namespace id, task queue
  struct PendingTask {
    QueueKey queue;
    temporal::api::nexus::v1::Request request;
    Done done;
    std::unique_ptr<asio::steady_timer> timer;
    std::chrono::steady_clock::time_point deadline;
    bool delivered = false;
  };
  struct ParkedPoll {
    QueueKey queue;
    Poller poller;
    std::function<void(PollResponse)> done;
    std::unique_ptr<asio::steady_timer> timer;
  };
  struct Queue {
    std::deque<uint64_t> tasks;                          // undelivered, oldest first
    std::deque<uint64_t> polls;                          // parked, oldest first
    std::map<std::string, Matcher::PollerInfo> pollers;  // by identity
  };

  // Hands the task to the poll and answers the poll.
  void Deliver(uint64_t task_id, PendingTask& task, std::function<void(PollResponse)> done);
  void Finish(uint64_t task_id, Outcome outcome);
  void ExpirePoll(uint64_t poll_id);
  void RecordPoller(Queue& queue, const Poller& poller);

  asio::any_io_executor executor_;
  Options options_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, PendingTask> tasks_;
  std::map<uint64_t, ParkedPoll> polls_;
  std::map<QueueKey, Queue> queues_;
  // Worker instances shut down (namespace id, key) and when: their late polls end at once.
  std::map<std::pair<std::string, std::string>, std::chrono::steady_clock::time_point>
      shut_down_workers_;
};

}  // namespace hdo::matching
