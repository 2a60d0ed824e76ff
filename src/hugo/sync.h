// hugo synchronisation primitives (Hugo's WaitGroup, Mutex, RwMutex, Once, Pool, Go.Defer).
//
// Unlike Hugo (research note §6.1), Mutex and RwMutex have ONE lock state shared by the awaiting
// and the blocking paths: a coroutine holding the lock excludes a thread and vice versa. Locks are
// handed to waiters in FIFO order (fair). RwMutex prefers writers: a new reader waits while a
// writer holds or waits for the lock, so writers cannot starve; a released writer admits every
// waiting reader at once.
//
// Owner: whoever declares them; coroutines refer to them by pointer and the owner must outlive
// every user. Thread safety: every member is thread-safe. Guards are move-only and must be
// released on any thread, but only once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <utility>
#include <vector>

#include "hugo/clock.h"
#include "hugo/result.h"
#include "hugo/task.h"
#include "hugo/wait.h"

namespace hugo {

// Runs a callable when it goes out of scope (Hugo's Go.Defer). Move-only; never throws out.
template <class F>
class [[nodiscard]] Defer {
 public:
  explicit Defer(F f) : f_(std::move(f)) {}
  Defer(Defer&& other) noexcept : f_(std::move(other.f_)) { other.f_.reset(); }
  Defer(const Defer&) = delete;
  Defer& operator=(const Defer&) = delete;
  Defer& operator=(Defer&&) = delete;
  ~Defer() {
    if (!f_) return;
    try {
      (*f_)();
    } catch (...) {  // a deferred action must not throw out of a destructor
    }
  }
  void Cancel() { f_.reset(); }

 private:
  std::optional<F> f_;
};

class WaitGroup {
 public:
  // delta must be > 0 (error.validation otherwise; Hugo throws).
  Result<Unit> Add(int64_t delta = 1);
  // error.validation (and the count stays 0) when called more often than Add.
  Result<Unit> Done();
  int64_t Count() const;

  // Completes when the count is 0; error.canceled when `token` stops first.
  Task<Result<Unit>> Wait(std::stop_token token = {});
  Result<Unit> WaitBlocking(std::stop_token token = {});
  // Hugo's WaitAsync(timeout): true when drained, false on timeout.
  Task<Result<bool>> WaitFor(Duration timeout, std::shared_ptr<Clock> clock,
                             std::stop_token token = {});

  // Adds 1, starts `task` on `executor`, and calls Done when it finishes (even by exception).
  template <class T>
  JoinHandle<T> Go(Executor executor, Task<T> task) {
    (void)Add(1);
    return hugo::Go(std::move(executor), DoneAfter<T>(std::move(task), this));
  }

 private:
  template <class T>
  static Task<T> DoneAfter(Task<T> task, WaitGroup* group) {
    Defer done([group] { (void)group->Done(); });
    co_return co_await std::move(task);
  }
  detail::WaiterPtr WaitStep(bool blocking, bool* drained);

  mutable std::mutex mutex_;
  int64_t count_ = 0;
  detail::WaitList waiters_;
};

class Mutex;

// Holds a Mutex until destroyed or Unlock()ed.
class [[nodiscard]] MutexGuard {
 public:
  MutexGuard() = default;
  explicit MutexGuard(Mutex* mutex) : mutex_(mutex) {}
  MutexGuard(MutexGuard&& other) noexcept : mutex_(std::exchange(other.mutex_, nullptr)) {}
  MutexGuard& operator=(MutexGuard&& other) noexcept;
  ~MutexGuard() { Unlock(); }
  void Unlock();
  bool OwnsLock() const { return mutex_ != nullptr; }

 private:
  Mutex* mutex_ = nullptr;
};

class Mutex {
 public:
  std::optional<MutexGuard> TryLock();
  // Awaits the lock; error.canceled when `token` stops first.
  Task<Result<MutexGuard>> Lock(std::stop_token token = {});
  Result<MutexGuard> LockBlocking(std::stop_token token = {});

 private:
  friend class MutexGuard;
  void Unlock();
  // Takes the lock (nullptr) or queues a waiter that will be handed the lock.
  detail::WaiterPtr Acquire(bool blocking);

  std::mutex mutex_;
  bool locked_ = false;
  detail::WaitList waiters_;
};

class RwMutex;

class [[nodiscard]] RwGuard {
 public:
  RwGuard() = default;
  RwGuard(RwMutex* mutex, bool writer) : mutex_(mutex), writer_(writer) {}
  RwGuard(RwGuard&& other) noexcept
      : mutex_(std::exchange(other.mutex_, nullptr)), writer_(other.writer_) {}
  RwGuard& operator=(RwGuard&& other) noexcept;
  ~RwGuard() { Unlock(); }
  void Unlock();

 private:
  RwMutex* mutex_ = nullptr;
  bool writer_ = false;
};

class RwMutex {
 public:
  Task<Result<RwGuard>> RLock(std::stop_token token = {});
  Task<Result<RwGuard>> Lock(std::stop_token token = {});
  Result<RwGuard> RLockBlocking(std::stop_token token = {});
  Result<RwGuard> LockBlocking(std::stop_token token = {});
  int ActiveReaders() const;

 private:
  friend class RwGuard;
  detail::WaiterPtr AcquireRead(bool blocking);
  detail::WaiterPtr AcquireWrite(bool blocking);
  void ReleaseRead();
  void ReleaseWrite();
  void AdmitLocked();

  mutable std::mutex mutex_;
  int readers_ = 0;
  bool writer_ = false;
  detail::WaitList waiting_readers_;
  detail::WaitList waiting_writers_;
};

// Runs an action at most once; marked done even if the action throws (like Go's sync.Once after a
// panic, and unlike std::call_once). Concurrent callers wait for the first to finish.
class Once {
 public:
  template <class F>
  void Do(F&& f) {
    if (done_.load(std::memory_order_acquire)) return;
    std::lock_guard lock(mutex_);
    if (done_.load(std::memory_order_relaxed)) return;
    Defer mark([this] { done_.store(true, std::memory_order_release); });
    std::forward<F>(f)();
  }
  bool IsDone() const { return done_.load(std::memory_order_acquire); }

 private:
  std::mutex mutex_;
  std::atomic<bool> done_{false};
};

// A bounded free list (Hugo's Pool<T>): Get returns a pooled item or a new one from the factory;
// Put keeps at most `max_size` items and drops the rest.
template <class T>
class Pool {
 public:
  Pool(std::function<T()> factory, size_t max_size)
      : factory_(std::move(factory)), max_size_(max_size) {}
  T Get() {
    {
      std::lock_guard lock(mutex_);
      if (!items_.empty()) {
        T item = std::move(items_.back());
        items_.pop_back();
        return item;
      }
    }
    return factory_();
  }
  void Put(T item) {
    std::lock_guard lock(mutex_);
    if (items_.size() < max_size_) items_.push_back(std::move(item));
  }

 private:
  std::function<T()> factory_;
  const size_t max_size_;
  std::mutex mutex_;
  std::vector<T> items_;
};

}  // namespace hugo
