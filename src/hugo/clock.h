// hugo::Clock: the only source of time in libhugo (Hugo's TimeProvider). Deadlines use the
// monotonic Now(); records and events use the wall-clock UtcNow(). Timers are scheduled through
// the clock so that tests drive them with FakeClock::Advance.
//
// Owner: libhugo; one SystemClock per process (Clock::System()), FakeClocks owned by tests.
// Thread safety: every member is safe to call from any thread. Timer callbacks run on the
// SystemClock's own timer thread, or (FakeClock) on the thread calling Advance, or inline in
// Schedule when the deadline has already passed: a callback must be short, must not block, and the
// caller of Schedule must not hold a lock that the callback takes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace hugo {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;
  using TimerId = uint64_t;

  virtual ~Clock() = default;

  virtual TimePoint Now() const = 0;
  virtual WallTime UtcNow() const = 0;

  // Calls `callback` once, at or after `deadline`, unless Cancel(id) returns true first.
  virtual TimerId Schedule(TimePoint deadline, std::function<void()> callback) = 0;
  // True when the callback had not started and never will; false when it ran, is running, or the
  // id is unknown.
  virtual bool Cancel(TimerId id) = 0;

  // The process-wide system clock (steady + system_clock, an Asio timer thread).
  static std::shared_ptr<Clock> System();
};

// A manual clock for tests: time moves only in Advance, which runs the due callbacks in deadline
// order on the calling thread.
class FakeClock final : public Clock {
 public:
  FakeClock();

  TimePoint Now() const override;
  WallTime UtcNow() const override;
  TimerId Schedule(TimePoint deadline, std::function<void()> callback) override;
  bool Cancel(TimerId id) override;

  void Advance(std::chrono::nanoseconds by);
  // Timers scheduled and neither fired nor canceled: lets a test wait until a coroutine has
  // registered its timer before it advances time.
  size_t PendingTimerCount() const;
  // Blocks until PendingTimerCount() >= count or `real_timeout` passes; returns whether it did.
  bool AwaitPendingTimers(size_t count,
                          std::chrono::milliseconds real_timeout = std::chrono::seconds(30)) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  TimePoint now_;
  WallTime wall_now_;
  TimerId next_id_ = 1;
  std::multimap<TimePoint, TimerId> by_deadline_;
  std::unordered_map<TimerId, std::pair<TimePoint, std::function<void()>>> timers_;
};

}  // namespace hugo
