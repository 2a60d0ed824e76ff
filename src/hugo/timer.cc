#include "hugo/timer.h"

namespace hugo {
namespace {

Error NegativeDelay() {
  return Error::From("The delay must not be negative.", std::string(ErrorCodes::kValidation));
}

Result<Unit> FromOutcome(int outcome) {
  if (outcome == detail::kCanceled) return Error::Canceled();
  return Ok();
}

}  // namespace

Task<Result<Unit>> Delay(std::shared_ptr<Clock> clock, Duration delay, std::stop_token token) {
  if (delay < Duration::zero()) co_return NegativeDelay();
  if (token.stop_requested()) co_return Error::Canceled();
  auto waiter = std::make_shared<detail::Waiter>(false);
  int outcome = co_await detail::Suspend(waiter, token, clock.get(), clock->Now() + delay);
  co_return FromOutcome(outcome);
}

Result<Unit> DelayBlocking(Clock& clock, Duration delay, std::stop_token token) {
  if (delay < Duration::zero()) return NegativeDelay();
  if (token.stop_requested()) return Error::Canceled();
  auto waiter = std::make_shared<detail::Waiter>(true);
  return FromOutcome(detail::BlockOn(waiter, token, &clock, clock.Now() + delay));
}

Task<Result<Unit>> DelayUntil(std::shared_ptr<Clock> clock, Clock::TimePoint deadline,
                              std::stop_token token) {
  if (token.stop_requested()) co_return Error::Canceled();
  auto waiter = std::make_shared<detail::Waiter>(false);
  co_return FromOutcome(co_await detail::Suspend(waiter, token, clock.get(), deadline));
}

namespace {

Task<void> FireAfter(ChannelPtr<Clock::WallTime> channel, std::shared_ptr<Clock> clock,
                     Duration delay, std::stop_token token) {
  Result<Unit> waited = co_await Delay(clock, delay, token);
  if (waited.IsFailure()) {
    channel->Complete(waited.Error());
    co_return;
  }
  channel->TryWrite(clock->UtcNow());
  channel->Complete();
}

Task<void> Tick(ChannelPtr<Clock::WallTime> channel, std::shared_ptr<Clock> clock, Duration period,
                std::stop_token token) {
  Clock::TimePoint next = clock->Now() + period;
  for (;;) {
    Result<Unit> waited = co_await DelayUntil(clock, next, token);
    if (waited.IsFailure()) break;
    channel->TryWrite(clock->UtcNow());  // DropOldest: the latest tick wins
    next += period;
  }
  channel->Complete();
}

}  // namespace

Result<ChannelPtr<Clock::WallTime>> After(Executor executor, std::shared_ptr<Clock> clock,
                                          Duration delay, std::stop_token token) {
  if (delay < Duration::zero()) return NegativeDelay();
  auto channel = MakeChannel<Clock::WallTime>(1).Value();
  Go(std::move(executor), FireAfter(channel, std::move(clock), delay, std::move(token)));
  return Result<ChannelPtr<Clock::WallTime>>::Ok(channel);
}

Result<std::unique_ptr<Ticker>> Ticker::Start(Executor executor, std::shared_ptr<Clock> clock,
                                              Duration period, std::stop_token token) {
  if (period <= Duration::zero()) {
    return Error::From("The ticker period must be positive.", std::string(ErrorCodes::kValidation));
  }
  auto channel = MakeChannel<Clock::WallTime>(1, FullMode::kDropOldest).Value();
  std::unique_ptr<Ticker> ticker(new Ticker(channel, token));
  Go(std::move(executor), Tick(channel, std::move(clock), period, ticker->source_.Token()));
  return Result<std::unique_ptr<Ticker>>::Ok(std::move(ticker));
}

}  // namespace hugo
