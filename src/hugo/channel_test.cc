// Goal: channels keep Hugo's semantics (full modes, priorities, close with error, cancellation)
// on every path (try, awaitable, blocking), and under many producers and consumers nothing is lost
// or delivered twice. Method: real threads and an Asio pool; waits are bounded by Eventually().
#include "hugo/channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "hugo/test_util.h"

namespace hugo {
namespace {

using testing::Eventually;

ChannelPtr<int> Bounded(int64_t capacity, FullMode mode = FullMode::kWait) {
  return MakeChannel<int>(capacity, mode).Value();
}

std::vector<int> Drain(Channel<int>& channel) {
  std::vector<int> out;
  while (auto item = channel.TryRead()) out.push_back(*item);
  return out;
}

TEST(ChannelTest, BadOptionsAreValidationErrors) {
  EXPECT_EQ(MakeChannel<int>(-1).Error().Code(), "error.validation");
  EXPECT_EQ(MakePrioritizedChannel<int>(0).Error().Code(), "error.validation");
  EXPECT_EQ(MakePrioritizedChannel<int>(3, 0, FullMode::kWait, 3).Error().Code(),
            "error.validation");
  auto channel = MakePrioritizedChannel<int>(2).Value();
  EXPECT_EQ(channel->WriteBlocking(1, {}, 5).Error().Code(), "error.validation");
}

TEST(ChannelTest, WaitModeReportsFullAndBlockedWriterResumesAfterARead) {
  auto channel = Bounded(2);
  EXPECT_EQ(channel->TryWrite(1), WriteStatus::kWritten);
  EXPECT_EQ(channel->TryWrite(2), WriteStatus::kWritten);
  EXPECT_EQ(channel->TryWrite(3), WriteStatus::kFull);
  std::atomic<bool> written{false};
  std::thread writer([&] {
    EXPECT_TRUE(channel->WriteBlocking(3).IsSuccess());
    written = true;
  });
  EXPECT_EQ(channel->ReadBlocking().Value(), 1);
  ASSERT_TRUE(Eventually([&] { return written.load(); }));
  writer.join();
  EXPECT_EQ(Drain(*channel), (std::vector<int>{2, 3}));
}

TEST(ChannelTest, DropModesMakeRoomTheWayHugoDoes) {
  auto oldest = Bounded(2, FullMode::kDropOldest);
  auto newest = Bounded(2, FullMode::kDropNewest);
  auto write = Bounded(2, FullMode::kDropWrite);
  for (int i = 1; i <= 3; ++i) {
    oldest->TryWrite(i);
    newest->TryWrite(i);
    EXPECT_NE(write->TryWrite(i), WriteStatus::kFull);
  }
  EXPECT_EQ(Drain(*oldest), (std::vector<int>{2, 3}));
  EXPECT_EQ(Drain(*newest), (std::vector<int>{1, 3}));
  EXPECT_EQ(Drain(*write), (std::vector<int>{1, 2}));
}

TEST(ChannelTest, UnboundedChannelsNeverReportFull) {
  auto channel = MakeChannel<int>().Value();
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(channel->TryWrite(i), WriteStatus::kWritten);
  EXPECT_EQ(channel->Count(), 10000u);
}

TEST(ChannelTest, PrioritizedReadsTakeLevelZeroFirstAndDefaultIsTheLowest) {
  auto channel = MakePrioritizedChannel<int>(3).Value();
  channel->TryWrite(30);  // default priority = level 2
  channel->TryWrite(10, 1);
  channel->TryWrite(0, 0);
  channel->TryWrite(11, 1);
  EXPECT_EQ(Drain(*channel), (std::vector<int>{0, 10, 11, 30}));
}

TEST(ChannelTest, ClosingWithAnErrorDrainsThenSurfacesTheError) {
  auto channel = Bounded(4);
  channel->TryWrite(1);
  EXPECT_TRUE(channel->Complete(Error::From("upstream broke", "app.broken")));
  EXPECT_FALSE(channel->Complete());
  EXPECT_EQ(channel->TryWrite(2), WriteStatus::kClosed);
  EXPECT_EQ(channel->WriteBlocking(2).Error().Code(), "app.broken");
  EXPECT_EQ(channel->ReadBlocking().Value(), 1);
  EXPECT_EQ(channel->ReadBlocking().Error().Code(), "app.broken");
  auto plain = Bounded(1);
  plain->Complete();
  EXPECT_EQ(plain->ReadBlocking().Error().Code(), "error.channel.completed");
}

TEST(ChannelTest, CancelingABlockedReaderReturnsCanceled) {
  auto channel = Bounded(1);
  std::stop_source source;
  std::thread reader([&] {
    EXPECT_EQ(channel->ReadBlocking(source.get_token()).Error().Code(), "error.canceled");
  });
  source.request_stop();
  reader.join();
  // The canceled reader left nothing behind: a new item goes to the next reader.
  channel->TryWrite(5);
  EXPECT_EQ(channel->ReadBlocking().Value(), 5);
}

TEST(ChannelTest, ClosingWakesABlockedReader) {
  auto channel = Bounded(1);
  std::thread reader(
      [&] { EXPECT_EQ(channel->ReadBlocking().Error().Code(), "error.channel.completed"); });
  channel->Complete();
  reader.join();
}

Task<Result<int>> SumAll(ChannelPtr<int> channel) {
  int sum = 0;
  for (;;) {
    Result<int> item = co_await channel->Read();
    if (item.IsFailure()) break;
    sum += item.Value();
  }
  co_return Ok(sum);
}

Task<Result<Unit>> Produce(ChannelPtr<int> channel, int count) {
  for (int i = 1; i <= count; ++i) {
    Result<Unit> r = co_await channel->Write(i);
    if (r.IsFailure()) co_return r;
  }
  channel->Complete();
  co_return Ok();
}

TEST(ChannelTest, CoroutineProducerAndConsumerExchangeEveryItem) {
  testing::Pool pool;
  auto channel = Bounded(3);
  auto consumer = Go(pool.GetExecutor(), SumAll(channel));
  auto producer = Go(pool.GetExecutor(), Produce(channel, 1000));
  EXPECT_TRUE(producer.Wait().IsSuccess());
  EXPECT_EQ(consumer.Wait().Value(), 1000 * 1001 / 2);
}

Task<Result<bool>> WaitThenReport(ChannelPtr<int> channel) {
  co_return co_await channel->WaitToRead();
}

TEST(ChannelTest, WaitToReadIsTrueForAnItemAndFalseAfterDrain) {
  testing::Pool pool;
  auto channel = Bounded(1);
  auto waiting = Go(pool.GetExecutor(), WaitThenReport(channel));
  channel->TryWrite(1);
  EXPECT_TRUE(waiting.Wait().Value());
  EXPECT_EQ(channel->Count(), 1u);  // waiting consumed nothing
  channel->TryRead();
  channel->Complete();
  EXPECT_FALSE(Go(pool.GetExecutor(), WaitThenReport(channel)).Wait().Value());
}

Task<Result<Unit>> ProduceRange(ChannelPtr<int> channel, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    Result<Unit> r = co_await channel->Write(i);
    if (r.IsFailure()) co_return r;
  }
  co_return Ok();
}

Task<Result<Unit>> ConsumeInto(ChannelPtr<int> channel, std::vector<std::atomic<int>>* seen) {
  for (;;) {
    Result<int> item = co_await channel->Read();
    if (item.IsFailure()) co_return Ok();
    (*seen)[item.Value()].fetch_add(1, std::memory_order_relaxed);
  }
}

TEST(ChannelStressTest, ManyProducersAndConsumersLoseAndDuplicateNothing) {
  constexpr int kPerProducer = 50'000;
  constexpr int kProducers = 4;  // two coroutine producers, two blocking threads
  constexpr int kTotal = kPerProducer * kProducers;
  std::vector<std::atomic<int>> seen(kTotal);
  auto channel = Bounded(64);
  testing::Pool pool(2);
  std::vector<JoinHandle<Result<Unit>>> tasks;
  for (int c = 0; c < 3; ++c) tasks.push_back(Go(pool.GetExecutor(), ConsumeInto(channel, &seen)));
  std::thread blocking_consumer([&] {
    for (;;) {
      Result<int> item = channel->ReadBlocking();
      if (item.IsFailure()) break;
      seen[item.Value()].fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::vector<JoinHandle<Result<Unit>>> producers;
  for (int p = 0; p < 2; ++p) {
    producers.push_back(
        Go(pool.GetExecutor(), ProduceRange(channel, p * kPerProducer, kPerProducer)));
  }
  std::vector<std::thread> threads;
  for (int p = 2; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = p * kPerProducer; i < (p + 1) * kPerProducer; ++i) {
        ASSERT_TRUE(channel->WriteBlocking(i).IsSuccess());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& p : producers) ASSERT_TRUE(p.Wait().IsSuccess());
  channel->Complete();
  for (auto& t : tasks) ASSERT_TRUE(t.Wait().IsSuccess());
  blocking_consumer.join();
  int wrong = 0;
  for (int i = 0; i < kTotal; ++i) wrong += seen[i].load() != 1;
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace hugo
