// Pure rules of workflow-task commands and activity retries: validation and normalization of each
// command's attributes (the reference's CommandAttrValidator, service/history/api/
// command_attr_validator.go, and the activity rules of chasm/lib/activity/validator.go), the
// command sequence rule, retry policies (common/retrypolicy/retry_policy.go), the retry decision
// (service/history/workflow/retry.go getBackoffInterval, mutable_state_impl.go RetryActivity) and
// the activity timer deadlines of one attempt (service/history/workflow/timer_sequence.go).
//
// Owner: the history engine calls these while it handles RespondWorkflowTaskCompleted and activity
// results/timeouts; it owns every state change. Every function is pure (no I/O, no clock, no
// globals) and thread-safe; Normalize* functions write only into the attributes they are given.
//
// Messages use the reference's wording: they become the WorkflowTaskFailed failure message (or the
// InvalidArgument of the RPC) that SDKs and people read.
#pragma once

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "hugo/result.h"
#include "temporal/api/command/v1/message.pb.h"
#include "temporal/api/common/v1/message.pb.h"
#include "temporal/api/enums/v1/failed_cause.pb.h"
#include "temporal/api/enums/v1/workflow.pb.h"
#include "temporal/api/failure/v1/message.pb.h"

namespace hdo::history {

// reference: limit.maxIDLength (activity/timer ids, marker names, activity types).
inline constexpr size_t kCommandIdLengthMax = 1000;
// reference: timestamp.ValidateAndCapProtoDuration caps durations at 100 years.
inline constexpr int64_t kDurationSecondsMax = int64_t{100} * 365 * 24 * 3600;
// reference: retrypolicy.TimeoutFailureTypePrefix; "TemporalTimeout:StartToClose" in
// non_retryable_error_types makes start-to-close timeouts final.
inline constexpr char kTimeoutFailureTypePrefix[] = "TemporalTimeout:";

// A command the server refuses: the workflow task fails with `cause` and `message`.
struct CommandRejection {
  temporal::api::enums::v1::WorkflowTaskFailedCause cause;
  std::string message;
  // false: the reference answers the RPC with InvalidArgument and keeps the task as it is
  // (nothing written), e.g. for an activity's invalid task queue.
  bool fail_task = true;
  // The run cannot go on (a payload or its history over the limits): after the failed task the
  // run is terminated with `message` as the reason, as the reference does.
  bool terminate = false;
};

// reference: retrypolicy.DefaultRetrySettings (dynamic config history.defaultActivityRetryPolicy
// and history.defaultWorkflowRetryPolicy share these defaults).
struct DefaultRetrySettings {
  std::chrono::nanoseconds initial_interval = std::chrono::seconds(1);
  double maximum_interval_coefficient = 100.0;
  double backoff_coefficient = 2.0;
  int32_t maximum_attempts = 0;  // 0 = unlimited
};

// What the activity rules need to know about the workflow that schedules the activity.
struct ActivityContext {
  std::string workflow_task_queue;                  // the workflow's (normal) task queue
  google::protobuf::Duration workflow_run_timeout;  // zero = the run has no timeout
  DefaultRetrySettings default_retry;
};

// --- durations (Go time.Duration semantics: saturating int64 nanoseconds) -----------------------

std::chrono::nanoseconds ToNanos(const google::protobuf::Duration& duration);
google::protobuf::Duration ToDuration(std::chrono::nanoseconds nanos);
std::chrono::nanoseconds ToNanos(const google::protobuf::Timestamp& time);  // since the epoch
google::protobuf::Timestamp ToTimestamp(std::chrono::nanoseconds since_epoch);
// timestamp.ValidateAndCapProtoDuration: an error text ("negative duration", "duration has
// seconds and nanos with different signs") for an invalid duration, else caps it at 100 years.
std::optional<std::string> ValidateAndCapDuration(google::protobuf::Duration* duration);
// validateAndNormalizeTimeouts of a ScheduleActivityTask command: each timeout valid (capped),
// schedule-to-start and start-to-close from schedule-to-close where unset, heartbeat within
// start-to-close, all within the run's timeout (zero: none). An error text names the command's
// activity; nothing when the timeouts are normalized in place. Also used for new options
// (UpdateActivityOptions).
std::optional<std::string> NormalizeActivityTimeouts(
    temporal::api::command::v1::ScheduleActivityTaskCommandAttributes* attributes,
    const google::protobuf::Duration& run_timeout);

// --- retry policies ------------------------------------------------------------------------------

// retrypolicy.EnsureDefaults: fills each unset (zero) field; maximum_interval defaults to
// maximum_interval_coefficient × initial_interval (after initial_interval is filled).
void FillRetryPolicyDefaults(temporal::api::common::v1::RetryPolicy* policy,
                             const DefaultRetrySettings& defaults);
// retrypolicy.Validate: InvalidArgument ("BackoffCoefficient cannot be less than 1 on retry
// policy." ...). maximum_attempts == 1 skips every other check. Caps the intervals at 100 years.
hugo::Result<hugo::Unit> ValidateRetryPolicy(temporal::api::common::v1::RetryPolicy* policy);

// --- commands ------------------------------------------------------------------------------------

// ValidateActivityScheduleAttributes + validateAndNormalizeActivityAttributes: ids and type,
// task queue (kind defaults to NORMAL; an empty name is refused, as the reference does), the
// retry policy (always present afterwards, defaults filled), priority, and the timeouts:
//   schedule_to_close set → schedule_to_start and start_to_close default to it and are capped by
//   it; only start_to_close set → schedule_to_close and, when unset, schedule_to_start become the
//   run timeout (0s when the run has none); neither → rejected; all capped by a non-zero run
//   timeout; heartbeat capped by start_to_close. Every timeout field is present afterwards.
// Also applies the reference handler's "x-temporal-internal-fairness-key[key:weight]" activity id
// prefix to the priority.
std::optional<CommandRejection> NormalizeScheduleActivity(
    temporal::api::command::v1::ScheduleActivityTaskCommandAttributes* attributes,
    const ActivityContext& context);
std::optional<CommandRejection> ValidateRequestCancelActivity(
    const temporal::api::command::v1::RequestCancelActivityTaskCommandAttributes& attributes);
// Timer id set and bounded, start_to_fire_timeout not negative (zero fires at once, as in the
// reference); caps the timeout at 100 years.
std::optional<CommandRejection> NormalizeStartTimer(
    temporal::api::command::v1::StartTimerCommandAttributes* attributes);
std::optional<CommandRejection> ValidateCancelTimer(
    const temporal::api::command::v1::CancelTimerCommandAttributes& attributes);
std::optional<CommandRejection> ValidateFailWorkflowExecution(
    const temporal::api::command::v1::FailWorkflowExecutionCommandAttributes& attributes);
std::optional<CommandRejection> ValidateRecordMarker(
    const temporal::api::command::v1::RecordMarkerCommandAttributes& attributes);
// Structure only (attributes and indexed fields present); names and types of search attributes
// are checked against the namespace's registered attributes by the caller.
std::optional<CommandRejection> ValidateUpsertWorkflowSearchAttributes(
    const temporal::api::command::v1::UpsertWorkflowSearchAttributesCommandAttributes& attributes);
std::optional<CommandRejection> ValidateModifyWorkflowProperties(
    const temporal::api::command::v1::ModifyWorkflowPropertiesCommandAttributes& attributes);
std::optional<CommandRejection> ValidateProtocolMessage(
    const temporal::api::command::v1::ProtocolMessageCommandAttributes& attributes);

// One command: checks its attributes are the ones its command_type names ("<X>CommandAttributes
// is not set on <X>Command.") and runs the rule of that type, normalizing in place. Command types
// without rules here (child workflows, external signals/cancels, continue-as-new, Nexus) pass.
std::optional<CommandRejection> NormalizeCommand(temporal::api::command::v1::Command* command,
                                                 const ActivityContext& context);

// ValidateCommandSequence: a close command (complete, fail, cancel, continue-as-new) must be the
// last one. The message of the InvalidArgument the RPC fails with, e.g. "invalid command
// sequence: [CompleteWorkflowExecution, StartTimer], command CompleteWorkflowExecution must be the
// last command.", or "unknown command type: Unspecified".
std::optional<std::string> ValidateCommandSequence(
    const google::protobuf::RepeatedPtrField<temporal::api::command::v1::Command>& commands);

// The Go shorthand of a Temporal enum value name: ("COMMAND_TYPE_START_TIMER", "COMMAND_TYPE_")
// → "StartTimer". Used in messages, failure types ("TemporalTimeout:StartToClose").
std::string EnumShorthand(const std::string& value_name, const std::string& prefix);

// --- retries -------------------------------------------------------------------------------------

struct RetryDecision {
  temporal::api::enums::v1::RetryState state;
  google::protobuf::Duration backoff;  // the delay before the next attempt when IN_PROGRESS
};

// retrypolicy.IsRetryableFailure: canceled, terminated, schedule-to-start/close timeouts,
// non_retryable application/server failures and application types listed in
// non_retryable_error_types are final; start-to-close/heartbeat timeouts are final when
// "TemporalTimeout:<Type>" is listed. A null failure is retryable.
bool IsRetryableFailure(const temporal::api::failure::v1::Failure* failure,
                        const temporal::api::common::v1::RetryPolicy& policy);

// The policy's interval before attempt `attempt` + 1: initial × coefficient^(attempt − 1),
// capped by maximum_interval when set (the reference's backoff.ExponentialBackoffAlgorithm and
// the cap of nextBackoffInterval).
std::chrono::nanoseconds CappedRetryInterval(const temporal::api::common::v1::RetryPolicy& policy,
                                             int32_t attempt);

// getBackoffInterval, the decision for a workflow run that failed or timed out (`policy` null =
// RETRY_POLICY_NOT_SET). `attempt` is the attempt that just failed (1-based); `expiration` is the
// workflow execution expiration. ApplicationFailureInfo.next_retry_delay replaces the exponential
// interval but is still capped by maximum_interval.
RetryDecision NextWorkflowRetry(const temporal::api::common::v1::RetryPolicy* policy,
                                int32_t attempt, const temporal::api::failure::v1::Failure* failure,
                                const std::optional<google::protobuf::Timestamp>& expiration,
                                const google::protobuf::Timestamp& now);

// RetryActivity (reference 1.29), the decision for an activity attempt that failed or timed out:
// RETRY_POLICY_NOT_SET without a policy, CANCEL_REQUESTED once cancellation was requested,
// NON_RETRYABLE_FAILURE for schedule-to-start and schedule-to-close timeouts and non-retryable
// failures, MAXIMUM_ATTEMPTS_REACHED, TIMEOUT when the next attempt would start after `expiration`
// (first scheduled time + schedule_to_close, absent when schedule_to_close is zero), else
// IN_PROGRESS. next_retry_delay replaces both the interval and maximum_interval.
RetryDecision NextActivityRetry(const temporal::api::common::v1::RetryPolicy* policy,
                                int32_t attempt, bool cancel_requested,
                                const temporal::api::failure::v1::Failure* failure,
                                const std::optional<google::protobuf::Timestamp>& expiration,
                                const google::protobuf::Timestamp& now);

// The retry expiration of an activity: scheduled time + schedule_to_close, none when it is zero.
std::optional<google::protobuf::Timestamp> ActivityRetryExpiration(
    const google::protobuf::Timestamp& first_scheduled_time,
    const google::protobuf::Duration& schedule_to_close_timeout);

// failure.NewTimeoutFailure(message, type) with source "Server": the failure of an activity
// timeout ("activity StartToClose timeout").
temporal::api::failure::v1::Failure ActivityTimeoutFailure(
    temporal::api::enums::v1::TimeoutType timeout_type);
// The failure the ActivityTaskTimedOut event records once a timeout of type `timeout_type` ended
// the activity with `retry_state`: a TIMEOUT that was not schedule-to-start becomes a
// schedule-to-close timeout "Not enough time to schedule next retry before activity
// ScheduleToClose timeout, giving up retrying"; the last heartbeat details are attached.
temporal::api::failure::v1::Failure ActivityTimedOutEventFailure(
    temporal::api::enums::v1::TimeoutType timeout_type,
    temporal::api::enums::v1::RetryState retry_state,
    const temporal::api::common::v1::Payloads* last_heartbeat_details);

// --- activity timers of one attempt --------------------------------------------------------------

// The timeouts of a scheduled activity and the times of its current attempt.
struct ActivityAttemptTimes {
  google::protobuf::Duration schedule_to_close_timeout;
  google::protobuf::Duration schedule_to_start_timeout;
  google::protobuf::Duration start_to_close_timeout;
  google::protobuf::Duration heartbeat_timeout;
  google::protobuf::Timestamp first_scheduled_time;  // the first attempt's scheduled time
  google::protobuf::Timestamp scheduled_time;        // this attempt's (after its retry backoff)
  std::optional<google::protobuf::Timestamp> started_time;         // absent until started
  std::optional<google::protobuf::Timestamp> last_heartbeat_time;  // absent until a heartbeat
};

struct ActivityTimer {
  temporal::api::enums::v1::TimeoutType timeout_type;
  google::protobuf::Timestamp deadline;
};

// timer_sequence.go: the activity's deadlines for its current attempt: schedule-to-close from the
// first scheduled time; schedule-to-start from this attempt's scheduled time while not started;
// start-to-close from the start; heartbeat from the later of the start and the last heartbeat.
// A zero timeout has no timer. Sorted by deadline (ties in the order listed above).
std::vector<ActivityTimer> ActivityTimers(const ActivityAttemptTimes& times);

}  // namespace hdo::history
