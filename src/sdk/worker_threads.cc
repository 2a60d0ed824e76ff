#include "worker_threads.h"

namespace hdo::internal {

TimerThread::TimerThread() : thread_([this](std::stop_token stop) { Loop(std::move(stop)); }) {}

TimerThread::~TimerThread() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

TimerThread::Id TimerThread::Schedule(Clock::time_point at, std::function<void()> callback) {
  Id id = 0;
  bool earliest = false;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    auto [entry, inserted] = queue_.emplace(std::make_pair(at, id), std::move(callback));
    due_.emplace(id, at);
    earliest = entry == queue_.begin();
  }
  // Only a timer that is now the first changes when the loop must wake: most timers (an
  // activity's deadline, a heartbeat flush) are due after others and are cancelled long before
  // they are due, and waking the loop for each cost a context switch per activity.
  if (earliest) wake_.notify_one();
  return id;
}

bool TimerThread::Cancel(Id id) {
  std::lock_guard lock(mutex_);
  auto found = due_.find(id);
  if (found == due_.end()) return false;
  queue_.erase(std::make_pair(found->second, id));
  due_.erase(found);
  return true;
}

void TimerThread::Loop(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (queue_.empty()) {
      wake_.wait(lock, stop, [this] { return !queue_.empty(); });
      continue;
    }
    auto first = queue_.begin();
    const Clock::time_point at = first->first.first;
    if (Clock::now() < at) {
      // Woken early by a new timer or by stop; the loop re-reads the queue either way.
      wake_.wait_until(lock, stop, at,
                       [this, at] { return queue_.empty() || queue_.begin()->first.first < at; });
      continue;
    }
    std::function<void()> callback = std::move(first->second);
    due_.erase(first->first.second);
    queue_.erase(first);
    lock.unlock();
    callback();
    lock.lock();
  }
}

RateLimiter::RateLimiter(double per_second)
    : interval_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(1.0 / per_second))) {}

RateLimiter::Clock::duration RateLimiter::Reserve(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (next_ <= now) {
    next_ = now + interval_;
    return Clock::duration::zero();
  }
  Clock::duration wait = next_ - now;
  next_ += interval_;
  return wait;
}

bool RateLimiter::TryTake(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (next_ > now) return false;
  next_ = now + interval_;
  return true;
}

bool TaskSlots::TryAcquire() {
  std::lock_guard lock(mutex_);
  if (in_use_ >= slots_max_) return false;
  ++in_use_;
  return true;
}

bool TaskSlots::AcquireOrWait(std::function<void()> when_taken) {
  std::lock_guard lock(mutex_);
  if (in_use_ < slots_max_) {
    ++in_use_;
    return true;
  }
  waiters_.push_back(std::move(when_taken));
  return false;
}

void TaskSlots::Release() {
  std::function<void()> waiter;
  {
    std::lock_guard lock(mutex_);
    if (waiters_.empty()) {
      if (in_use_ > 0) --in_use_;
      return;
    }
    // The slot passes to the first waiter as it is (in_use_ unchanged).
    waiter = std::move(waiters_.front());
    waiters_.pop_front();
  }
  waiter();
}

size_t TaskSlots::DropWaiters() {
  std::lock_guard lock(mutex_);
  size_t dropped = waiters_.size();
  waiters_.clear();
  return dropped;
}

size_t TaskSlots::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

ThreadPool::~ThreadPool() {
  std::vector<std::binary_semaphore*> idle;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    idle.swap(idle_);
  }
  for (std::binary_semaphore* wake : idle) wake->release();
  for (std::thread& thread : threads_) thread.join();
}

void ThreadPool::Submit(std::function<void()> work) {
  std::binary_semaphore* wake = nullptr;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(work));
    if (!idle_.empty()) {
      wake = idle_.back();  // the thread idle the shortest time: its caches are the warmest
      idle_.pop_back();
    } else if (threads_.size() < threads_max_) {
      threads_.emplace_back([this] { Loop(); });
    }
  }
  // After unlocking: a thread woken while the lock is still held would block on it at once.
  if (wake != nullptr) wake->release();
}

void ThreadPool::Loop() {
  std::binary_semaphore wake(0);
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!queue_.empty()) {
      std::function<void()> work = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      work();
      work = nullptr;  // destroy captures before taking the lock again
      lock.lock();
    }
    if (stopping_) return;  // nothing left to run
    idle_.push_back(&wake);
    lock.unlock();
    wake.acquire();  // released by Submit (it took this thread off idle_) or the destructor
    lock.lock();
  }
}

}  // namespace hdo::internal
