// hugo::Channel<T>: Go-style channels (Hugo's Go.MakeChannel / MakePrioritizedChannel): bounded
// with a full mode (Wait, DropNewest, DropOldest, DropWrite), unbounded, or prioritized (several
// lanes; level 0 is the highest priority and the default write priority is the lowest level).
// Reads take from the lowest-numbered non-empty lane (strict priority, no aging). Complete(error)
// closes the channel: readers drain what is buffered, then see error.channel.completed or the close
// error. Every operation has a non-blocking (Try*), an awaitable and a blocking form; all three
// share one mutex and one set of wait lists.
//
// Owner: whoever creates it, through std::shared_ptr (coroutines hold it by value).
// Thread safety: every member is safe to call from any thread and any executor concurrently.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "hugo/result.h"
#include "hugo/task.h"
#include "hugo/wait.h"

namespace hugo {

enum class FullMode { kWait, kDropNewest, kDropOldest, kDropWrite };

struct ChannelOptions {
  // Items per lane; 0 = unbounded. Negative is error.validation.
  int64_t capacity = 0;
  FullMode full_mode = FullMode::kWait;
  // Number of priority lanes (>= 1). Level 0 is the highest priority.
  int priority_levels = 1;
  // Lane used by writes that give no priority; -1 = the lowest level (priority_levels - 1).
  int default_priority = -1;
};

enum class WriteStatus { kWritten, kDropped, kFull, kClosed };

template <class T>
class Channel {
 public:
  // Validates the options: error.validation for a negative capacity, fewer than one level, or a
  // default priority outside the levels.
  static Result<std::shared_ptr<Channel>> Make(ChannelOptions options = {}) {
    if (options.capacity < 0) return Invalid("Channel capacity must not be negative.");
    if (options.priority_levels < 1) return Invalid("A channel needs at least one priority level.");
    if (options.default_priority < -1 || options.default_priority >= options.priority_levels) {
      return Invalid("The default priority must lie within the priority levels.");
    }
    return Result<std::shared_ptr<Channel>>::Ok(std::shared_ptr<Channel>(new Channel(options)));
  }

  // Writes without waiting. With FullMode::kWait a full lane gives kFull; the drop modes always
  // make room (or drop the written item, kDropWrite), as System.Threading.Channels does.
  WriteStatus TryWrite(T item, int priority = -1) {
    detail::WaiterPtr wake;
    WriteStatus status;
    {
      std::lock_guard lock(mutex_);
      status = WriteLocked(item, LaneOf(priority), wake);
    }
    if (wake) wake->Fire();
    return status;
  }
  bool TryWriteBool(T item, int priority = -1) {
    WriteStatus s = TryWrite(std::move(item), priority);
    return s == WriteStatus::kWritten || s == WriteStatus::kDropped;
  }

  // Waits for room (kWait mode). error.channel.completed (or the close error) once closed;
  // error.canceled when `token` stops; error.validation for a priority outside the levels.
  Task<Result<Unit>> Write(T item, std::stop_token token = {}, int priority = -1);
  Result<Unit> WriteBlocking(T item, std::stop_token token = {}, int priority = -1);

  std::optional<T> TryRead() {
    detail::WaiterPtr wake;
    std::optional<T> item;
    {
      std::lock_guard lock(mutex_);
      item = ReadLocked(wake);
    }
    if (wake) wake->Fire();
    return item;
  }
  // Waits for an item. After close and drain: error.channel.completed, or the close error.
  Task<Result<T>> Read(std::stop_token token = {});
  Result<T> ReadBlocking(std::stop_token token = {});
  // Hugo's WaitToReadAsync: true when an item is buffered, false when closed and drained.
  Task<Result<bool>> WaitToRead(std::stop_token token = {});

  // Closes the channel (Hugo's TryComplete); readers drain, then see error.channel.completed or
  // `error`. False when it was already closed. (Two overloads rather than an optional<Error>
  // parameter: GCC 12 -O2 reports a false maybe-uninitialized on the defaulted optional.)
  bool Complete() { return CompleteWith(nullptr); }
  bool Complete(Error error) { return CompleteWith(&error); }

  size_t Count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  bool IsClosed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  // Closed and drained (Hugo's Completion finished).
  bool IsCompleted() const {
    std::lock_guard lock(mutex_);
    return closed_ && count_ == 0;
  }
  // The error readers see once the channel is closed and drained.
  Error CompletionError() const {
    std::lock_guard lock(mutex_);
    return ClosedError();
  }
  int PriorityLevels() const { return static_cast<int>(lanes_.size()); }

  // For Select: registers `waiter` to be signalled on the next write or close. False (nothing
  // registered) when an item is already buffered or the channel is closed.
  bool WatchReadable(const detail::WaiterPtr& waiter) {
    std::lock_guard lock(mutex_);
    if (count_ > 0 || closed_) return false;
    watchers_.Add(waiter);
    return true;
  }

 private:
  explicit Channel(ChannelOptions options)
      : capacity_(options.capacity),
        full_mode_(options.full_mode),
        default_lane_(options.default_priority < 0 ? options.priority_levels - 1
                                                   : options.default_priority),
        lanes_(options.priority_levels) {}

  bool CompleteWith(const Error* error) {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    closed_ = true;
    if (error != nullptr) close_error_ = *error;
    readers_.WakeAll(detail::kSignaled);
    watchers_.WakeAll(detail::kSignaled);
    writers_.WakeAll(detail::kSignaled);
    return true;
  }

  static Error Invalid(const char* message) {
    return Error::From(message, std::string(ErrorCodes::kValidation));
  }
  Error ClosedError() const {
    return close_error_ ? *close_error_
                        : Error::From("The channel has been completed.",
                                      std::string(ErrorCodes::kChannelCompleted));
  }
  int LaneOf(int priority) const { return priority < 0 ? default_lane_ : priority; }
  bool ValidLane(int lane) const { return lane >= 0 && lane < static_cast<int>(lanes_.size()); }

  // `wake`: a reader claimed for this item, to Fire() after unlocking.
  WriteStatus WriteLocked(T& item, int lane, detail::WaiterPtr& wake) {
    if (closed_) return WriteStatus::kClosed;
    std::deque<T>& q = lanes_[lane];
    if (capacity_ > 0 && static_cast<int64_t>(q.size()) >= capacity_) {
      switch (full_mode_) {
        case FullMode::kWait:
          return WriteStatus::kFull;
        case FullMode::kDropWrite:
          return WriteStatus::kDropped;
        case FullMode::kDropNewest:
          q.pop_back();
          --count_;
          break;
        case FullMode::kDropOldest:
          q.pop_front();
          --count_;
          break;
      }
    }
    q.push_back(std::move(item));
    ++count_;
    wake = readers_.ClaimOne(detail::kSignaled);
    if (watchers_.Size() > 0) watchers_.WakeAll(detail::kSignaled);
    return WriteStatus::kWritten;
  }

  // `wake`: a writer claimed for the freed slot, to Fire() after unlocking.
  std::optional<T> ReadLocked(detail::WaiterPtr& wake) {
    if (count_ == 0) return std::nullopt;
    for (std::deque<T>& q : lanes_) {
      if (q.empty()) continue;
      std::optional<T> item(std::move(q.front()));
      q.pop_front();
      --count_;
      if (capacity_ > 0) wake = writers_.ClaimOne(detail::kSignaled);
      return item;
    }
    return std::nullopt;
  }

  // One attempt of a write that may wait: the result when done, or a waiter to wait on.
  std::variant<Result<Unit>, detail::WaiterPtr> WriteStep(T& item, int lane, bool blocking,
                                                          const std::stop_token& token) {
    detail::WaiterPtr wake;
    std::variant<Result<Unit>, detail::WaiterPtr> out =
        WriteStepLocked(item, lane, blocking, token, wake);
    if (wake) wake->Fire();
    return out;
  }
  std::variant<Result<Unit>, detail::WaiterPtr> WriteStepLocked(T& item, int lane, bool blocking,
                                                                const std::stop_token& token,
                                                                detail::WaiterPtr& wake) {
    std::lock_guard lock(mutex_);
    if (!ValidLane(lane)) return Result<Unit>(Invalid("The priority lies outside the levels."));
    WriteStatus status = WriteLocked(item, lane, wake);
    if (status == WriteStatus::kClosed) return Result<Unit>(ClosedError());
    if (status != WriteStatus::kFull) return Ok();
    if (token.stop_requested()) return Result<Unit>(Error::Canceled());
    return writers_.Add(blocking);
  }
  std::variant<Result<T>, detail::WaiterPtr> ReadStep(bool blocking, const std::stop_token& token) {
    detail::WaiterPtr wake;
    std::variant<Result<T>, detail::WaiterPtr> out = ReadStepLocked(blocking, token, wake);
    if (wake) wake->Fire();
    return out;
  }
  std::variant<Result<T>, detail::WaiterPtr> ReadStepLocked(bool blocking,
                                                            const std::stop_token& token,
                                                            detail::WaiterPtr& wake) {
    std::lock_guard lock(mutex_);
    if (std::optional<T> item = ReadLocked(wake)) return Result<T>::Ok(std::move(*item));
    if (closed_) return Result<T>(ClosedError());
    if (token.stop_requested()) return Result<T>(Error::Canceled());
    return readers_.Add(blocking);
  }

  mutable std::mutex mutex_;
  const int64_t capacity_;
  const FullMode full_mode_;
  const int default_lane_;
  std::vector<std::deque<T>> lanes_;
  size_t count_ = 0;
  bool closed_ = false;
  std::optional<Error> close_error_;
  detail::WaitList readers_;   // Read: one woken per written item
  detail::WaitList watchers_;  // WaitToRead and Select: all woken on any write
  detail::WaitList writers_;   // Write in kWait mode: one woken per read item
};

template <class T>
using ChannelPtr = std::shared_ptr<Channel<T>>;

// Hugo's Go.MakeChannel(capacity, fullMode): capacity 0 = unbounded.
template <class T>
Result<ChannelPtr<T>> MakeChannel(int64_t capacity = 0, FullMode full_mode = FullMode::kWait) {
  return Channel<T>::Make(ChannelOptions{capacity, full_mode, 1, -1});
}

// Hugo's Go.MakePrioritizedChannel(levels, capacityPerLevel, fullMode, defaultPriority).
template <class T>
Result<ChannelPtr<T>> MakePrioritizedChannel(int levels = 3, int64_t capacity_per_level = 0,
                                             FullMode full_mode = FullMode::kWait,
                                             int default_priority = -1) {
  return Channel<T>::Make(ChannelOptions{capacity_per_level, full_mode, levels, default_priority});
}

namespace detail {
inline Error OutcomeError(int outcome) {
  return outcome == kTimedOut ? Error::Timeout() : Error::Canceled();
}
}  // namespace detail

template <class T>
Task<Result<Unit>> Channel<T>::Write(T item, std::stop_token token, int priority) {
  const int lane = LaneOf(priority);
  for (;;) {
    auto step = WriteStep(item, lane, false, token);
    if (step.index() == 0) co_return std::get<0>(std::move(step));
    int outcome = co_await detail::Suspend(std::get<1>(std::move(step)), token);
    if (outcome != detail::kSignaled) co_return detail::OutcomeError(outcome);
  }
}

template <class T>
Result<Unit> Channel<T>::WriteBlocking(T item, std::stop_token token, int priority) {
  const int lane = LaneOf(priority);
  for (;;) {
    auto step = WriteStep(item, lane, true, token);
    if (step.index() == 0) return std::get<0>(std::move(step));
    int outcome = detail::BlockOn(std::get<1>(step), token);
    if (outcome != detail::kSignaled) return detail::OutcomeError(outcome);
  }
}

template <class T>
Task<Result<T>> Channel<T>::Read(std::stop_token token) {
  for (;;) {
    auto step = ReadStep(false, token);
    if (step.index() == 0) co_return std::get<0>(std::move(step));
    int outcome = co_await detail::Suspend(std::get<1>(std::move(step)), token);
    if (outcome != detail::kSignaled) co_return detail::OutcomeError(outcome);
  }
}

template <class T>
Result<T> Channel<T>::ReadBlocking(std::stop_token token) {
  for (;;) {
    auto step = ReadStep(true, token);
    if (step.index() == 0) return std::get<0>(std::move(step));
    int outcome = detail::BlockOn(std::get<1>(step), token);
    if (outcome != detail::kSignaled) return detail::OutcomeError(outcome);
  }
}

template <class T>
Task<Result<bool>> Channel<T>::WaitToRead(std::stop_token token) {
  for (;;) {
    detail::WaiterPtr waiter = std::make_shared<detail::Waiter>(false);
    if (!WatchReadable(waiter)) {
      std::lock_guard lock(mutex_);
      if (count_ > 0) co_return Ok(true);
      if (close_error_) co_return *close_error_;
      co_return Ok(false);
    }
    int outcome = co_await detail::Suspend(waiter, token);
    if (outcome != detail::kSignaled) co_return detail::OutcomeError(outcome);
  }
}

}  // namespace hugo
