#include "matching/matcher.h"

#include <algorithm>
#include <vector>

namespace hdo::matching {
namespace {

constexpr int kWorkflowKind = 1;
constexpr int kActivityKind = 2;

}  // namespace

Matcher::Matcher(asio::any_io_executor executor, RecordWorkflowStarted record_workflow,
                 RecordActivityStarted record_activity, Options options, Now now)
    : executor_(std::move(executor)),
      record_workflow_(std::move(record_workflow)),
      record_activity_(std::move(record_activity)),
      options_(options),
      now_(std::move(now)) {}

bool Matcher::AddWorkflowTask(const std::string& task_queue, Task task) {
  const PartitionKey key{task.namespace_id, task_queue, kWorkflowKind};
  return Add(key, std::move(task), false);
}

bool Matcher::AddActivityTask(const std::string& task_queue, Task task) {
  const PartitionKey key{task.namespace_id, task_queue, kActivityKind};
  return Add(key, std::move(task), false);
}

void Matcher::AddQueryTask(const std::string& task_queue, Task task) {
  const PartitionKey key{task.namespace_id, task_queue, kWorkflowKind};
  query_partitions_[task.query_id] = key;
  Add(key, std::move(task), true);
}

void Matcher::RemoveQuery(uint64_t query_id) {
  auto where = query_partitions_.find(query_id);
  if (where == query_partitions_.end()) return;
  auto& queries = partitions_[where->second].queries;
  queries.erase(std::remove_if(queries.begin(), queries.end(),
                               [query_id](const Task& task) { return task.query_id == query_id; }),
                queries.end());
  query_partitions_.erase(where);
}

bool Matcher::Offer(const Task& task, ParkedPoll& poll) {
  poll.poller.poll_request_id = "poll-" + std::to_string(next_poll_id_++);
  if (poll.workflow_done) {
    auto started = record_workflow_(task, poll.poller);
    if (started.IsFailure()) return false;
    auto done = std::move(poll.workflow_done);
    poll.workflow_done = nullptr;
    done(std::move(started).Value());
    return true;
  }
  auto started = record_activity_(task, poll.poller);
  if (started.IsFailure()) return false;
  auto done = std::move(poll.activity_done);
  poll.activity_done = nullptr;
  done(std::move(started).Value());
  return true;
}

bool Matcher::Add(const PartitionKey& key, Task task, bool query) {
  Partition& partition = partitions_[key];
  // Sync match: hand the task to the oldest parked poller that history lets start it.
  while (!partition.polls.empty()) {
    uint64_t poll_id = partition.polls.front();
    auto parked = polls_.find(poll_id);
    if (parked == polls_.end()) {
      partition.polls.pop_front();
      continue;
    }
    if (!Offer(task, parked->second)) {
      // Refused (stale task): the poller stays parked for the next one.
      if (query) query_partitions_.erase(task.query_id);
      return true;
    }
    partition.polls.pop_front();
    parked->second.timer->cancel();
    polls_.erase(parked);
    if (query) query_partitions_.erase(task.query_id);
    return true;
  }
  if (query) {
    partition.queries.push_back(std::move(task));
    return true;
  }
  if (partition.tasks.size() >= options_.backlog_max) return false;
  partition.tasks.push_back(std::move(task));
  return true;
}

bool Matcher::DeliverQueued(Partition& partition, ParkedPoll& poll) {
  while (!partition.queries.empty()) {
    Task task = std::move(partition.queries.front());
    partition.queries.pop_front();
    query_partitions_.erase(task.query_id);
    if (Offer(task, poll)) return true;
  }
  while (!partition.tasks.empty()) {
    Task task = std::move(partition.tasks.front());
    partition.tasks.pop_front();
    if (Offer(task, poll)) return true;
  }
  return false;
}

uint64_t Matcher::PollWorkflowTask(const std::string& namespace_id, Poller poller,
                                   std::chrono::milliseconds wait,
                                   std::function<void(PollWorkflowTaskResponse)> done) {
  ParkedPoll poll;
  poll.partition = {namespace_id, poller.task_queue, kWorkflowKind};
  poll.poller = std::move(poller);
  poll.workflow_done = std::move(done);
  PartitionKey key = poll.partition;
  return Poll(std::move(key), std::move(poll), wait);
}

uint64_t Matcher::PollActivityTask(const std::string& namespace_id, Poller poller,
                                   std::chrono::milliseconds wait,
                                   std::function<void(PollActivityTaskResponse)> done) {
  ParkedPoll poll;
  poll.partition = {namespace_id, poller.task_queue, kActivityKind};
  poll.poller = std::move(poller);
  poll.activity_done = std::move(done);
  PartitionKey key = poll.partition;
  return Poll(std::move(key), std::move(poll), wait);
}

uint64_t Matcher::Poll(PartitionKey key, ParkedPoll poll, std::chrono::milliseconds wait) {
  Partition& partition = partitions_[key];
  partition.last_poll = std::chrono::steady_clock::now();
  partition.unloaded = false;
  partition.pollers[poll.poller.identity] = now_();
  if (DeliverQueued(partition, poll)) return 0;
  uint64_t poll_id = next_poll_id_++;
  poll.timer = std::make_unique<asio::steady_timer>(executor_);
  poll.timer->expires_after(std::clamp(wait, std::chrono::milliseconds(0), options_.long_poll_max));
  poll.timer->async_wait([this, poll_id](const std::error_code& error) {
    if (!error) Expire(poll_id);
  });
  partition.polls.push_back(poll_id);
  polls_.emplace(poll_id, std::move(poll));
  return poll_id;
}

void Matcher::Expire(uint64_t poll_id) {
  auto parked = polls_.find(poll_id);
  if (parked == polls_.end()) return;
  ParkedPoll poll = std::move(parked->second);
  polls_.erase(parked);
  Partition& partition = partitions_[poll.partition];
  auto& waiting = partition.polls;
  waiting.erase(std::remove(waiting.begin(), waiting.end(), poll_id), waiting.end());
  // The poller was there until now: its liveness counts from the end of the poll.
  if (!partition.unloaded) partition.last_poll = std::chrono::steady_clock::now();
  partition.pollers[poll.poller.identity] = now_();
  if (poll.workflow_done) poll.workflow_done(PollWorkflowTaskResponse());
  if (poll.activity_done) poll.activity_done(PollActivityTaskResponse());
}

void Matcher::CancelPoll(uint64_t poll_id) {
  auto parked = polls_.find(poll_id);
  if (parked == polls_.end()) return;
  parked->second.timer->cancel();
  Expire(poll_id);
}

void Matcher::UnloadSticky(const std::string& namespace_id, const std::string& sticky_queue) {
  auto it = partitions_.find({namespace_id, sticky_queue, kWorkflowKind});
  if (it == partitions_.end()) return;
  it->second.unloaded = true;
  std::vector<uint64_t> parked(it->second.polls.begin(), it->second.polls.end());
  for (uint64_t poll_id : parked) CancelPoll(poll_id);
  it->second.last_poll = {};
}

bool Matcher::StickyAlive(const std::string& namespace_id, const std::string& sticky_queue) const {
  auto it = partitions_.find({namespace_id, sticky_queue, kWorkflowKind});
  if (it == partitions_.end() || it->second.unloaded) return false;
  if (!it->second.polls.empty()) return true;
  return std::chrono::steady_clock::now() - it->second.last_poll < options_.sticky_liveness;
}

void Matcher::CancelAll() {
  std::vector<uint64_t> ids;
  for (const auto& [poll_id, poll] : polls_) ids.push_back(poll_id);
  for (uint64_t poll_id : ids) CancelPoll(poll_id);
}

std::vector<Matcher::PollerInfo> Matcher::Pollers(const std::string& namespace_id,
                                                  const std::string& task_queue,
                                                  bool workflow) const {
  std::vector<PollerInfo> pollers;
  auto it = partitions_.find({namespace_id, task_queue, workflow ? kWorkflowKind : kActivityKind});
  if (it == partitions_.end()) return pollers;
  const int64_t now = now_().seconds();
  const int64_t window =
      std::chrono::duration_cast<std::chrono::seconds>(options_.poller_history).count();
  for (const auto& [identity, seen] : it->second.pollers) {
    if (now - seen.seconds() <= window) pollers.push_back({identity, seen});
  }
  return pollers;
}

size_t Matcher::BacklogSize(const std::string& namespace_id, const std::string& task_queue) const {
  auto it = partitions_.find({namespace_id, task_queue, kWorkflowKind});
  return it == partitions_.end() ? 0 : it->second.tasks.size();
}

void Matcher::DropQueuedTasks() {
  for (auto& [key, partition] : partitions_) partition.tasks.clear();
}

}  // namespace hdo::matching
