// The worker's thread machinery (internal to libhdo-sdk): a timer thread (heartbeat throttle
// flushes, activity deadlines, the shutdown grace period), counting slots (the concurrency limits
// the pollers respect) and a lazily grown thread pool that runs polled tasks.
//
// Owner: one Worker (a lone ActivityContext may own a TimerThread). Thread safety: every member
// of every class here is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <semaphore>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

namespace hdo::internal {

// Runs callbacks at steady-clock times on one thread. Callbacks run without the lock held and
// must be short (a heartbeat RPC at most); a cancelled callback that already started still runs.
class TimerThread {
 public:
  using Id = uint64_t;
  using Clock = std::chrono::steady_clock;

  TimerThread();
  ~TimerThread();  // drops pending callbacks and joins
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  Id Schedule(Clock::time_point at, std::function<void()> callback);
  Id ScheduleAfter(Clock::duration delay, std::function<void()> callback) {
    return Schedule(Clock::now() + delay, std::move(callback));
  }
  // True when the callback was still pending (it will never run).
  bool Cancel(Id id);

 private:
  void Loop(std::stop_token stop);

  std::mutex mutex_;
  std::condition_variable_any wake_;
  Id next_id_ = 1;
  std::map<std::pair<Clock::time_point, Id>, std::function<void()>> queue_;
  std::map<Id, Clock::time_point> due_;
  std::jthread thread_;  // last: started after the members it uses
};

// A rate limit with a burst of one (Go's rate.NewLimiter(r, 1), behind the Go SDK's
// WorkerActivitiesPerSecond): the tasks it admits are at least 1/rate apart. A caller takes the
// next free instant and waits until then (Reserve), or takes one only if it is free now (TryTake).
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(double per_second);
  // Takes the next free instant; how long until it (zero: now).
  Clock::duration Reserve(Clock::time_point now);
  // Takes an instant only if one is free at `now`.
  bool TryTake(Clock::time_point now);

 private:
  std::mutex mutex_;
  Clock::duration interval_;
  Clock::time_point next_{};  // the earliest instant not taken yet
};

// A counting semaphore the pollers take a slot from before polling, so that no poll is made
// while every slot is busy. A poller that finds none waits without a thread: it leaves a callback
// that the next Release runs with the released slot already taken for it.
class TaskSlots {
 public:
  explicit TaskSlots(size_t slots_max) : slots_max_(slots_max) {}
  // Takes a slot only if one is free now.
  bool TryAcquire();
  // Takes a free slot (true), or queues `when_taken` to run, on the releasing thread and holding
  // a slot, once one is released (false).
  bool AcquireOrWait(std::function<void()> when_taken);
  void Release();
  // Forgets the queued callbacks (they never run); returns how many there were.
  size_t DropWaiters();
  size_t in_use() const;

 private:
  const size_t slots_max_;
  mutable std::mutex mutex_;
  size_t in_use_ = 0;
  std::deque<std::function<void()>> waiters_;
};

// Runs submitted functions on at most `threads_max` threads, started on demand (when no thread is
// idle). Callers bound the queue themselves (one TaskSlots slot per submitted function). The
// destructor runs what is queued and joins.
class ThreadPool {
 public:
  explicit ThreadPool(size_t threads_max) : threads_max_(threads_max) {}
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Submit(std::function<void()> work);

 private:
  void Loop();

  const size_t threads_max_;
  std::mutex mutex_;
  std::deque<std::function<void()>> queue_;
  // The idle threads' wake-ups, the most recently idle last: Submit wakes that one, so that a
  // light load keeps running on a few warm threads while the others sleep.
  std::vector<std::binary_semaphore*> idle_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hdo::internal
