// hugo::Task<T>: the lazy C++20 coroutine type of libhugo, and hugo::Go, which starts a task on an
// Asio executor (Hugo's Go.Run). A Task runs on the executor of whoever starts it: Go's executor,
// or (when co_awaited) its parent's. Every libhugo awaitable resumes its coroutine through that
// executor (asio::post), never inline on the waking thread.
//
// Owner: libhugo. Thread safety: a Task is a move-only handle owned by one awaiter and awaited at
// most once. A JoinHandle is shared and thread-safe, but its result can be taken (Join or Wait)
// only once. Wait() blocks the calling thread: never call it on the executor the task runs on.
//
// Coroutine rules (STYLE.md): take parameters by value; no capturing lambda coroutines; no lock
// held across co_await.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/post.hpp>
#include <atomic>
#include <concepts>
#include <coroutine>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <utility>

#include "hugo/result.h"
#include "hugo/wait.h"

namespace hugo {

using Executor = asio::any_io_executor;

template <class T = void>
class Task;

namespace detail {

struct PromiseBase {
  Executor executor;
  std::coroutine_handle<> continuation;
  std::exception_ptr exception;
  // Who resumes the awaiting coroutine (Task::Awaiter): whichever of the awaiter's await_suspend
  // and this task's final suspend comes second. A task that completes before await_suspend
  // returns is then continued by returning from it, not by a resume nested inside the task's
  // frame: a loop over tasks that complete at once keeps a flat stack even where a returned
  // handle is not a tail call (ThreadSanitizer and unoptimized builds), where it used to grow a
  // frame per iteration until the thread's stack overflowed.
  std::atomic<bool> handoff{false};

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      std::coroutine_handle<> next = h.promise().continuation;
      if (!next) return std::noop_coroutine();
      // First: the awaiter is still in await_suspend and continues its coroutine itself.
      if (!h.promise().handoff.exchange(true, std::memory_order_acq_rel)) {
        return std::noop_coroutine();
      }
      return next;
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception = std::current_exception(); }
};

template <class T>
struct TaskPromise : PromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
};

template <>
struct TaskPromise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
};

// A fire-and-forget coroutine frame that destroys itself when done; used by Go.
struct Detached {
  struct promise_type {
    Executor executor;
    Detached get_return_object() noexcept {
      return Detached{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  void Start(Executor executor) && {
    handle.promise().executor = executor;
    asio::post(executor, [h = handle] { h.resume(); });
  }
  std::coroutine_handle<promise_type> handle;
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  explicit Task(Handle h) : handle_(h) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  bool Valid() const { return static_cast<bool>(handle_); }

  struct Awaiter {
    Handle child;
    bool await_ready() noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> parent) noexcept {
      child.promise().continuation = parent;
      if (!child.promise().executor) child.promise().executor = parent.promise().executor;
      Handle started = child;  // `this` lives in the parent's frame, which may resume below
      started.resume();
      // Second (the task is done): the parent goes on at once. First: it stays suspended and
      // the task's final suspend resumes it (maybe already, on another thread: touch nothing).
      return !started.promise().handoff.exchange(true, std::memory_order_acq_rel);
    }
    T await_resume() {
      if (child.promise().exception) std::rethrow_exception(child.promise().exception);
      if constexpr (!std::is_void_v<T>) return std::move(*child.promise().value);
    }
  };
  Awaiter operator co_await() && noexcept { return Awaiter{handle_}; }

 private:
  Handle handle_;
};

namespace detail {
template <class T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}

template <class T>
struct JoinState {
  using Stored = std::conditional_t<std::is_void_v<T>, Unit, T>;
  std::mutex mutex;
  bool done = false;
  std::optional<Stored> value;
  std::exception_ptr exception;
  WaitList waiters;

  void Finish() {
    std::lock_guard lock(mutex);
    done = true;
    waiters.WakeAll(kSignaled);
  }
  T Take() {
    std::lock_guard lock(mutex);
    if (exception) std::rethrow_exception(exception);
    if constexpr (!std::is_void_v<T>) return std::move(*value);
  }
};

template <class T>
Detached RunAndPublish(Task<T> task, std::shared_ptr<JoinState<T>> state) {
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(task);
      state->value.emplace();
    } else {
      state->value.emplace(co_await std::move(task));
    }
  } catch (...) {
    state->exception = std::current_exception();
  }
  state->Finish();
}

template <class T>
Task<T> JoinTask(std::shared_ptr<JoinState<T>> state) {
  for (;;) {
    WaiterPtr waiter;
    {
      std::lock_guard lock(state->mutex);
      if (state->done) break;
      waiter = state->waiters.Add(false);
    }
    co_await Suspend(waiter, {});
  }
  co_return state->Take();
}
}  // namespace detail

// The handle of a task started by Go: await it with co_await handle.Join(), or block with Wait().
template <class T>
class JoinHandle {
 public:
  explicit JoinHandle(std::shared_ptr<detail::JoinState<T>> state) : state_(std::move(state)) {}

  bool IsDone() const {
    std::lock_guard lock(state_->mutex);
    return state_->done;
  }
  // For races: registers `waiter` to be signalled when the task finishes; false when it already
  // has (nothing registered).
  bool Watch(const detail::WaiterPtr& waiter) const {
    std::lock_guard lock(state_->mutex);
    if (state_->done) return false;
    state_->waiters.Add(waiter);
    return true;
  }
  // Rethrows what the task threw. Call Join or Wait once.
  Task<T> Join() const { return detail::JoinTask<T>(state_); }
  T Wait() const {
    for (;;) {
      detail::WaiterPtr waiter;
      {
        std::lock_guard lock(state_->mutex);
        if (state_->done) break;
        waiter = state_->waiters.Add(true);
      }
      detail::BlockOn(waiter, {});
    }
    return state_->Take();
  }

 private:
  std::shared_ptr<detail::JoinState<T>> state_;
};

// co_await ThisExecutor() gives the executor the awaiting coroutine runs on.
struct ThisExecutorAwaiter {
  Executor executor;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    executor = h.promise().executor;
    return false;  // resume at once
  }
  Executor await_resume() { return executor; }
};
inline ThisExecutorAwaiter ThisExecutor() { return {}; }

// Starts `task` on `executor` (Hugo's Go.Run).
template <class T>
JoinHandle<T> Go(Executor executor, Task<T> task) {
  auto state = std::make_shared<detail::JoinState<T>>();
  detail::RunAndPublish<T>(std::move(task), state).Start(executor);
  return JoinHandle<T>(state);
}

namespace detail {
template <class F>
Task<std::invoke_result_t<F&>> CallInTask(F f) {
  co_return f();
}
}  // namespace detail

// Runs a plain callable on `executor` (Hugo's Go.Run(Action) / Go.Run(Func<T>)).
template <class F>
requires std::invocable<F&> &&(!std::is_same_v<std::decay_t<F>, Task<std::invoke_result_t<F&>>>)
    JoinHandle<std::invoke_result_t<F&>> Go(Executor executor, F f) {
  return Go(std::move(executor), detail::CallInTask<F>(std::move(f)));
}

// Starts `task` unless `token` is already stopped, in which case the task never runs and the
// handle completes with error.canceled (Hugo's Go.Run with a canceled token).
template <class T>
JoinHandle<Result<T>> Go(Executor executor, Task<Result<T>> task, std::stop_token token) {
  if (token.stop_requested()) {
    auto state = std::make_shared<detail::JoinState<Result<T>>>();
    state->value.emplace(Error::Canceled());
    state->Finish();
    return JoinHandle<Result<T>>(state);
  }
  return Go(std::move(executor), std::move(task));
}

// Runs `task` on `executor` and blocks the calling thread until it finishes (for tests, main()
// and blocking adapters; never on the executor itself).
template <class T>
T BlockOnTask(Executor executor, Task<T> task) {
  return Go(std::move(executor), std::move(task)).Wait();
}

}  // namespace hugo
