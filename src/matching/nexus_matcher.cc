#include "matching/nexus_matcher.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <utility>

#include "common/error_codes.h"
#include "hdo/persistence/v1/execution.pb.h"

namespace hdo::matching {

namespace {

google::protobuf::Timestamp WallNow() { return google::protobuf::util::TimeUtil::GetCurrentTime(); }

}  // namespace

NexusMatcher::NexusMatcher(asio::any_io_executor executor, Options options)
    : executor_(std::move(executor)), options_(options) {}

NexusMatcher::~NexusMatcher() = default;

uint64_t NexusMatcher::Dispatch(const std::string& namespace_id, const std::string& task_queue,
                                temporal::api::nexus::v1::Request request,
                                std::chrono::milliseconds timeout, Done done) {
  uint64_t task_id = next_id_++;
  QueueKey key{namespace_id, task_queue};
  auto& task = tasks_[task_id];
  task.queue = key;
  task.request = std::move(request);
  if (!task.request.has_scheduled_time()) *task.request.mutable_scheduled_time() = WallNow();
  task.done = std::move(done);
  task.timer = std::make_unique<asio::steady_timer>(executor_);
  task.deadline =
      std::chrono::steady_clock::now() + std::max(timeout, std::chrono::milliseconds(0));
  task.timer->expires_at(task.deadline);
  task.timer->async_wait([this, task_id](const std::error_code& error) {
    if (error) return;
    auto found = tasks_.find(task_id);
    if (found == tasks_.end()) return;
    Outcome outcome;
    outcome.kind = Outcome::Kind::kTimedOut;
    outcome.delivered = found->second.delivered;
    Finish(task_id, std::move(outcome));
  });
  auto& queue = queues_[key];
  while (!queue.polls.empty()) {
    uint64_t poll_id = queue.polls.front();
    queue.polls.pop_front();
    auto parked = polls_.find(poll_id);
    if (parked == polls_.end()) continue;
    auto poll_done = std::move(parked->second.done);
    bool gone = parked->second.poller.Gone();
    parked->second.timer->cancel();
    polls_.erase(parked);
    if (gone) {
      poll_done(PollResponse());
      continue;
    }
    Deliver(task_id, task, std::move(poll_done));
    return task_id;
  }
  queue.tasks.push_back(task_id);
  return task_id;
}

void NexusMatcher::CancelDispatch(uint64_t dispatch_id) {
  auto found = tasks_.find(dispatch_id);
  if (found == tasks_.end()) return;
  found->second.timer->cancel();
  tasks_.erase(found);  // an undelivered id left in its queue is skipped when reached
}

void NexusMatcher::Deliver(uint64_t task_id, PendingTask& task,
                           std::function<void(PollResponse)> done) {
  task.delivered = true;
  persistence::v1::NexusTaskToken token;
  token.set_namespace_id(std::get<0>(task.queue));
  token.set_task_id(task_id);
  PollResponse response;
  response.set_task_token(token.SerializeAsString());
  *response.mutable_request() = task.request;
  // The worker gets the time left before the dispatcher gives up (reference: matching rewrites
  // request-timeout on poll, in Go duration form, and a capitalised copy for the Java SDK).
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      task.deadline - std::chrono::steady_clock::now());
  const std::string remaining = std::to_string(std::max<int64_t>(left.count(), 0)) + "ms";
  auto& header = *response.mutable_request()->mutable_header();
  header["request-timeout"] = remaining;
  header["Request-Timeout"] = remaining;
  done(std::move(response));
}

void NexusMatcher::Finish(uint64_t task_id, Outcome outcome) {
  auto found = tasks_.find(task_id);
  if (found == tasks_.end()) return;
  Done done = std::move(found->second.done);
  found->second.timer->cancel();
  tasks_.erase(found);
  if (done) done(std::move(outcome));
}

uint64_t NexusMatcher::Poll(const std::string& namespace_id, Poller poller,
                            std::chrono::milliseconds wait,
                            std::function<void(PollResponse)> done) {
  QueueKey key{namespace_id, poller.task_queue};
  auto& queue = queues_[key];
  RecordPoller(queue, poller);
  if (poller.Gone()) {
    done(PollResponse());
    return 0;
  }
  if (!poller.worker_instance_key.empty() && !shut_down_workers_.empty() &&
      shut_down_workers_.count({namespace_id, poller.worker_instance_key}) != 0) {
    done(PollResponse());  // a worker instance that has shut down: empty at once
    return 0;
  }
  while (!queue.tasks.empty()) {
    uint64_t task_id = queue.tasks.front();
    queue.tasks.pop_front();
    auto task = tasks_.find(task_id);
    if (task == tasks_.end()) continue;  // its dispatcher gave up or it timed out
    Deliver(task_id, task->second, std::move(done));
    return 0;
  }
  uint64_t poll_id = next_id_++;
  auto& parked = polls_[poll_id];
  parked.queue = key;
  parked.poller = std::move(poller);
  parked.done = std::move(done);
  parked.timer = std::make_unique<asio::steady_timer>(executor_);
  parked.timer->expires_after(
      std::clamp(wait, std::chrono::milliseconds(0), options_.long_poll_max));
  parked.timer->async_wait([this, poll_id](const std::error_code& error) {
    if (!error) ExpirePoll(poll_id);
  });
  queue.polls.push_back(poll_id);
  return poll_id;
}

void NexusMatcher::ExpirePoll(uint64_t poll_id) {
  auto parked = polls_.find(poll_id);
  if (parked == polls_.end()) return;
  auto done = std::move(parked->second.done);
  auto queue = queues_.find(parked->second.queue);
  if (queue != queues_.end()) {
    auto& polls = queue->second.polls;
    polls.erase(std::remove(polls.begin(), polls.end(), poll_id), polls.end());
    RecordPoller(queue->second, parked->second.poller);
  }
  polls_.erase(parked);
  done(PollResponse());
}

void NexusMatcher::CancelPoll(uint64_t poll_id) {
  auto parked = polls_.find(poll_id);
  if (parked == polls_.end()) return;
  parked->second.timer->cancel();
  ExpirePoll(poll_id);
}

hugo::Result<hugo::Unit> NexusMatcher::Respond(const std::string& namespace_id,
                                               const std::string& task_token, Outcome outcome) {
  persistence::v1::NexusTaskToken token;
  if (!token.ParseFromString(task_token) || token.task_id() == 0) {
    return hugo::Error::From("Invalid Nexus task token.", errors::kInvalidArgument);
  }
  auto found = tasks_.find(token.task_id());
  if (found == tasks_.end() || !found->second.delivered || token.namespace_id() != namespace_id) {
    return hugo::Error::From("Nexus task not found or already expired.", kErrorNexusTaskNotFound);
  }
  Finish(token.task_id(), std::move(outcome));
  return hugo::Ok();
}

void NexusMatcher::CompleteWorkerPolls(const std::string& namespace_id,
                                       const std::string& worker_instance_key) {
  if (worker_instance_key.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(shut_down_workers_,
                [&](const auto& entry) { return now - entry.second >= options_.shutdown_memory; });
  shut_down_workers_[{namespace_id, worker_instance_key}] = now;
  std::vector<uint64_t> matching;
  for (const auto& [poll_id, parked] : polls_) {
    if (std::get<0>(parked.queue) == namespace_id &&
        parked.poller.worker_instance_key == worker_instance_key) {
      matching.push_back(poll_id);
    }
  }
  for (uint64_t poll_id : matching) CancelPoll(poll_id);
}

void NexusMatcher::RecordPoller(Queue& queue, const Poller& poller) {
  auto& info = queue.pollers[poller.identity];
  info.identity = poller.identity;
  info.last_access_time = WallNow();
  info.rate_per_second = Matcher::kDefaultPollerRate;
}

std::vector<Matcher::PollerInfo> NexusMatcher::Pollers(const std::string& namespace_id,
                                                       const std::string& task_queue) const {
  std::vector<Matcher::PollerInfo> pollers;
  auto queue = queues_.find(QueueKey{namespace_id, task_queue});
  if (queue == queues_.end()) return pollers;
  int64_t cutoff_ms = google::protobuf::util::TimeUtil::TimestampToMilliseconds(WallNow()) -
                      options_.poller_history.count();
  for (const auto& [identity, info] : queue->second.pollers) {
    if (google::protobuf::util::TimeUtil::TimestampToMilliseconds(info.last_access_time) >=
        cutoff_ms) {
      pollers.push_back(info);
    }
  }
  return pollers;
}

void NexusMatcher::CancelAll() {
  while (!polls_.empty()) CancelPoll(polls_.begin()->first);
  while (!tasks_.empty()) {
    Outcome outcome;
    outcome.kind = Outcome::Kind::kCanceled;
    outcome.delivered = tasks_.begin()->second.delivered;
    Finish(tasks_.begin()->first, std::move(outcome));
  }
  queues_.clear();
}

}  // namespace hdo::matching
