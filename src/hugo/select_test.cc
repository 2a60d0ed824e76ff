// Goal: Select follows Hugo's deterministic rule (lowest priority, then declaration order), only
// the winner consumes, and default, drained, timeout, deadline, cancellation and handler errors
// give Hugo's results; FanIn/FanOut move every item. Method: pre-filled channels, a FakeClock.
#include "hugo/select.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "hugo/test_util.h"

namespace hugo {
namespace {

ChannelPtr<int> Filled(std::initializer_list<int> items) {
  auto channel = MakeChannel<int>(16).Value();
  for (int i : items) channel->TryWrite(i);
  return channel;
}

std::string Tag(const char* name, int v) { return std::string(name) + std::to_string(v); }

TEST(SelectTest, LowestPriorityWinsThenDeclarationOrderAndOnlyTheWinnerConsumes) {
  auto a = Filled({1});
  auto b = Filled({2});
  auto c = Filled({3});
  Result<std::string> r = Select<std::string>()
                              .Case(
                                  a, [](int v) { return Tag("a", v); }, 5)
                              .Case(
                                  b, [](int v) { return Tag("b", v); }, 1)
                              .Case(
                                  c, [](int v) { return Tag("c", v); }, 1)
                              .ExecuteBlocking();
  EXPECT_EQ(r.Value(), "b2");
  EXPECT_EQ(a->Count(), 1u);
  EXPECT_EQ(c->Count(), 1u);
  Result<std::string> tie = Select<std::string>()
                                .Case(a, [](int v) { return Tag("a", v); })
                                .Case(c, [](int v) { return Tag("c", v); })
                                .ExecuteBlocking();
  EXPECT_EQ(tie.Value(), "a1");
}

TEST(SelectTest, DefaultRunsWhenNothingIsReady) {
  auto empty = Filled({});
  auto r = Select<int>().Case(empty, [](int v) { return v; }).Default([] { return -1; });
  EXPECT_EQ(std::move(r).ExecuteBlocking().Value(), -1);
}

TEST(SelectTest, AllCasesClosedIsDrained) {
  auto a = Filled({});
  auto b = Filled({});
  a->Complete();
  b->Complete();
  auto r = Select<int>().Case(a, [](int v) { return v; }).Case(b, [](int v) { return v; });
  EXPECT_EQ(std::move(r).ExecuteBlocking().Error().Code(), "error.select.drained");
}

TEST(SelectTest, BadShapesAreValidationErrors) {
  EXPECT_EQ(Select<int>().ExecuteBlocking().Error().Code(), "error.validation");
  auto two_defaults = Select<int>().Default([] { return 1; }).Default([] { return 2; });
  EXPECT_EQ(std::move(two_defaults).ExecuteBlocking().Error().Code(), "error.validation");
}

TEST(SelectTest, AThrowingHandlerGivesErrorException) {
  auto a = Filled({1});
  auto r = Select<int>().Case(a, [](int) -> int { throw std::runtime_error("handler"); });
  EXPECT_EQ(std::move(r).ExecuteBlocking().Error().Code(), "error.exception");
}

TEST(SelectTest, TimesOutOnTheFakeClockWithDurationMetadata) {
  auto clock = std::make_shared<FakeClock>();
  auto empty = Filled({});
  Result<int> result = Ok(0);
  std::thread t([&] {
    result = Select<int>(clock)
                 .Case(empty, [](int v) { return v; })
                 .Timeout(std::chrono::seconds(3))
                 .ExecuteBlocking();
  });
  ASSERT_TRUE(clock->AwaitPendingTimers(1));
  clock->Advance(std::chrono::seconds(3));
  t.join();
  EXPECT_EQ(result.Error().Code(), "error.timeout");
  EXPECT_EQ(result.Error().TryGetMetadata<Duration>("duration"), std::chrono::seconds(3));
  EXPECT_EQ(empty->Count(), 0u);
}

Task<Result<int>> SelectWithDeadline(ChannelPtr<int> channel, std::shared_ptr<Clock> clock) {
  co_return co_await Select<int>(clock)
      .Case(channel, [](int v) { return v; })
      .Deadline(std::chrono::seconds(1), [] { return -7; })
      .Execute();
}

TEST(SelectTest, ADeadlineCaseRunsItsHandler) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  auto handle = Go(pool.GetExecutor(), SelectWithDeadline(Filled({}), clock));
  ASSERT_TRUE(clock->AwaitPendingTimers(1));
  clock->Advance(std::chrono::seconds(1));
  EXPECT_EQ(handle.Wait().Value(), -7);
}

Task<Result<int>> SelectTwo(ChannelPtr<int> a, ChannelPtr<int> b, std::stop_token token) {
  co_return co_await Select<int>()
      .Case(a, [](int v) { return v; })
      .Case(b, [](int v) { return v * 100; })
      .Execute(token);
}

TEST(SelectTest, AWaitingSelectWakesForTheFirstItem) {
  testing::Pool pool;
  auto a = Filled({});
  auto b = Filled({});
  auto handle = Go(pool.GetExecutor(), SelectTwo(a, b, {}));
  b->TryWrite(4);
  EXPECT_EQ(handle.Wait().Value(), 400);
  EXPECT_EQ(b->Count(), 0u);
}

TEST(SelectTest, CancellationGivesErrorCanceledAndConsumesNothing) {
  testing::Pool pool;
  auto a = Filled({});
  std::stop_source source;
  auto handle = Go(pool.GetExecutor(), SelectTwo(a, Filled({}), source.get_token()));
  source.request_stop();
  EXPECT_EQ(handle.Wait().Error().Code(), "error.canceled");
  a->TryWrite(1);
  EXPECT_EQ(a->Count(), 1u);
}

TEST(FanTest, FanInMergesEverySourceAndCompletesTheDestination) {
  testing::Pool pool;
  auto a = Filled({1, 2, 3});
  auto b = Filled({10, 20});
  a->Complete();
  b->Complete();
  auto out = MakeChannel<int>().Value();
  EXPECT_TRUE(Go(pool.GetExecutor(), FanIn<int>({a, b}, out, true, {})).Wait().IsSuccess());
  int sum = 0;
  while (auto item = out->TryRead()) sum += *item;
  EXPECT_EQ(sum, 36);
  EXPECT_TRUE(out->IsCompleted());
}

TEST(FanTest, FanOutBroadcastsEveryItemInOrderAndPropagatesASourceFault) {
  testing::Pool pool;
  auto source = Filled({1, 2});
  source->Complete(Error::From("source broke", "app.broken"));
  auto x = MakeChannel<int>().Value();
  auto y = MakeChannel<int>().Value();
  auto r = Go(pool.GetExecutor(), FanOut<int>(source, {x, y}, true, {})).Wait();
  EXPECT_EQ(r.Error().Code(), "app.broken");
  for (auto& d : {x, y}) {
    EXPECT_EQ(d->ReadBlocking().Value(), 1);
    EXPECT_EQ(d->ReadBlocking().Value(), 2);
    EXPECT_EQ(d->ReadBlocking().Error().Code(), "app.broken");
  }
}

Task<Result<Unit>> SelectConsumer(std::vector<ChannelPtr<int>> channels,
                                  std::vector<std::atomic<int>>* seen) {
  for (;;) {
    Select<int> select;
    for (size_t i = 0; i < channels.size(); ++i) {
      select.Case(
          channels[i], [](int v) { return v; }, static_cast<int>(i));
    }
    Result<int> item = co_await std::move(select).Execute();
    if (item.IsFailure()) {
      co_return item.Error().HasCode(ErrorCodes::kSelectDrained) ? Ok()
                                                                 : Result<Unit>(item.Error());
    }
    (*seen)[item.Value()].fetch_add(1, std::memory_order_relaxed);
  }
}

TEST(SelectStressTest, ConcurrentSelectsOverSharedChannelsTakeEveryItemExactlyOnce) {
  constexpr int kChannels = 3;
  constexpr int kPerChannel = 40'000;
  constexpr int kTotal = kChannels * kPerChannel;
  std::vector<std::atomic<int>> seen(kTotal);
  std::vector<ChannelPtr<int>> channels;
  for (int c = 0; c < kChannels; ++c) channels.push_back(MakeChannel<int>(32).Value());
  testing::Pool pool(2);
  std::vector<JoinHandle<Result<Unit>>> consumers;
  for (int i = 0; i < 2; ++i)
    consumers.push_back(Go(pool.GetExecutor(), SelectConsumer(channels, &seen)));
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      for (;;) {
        Select<int> select;
        for (int c = 0; c < kChannels; ++c)
          select.Case(
              channels[c], [](int v) { return v; }, c);
        Result<int> item = std::move(select).ExecuteBlocking();
        if (item.IsFailure()) return;
        seen[item.Value()].fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int c = 0; c < kChannels; ++c) {
    producers.emplace_back([&, c] {
      for (int i = c * kPerChannel; i < (c + 1) * kPerChannel; ++i) {
        ASSERT_TRUE(channels[c]->WriteBlocking(i).IsSuccess());
      }
      channels[c]->Complete();
    });
  }
  for (auto& t : producers) t.join();
  for (auto& t : threads) t.join();
  for (auto& c : consumers) EXPECT_TRUE(c.Wait().IsSuccess());
  int wrong = 0;
  for (int i = 0; i < kTotal; ++i) wrong += seen[i].load() != 1;
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace hugo
