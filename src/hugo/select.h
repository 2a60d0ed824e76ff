// hugo::Select<R>: Hugo's deterministic select over channel reads (Go.Select / SelectBuilder).
//
// Rule: every case is probed without waiting; among the ready ones the case with the lowest
// priority value wins, ties broken by declaration order (unlike Go's random choice; this makes
// replay deterministic, and a hot high-priority case can starve the others). Only the winning case
// dequeues an item. With nothing ready a default case runs if there is one; otherwise the select
// waits for any case to become readable, then probes again. Closed cases drop out; when every case
// is closed the result is error.select.drained. A deadline gives error.timeout (metadata
// `duration`) or runs the deadline handler; a stopped token gives error.canceled; an exception in
// a handler gives error.exception.
//
// Owner: the caller; a Select is built, executed once, and discarded. Thread safety: build and
// execute from one thread or coroutine; the channels may be used concurrently by anyone.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <vector>

#include "hugo/channel.h"
#include "hugo/clock.h"
#include "hugo/diagnostics.h"
#include "hugo/result.h"
#include "hugo/task.h"

namespace hugo {

template <class R>
class Select {
 public:
  explicit Select(std::shared_ptr<Clock> clock = Clock::System()) : clock_(std::move(clock)) {}

  // `handler(T)` returns Result<R> or R.
  template <class T, class F>
  Select& Case(ChannelPtr<T> channel, F handler, int priority = 0) & {
    auto c = std::make_unique<ChannelCase<T, F>>(std::move(channel), std::move(handler));
    c->priority = priority;
    c->order = cases_.size();
    cases_.push_back(std::move(c));
    return *this;
  }
  // Runs when no case is ready. Only one default is allowed (a second is error.validation).
  template <class F>
  Select& Default(F handler) & {
    if (default_) duplicate_default_ = true;
    default_ = [handler = std::move(handler)]() mutable { return AsResult(handler()); };
    return *this;
  }
  // Gives up after `timeout` with error.timeout.
  Select& Timeout(Duration timeout) & {
    timeout_ = timeout;
    return *this;
  }
  // Gives up after `due_in` by running `handler()` (Hugo's SelectBuilder.Deadline).
  template <class F>
  Select& Deadline(Duration due_in, F handler) & {
    timeout_ = due_in;
    on_deadline_ = [handler = std::move(handler)]() mutable { return AsResult(handler()); };
    return *this;
  }

  // The same builders on a temporary, so that Select<R>().Case(...).Execute() chains.
  template <class T, class F>
  Select&& Case(ChannelPtr<T> channel, F handler, int priority = 0) && {
    return std::move(Case(std::move(channel), std::move(handler), priority));
  }
  template <class F>
  Select&& Default(F handler) && {
    return std::move(Default(std::move(handler)));
  }
  Select&& Timeout(Duration timeout) && { return std::move(Timeout(timeout)); }
  template <class F>
  Select&& Deadline(Duration due_in, F handler) && {
    return std::move(Deadline(due_in, std::move(handler)));
  }

  // Awaitable form; runs on the awaiting coroutine's executor.
  Task<Result<R>> Execute(std::stop_token token = {}) && {
    return Run(std::make_shared<Select>(std::move(*this)), std::move(token));
  }
  // Blocking form.
  Result<R> ExecuteBlocking(std::stop_token token = {}) && {
    if (auto invalid = Validate()) return *invalid;
    Diagnostics::Instance().SelectAttempt();
    Clock::TimePoint start = clock_->Now();
    auto deadline = Deadline(start);
    for (;;) {
      if (auto done = Probe()) return Finish(std::move(*done), start);
      auto waiter = std::make_shared<detail::Waiter>(true);
      Watch(waiter);
      int outcome = detail::BlockOn(waiter, token, clock_.get(), deadline);
      if (outcome != detail::kSignaled) return Finish(Interrupted(outcome), start);
    }
  }

 private:
  struct CaseBase {
    virtual ~CaseBase() = default;
    enum Probe { kEmpty, kTaken, kClosed };
    virtual Probe TryTake(std::optional<Result<R>>& out) = 0;
    virtual bool Watch(const detail::WaiterPtr& waiter) = 0;
    int priority = 0;
    size_t order = 0;
  };

  template <class T, class F>
  struct ChannelCase final : CaseBase {
    ChannelCase(ChannelPtr<T> c, F h) : channel(std::move(c)), handler(std::move(h)) {}
    typename CaseBase::Probe TryTake(std::optional<Result<R>>& out) override {
      std::optional<T> item = channel->TryRead();
      if (!item) return channel->IsCompleted() ? CaseBase::kClosed : CaseBase::kEmpty;
      out.emplace(Try([&] { return AsResult(handler(std::move(*item))); }));
      return CaseBase::kTaken;
    }
    bool Watch(const detail::WaiterPtr& waiter) override { return channel->WatchReadable(waiter); }
    ChannelPtr<T> channel;
    F handler;
  };

  template <class V>
  static Result<R> AsResult(V&& v) {
    if constexpr (detail::IsResult<std::decay_t<V>>::value) {
      return std::forward<V>(v);
    } else {
      return Result<R>::Ok(std::forward<V>(v));
    }
  }

  static Task<Result<R>> Run(std::shared_ptr<Select> self, std::stop_token token) {
    if (auto invalid = self->Validate()) co_return *invalid;
    Diagnostics::Instance().SelectAttempt();
    Clock::TimePoint start = self->clock_->Now();
    auto deadline = self->Deadline(start);
    for (;;) {
      if (auto done = self->Probe()) co_return self->Finish(std::move(*done), start);
      auto waiter = std::make_shared<detail::Waiter>(false);
      self->Watch(waiter);
      int outcome = co_await detail::Suspend(waiter, token, self->clock_.get(), deadline);
      if (outcome != detail::kSignaled) co_return self->Finish(self->Interrupted(outcome), start);
    }
  }

  std::optional<Result<R>> Validate() {
    if (duplicate_default_) return Invalid("A select allows only one default case.");
    if (cases_.empty() && !default_) return Invalid("A select needs a case or a default.");
    std::stable_sort(cases_.begin(), cases_.end(),
                     [](const auto& a, const auto& b) { return a->priority < b->priority; });
    return std::nullopt;
  }
  static Result<R> Invalid(const char* message) {
    return Error::From(message, std::string(ErrorCodes::kValidation));
  }
  std::optional<Clock::TimePoint> Deadline(Clock::TimePoint start) const {
    if (!timeout_) return std::nullopt;
    return start + *timeout_;
  }

  // One pass: the winning case's result, the default's, drained, or nullopt (wait).
  std::optional<Result<R>> Probe() {
    size_t open = 0;
    for (auto& c : cases_) {
      std::optional<Result<R>> out;
      typename CaseBase::Probe p = c->TryTake(out);
      if (p == CaseBase::kTaken) return out;
      if (p == CaseBase::kEmpty) ++open;
    }
    if (default_) return default_();
    if (open == 0) {
      return Result<R>(Error::From("All channels of the select are completed.",
                                   std::string(ErrorCodes::kSelectDrained)));
    }
    return std::nullopt;
  }
  void Watch(const detail::WaiterPtr& waiter) {
    for (auto& c : cases_) {
      if (!c->Watch(waiter)) {
        waiter->TryComplete(detail::kSignaled);
        return;
      }
    }
  }
  Result<R> Interrupted(int outcome) {
    if (outcome == detail::kTimedOut) {
      Diagnostics::Instance().SelectTimeout();
      if (on_deadline_) return on_deadline_();
      return Error::Timeout(*timeout_);
    }
    Diagnostics::Instance().SelectCancellation();
    return Error::Canceled();
  }
  Result<R> Finish(Result<R> result, Clock::TimePoint start) {
    Diagnostics::Instance().SelectCompleted(
        std::chrono::duration<double, std::milli>(clock_->Now() - start).count());
    return result;
  }

  std::shared_ptr<Clock> clock_;
  std::vector<std::unique_ptr<CaseBase>> cases_;
  std::function<Result<R>()> default_;
  bool duplicate_default_ = false;
  std::optional<Duration> timeout_;
  std::function<Result<R>()> on_deadline_;
};

// Reads every source into `destination` until all sources are drained (Hugo's Go.FanInAsync).
// The destination is completed (with the first error, if any) when `complete_destination`.
template <class T>
Task<Result<Unit>> FanIn(std::vector<ChannelPtr<T>> sources, ChannelPtr<T> destination,
                         bool complete_destination, std::stop_token token) {
  Result<Unit> outcome = Ok();
  for (;;) {
    Select<std::optional<T>> select;
    for (auto& source : sources) {
      select.Case(source, [](T item) { return std::optional<T>(std::move(item)); });
    }
    Result<std::optional<T>> next = co_await std::move(select).Execute(token);
    if (next.IsFailure()) {
      if (!next.Error().HasCode(ErrorCodes::kSelectDrained)) outcome = next.Error();
      break;
    }
    Result<Unit> written = co_await destination->Write(std::move(*std::move(next).Value()), token);
    if (written.IsFailure()) {
      outcome = written;
      break;
    }
  }
  if (complete_destination && outcome.IsFailure()) {
    destination->Complete(outcome.Error());
  } else if (complete_destination) {
    destination->Complete();
  }
  co_return outcome;
}

// Broadcasts every item of `source` to every destination in order (Hugo's Go.FanOutAsync). The
// first failed write, or a source fault, completes all destinations with that error.
template <class T>
Task<Result<Unit>> FanOut(ChannelPtr<T> source, std::vector<ChannelPtr<T>> destinations,
                          bool complete_destinations, std::stop_token token) {
  Result<Unit> outcome = Ok();
  for (bool running = true; running;) {
    Result<T> item = co_await source->Read(token);
    if (item.IsFailure()) {
      if (!item.Error().HasCode(ErrorCodes::kChannelCompleted)) outcome = item.Error();
      break;
    }
    for (auto& destination : destinations) {
      Result<Unit> written = co_await destination->Write(item.Value(), token);
      if (written.IsFailure()) {
        outcome = written;
        running = false;
        break;
      }
    }
  }
  if (complete_destinations || outcome.IsFailure()) {
    for (auto& destination : destinations) {
      if (outcome.IsFailure()) {
        destination->Complete(outcome.Error());
      } else {
        destination->Complete();
      }
    }
  }
  co_return outcome;
}

}  // namespace hugo
