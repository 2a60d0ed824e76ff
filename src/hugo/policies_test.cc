// Goal: the coroutine Result pipeline, retry (fixed, exponential, cron), timeout, race, fan-out
// with compensation and sagas give Hugo's results and error codes. Method: coroutines on a real
// pool; FakeClock wherever time matters; pure checks for the retry and cron arithmetic.
#include "hugo/policies.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "hugo/channel.h"
#include "hugo/result_async.h"
#include "hugo/test_util.h"

namespace hugo {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Task<Result<int>> Value(int v) { co_return Ok(v); }
Task<int> PlainTask(int v) { co_return v * 3; }

Task<Result<std::string>> Pipeline(int start, std::stop_token token) {
  auto doubled = ThenAsync(
      Value(start), [](int v) { return Value(v * 2); }, token);
  auto tripled = MapAsync(
      std::move(doubled), [](int v) { return PlainTask(v); }, token);
  auto checked = EnsureAsync(
      std::move(tripled), [](int v) { return v < 100; }, token);
  auto recovered = RecoverAsync(
      std::move(checked), [](const Error&) { return Ok(-1); }, token);
  co_return co_await FinallyAsync(
      std::move(recovered), [](int v) { return std::to_string(v); },
      [](const Error& e) { return e.Code(); }, token);
}

TEST(ResultAsyncTest, AsyncOperatorsChainTaskAndPlainFunctions) {
  testing::Pool pool;
  EXPECT_EQ(Go(pool.GetExecutor(), Pipeline(2, {})).Wait().Value(), "12");
  EXPECT_EQ(Go(pool.GetExecutor(), Pipeline(50, {})).Wait().Value(), "-1");  // 300 fails Ensure
  std::stop_source stopped;
  stopped.request_stop();
  EXPECT_EQ(Go(pool.GetExecutor(), Pipeline(2, stopped.get_token())).Wait().Error().Code(),
            "error.canceled");
}

Task<Result<int>> ThrowingThen() {
  co_return co_await ThenAsync(Value(1), [](int) -> Result<int> { throw std::runtime_error("x"); });
}

Task<Result<int>> Tapped(std::vector<std::string>* seen) {
  auto ok = TapAsync(Value(1), [seen](int v) { seen->push_back("ok" + std::to_string(v)); });
  auto failed = TapErrorAsync(FromResult(Result<int>(Error::Timeout())),
                              [seen](const Error& e) { seen->push_back(e.Code()); });
  Result<int> a = co_await std::move(ok);
  Result<int> b = co_await std::move(failed);
  co_return b.IsFailure() ? a : b;
}

TEST(ResultAsyncTest, ExceptionsBecomeErrorExceptionAndTapsSeeTheirBranch) {
  testing::Pool pool;
  EXPECT_EQ(Go(pool.GetExecutor(), ThrowingThen()).Wait().Error().Code(), "error.exception");
  std::vector<std::string> seen;
  EXPECT_EQ(Go(pool.GetExecutor(), Tapped(&seen)).Wait().Value(), 1);
  EXPECT_EQ(seen, (std::vector<std::string>{"ok1", "error.timeout"}));
}

TEST(RetryPolicyTest, BadArgumentsAreValidationErrors) {
  EXPECT_EQ(RetryPolicy::FixedDelay(0, seconds(1)).Error().Code(), "error.validation");
  EXPECT_EQ(RetryPolicy::Exponential(3, seconds(1), 1.0).Error().Code(), "error.validation");
  EXPECT_EQ(RetryPolicy::Cron("* * *").Error().Code(), "error.validation");
  EXPECT_EQ(RetryPolicy::Cron("61 * * * *").Error().Code(), "error.validation");
}

TEST(RetryPolicyTest, ExponentialDelaysGrowAndAreCappedAndCancellationNeverRetries) {
  auto policy = RetryPolicy::Exponential(5, milliseconds(100), 2.0, milliseconds(350)).Value();
  Error e = Error::Unspecified();
  Clock::WallTime now{};
  EXPECT_EQ(policy.Decide(1, e, now).delay, milliseconds(100));
  EXPECT_EQ(policy.Decide(2, e, now).delay, milliseconds(200));
  EXPECT_EQ(policy.Decide(3, e, now).delay, milliseconds(350));
  EXPECT_EQ(policy.Decide(5, e, now).kind, RetryDecision::kStop);
  EXPECT_EQ(policy.Decide(1, Error::Canceled(), now).kind, RetryDecision::kStop);
}

Clock::WallTime Utc(int y, unsigned m, unsigned d, int h, int mi, int s = 0) {
  using namespace std::chrono;
  auto t = sys_days{year{y} / m / d} + hours{h} + minutes{mi} + seconds{s};
  return Clock::WallTime(duration_cast<Clock::WallTime::duration>(t.time_since_epoch()));
}

TEST(CronTest, NextOccurrencesFollowTheFields) {
  auto quarter = CronSchedule::Parse("*/15 * * * *").Value();
  EXPECT_EQ(quarter.Next(Utc(2026, 11, 26, 10, 7)), Utc(2026, 11, 26, 10, 15));
  EXPECT_EQ(quarter.Next(Utc(2026, 11, 26, 23, 50)), Utc(2026, 11, 27, 0, 0));
  auto monday_nine = CronSchedule::Parse("0 9 * * 1").Value();
  EXPECT_EQ(monday_nine.Next(Utc(2026, 11, 26, 10, 0)), Utc(2026, 11, 30, 9, 0));  // a Thursday
  auto seconds_field = CronSchedule::Parse("*/10 * * * * *").Value();
  EXPECT_EQ(seconds_field.Next(Utc(2026, 1, 1, 0, 0, 5)), Utc(2026, 1, 1, 0, 0, 10));
  auto leap = CronSchedule::Parse("0 0 29 2 *").Value();
  EXPECT_EQ(leap.Next(Utc(2026, 1, 1, 0, 0)), Utc(2028, 2, 29, 0, 0));
}

struct Flaky {
  std::atomic<int>* calls;
  int fail_times;
  Task<Result<int>> operator()(int attempt, std::stop_token) const {
    calls->fetch_add(1);
    if (attempt <= fail_times) co_return Error::From("flaky", "app.flaky");
    co_return Ok(attempt);
  }
};

TEST(RetryTest, RetriesUntilSuccessWithFixedDelaysOnTheClock) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  std::atomic<int> calls{0};
  auto policy = RetryPolicy::FixedDelay(3, seconds(1)).Value();
  auto handle = Go(pool.GetExecutor(), Retry<int>(Flaky{&calls, 2}, policy, clock));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(clock->AwaitPendingTimers(1));
    clock->Advance(seconds(1));
  }
  EXPECT_EQ(handle.Wait().Value(), 3);
  EXPECT_EQ(calls.load(), 3);
  std::atomic<int> more{0};
  auto exhausted = Go(pool.GetExecutor(),
                      Retry<int>(Flaky{&more, 9}, RetryPolicy::FixedDelay(2, {}).Value(), clock));
  EXPECT_EQ(exhausted.Wait().Error().Code(), "app.flaky");
  EXPECT_EQ(more.load(), 2);
}

Task<Result<int>> Forever(ChannelPtr<int> never, std::stop_token token) {
  co_return co_await never->Read(token);
}

Task<Result<int>> TimeoutOf(Task<Result<int>> op, std::shared_ptr<Clock> clock) {
  co_return co_await WithTimeout(std::move(op), seconds(5), clock);
}

TEST(TimeoutTest, ADeadlineGivesErrorTimeoutAndAFastOpItsValue) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  auto never = MakeChannel<int>(1).Value();
  std::stop_source op_stop;
  auto slow = Go(pool.GetExecutor(), TimeoutOf(Forever(never, op_stop.get_token()), clock));
  ASSERT_TRUE(clock->AwaitPendingTimers(1));
  clock->Advance(seconds(5));
  Result<int> r = slow.Wait();
  EXPECT_EQ(r.Error().Code(), "error.timeout");
  EXPECT_EQ(r.Error().TryGetMetadata<Duration>("duration"), seconds(5));
  op_stop.request_stop();  // let the abandoned op finish
  EXPECT_EQ(Go(pool.GetExecutor(), TimeoutOf(Value(4), clock)).Wait().Value(), 4);
}

struct RaceOp {
  int value;
  bool fail;
  ChannelPtr<int> gate;  // null: finish at once
  Task<Result<int>> operator()(std::stop_token token) const {
    if (gate) {
      Result<int> r = co_await gate->Read(token);
      if (r.IsFailure()) co_return r;
    }
    if (fail) co_return Error::From("lost", "app.lost");
    co_return Ok(value);
  }
};

TEST(RaceTest, TheFirstSuccessWinsAndTheRestAreCanceled) {
  testing::Pool pool;
  auto gate = MakeChannel<int>(1).Value();
  std::vector<RaceOp> ops{{1, false, gate}, {2, true, nullptr}, {3, false, nullptr}};
  EXPECT_EQ(Go(pool.GetExecutor(), Race<int>(ops)).Wait().Value(), 3);
  std::vector<RaceOp> failing{{1, true, nullptr}, {2, true, nullptr}};
  Result<int> all = Go(pool.GetExecutor(), Race<int>(failing)).Wait();
  EXPECT_EQ(all.Error().Code(), "error.aggregate");
  EXPECT_EQ(all.Error().Message(), "All operations failed.");
  EXPECT_EQ(Go(pool.GetExecutor(), Race<int>(std::vector<RaceOp>{})).Wait().Error().Code(),
            "error.validation");
}

// A loser that uses its own members after it was told to stop (the winner already returned).
struct LateLoser {
  int value;
  ChannelPtr<int> gate;  // null: win at once
  std::shared_ptr<std::atomic<int>> seen;
  Task<Result<int>> operator()(std::stop_token token) const {
    if (!gate) co_return Ok(value);
    Result<int> r = co_await gate->Read(token);
    seen->store(r.IsFailure() ? value : -1);  // reads *this after Race returned
    co_return Ok(value);
  }
};

TEST(RaceTest, ALoserRunningAfterTheRaceReturnedStillHasItsOp) {
  auto seen = std::make_shared<std::atomic<int>>(0);
  {
    testing::Pool pool(1);  // the loser resumes only after Race has returned and been destroyed
    auto gate = MakeChannel<int>(1).Value();
    std::vector<LateLoser> ops{{1, gate, seen}, {2, nullptr, seen}};
    EXPECT_EQ(Go(pool.GetExecutor(), Race<int>(std::move(ops))).Wait().Value(), 2);
  }  // the pool's thread drains: the loser sees its stop and its members
  // Under AddressSanitizer (the dev preset) a Race that freed its ops is a heap-use-after-free.
  EXPECT_EQ(seen->load(), 1);
}

TEST(FanOutTest, AllValuesInOrderOrCompensateTheSuccesses) {
  testing::Pool pool;
  std::vector<RaceOp> ok{{1, false, nullptr}, {2, false, nullptr}, {3, false, nullptr}};
  EXPECT_EQ(Go(pool.GetExecutor(), FanOutAll<int>(ok)).Wait().Value(), (std::vector<int>{1, 2, 3}));
  std::vector<int> undone;
  std::vector<RaceOp> mixed{{1, false, nullptr}, {2, true, nullptr}, {3, false, nullptr}};
  auto r = Go(pool.GetExecutor(), FanOutAll<int>(
                                      mixed,
                                      [&undone](const int& v) {
                                        undone.push_back(v);
                                        return Ok();
                                      },
                                      CompensationPolicy::kSequentialReverse))
               .Wait();
  EXPECT_EQ(r.Error().Code(), "app.lost");
  EXPECT_EQ(undone, (std::vector<int>{3, 1}));
}

Task<Result<nlohmann::json>> Reserve(SagaState*, std::stop_token) {
  co_return Ok(nlohmann::json(7));
}
Task<Result<nlohmann::json>> Charge(SagaState* state, std::stop_token) {
  co_return Ok(nlohmann::json((*state)["RESERVATION"].get<int>() * 10));
}
Task<Result<nlohmann::json>> Ship(SagaState*, std::stop_token) {
  co_return Error::From("no truck", "app.ship");
}

TEST(SagaTest, StepsRunInOrderAndAFailureCompensatesInReverse) {
  testing::Pool pool;
  auto clock = std::make_shared<FakeClock>();
  std::vector<std::string> undone;
  auto undo = [&undone](std::string name) {
    return [&undone, name](const SagaState&) {
      undone.push_back(name);
      return Ok();
    };
  };
  SagaBuilder ok;
  ok.AddStep("reserve", Reserve, undo("reserve"), "reservation").AddStep("charge", Charge);
  SagaState state = Go(pool.GetExecutor(), ok.Execute({}, clock)).Wait().Value();
  EXPECT_EQ(state.at("charge"), 70);
  EXPECT_TRUE(undone.empty());

  SagaBuilder failing;
  failing.AddStep("reserve", Reserve, undo("reserve"), "reservation")
      .AddStep("charge", Charge, undo("charge"))
      .AddStep("ship", Ship, undo("ship"));
  auto r = Go(pool.GetExecutor(), failing.Execute({}, clock)).Wait();
  EXPECT_EQ(r.Error().Code(), "app.ship");
  EXPECT_EQ(r.Error().TryGetMetadata<std::string>("sagaStep"), "ship");
  EXPECT_EQ(undone, (std::vector<std::string>{"charge", "reserve"}));
  EXPECT_EQ(Go(pool.GetExecutor(), SagaBuilder().Execute({}, clock)).Wait().Error().Code(),
            "error.validation");
}

TEST(CompensationScopeTest, FailuresAreAggregatedAndNoneRunsNothing) {
  int runs = 0;
  CompensationScope scope;
  scope.Register([&] {
    ++runs;
    return Result<Unit>(Error::From("a", "app.a"));
  });
  scope.Register([&]() -> Result<Unit> { throw std::runtime_error("b"); });
  Result<Unit> r = scope.Run(CompensationPolicy::kParallel);
  EXPECT_EQ(r.Error().Code(), "error.aggregate");
  EXPECT_EQ(runs, 1);
  scope.Register([&] {
    ++runs;
    return Ok();
  });
  EXPECT_TRUE(scope.Run(CompensationPolicy::kNone).IsSuccess());
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace hugo
