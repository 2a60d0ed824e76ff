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

void TimerThread::Cancel(Id id) {
  std::lock_guard lock(mutex_);
  auto found = due_.find(id);
  if (found == due_.end()) return;
  queue_.erase(std::make_pair(found->second, id));
  due_.erase(found);
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

bool TaskSlots::Acquire(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  if (!freed_.wait(lock, stop, [this] { return in_use_ < slots_max_; })) return false;
  ++in_use_;
  return true;
}

bool TaskSlots::TryAcquire() {
  std::lock_guard lock(mutex_);
  if (in_use_ >= slots_max_) return false;
  ++in_use_;
  return true;
}

void TaskSlots::Release() {
  {
    std::lock_guard lock(mutex_);
    if (in_use_ > 0) --in_use_;
  }
  freed_.notify_one();
}

size_t TaskSlots::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void ThreadPool::Submit(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(work));
    if (idle_ < queue_.size() && threads_.size() < threads_max_) {
      threads_.emplace_back([this] { Loop(); });
    }
  }
  // After unlocking: a thread woken while the lock is still held would block on it at once.
  queued_.notify_one();
}

void ThreadPool::Loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, and nothing left to run
    std::function<void()> work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    work();
    work = nullptr;  // destroy captures before taking the lock again
    lock.lock();
  }
}

bool SleepFor(std::chrono::milliseconds delay, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any never;
  std::unique_lock lock(mutex);
  (void)never.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace hdo::internal
