#include "matching/matcher.h"

#include <algorithm>
#include <vector>

namespace hdo::matching {
namespace {

constexpr int kWorkflowKind = 1;
constexpr int kActivityKind = 2;

// Every sticky queue is one label value, as the reference's matching tags them: each worker has
// its own sticky queue, and a series per worker process would grow without bound.
constexpr char kStickyTaskQueueLabel[] = "__sticky__";

// Separates a task queue from the version in the name of a version's queue.
constexpr char kVersionSeparator = '\x1f';

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Poll waits run up to the long-poll window (60 s by default): latency buckets, then coarser.
std::vector<double> PollWaitBucketsSeconds() {
  std::vector<double> buckets = metrics::LatencyBucketsSeconds();
  buckets.insert(buckets.end(), {30, 60, 90});
  return buckets;
}

}  // namespace

Matcher::Matcher(asio::any_io_executor executor, RecordWorkflowStarted record_workflow,
                 RecordActivityStarted record_activity, Options options, Now now)
    : executor_(std::move(executor)),
      record_workflow_(std::move(record_workflow)),
      record_activity_(std::move(record_activity)),
      options_(std::move(options)),
      now_(std::move(now)) {}

Matcher::~Matcher() {
  for (const auto& [key, partition] : partitions_) {
    const PartitionMetrics& metrics = partition.metrics;
    metrics.tasks.backlog_depth->Add(-static_cast<double>(partition.tasks.size()));
    if (metrics.queries.backlog_depth != nullptr) {
      metrics.queries.backlog_depth->Add(-static_cast<double>(partition.queries.size()));
    }
  }
  for (const auto& [poll_id, poll] : polls_) {
    partitions_.at(poll.partition).metrics.pollers_waiting->Add(-1);
  }
}

std::string Matcher::VersionedQueue(const std::string& task_queue, const std::string& version) {
  if (version.empty()) return task_queue;
  std::string queue;
  queue.reserve(task_queue.size() + 1 + version.size());
  queue.append(task_queue).push_back(kVersionSeparator);
  queue.append(version);
  return queue;
}

std::string Matcher::BaseQueue(const std::string& queue) {
  const size_t separator = queue.find(kVersionSeparator);
  return separator == std::string::npos ? queue : queue.substr(0, separator);
}

Matcher::PartitionKey Matcher::Routed(const PartitionKey& key, const Task& task) const {
  if (!options_.route || task.sticky) return key;
  const auto& [namespace_id, task_queue, kind] = key;
  std::string version = options_.route(namespace_id, task_queue, kind == kWorkflowKind, task);
  if (version.empty()) return key;
  return {namespace_id, VersionedQueue(task_queue, version), kind};
}

Matcher::Partition& Matcher::PartitionFor(const PartitionKey& key, bool sticky) {
  auto [it, inserted] = partitions_.try_emplace(key);
  if (inserted) it->second.metrics = MakeMetrics(key, sticky);
  return it->second;
}

Matcher::PartitionMetrics Matcher::MakeMetrics(const PartitionKey& key, bool sticky) const {
  const auto& [namespace_id, task_queue, kind] = key;
  std::string namespace_name =
      options_.namespace_name_of ? options_.namespace_name_of(namespace_id) : std::string();
  if (namespace_name.empty()) namespace_name = namespace_id;
  const std::string queue_label = sticky ? kStickyTaskQueueLabel : BaseQueue(task_queue);
  metrics::Registry& registry = *options_.registry;
  auto labels = [&](const char* task_type) {
    return metrics::Labels{
        {"namespace", namespace_name}, {"task_queue", queue_label}, {"task_type", task_type}};
  };
  auto task_metrics = [&](const char* task_type) {
    const metrics::Labels task_labels = labels(task_type);
    TaskMetrics task;
    task.added = registry.GetCounter("hdo_matching_tasks_added_total",
                                     "Tasks added to a task queue.", task_labels);
    task.sync_match = registry.GetCounter(
        "hdo_matching_sync_match_total",
        "Tasks handed to a poller that was already waiting (sync match).", task_labels);
    task.backlog_match =
        registry.GetCounter("hdo_matching_backlog_match_total",
                            "Tasks handed to a poller after waiting in the queue.", task_labels);
    task.backlog_depth = registry.GetGauge("hdo_matching_backlog_depth",
                                           "Tasks waiting in the queue now.", task_labels);
    task.dispatch_latency =
        registry.GetHistogram("hdo_matching_task_dispatch_latency_seconds",
                              "Time from a task being added to its hand-off to a poller.",
                              metrics::LatencyBucketsSeconds(), task_labels);
    return task;
  };
  const char* task_type = kind == kWorkflowKind ? "Workflow" : "Activity";
  PartitionMetrics partition;
  partition.tasks = task_metrics(task_type);
  if (kind == kWorkflowKind) partition.queries = task_metrics("Query");
  partition.pollers_waiting = registry.GetGauge(
      "hdo_matching_pollers_waiting", "Polls parked waiting for a task now.", labels(task_type));
  partition.rate_limited = registry.GetCounter(
      "hdo_matching_rate_limited_total",
      "Tasks queued although a poller was waiting: held back by the queue's dispatch rate limit.",
      labels(task_type));
  auto poll_wait = [&](const char* outcome) {
    metrics::Labels poll_labels = labels(task_type);
    poll_labels.emplace_back("outcome", outcome);
    return registry.GetHistogram(
        "hdo_matching_poll_wait_seconds",
        "Time a poll waited until it got a task (outcome=task) or its window ended (empty).",
        PollWaitBucketsSeconds(), poll_labels);
  };
  partition.poll_wait_task = poll_wait("task");
  partition.poll_wait_empty = poll_wait("empty");
  return partition;
}

bool Matcher::AddWorkflowTask(const std::string& task_queue, Task task) {
  const PartitionKey key = Routed({task.namespace_id, task_queue, kWorkflowKind}, task);
  return Add(key, std::move(task), false);
}

bool Matcher::AddActivityTask(const std::string& task_queue, Task task) {
  const PartitionKey key = Routed({task.namespace_id, task_queue, kActivityKind}, task);
  return Add(key, std::move(task), false);
}

void Matcher::AddQueryTask(const std::string& task_queue, Task task) {
  const PartitionKey key = Routed({task.namespace_id, task_queue, kWorkflowKind}, task);
  query_partitions_[task.query_id] = key;
  Add(key, std::move(task), true);
}

void Matcher::RemoveQuery(uint64_t query_id) {
  auto where = query_partitions_.find(query_id);
  if (where == query_partitions_.end()) return;
  Partition& partition = PartitionFor(where->second);
  auto& queries = partition.queries;
  auto removed = std::remove_if(queries.begin(), queries.end(), [query_id](const Queued& queued) {
    return queued.task.query_id == query_id;
  });
  partition.metrics.queries.backlog_depth->Add(-static_cast<double>(queries.end() - removed));
  queries.erase(removed, queries.end());
  query_partitions_.erase(where);
}

bool Matcher::Offer(Partition& partition, const Queued& queued, bool query, ParkedPoll& poll) {
  poll.poller.poll_request_id = "poll-" + std::to_string(next_poll_id_++);
  // Observed before `done`, which may end the poll's life.
  auto observe = [&] {
    PartitionMetrics& metrics = partition.metrics;
    TaskMetrics& task = query ? metrics.queries : metrics.tasks;
    task.dispatch_latency->Observe(SecondsSince(queued.added));
    metrics.poll_wait_task->Observe(SecondsSince(poll.started));
  };
  if (poll.workflow_done) {
    auto started = record_workflow_(queued.task, poll.poller);
    if (started.IsFailure()) return false;
    observe();
    auto done = std::move(poll.workflow_done);
    poll.workflow_done = nullptr;
    done(std::move(started).Value());
    return true;
  }
  auto started = record_activity_(queued.task, poll.poller);
  if (started.IsFailure()) return false;
  observe();
  auto done = std::move(poll.activity_done);
  poll.activity_done = nullptr;
  done(std::move(started).Value());
  return true;
}

bool Matcher::Add(const PartitionKey& key, Task task, bool query) {
  Partition& partition = PartitionFor(key);
  TaskMetrics& metrics = query ? partition.metrics.queries : partition.metrics.tasks;
  Queued queued{std::move(task), std::chrono::steady_clock::now()};
  // Sync match: hand the task to the oldest parked poller that history lets start it. Not while
  // the rate limit has no token, nor ahead of tasks queued for one (queries skip the limit).
  while (!partition.polls.empty() &&
         (query || (partition.tasks.empty() && DispatchReady(partition)))) {
    auto parked = FrontLivePoll(partition);
    if (parked == polls_.end()) break;
    metrics.added->Add();
    if (!query) partition.added_rate.Record(queued.added);
    if (!Offer(partition, queued, query, parked->second)) {
      // Refused (stale task): the poller stays parked for the next one.
      if (query) query_partitions_.erase(queued.task.query_id);
      return true;
    }
    if (!query) DispatchTaken(partition, queued.added);
    metrics.sync_match->Add();
    Unpark(partition, parked);
    if (query) query_partitions_.erase(queued.task.query_id);
    return true;
  }
  if (query) {
    partition.queries.push_back(std::move(queued));
  } else {
    if (partition.tasks.size() >= options_.backlog_max) return false;
    // A poller waits and the task is queued anyway: the rate limit holds it (or the tasks ahead
    // of it, which wait for their tokens).
    if (!partition.polls.empty()) partition.metrics.rate_limited->Add();
    partition.added_rate.Record(queued.added);
    partition.tasks.push_back(std::move(queued));
    ArmDispatch(key, partition);  // parked polls wait for the rate limit's next token
  }
  metrics.added->Add();
  metrics.backlog_depth->Add(1);
  return true;
}

std::optional<Matcher::ClaimedPoll> Matcher::ClaimWorkflowPoll(const std::string& task_queue,
                                                               const Task& task) {
  return Claim(Routed({task.namespace_id, task_queue, kWorkflowKind}, task));
}

std::optional<Matcher::ClaimedPoll> Matcher::ClaimActivityPoll(const std::string& task_queue,
                                                               const Task& task) {
  return Claim(Routed({task.namespace_id, task_queue, kActivityKind}, task));
}

void Matcher::RoutingChanged(const std::string& namespace_id) {
  if (!options_.route) return;
  // Every queued task whose routing now names another queue moves there (in queue order), then
  // meets that queue's parked polls as a new task would.
  std::vector<std::pair<PartitionKey, Queued>> moved;
  for (auto it = partitions_.lower_bound({namespace_id, std::string(), 0});
       it != partitions_.end() && std::get<0>(it->first) == namespace_id; ++it) {
    const auto& [ns, queue, kind] = it->first;
    Partition& partition = it->second;
    if (partition.tasks.empty()) continue;
    const PartitionKey base{ns, BaseQueue(queue), kind};
    for (auto task = partition.tasks.begin(); task != partition.tasks.end();) {
      PartitionKey target = Routed(base, task->task);
      if (target == it->first) {
        ++task;
        continue;
      }
      moved.emplace_back(std::move(target), std::move(*task));
      task = partition.tasks.erase(task);
      partition.metrics.tasks.backlog_depth->Add(-1);
    }
  }
  for (auto& [key, queued] : moved) Add(key, std::move(queued.task), false);
}

std::optional<Matcher::ClaimedPoll> Matcher::Claim(const PartitionKey& key) {
  auto found = partitions_.find(key);
  if (found == partitions_.end()) return std::nullopt;
  Partition& partition = found->second;
  // A parked poll means nothing is queued here (a poll takes queued tasks and queries first),
  // unless queued tasks wait for the rate limit's token: then the new task queues behind them.
  if (!partition.tasks.empty() || !DispatchReady(partition)) return std::nullopt;
  auto parked = FrontLivePoll(partition);
  if (parked == polls_.end()) return std::nullopt;
  ParkedPoll poll = std::move(parked->second);
  partition.polls.pop_front();
  polls_.erase(parked);
  poll.timer->cancel();
  PartitionMetrics& metrics = partition.metrics;
  metrics.pollers_waiting->Add(-1);
  const auto now = std::chrono::steady_clock::now();
  DispatchTaken(partition, now);
  partition.added_rate.Record(now);
  metrics.tasks.added->Add();
  metrics.tasks.sync_match->Add();
  metrics.tasks.dispatch_latency->Observe(0);
  metrics.poll_wait_task->Observe(SecondsSince(poll.started));
  poll.poller.poll_request_id = "poll-" + std::to_string(next_poll_id_++);
  return ClaimedPoll{std::move(poll.poller), std::move(poll.workflow_done),
                     std::move(poll.activity_done)};
}

bool Matcher::DeliverQueued(Partition& partition, ParkedPoll& poll) {
  PartitionMetrics& metrics = partition.metrics;
  while (!partition.queries.empty()) {
    Queued queued = std::move(partition.queries.front());
    partition.queries.pop_front();
    metrics.queries.backlog_depth->Add(-1);
    query_partitions_.erase(queued.task.query_id);
    if (Offer(partition, queued, true, poll)) {
      metrics.queries.backlog_match->Add();
      return true;
    }
  }
  while (!partition.tasks.empty() && DispatchReady(partition)) {
    Queued queued = std::move(partition.tasks.front());
    partition.tasks.pop_front();
    metrics.tasks.backlog_depth->Add(-1);
    if (Offer(partition, queued, false, poll)) {
      DispatchTaken(partition);
      metrics.tasks.backlog_match->Add();
      return true;
    }
  }
  return false;
}

uint64_t Matcher::PollWorkflowTask(const std::string& namespace_id, Poller poller,
                                   std::chrono::milliseconds wait,
                                   std::function<void(PollWorkflowTaskResponse)> done) {
  ParkedPoll poll;
  poll.started = std::chrono::steady_clock::now();
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
  poll.started = std::chrono::steady_clock::now();
  poll.partition = {namespace_id, poller.task_queue, kActivityKind};
  poll.poller = std::move(poller);
  poll.activity_done = std::move(done);
  PartitionKey key = poll.partition;
  return Poll(std::move(key), std::move(poll), wait);
}

uint64_t Matcher::Poll(PartitionKey key, ParkedPoll poll, std::chrono::milliseconds wait) {
  // A rate set through the API for the queue holds on its versions' queues too.
  std::optional<double> configured;
  if (std::get<2>(key) == kActivityKind && !configured_rates_.empty()) {
    auto found = configured_rates_.find({std::get<0>(key), std::get<1>(key)});
    if (found != configured_rates_.end()) configured = found->second;
  }
  // A versioned worker polls its version's queue (its sticky queue is its own).
  if (!poll.poller.sticky && !poll.poller.version.empty()) {
    std::get<1>(key) = VersionedQueue(std::get<1>(key), poll.poller.version);
    poll.partition = key;
  }
  Partition& partition = PartitionFor(key, poll.poller.sticky);
  partition.last_poll = std::chrono::steady_clock::now();
  partition.unloaded = false;
  RecordPoller(partition, poll.poller);
  if (std::get<2>(key) == kActivityKind) {
    partition.worker_rate = poll.poller.max_tasks_per_second;
    SetDispatchRate(key, partition, configured.has_value() ? configured : partition.worker_rate);
  }
  if (!poll.poller.worker_instance_key.empty() && !shut_down_workers_.empty() &&
      shut_down_workers_.count({std::get<0>(key), poll.poller.worker_instance_key}) != 0) {
    // From a worker instance that has shut down (sent before its ShutdownWorker): empty at once.
    if (poll.workflow_done) poll.workflow_done(PollWorkflowTaskResponse());
    if (poll.activity_done) poll.activity_done(PollActivityTaskResponse());
    return 0;
  }
  if (poll.poller.Gone()) {
    // Cancelled before it could wait: answered empty (to nobody), holding no task.
    if (poll.workflow_done) poll.workflow_done(PollWorkflowTaskResponse());
    if (poll.activity_done) poll.activity_done(PollActivityTaskResponse());
    return 0;
  }
  if (DeliverQueued(partition, poll)) return 0;
  uint64_t poll_id = next_poll_id_++;
  poll.timer = std::make_unique<asio::steady_timer>(executor_);
  poll.timer->expires_after(std::clamp(wait, std::chrono::milliseconds(0), options_.long_poll_max));
  poll.timer->async_wait([this, poll_id](const std::error_code& error) {
    if (!error) Expire(poll_id);
  });
  partition.polls.push_back(poll_id);
  partition.metrics.pollers_waiting->Add(1);
  polls_.emplace(poll_id, std::move(poll));
  ArmDispatch(key, partition);  // queued tasks left: they wait for the rate limit's next token
  return poll_id;
}

bool Matcher::DispatchReady(Partition& partition) {
  return !partition.rate.has_value() || partition.rate->Ready(std::chrono::steady_clock::now());
}

void Matcher::DispatchTaken(Partition& partition, std::chrono::steady_clock::time_point now) {
  if (partition.rate.has_value()) partition.rate->Take(now);
  partition.dispatched_rate.Record(now);
}

void Matcher::SetDispatchRate(const PartitionKey& key, Partition& partition,
                              std::optional<double> rate) {
  if (!rate.has_value() && !partition.rate.has_value()) return;
  if (rate.has_value() && partition.rate.has_value() && partition.rate->rate() == *rate) return;
  auto now = std::chrono::steady_clock::now();
  if (!rate.has_value()) {
    partition.rate.reset();
  } else if (partition.rate.has_value()) {
    partition.rate->SetRate(*rate, now);
  } else {
    partition.rate.emplace(*rate, now);
  }
  // The next token may come sooner (or never): the timer is set again for the new rate, and
  // without a limit the queued tasks go to the parked polls now.
  partition.dispatch_at = std::chrono::steady_clock::time_point::max();
  if (partition.dispatch_timer != nullptr) partition.dispatch_timer->cancel();
  if (!partition.rate.has_value()) {
    DispatchQueued(key);
  } else {
    ArmDispatch(key, partition);
  }
}

void Matcher::ArmDispatch(const PartitionKey& key, Partition& partition) {
  if (!partition.rate.has_value() || partition.tasks.empty() || partition.polls.empty()) return;
  auto at = partition.rate->NextReady(std::chrono::steady_clock::now());
  // Rate 0 hands nothing out until a poll sets another rate (which arms the timer again).
  if (at == std::chrono::steady_clock::time_point::max() || partition.dispatch_at <= at) return;
  if (partition.dispatch_timer == nullptr) {
    partition.dispatch_timer = std::make_unique<asio::steady_timer>(executor_);
  }
  partition.dispatch_at = at;
  partition.dispatch_timer->expires_at(at);
  partition.dispatch_timer->async_wait([this, key](const std::error_code& error) {
    if (!error) DispatchQueued(key);
  });
}

void Matcher::DispatchQueued(const PartitionKey& key) {
  auto found = partitions_.find(key);
  if (found == partitions_.end()) return;
  Partition& partition = found->second;
  partition.dispatch_at = std::chrono::steady_clock::time_point::max();
  // The oldest parked polls take the oldest queued tasks, one token each.
  while (!partition.tasks.empty() && !partition.polls.empty() && DispatchReady(partition)) {
    auto parked = FrontLivePoll(partition);
    if (parked == polls_.end()) break;
    Queued queued = std::move(partition.tasks.front());
    partition.tasks.pop_front();
    partition.metrics.tasks.backlog_depth->Add(-1);
    if (!Offer(partition, queued, false, parked->second)) continue;  // stale: dropped
    DispatchTaken(partition);
    partition.metrics.tasks.backlog_match->Add();
    Unpark(partition, parked);
  }
  ArmDispatch(key, partition);
}

Matcher::ParkedPollMap::iterator Matcher::FrontLivePoll(Partition& partition) {
  while (!partition.polls.empty()) {
    uint64_t poll_id = partition.polls.front();
    auto parked = polls_.find(poll_id);
    if (parked == polls_.end()) {
      partition.polls.pop_front();
      continue;
    }
    if (parked->second.poller.Gone()) {
      CancelPoll(poll_id);  // its client went away: its cancel is still on the way
      continue;
    }
    return parked;
  }
  return polls_.end();
}

void Matcher::Unpark(Partition& partition, ParkedPollMap::iterator parked) {
  partition.polls.pop_front();
  partition.metrics.pollers_waiting->Add(-1);
  parked->second.timer->cancel();
  polls_.erase(parked);
}

Matcher::QueueStats Matcher::Stats(const std::string& namespace_id, const std::string& task_queue,
                                   bool workflow) const {
  QueueStats stats;
  auto it = partitions_.find({namespace_id, task_queue, workflow ? kWorkflowKind : kActivityKind});
  if (it == partitions_.end()) return stats;
  const Partition& partition = it->second;
  const auto now = std::chrono::steady_clock::now();
  stats.backlog = static_cast<int64_t>(partition.tasks.size());
  if (!partition.tasks.empty()) {
    stats.backlog_age =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - partition.tasks.front().added);
  }
  stats.add_rate = partition.added_rate.Rate(now);
  stats.dispatch_rate = partition.dispatched_rate.Rate(now);
  stats.dispatch_limit = partition.rate.has_value() ? partition.rate->rate() : kDefaultPollerRate;
  return stats;
}

std::optional<double> Matcher::ActivityDispatchRate(const std::string& namespace_id,
                                                    const std::string& task_queue) const {
  auto it = partitions_.find({namespace_id, task_queue, kActivityKind});
  if (it == partitions_.end() || !it->second.rate.has_value()) return std::nullopt;
  return it->second.rate->rate();
}

void Matcher::SetConfiguredRate(const std::string& namespace_id, const std::string& task_queue,
                                std::optional<double> rate) {
  if (rate.has_value()) {
    configured_rates_[{namespace_id, task_queue}] = *rate;
  } else {
    configured_rates_.erase({namespace_id, task_queue});
  }
  // Partitions polled already take it now; versioned ones ("<queue>/<version>" keys) at their
  // next poll.
  const PartitionKey key{namespace_id, task_queue, kActivityKind};
  auto found = partitions_.find(key);
  if (found == partitions_.end()) return;
  SetDispatchRate(key, found->second, rate.has_value() ? rate : found->second.worker_rate);
}

Matcher::EffectiveRate Matcher::ActivityEffectiveRate(const std::string& namespace_id,
                                                      const std::string& task_queue) const {
  EffectiveRate effective;
  auto configured = configured_rates_.find({namespace_id, task_queue});
  if (configured != configured_rates_.end()) {
    effective.rate = configured->second;
    effective.source = RateSource::kApi;
    return effective;
  }
  auto found = partitions_.find({namespace_id, task_queue, kActivityKind});
  if (found != partitions_.end() && found->second.worker_rate.has_value()) {
    effective.rate = *found->second.worker_rate;
    effective.source = RateSource::kWorker;
  }
  return effective;
}

void Matcher::Expire(uint64_t poll_id) {
  auto parked = polls_.find(poll_id);
  if (parked == polls_.end()) return;
  ParkedPoll poll = std::move(parked->second);
  polls_.erase(parked);
  Partition& partition = PartitionFor(poll.partition);
  auto& waiting = partition.polls;
  waiting.erase(std::remove(waiting.begin(), waiting.end(), poll_id), waiting.end());
  partition.metrics.pollers_waiting->Add(-1);
  partition.metrics.poll_wait_empty->Observe(SecondsSince(poll.started));
  // The poller was there until now: its liveness counts from the end of the poll.
  if (!partition.unloaded) partition.last_poll = std::chrono::steady_clock::now();
  RecordPoller(partition, poll.poller);
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

void Matcher::CompleteWorkerPolls(const std::string& namespace_id,
                                  const std::string& worker_instance_key) {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(shut_down_workers_,
                [&](const auto& entry) { return now - entry.second >= options_.shutdown_memory; });
  shut_down_workers_[{namespace_id, worker_instance_key}] = now;
  std::vector<uint64_t> ids;
  for (const auto& [poll_id, poll] : polls_) {
    if (std::get<0>(poll.partition) == namespace_id &&
        poll.poller.worker_instance_key == worker_instance_key) {
      ids.push_back(poll_id);
    }
  }
  for (uint64_t poll_id : ids) CancelPoll(poll_id);
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
  const int kind = workflow ? kWorkflowKind : kActivityKind;
  const int64_t now = now_().seconds();
  const int64_t window =
      std::chrono::duration_cast<std::chrono::seconds>(options_.poller_history).count();
  auto collect = [&](const Partition& partition) {
    for (const auto& [identity, seen] : partition.pollers) {
      if (now - seen.last_access_time.seconds() <= window) pollers.push_back(seen);
    }
  };
  auto it = partitions_.find({namespace_id, task_queue, kind});
  if (it != partitions_.end()) collect(it->second);
  // The versions' queues: named "<task queue>\x1f<version>", right after the queue in key order.
  const std::string prefix = task_queue + kVersionSeparator;
  for (auto v = partitions_.lower_bound({namespace_id, prefix, 0});
       v != partitions_.end() && std::get<0>(v->first) == namespace_id &&
       std::get<1>(v->first).compare(0, prefix.size(), prefix) == 0;
       ++v) {
    if (std::get<2>(v->first) == kind) collect(v->second);
  }
  return pollers;
}

void Matcher::RecordPoller(Partition& partition, const Poller& poller) {
  PollerInfo& seen = partition.pollers[poller.identity];
  seen.identity = poller.identity;
  seen.version = poller.version;
  seen.build_id = poller.build_id;
  seen.has_capabilities = poller.has_capabilities;
  seen.capabilities_build_id = poller.capabilities_build_id;
  seen.capabilities_use_versioning = poller.capabilities_use_versioning;
  seen.capabilities_deployment_series = poller.capabilities_deployment_series;
  seen.last_access_time = now_();
  seen.rate_per_second = poller.max_tasks_per_second.value_or(kDefaultPollerRate);
}

size_t Matcher::BacklogSize(const std::string& namespace_id, const std::string& task_queue) const {
  auto it = partitions_.find({namespace_id, task_queue, kWorkflowKind});
  return it == partitions_.end() ? 0 : it->second.tasks.size();
}

std::vector<Matcher::Backlog> Matcher::Backlogs() const {
  std::vector<Backlog> backlogs;
  for (const auto& [key, partition] : partitions_) {
    if (partition.tasks.empty()) continue;
    const auto& [namespace_id, task_queue, kind] = key;
    backlogs.push_back({namespace_id, task_queue, kind == kWorkflowKind, partition.tasks.size()});
  }
  return backlogs;
}

void Matcher::DropQueuedTasks() {
  for (auto& [key, partition] : partitions_) {
    partition.metrics.tasks.backlog_depth->Add(-static_cast<double>(partition.tasks.size()));
    partition.tasks.clear();
  }
}

}  // namespace hdo::matching
