// Goal: an activity queue's dispatch limit (its pollers' task_queue_metadata.max_tasks_per_second)
// holds tasks back from parked pollers once its burst is spent and hands them out in order as
// tokens come back; rate 0 pauses the queue, and an activity poll without a limit lifts it;
// history's in-transaction claim of a poller obeys the same limit; workflow queues are never
// limited. Method: a real Matcher on an io_context the test runs for real time, history's side a
// callback that accepts every task. Only lower bounds on time are asserted (a token cannot come
// early), never upper ones.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "matching/matcher.h"

namespace hdo::matching {
namespace {

using temporal::api::workflowservice::v1::PollActivityTaskQueueResponse;
using temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse;
using Clock = std::chrono::steady_clock;

constexpr char kNamespaceId[] = "ns-rate";
constexpr char kQueue[] = "payments";

class MatcherRateTest : public ::testing::Test {
 protected:
  MatcherRateTest()
      : matcher_(
            io_.get_executor(),
            [](const Task& task, const Poller&) -> hugo::Result<PollWorkflowTaskQueueResponse> {
              PollWorkflowTaskQueueResponse response;
              response.set_task_token(task.workflow_id);
              return hugo::Ok(std::move(response));
            },
            [](const Task& task, const Poller&) -> hugo::Result<PollActivityTaskQueueResponse> {
              PollActivityTaskQueueResponse response;
              response.set_task_token(task.workflow_id);
              return hugo::Ok(std::move(response));
            },
            OptionsWith(&registry_), [] { return google::protobuf::Timestamp(); }) {}

  static Matcher::Options OptionsWith(metrics::Registry* registry) {
    Matcher::Options options;
    options.registry = registry;
    return options;
  }
  // The activity queue's hdo_matching_rate_limited_total (-1 when the series is missing).
  double RateLimited() const {
    const std::string text = registry_.Render();
    const std::string series = "\nhdo_matching_rate_limited_total{namespace=\"" +
                               std::string(kNamespaceId) + "\",task_queue=\"" + kQueue +
                               "\",task_type=\"Activity\"} ";
    size_t at = text.find(series);
    if (at == std::string::npos) return -1;
    at += series.size();
    return std::stod(text.substr(at, text.find('\n', at) - at));
  }

  struct Delivery {
    std::string token;
    Clock::time_point at;
  };

  // An activity poll parked for a minute; what it gets is appended to delivered_.
  uint64_t PollActivity(std::optional<double> rate) {
    Poller poller{"orders", kQueue, "worker", "", false};
    poller.max_tasks_per_second = rate;
    return matcher_.PollActivityTask(kNamespaceId, poller, std::chrono::seconds(60),
                                     [this](PollActivityTaskQueueResponse response) {
                                       delivered_.push_back({response.task_token(), Clock::now()});
                                     });
  }

  void AddActivity(const std::string& id) {
    Task task;
    task.namespace_id = kNamespaceId;
    task.workflow_id = id;
    ASSERT_TRUE(matcher_.AddActivityTask(kQueue, task));
  }

  // Runs the matcher's timers until `count` tasks were delivered (or 10 s passed).
  void RunUntilDelivered(size_t count) {
    auto give_up = Clock::now() + std::chrono::seconds(10);
    while (delivered_.size() < count && Clock::now() < give_up) {
      io_.run_for(std::chrono::milliseconds(20));
      io_.restart();
    }
  }

  asio::io_context io_;
  metrics::Registry registry_;
  Matcher matcher_;
  std::vector<Delivery> delivered_;
};

TEST_F(MatcherRateTest, ALimitedQueueHandsOutItsBurstThenOneTaskPerToken) {
  // Rate 4 a second: a burst of 4, then a token every 250 ms.
  for (int i = 0; i < 6; ++i) PollActivity(4.0);
  EXPECT_EQ(matcher_.ActivityDispatchRate(kNamespaceId, kQueue), 4.0);
  auto added = Clock::now();
  for (int i = 0; i < 6; ++i) AddActivity("a" + std::to_string(i));
  ASSERT_EQ(delivered_.size(), 4u);  // the burst, at once (sync match)
  EXPECT_EQ(RateLimited(), 2);       // the other two queued while two pollers waited
  RunUntilDelivered(6);
  ASSERT_EQ(delivered_.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(delivered_[i].token, "a" + std::to_string(i));  // in order
  // The fifth waited for the first token after the burst, the sixth for the next.
  EXPECT_GE(delivered_[4].at - added, std::chrono::milliseconds(240));
  EXPECT_GE(delivered_[5].at - added, std::chrono::milliseconds(490));
}

TEST_F(MatcherRateTest, APollArrivingWhileTheQueueWaitsForATokenIsParkedNotServed) {
  PollActivity(1.0);
  AddActivity("first");  // takes the one token
  AddActivity("second");
  ASSERT_EQ(delivered_.size(), 1u);
  auto polled = Clock::now();
  PollActivity(1.0);  // a queued task, but no token: the poll waits for it
  EXPECT_EQ(delivered_.size(), 1u);
  RunUntilDelivered(2);
  ASSERT_EQ(delivered_.size(), 2u);
  EXPECT_EQ(delivered_[1].token, "second");
  EXPECT_GE(delivered_[1].at - polled, std::chrono::milliseconds(500));
}

TEST_F(MatcherRateTest, RateZeroPausesTheQueueAndAPollWithoutALimitLiftsIt) {
  PollActivity(0.0);
  PollActivity(0.0);
  AddActivity("held");
  io_.run_for(std::chrono::milliseconds(100));
  io_.restart();
  EXPECT_TRUE(delivered_.empty());
  PollActivity(std::nullopt);  // a worker without a limit: the queue has none from now on
  EXPECT_EQ(matcher_.ActivityDispatchRate(kNamespaceId, kQueue), std::nullopt);
  ASSERT_EQ(delivered_.size(), 1u);  // to the oldest parked poll, at once
  EXPECT_EQ(delivered_[0].token, "held");
  AddActivity("next");
  EXPECT_EQ(delivered_.size(), 2u);
}

TEST_F(MatcherRateTest, HistorysClaimOfAParkedPollerObeysTheLimit) {
  PollActivity(1.0);
  PollActivity(1.0);
  auto claimed = matcher_.ClaimActivityPoll(kQueue, Task{kNamespaceId});
  ASSERT_TRUE(claimed.has_value());  // the one token
  claimed->activity_done(PollActivityTaskQueueResponse());
  // No token left: history must add the task instead, and matching queues it.
  EXPECT_FALSE(matcher_.ClaimActivityPoll(kQueue, Task{kNamespaceId}).has_value());
  auto added = Clock::now();
  AddActivity("queued");
  size_t before = delivered_.size();
  RunUntilDelivered(before + 1);
  ASSERT_EQ(delivered_.size(), before + 1);
  EXPECT_EQ(delivered_.back().token, "queued");
  EXPECT_GE(delivered_.back().at - added, std::chrono::milliseconds(900));
}

TEST_F(MatcherRateTest, WorkflowQueuesAreNeverLimited) {
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    Poller poller{"orders", kQueue, "worker", "", false};
    poller.max_tasks_per_second = 0.0;  // not an activity poll: ignored
    matcher_.PollWorkflowTask(
        kNamespaceId, poller, std::chrono::seconds(60),
        [&got](PollWorkflowTaskQueueResponse response) { got.push_back(response.task_token()); });
  }
  for (int i = 0; i < 3; ++i) {
    Task task;
    task.namespace_id = kNamespaceId;
    task.workflow_id = "w" + std::to_string(i);
    ASSERT_TRUE(matcher_.AddWorkflowTask(kQueue, task));
  }
  EXPECT_EQ(got.size(), 3u);
}

TEST_F(MatcherRateTest, ThePollerListShowsTheRateEachPollerLastAskedFor) {
  PollActivity(1.5);
  auto pollers = matcher_.Pollers(kNamespaceId, kQueue, false);
  ASSERT_EQ(pollers.size(), 1u);
  EXPECT_EQ(pollers[0].identity, "worker");
  EXPECT_EQ(pollers[0].rate_per_second, 1.5);
  PollActivity(std::nullopt);  // the same poller without a limit: the reference's default
  pollers = matcher_.Pollers(kNamespaceId, kQueue, false);
  ASSERT_EQ(pollers.size(), 1u);
  EXPECT_EQ(pollers[0].rate_per_second, Matcher::kDefaultPollerRate);
  EXPECT_TRUE(matcher_.Pollers(kNamespaceId, kQueue, true).empty());  // no workflow poller
}

TEST_F(MatcherRateTest, AConfiguredRateTakesThePlaceOfThePollersAndUnsetGivesThemBack) {
  PollActivity(100.0);
  EXPECT_EQ(matcher_.ActivityEffectiveRate(kNamespaceId, kQueue).source,
            Matcher::RateSource::kWorker);
  matcher_.SetConfiguredRate(kNamespaceId, kQueue, 1.0);
  EXPECT_EQ(matcher_.ActivityDispatchRate(kNamespaceId, kQueue), 1.0);
  auto effective = matcher_.ActivityEffectiveRate(kNamespaceId, kQueue);
  EXPECT_EQ(effective.rate, 1.0);
  EXPECT_EQ(effective.source, Matcher::RateSource::kApi);
  PollActivity(100.0);  // a poll asking for more does not lift it
  EXPECT_EQ(matcher_.ActivityDispatchRate(kNamespaceId, kQueue), 1.0);
  AddActivity("first");
  AddActivity("second");
  EXPECT_EQ(delivered_.size(), 1u);  // one token a second
  matcher_.SetConfiguredRate(kNamespaceId, kQueue, std::nullopt);
  EXPECT_EQ(matcher_.ActivityDispatchRate(kNamespaceId, kQueue), 100.0);  // the pollers' again
  RunUntilDelivered(2);                                                   // at the pollers' rate
  ASSERT_EQ(delivered_.size(), 2u);
  EXPECT_EQ(delivered_[1].token, "second");
}

TEST_F(MatcherRateTest, AConfiguredRateHoldsForAQueueNotPolledYet) {
  matcher_.SetConfiguredRate(kNamespaceId, kQueue, 0.0);
  EXPECT_EQ(matcher_.ActivityEffectiveRate(kNamespaceId, kQueue).source, Matcher::RateSource::kApi);
  PollActivity(std::nullopt);
  AddActivity("held");
  io_.run_for(std::chrono::milliseconds(100));
  io_.restart();
  EXPECT_TRUE(delivered_.empty());  // rate 0: paused, whatever the worker asks
  EXPECT_EQ(matcher_.ActivityEffectiveRate(kNamespaceId, "other").source,
            Matcher::RateSource::kSystem);
  EXPECT_EQ(matcher_.ActivityEffectiveRate(kNamespaceId, "other").rate,
            Matcher::kDefaultPollerRate);
}

}  // namespace
}  // namespace hdo::matching
