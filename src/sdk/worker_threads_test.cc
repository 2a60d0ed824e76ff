// The worker's thread machinery: the timer thread's order, its wake-up for a new first timer,
// cancellation; the thread pool running everything submitted.
#include "worker_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace hdo::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimiterTest, TurnsAreOneIntervalApartAndAFreeTurnIsTakenAtOnce) {
  RateLimiter limiter(4);  // 250 ms apart
  const RateLimiter::Clock::time_point t0 = RateLimiter::Clock::now();
  EXPECT_EQ(limiter.Reserve(t0), milliseconds(0));    // free: now
  EXPECT_EQ(limiter.Reserve(t0), milliseconds(250));  // the next turn
  EXPECT_EQ(limiter.Reserve(t0 + milliseconds(100)), milliseconds(400));
  EXPECT_FALSE(limiter.TryTake(t0 + milliseconds(700)));  // turns reserved up to t0 + 750 ms
  EXPECT_TRUE(limiter.TryTake(t0 + milliseconds(750)));
  EXPECT_FALSE(limiter.TryTake(t0 + milliseconds(900)));
  // Idle time does not bank turns (a burst of one): after a pause, one now, the next later.
  EXPECT_EQ(limiter.Reserve(t0 + seconds(10)), milliseconds(0));
  EXPECT_EQ(limiter.Reserve(t0 + seconds(10)), milliseconds(250));
}

TEST(TimerThreadTest, ATimerDueBeforeThePendingFirstOneWakesTheLoopAndRunsFirst) {
  TimerThread timers;
  std::mutex mutex;
  std::vector<int> ran;
  std::promise<void> early_ran;
  // The loop sleeps until the first timer (an hour away) unless a new first timer wakes it.
  timers.ScheduleAfter(std::chrono::hours(1), [&] {
    std::lock_guard lock(mutex);
    ran.push_back(1);
  });
  std::this_thread::sleep_for(milliseconds(100));  // the loop is asleep until that hour is up
  timers.ScheduleAfter(milliseconds(20), [&] {
    {
      std::lock_guard lock(mutex);
      ran.push_back(2);
    }
    early_ran.set_value();
  });
  ASSERT_EQ(early_ran.get_future().wait_for(seconds(30)), std::future_status::ready)
      << "the new first timer did not wake the loop";
  std::lock_guard lock(mutex);
  EXPECT_EQ(ran, std::vector<int>{2});
}

TEST(TimerThreadTest, TimersDueAfterTheFirstRunInTheirOrderAndACancelledOneNever) {
  TimerThread timers;
  std::mutex mutex;
  std::vector<int> ran;
  std::promise<void> last_ran;
  auto now = TimerThread::Clock::now();
  timers.Schedule(now + milliseconds(10), [&] {
    std::lock_guard lock(mutex);
    ran.push_back(1);
  });
  // Scheduled after the first, so they do not wake the loop; it finds them when it wakes.
  timers.Schedule(now + milliseconds(60), [&] {
    {
      std::lock_guard lock(mutex);
      ran.push_back(3);
    }
    last_ran.set_value();
  });
  auto cancelled = timers.Schedule(now + milliseconds(40), [&] {
    std::lock_guard lock(mutex);
    ran.push_back(99);
  });
  timers.Schedule(now + milliseconds(30), [&] {
    std::lock_guard lock(mutex);
    ran.push_back(2);
  });
  timers.Cancel(cancelled);
  ASSERT_EQ(last_ran.get_future().wait_for(seconds(30)), std::future_status::ready);
  std::lock_guard lock(mutex);
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

TEST(ThreadPoolTest, RunsEverythingSubmittedIncludingWhatIsQueuedAtDestruction) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(3);
    for (int i = 0; i < 500; ++i) pool.Submit([&] { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 500);
}

// Each submission after the pool's threads went idle wakes one of them: one at a time, every
// function runs (a lost wake-up would leave it queued for good).
TEST(ThreadPoolTest, AThreadThatWentIdleIsWokenForTheNextSubmission) {
  ThreadPool pool(2);
  for (int i = 0; i < 300; ++i) {
    std::promise<void> ran;
    std::future<void> done = ran.get_future();
    pool.Submit([&ran] { ran.set_value(); });
    ASSERT_EQ(done.wait_for(std::chrono::seconds(60)), std::future_status::ready)
        << "submission " << i << " never ran";
  }
}

// Eight tasks that each wait for the test on a pool of four: four run at once (the test sees
// them all waiting), the other four only as those end, and every one runs.
TEST(ThreadPoolTest, RunsAtMostItsMaximumAtOnceAndTheRestAsThreadsFreeUp) {
  std::atomic<int> running{0}, most{0}, ran{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  {
    ThreadPool pool(4);
    for (int i = 0; i < 8; ++i) {
      pool.Submit([&, released] {
        int now = running.fetch_add(1) + 1;
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        released.wait();
        running.fetch_sub(1);
        ran.fetch_add(1);
      });
    }
    while (running.load() < 4) std::this_thread::yield();
    EXPECT_EQ(ran.load(), 0);
    release.set_value();
  }
  EXPECT_EQ(ran.load(), 8);
  EXPECT_EQ(most.load(), 4);
}

}  // namespace
}  // namespace hdo::internal
