// hugo::WorkflowExecutionContext: a workflow run's identity (namespace, workflow id, run id, task
// queue, schedule id/group), a Lamport logical clock and a replay counter (Hugo's
// WorkflowExecutionContext), producing WorkflowVisibilityRecord snapshots for the visibility store
// and the workflow.* metrics. There is no ambient (async-local) context in C++: pass it explicitly.
//
// Differences from Hugo, on purpose (research note §6.12): a completion that loses the race does
// not tick the clock, and Complete on a completed context returns error.validation instead of
// throwing.
//
// Owner: whoever runs the workflow. Thread safety: every member is thread-safe (the clock and the
// counters are atomics; completion is a compare-and-swap).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "hugo/clock.h"
#include "hugo/diagnostics.h"
#include "hugo/result.h"

namespace hugo {

enum class WorkflowStatus {
  kActive = 0,
  kCompleted = 1,
  kFailed = 2,
  kCanceled = 3,
  kTerminated = 4
};

// "Active", "Completed", ... (PascalCase, as stored in Hugo's SQL examples).
std::string_view WorkflowStatusName(WorkflowStatus status);
// "active", "completed", ... (the workflow.status tag).
std::string_view WorkflowStatusTag(WorkflowStatus status);

struct WorkflowIdentity {
  std::string namespace_name;
  std::string workflow_id;
  std::string run_id;
  std::string task_queue;
  std::optional<std::string> schedule_id;
  std::optional<std::string> schedule_group;
};

using WorkflowAttributes = std::map<std::string, std::string>;

struct WorkflowVisibilityRecord {
  WorkflowIdentity identity;
  WorkflowStatus status = WorkflowStatus::kActive;
  Clock::WallTime started_at;
  std::optional<Clock::WallTime> completed_at;
  int64_t logical_clock = 0;
  int32_t replay_count = 0;
  WorkflowAttributes attributes;

  // The snake_case columns of Hugo's visibility how-to: namespace, workflow_id, run_id, status
  // (PascalCase string), task_queue, schedule_id, schedule_group, started_at, completed_at
  // (ISO-8601 or null), logical_clock, replay_count, attributes (object).
  nlohmann::json ToJson() const;
};

struct WorkflowContextOptions {
  WorkflowAttributes metadata;  // keys must not be blank; case-sensitive
  std::optional<Clock::WallTime> started_at;
  int64_t initial_logical_clock = 0;
  int32_t replay_count = 0;
};

class WorkflowExecutionContext {
 public:
  // error.validation for a blank id, a blank metadata key, or a negative clock/replay count.
  static Result<std::unique_ptr<WorkflowExecutionContext>> Create(
      WorkflowIdentity identity, std::shared_ptr<Clock> clock = Clock::System(),
      WorkflowContextOptions options = {});

  const WorkflowIdentity& Identity() const { return identity_; }
  Clock::WallTime StartedAt() const { return started_at_; }

  int64_t LogicalClock() const { return clock_value_.load(); }
  // Atomic ++; returns the new value.
  int64_t Tick() { return clock_value_.fetch_add(1) + 1; }
  // Lamport receive: max(current, remote) + 1.
  int64_t Observe(int64_t remote);
  Result<Unit> ResetLogicalClock(int64_t value);

  int32_t ReplayCount() const { return replay_count_.load(); }
  int32_t IncrementReplayCount() { return replay_count_.fetch_add(1) + 1; }

  // Hugo's WorkflowExecution.Enter: ticks the clock and records workflow.started, workflow.active
  // (+1), workflow.replay.count and workflow.logical.clock. Only the first call counts.
  void MarkStarted();

  // Completes once (Completed, Failed, Canceled or Terminated): ticks the clock, stamps
  // completed_at, records the completion metrics and returns the final record. error.validation
  // when already completed or for kActive.
  Result<WorkflowVisibilityRecord> Complete(WorkflowStatus status,
                                            std::optional<Error> error = std::nullopt,
                                            const WorkflowAttributes& attributes = {});
  bool IsCompleted() const { return status_.load() != static_cast<int>(WorkflowStatus::kActive); }

  // The current record; attributes are merged from the metadata, then error.code/error.message
  // (after a failed completion), then `attributes` (blank keys skipped).
  WorkflowVisibilityRecord SnapshotVisibility(const WorkflowAttributes& attributes = {}) const;

  // Adds workflow.namespace, workflow.id, workflow.run_id, workflow.task_queue,
  // workflow.logical_clock, workflow.replay_count, workflow.schedule_id/_group (when set) and
  // workflow.metadata.{key} to `error`.
  Error AttachError(const Error& error) const;

 private:
  WorkflowExecutionContext(WorkflowIdentity identity, std::shared_ptr<Clock> clock,
                           WorkflowContextOptions options, Clock::WallTime started_at);
  Tags MetricTags() const;

  const WorkflowIdentity identity_;
  const std::shared_ptr<Clock> clock_;
  const WorkflowAttributes metadata_;
  const Clock::WallTime started_at_;
  std::atomic<int64_t> clock_value_;
  std::atomic<int32_t> replay_count_;
  std::atomic<int> status_{static_cast<int>(WorkflowStatus::kActive)};
  std::atomic<bool> started_{false};
  mutable std::mutex mutex_;  // guards the completion details below
  std::optional<Clock::WallTime> completed_at_;
  std::optional<Error> error_;
};

}  // namespace hugo
