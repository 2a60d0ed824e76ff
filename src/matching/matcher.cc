#include "matching/matcher.h"

#include <algorithm>
#include <vector>

namespace hdo::matching {
namespace {

// Partition kinds; sticky queues join when history schedules on them.
constexpr int kWorkflowKind = 1;
constexpr int kActivityKind = 2;

}  // namespace

Matcher::Matcher(asio::any_io_executor executor, RecordStarted record_started, Options options)
    : executor_(std::move(executor)),
      record_started_(std::move(record_started)),
      options_(options) {}

bool Matcher::AddWorkflowTask(const std::string& task_queue, WorkflowTask task) {
  Partition& partition = partitions_[{task.namespace_id, task_queue, kWorkflowKind}];
  // Sync match: hand the task to the oldest parked poller that history lets start it.
  while (!partition.polls.empty()) {
    uint64_t poll_id = partition.polls.front();
    partition.polls.pop_front();
    auto parked = polls_.find(poll_id);
    if (parked == polls_.end()) continue;
    auto started =
        record_started_(task, "poll-" + std::to_string(poll_id), parked->second.identity);
    if (started.IsFailure()) {
      // Stale task: the poller stays parked for the next one.
      partition.polls.push_front(poll_id);
      return true;
    }
    auto done = std::move(parked->second.workflow_done);
    parked->second.timer->cancel();
    polls_.erase(parked);
    done(std::move(started).Value());
    return true;
  }
  if (partition.tasks.size() >= options_.backlog_max) return false;
  partition.tasks.push_back(std::move(task));
  return true;
}

bool Matcher::DeliverQueued(Partition& partition, const std::string& identity,
                            const std::function<void(PollWorkflowTaskResponse)>& done) {
  while (!partition.tasks.empty()) {
    WorkflowTask task = std::move(partition.tasks.front());
    partition.tasks.pop_front();
    auto started = record_started_(task, "poll-" + std::to_string(next_poll_id_++), identity);
    if (started.IsSuccess()) {
      done(std::move(started).Value());
      return true;
    }
  }
  return false;
}

uint64_t Matcher::PollWorkflowTask(const std::string& namespace_id, const std::string& task_queue,
                                   const std::string& identity, std::chrono::milliseconds wait,
                                   std::function<void(PollWorkflowTaskResponse)> done) {
  PartitionKey key{namespace_id, task_queue, kWorkflowKind};
  if (DeliverQueued(partitions_[key], identity, done)) return 0;
  ParkedPoll poll;
  poll.identity = identity;
  poll.workflow_done = std::move(done);
  return Park(std::move(key), std::move(poll), wait);
}

uint64_t Matcher::PollActivityTask(const std::string& namespace_id, const std::string& task_queue,
                                   std::chrono::milliseconds wait,
                                   std::function<void(PollActivityTaskResponse)> done) {
  ParkedPoll poll;
  poll.activity_done = std::move(done);
  return Park({namespace_id, task_queue, kActivityKind}, std::move(poll), wait);
}

uint64_t Matcher::Park(PartitionKey key, ParkedPoll poll, std::chrono::milliseconds wait) {
  uint64_t poll_id = next_poll_id_++;
  poll.partition = key;
  poll.timer = std::make_unique<asio::steady_timer>(executor_);
  poll.timer->expires_after(std::clamp(wait, std::chrono::milliseconds(0), options_.long_poll_max));
  poll.timer->async_wait([this, poll_id](const std::error_code& error) {
    if (!error) Expire(poll_id);
  });
  partitions_[key].polls.push_back(poll_id);
  polls_.emplace(poll_id, std::move(poll));
  return poll_id;
}

void Matcher::Expire(uint64_t poll_id) {
  auto parked = polls_.find(poll_id);
  if (parked == polls_.end()) return;
  ParkedPoll poll = std::move(parked->second);
  polls_.erase(parked);
  auto& waiting = partitions_[poll.partition].polls;
  waiting.erase(std::remove(waiting.begin(), waiting.end(), poll_id), waiting.end());
  if (poll.workflow_done) poll.workflow_done(PollWorkflowTaskResponse());
  if (poll.activity_done) poll.activity_done(PollActivityTaskResponse());
}

void Matcher::CancelPoll(uint64_t poll_id) {
  auto parked = polls_.find(poll_id);
  if (parked == polls_.end()) return;
  parked->second.timer->cancel();
  Expire(poll_id);
}

void Matcher::CancelAll() {
  std::vector<uint64_t> ids;
  for (const auto& [poll_id, poll] : polls_) ids.push_back(poll_id);
  for (uint64_t poll_id : ids) CancelPoll(poll_id);
}

size_t Matcher::BacklogSize(const std::string& namespace_id, const std::string& task_queue) const {
  auto it = partitions_.find({namespace_id, task_queue, kWorkflowKind});
  return it == partitions_.end() ? 0 : it->second.tasks.size();
}

}  // namespace hdo::matching
