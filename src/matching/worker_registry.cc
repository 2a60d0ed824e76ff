#include "matching/worker_registry.h"

namespace hdo::matching {

void WorkerRegistry::Record(const std::string& namespace_id,
                            const std::vector<Heartbeat>& heartbeats, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& workers = namespaces_[namespace_id];
  for (const Heartbeat& heartbeat : heartbeats) {
    auto [entry, added] = workers.try_emplace(heartbeat.worker_instance_key());
    if (added) {
      entry->second.order = order_.insert(order_.end(), {namespace_id, entry->first});
      ++size_;
    } else {
      order_.splice(order_.end(), order_, entry->second.order);
    }
    entry->second.heartbeat = heartbeat;
    entry->second.seen = now;
  }
  EvictLocked(now);
}

void WorkerRegistry::EvictLocked(Clock::time_point now) {
  while (!order_.empty()) {
    const auto& [namespace_id, key] = order_.front();
    auto workers = namespaces_.find(namespace_id);
    auto entry = workers->second.find(key);
    if (size_ <= options_.max_entries && now - entry->second.seen < options_.ttl) break;
    workers->second.erase(entry);
    if (workers->second.empty()) namespaces_.erase(workers);
    order_.pop_front();
    --size_;
  }
}

std::vector<WorkerRegistry::Heartbeat> WorkerRegistry::List(
    const std::string& namespace_id, const std::function<bool(const Heartbeat&)>& matches,
    const std::string& after, size_t limit, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  EvictLocked(now);
  std::vector<Heartbeat> found;
  auto workers = namespaces_.find(namespace_id);
  if (workers == namespaces_.end()) return found;
  auto entry = after.empty() ? workers->second.begin() : workers->second.upper_bound(after);
  for (; entry != workers->second.end(); ++entry) {
    if (!matches(entry->second.heartbeat)) continue;
    found.push_back(entry->second.heartbeat);
    if (limit != 0 && found.size() == limit) break;
  }
  return found;
}

std::optional<WorkerRegistry::Heartbeat> WorkerRegistry::Find(const std::string& namespace_id,
                                                              const std::string& instance_key,
                                                              Clock::time_point now) {
  std::lock_guard lock(mutex_);
  EvictLocked(now);
  auto workers = namespaces_.find(namespace_id);
  if (workers == namespaces_.end()) return std::nullopt;
  auto entry = workers->second.find(instance_key);
  if (entry == workers->second.end()) return std::nullopt;
  return entry->second.heartbeat;
}

size_t WorkerRegistry::Size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

}  // namespace hdo::matching
