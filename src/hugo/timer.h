// hugo timers: Delay (Hugo's Go.DelayAsync), After (a one-shot timer channel), Ticker (periodic
// ticks into a one-slot latest-wins channel). All time comes from an injected Clock.
//
// Owner: libhugo. Thread safety: Delay and After are free functions; a Ticker may be read and
// stopped from any thread.
#pragma once

#include <memory>
#include <stop_token>

#include "hugo/cancellation.h"
#include "hugo/channel.h"
#include "hugo/clock.h"
#include "hugo/result.h"
#include "hugo/task.h"

namespace hugo {

// Completes after `delay` on `clock`. error.canceled when `token` stops first; error.validation for
// a negative delay.
Task<Result<Unit>> Delay(std::shared_ptr<Clock> clock, Duration delay, std::stop_token token);
// Blocking form.
Result<Unit> DelayBlocking(Clock& clock, Duration delay, std::stop_token token);
// Completes at `deadline` (no drift when called in a loop with deadline += period).
Task<Result<Unit>> DelayUntil(std::shared_ptr<Clock> clock, Clock::TimePoint deadline,
                              std::stop_token token);

// A one-shot timer channel (Hugo's Go.After): yields clock->UtcNow() once after `delay`, then
// completes. A stopped token completes it with error.canceled instead. A negative delay gives
// error.validation.
Result<ChannelPtr<Clock::WallTime>> After(Executor executor, std::shared_ptr<Clock> clock,
                                          Duration delay, std::stop_token token = {});

// Periodic ticks into a one-slot DropOldest channel (Hugo's GoTicker): a slow reader sees only
// the latest tick. Stop() (or destruction, or the token) completes the channel.
class Ticker {
 public:
  // error.validation for a period <= 0.
  static Result<std::unique_ptr<Ticker>> Start(Executor executor, std::shared_ptr<Clock> clock,
                                               Duration period, std::stop_token token = {});
  ~Ticker() { Stop(); }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  const ChannelPtr<Clock::WallTime>& Reader() const { return channel_; }
  void Stop() { source_.RequestStop(); }

 private:
  Ticker(ChannelPtr<Clock::WallTime> channel, const std::stop_token& token)
      : channel_(std::move(channel)), source_(token) {}
  ChannelPtr<Clock::WallTime> channel_;
  LinkedStopSource source_;
};

}  // namespace hugo
