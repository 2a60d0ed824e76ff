// Goal: /readyz's decision and body: ready only when every check passes, each failing check named,
// backlogs always reported (largest first, capped) and a condition only over the configured limit,
// and a report that could not be gathered (starting, stopping, store thread late) never ready.
// Method: EvaluateReadiness on hand-made reports; the body parsed back as JSON.
#include "server/readiness.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hdo::server {
namespace {

using nlohmann::json;

ReadinessReport Healthy() {
  ReadinessReport report;
  report.store_latency_ms = 1;
  report.shards_owned = 1;
  report.shards_total = 1;
  return report;
}

TEST(ReadinessTest, AHealthyReportIsReadyWithEveryCheckInTheBody) {
  ReadinessReport report = Healthy();
  report.backlogs.push_back({"default", "orders", "workflow", 3});
  Readiness readiness = EvaluateReadiness(report, {});
  EXPECT_TRUE(readiness.ready);
  json body = json::parse(readiness.json);
  EXPECT_EQ(body["status"], "ready");
  EXPECT_FALSE(body.contains("failing"));
  EXPECT_EQ(body["checks"]["store"]["ok"], true);
  EXPECT_EQ(body["checks"]["history_shards"]["owned"], 1);
  EXPECT_EQ(body["checks"]["timer_queue"]["lag_max_ms"], 30000);
  EXPECT_EQ(body["checks"]["task_backlog"]["queues"][0]["task_queue"], "orders");
  EXPECT_EQ(body["checks"]["task_backlog"]["queues"][0]["tasks"], 3);
}

TEST(ReadinessTest, AnUncheckedReportIsNotReadyAndSaysWhy) {
  ReadinessReport report = Healthy();
  report.unchecked = "starting";
  Readiness readiness = EvaluateReadiness(report, {});
  EXPECT_FALSE(readiness.ready);
  EXPECT_EQ(readiness.json, R"({"reason":"starting","status":"not_ready"})");
}

TEST(ReadinessTest, EachFailingCheckIsNamed) {
  ReadinessReport report = Healthy();
  report.store_error = "database is locked";
  report.shards_owned = 0;
  report.shards_detail = "reloading after a failed commit";
  report.timer_lag_ms = 31000;
  Readiness readiness = EvaluateReadiness(report, {});
  EXPECT_FALSE(readiness.ready);
  json body = json::parse(readiness.json);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["failing"], json({"store", "history_shards", "timer_queue"}));
  EXPECT_EQ(body["checks"]["store"]["error"], "database is locked");
  EXPECT_EQ(body["checks"]["history_shards"]["detail"], "reloading after a failed commit");
}

TEST(ReadinessTest, ABacklogIsAConditionOnlyOverItsLimit) {
  ReadinessReport report = Healthy();
  report.backlogs.push_back({"default", "big", "activity", 5000});
  EXPECT_TRUE(EvaluateReadiness(report, {}).ready);
  EXPECT_TRUE(EvaluateReadiness(report, {.task_backlog_max = 5000}).ready);
  Readiness over = EvaluateReadiness(report, {.task_backlog_max = 4999});
  EXPECT_FALSE(over.ready);
  EXPECT_EQ(json::parse(over.json)["failing"], json({"task_backlog"}));
}

TEST(ReadinessTest, QueuesAreListedLargestFirstUpToTheCap) {
  ReadinessReport report = Healthy();
  for (int i = 1; i <= 5; ++i)
    report.backlogs.push_back({"ns", "q" + std::to_string(i), "workflow", i});
  json body = json::parse(EvaluateReadiness(report, {.queues_listed_max = 2}).json);
  auto backlog = body["checks"]["task_backlog"];
  ASSERT_EQ(backlog["queues"].size(), 2u);
  EXPECT_EQ(backlog["queues"][0]["task_queue"], "q5");
  EXPECT_EQ(backlog["queues"][1]["task_queue"], "q4");
  EXPECT_EQ(backlog["queues_not_listed"], 3);
}

}  // namespace
}  // namespace hdo::server
