#include "server/readiness.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

namespace hdo::server {

Readiness EvaluateReadiness(ReadinessReport report, const ReadinessLimits& limits) {
  using nlohmann::json;
  if (!report.unchecked.empty()) {
    return {false, json{{"status", "not_ready"}, {"reason", report.unchecked}}.dump()};
  }
  std::vector<std::string> failing;

  json store = {{"ok", !report.store_error.has_value()}, {"latency_ms", report.store_latency_ms}};
  if (report.store_error.has_value()) {
    store["error"] = *report.store_error;
    failing.push_back("store");
  }

  const bool shards_ok = report.shards_total > 0 && report.shards_owned == report.shards_total;
  json shards = {{"ok", shards_ok}, {"owned", report.shards_owned}, {"total", report.shards_total}};
  if (!report.shards_detail.empty()) shards["detail"] = report.shards_detail;
  if (!shards_ok) failing.push_back("history_shards");

  const int64_t lag_max_ms = limits.timer_lag_max.count();
  const bool timers_ok = report.timer_lag_ms <= lag_max_ms;
  json timers = {{"ok", timers_ok}, {"lag_ms", report.timer_lag_ms}, {"lag_max_ms", lag_max_ms}};
  if (!timers_ok) failing.push_back("timer_queue");

  std::sort(report.backlogs.begin(), report.backlogs.end(), [](const auto& a, const auto& b) {
    return a.tasks != b.tasks ? a.tasks > b.tasks
                              : std::tie(a.namespace_name, a.task_queue, a.task_type) <
                                    std::tie(b.namespace_name, b.task_queue, b.task_type);
  });
  const bool backlog_ok = limits.task_backlog_max <= 0 || report.backlogs.empty() ||
                          report.backlogs.front().tasks <= limits.task_backlog_max;
  json queues = json::array();
  for (size_t i = 0; i < report.backlogs.size() && i < limits.queues_listed_max; ++i) {
    const auto& queue = report.backlogs[i];
    queues.push_back({{"namespace", queue.namespace_name},
                      {"task_queue", queue.task_queue},
                      {"task_type", queue.task_type},
                      {"tasks", queue.tasks}});
  }
  json backlog = {{"ok", backlog_ok}, {"max", limits.task_backlog_max}, {"queues", queues}};
  if (report.backlogs.size() > limits.queues_listed_max) {
    backlog["queues_not_listed"] = report.backlogs.size() - limits.queues_listed_max;
  }
  if (!backlog_ok) failing.push_back("task_backlog");

  json body = {{"status", failing.empty() ? "ready" : "not_ready"},
               {"checks",
                {{"store", store},
                 {"history_shards", shards},
                 {"timer_queue", timers},
                 {"task_backlog", backlog}}}};
  if (!failing.empty()) body["failing"] = failing;
  return {failing.empty(), body.dump()};
}

}  // namespace hdo::server
