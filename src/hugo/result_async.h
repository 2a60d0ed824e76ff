// Coroutine forms of the Result pipeline (Hugo's ThenAsync, MapAsync, TapAsync, TapErrorAsync,
// RecoverAsync, EnsureAsync, FinallyAsync). Each takes its source as a Task<Result<T>> (wrap a
// ready Result with FromResult), and a function that returns either a plain value/Result or a
// Task of one. Like Hugo's async combinators, every step checks the token before it continues
// (a stopped token gives error.canceled) and turns an exception into error.exception.
//
// Owner: libhugo. Thread safety: free functions; the functions passed in run on the awaiting
// coroutine's executor. Pass functions by value (they are stored in the coroutine frame); they may
// be capturing lambdas as long as they are not themselves coroutines.
#pragma once

#include <functional>
#include <stop_token>
#include <type_traits>

#include "hugo/result.h"
#include "hugo/task.h"

namespace hugo {

namespace detail {
template <class R>
struct IsTask : std::false_type {};
template <class T>
struct IsTask<Task<T>> : std::true_type {};

template <class R>
struct Unwrapped {
  using type = R;
};
template <class T>
struct Unwrapped<Task<T>> {
  using type = T;
};

template <class A>
struct Unref {
  static A&& Get(A& a) { return std::move(a); }
};
template <class A>
struct Unref<std::reference_wrapper<A>> {
  static A& Get(std::reference_wrapper<A>& a) { return a.get(); }
};

// Calls (*f)(arg) and awaits it if it returned a Task; exceptions become error.exception in R.
// Parameters by value (a pointer, and a value or reference_wrapper), per the coroutine rules.
template <class R, class F, class A>
Task<Result<R>> CallAsync(F* f, A arg) {
  using Raw = decltype((*f)(Unref<A>::Get(arg)));
  using Value = typename Unwrapped<Raw>::type;
  try {
    if constexpr (IsTask<Raw>::value) {
      if constexpr (std::is_void_v<Value>) {
        co_await (*f)(Unref<A>::Get(arg));
        co_return Result<R>::Ok(R{});
      } else if constexpr (IsResult<Value>::value) {
        co_return co_await (*f)(Unref<A>::Get(arg));
      } else {
        co_return Result<R>::Ok(co_await (*f)(Unref<A>::Get(arg)));
      }
    } else if constexpr (std::is_void_v<Raw>) {
      (*f)(Unref<A>::Get(arg));
      co_return Result<R>::Ok(R{});
    } else if constexpr (IsResult<Raw>::value) {
      co_return (*f)(Unref<A>::Get(arg));
    } else {
      co_return Result<R>::Ok((*f)(Unref<A>::Get(arg)));
    }
  } catch (...) {
    co_return Result<R>(Error::FromException(std::current_exception()));
  }
}

template <class F, class A>
using AsyncValueOf = typename Unwrapped<std::invoke_result_t<F&, A>>::type;
template <class V>
using ResultValueOf = typename std::conditional_t<IsResult<V>::value, V, Result<V>>::ValueType;
}  // namespace detail

template <class T>
Task<Result<T>> FromResult(Result<T> result) {
  co_return result;
}

template <class T, class F>
Task<Result<detail::ResultValueOf<detail::AsyncValueOf<F, T>>>> ThenAsync(
    Task<Result<T>> source, F f, std::stop_token token = {}) {
  using U = detail::ResultValueOf<detail::AsyncValueOf<F, T>>;
  Result<T> r = co_await std::move(source);
  if (r.IsFailure()) co_return r.Error();
  if (token.stop_requested()) co_return Error::Canceled();
  co_return co_await detail::CallAsync<U>(&f, std::move(r).Value());
}

template <class T, class F>
Task<Result<detail::AsyncValueOf<F, T>>> MapAsync(Task<Result<T>> source, F f,
                                                  std::stop_token token = {}) {
  using U = detail::AsyncValueOf<F, T>;
  Result<T> r = co_await std::move(source);
  if (r.IsFailure()) co_return r.Error();
  if (token.stop_requested()) co_return Error::Canceled();
  co_return co_await detail::CallAsync<U>(&f, std::move(r).Value());
}

template <class T, class F>
Task<Result<T>> TapAsync(Task<Result<T>> source, F f, std::stop_token token = {}) {
  Result<T> r = co_await std::move(source);
  if (r.IsFailure()) co_return r;
  if (token.stop_requested()) co_return Error::Canceled();
  Result<Unit> tapped = co_await detail::CallAsync<Unit>(&f, std::cref(r.Value()));
  if (tapped.IsFailure()) co_return tapped.Error();
  co_return r;
}

template <class T, class F>
Task<Result<T>> TapErrorAsync(Task<Result<T>> source, F f, std::stop_token token = {}) {
  Result<T> r = co_await std::move(source);
  if (r.IsSuccess()) co_return r;
  if (token.stop_requested()) co_return Error::Canceled();
  Result<Unit> tapped = co_await detail::CallAsync<Unit>(&f, r.Error());
  if (tapped.IsFailure()) co_return tapped.Error();
  co_return r;
}

template <class T, class F>
Task<Result<T>> RecoverAsync(Task<Result<T>> source, F f, std::stop_token token = {}) {
  Result<T> r = co_await std::move(source);
  if (r.IsSuccess()) co_return r;
  if (token.stop_requested()) co_return Error::Canceled();
  co_return co_await detail::CallAsync<T>(&f, r.Error());
}

template <class T, class P>
Task<Result<T>> EnsureAsync(Task<Result<T>> source, P predicate, std::stop_token token = {}) {
  Result<T> r = co_await std::move(source);
  if (r.IsFailure()) co_return r;
  if (token.stop_requested()) co_return Error::Canceled();
  Result<bool> ok = co_await detail::CallAsync<bool>(&predicate, std::cref(r.Value()));
  if (ok.IsFailure()) co_return ok.Error();
  if (!ok.Value()) {
    co_return Error::From("The result did not satisfy the required condition.",
                          std::string(ErrorCodes::kValidation));
  }
  co_return r;
}

// Folds both branches; on_success(T) and on_error(Error) return U (or Task<U>).
template <class T, class S, class F>
Task<Result<detail::AsyncValueOf<S, T>>> FinallyAsync(Task<Result<T>> source, S on_success,
                                                      F on_error, std::stop_token token = {}) {
  using U = detail::AsyncValueOf<S, T>;
  Result<T> r = co_await std::move(source);
  if (token.stop_requested()) co_return Error::Canceled();
  if (r.IsSuccess()) co_return co_await detail::CallAsync<U>(&on_success, std::move(r).Value());
  co_return co_await detail::CallAsync<U>(&on_error, r.Error());
}

}  // namespace hugo
