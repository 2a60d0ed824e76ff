// hugo timers: Delay (Hugo's Go.DelayAsync), After (a one-shot timer channel), Ticker (periodic
// ticks into a one-slot latest-wins channel). All time comes from an injected Clock.
//
// Owner: libhugo. Thread safety: Delay and After are free functions; a Ticker may be read and
// stopped from any thread.
#pragma once

#include <memory>
#include <stop_token>

#include "hugo/clock.h"
#include "hugo/result.h"
#include "hugo/task.h"

namespace hugo {

// Completes after `delay` on `clock`. error.canceled when `token` stops first; error.validation for
// a negative delay.
Task<Result<Unit>> Delay(std::shared_ptr<Clock> clock, Duration delay, std::stop_token token);
// Blocking form.
Result<Unit> DelayBlocking(Clock& clock, Duration delay, std::stop_token token);

}  // namespace hugo
