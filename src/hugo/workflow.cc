#include "hugo/workflow.h"

#include "hugo/deterministic_store.h"

namespace hugo {
namespace {

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

Error Validation(std::string message) {
  return Error::From(std::move(message), std::string(ErrorCodes::kValidation));
}

std::optional<std::string> NullIfBlank(std::optional<std::string> s) {
  if (s && Blank(*s)) return std::nullopt;
  return s;
}

}  // namespace

std::string_view WorkflowStatusName(WorkflowStatus status) {
  switch (status) {
    case WorkflowStatus::kActive:
      return "Active";
    case WorkflowStatus::kCompleted:
      return "Completed";
    case WorkflowStatus::kFailed:
      return "Failed";
    case WorkflowStatus::kCanceled:
      return "Canceled";
    case WorkflowStatus::kTerminated:
      return "Terminated";
  }
  return "Active";
}

std::string_view WorkflowStatusTag(WorkflowStatus status) {
  switch (status) {
    case WorkflowStatus::kActive:
      return "active";
    case WorkflowStatus::kCompleted:
      return "completed";
    case WorkflowStatus::kFailed:
      return "failed";
    case WorkflowStatus::kCanceled:
      return "canceled";
    case WorkflowStatus::kTerminated:
      return "terminated";
  }
  return "active";
}

nlohmann::json WorkflowVisibilityRecord::ToJson() const {
  using nlohmann::json;
  auto optional = [](const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); };
  return json{{"namespace", identity.namespace_name},
              {"workflow_id", identity.workflow_id},
              {"run_id", identity.run_id},
              {"status", std::string(WorkflowStatusName(status))},
              {"task_queue", identity.task_queue},
              {"schedule_id", optional(identity.schedule_id)},
              {"schedule_group", optional(identity.schedule_group)},
              {"started_at", FormatIso8601(started_at)},
              {"completed_at", completed_at ? json(FormatIso8601(*completed_at)) : json(nullptr)},
              {"logical_clock", logical_clock},
              {"replay_count", replay_count},
              {"attributes", attributes}};
}

Result<std::unique_ptr<WorkflowExecutionContext>> WorkflowExecutionContext::Create(
    WorkflowIdentity identity, std::shared_ptr<Clock> clock, WorkflowContextOptions options) {
  if (Blank(identity.namespace_name) || Blank(identity.workflow_id) || Blank(identity.run_id) ||
      Blank(identity.task_queue)) {
    return Validation("Namespace, workflow id, run id and task queue must not be blank.");
  }
  for (const auto& [key, value] : options.metadata) {
    if (Blank(key)) return Validation("Workflow metadata keys must not be blank.");
  }
  if (options.initial_logical_clock < 0 || options.replay_count < 0) {
    return Validation("The logical clock and the replay count must not be negative.");
  }
  identity.schedule_id = NullIfBlank(std::move(identity.schedule_id));
  identity.schedule_group = NullIfBlank(std::move(identity.schedule_group));
  Clock::WallTime started_at = options.started_at.value_or(clock->UtcNow());
  return Result<std::unique_ptr<WorkflowExecutionContext>>::Ok(
      std::unique_ptr<WorkflowExecutionContext>(new WorkflowExecutionContext(
          std::move(identity), std::move(clock), std::move(options), started_at)));
}

WorkflowExecutionContext::WorkflowExecutionContext(WorkflowIdentity identity,
                                                   std::shared_ptr<Clock> clock,
                                                   WorkflowContextOptions options,
                                                   Clock::WallTime started_at)
    : identity_(std::move(identity)),
      clock_(std::move(clock)),
      metadata_(std::move(options.metadata)),
      started_at_(started_at),
      clock_value_(options.initial_logical_clock),
      replay_count_(options.replay_count) {}

int64_t WorkflowExecutionContext::Observe(int64_t remote) {
  int64_t current = clock_value_.load();
  int64_t next;
  do {
    next = std::max(current, remote) + 1;
  } while (!clock_value_.compare_exchange_weak(current, next));
  return next;
}

Result<Unit> WorkflowExecutionContext::ResetLogicalClock(int64_t value) {
  if (value < 0) return Validation("The logical clock must not be negative.");
  clock_value_.store(value);
  return Ok();
}

Tags WorkflowExecutionContext::MetricTags() const {
  Tags tags{{"workflow.namespace", identity_.namespace_name},
            {"workflow.id", identity_.workflow_id},
            {"workflow.run_id", identity_.run_id},
            {"workflow.task_queue", identity_.task_queue}};
  if (identity_.schedule_id) tags["workflow.schedule_id"] = *identity_.schedule_id;
  if (identity_.schedule_group) tags["workflow.schedule_group"] = *identity_.schedule_group;
  return tags;
}

void WorkflowExecutionContext::MarkStarted() {
  if (started_.exchange(true)) return;
  int64_t logical = Tick();
  Diagnostics& d = Diagnostics::Instance();
  Tags tags = MetricTags();
  d.Get("workflow.started", tags).Add(1);
  d.Get("workflow.active", tags).Add(1);
  d.Get("workflow.replay.count", tags).Record(ReplayCount());
  d.Get("workflow.logical.clock", tags).Record(static_cast<double>(logical));
}

Result<WorkflowVisibilityRecord> WorkflowExecutionContext::Complete(
    WorkflowStatus status, std::optional<Error> error, const WorkflowAttributes& attributes) {
  if (status == WorkflowStatus::kActive) return Validation("A workflow cannot complete as Active.");
  int expected = static_cast<int>(WorkflowStatus::kActive);
  if (!status_.compare_exchange_strong(expected, static_cast<int>(status))) {
    return Validation("The workflow has already completed.");
  }
  int64_t logical = Tick();
  Clock::WallTime completed_at = clock_->UtcNow();
  {
    std::lock_guard lock(mutex_);
    completed_at_ = completed_at;
    if (error) error_ = AttachError(*error);
  }
  Diagnostics& d = Diagnostics::Instance();
  Tags tags = MetricTags();
  if (started_.load()) d.Get("workflow.active", tags).Add(-1);
  Tags with_status = tags;
  with_status["workflow.status"] = std::string(WorkflowStatusTag(status));
  d.Get(std::string("workflow.") + std::string(WorkflowStatusTag(status)), with_status).Add(1);
  d.Get("workflow.replay.count", with_status).Record(ReplayCount());
  d.Get("workflow.logical.clock", with_status).Record(static_cast<double>(logical));
  d.Get("workflow.duration", with_status)
      .Record(std::chrono::duration<double, std::milli>(completed_at - started_at_).count());
  return Ok(SnapshotVisibility(attributes));
}

WorkflowVisibilityRecord WorkflowExecutionContext::SnapshotVisibility(
    const WorkflowAttributes& attributes) const {
  WorkflowVisibilityRecord record;
  record.identity = identity_;
  record.status = static_cast<WorkflowStatus>(status_.load());
  record.started_at = started_at_;
  record.logical_clock = LogicalClock();
  record.replay_count = ReplayCount();
  record.attributes = metadata_;
  {
    std::lock_guard lock(mutex_);
    record.completed_at = completed_at_;
    if (error_) {
      record.attributes["error.code"] = error_->Code();
      record.attributes["error.message"] = error_->Message();
    }
  }
  for (const auto& [key, value] : attributes) {
    if (!Blank(key)) record.attributes[key] = value;
  }
  return record;
}

Error WorkflowExecutionContext::AttachError(const Error& error) const {
  Error out = error.WithMetadata("workflow.namespace", identity_.namespace_name)
                  .WithMetadata("workflow.id", identity_.workflow_id)
                  .WithMetadata("workflow.run_id", identity_.run_id)
                  .WithMetadata("workflow.task_queue", identity_.task_queue)
                  .WithMetadata("workflow.logical_clock", LogicalClock())
                  .WithMetadata("workflow.replay_count", int64_t{ReplayCount()});
  if (identity_.schedule_id) out = out.WithMetadata("workflow.schedule_id", *identity_.schedule_id);
  if (identity_.schedule_group) {
    out = out.WithMetadata("workflow.schedule_group", *identity_.schedule_group);
  }
  for (const auto& [key, value] : metadata_) {
    out = out.WithMetadata("workflow.metadata." + key, value);
  }
  return out;
}

}  // namespace hugo
