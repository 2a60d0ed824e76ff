// The worker heartbeats the SDKs send (RecordWorkerHeartbeat), per namespace, for ListWorkers,
// CountWorkers and DescribeWorker: the newest heartbeat of each worker instance, kept in memory
// (the reference's matching workers registry: a restart forgets them and the workers' next
// heartbeats, every minute by default, bring them back). A worker silent for `ttl` is forgotten;
// above `max_entries` the longest silent ones go first.
//
// Owner: src/matching. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "temporal/api/worker/v1/message.pb.h"

namespace hdo::matching {

class WorkerRegistry {
 public:
  using Clock = std::chrono::steady_clock;
  using Heartbeat = temporal::api::worker::v1::WorkerHeartbeat;

  struct Options {
    std::chrono::seconds ttl = std::chrono::hours(24);  // the reference's entry TTL
    size_t max_entries = 100'000;
  };

  WorkerRegistry() : WorkerRegistry(Options{}) {}
  explicit WorkerRegistry(Options options) : options_(options) {}

  // Each heartbeat replaces its instance's previous one (by worker_instance_key).
  void Record(const std::string& namespace_id, const std::vector<Heartbeat>& heartbeats,
              Clock::time_point now = Clock::now());

  // The namespace's workers that `matches` accepts, ordered by worker_instance_key, from the
  // first key after `after` (empty: from the start), at most `limit` (0: all).
  std::vector<Heartbeat> List(const std::string& namespace_id,
                              const std::function<bool(const Heartbeat&)>& matches,
                              const std::string& after = "", size_t limit = 0,
                              Clock::time_point now = Clock::now());

  std::optional<Heartbeat> Find(const std::string& namespace_id, const std::string& instance_key,
                                Clock::time_point now = Clock::now());

  size_t Size() const;

 private:
  using Order = std::list<std::pair<std::string, std::string>>;  // oldest first: (ns, key)
  struct Entry {
    Heartbeat heartbeat;
    Clock::time_point seen;
    Order::iterator order;
  };
  void EvictLocked(Clock::time_point now);

  Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, Entry>> namespaces_;
  Order order_;
  size_t size_ = 0;
};

}  // namespace hdo::matching
