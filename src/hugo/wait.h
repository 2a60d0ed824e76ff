// hugo::detail waiters: the one suspension mechanism under every libhugo primitive, for both
// coroutines and blocked threads, so that (unlike Hugo's Mutex) the awaiting and the blocking paths
// of a primitive share the same state and exclude each other.
//
// A Waiter is a shared, one-shot completion: the first TryComplete(outcome) wins (a lock-free CAS),
// later ones fail. Primitives keep WaiterPtrs in a WaitList under their own mutex; cancellation
// (std::stop_token) and deadlines (Clock timers) complete the same Waiter from other threads, and
// the primitive skips completed waiters lazily. A waiter woken with kSignaled must re-check the
// primitive's state (wake-ups carry no payload), which makes spurious or stolen wake-ups harmless.
//
// Owner: libhugo internals. Thread safety: Waiter is thread-safe; WaitList is guarded by its
// owner's mutex.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/post.hpp>
#include <atomic>
#include <coroutine>
#include <deque>
#include <memory>
#include <optional>
#include <stop_token>

#include "hugo/clock.h"

namespace hugo::detail {

enum WaitOutcome : int { kPending = 0, kSignaled = 1, kCanceled = 2, kTimedOut = 3, kClosed = 4 };

class Waiter {
 public:
  explicit Waiter(bool blocking) : blocking_(blocking) {}

  // First completion wins; returns whether this call won.
  bool TryComplete(int outcome) {
    if (!TryClaim(outcome)) return false;
    Fire();
    return true;
  }
  // The two halves of TryComplete, so that a primitive can claim a waiter under its lock and wake
  // it after unlocking (the woken thread then does not run straight into the held lock).
  bool TryClaim(int outcome) {
    int expected = kPending;
    return outcome_.compare_exchange_strong(expected, outcome, std::memory_order_acq_rel);
  }
  void Fire() {
    if (blocking_) {
      outcome_.notify_all();
    } else if (gate_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      asio::post(executor_, [h = handle_] { h.resume(); });
    }
  }
  int Outcome() const { return outcome_.load(std::memory_order_acquire); }
  bool IsPending() const { return Outcome() == kPending; }

  // Coroutine side: records where to resume; false when already completed (do not suspend).
  bool Arm(std::coroutine_handle<> handle, asio::any_io_executor executor) {
    handle_ = handle;
    executor_ = std::move(executor);
    return gate_.fetch_sub(1, std::memory_order_acq_rel) != 1;
  }
  // Thread side.
  void BlockUntilDone() const { outcome_.wait(kPending, std::memory_order_acquire); }

 private:
  std::atomic<int> outcome_{kPending};
  std::atomic<int> gate_{2};  // completion and Arm each take one; the last one resumes
  std::coroutine_handle<> handle_;
  asio::any_io_executor executor_;
  const bool blocking_;
};

using WaiterPtr = std::shared_ptr<Waiter>;

// A FIFO of waiters with lazy removal of completed ones; bounded by the number of live waiters
// (completed entries are purged when the list doubles).
class WaitList {
 public:
  WaiterPtr Add(bool blocking) {
    if (list_.size() >= purge_at_) Purge();
    list_.push_back(std::make_shared<Waiter>(blocking));
    return list_.back();
  }
  void Add(WaiterPtr waiter) {
    if (list_.size() >= purge_at_) Purge();
    list_.push_back(std::move(waiter));
  }
  // Completes the oldest pending waiter; false when there is none.
  bool WakeOne(int outcome) {
    while (!list_.empty()) {
      WaiterPtr w = std::move(list_.front());
      list_.pop_front();
      if (w->TryComplete(outcome)) return true;
    }
    return false;
  }
  // Claims the oldest pending waiter without waking it (the caller Fire()s it after unlocking);
  // nullptr when there is none.
  WaiterPtr ClaimOne(int outcome) {
    while (!list_.empty()) {
      WaiterPtr w = std::move(list_.front());
      list_.pop_front();
      if (w->TryClaim(outcome)) return w;
    }
    return nullptr;
  }
  void WakeAll(int outcome) {
    while (!list_.empty()) {
      list_.front()->TryComplete(outcome);
      list_.pop_front();
    }
  }
  bool HasPending() {
    while (!list_.empty() && !list_.front()->IsPending()) list_.pop_front();
    return !list_.empty();
  }
  size_t Size() const { return list_.size(); }

 private:
  void Purge() {
    std::erase_if(list_, [](const WaiterPtr& w) { return !w->IsPending(); });
    purge_at_ = std::max<size_t>(16, list_.size() * 2);
  }
  std::deque<WaiterPtr> list_;
  size_t purge_at_ = 16;
};

struct CancelWaiter {
  WaiterPtr waiter;
  void operator()() const { waiter->TryComplete(kCanceled); }
};

// While a waiter is outstanding: completes it with kCanceled on stop, kTimedOut at the deadline.
class WaitGuards {
 public:
  WaitGuards(const WaiterPtr& waiter, const std::stop_token& token, Clock* clock,
             std::optional<Clock::TimePoint> deadline) {
    if (token.stop_possible()) {
      stop_ = std::make_unique<std::stop_callback<CancelWaiter>>(token, CancelWaiter{waiter});
    }
    if (clock != nullptr && deadline) {
      clock_ = clock;
      timer_ = clock->Schedule(*deadline, [w = waiter] { w->TryComplete(kTimedOut); });
    }
  }
  ~WaitGuards() {
    if (clock_ != nullptr) clock_->Cancel(timer_);
  }
  WaitGuards(const WaitGuards&) = delete;
  WaitGuards& operator=(const WaitGuards&) = delete;

 private:
  // unique_ptr rather than optional: GCC 12 -O2 reports a false maybe-uninitialized on the latter.
  std::unique_ptr<std::stop_callback<CancelWaiter>> stop_;
  Clock* clock_ = nullptr;
  Clock::TimerId timer_ = 0;
};

// co_await Suspend(w, token[, clock, deadline]) -> the waiter's outcome.
struct SuspendAwaiter {
  WaiterPtr waiter;
  std::stop_token token;
  Clock* clock;
  std::optional<Clock::TimePoint> deadline;
  std::optional<WaitGuards> guards;

  bool await_ready() const noexcept { return !waiter->IsPending(); }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    guards.emplace(waiter, token, clock, deadline);
    return waiter->Arm(h, h.promise().executor);
  }
  int await_resume() {
    guards.reset();
    return waiter->Outcome();
  }
};

inline SuspendAwaiter Suspend(WaiterPtr waiter, std::stop_token token, Clock* clock = nullptr,
                              std::optional<Clock::TimePoint> deadline = std::nullopt) {
  return SuspendAwaiter{std::move(waiter), std::move(token), clock, deadline, std::nullopt};
}

// Blocks the calling thread until the waiter completes; returns the outcome.
inline int BlockOn(const WaiterPtr& waiter, const std::stop_token& token, Clock* clock = nullptr,
                   std::optional<Clock::TimePoint> deadline = std::nullopt) {
  WaitGuards guards(waiter, token, clock, deadline);
  waiter->BlockUntilDone();
  return waiter->Outcome();
}

}  // namespace hugo::detail
