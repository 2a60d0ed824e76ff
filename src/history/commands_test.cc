#include "history/commands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hdo::history {
namespace {

namespace command = temporal::api::command::v1;
namespace common = temporal::api::common::v1;
namespace enums = temporal::api::enums::v1;
namespace failure = temporal::api::failure::v1;
using google::protobuf::Duration;
using google::protobuf::Timestamp;

Duration Seconds(int64_t seconds, int32_t nanos = 0) {
  Duration duration;
  duration.set_seconds(seconds);
  duration.set_nanos(nanos);
  return duration;
}

Timestamp At(int64_t seconds) {
  Timestamp time;
  time.set_seconds(seconds);
  return time;
}

int64_t SecondsOf(const Duration& duration) { return duration.seconds(); }

command::ScheduleActivityTaskCommandAttributes Activity() {
  command::ScheduleActivityTaskCommandAttributes attributes;
  attributes.set_activity_id("1");
  attributes.mutable_activity_type()->set_name("Greet");
  attributes.mutable_task_queue()->set_name("orders");
  attributes.mutable_start_to_close_timeout()->set_seconds(10);
  return attributes;
}

ActivityContext Context(int64_t run_timeout_seconds = 0) {
  ActivityContext context;
  context.workflow_task_queue = "orders";
  context.workflow_run_timeout = Seconds(run_timeout_seconds);
  return context;
}

// --- durations -----------------------------------------------------------------------------------

TEST(DurationTest, NegativeAndMixedSignDurationsAreRefusedAndHugeOnesCapped) {
  Duration negative = Seconds(-1);
  EXPECT_EQ(ValidateAndCapDuration(&negative), "negative duration");
  Duration mixed = Seconds(1, -5);
  EXPECT_EQ(ValidateAndCapDuration(&mixed), "duration has seconds and nanos with different signs");
  Duration huge = Seconds(kDurationSecondsMax + 10, 7);
  EXPECT_EQ(ValidateAndCapDuration(&huge), std::nullopt);
  EXPECT_EQ(huge.seconds(), kDurationSecondsMax);
  EXPECT_EQ(huge.nanos(), 0);
  Duration fine = Seconds(3, 500);
  EXPECT_EQ(ValidateAndCapDuration(&fine), std::nullopt);
  EXPECT_EQ(fine.seconds(), 3);
  EXPECT_EQ(fine.nanos(), 500);
}

TEST(DurationTest, ConversionsRoundTripAndSaturate) {
  EXPECT_EQ(ToNanos(Seconds(2, 5)).count(), 2'000'000'005);
  Duration back = ToDuration(std::chrono::nanoseconds(2'000'000'005));
  EXPECT_EQ(back.seconds(), 2);
  EXPECT_EQ(back.nanos(), 5);
  EXPECT_EQ(ToNanos(Seconds(int64_t{1} << 62)), std::chrono::nanoseconds::max());
  Timestamp before_epoch = ToTimestamp(std::chrono::nanoseconds(-1));
  EXPECT_EQ(before_epoch.seconds(), -1);
  EXPECT_EQ(before_epoch.nanos(), 999'999'999);
}

TEST(EnumShorthandTest, GivesTheGoShorthandOfAnEnumValueName) {
  EXPECT_EQ(EnumShorthand("COMMAND_TYPE_START_TIMER", "COMMAND_TYPE_"), "StartTimer");
  EXPECT_EQ(EnumShorthand("TIMEOUT_TYPE_SCHEDULE_TO_CLOSE", "TIMEOUT_TYPE_"), "ScheduleToClose");
}

// --- retry policies ------------------------------------------------------------------------------

TEST(RetryPolicyTest, DefaultsFillOnlyUnsetFieldsAndMaximumIntervalIsHundredTimesInitial) {
  common::RetryPolicy empty;
  FillRetryPolicyDefaults(&empty, DefaultRetrySettings{});
  EXPECT_EQ(SecondsOf(empty.initial_interval()), 1);
  EXPECT_EQ(SecondsOf(empty.maximum_interval()), 100);
  EXPECT_EQ(empty.backoff_coefficient(), 2.0);
  EXPECT_EQ(empty.maximum_attempts(), 0);

  common::RetryPolicy partial;
  *partial.mutable_initial_interval() = Seconds(3);
  partial.set_maximum_attempts(5);
  partial.set_backoff_coefficient(1.5);
  FillRetryPolicyDefaults(&partial, DefaultRetrySettings{});
  EXPECT_EQ(SecondsOf(partial.initial_interval()), 3);
  EXPECT_EQ(SecondsOf(partial.maximum_interval()), 300);
  EXPECT_EQ(partial.backoff_coefficient(), 1.5);
  EXPECT_EQ(partial.maximum_attempts(), 5);
}

TEST(RetryPolicyTest, CustomDefaultsTruncateTheCoefficientLikeTheReference) {
  DefaultRetrySettings defaults;
  defaults.initial_interval = std::chrono::milliseconds(500);
  defaults.maximum_interval_coefficient = 10.9;
  defaults.maximum_attempts = 7;
  common::RetryPolicy policy;
  FillRetryPolicyDefaults(&policy, defaults);
  EXPECT_EQ(ToNanos(policy.maximum_interval()), std::chrono::seconds(5));
  EXPECT_EQ(policy.maximum_attempts(), 7);
}

struct PolicyCase {
  const char* name;
  common::RetryPolicy policy;
  std::string error;  // empty = valid
};

common::RetryPolicy Policy(int64_t initial_s, double coefficient, int64_t maximum_s,
                           int32_t attempts, std::vector<std::string> types = {}) {
  common::RetryPolicy policy;
  *policy.mutable_initial_interval() = Seconds(initial_s);
  policy.set_backoff_coefficient(coefficient);
  *policy.mutable_maximum_interval() = Seconds(maximum_s);
  policy.set_maximum_attempts(attempts);
  for (auto& type : types) policy.add_non_retryable_error_types(type);
  return policy;
}

TEST(RetryPolicyTest, ValidationFollowsTheReferenceRulesAndWording) {
  std::vector<PolicyCase> cases = {
      {"valid", Policy(1, 2, 100, 0), ""},
      {"negative initial", Policy(-1, 2, 100, 0),
       "invalid InitialInterval set on retry policy: negative duration"},
      {"coefficient below one", Policy(1, 0.5, 100, 0),
       "BackoffCoefficient cannot be less than 1 on retry policy."},
      {"negative maximum", Policy(1, 2, -4, 0),
       "invalid MaximumInterval set on retry policy: negative duration"},
      {"maximum below initial", Policy(10, 2, 5, 0),
       "MaximumInterval cannot be less than InitialInterval on retry policy."},
      {"zero maximum is allowed", Policy(10, 2, 0, 0), ""},
      {"negative attempts", Policy(1, 2, 100, -1),
       "MaximumAttempts cannot be negative on retry policy."},
      {"one attempt skips every other check", Policy(-1, 0, -1, 1), ""},
      {"timeout type shorthand", Policy(1, 2, 100, 0, {"TemporalTimeout:StartToClose"}), ""},
      {"timeout type enum name", Policy(1, 2, 100, 0, {"TemporalTimeout:TIMEOUT_TYPE_HEARTBEAT"}),
       ""},
      {"unknown timeout type", Policy(1, 2, 100, 0, {"TemporalTimeout:Forever"}),
       "Invalid timeout type value: Forever."},
      {"unspecified timeout type", Policy(1, 2, 100, 0, {"TemporalTimeout:Unspecified"}),
       "Invalid timeout type value: Unspecified."},
      {"plain error types are free", Policy(1, 2, 100, 0, {"MyError"}), ""},
  };
  for (auto& each : cases) {
    auto result = ValidateRetryPolicy(&each.policy);
    if (each.error.empty()) {
      EXPECT_TRUE(result.IsSuccess()) << each.name << ": " << result.Error().Message();
    } else {
      ASSERT_TRUE(result.IsFailure()) << each.name;
      EXPECT_EQ(result.Error().Message(), each.error) << each.name;
      EXPECT_EQ(result.Error().Code(), "hdo.invalid_argument") << each.name;
    }
  }
  EXPECT_TRUE(ValidateRetryPolicy(nullptr).IsSuccess());
}

// --- ScheduleActivityTask ------------------------------------------------------------------------

TEST(ScheduleActivityTest, OnlyStartToCloseTakesTheRunTimeoutForTheOtherTimeouts) {
  auto attributes = Activity();
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, Context(60)), std::nullopt);
  EXPECT_EQ(SecondsOf(attributes.schedule_to_close_timeout()), 60);
  EXPECT_EQ(SecondsOf(attributes.schedule_to_start_timeout()), 60);
  EXPECT_EQ(SecondsOf(attributes.start_to_close_timeout()), 10);
  EXPECT_EQ(SecondsOf(attributes.heartbeat_timeout()), 0);
  EXPECT_TRUE(attributes.has_heartbeat_timeout());
}

TEST(ScheduleActivityTest, OnlyStartToCloseWithoutRunTimeoutGivesZeroButPresentTimeouts) {
  auto attributes = Activity();
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, Context(0)), std::nullopt);
  EXPECT_TRUE(attributes.has_schedule_to_close_timeout());
  EXPECT_TRUE(attributes.has_schedule_to_start_timeout());
  EXPECT_EQ(SecondsOf(attributes.schedule_to_close_timeout()), 0);
  EXPECT_EQ(SecondsOf(attributes.schedule_to_start_timeout()), 0);
  EXPECT_EQ(SecondsOf(attributes.start_to_close_timeout()), 10);
}

TEST(ScheduleActivityTest, ScheduleToCloseFillsAndCapsTheOthers) {
  auto attributes = Activity();
  attributes.clear_start_to_close_timeout();
  *attributes.mutable_schedule_to_close_timeout() = Seconds(30);
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, Context(0)), std::nullopt);
  EXPECT_EQ(SecondsOf(attributes.schedule_to_start_timeout()), 30);
  EXPECT_EQ(SecondsOf(attributes.start_to_close_timeout()), 30);

  auto capped = Activity();
  *capped.mutable_schedule_to_close_timeout() = Seconds(30);
  *capped.mutable_schedule_to_start_timeout() = Seconds(90);
  *capped.mutable_start_to_close_timeout() = Seconds(45);
  *capped.mutable_heartbeat_timeout() = Seconds(120);
  EXPECT_EQ(NormalizeScheduleActivity(&capped, Context(0)), std::nullopt);
  EXPECT_EQ(SecondsOf(capped.schedule_to_start_timeout()), 30);
  EXPECT_EQ(SecondsOf(capped.start_to_close_timeout()), 30);
  EXPECT_EQ(SecondsOf(capped.heartbeat_timeout()), 30);
}

TEST(ScheduleActivityTest, EveryTimeoutIsCappedByTheRunTimeout) {
  auto attributes = Activity();
  *attributes.mutable_schedule_to_close_timeout() = Seconds(600);
  *attributes.mutable_start_to_close_timeout() = Seconds(300);
  *attributes.mutable_heartbeat_timeout() = Seconds(200);
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, Context(50)), std::nullopt);
  EXPECT_EQ(SecondsOf(attributes.schedule_to_close_timeout()), 50);
  EXPECT_EQ(SecondsOf(attributes.schedule_to_start_timeout()), 50);
  EXPECT_EQ(SecondsOf(attributes.start_to_close_timeout()), 50);
  EXPECT_EQ(SecondsOf(attributes.heartbeat_timeout()), 50);
}

TEST(ScheduleActivityTest, ExplicitScheduleToStartIsKeptWhenOnlyStartToCloseIsSet) {
  auto attributes = Activity();
  *attributes.mutable_schedule_to_start_timeout() = Seconds(5);
  *attributes.mutable_heartbeat_timeout() = Seconds(20);
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, Context(60)), std::nullopt);
  EXPECT_EQ(SecondsOf(attributes.schedule_to_start_timeout()), 5);
  EXPECT_EQ(SecondsOf(attributes.schedule_to_close_timeout()), 60);
  EXPECT_EQ(SecondsOf(attributes.heartbeat_timeout()), 10);  // capped by start-to-close
}

TEST(ScheduleActivityTest, RetryPolicyIsAlwaysPresentWithDefaults) {
  auto attributes = Activity();
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, Context()), std::nullopt);
  ASSERT_TRUE(attributes.has_retry_policy());
  EXPECT_EQ(SecondsOf(attributes.retry_policy().initial_interval()), 1);
  EXPECT_EQ(SecondsOf(attributes.retry_policy().maximum_interval()), 100);
  EXPECT_EQ(attributes.retry_policy().backoff_coefficient(), 2.0);
  EXPECT_EQ(attributes.retry_policy().maximum_attempts(), 0);
}

TEST(ScheduleActivityTest, TaskQueueKindDefaultsToNormal) {
  auto attributes = Activity();
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, Context()), std::nullopt);
  EXPECT_EQ(attributes.task_queue().kind(), enums::TASK_QUEUE_KIND_NORMAL);
  EXPECT_EQ(attributes.task_queue().name(), "orders");
}

TEST(ScheduleActivityTest, FairnessKeyPrefixOfTheActivityIdSetsThePriority) {
  auto attributes = Activity();
  attributes.set_activity_id("x-temporal-internal-fairness-key[tenant-a:2.5]-7");
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, Context()), std::nullopt);
  EXPECT_EQ(attributes.priority().fairness_key(), "tenant-a");
  EXPECT_FLOAT_EQ(attributes.priority().fairness_weight(), 2.5F);
}

struct ActivityRejectionCase {
  const char* name;
  void (*mutate)(command::ScheduleActivityTaskCommandAttributes*);
  std::string message;
};

TEST(ScheduleActivityTest, BadAttributesAreRejectedWithTheReferenceMessage) {
  std::vector<ActivityRejectionCase> cases = {
      {"no task queue", [](auto* a) { a->clear_task_queue(); },
       "invalid TaskQueue on ScheduleActivityTaskCommand: taskQueue is not set. ActivityId=1 "
       "ActivityType=Greet"},
      {"empty task queue name", [](auto* a) { a->mutable_task_queue()->set_name(""); },
       "invalid TaskQueue on ScheduleActivityTaskCommand: "
       "missing task queue name. ActivityId=1 ActivityType=Greet"},
      {"long task queue",
       [](auto* a) { a->mutable_task_queue()->set_name(std::string(1001, 'q')); },
       "invalid TaskQueue on ScheduleActivityTaskCommand: "
       "taskQueue length exceeds limit. ActivityId=1 ActivityType=Greet"},
      {"reserved task queue", [](auto* a) { a->mutable_task_queue()->set_name("/_sys/q"); },
       "invalid TaskQueue on ScheduleActivityTaskCommand: "
       "task queue name cannot start with reserved prefix /_sys/. ActivityId=1 ActivityType=Greet"},
      {"internal task queue",
       [](auto* a) { a->mutable_task_queue()->set_name("temporal-sys-per-ns-tq"); },
       "invalid TaskQueue on ScheduleActivityTaskCommand: cannot use internal per-namespace task "
       "queue:temporal-sys-per-ns-tq (in parent component task queue: orders). ActivityId=1 "
       "ActivityType=Greet"},
      {"no activity id", [](auto* a) { a->set_activity_id(""); },
       "ActivityId is not set on ScheduleActivityTaskCommand. ActivityType=Greet"},
      {"no activity type", [](auto* a) { a->clear_activity_type(); },
       "ActivityType is not set on ScheduleActivityTaskCommand. ActivityID=1"},
      {"bad retry policy", [](auto* a) { a->mutable_retry_policy()->set_backoff_coefficient(0.5); },
       "BackoffCoefficient cannot be less than 1 on retry policy."},
      {"long activity id", [](auto* a) { a->set_activity_id(std::string(1001, 'a')); },
       "ActivityId on ScheduleActivityTaskCommand exceeds length limit. ActivityId=" +
           std::string(1001, 'a') + " ActivityType=Greet Length=1001 Limit=1000"},
      {"long activity type",
       [](auto* a) { a->mutable_activity_type()->set_name(std::string(1002, 't')); },
       "ActivityType on ScheduleActivityTaskCommand exceeds length limit. ActivityId=1 "
       "ActivityType=" +
           std::string(1002, 't') + " Length=1002 Limit=1000"},
      {"negative priority", [](auto* a) { a->mutable_priority()->set_priority_key(-1); },
       "invalid priorities: priority key can't be negative"},
      {"negative schedule to close",
       [](auto* a) { *a->mutable_schedule_to_close_timeout() = Seconds(-1); },
       "Invalid ScheduleToCloseTimeout for ScheduleActivityTaskCommand: negative duration. "
       "ActivityId=1 ActivityType=Greet"},
      {"negative schedule to start",
       [](auto* a) { *a->mutable_schedule_to_start_timeout() = Seconds(-1); },
       "Invalid ScheduleToStartTimeout for ScheduleActivityTaskCommand: negative duration. "
       "ActivityId=1 ActivityType=Greet"},
      {"negative start to close",
       [](auto* a) { *a->mutable_start_to_close_timeout() = Seconds(-1); },
       "Invalid StartToCloseTimeout for ScheduleActivityTaskCommand: negative duration. "
       "ActivityId=1 ActivityType=Greet"},
      {"negative heartbeat", [](auto* a) { *a->mutable_heartbeat_timeout() = Seconds(-1); },
       "Invalid HeartbeatTimeout for ScheduleActivityTaskCommand: negative duration. ActivityId=1 "
       "ActivityType=Greet"},
      {"no start or close timeout",
       [](auto* a) {
         a->clear_start_to_close_timeout();
         *a->mutable_schedule_to_start_timeout() = Seconds(5);
       },
       "A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand. "
       "ActivityId=1 ActivityType=Greet"},
  };
  for (const auto& each : cases) {
    auto attributes = Activity();
    each.mutate(&attributes);
    auto rejection = NormalizeScheduleActivity(&attributes, Context(60));
    ASSERT_TRUE(rejection.has_value()) << each.name;
    EXPECT_EQ(rejection->cause, enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES)
        << each.name;
    EXPECT_EQ(rejection->message, each.message) << each.name;
  }
}

TEST(ScheduleActivityTest, InternalTaskQueueIsAllowedFromAnInternalWorkflowQueue) {
  auto attributes = Activity();
  attributes.mutable_task_queue()->set_name("temporal-sys-per-ns-tq");
  auto context = Context();
  context.workflow_task_queue = "temporal-sys-per-ns-tq";
  EXPECT_EQ(NormalizeScheduleActivity(&attributes, context), std::nullopt);
}

// --- other commands ------------------------------------------------------------------------------

TEST(CommandTest, TimerNeedsAnIdAndANonNegativeTimeout) {
  command::StartTimerCommandAttributes timer;
  auto rejection = NormalizeStartTimer(&timer);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->cause, enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES);
  EXPECT_EQ(rejection->message, "TimerId is not set on StartTimerCommand.");

  timer.set_timer_id("t1");
  *timer.mutable_start_to_fire_timeout() = Seconds(-2);
  rejection = NormalizeStartTimer(&timer);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->message,
            "An invalid StartToFireTimeout is set on StartTimerCommand: negative duration. "
            "TimerId=t1");

  timer.set_timer_id(std::string(1001, 'x'));
  rejection = NormalizeStartTimer(&timer);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->message, "TimerId on StartTimerCommand exceeds length limit. TimerId=" +
                                    std::string(1001, 'x') + " Length=1001 Limit=1000");

  timer.set_timer_id("t1");
  *timer.mutable_start_to_fire_timeout() = Seconds(0);
  EXPECT_EQ(NormalizeStartTimer(&timer), std::nullopt);  // the reference fires it at once
  *timer.mutable_start_to_fire_timeout() = Seconds(kDurationSecondsMax * 2);
  EXPECT_EQ(NormalizeStartTimer(&timer), std::nullopt);
  EXPECT_EQ(timer.start_to_fire_timeout().seconds(), kDurationSecondsMax);
}

TEST(CommandTest, CancelTimerAndCancelActivityNeedTheirIds) {
  command::CancelTimerCommandAttributes cancel_timer;
  auto rejection = ValidateCancelTimer(cancel_timer);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->cause, enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES);
  EXPECT_EQ(rejection->message, "TimerId is not set on CancelTimerCommand.");
  cancel_timer.set_timer_id("t");
  EXPECT_EQ(ValidateCancelTimer(cancel_timer), std::nullopt);

  command::RequestCancelActivityTaskCommandAttributes cancel_activity;
  rejection = ValidateRequestCancelActivity(cancel_activity);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->cause,
            enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES);
  EXPECT_EQ(rejection->message, "ScheduledEventId is not set on RequestCancelActivityTaskCommand.");
  cancel_activity.set_scheduled_event_id(5);
  EXPECT_EQ(ValidateRequestCancelActivity(cancel_activity), std::nullopt);
}

TEST(CommandTest, FailWorkflowNeedsAFailureAndMarkerNeedsAName) {
  command::FailWorkflowExecutionCommandAttributes fail;
  auto rejection = ValidateFailWorkflowExecution(fail);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->cause,
            enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES);
  EXPECT_EQ(rejection->message, "Failure is not set on FailWorkflowExecutionCommand.");
  fail.mutable_failure()->set_message("boom");
  EXPECT_EQ(ValidateFailWorkflowExecution(fail), std::nullopt);

  command::RecordMarkerCommandAttributes marker;
  rejection = ValidateRecordMarker(marker);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->cause, enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES);
  EXPECT_EQ(rejection->message, "MarkerName is not set on RecordMarkerCommand.");
  marker.set_marker_name(std::string(1001, 'm'));
  rejection = ValidateRecordMarker(marker);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->message,
            "MarkerName on RecordMarkerCommand exceeds length limit. MarkerName=" +
                std::string(1001, 'm') + " Length=1001 Limit=1000");
  marker.set_marker_name("SideEffect");
  EXPECT_EQ(ValidateRecordMarker(marker), std::nullopt);
}

TEST(CommandTest, SearchAttributesMemoAndProtocolMessagesNeedContent) {
  command::UpsertWorkflowSearchAttributesCommandAttributes upsert;
  auto rejection = ValidateUpsertWorkflowSearchAttributes(upsert);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->cause, enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES);
  EXPECT_EQ(rejection->message,
            "SearchAttributes is not set on UpsertWorkflowSearchAttributesCommand.");
  upsert.mutable_search_attributes();
  rejection = ValidateUpsertWorkflowSearchAttributes(upsert);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->message,
            "IndexedFields is not set on UpsertWorkflowSearchAttributesCommand.");
  (*upsert.mutable_search_attributes()->mutable_indexed_fields())["CustomKeywordField"];
  EXPECT_EQ(ValidateUpsertWorkflowSearchAttributes(upsert), std::nullopt);

  command::ModifyWorkflowPropertiesCommandAttributes modify;
  rejection = ValidateModifyWorkflowProperties(modify);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->cause,
            enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES);
  EXPECT_EQ(rejection->message, "UpsertedMemo is not set on ModifyWorkflowPropertiesCommand.");
  modify.mutable_upserted_memo();
  rejection = ValidateModifyWorkflowProperties(modify);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->message,
            "UpsertedMemo.Fields is not set on ModifyWorkflowPropertiesCommand.");
  (*modify.mutable_upserted_memo()->mutable_fields())["note"];
  EXPECT_EQ(ValidateModifyWorkflowProperties(modify), std::nullopt);

  command::ProtocolMessageCommandAttributes message;
  rejection = ValidateProtocolMessage(message);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->cause,
            enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE);
  EXPECT_EQ(rejection->message, "MessageID is not set on ProtocolMessageCommand.");
  message.set_message_id("u1/request");
  EXPECT_EQ(ValidateProtocolMessage(message), std::nullopt);
}

TEST(CommandTest, CommandWhoseAttributesDoNotMatchItsTypeIsRejected) {
  struct Case {
    enums::CommandType type;
    enums::WorkflowTaskFailedCause cause;
    std::string message;
  };
  std::vector<Case> cases = {
      {enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
       enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
       "ScheduleActivityTaskCommandAttributes is not set on ScheduleActivityTaskCommand."},
      {enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
       enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES,
       "CompleteWorkflowExecutionCommandAttributes is not set on "
       "CompleteWorkflowExecutionCommand."},
      {enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
       enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_WORKFLOW_EXECUTION_ATTRIBUTES,
       "CancelWorkflowExecutionCommandAttributes is not set on CancelWorkflowExecutionCommand."},
      {enums::COMMAND_TYPE_START_TIMER,
       enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES,
       "StartTimerCommandAttributes is not set on StartTimerCommand."},
      {enums::COMMAND_TYPE_PROTOCOL_MESSAGE,
       enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE,
       "ProtocolMessageCommandAttributes is not set on ProtocolMessageCommand."},
  };
  for (const auto& each : cases) {
    command::Command wrong;
    wrong.set_command_type(each.type);
    wrong.mutable_record_marker_command_attributes()->set_marker_name("m");
    auto rejection = NormalizeCommand(&wrong, Context());
    ASSERT_TRUE(rejection.has_value()) << each.message;
    EXPECT_EQ(rejection->cause, each.cause);
    EXPECT_EQ(rejection->message, each.message);
  }
}

TEST(CommandTest, NormalizeCommandDispatchesAndNormalizesInPlace) {
  command::Command schedule;
  schedule.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  *schedule.mutable_schedule_activity_task_command_attributes() = Activity();
  EXPECT_EQ(NormalizeCommand(&schedule, Context(60)), std::nullopt);
  EXPECT_EQ(
      SecondsOf(schedule.schedule_activity_task_command_attributes().schedule_to_close_timeout()),
      60);

  command::Command complete;
  complete.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  complete.mutable_complete_workflow_execution_command_attributes();
  EXPECT_EQ(NormalizeCommand(&complete, Context()), std::nullopt);

  command::Command fail;
  fail.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
  fail.mutable_fail_workflow_execution_command_attributes();
  auto rejection = NormalizeCommand(&fail, Context());
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->message, "Failure is not set on FailWorkflowExecutionCommand.");
}

command::Command OfType(enums::CommandType type) {
  command::Command each;
  each.set_command_type(type);
  return each;
}

TEST(CommandSequenceTest, CloseCommandMustBeLast) {
  google::protobuf::RepeatedPtrField<command::Command> commands;
  *commands.Add() = OfType(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  *commands.Add() = OfType(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  EXPECT_EQ(ValidateCommandSequence(commands), std::nullopt);
  *commands.Add() = OfType(enums::COMMAND_TYPE_START_TIMER);
  EXPECT_EQ(ValidateCommandSequence(commands),
            "invalid command sequence: [ScheduleActivityTask, CompleteWorkflowExecution, "
            "StartTimer], command CompleteWorkflowExecution must be the last command.");
}

TEST(CommandSequenceTest, UnspecifiedCommandTypeIsUnknown) {
  google::protobuf::RepeatedPtrField<command::Command> commands;
  *commands.Add() = OfType(enums::COMMAND_TYPE_UNSPECIFIED);
  EXPECT_EQ(ValidateCommandSequence(commands), "unknown command type: Unspecified");
  google::protobuf::RepeatedPtrField<command::Command> empty;
  EXPECT_EQ(ValidateCommandSequence(empty), std::nullopt);
}

// --- retries -------------------------------------------------------------------------------------

common::RetryPolicy DefaultPolicy(int32_t maximum_attempts = 0) {
  common::RetryPolicy policy;
  policy.set_maximum_attempts(maximum_attempts);
  FillRetryPolicyDefaults(&policy, DefaultRetrySettings{});
  return policy;
}

failure::Failure ApplicationFailure(const std::string& type, bool non_retryable = false) {
  failure::Failure f;
  f.set_message("boom");
  f.mutable_application_failure_info()->set_type(type);
  f.mutable_application_failure_info()->set_non_retryable(non_retryable);
  return f;
}

failure::Failure Timeout(enums::TimeoutType type) { return ActivityTimeoutFailure(type); }

TEST(RetryTest, BackoffGrowsExponentiallyUpToTheMaximumInterval) {
  auto policy = DefaultPolicy();
  auto f = ApplicationFailure("Oops");
  std::vector<int64_t> expected = {1, 2, 4, 8, 16, 32, 64, 100, 100};
  for (int32_t attempt = 1; attempt <= 9; ++attempt) {
    auto decision = NextActivityRetry(&policy, attempt, false, &f, std::nullopt, At(1000));
    EXPECT_EQ(decision.state, enums::RETRY_STATE_IN_PROGRESS) << attempt;
    EXPECT_EQ(decision.backoff.seconds(), expected[attempt - 1]) << attempt;
  }
}

TEST(RetryTest, MaximumAttemptsCountsTheFirstAttempt) {
  auto policy = DefaultPolicy(3);
  auto f = ApplicationFailure("Oops");
  EXPECT_EQ(NextActivityRetry(&policy, 2, false, &f, std::nullopt, At(0)).state,
            enums::RETRY_STATE_IN_PROGRESS);
  auto last = NextActivityRetry(&policy, 3, false, &f, std::nullopt, At(0));
  EXPECT_EQ(last.state, enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  EXPECT_EQ(last.backoff.seconds(), 0);
  EXPECT_EQ(NextWorkflowRetry(&policy, 3, &f, std::nullopt, At(0)).state,
            enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
}

TEST(RetryTest, NextAttemptAfterExpirationIsATimeout) {
  auto policy = DefaultPolicy();
  auto f = ApplicationFailure("Oops");
  // attempt 3 waits 4 s: at 100 it would start at 104.
  EXPECT_EQ(NextActivityRetry(&policy, 3, false, &f, At(103), At(100)).state,
            enums::RETRY_STATE_TIMEOUT);
  EXPECT_EQ(NextActivityRetry(&policy, 3, false, &f, At(104), At(100)).state,
            enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(NextWorkflowRetry(&policy, 3, &f, At(103), At(100)).state, enums::RETRY_STATE_TIMEOUT);
}

TEST(RetryTest, NonRetryableFailuresAreFinal) {
  auto policy = DefaultPolicy();
  policy.add_non_retryable_error_types("Fatal");
  policy.add_non_retryable_error_types("TemporalTimeout:Heartbeat");
  auto non_retryable_flag = ApplicationFailure("Oops", true);
  auto listed = ApplicationFailure("Fatal");
  failure::Failure canceled;
  canceled.mutable_canceled_failure_info();
  failure::Failure terminated;
  terminated.mutable_terminated_failure_info();
  failure::Failure server_final;
  server_final.mutable_server_failure_info()->set_non_retryable(true);
  auto heartbeat = Timeout(enums::TIMEOUT_TYPE_HEARTBEAT);
  for (const failure::Failure* f :
       {&non_retryable_flag, &listed, &canceled, &terminated, &server_final, &heartbeat}) {
    EXPECT_FALSE(IsRetryableFailure(f, policy)) << f->DebugString();
    EXPECT_EQ(NextActivityRetry(&policy, 1, false, f, std::nullopt, At(0)).state,
              enums::RETRY_STATE_NON_RETRYABLE_FAILURE)
        << f->DebugString();
    EXPECT_EQ(NextWorkflowRetry(&policy, 1, f, std::nullopt, At(0)).state,
              enums::RETRY_STATE_NON_RETRYABLE_FAILURE)
        << f->DebugString();
  }
}

TEST(RetryTest, RetryableFailuresIncludeStartToCloseAndUnknownKinds) {
  auto policy = DefaultPolicy();
  auto start_to_close = Timeout(enums::TIMEOUT_TYPE_START_TO_CLOSE);
  auto heartbeat = Timeout(enums::TIMEOUT_TYPE_HEARTBEAT);
  failure::Failure server_retryable;
  server_retryable.mutable_server_failure_info();
  failure::Failure plain;
  plain.set_message("no info");
  for (const failure::Failure* f : {&start_to_close, &heartbeat, &server_retryable, &plain}) {
    EXPECT_TRUE(IsRetryableFailure(f, policy)) << f->DebugString();
  }
  EXPECT_TRUE(IsRetryableFailure(nullptr, policy));
  EXPECT_EQ(NextActivityRetry(&policy, 1, false, nullptr, std::nullopt, At(0)).state,
            enums::RETRY_STATE_IN_PROGRESS);
}

TEST(RetryTest, ScheduleTimeoutsAreNotRetried) {
  auto policy = DefaultPolicy();
  for (auto type : {enums::TIMEOUT_TYPE_SCHEDULE_TO_START, enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE}) {
    auto f = Timeout(type);
    EXPECT_EQ(NextActivityRetry(&policy, 1, false, &f, std::nullopt, At(0)).state,
              enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
    EXPECT_EQ(NextWorkflowRetry(&policy, 1, &f, std::nullopt, At(0)).state,
              enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
  }
}

TEST(RetryTest, NoPolicyAndCancelRequestedStopRetries) {
  auto f = ApplicationFailure("Oops");
  EXPECT_EQ(NextActivityRetry(nullptr, 1, false, &f, std::nullopt, At(0)).state,
            enums::RETRY_STATE_RETRY_POLICY_NOT_SET);
  EXPECT_EQ(NextWorkflowRetry(nullptr, 1, &f, std::nullopt, At(0)).state,
            enums::RETRY_STATE_RETRY_POLICY_NOT_SET);
  auto policy = DefaultPolicy();
  EXPECT_EQ(NextActivityRetry(&policy, 1, true, &f, std::nullopt, At(0)).state,
            enums::RETRY_STATE_CANCEL_REQUESTED);
}

TEST(RetryTest, NextRetryDelayOverridesTheIntervalAndForActivitiesTheMaximum) {
  auto policy = DefaultPolicy();  // maximum interval 100 s
  auto f = ApplicationFailure("Oops");
  *f.mutable_application_failure_info()->mutable_next_retry_delay() = Seconds(500);
  auto activity = NextActivityRetry(&policy, 1, false, &f, std::nullopt, At(0));
  EXPECT_EQ(activity.state, enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(activity.backoff.seconds(), 500);
  auto workflow = NextWorkflowRetry(&policy, 1, &f, std::nullopt, At(0));
  EXPECT_EQ(workflow.state, enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(workflow.backoff.seconds(), 100);  // still capped by maximum_interval

  *f.mutable_application_failure_info()->mutable_next_retry_delay() = Seconds(7);
  EXPECT_EQ(NextWorkflowRetry(&policy, 5, &f, std::nullopt, At(0)).backoff.seconds(), 7);
}

TEST(RetryTest, ActivityRetryExpirationIsFirstScheduledPlusScheduleToClose) {
  auto expiration = ActivityRetryExpiration(At(100), Seconds(30));
  ASSERT_TRUE(expiration.has_value());
  EXPECT_EQ(expiration->seconds(), 130);
  EXPECT_EQ(ActivityRetryExpiration(At(100), Seconds(0)), std::nullopt);
}

TEST(RetryTest, TimedOutEventFailureNamesTheTimeoutOrScheduleToCloseWhenOutOfTime) {
  auto start_to_close = ActivityTimedOutEventFailure(
      enums::TIMEOUT_TYPE_START_TO_CLOSE, enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, nullptr);
  EXPECT_EQ(start_to_close.message(), "activity StartToClose timeout");
  EXPECT_EQ(start_to_close.source(), "Server");
  EXPECT_EQ(start_to_close.timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_START_TO_CLOSE);

  common::Payloads details;
  details.add_payloads()->set_data("progress");
  auto out_of_time = ActivityTimedOutEventFailure(enums::TIMEOUT_TYPE_HEARTBEAT,
                                                  enums::RETRY_STATE_TIMEOUT, &details);
  EXPECT_EQ(out_of_time.message(),
            "Not enough time to schedule next retry before activity ScheduleToClose timeout, "
            "giving up retrying");
  EXPECT_EQ(out_of_time.timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
  EXPECT_EQ(out_of_time.timeout_failure_info().last_heartbeat_details().payloads(0).data(),
            "progress");

  auto schedule_to_start = ActivityTimedOutEventFailure(enums::TIMEOUT_TYPE_SCHEDULE_TO_START,
                                                        enums::RETRY_STATE_TIMEOUT, nullptr);
  EXPECT_EQ(schedule_to_start.message(), "activity ScheduleToStart timeout");
  EXPECT_EQ(schedule_to_start.timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_SCHEDULE_TO_START);
}

// --- activity timers -----------------------------------------------------------------------------

ActivityAttemptTimes Times() {
  ActivityAttemptTimes times;
  times.schedule_to_close_timeout = Seconds(100);
  times.schedule_to_start_timeout = Seconds(20);
  times.start_to_close_timeout = Seconds(30);
  times.heartbeat_timeout = Seconds(5);
  times.first_scheduled_time = At(1000);
  times.scheduled_time = At(1010);
  return times;
}

TEST(ActivityTimersTest, NotStartedAttemptHasScheduleTimersOnly) {
  auto timers = ActivityTimers(Times());
  ASSERT_EQ(timers.size(), 2U);
  EXPECT_EQ(timers[0].timeout_type, enums::TIMEOUT_TYPE_SCHEDULE_TO_START);
  EXPECT_EQ(timers[0].deadline.seconds(), 1030);
  EXPECT_EQ(timers[1].timeout_type, enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
  EXPECT_EQ(timers[1].deadline.seconds(), 1100);
}

TEST(ActivityTimersTest, StartedAttemptHasStartToCloseAndHeartbeatFromTheLastHeartbeat) {
  auto times = Times();
  times.started_time = At(1012);
  times.last_heartbeat_time = At(1015);
  auto timers = ActivityTimers(times);
  ASSERT_EQ(timers.size(), 3U);
  EXPECT_EQ(timers[0].timeout_type, enums::TIMEOUT_TYPE_HEARTBEAT);
  EXPECT_EQ(timers[0].deadline.seconds(), 1020);
  EXPECT_EQ(timers[1].timeout_type, enums::TIMEOUT_TYPE_START_TO_CLOSE);
  EXPECT_EQ(timers[1].deadline.seconds(), 1042);
  EXPECT_EQ(timers[2].timeout_type, enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);

  times.last_heartbeat_time = At(1001);  // older than the start: the start counts
  EXPECT_EQ(ActivityTimers(times)[0].deadline.seconds(), 1017);
}

TEST(ActivityTimersTest, ZeroTimeoutsHaveNoTimerAndTiesOrderByTimeoutType) {
  ActivityAttemptTimes times;
  times.start_to_close_timeout = Seconds(10);
  times.heartbeat_timeout = Seconds(10);
  times.started_time = At(50);
  auto timers = ActivityTimers(times);
  ASSERT_EQ(timers.size(), 2U);
  EXPECT_EQ(timers[0].timeout_type, enums::TIMEOUT_TYPE_START_TO_CLOSE);
  EXPECT_EQ(timers[1].timeout_type, enums::TIMEOUT_TYPE_HEARTBEAT);
  EXPECT_EQ(timers[1].deadline.seconds(), 60);
}

}  // namespace
}  // namespace hdo::history
