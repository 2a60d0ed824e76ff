// Goal: Task/Go run coroutines on an Asio executor, propagate values and exceptions, honour
// cancellation, and Delay follows the injected clock. Method: real thread pool, FakeClock.
#include "hugo/task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "hugo/cancellation.h"
#include "hugo/test_util.h"
#include "hugo/timer.h"

namespace hugo {
namespace {

Task<int> Add(int a, int b) { co_return a + b; }

Task<int> AddThrice(int a) {
  int x = co_await Add(a, 1);
  int y = co_await Add(x, 1);
  co_return co_await Add(y, 1);
}

Task<int> Throws() {
  throw std::runtime_error("boom");
  co_return 0;
}

Task<Result<int>> Counted(std::atomic<int>* runs) {
  runs->fetch_add(1);
  co_return Ok(7);
}

Task<Result<Unit>> Sleeper(std::shared_ptr<Clock> clock, std::stop_token token) {
  co_return co_await Delay(clock, std::chrono::seconds(5), token);
}

TEST(TaskTest, GoRunsNestedCoroutinesAndReturnsTheirValue) {
  testing::Pool pool;
  EXPECT_EQ(Go(pool.GetExecutor(), AddThrice(1)).Wait(), 4);
}

Task<int> One() { co_return 1; }

Task<int> SumOfOnes(int count) {
  int sum = 0;
  for (int i = 0; i < count; ++i) sum += co_await One();
  co_return sum;
}

TEST(TaskTest, ALongRunOfTasksThatCompleteAtOnceKeepsTheStackFlat) {
  // Each awaited task completes before its awaiter could suspend. Continued from inside the
  // task's frame, every iteration nested a frame where the returned handle is not a tail call
  // (ThreadSanitizer, unoptimized builds): millions of them overflowed the pool thread's stack.
  constexpr int kAwaits = 3'000'000;
  testing::Pool pool;
  EXPECT_EQ(Go(pool.GetExecutor(), SumOfOnes(kAwaits)).Wait(), kAwaits);
}

TEST(TaskTest, AnExceptionReachesTheJoiner) {
  testing::Pool pool;
  auto handle = Go(pool.GetExecutor(), Throws());
  EXPECT_THROW(handle.Wait(), std::runtime_error);
}

Task<int> JoinOther(JoinHandle<int> other) { co_return co_await other.Join() * 10; }

TEST(TaskTest, ATaskCanAwaitAnotherTasksHandle) {
  testing::Pool pool;
  auto first = Go(pool.GetExecutor(), Add(2, 3));
  EXPECT_EQ(Go(pool.GetExecutor(), JoinOther(first)).Wait(), 50);
}

TEST(TaskTest, GoAlsoRunsPlainCallablesOnTheExecutor) {
  testing::Pool pool;
  std::atomic<bool> ran{false};
  Go(pool.GetExecutor(), [&ran] { ran = true; }).Wait();
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(Go(pool.GetExecutor(), [] { return 41 + 1; }).Wait(), 42);
}

TEST(TaskTest, GoWithAStoppedTokenNeverRunsTheTask) {
  testing::Pool pool;
  std::atomic<int> runs{0};
  std::stop_source source;
  source.request_stop();
  auto result = Go(pool.GetExecutor(), Counted(&runs), source.get_token()).Wait();
  EXPECT_EQ(result.Error().Code(), "error.canceled");
  EXPECT_EQ(runs.load(), 0);
  EXPECT_EQ(Go(pool.GetExecutor(), Counted(&runs), std::stop_token{}).Wait().Value(), 7);
  EXPECT_EQ(runs.load(), 1);
}

TEST(TimerTest, DelayCompletesOnlyWhenTheFakeClockPassesTheDeadline) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  auto handle = Go(pool.GetExecutor(), Sleeper(clock, {}));
  ASSERT_TRUE(clock->AwaitPendingTimers(1));
  clock->Advance(std::chrono::seconds(4));
  EXPECT_FALSE(handle.IsDone());
  clock->Advance(std::chrono::seconds(1));
  EXPECT_TRUE(handle.Wait().IsSuccess());
  EXPECT_EQ(clock->PendingTimerCount(), 0u);
}

TEST(TimerTest, CancelingADelayReturnsCanceledAndRemovesTheTimer) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  std::stop_source source;
  auto handle = Go(pool.GetExecutor(), Sleeper(clock, source.get_token()));
  ASSERT_TRUE(clock->AwaitPendingTimers(1));
  source.request_stop();
  EXPECT_EQ(handle.Wait().Error().Code(), "error.canceled");
  EXPECT_EQ(clock->PendingTimerCount(), 0u);
}

TEST(TimerTest, ANegativeDelayIsAValidationError) {
  FakeClock clock;
  EXPECT_EQ(DelayBlocking(clock, -std::chrono::seconds(1), {}).Error().Code(), "error.validation");
  EXPECT_TRUE(DelayBlocking(clock, std::chrono::seconds(0), {}).IsSuccess());
}

TEST(TimerTest, SystemClockDelayCompletes) {
  EXPECT_TRUE(DelayBlocking(*Clock::System(), std::chrono::milliseconds(1), {}).IsSuccess());
}

TEST(CancellationTest, ALinkedSourceStopsWithItsParentButNotTheReverse) {
  std::stop_source parent;
  LinkedStopSource child(parent.get_token());
  LinkedStopSource other(parent.get_token());
  other.RequestStop();
  EXPECT_FALSE(parent.stop_requested());
  EXPECT_FALSE(child.StopRequested());
  parent.request_stop();
  EXPECT_TRUE(child.Token().stop_requested());
}

}  // namespace
}  // namespace hugo
