#include "matching/worker_registry.h"

#include <gtest/gtest.h>

namespace hdo::matching {
namespace {

using Heartbeat = WorkerRegistry::Heartbeat;

Heartbeat Beat(const std::string& key, const std::string& queue) {
  Heartbeat heartbeat;
  heartbeat.set_worker_instance_key(key);
  heartbeat.set_task_queue(queue);
  return heartbeat;
}

std::vector<std::string> Keys(const std::vector<Heartbeat>& heartbeats) {
  std::vector<std::string> keys;
  for (const auto& heartbeat : heartbeats) keys.push_back(heartbeat.worker_instance_key());
  return keys;
}

const auto kAll = [](const Heartbeat&) { return true; };

TEST(WorkerRegistryTest, KeepsTheNewestHeartbeatOfEachWorkerPerNamespace) {
  WorkerRegistry registry;
  registry.Record("ns-1", {Beat("b", "q1"), Beat("a", "q1")});
  registry.Record("ns-1", {Beat("b", "q2")});
  registry.Record("ns-2", {Beat("c", "q1")});
  auto listed = registry.List("ns-1", kAll);
  EXPECT_EQ(Keys(listed), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(listed[1].task_queue(), "q2");
  EXPECT_EQ(Keys(registry.List("ns-2", kAll)), (std::vector<std::string>{"c"}));
  EXPECT_TRUE(registry.List("ns-3", kAll).empty());
  ASSERT_TRUE(registry.Find("ns-1", "b").has_value());
  EXPECT_EQ(registry.Find("ns-1", "b")->task_queue(), "q2");
  EXPECT_FALSE(registry.Find("ns-2", "b").has_value());
  EXPECT_EQ(registry.Size(), 3u);
}

TEST(WorkerRegistryTest, ListsInKeyOrderFromAfterTheTokenUpToTheLimit) {
  WorkerRegistry registry;
  registry.Record("ns", {Beat("d", "q"), Beat("a", "q"), Beat("c", "other"), Beat("b", "q")});
  auto on_q = [](const Heartbeat& heartbeat) { return heartbeat.task_queue() == "q"; };
  EXPECT_EQ(Keys(registry.List("ns", on_q)), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(Keys(registry.List("ns", on_q, "", 2)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Keys(registry.List("ns", on_q, "b", 2)), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(registry.List("ns", on_q, "d").empty());
}

TEST(WorkerRegistryTest, ForgetsAWorkerSilentForTheTtlAndTheOldestAboveTheCapacity) {
  WorkerRegistry::Options options;
  options.ttl = std::chrono::seconds(60);
  options.max_entries = 2;
  WorkerRegistry registry(options);
  const auto start = WorkerRegistry::Clock::time_point() + std::chrono::hours(1);
  registry.Record("ns", {Beat("a", "q")}, start);
  registry.Record("ns", {Beat("b", "q")}, start + std::chrono::seconds(30));
  // a is silent for 60 s: gone; b (heard 30 s later) stays.
  EXPECT_EQ(Keys(registry.List("ns", kAll, "", 0, start + std::chrono::seconds(60))),
            (std::vector<std::string>{"b"}));
  // A heartbeat renews: c, then b again, then d pushes out the longest silent (c).
  registry.Record("ns", {Beat("c", "q")}, start + std::chrono::seconds(61));
  registry.Record("ns", {Beat("b", "q")}, start + std::chrono::seconds(62));
  registry.Record("ns", {Beat("d", "q")}, start + std::chrono::seconds(63));
  EXPECT_EQ(Keys(registry.List("ns", kAll, "", 0, start + std::chrono::seconds(63))),
            (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(registry.Size(), 2u);
  EXPECT_FALSE(registry.Find("ns", "a", start + std::chrono::seconds(63)).has_value());
}

}  // namespace
}  // namespace hdo::matching
