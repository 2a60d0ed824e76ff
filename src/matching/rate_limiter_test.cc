// Goal: a task queue's dispatch limit hands out its burst (ceil(rate), at least one) at once and
// then one task per 1/rate seconds, says when the next token comes, pauses at rate 0, and keeps
// the tokens left when the rate changes. Method: the limiter driven with explicit times.
#include "matching/rate_limiter.h"

#include <gtest/gtest.h>

namespace hdo::matching {
namespace {

using Clock = DispatchRateLimiter::Clock;
using std::chrono::milliseconds;

int TakeAll(DispatchRateLimiter& limiter, Clock::time_point now) {
  int taken = 0;
  while (limiter.Ready(now)) {
    limiter.Take(now);
    ++taken;
  }
  return taken;
}

TEST(DispatchRateLimiterTest, TheBurstIsTheRateRoundedUpAndTheRestComesAtTheRate) {
  Clock::time_point t0{};
  DispatchRateLimiter limiter(2.5, t0);
  EXPECT_EQ(limiter.burst(), 3);
  EXPECT_EQ(TakeAll(limiter, t0), 3);
  // One token per 400 ms from here.
  EXPECT_EQ(limiter.NextReady(t0), t0 + milliseconds(400));
  EXPECT_FALSE(limiter.Ready(t0 + milliseconds(399)));
  EXPECT_EQ(TakeAll(limiter, t0 + milliseconds(400)), 1);
  // A long pause refills the burst, never more.
  EXPECT_EQ(TakeAll(limiter, t0 + std::chrono::seconds(60)), 3);
}

TEST(DispatchRateLimiterTest, ARateBelowOneStillLetsOneTaskThrough) {
  Clock::time_point t0{};
  DispatchRateLimiter limiter(0.5, t0);
  EXPECT_EQ(limiter.burst(), 1);
  EXPECT_EQ(TakeAll(limiter, t0), 1);
  EXPECT_EQ(limiter.NextReady(t0), t0 + std::chrono::seconds(2));
}

TEST(DispatchRateLimiterTest, RateZeroPausesTheQueue) {
  Clock::time_point t0{};
  DispatchRateLimiter limiter(0, t0);
  EXPECT_EQ(TakeAll(limiter, t0 + std::chrono::hours(1)), 0);
  EXPECT_EQ(limiter.NextReady(t0), Clock::time_point::max());
}

TEST(DispatchRateLimiterTest, ANewRateKeepsTheTokensLeftUpToItsBurst) {
  Clock::time_point t0{};
  DispatchRateLimiter limiter(10, t0);
  limiter.Take(t0);  // 9 left
  limiter.SetRate(4, t0);
  EXPECT_EQ(TakeAll(limiter, t0), 4);  // capped to the new burst
  limiter.SetRate(100, t0);
  EXPECT_EQ(TakeAll(limiter, t0), 0);  // a higher rate adds no tokens by itself
  EXPECT_EQ(limiter.NextReady(t0), t0 + milliseconds(10));
  limiter.SetRate(0, t0 + milliseconds(5));  // half a token refilled, then paused
  EXPECT_EQ(TakeAll(limiter, t0 + std::chrono::hours(1)), 0);
}

}  // namespace
}  // namespace hdo::matching
