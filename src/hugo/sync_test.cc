// Goal: WaitGroup, ErrGroup, Mutex, RwMutex, Once, Defer, Pool, After and Ticker keep Hugo's
// semantics, including cancellation and bad input, and the Mutex's blocking and awaiting paths
// exclude each other (Hugo's bug §6.1). Method: real threads and an Asio pool, FakeClock for time.
#include "hugo/sync.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "hugo/channel.h"
#include "hugo/errgroup.h"
#include "hugo/test_util.h"
#include "hugo/timer.h"

namespace hugo {
namespace {

using testing::Eventually;

Task<Result<Unit>> Noop() { co_return Ok(); }

TEST(WaitGroupTest, BadAddAndExtraDoneAreValidationErrors) {
  WaitGroup group;
  EXPECT_EQ(group.Add(0).Error().Code(), "error.validation");
  EXPECT_EQ(group.Add(-2).Error().Code(), "error.validation");
  EXPECT_EQ(group.Done().Error().Code(), "error.validation");
  EXPECT_EQ(group.Count(), 0);
}

TEST(WaitGroupTest, WaitReturnsOnceEveryGoHasFinished) {
  testing::Pool pool;
  WaitGroup group;
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    group.Go(pool.GetExecutor(), [](std::atomic<int>* r) -> Task<void> {
      r->fetch_add(1);
      co_return;
    }(&ran));
  }
  EXPECT_TRUE(group.WaitBlocking().IsSuccess());
  EXPECT_EQ(ran.load(), 50);
  EXPECT_EQ(group.Count(), 0);
}

Task<Result<bool>> WaitWithTimeout(WaitGroup* group, std::shared_ptr<Clock> clock) {
  co_return co_await group->WaitFor(std::chrono::seconds(2), clock);
}

TEST(WaitGroupTest, WaitForReturnsFalseOnTimeoutAndWaitHonoursCancellation) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  WaitGroup group;
  ASSERT_TRUE(group.Add(1).IsSuccess());
  auto timed = Go(pool.GetExecutor(), WaitWithTimeout(&group, clock));
  ASSERT_TRUE(clock->AwaitPendingTimers(1));
  clock->Advance(std::chrono::seconds(2));
  EXPECT_FALSE(timed.Wait().Value());
  std::stop_source source;
  source.request_stop();
  EXPECT_EQ(group.WaitBlocking(source.get_token()).Error().Code(), "error.canceled");
  ASSERT_TRUE(group.Done().IsSuccess());
  EXPECT_TRUE(Go(pool.GetExecutor(), WaitWithTimeout(&group, clock)).Wait().Value());
}

Task<Result<Unit>> FailAfterOthersStart(std::stop_token) {
  co_return Error::From("first", "app.first");
}

Task<Result<Unit>> WaitForCancel(std::stop_token token, std::atomic<int>* seen) {
  auto channel = MakeChannel<int>(1).Value();
  Result<int> r = co_await channel->Read(token);  // nothing is ever written
  if (r.IsFailure() && r.Error().HasCode(ErrorCodes::kCanceled)) seen->fetch_add(1);
  co_return Error::From("late", "app.late");
}

TEST(ErrGroupTest, TheFirstErrorWinsCancelsPeersAndWaitJoinsEverything) {
  testing::Pool pool;
  ErrGroup group;
  std::atomic<int> canceled{0};
  for (int i = 0; i < 3; ++i) {
    group.Go(pool.GetExecutor(), [&](std::stop_token t) { return WaitForCancel(t, &canceled); });
  }
  group.Go(pool.GetExecutor(), FailAfterOthersStart);
  Result<Unit> r = group.WaitBlocking();
  EXPECT_EQ(r.Error().Code(), "app.first");
  EXPECT_EQ(canceled.load(), 3);  // Wait returned only after all three observed the cancel
  EXPECT_TRUE(group.Token().stop_requested());
}

// A factory whose call operator is a coroutine: its task reads the factory's members after the
// first suspension, long after ErrGroup::Go returned.
struct MemberFactory {
  ChannelPtr<int> gate;
  std::shared_ptr<std::atomic<int>> seen;
  int value;
  Task<Result<Unit>> operator()(std::stop_token token) const {
    Result<int> r = co_await gate->Read(token);
    if (r.IsFailure()) co_return r.Error();
    seen->store(value + r.Value());
    co_return Ok();
  }
};

TEST(ErrGroupTest, AFactoryLivesUntilItsTaskEnds) {
  testing::Pool pool;
  ErrGroup group;
  auto gate = MakeChannel<int>(1).Value();
  auto seen = std::make_shared<std::atomic<int>>(0);
  group.Go(pool.GetExecutor(), MemberFactory{gate, seen, 40});
  EXPECT_TRUE(gate->TryWriteBool(2));  // after Go returned and its factory argument went away
  EXPECT_TRUE(group.WaitBlocking().IsSuccess());
  // Under AddressSanitizer (the dev preset) a factory freed by Go is a heap-use-after-free.
  EXPECT_EQ(seen->load(), 42);
}

Task<Result<Unit>> Throwing(std::stop_token) {
  throw std::runtime_error("bad");
  co_return Ok();
}

Task<Result<Unit>> AwaitGroup(ErrGroup* group, std::stop_token token) {
  co_return co_await group->Wait(token);
}

TEST(ErrGroupTest, TheAwaitableWaitJoinsAndHonoursItsOwnToken) {
  testing::Pool pool;
  ErrGroup group;
  std::atomic<int> canceled{0};
  group.Go(pool.GetExecutor(), [&](std::stop_token t) { return WaitForCancel(t, &canceled); });
  std::stop_source waiter_stop;
  auto early = Go(pool.GetExecutor(), AwaitGroup(&group, waiter_stop.get_token()));
  waiter_stop.request_stop();
  EXPECT_EQ(early.Wait().Error().Code(), "error.canceled");  // the group itself runs on
  EXPECT_FALSE(group.Token().stop_requested());
  group.Go(pool.GetExecutor(), FailAfterOthersStart);
  EXPECT_EQ(Go(pool.GetExecutor(), AwaitGroup(&group, {})).Wait().Error().Code(), "app.first");
  EXPECT_EQ(canceled.load(), 1);
}

TEST(ErrGroupTest, AnExceptionBecomesErrorException) {
  testing::Pool pool;
  ErrGroup group;
  group.Go(pool.GetExecutor(), Throwing);
  EXPECT_EQ(group.WaitBlocking().Error().Code(), "error.exception");
}

TEST(ErrGroupTest, CancelRecordsCanceledUnlessAnErrorCameFirst) {
  testing::Pool pool;
  ErrGroup group;
  group.Go(pool.GetExecutor(), [](std::stop_token) { return Noop(); });
  group.Cancel();
  EXPECT_EQ(group.WaitBlocking().Error().Code(), "error.canceled");
  EXPECT_EQ(group.FirstError()->Message(), "ErrGroup was canceled.");
  ErrGroup ok_group;
  ok_group.Go(pool.GetExecutor(), [](std::stop_token) { return Noop(); });
  EXPECT_TRUE(ok_group.WaitBlocking().IsSuccess());
}

Task<Result<Unit>> StepThatFails(std::vector<std::string>* log, bool compensation_fails,
                                 CompensationScope* scope, std::stop_token token) {
  scope->Register([log, compensation_fails, token]() -> Result<Unit> {
    log->push_back(token.stop_requested() ? "compensated after cancel" : "compensated early");
    if (compensation_fails) return Error::From("undo failed", "app.undo");
    return Ok();
  });
  co_return Error::From("step failed", "app.step");
}

Task<Result<Unit>> PeerUntilCanceled(std::vector<std::string>* log, std::stop_token token) {
  auto never = MakeChannel<int>(1).Value();
  Result<int> r = co_await never->Read(token);
  log->push_back("peer " + r.Error().Code());
  co_return Ok();
}

TEST(ErrGroupTest, AFailedStepCancelsPeersThenCompensates) {
  for (bool compensation_fails : {false, true}) {
    testing::Pool pool(1);  // one thread: the log needs no lock
    std::vector<std::string> log;
    ErrGroup group;
    group.Go(pool.GetExecutor(), [&](std::stop_token t) { return PeerUntilCanceled(&log, t); });
    ExecutionPolicy policy{RetryPolicy::FixedDelay(2, Duration::zero()).Value(),
                           CompensationPolicy::kSequentialReverse};
    group.GoStep(
        pool.GetExecutor(),
        [&log, compensation_fails](CompensationScope* scope, std::stop_token t) {
          return StepThatFails(&log, compensation_fails, scope, t);
        },
        policy, Clock::System(), "reserve");
    Result<Unit> r = group.WaitBlocking();
    // Two attempts registered two compensations; both ran after the group was canceled.
    std::sort(log.begin(), log.end());
    EXPECT_EQ(log, (std::vector<std::string>{"compensated after cancel", "compensated after cancel",
                                             "peer error.canceled"}));
    if (compensation_fails) {
      EXPECT_EQ(r.Error().Code(), "error.aggregate");
    } else {
      EXPECT_EQ(r.Error().Code(), "app.step");
      EXPECT_EQ(r.Error().TryGetMetadata<std::string>("stepName"), "reserve");
    }
  }
}

TEST(ErrGroupTest, AStoppedParentTokenCancelsTheGroup) {
  std::stop_source parent;
  ErrGroup group(parent.get_token());
  parent.request_stop();
  EXPECT_TRUE(group.Token().stop_requested());
}

Task<Result<Unit>> IncrementUnderLock(Mutex* mutex, int* counter, int times) {
  for (int i = 0; i < times; ++i) {
    Result<MutexGuard> guard = co_await mutex->Lock();
    if (guard.IsFailure()) co_return guard.Error();
    int v = *counter;
    *counter = v + 1;
  }
  co_return Ok();
}

TEST(MutexTest, BlockingAndAwaitingPathsExcludeEachOther) {
  testing::Pool pool;
  Mutex mutex;
  int counter = 0;
  constexpr int kTimes = 2000;
  auto a = Go(pool.GetExecutor(), IncrementUnderLock(&mutex, &counter, kTimes));
  auto b = Go(pool.GetExecutor(), IncrementUnderLock(&mutex, &counter, kTimes));
  std::thread t([&] {
    for (int i = 0; i < kTimes; ++i) {
      auto guard = mutex.LockBlocking();
      ASSERT_TRUE(guard.IsSuccess());
      int v = counter;
      counter = v + 1;
    }
  });
  t.join();
  EXPECT_TRUE(a.Wait().IsSuccess());
  EXPECT_TRUE(b.Wait().IsSuccess());
  EXPECT_EQ(counter, 3 * kTimes);  // TSan also checks that no access raced
}

TEST(MutexTest, TryLockFailsWhileHeldAndCancelingAWaiterReturnsCanceled) {
  Mutex mutex;
  auto held = mutex.TryLock();
  ASSERT_TRUE(held.has_value());
  EXPECT_FALSE(mutex.TryLock().has_value());
  std::stop_source source;
  std::thread waiter(
      [&] { EXPECT_EQ(mutex.LockBlocking(source.get_token()).Error().Code(), "error.canceled"); });
  source.request_stop();
  waiter.join();
  held->Unlock();
  EXPECT_TRUE(mutex.TryLock().has_value());  // the canceled waiter was not handed the lock
}

TEST(RwMutexTest, ReadersShareAndAWriterExcludesThem) {
  RwMutex mutex;
  auto r1 = mutex.RLockBlocking();
  auto r2 = mutex.RLockBlocking();
  EXPECT_EQ(mutex.ActiveReaders(), 2);
  std::atomic<bool> writing{false};
  std::thread writer([&] {
    auto w = mutex.LockBlocking();
    ASSERT_TRUE(w.IsSuccess());
    writing = true;
  });
  // A queued writer blocks new readers (writer preference).
  ASSERT_TRUE(Eventually([&] {
    std::stop_source s;
    s.request_stop();
    return mutex.RLockBlocking(s.get_token()).IsFailure();
  }));
  EXPECT_FALSE(writing.load());
  { auto release1 = std::move(r1).Value(); }
  EXPECT_FALSE(writing.load());
  { auto release2 = std::move(r2).Value(); }
  writer.join();
  EXPECT_TRUE(writing.load());
  EXPECT_EQ(mutex.ActiveReaders(), 0);
}

struct Shared {
  int a = 0, b = 0;  // invariant under the lock: a == b
};

Task<Result<Unit>> Writer(RwMutex* mutex, Shared* shared, int times) {
  for (int i = 0; i < times; ++i) {
    Result<RwGuard> guard = co_await mutex->Lock();
    if (guard.IsFailure()) co_return guard.Error();
    ++shared->a;
    ++shared->b;
  }
  co_return Ok();
}

Task<Result<Unit>> Reader(RwMutex* mutex, Shared* shared, int times, std::atomic<int>* broken) {
  for (int i = 0; i < times; ++i) {
    Result<RwGuard> guard = co_await mutex->RLock();
    if (guard.IsFailure()) co_return guard.Error();
    if (shared->a != shared->b) broken->fetch_add(1);
  }
  co_return Ok();
}

TEST(RwMutexTest, AwaitingAndBlockingReadersAndWritersNeverSeeAHalfWrite) {
  testing::Pool pool;
  RwMutex mutex;
  Shared shared;
  std::atomic<int> broken{0};
  constexpr int kTimes = 1000;
  auto w = Go(pool.GetExecutor(), Writer(&mutex, &shared, kTimes));
  auto r = Go(pool.GetExecutor(), Reader(&mutex, &shared, kTimes, &broken));
  std::thread blocking_writer([&] {
    for (int i = 0; i < kTimes; ++i) {
      auto guard = mutex.LockBlocking();
      ASSERT_TRUE(guard.IsSuccess());
      ++shared.a;
      ++shared.b;
    }
  });
  std::thread blocking_reader([&] {
    for (int i = 0; i < kTimes; ++i) {
      auto guard = mutex.RLockBlocking();
      ASSERT_TRUE(guard.IsSuccess());
      if (shared.a != shared.b) broken.fetch_add(1);
    }
  });
  blocking_writer.join();
  blocking_reader.join();
  EXPECT_TRUE(w.Wait().IsSuccess());
  EXPECT_TRUE(r.Wait().IsSuccess());
  EXPECT_EQ(broken.load(), 0);
  EXPECT_EQ(shared.a, 2 * kTimes);
}

Task<Result<Unit>> LockWithToken(Mutex* mutex, std::stop_token token) {
  Result<MutexGuard> guard = co_await mutex->Lock(token);
  if (guard.IsFailure()) co_return guard.Error();
  co_return Ok();
}

TEST(MutexTest, CancelingAnAwaitingLockReturnsCanceled) {
  testing::Pool pool;
  Mutex mutex;
  auto held = mutex.TryLock();
  std::stop_source source;
  auto waiting = Go(pool.GetExecutor(), LockWithToken(&mutex, source.get_token()));
  source.request_stop();
  EXPECT_EQ(waiting.Wait().Error().Code(), "error.canceled");
  held->Unlock();
  EXPECT_TRUE(Go(pool.GetExecutor(), LockWithToken(&mutex, {})).Wait().IsSuccess());
}

TEST(OnceTest, RunsOnceEvenWhenTheFirstCallThrows) {
  Once once;
  int calls = 0;
  EXPECT_THROW(once.Do([&] {
    ++calls;
    throw std::runtime_error("x");
  }),
               std::runtime_error);
  once.Do([&] { ++calls; });
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(once.IsDone());
}

TEST(DeferTest, RunsAtScopeExitUnlessCanceled) {
  int runs = 0;
  {
    Defer d([&] { ++runs; });
  }
  {
    Defer d([&] { ++runs; });
    d.Cancel();
  }
  EXPECT_EQ(runs, 1);
}

TEST(PoolTest, ReusesPutItemsAndKeepsAtMostMaxSize) {
  int made = 0;
  Pool<int> pool([&] { return ++made; }, 1);
  int a = pool.Get();
  int b = pool.Get();
  pool.Put(a);
  pool.Put(b);  // dropped: max size 1
  EXPECT_EQ(pool.Get(), a);
  EXPECT_EQ(pool.Get(), 3);
}

TEST(AfterTest, YieldsOnceAfterTheDelayThenCompletes) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  EXPECT_EQ(After(pool.GetExecutor(), clock, -std::chrono::seconds(1)).Error().Code(),
            "error.validation");
  auto channel = After(pool.GetExecutor(), clock, std::chrono::seconds(1)).Value();
  ASSERT_TRUE(clock->AwaitPendingTimers(1));
  EXPECT_FALSE(channel->TryRead().has_value());
  clock->Advance(std::chrono::seconds(1));
  EXPECT_TRUE(channel->ReadBlocking().IsSuccess());
  EXPECT_EQ(channel->ReadBlocking().Error().Code(), "error.channel.completed");
}

TEST(AfterTest, CancellationCompletesTheChannelWithCanceled) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  std::stop_source source;
  auto channel =
      After(pool.GetExecutor(), clock, std::chrono::seconds(1), source.get_token()).Value();
  source.request_stop();
  EXPECT_EQ(channel->ReadBlocking().Error().Code(), "error.canceled");
}

TEST(TickerTest, ASlowReaderSeesOnlyTheLatestTickAndStopCompletes) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  EXPECT_EQ(Ticker::Start(pool.GetExecutor(), clock, Duration::zero()).Error().Code(),
            "error.validation");
  auto ticker = Ticker::Start(pool.GetExecutor(), clock, std::chrono::seconds(1)).Value();
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(clock->AwaitPendingTimers(1));
    Clock::WallTime before = clock->UtcNow();
    clock->Advance(std::chrono::seconds(1));
    // Wait until this tick has landed before the next advance.
    ASSERT_TRUE(Eventually([&] {
      return ticker->Reader()->Count() == 1 && clock->PendingTimerCount() == 1 &&
             clock->UtcNow() > before;
    }));
  }
  EXPECT_EQ(ticker->Reader()->Count(), 1u);  // three ticks, one slot
  Clock::WallTime latest = ticker->Reader()->ReadBlocking().Value();
  EXPECT_EQ(latest, clock->UtcNow());
  ticker->Stop();
  EXPECT_EQ(ticker->Reader()->ReadBlocking().Error().Code(), "error.channel.completed");
}

}  // namespace
}  // namespace hugo
