#include "visibility/worker_filter.h"

#include <gtest/gtest.h>

#include "common/error_codes.h"

namespace hdo::visibility {
namespace {

using temporal::api::worker::v1::WorkerHeartbeat;

WorkerHeartbeat Worker() {
  WorkerHeartbeat heartbeat;
  heartbeat.set_worker_instance_key("key-1");
  heartbeat.set_worker_identity("1234@host-a");
  heartbeat.mutable_host_info()->set_host_name("host-a");
  heartbeat.set_task_queue("orders");
  heartbeat.mutable_deployment_version()->set_deployment_name("shop");
  heartbeat.mutable_deployment_version()->set_build_id("v7");
  heartbeat.set_sdk_name("temporal-go");
  heartbeat.set_sdk_version("1.51.0");
  heartbeat.set_status(temporal::api::enums::v1::WORKER_STATUS_RUNNING);
  heartbeat.mutable_start_time()->set_seconds(1'700'000'000);  // 2023-11-14T22:13:20Z
  heartbeat.mutable_heartbeat_time()->set_seconds(1'700'000'060);
  return heartbeat;
}

// "match", "no match", or the error's message.
std::string Outcome(std::string_view query, const WorkerHeartbeat& heartbeat = Worker()) {
  auto filter = WorkerFilter::Compile(query);
  if (filter.IsFailure()) {
    EXPECT_EQ(filter.Error().Code(), errors::kInvalidArgument) << query;
    return filter.Error().Message();
  }
  return filter.Value().Matches(heartbeat) ? "match" : "no match";
}

TEST(WorkerFilterTest, StringColumnsCompareEqualityAndPrefixes) {
  EXPECT_EQ(Outcome(""), "match");
  EXPECT_EQ(Outcome("TaskQueue = 'orders'"), "match");
  EXPECT_EQ(Outcome("TaskQueue=\"orders\""), "match");  // as the Go SDK's suite writes it
  EXPECT_EQ(Outcome("TaskQueue = 'payments'"), "no match");
  EXPECT_EQ(Outcome("TaskQueue != 'payments'"), "match");
  EXPECT_EQ(Outcome("WorkerIdentity STARTS_WITH '1234@'"), "match");
  EXPECT_EQ(Outcome("HostName NOT STARTS_WITH 'host-'"), "no match");
  EXPECT_EQ(Outcome("WorkerInstanceKey = 'key-1'"), "match");
  EXPECT_EQ(Outcome("DeploymentName = 'shop' AND BuildId = 'v7'"), "match");
  EXPECT_EQ(Outcome("SdkName = 'temporal-go' AND SdkVersion STARTS_WITH '1.5'"), "match");
  EXPECT_EQ(Outcome("TaskQueue = 'x' OR (SdkName = 'temporal-go' AND HostName = 'host-a')"),
            "match");
}

TEST(WorkerFilterTest, StatusMatchesTheEnumNameOrItsShortForm) {
  EXPECT_EQ(Outcome("WorkerStatus = 'WORKER_STATUS_RUNNING'"), "match");
  EXPECT_EQ(Outcome("Status = 'Running'"), "match");
  EXPECT_EQ(Outcome("WorkerStatus = 'shutdown'"), "no match");
}

TEST(WorkerFilterTest, TimeColumnsCompareRfc3339TimesAndNanoseconds) {
  EXPECT_EQ(Outcome("StartTime = '2023-11-14T22:13:20Z'"), "match");
  EXPECT_EQ(Outcome("StartTime < '2023-11-14T22:13:21Z'"), "match");
  EXPECT_EQ(Outcome("StartTime > '2023-11-14T22:13:21Z'"), "no match");
  EXPECT_EQ(Outcome("StartTime >= 1700000000000000000"), "match");
  EXPECT_EQ(Outcome("HeartbeatTime BETWEEN '2023-11-14T22:14:00Z' AND '2023-11-14T22:15:00Z'"),
            "match");
  EXPECT_EQ(Outcome("LastHeartbeatTime NOT BETWEEN '2023-11-14T22:14:00Z' AND "
                    "'2023-11-14T22:15:00Z'"),
            "no match");
  WorkerHeartbeat silent = Worker();
  silent.clear_heartbeat_time();
  EXPECT_EQ(
      Outcome("HeartbeatTime BETWEEN '2000-01-01T00:00:00Z' AND '2100-01-01T00:00:00Z'", silent),
      "no match");
}

TEST(WorkerFilterTest, WhatCannotBeEvaluatedIsRefusedWithTheReason) {
  EXPECT_EQ(Outcome("Color = 'red'"),
            "unknown or unsupported worker heartbeat search field: Color");
  EXPECT_EQ(Outcome("TaskQueue > 'a'"),
            "invalid expression: operation > is not supported for TaskQueue column");
  EXPECT_EQ(Outcome("TaskQueue = ''"), "TaskQueue cannot be empty");
  EXPECT_EQ(Outcome("TaskQueue = 5"), "invalid value for TaskQueue: 5 is not a string value");
  EXPECT_EQ(Outcome("StartTime STARTS_WITH '2023'"),
            "invalid expression: operation starts_with is not supported for StartTime column");
  EXPECT_EQ(Outcome("StartTime < 'yesterday'"),
            "invalid value for StartTime: 'yesterday' is not an RFC 3339 time or Unix nanoseconds");
  EXPECT_EQ(Outcome("NOT TaskQueue = 'orders'"), "operation is not supported: 'not' expression");
  EXPECT_EQ(Outcome("TaskQueue IS NULL"), "operation is not supported: 'is' expression");
  EXPECT_EQ(Outcome("TaskQueue = 'orders' ORDER BY StartTime"),
            "operation is not supported: 'order by' clause");
  EXPECT_TRUE(Outcome("TaskQueue = ").starts_with("malformed query: invalid query: "))
      << Outcome("TaskQueue = ");
}

}  // namespace
}  // namespace hdo::visibility
