// Templates of hugo/policies.h (included by it only).
#pragma once

#include "hugo/policies.h"
#include "hugo/timer.h"
#include "hugo/wait.h"

namespace hugo {
namespace detail {

// Awaits `task`, turning an exception into error.exception.
template <class T>
Task<Result<T>> Guarded(Task<Result<T>> task) {
  try {
    co_return co_await std::move(task);
  } catch (...) {
    co_return Result<T>(Error::FromException(std::current_exception()));
  }
}

// Awaits `task` holding `keep` until it ends. Race's losers run on after Race returned (asked to
// stop, not awaited), and an op's task may refer to the op (a coroutine member function holds
// `this`): the ops live until the last of their tasks ends.
template <class T, class Keep>
Task<Result<T>> Holding(std::shared_ptr<Keep> keep, Task<Result<T>> task) {
  (void)keep;  // held by the frame until the task ends
  co_return co_await std::move(task);
}

template <class T, class Op>
Task<Result<T>> CallAttempt(Op* op, int attempt, std::stop_token token) {
  try {
    co_return co_await (*op)(attempt, token);
  } catch (...) {
    co_return Result<T>(Error::FromException(std::current_exception()));
  }
}

inline Error AllCanceledOr(ErrorList errors, const std::stop_token& token, std::string message) {
  bool all_canceled = token.stop_requested();
  for (const Error& e : errors) all_canceled &= e.HasCode(ErrorCodes::kCanceled);
  if (all_canceled) return Error::Canceled();
  if (errors.size() == 1) return errors.front();
  return Error::Aggregate(std::move(message), std::move(errors));
}

}  // namespace detail

template <class T, class Op>
Task<Result<T>> Retry(Op op, RetryPolicy policy, std::shared_ptr<Clock> clock,
                      std::stop_token token) {
  for (int attempt = 1;; ++attempt) {
    if (token.stop_requested()) co_return Error::Canceled();
    Result<T> r = co_await detail::CallAttempt<T>(&op, attempt, token);
    if (r.IsSuccess() || r.Error().HasCode(ErrorCodes::kCanceled)) co_return r;
    RetryDecision decision = policy.Decide(attempt, r.Error(), clock->UtcNow());
    if (decision.kind == RetryDecision::kStop) co_return r;
    Duration wait = decision.kind == RetryDecision::kRetryAfter
                        ? decision.delay
                        : std::chrono::duration_cast<Duration>(decision.at - clock->UtcNow());
    if (wait > Duration::zero()) {
      Result<Unit> slept = co_await Delay(clock, wait, token);
      if (slept.IsFailure()) co_return slept.Error();
    }
  }
}

template <class T>
Task<Result<T>> WithTimeout(Task<Result<T>> op, Duration timeout, std::shared_ptr<Clock> clock,
                            std::stop_token token) {
  Executor executor = co_await ThisExecutor();
  JoinHandle<Result<T>> handle = Go(executor, detail::Guarded<T>(std::move(op)));
  auto waiter = std::make_shared<detail::Waiter>(false);
  if (handle.Watch(waiter)) {
    int outcome = co_await detail::Suspend(waiter, token, clock.get(), clock->Now() + timeout);
    if (outcome == detail::kTimedOut) co_return Error::Timeout(timeout);
    if (outcome == detail::kCanceled) co_return Error::Canceled();
  }
  co_return co_await handle.Join();
}

template <class T, class Op>
Task<Result<T>> Race(std::vector<Op> ops, std::stop_token token) {
  if (ops.empty()) {
    co_return Error::From("A race needs at least one operation.",
                          std::string(ErrorCodes::kValidation));
  }
  Executor executor = co_await ThisExecutor();
  LinkedStopSource source(token);
  auto owned = std::make_shared<std::vector<Op>>(std::move(ops));
  std::vector<JoinHandle<Result<T>>> handles;
  handles.reserve(owned->size());
  for (Op& op : *owned) {
    handles.push_back(
        Go(executor, detail::Guarded<T>(detail::Holding<T>(owned, op(source.Token())))));
  }
  std::vector<bool> joined(handles.size(), false);
  ErrorList errors;
  while (errors.size() < handles.size()) {
    auto waiter = std::make_shared<detail::Waiter>(false);
    bool ready = false;
    for (size_t i = 0; i < handles.size() && !ready; ++i) {
      if (!joined[i] && !handles[i].Watch(waiter)) ready = true;
    }
    if (!ready && co_await detail::Suspend(waiter, token) == detail::kCanceled) {
      source.RequestStop();
      co_return Error::Canceled();
    }
    for (size_t i = 0; i < handles.size(); ++i) {
      if (joined[i] || !handles[i].IsDone()) continue;
      joined[i] = true;
      Result<T> r = co_await handles[i].Join();
      if (r.IsSuccess()) {
        source.RequestStop();  // the losers are asked to stop
        co_return r;
      }
      errors.push_back(r.Error());
    }
  }
  co_return detail::AllCanceledOr(std::move(errors), token, "All operations failed.");
}

template <class T, class Op>
Task<Result<std::vector<T>>> FanOutAll(std::vector<Op> ops,
                                       std::function<Result<Unit>(const T&)> compensate,
                                       CompensationPolicy policy, std::stop_token token) {
  Executor executor = co_await ThisExecutor();
  std::vector<JoinHandle<Result<T>>> handles;
  handles.reserve(ops.size());
  for (Op& op : ops) handles.push_back(Go(executor, detail::Guarded<T>(op(token))));
  std::vector<Result<T>> results;
  results.reserve(handles.size());
  for (auto& handle : handles) results.push_back(co_await handle.Join());
  ErrorList errors;
  CompensationScope scope;
  std::vector<T> values;
  for (Result<T>& r : results) {
    if (r.IsFailure()) {
      errors.push_back(r.Error());
    } else {
      if (compensate) scope.Register([&compensate, v = r.Value()] { return compensate(v); });
      values.push_back(std::move(r).Value());
    }
  }
  if (errors.empty()) co_return Result<std::vector<T>>::Ok(std::move(values));
  Result<Unit> compensated = scope.Run(policy);
  if (compensated.IsFailure()) errors.push_back(compensated.Error());
  co_return detail::AllCanceledOr(std::move(errors), token, "One or more operations failed.");
}

}  // namespace hugo
