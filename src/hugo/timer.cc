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

}  // namespace hugo
