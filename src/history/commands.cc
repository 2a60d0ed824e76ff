#include "history/commands.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "common/error_codes.h"

namespace hdo::history {
namespace {

namespace command = temporal::api::command::v1;
namespace common = temporal::api::common::v1;
namespace enums = temporal::api::enums::v1;
namespace failure = temporal::api::failure::v1;
using std::chrono::nanoseconds;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr char kReservedTaskQueuePrefix[] = "/_sys/";
constexpr char kInternalPerNamespaceTaskQueuePrefix[] = "temporal-sys-per-ns-";
constexpr char kWorkerControllerPerNamespaceTaskQueue[] =
    "temporal-sys-worker-controller-per-ns-tq";
constexpr char kFairnessKeyPrefix[] = "x-temporal-internal-fairness-key[";
constexpr size_t kFairnessKeyLengthMax = 64;  // reference: priorities.fairnessKeyMaxLength

hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

CommandRejection Reject(enums::WorkflowTaskFailedCause cause, std::string message) {
  return CommandRejection{cause, std::move(message)};
}

nanoseconds SaturatingAdd(nanoseconds a, nanoseconds b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a.count(), b.count(), &sum)) {
    return b.count() > 0 ? nanoseconds::max() : nanoseconds::min();
  }
  return nanoseconds(sum);
}

nanoseconds SaturatingMultiply(int64_t factor, nanoseconds value) {
  int64_t product = 0;
  if (__builtin_mul_overflow(factor, value.count(), &product)) {
    return (factor < 0) != (value.count() < 0) ? nanoseconds::min() : nanoseconds::max();
  }
  return nanoseconds(product);
}

// tqid.NormalizeAndValidateUserDefined: an error text, or none after defaulting the kind.
std::optional<std::string> NormalizeUserTaskQueue(temporal::api::taskqueue::v1::TaskQueue* queue,
                                                  const std::string& parent_task_queue) {
  if (queue->kind() == enums::TASK_QUEUE_KIND_UNSPECIFIED) {
    queue->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  }
  const std::string& name = queue->name();
  if (name.empty()) return "missing task queue name";
  if (name.size() > kCommandIdLengthMax) return "taskQueue length exceeds limit";
  if (StartsWith(name, kReservedTaskQueuePrefix)) {
    return std::string("task queue name cannot start with reserved prefix ") +
           kReservedTaskQueuePrefix;
  }
  if (queue->kind() == enums::TASK_QUEUE_KIND_STICKY && !queue->normal_name().empty() &&
      queue->normal_name().size() > kCommandIdLengthMax) {
    return "taskQueue length exceeds limit";
  }
  auto internal = [](const std::string& queue_name) {
    return StartsWith(queue_name, kInternalPerNamespaceTaskQueuePrefix) ||
           queue_name == kWorkerControllerPerNamespaceTaskQueue;
  };
  if (internal(name) && !internal(parent_task_queue)) {
    std::string message = "cannot use internal per-namespace task queue:" + name;
    if (!parent_task_queue.empty()) {
      message += " (in parent component task queue: " + parent_task_queue + ")";
    }
    return message;
  }
  return std::nullopt;
}

// priorities.Validate.
std::optional<std::string> ValidatePriority(const common::Priority& priority) {
  if (priority.priority_key() < 0) return "priority key can't be negative";
  if (priority.fairness_key().size() > kFairnessKeyLengthMax) {
    return "fairness key length exceeds limit";
  }
  if (priority.fairness_weight() < 0) return "must be greater than zero";
  return std::nullopt;
}

// The reference handler's activity id prefix "x-temporal-internal-fairness-key[<key>:<weight>]".
void ApplyFairnessKeyPrefix(command::ScheduleActivityTaskCommandAttributes* attributes) {
  const std::string& id = attributes->activity_id();
  if (!StartsWith(id, kFairnessKeyPrefix)) return;
  std::string rest = id.substr(sizeof(kFairnessKeyPrefix) - 1);
  size_t end = rest.find(']');
  if (end == std::string::npos) return;
  std::string key_and_weight = rest.substr(0, end);
  size_t colon = key_and_weight.find(':');
  if (colon == std::string::npos) return;
  std::string weight_text = key_and_weight.substr(colon + 1);
  if (weight_text.empty()) return;
  char* parsed_end = nullptr;
  float weight = std::strtof(weight_text.c_str(), &parsed_end);
  if (parsed_end != weight_text.c_str() + weight_text.size()) return;
  attributes->mutable_priority()->set_fairness_key(key_and_weight.substr(0, colon));
  attributes->mutable_priority()->set_fairness_weight(weight);
}

}  // namespace

// validateAndNormalizeTimeouts.
std::optional<std::string> NormalizeActivityTimeouts(
    command::ScheduleActivityTaskCommandAttributes* attributes,
    const google::protobuf::Duration& run_timeout) {
  struct Named {
    google::protobuf::Duration* duration;
    const char* name;
  };
  for (Named timeout : {Named{attributes->mutable_schedule_to_close_timeout(), "ScheduleToClose"},
                        Named{attributes->mutable_schedule_to_start_timeout(), "ScheduleToStart"},
                        Named{attributes->mutable_start_to_close_timeout(), "StartToClose"},
                        Named{attributes->mutable_heartbeat_timeout(), "Heartbeat"}}) {
    if (auto error = ValidateAndCapDuration(timeout.duration)) {
      return std::string("Invalid ") + timeout.name +
             "Timeout for ScheduleActivityTaskCommand: " + *error +
             ". ActivityId=" + attributes->activity_id() +
             " ActivityType=" + attributes->activity_type().name();
    }
  }
  nanoseconds schedule_to_close = ToNanos(attributes->schedule_to_close_timeout());
  nanoseconds schedule_to_start = ToNanos(attributes->schedule_to_start_timeout());
  nanoseconds start_to_close = ToNanos(attributes->start_to_close_timeout());
  nanoseconds heartbeat = ToNanos(attributes->heartbeat_timeout());
  const nanoseconds run = ToNanos(run_timeout);
  if (schedule_to_close > nanoseconds::zero()) {
    schedule_to_start = schedule_to_start > nanoseconds::zero()
                            ? std::min(schedule_to_start, schedule_to_close)
                            : schedule_to_close;
    start_to_close = start_to_close > nanoseconds::zero()
                         ? std::min(start_to_close, schedule_to_close)
                         : schedule_to_close;
  } else if (start_to_close > nanoseconds::zero()) {
    schedule_to_close = run;
    if (schedule_to_start <= nanoseconds::zero()) schedule_to_start = run;
  } else {
    return "A valid StartToClose or ScheduleToCloseTimeout is not set on "
           "ScheduleActivityTaskCommand. ActivityId=" +
           attributes->activity_id() + " ActivityType=" + attributes->activity_type().name();
  }
  if (run > nanoseconds::zero()) {
    schedule_to_close = std::min(schedule_to_close, run);
    schedule_to_start = std::min(schedule_to_start, run);
    start_to_close = std::min(start_to_close, run);
    heartbeat = std::min(heartbeat, run);
  }
  heartbeat = std::min(heartbeat, start_to_close);
  *attributes->mutable_schedule_to_close_timeout() = ToDuration(schedule_to_close);
  *attributes->mutable_schedule_to_start_timeout() = ToDuration(schedule_to_start);
  *attributes->mutable_start_to_close_timeout() = ToDuration(start_to_close);
  *attributes->mutable_heartbeat_timeout() = ToDuration(heartbeat);
  return std::nullopt;
}

namespace {

bool IsCloseCommand(enums::CommandType type) {
  return type == enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION ||
         type == enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION ||
         type == enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION ||
         type == enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION;
}

bool IsKnownCommand(enums::CommandType type) {
  return type != enums::COMMAND_TYPE_UNSPECIFIED && enums::CommandType_IsValid(type);
}

std::string CommandTypeText(enums::CommandType type) {
  if (!enums::CommandType_IsValid(type)) return std::to_string(static_cast<int>(type));
  return EnumShorthand(enums::CommandType_Name(type), "COMMAND_TYPE_");
}

std::string TimeoutTypeText(enums::TimeoutType type) {
  if (!enums::TimeoutType_IsValid(type)) return std::to_string(static_cast<int>(type));
  return EnumShorthand(enums::TimeoutType_Name(type), "TIMEOUT_TYPE_");
}

// enumspb.TimeoutTypeFromString: the SCREAMING_CASE name or the shorthand.
std::optional<enums::TimeoutType> ParseTimeoutType(const std::string& text) {
  enums::TimeoutType parsed = enums::TIMEOUT_TYPE_UNSPECIFIED;
  if (enums::TimeoutType_Parse(text, &parsed)) return parsed;
  for (int value = enums::TimeoutType_MIN; value <= enums::TimeoutType_MAX; ++value) {
    if (!enums::TimeoutType_IsValid(value)) continue;
    auto type = static_cast<enums::TimeoutType>(value);
    if (TimeoutTypeText(type) == text) return type;
  }
  return std::nullopt;
}

// The "not set" message of a command whose attributes are missing.
std::string AttributesNotSet(const std::string& shorthand) {
  return shorthand + "CommandAttributes is not set on " + shorthand + "Command.";
}

// nextBackoffInterval with the interval of the attempt that just failed.
RetryDecision NextBackoff(const google::protobuf::Timestamp& now, int32_t attempt,
                          int32_t maximum_attempts, nanoseconds interval,
                          nanoseconds maximum_interval,
                          const std::optional<google::protobuf::Timestamp>& expiration) {
  auto no_retry = [](enums::RetryState state) { return RetryDecision{state, {}}; };
  if (attempt < 1) attempt = 1;
  if (maximum_attempts > 0 && attempt >= maximum_attempts) {
    return no_retry(enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  }
  if (maximum_interval == nanoseconds::zero() && interval <= nanoseconds::zero()) {
    return no_retry(enums::RETRY_STATE_TIMEOUT);
  }
  if (maximum_interval != nanoseconds::zero() &&
      (interval <= nanoseconds::zero() || interval > maximum_interval)) {
    interval = maximum_interval;
  }
  bool has_expiration = expiration.has_value() && ToNanos(*expiration) != nanoseconds::zero();
  if (has_expiration && SaturatingAdd(ToNanos(now), interval) > ToNanos(*expiration)) {
    return no_retry(enums::RETRY_STATE_TIMEOUT);
  }
  return RetryDecision{enums::RETRY_STATE_IN_PROGRESS, ToDuration(interval)};
}

// backoff.ExponentialBackoffAlgorithm: initial × coefficient^(attempt−1), saturated.
nanoseconds ExponentialInterval(const common::RetryPolicy& policy, int32_t attempt) {
  double result = static_cast<double>(ToNanos(policy.initial_interval()).count()) *
                  std::pow(policy.backoff_coefficient(), static_cast<double>(attempt - 1));
  if (std::isnan(result)) return nanoseconds::zero();
  if (result >= static_cast<double>(std::numeric_limits<int64_t>::max())) {
    return nanoseconds::max();
  }
  return nanoseconds(std::max<int64_t>(0, static_cast<int64_t>(result)));
}

}  // namespace

nanoseconds CappedRetryInterval(const common::RetryPolicy& policy, int32_t attempt) {
  nanoseconds interval = ExponentialInterval(policy, std::max(attempt, int32_t{1}));
  const nanoseconds maximum = ToNanos(policy.maximum_interval());
  if (maximum != nanoseconds::zero() && (interval <= nanoseconds::zero() || interval > maximum)) {
    interval = maximum;
  }
  return interval;
}

namespace {

const google::protobuf::Duration* NextRetryDelay(const failure::Failure* failure) {
  if (failure == nullptr || !failure->has_application_failure_info()) return nullptr;
  const auto& info = failure->application_failure_info();
  return info.has_next_retry_delay() ? &info.next_retry_delay() : nullptr;
}

}  // namespace

// --- durations -----------------------------------------------------------------------------------

nanoseconds ToNanos(const google::protobuf::Duration& duration) {
  int64_t nanos = 0;
  if (__builtin_mul_overflow(duration.seconds(), kNanosPerSecond, &nanos) ||
      __builtin_add_overflow(nanos, int64_t{duration.nanos()}, &nanos)) {
    return duration.seconds() < 0 ? nanoseconds::min() : nanoseconds::max();
  }
  return nanoseconds(nanos);
}

google::protobuf::Duration ToDuration(nanoseconds nanos) {
  google::protobuf::Duration duration;
  duration.set_seconds(nanos.count() / kNanosPerSecond);
  duration.set_nanos(static_cast<int32_t>(nanos.count() % kNanosPerSecond));
  return duration;
}

nanoseconds ToNanos(const google::protobuf::Timestamp& time) {
  int64_t nanos = 0;
  if (__builtin_mul_overflow(time.seconds(), kNanosPerSecond, &nanos) ||
      __builtin_add_overflow(nanos, int64_t{time.nanos()}, &nanos)) {
    return time.seconds() < 0 ? nanoseconds::min() : nanoseconds::max();
  }
  return nanoseconds(nanos);
}

google::protobuf::Timestamp ToTimestamp(nanoseconds since_epoch) {
  google::protobuf::Timestamp time;
  int64_t seconds = since_epoch.count() / kNanosPerSecond;
  int64_t nanos = since_epoch.count() % kNanosPerSecond;
  if (nanos < 0) {  // Timestamp nanos are always non-negative
    nanos += kNanosPerSecond;
    seconds -= 1;
  }
  time.set_seconds(seconds);
  time.set_nanos(static_cast<int32_t>(nanos));
  return time;
}

std::optional<std::string> ValidateAndCapDuration(google::protobuf::Duration* duration) {
  if ((duration->seconds() > 0 && duration->nanos() < 0) ||
      (duration->seconds() < 0 && duration->nanos() > 0)) {
    return "duration has seconds and nanos with different signs";
  }
  if (ToNanos(*duration) < nanoseconds::zero()) return "negative duration";
  if (ToNanos(*duration) > std::chrono::seconds(kDurationSecondsMax)) {
    duration->set_seconds(kDurationSecondsMax);
    duration->set_nanos(0);
  }
  return std::nullopt;
}

// --- retry policies ------------------------------------------------------------------------------

void FillRetryPolicyDefaults(common::RetryPolicy* policy, const DefaultRetrySettings& defaults) {
  if (policy->maximum_attempts() == 0) policy->set_maximum_attempts(defaults.maximum_attempts);
  if (ToNanos(policy->initial_interval()) == nanoseconds::zero()) {
    *policy->mutable_initial_interval() = ToDuration(defaults.initial_interval);
  }
  if (ToNanos(policy->maximum_interval()) == nanoseconds::zero()) {
    // As the reference: the coefficient is truncated to an integer before multiplying.
    auto coefficient = static_cast<int64_t>(defaults.maximum_interval_coefficient);
    *policy->mutable_maximum_interval() =
        ToDuration(SaturatingMultiply(coefficient, ToNanos(policy->initial_interval())));
  }
  if (policy->backoff_coefficient() == 0) {
    policy->set_backoff_coefficient(defaults.backoff_coefficient);
  }
}

hugo::Result<hugo::Unit> ValidateRetryPolicy(common::RetryPolicy* policy) {
  if (policy == nullptr) return hugo::Ok();
  if (policy->maximum_attempts() == 1) return hugo::Ok();
  if (policy->has_initial_interval()) {
    if (auto error = ValidateAndCapDuration(policy->mutable_initial_interval())) {
      return InvalidArgument("invalid InitialInterval set on retry policy: " + *error);
    }
  }
  if (policy->backoff_coefficient() < 1) {
    return InvalidArgument("BackoffCoefficient cannot be less than 1 on retry policy.");
  }
  if (policy->has_maximum_interval()) {
    if (auto error = ValidateAndCapDuration(policy->mutable_maximum_interval())) {
      return InvalidArgument("invalid MaximumInterval set on retry policy: " + *error);
    }
  }
  nanoseconds maximum = ToNanos(policy->maximum_interval());
  if (maximum > nanoseconds::zero() && maximum < ToNanos(policy->initial_interval())) {
    return InvalidArgument("MaximumInterval cannot be less than InitialInterval on retry policy.");
  }
  if (policy->maximum_attempts() < 0) {
    return InvalidArgument("MaximumAttempts cannot be negative on retry policy.");
  }
  for (const std::string& type : policy->non_retryable_error_types()) {
    if (!StartsWith(type, kTimeoutFailureTypePrefix)) continue;
    std::string value = type.substr(sizeof(kTimeoutFailureTypePrefix) - 1);
    auto timeout_type = ParseTimeoutType(value);
    if (!timeout_type.has_value() || *timeout_type == enums::TIMEOUT_TYPE_UNSPECIFIED) {
      return InvalidArgument("Invalid timeout type value: " + value + ".");
    }
  }
  return hugo::Ok();
}

// --- commands ------------------------------------------------------------------------------------

std::optional<CommandRejection> NormalizeScheduleActivity(
    command::ScheduleActivityTaskCommandAttributes* attributes, const ActivityContext& context) {
  constexpr auto kCause = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES;
  ApplyFairnessKeyPrefix(attributes);
  if (!attributes->has_retry_policy()) attributes->mutable_retry_policy();
  const std::string& activity_id = attributes->activity_id();
  const std::string& activity_type = attributes->activity_type().name();
  const std::string ids = ". ActivityId=" + activity_id + " ActivityType=" + activity_type;
  // reference 1.29: a bad task queue is a plain error, not a workflow task failure.
  if (!attributes->has_task_queue()) {
    CommandRejection rejection = Reject(
        kCause, "invalid TaskQueue on ScheduleActivityTaskCommand: taskQueue is not set" + ids);
    rejection.fail_task = false;
    return rejection;
  }
  if (auto error =
          NormalizeUserTaskQueue(attributes->mutable_task_queue(), context.workflow_task_queue)) {
    CommandRejection rejection =
        Reject(kCause, "invalid TaskQueue on ScheduleActivityTaskCommand: " + *error + ids);
    rejection.fail_task = false;
    return rejection;
  }
  if (activity_id.empty()) {
    return Reject(kCause, "ActivityId is not set on ScheduleActivityTaskCommand. ActivityType=" +
                              activity_type);
  }
  if (activity_type.empty()) {
    return Reject(kCause, "ActivityType is not set on ScheduleActivityTaskCommand. ActivityID=" +
                              activity_id);
  }
  FillRetryPolicyDefaults(attributes->mutable_retry_policy(), context.default_retry);
  auto retry_ok = ValidateRetryPolicy(attributes->mutable_retry_policy());
  if (retry_ok.IsFailure()) return Reject(kCause, retry_ok.Error().Message());
  if (activity_id.size() > kCommandIdLengthMax) {
    return Reject(kCause, "ActivityId on ScheduleActivityTaskCommand exceeds length limit" + ids +
                              " Length=" + std::to_string(activity_id.size()) +
                              " Limit=" + std::to_string(kCommandIdLengthMax));
  }
  if (activity_type.size() > kCommandIdLengthMax) {
    return Reject(kCause, "ActivityType on ScheduleActivityTaskCommand exceeds length limit" + ids +
                              " Length=" + std::to_string(activity_type.size()) +
                              " Limit=" + std::to_string(kCommandIdLengthMax));
  }
  if (attributes->has_priority()) {
    if (auto error = ValidatePriority(attributes->priority())) {
      return Reject(kCause, "invalid priorities: " + *error);
    }
  }
  if (auto error = NormalizeActivityTimeouts(attributes, context.workflow_run_timeout)) {
    return Reject(kCause, *error);
  }
  return std::nullopt;
}

std::optional<CommandRejection> ValidateRequestCancelActivity(
    const command::RequestCancelActivityTaskCommandAttributes& attributes) {
  if (attributes.scheduled_event_id() <= 0) {
    return Reject(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
                  "ScheduledEventId is not set on RequestCancelActivityTaskCommand.");
  }
  return std::nullopt;
}

std::optional<CommandRejection> NormalizeStartTimer(
    command::StartTimerCommandAttributes* attributes) {
  constexpr auto kCause = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES;
  const std::string& timer_id = attributes->timer_id();
  if (timer_id.empty()) return Reject(kCause, "TimerId is not set on StartTimerCommand.");
  if (timer_id.size() > kCommandIdLengthMax) {
    return Reject(kCause, "TimerId on StartTimerCommand exceeds length limit. TimerId=" + timer_id +
                              " Length=" + std::to_string(timer_id.size()) +
                              " Limit=" + std::to_string(kCommandIdLengthMax));
  }
  if (attributes->has_start_to_fire_timeout()) {
    if (auto error = ValidateAndCapDuration(attributes->mutable_start_to_fire_timeout())) {
      return Reject(kCause, "An invalid StartToFireTimeout is set on StartTimerCommand: " + *error +
                                ". TimerId=" + timer_id);
    }
  }
  return std::nullopt;
}

std::optional<CommandRejection> ValidateCancelTimer(
    const command::CancelTimerCommandAttributes& attributes) {
  constexpr auto kCause = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES;
  const std::string& timer_id = attributes.timer_id();
  if (timer_id.empty()) return Reject(kCause, "TimerId is not set on CancelTimerCommand.");
  if (timer_id.size() > kCommandIdLengthMax) {
    return Reject(kCause, "TimerId on CancelTimerCommand exceeds length limit. TimerId=" +
                              timer_id + " Length=" + std::to_string(timer_id.size()) +
                              " Limit=" + std::to_string(kCommandIdLengthMax));
  }
  return std::nullopt;
}

std::optional<CommandRejection> ValidateFailWorkflowExecution(
    const command::FailWorkflowExecutionCommandAttributes& attributes) {
  if (!attributes.has_failure()) {
    return Reject(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
                  "Failure is not set on FailWorkflowExecutionCommand.");
  }
  return std::nullopt;
}

std::optional<CommandRejection> ValidateRecordMarker(
    const command::RecordMarkerCommandAttributes& attributes) {
  constexpr auto kCause = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES;
  const std::string& name = attributes.marker_name();
  if (name.empty()) return Reject(kCause, "MarkerName is not set on RecordMarkerCommand.");
  if (name.size() > kCommandIdLengthMax) {
    return Reject(kCause, "MarkerName on RecordMarkerCommand exceeds length limit. MarkerName=" +
                              name + " Length=" + std::to_string(name.size()) +
                              " Limit=" + std::to_string(kCommandIdLengthMax));
  }
  return std::nullopt;
}

std::optional<CommandRejection> ValidateUpsertWorkflowSearchAttributes(
    const command::UpsertWorkflowSearchAttributesCommandAttributes& attributes) {
  constexpr auto kCause = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES;
  if (!attributes.has_search_attributes()) {
    return Reject(kCause, "SearchAttributes is not set on UpsertWorkflowSearchAttributesCommand.");
  }
  if (attributes.search_attributes().indexed_fields().empty()) {
    return Reject(kCause, "IndexedFields is not set on UpsertWorkflowSearchAttributesCommand.");
  }
  return std::nullopt;
}

std::optional<CommandRejection> ValidateModifyWorkflowProperties(
    const command::ModifyWorkflowPropertiesCommandAttributes& attributes) {
  constexpr auto kCause =
      enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES;
  if (!attributes.has_upserted_memo()) {
    return Reject(kCause, "UpsertedMemo is not set on ModifyWorkflowPropertiesCommand.");
  }
  if (attributes.upserted_memo().fields().empty()) {
    return Reject(kCause, "UpsertedMemo.Fields is not set on ModifyWorkflowPropertiesCommand.");
  }
  return std::nullopt;
}

std::optional<CommandRejection> ValidateProtocolMessage(
    const command::ProtocolMessageCommandAttributes& attributes) {
  if (attributes.message_id().empty()) {
    return Reject(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE,
                  "MessageID is not set on ProtocolMessageCommand.");
  }
  return std::nullopt;
}

std::optional<CommandRejection> NormalizeCommand(command::Command* command,
                                                 const ActivityContext& context) {
  using C = command::Command;
  auto missing = [](enums::WorkflowTaskFailedCause cause, const char* shorthand) {
    return std::optional<CommandRejection>(Reject(cause, AttributesNotSet(shorthand)));
  };
  switch (command->command_type()) {
    case enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
      if (command->attributes_case() != C::kScheduleActivityTaskCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
                       "ScheduleActivityTask");
      }
      return NormalizeScheduleActivity(command->mutable_schedule_activity_task_command_attributes(),
                                       context);
    case enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
      if (command->attributes_case() != C::kRequestCancelActivityTaskCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
                       "RequestCancelActivityTask");
      }
      return ValidateRequestCancelActivity(
          command->request_cancel_activity_task_command_attributes());
    case enums::COMMAND_TYPE_START_TIMER:
      if (command->attributes_case() != C::kStartTimerCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES, "StartTimer");
      }
      return NormalizeStartTimer(command->mutable_start_timer_command_attributes());
    case enums::COMMAND_TYPE_CANCEL_TIMER:
      if (command->attributes_case() != C::kCancelTimerCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
                       "CancelTimer");
      }
      return ValidateCancelTimer(command->cancel_timer_command_attributes());
    case enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      if (command->attributes_case() != C::kCompleteWorkflowExecutionCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES,
                       "CompleteWorkflowExecution");
      }
      return std::nullopt;
    case enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
      if (command->attributes_case() != C::kFailWorkflowExecutionCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
                       "FailWorkflowExecution");
      }
      return ValidateFailWorkflowExecution(command->fail_workflow_execution_command_attributes());
    case enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
      if (command->attributes_case() != C::kCancelWorkflowExecutionCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_WORKFLOW_EXECUTION_ATTRIBUTES,
                       "CancelWorkflowExecution");
      }
      return std::nullopt;
    case enums::COMMAND_TYPE_RECORD_MARKER:
      if (command->attributes_case() != C::kRecordMarkerCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
                       "RecordMarker");
      }
      return ValidateRecordMarker(command->record_marker_command_attributes());
    case enums::COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      if (command->attributes_case() != C::kUpsertWorkflowSearchAttributesCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
                       "UpsertWorkflowSearchAttributes");
      }
      return ValidateUpsertWorkflowSearchAttributes(
          command->upsert_workflow_search_attributes_command_attributes());
    case enums::COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
      if (command->attributes_case() != C::kModifyWorkflowPropertiesCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES,
                       "ModifyWorkflowProperties");
      }
      return ValidateModifyWorkflowProperties(
          command->modify_workflow_properties_command_attributes());
    case enums::COMMAND_TYPE_PROTOCOL_MESSAGE:
      if (command->attributes_case() != C::kProtocolMessageCommandAttributes) {
        return missing(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE,
                       "ProtocolMessage");
      }
      return ValidateProtocolMessage(command->protocol_message_command_attributes());
    default:
      return std::nullopt;
  }
}

std::optional<std::string> ValidateCommandSequence(
    const google::protobuf::RepeatedPtrField<command::Command>& commands) {
  std::optional<enums::CommandType> close_command;
  for (const command::Command& command : commands) {
    if (close_command.has_value()) {
      std::string types;
      for (const command::Command& each : commands) {
        if (!types.empty()) types += ", ";
        types += CommandTypeText(each.command_type());
      }
      return "invalid command sequence: [" + types + "], command " +
             CommandTypeText(*close_command) + " must be the last command.";
    }
    if (!IsKnownCommand(command.command_type())) {
      return "unknown command type: " + CommandTypeText(command.command_type());
    }
    if (IsCloseCommand(command.command_type())) close_command = command.command_type();
  }
  return std::nullopt;
}

std::string EnumShorthand(const std::string& value_name, const std::string& prefix) {
  std::string rest = StartsWith(value_name, prefix) ? value_name.substr(prefix.size()) : value_name;
  std::string shorthand;
  bool word_start = true;
  for (char c : rest) {
    if (c == '_') {
      word_start = true;
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    shorthand += static_cast<char>(word_start ? std::toupper(byte) : std::tolower(byte));
    word_start = false;
  }
  return shorthand;
}

// --- retries -------------------------------------------------------------------------------------

bool IsRetryableFailure(const failure::Failure* failure, const common::RetryPolicy& policy) {
  if (failure == nullptr) return true;
  auto listed = [&policy](const std::string& type) {
    const auto& types = policy.non_retryable_error_types();
    return std::find(types.begin(), types.end(), type) != types.end();
  };
  if (failure->has_terminated_failure_info() || failure->has_canceled_failure_info()) return false;
  if (failure->has_timeout_failure_info()) {
    enums::TimeoutType type = failure->timeout_failure_info().timeout_type();
    if (type == enums::TIMEOUT_TYPE_START_TO_CLOSE || type == enums::TIMEOUT_TYPE_HEARTBEAT) {
      return !listed(kTimeoutFailureTypePrefix + TimeoutTypeText(type));
    }
    return false;
  }
  if (failure->has_server_failure_info()) return !failure->server_failure_info().non_retryable();
  if (failure->has_application_failure_info()) {
    if (failure->application_failure_info().non_retryable()) return false;
    return !listed(failure->application_failure_info().type());
  }
  return true;
}

RetryDecision NextWorkflowRetry(const common::RetryPolicy* policy, int32_t attempt,
                                const failure::Failure* failure,
                                const std::optional<google::protobuf::Timestamp>& expiration,
                                const google::protobuf::Timestamp& now) {
  if (policy == nullptr) return RetryDecision{enums::RETRY_STATE_RETRY_POLICY_NOT_SET, {}};
  if (!IsRetryableFailure(failure, *policy)) {
    return RetryDecision{enums::RETRY_STATE_NON_RETRYABLE_FAILURE, {}};
  }
  int32_t current = std::max(attempt, int32_t{1});
  const google::protobuf::Duration* delay = NextRetryDelay(failure);
  nanoseconds interval = delay != nullptr ? ToNanos(*delay) : ExponentialInterval(*policy, current);
  return NextBackoff(now, attempt, policy->maximum_attempts(), interval,
                     ToNanos(policy->maximum_interval()), expiration);
}

RetryDecision NextActivityRetry(const common::RetryPolicy* policy, int32_t attempt,
                                bool cancel_requested, const failure::Failure* failure,
                                const std::optional<google::protobuf::Timestamp>& expiration,
                                const google::protobuf::Timestamp& now) {
  if (policy == nullptr) return RetryDecision{enums::RETRY_STATE_RETRY_POLICY_NOT_SET, {}};
  if (cancel_requested) return RetryDecision{enums::RETRY_STATE_CANCEL_REQUESTED, {}};
  // Schedule-to-start and schedule-to-close timeouts are not retryable: NON_RETRYABLE_FAILURE, as
  // in the reference 1.29 the goldens come from (later servers answer TIMEOUT).
  if (!IsRetryableFailure(failure, *policy)) {
    return RetryDecision{enums::RETRY_STATE_NON_RETRYABLE_FAILURE, {}};
  }
  int32_t current = std::max(attempt, int32_t{1});
  const google::protobuf::Duration* delay = NextRetryDelay(failure);
  if (delay != nullptr) {
    // The application's delay also replaces the policy's maximum interval.
    return NextBackoff(now, attempt, policy->maximum_attempts(), ToNanos(*delay), ToNanos(*delay),
                       expiration);
  }
  return NextBackoff(now, attempt, policy->maximum_attempts(),
                     ExponentialInterval(*policy, current), ToNanos(policy->maximum_interval()),
                     expiration);
}

std::optional<google::protobuf::Timestamp> ActivityRetryExpiration(
    const google::protobuf::Timestamp& first_scheduled_time,
    const google::protobuf::Duration& schedule_to_close_timeout) {
  nanoseconds timeout = ToNanos(schedule_to_close_timeout);
  if (timeout <= nanoseconds::zero()) return std::nullopt;
  return ToTimestamp(SaturatingAdd(ToNanos(first_scheduled_time), timeout));
}

failure::Failure ActivityTimeoutFailure(enums::TimeoutType timeout_type) {
  failure::Failure timeout;
  timeout.set_message("activity " + TimeoutTypeText(timeout_type) + " timeout");
  timeout.set_source("Server");
  timeout.mutable_timeout_failure_info()->set_timeout_type(timeout_type);
  return timeout;
}

failure::Failure ActivityTimedOutEventFailure(enums::TimeoutType timeout_type,
                                              enums::RetryState retry_state,
                                              const common::Payloads* last_heartbeat_details) {
  failure::Failure timeout;
  if (retry_state == enums::RETRY_STATE_TIMEOUT &&
      timeout_type != enums::TIMEOUT_TYPE_SCHEDULE_TO_START) {
    timeout.set_message(
        "Not enough time to schedule next retry before activity ScheduleToClose timeout, giving "
        "up retrying");
    timeout.set_source("Server");
    timeout.mutable_timeout_failure_info()->set_timeout_type(enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
  } else {
    timeout = ActivityTimeoutFailure(timeout_type);
  }
  if (last_heartbeat_details != nullptr) {
    *timeout.mutable_timeout_failure_info()->mutable_last_heartbeat_details() =
        *last_heartbeat_details;
  }
  return timeout;
}

// --- activity timers -----------------------------------------------------------------------------

std::vector<ActivityTimer> ActivityTimers(const ActivityAttemptTimes& times) {
  std::vector<ActivityTimer> timers;
  auto add = [&timers](enums::TimeoutType type, const google::protobuf::Timestamp& from,
                       const google::protobuf::Duration& timeout) {
    nanoseconds duration = ToNanos(timeout);
    if (duration == nanoseconds::zero()) return;
    timers.push_back(ActivityTimer{type, ToTimestamp(SaturatingAdd(ToNanos(from), duration))});
  };
  add(enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, times.first_scheduled_time,
      times.schedule_to_close_timeout);
  if (!times.started_time.has_value()) {
    add(enums::TIMEOUT_TYPE_SCHEDULE_TO_START, times.scheduled_time,
        times.schedule_to_start_timeout);
  } else {
    add(enums::TIMEOUT_TYPE_START_TO_CLOSE, *times.started_time, times.start_to_close_timeout);
    google::protobuf::Timestamp last_heartbeat = *times.started_time;
    if (times.last_heartbeat_time.has_value() &&
        ToNanos(*times.last_heartbeat_time) > ToNanos(last_heartbeat)) {
      last_heartbeat = *times.last_heartbeat_time;
    }
    add(enums::TIMEOUT_TYPE_HEARTBEAT, last_heartbeat, times.heartbeat_timeout);
  }
  std::stable_sort(timers.begin(), timers.end(),
                   [](const ActivityTimer& a, const ActivityTimer& b) {
                     nanoseconds a_at = ToNanos(a.deadline);
                     nanoseconds b_at = ToNanos(b.deadline);
                     if (a_at != b_at) return a_at < b_at;
                     return a.timeout_type < b.timeout_type;
                   });
  return timers;
}

}  // namespace hdo::history
