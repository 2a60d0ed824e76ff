// The readiness report of GET /readyz: what the server found when it checked itself (gathered on
// the store thread by Server), and the pure function that turns it into ready / not ready and the
// JSON body. Kept apart from Server so the decision and its wording are unit-tested without a
// server.
//
// Ready means: the store answered a cheap round trip, the history shards are owned (today: the
// engine is started and not reloading after a failed commit), the most overdue due timer is at
// most timer_lag_max late, and no task queue holds more than task_backlog_max tasks (when that
// limit is set; the backlogs are always reported). docs/operations/configuration.md#health-probes.
//
// Plain values and a pure function; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hdo::server {

struct ReadinessReport {
  // Set when nothing could be checked: "starting", "stopping", or the store thread not answering
  // in time. The other fields are then ignored.
  std::string unchecked;
  // The store round trip: its error when it failed, and how long it took.
  std::optional<std::string> store_error;
  int64_t store_latency_ms = 0;
  // History shards owned by this process, of how many; why not, when not all are.
  int shards_owned = 0;
  int shards_total = 0;
  std::string shards_detail;
  // How late the most overdue due-but-unfired timer is (0: none overdue).
  int64_t timer_lag_ms = 0;
  struct QueueBacklog {
    std::string namespace_name;
    std::string task_queue;
    std::string task_type;  // "workflow" or "activity"
    int64_t tasks = 0;
  };
  // Task queues holding tasks (empty queues left out).
  std::vector<QueueBacklog> backlogs;
};

struct ReadinessLimits {
  std::chrono::milliseconds timer_lag_max = std::chrono::seconds(30);
  // 0: backlogs are informational.
  int64_t task_backlog_max = 0;
  // Queues listed in the body at most (the largest first); the rest are counted.
  size_t queues_listed_max = 100;
};

struct Readiness {
  bool ready = false;
  std::string json;  // the response body, one line
};

Readiness EvaluateReadiness(ReadinessReport report, const ReadinessLimits& limits);

}  // namespace hdo::server
