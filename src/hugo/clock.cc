#include "hugo/clock.h"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <thread>

namespace hugo {
namespace {

// The system clock: one Asio io_context on one dedicated thread runs every timer.
class SystemClock final : public Clock {
 public:
  SystemClock() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~SystemClock() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  WallTime UtcNow() const override { return std::chrono::system_clock::now(); }

  TimerId Schedule(TimePoint deadline, std::function<void()> callback) override {
    auto timer = std::make_shared<asio::steady_timer>(io_, deadline);
    TimerId id;
    {
      std::lock_guard lock(mutex_);
      id = next_id_++;
      timers_.emplace(id, Entry{timer, std::move(callback)});
    }
    asio::post(io_, [this, timer, id] {
      timer->async_wait([this, timer, id](const std::error_code&) { Fire(id); });
    });
    return id;
  }

  bool Cancel(TimerId id) override {
    std::shared_ptr<asio::steady_timer> timer;
    {
      std::lock_guard lock(mutex_);
      auto it = timers_.find(id);
      if (it == timers_.end()) return false;
      timer = std::move(it->second.timer);
      timers_.erase(it);
    }
    asio::post(io_, [timer] { timer->cancel(); });
    return true;
  }

 private:
  struct Entry {
    std::shared_ptr<asio::steady_timer> timer;
    std::function<void()> callback;
  };

  void Fire(TimerId id) {
    std::function<void()> callback;
    {
      std::lock_guard lock(mutex_);
      auto it = timers_.find(id);
      if (it == timers_.end()) return;  // canceled
      callback = std::move(it->second.callback);
      timers_.erase(it);
    }
    callback();
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::mutex mutex_;
  TimerId next_id_ = 1;
  std::unordered_map<TimerId, Entry> timers_;
  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace

std::shared_ptr<Clock> Clock::System() {
  static const std::shared_ptr<Clock> clock = std::make_shared<SystemClock>();
  return clock;
}

FakeClock::FakeClock()
    : now_(TimePoint() + std::chrono::hours(1)),
      wall_now_(WallTime() + std::chrono::hours(24 * 365 * 56)) {}

Clock::TimePoint FakeClock::Now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

Clock::WallTime FakeClock::UtcNow() const {
  std::lock_guard lock(mutex_);
  return wall_now_;
}

Clock::TimerId FakeClock::Schedule(TimePoint deadline, std::function<void()> callback) {
  std::unique_lock lock(mutex_);
  TimerId id = next_id_++;
  if (deadline <= now_) {
    lock.unlock();
    callback();
    return id;
  }
  by_deadline_.emplace(deadline, id);
  timers_.emplace(id, std::make_pair(deadline, std::move(callback)));
  changed_.notify_all();
  return id;
}

bool FakeClock::Cancel(TimerId id) {
  std::lock_guard lock(mutex_);
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  auto [first, last] = by_deadline_.equal_range(it->second.first);
  for (auto d = first; d != last; ++d) {
    if (d->second == id) {
      by_deadline_.erase(d);
      break;
    }
  }
  timers_.erase(it);
  changed_.notify_all();
  return true;
}

void FakeClock::Advance(std::chrono::nanoseconds by) {
  std::unique_lock lock(mutex_);
  TimePoint target = now_ + by;
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= target) {
    auto [deadline, id] = *by_deadline_.begin();
    by_deadline_.erase(by_deadline_.begin());
    auto it = timers_.find(id);
    std::function<void()> callback = std::move(it->second.second);
    timers_.erase(it);
    wall_now_ += deadline - now_;
    now_ = deadline;
    lock.unlock();
    callback();
    lock.lock();
  }
  wall_now_ += target - now_;
  now_ = target;
  changed_.notify_all();
}

size_t FakeClock::PendingTimerCount() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

bool FakeClock::AwaitPendingTimers(size_t count, std::chrono::milliseconds real_timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, real_timeout, [&] { return timers_.size() >= count; });
}

}  // namespace hugo
