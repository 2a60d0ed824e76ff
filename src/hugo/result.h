// hugo::Error and hugo::Result<T>: the error and result values of libhugo (port of Hugo's
// `Error` and `Result<T>`; see docs/hugo.md).
//
// Owner: libhugo. Thread safety: both are immutable values, cheap to copy (an Error shares one
// immutable body), and safe to read from any thread. Pipeline operations never mutate their
// receiver; they return a new Result.
//
// A Result holds either a value or an Error, never both. Errors carry a string code from
// hugo/error_codes.h (byte-identical to Hugo's ErrorCodes), a message for a person, an optional
// cause and case-insensitive metadata. When the code is a well-known one, the metadata keys
// `error.name`, `error.description` and `error.category` are added automatically, as Hugo does.
//
// Pipeline operations (Then, Map, Tap, TapError, Recover, Ensure, Finally) are synchronous and do
// not catch exceptions (as in Hugo: Hugo's sync combinators do not catch either); wrap throwing
// code with hugo::Try. Their coroutine forms are in hugo/result_async.h.
#pragma once

#include <cassert>
#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "hugo/error_codes.h"

namespace hugo {

// Case-insensitive ordering of metadata keys (Hugo's metadata dictionary ignores case).
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

class Error;

using Duration = std::chrono::nanoseconds;
using ErrorList = std::vector<Error>;
// A metadata value: the shapes Hugo stores. Durations serialise in .NET "c" format; nested errors
// and lists of errors (the `errors` key of error.aggregate) serialise as nested error objects.
using MetadataValue = std::variant<std::string, int64_t, double, bool, Duration, Error, ErrorList>;
using Metadata = std::map<std::string, MetadataValue, CaseInsensitiveLess>;

class Error {
 public:
  // Hugo's Error.From(message, code). A known code adds its descriptor metadata.
  static Error From(std::string message, std::string code = {});
  // error.canceled, message "Operation was canceled." unless given.
  static Error Canceled(std::string message = {});
  // error.timeout with metadata `duration` when given.
  static Error Timeout(std::optional<Duration> duration = std::nullopt, std::string message = {});
  static Error Unspecified(std::string message = {});
  // error.aggregate with metadata `errors` holding the list.
  static Error Aggregate(std::string message, ErrorList errors);
  // error.exception (or `code`) with metadata `exceptionType` and the exception's what().
  static Error FromException(const std::exception& exception, std::string code = {});
  static Error FromException(const std::exception_ptr& exception, std::string code = {});

  const std::string& Message() const;
  // Empty when the error has no code.
  const std::string& Code() const;
  const Metadata& GetMetadata() const;
  // The cause, when this error wraps another one.
  const Error* Cause() const;

  // Each returns a new Error; this one is unchanged.
  Error WithMetadata(std::string key, MetadataValue value) const;
  Error WithMetadata(const Metadata& entries) const;
  Error WithCode(std::string code) const;
  Error WithCause(Error cause) const;

  std::optional<MetadataValue> TryGetMetadata(std::string_view key) const;
  // The metadata value when present and of type V.
  template <class V>
  std::optional<V> TryGetMetadata(std::string_view key) const {
    auto value = TryGetMetadata(key);
    if (!value || !std::holds_alternative<V>(*value)) return std::nullopt;
    return std::get<V>(*std::move(value));
  }

  bool HasCode(std::string_view code) const { return Code() == code; }

  // "{code}: {message}", or the message alone when there is no code.
  std::string ToString() const;

 private:
  struct Body;
  explicit Error(std::shared_ptr<const Body> body) : body_(std::move(body)) {}
  std::shared_ptr<const Body> body_;
};

struct Error::Body {
  std::string message;
  std::string code;
  Metadata metadata;
  std::shared_ptr<const Error> cause;
};

inline const std::string& Error::Message() const { return body_->message; }
inline const std::string& Error::Code() const { return body_->code; }
inline const Metadata& Error::GetMetadata() const { return body_->metadata; }
inline const Error* Error::Cause() const { return body_->cause.get(); }

// The value of a Result that carries no value (Hugo's Unit).
struct Unit {
  friend bool operator==(Unit, Unit) { return true; }
};

template <class T>
class Result;

namespace detail {
// Counts Results created through Ok/Fail (Hugo's result.successes / result.failures). A
// thread-local, uncontended increment; Diagnostics sums the per-thread counts on demand.
void CountResult(bool success) noexcept;
template <class R>
struct IsResult : std::false_type {};
template <class T>
struct IsResult<Result<T>> : std::true_type {};
}  // namespace detail

template <class T>
class [[nodiscard]] Result {
 public:
  using ValueType = T;

  static Result Ok(T value) {
    detail::CountResult(true);
    return Result(std::in_place_index<0>, std::move(value));
  }
  static Result Fail(hugo::Error error) {
    detail::CountResult(false);
    return Result(std::in_place_index<1>, std::move(error));
  }

  // Implicit from an Error so that `return Error::From(...)` reads naturally in a fallible
  // function. (For Result<Error> this means failure; use Result<Error>::Ok to return an Error as a
  // value.)
  Result(hugo::Error error) : state_(std::in_place_index<1>, std::move(error)) {  // NOLINT
    detail::CountResult(false);
  }

  bool IsSuccess() const { return state_.index() == 0; }
  bool IsFailure() const { return state_.index() == 1; }

  // Precondition: IsSuccess().
  const T& Value() const& {
    assert(IsSuccess());
    return std::get<0>(state_);
  }
  T& Value() & {
    assert(IsSuccess());
    return std::get<0>(state_);
  }
  T&& Value() && {
    assert(IsSuccess());
    return std::get<0>(std::move(state_));
  }
  // Precondition: IsFailure().
  const hugo::Error& Error() const {
    assert(IsFailure());
    return std::get<1>(state_);
  }

  T ValueOr(T fallback) const& { return IsSuccess() ? std::get<0>(state_) : std::move(fallback); }
  T ValueOr(T fallback) && {
    return IsSuccess() ? std::get<0>(std::move(state_)) : std::move(fallback);
  }
  std::optional<T> ToOptional() const& {
    return IsSuccess() ? std::optional<T>(std::get<0>(state_)) : std::nullopt;
  }

  // Re-types a failure (Hugo's CastFailure). Precondition: IsFailure().
  template <class U>
  Result<U> CastFailure() const {
    return Result<U>::Fail(Error());
  }

  // Bind: on success returns f(value) (which must return a Result); failures pass through.
  template <class F>
  auto Then(F&& f) const& {
    using R = std::invoke_result_t<F, const T&>;
    static_assert(detail::IsResult<R>::value, "Then needs a function returning a Result");
    return IsSuccess() ? std::forward<F>(f)(Value()) : R::Fail(Error());
  }
  template <class F>
  auto Then(F&& f) && {
    using R = std::invoke_result_t<F, T&&>;
    static_assert(detail::IsResult<R>::value, "Then needs a function returning a Result");
    return IsSuccess() ? std::forward<F>(f)(std::move(*this).Value()) : R::Fail(Error());
  }

  // Transforms the value; failures pass through.
  template <class F>
  auto Map(F&& f) const& {
    using U = std::invoke_result_t<F, const T&>;
    return IsSuccess() ? Result<U>::Ok(std::forward<F>(f)(Value())) : Result<U>::Fail(Error());
  }
  template <class F>
  auto Map(F&& f) && {
    using U = std::invoke_result_t<F, T&&>;
    return IsSuccess() ? Result<U>::Ok(std::forward<F>(f)(std::move(*this).Value()))
                       : Result<U>::Fail(Error());
  }

  // Side effect on success; returns the result unchanged.
  template <class F>
  Result Tap(F&& f) const& {
    if (IsSuccess()) std::forward<F>(f)(Value());
    return *this;
  }
  template <class F>
  Result Tap(F&& f) && {
    if (IsSuccess()) std::forward<F>(f)(std::as_const(Value()));
    return std::move(*this);
  }

  // Side effect on failure; returns the result unchanged.
  template <class F>
  Result TapError(F&& f) const& {
    if (IsFailure()) std::forward<F>(f)(Error());
    return *this;
  }
  template <class F>
  Result TapError(F&& f) && {
    if (IsFailure()) std::forward<F>(f)(Error());
    return std::move(*this);
  }

  // On failure, replaces the result with f(error) (a Result<T>).
  template <class F>
  Result Recover(F&& f) const& {
    return IsFailure() ? Result(std::forward<F>(f)(Error())) : *this;
  }
  template <class F>
  Result Recover(F&& f) && {
    return IsFailure() ? Result(std::forward<F>(f)(Error())) : std::move(*this);
  }

  // A success whose value fails `predicate` becomes error.validation (or `make_error(value)`).
  template <class P>
  Result Ensure(P&& predicate) const& {
    if (IsSuccess() && !std::forward<P>(predicate)(Value())) return EnsureError();
    return *this;
  }
  template <class P>
  Result Ensure(P&& predicate) && {
    if (IsSuccess() && !std::forward<P>(predicate)(std::as_const(Value()))) return EnsureError();
    return std::move(*this);
  }
  template <class P, class E>
  Result Ensure(P&& predicate, E&& make_error) const& {
    if (IsSuccess() && !std::forward<P>(predicate)(Value())) {
      return Fail(std::forward<E>(make_error)(Value()));
    }
    return *this;
  }

  // Folds both branches into one value.
  template <class S, class F>
  auto Finally(S&& on_success, F&& on_error) const& {
    return IsSuccess() ? std::forward<S>(on_success)(Value()) : std::forward<F>(on_error)(Error());
  }
  template <class S, class F>
  auto Finally(S&& on_success, F&& on_error) && {
    return IsSuccess() ? std::forward<S>(on_success)(std::move(*this).Value())
                       : std::forward<F>(on_error)(Error());
  }

 private:
  template <size_t I, class... A>
  explicit Result(std::in_place_index_t<I> index, A&&... args)
      : state_(index, std::forward<A>(args)...) {}
  static hugo::Error EnsureError() {
    return hugo::Error::From("The result did not satisfy the required condition.",
                             std::string(ErrorCodes::kValidation));
  }
  std::variant<T, hugo::Error> state_;
};

inline Result<Unit> Ok() { return Result<Unit>::Ok(Unit{}); }
template <class T>
Result<std::decay_t<T>> Ok(T&& value) {
  return Result<std::decay_t<T>>::Ok(std::forward<T>(value));
}
template <class T>
Result<T> Fail(Error error) {
  return Result<T>::Fail(std::move(error));
}

namespace detail {
template <class R>
struct TryResult {
  using type = Result<R>;
};
template <>
struct TryResult<void> {
  using type = Result<Unit>;
};
template <class T>
struct TryResult<Result<T>> {
  using type = Result<T>;
};
}  // namespace detail

// Runs f() and turns a thrown exception into error.exception (Hugo's Result.Try). Unlike Hugo's
// sync Try, nothing is rethrown: hdo does not let exceptions cross module boundaries. A void f
// gives Result<Unit>.
template <class F>
auto Try(F&& f) -> typename detail::TryResult<std::invoke_result_t<F>>::type {
  using R = std::invoke_result_t<F>;
  try {
    if constexpr (std::is_void_v<R>) {
      std::forward<F>(f)();
      return Ok();
    } else if constexpr (detail::IsResult<R>::value) {
      return std::forward<F>(f)();
    } else {
      return Result<R>::Ok(std::forward<F>(f)());
    }
  } catch (...) {
    return Error::FromException(std::current_exception());
  }
}

}  // namespace hugo
