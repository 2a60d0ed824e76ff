#include "hugo/sync.h"

#include "hugo/diagnostics.h"

namespace hugo {
namespace {

Error Validation(const char* message) {
  return Error::From(message, std::string(ErrorCodes::kValidation));
}

Error FromOutcome(int outcome) {
  return outcome == detail::kTimedOut ? Error::Timeout() : Error::Canceled();
}

}  // namespace

// ---- WaitGroup ----

Result<Unit> WaitGroup::Add(int64_t delta) {
  if (delta <= 0) return Validation("WaitGroup.Add needs a positive delta.");
  {
    std::lock_guard lock(mutex_);
    count_ += delta;
  }
  Diagnostics::Instance().Get("waitgroup.additions").Add(static_cast<double>(delta));
  Diagnostics::Instance().Get("waitgroup.outstanding").Add(static_cast<double>(delta));
  return Ok();
}

Result<Unit> WaitGroup::Done() {
  {
    std::lock_guard lock(mutex_);
    if (count_ <= 0) {
      count_ = 0;
      return Validation("WaitGroup.Done was called more often than Add.");
    }
    if (--count_ == 0) waiters_.WakeAll(detail::kSignaled);
  }
  Diagnostics::Instance().Get("waitgroup.completions").Add(1);
  Diagnostics::Instance().Get("waitgroup.outstanding").Add(-1);
  return Ok();
}

int64_t WaitGroup::Count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

detail::WaiterPtr WaitGroup::WaitStep(bool blocking, bool* drained) {
  std::lock_guard lock(mutex_);
  *drained = count_ == 0;
  return *drained ? nullptr : waiters_.Add(blocking);
}

Task<Result<Unit>> WaitGroup::Wait(std::stop_token token) {
  for (;;) {
    bool drained = false;
    detail::WaiterPtr waiter = WaitStep(false, &drained);
    if (drained) co_return Ok();
    int outcome = co_await detail::Suspend(waiter, token);
    if (outcome != detail::kSignaled) co_return FromOutcome(outcome);
  }
}

Result<Unit> WaitGroup::WaitBlocking(std::stop_token token) {
  for (;;) {
    bool drained = false;
    detail::WaiterPtr waiter = WaitStep(true, &drained);
    if (drained) return Ok();
    int outcome = detail::BlockOn(waiter, token);
    if (outcome != detail::kSignaled) return FromOutcome(outcome);
  }
}

Task<Result<bool>> WaitGroup::WaitFor(Duration timeout, std::shared_ptr<Clock> clock,
                                      std::stop_token token) {
  Clock::TimePoint deadline = clock->Now() + timeout;
  for (;;) {
    bool drained = false;
    detail::WaiterPtr waiter = WaitStep(false, &drained);
    if (drained) co_return Ok(true);
    int outcome = co_await detail::Suspend(waiter, token, clock.get(), deadline);
    if (outcome == detail::kTimedOut) co_return Ok(false);
    if (outcome != detail::kSignaled) co_return FromOutcome(outcome);
  }
}

// ---- Mutex ----

MutexGuard& MutexGuard::operator=(MutexGuard&& other) noexcept {
  if (this != &other) {
    Unlock();
    mutex_ = std::exchange(other.mutex_, nullptr);
  }
  return *this;
}

void MutexGuard::Unlock() {
  if (mutex_ != nullptr) std::exchange(mutex_, nullptr)->Unlock();
}

std::optional<MutexGuard> Mutex::TryLock() {
  std::lock_guard lock(mutex_);
  if (locked_) return std::nullopt;
  locked_ = true;
  return MutexGuard(this);
}

detail::WaiterPtr Mutex::Acquire(bool blocking) {
  std::lock_guard lock(mutex_);
  if (!locked_) {
    locked_ = true;
    return nullptr;
  }
  return waiters_.Add(blocking);
}

void Mutex::Unlock() {
  detail::WaiterPtr next;
  {
    std::lock_guard lock(mutex_);
    // Hand the lock straight to the oldest live waiter (kSignaled means "you own it now").
    next = waiters_.ClaimOne(detail::kSignaled);
    if (!next) locked_ = false;
  }
  if (next) next->Fire();
}

Task<Result<MutexGuard>> Mutex::Lock(std::stop_token token) {
  if (token.stop_requested()) co_return Error::Canceled();
  detail::WaiterPtr waiter = Acquire(false);
  if (waiter == nullptr) co_return Result<MutexGuard>::Ok(MutexGuard(this));
  int outcome = co_await detail::Suspend(waiter, token);
  if (outcome != detail::kSignaled) co_return FromOutcome(outcome);
  co_return Result<MutexGuard>::Ok(MutexGuard(this));
}

Result<MutexGuard> Mutex::LockBlocking(std::stop_token token) {
  if (token.stop_requested()) return Error::Canceled();
  detail::WaiterPtr waiter = Acquire(true);
  if (waiter != nullptr) {
    int outcome = detail::BlockOn(waiter, token);
    if (outcome != detail::kSignaled) return FromOutcome(outcome);
  }
  return Result<MutexGuard>::Ok(MutexGuard(this));
}

// ---- RwMutex ----

RwGuard& RwGuard::operator=(RwGuard&& other) noexcept {
  if (this != &other) {
    Unlock();
    mutex_ = std::exchange(other.mutex_, nullptr);
    writer_ = other.writer_;
  }
  return *this;
}

void RwGuard::Unlock() {
  RwMutex* mutex = std::exchange(mutex_, nullptr);
  if (mutex == nullptr) return;
  if (writer_) {
    mutex->ReleaseWrite();
  } else {
    mutex->ReleaseRead();
  }
}

detail::WaiterPtr RwMutex::AcquireRead(bool blocking) {
  std::lock_guard lock(mutex_);
  if (!writer_ && !waiting_writers_.HasPending()) {
    ++readers_;
    return nullptr;
  }
  return waiting_readers_.Add(blocking);
}

detail::WaiterPtr RwMutex::AcquireWrite(bool blocking) {
  std::lock_guard lock(mutex_);
  if (!writer_ && readers_ == 0) {
    writer_ = true;
    return nullptr;
  }
  return waiting_writers_.Add(blocking);
}

// Grants the lock to whoever is next: a waiting writer when free, else every waiting reader.
void RwMutex::AdmitLocked() {
  if (writer_) return;
  if (readers_ == 0 && waiting_writers_.WakeOne(detail::kSignaled)) {
    writer_ = true;
    return;
  }
  if (waiting_writers_.HasPending()) return;  // readers wait behind a queued writer
  // Each reader is counted before it is woken, so that it owns its share on resumption.
  detail::WaitList readers = std::move(waiting_readers_);
  waiting_readers_ = detail::WaitList();
  for (;;) {
    ++readers_;
    if (!readers.WakeOne(detail::kSignaled)) {
      --readers_;
      break;
    }
  }
}

void RwMutex::ReleaseRead() {
  std::lock_guard lock(mutex_);
  --readers_;
  AdmitLocked();
}

void RwMutex::ReleaseWrite() {
  std::lock_guard lock(mutex_);
  writer_ = false;
  // A released writer admits every waiting reader first (no writer starves them either).
  detail::WaitList readers = std::move(waiting_readers_);
  waiting_readers_ = detail::WaitList();
  for (;;) {
    ++readers_;
    if (!readers.WakeOne(detail::kSignaled)) {
      --readers_;
      break;
    }
  }
  AdmitLocked();
}

int RwMutex::ActiveReaders() const {
  std::lock_guard lock(mutex_);
  return readers_;
}

Task<Result<RwGuard>> RwMutex::RLock(std::stop_token token) {
  if (token.stop_requested()) co_return Error::Canceled();
  detail::WaiterPtr waiter = AcquireRead(false);
  if (waiter != nullptr) {
    int outcome = co_await detail::Suspend(waiter, token);
    if (outcome != detail::kSignaled) co_return FromOutcome(outcome);
  }
  co_return Result<RwGuard>::Ok(RwGuard(this, false));
}

Task<Result<RwGuard>> RwMutex::Lock(std::stop_token token) {
  if (token.stop_requested()) co_return Error::Canceled();
  detail::WaiterPtr waiter = AcquireWrite(false);
  if (waiter != nullptr) {
    int outcome = co_await detail::Suspend(waiter, token);
    if (outcome != detail::kSignaled) co_return FromOutcome(outcome);
  }
  co_return Result<RwGuard>::Ok(RwGuard(this, true));
}

Result<RwGuard> RwMutex::RLockBlocking(std::stop_token token) {
  if (token.stop_requested()) return Error::Canceled();
  detail::WaiterPtr waiter = AcquireRead(true);
  if (waiter != nullptr) {
    int outcome = detail::BlockOn(waiter, token);
    if (outcome != detail::kSignaled) return FromOutcome(outcome);
  }
  return Result<RwGuard>::Ok(RwGuard(this, false));
}

Result<RwGuard> RwMutex::LockBlocking(std::stop_token token) {
  if (token.stop_requested()) return Error::Canceled();
  detail::WaiterPtr waiter = AcquireWrite(true);
  if (waiter != nullptr) {
    int outcome = detail::BlockOn(waiter, token);
    if (outcome != detail::kSignaled) return FromOutcome(outcome);
  }
  return Result<RwGuard>::Ok(RwGuard(this, true));
}

}  // namespace hugo
