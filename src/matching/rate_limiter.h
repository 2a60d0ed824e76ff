// A task queue's dispatch rate limit: how many tasks a second matching hands to pollers, set by
// the activity pollers' `task_queue_metadata.max_tasks_per_second` (the Go SDK's
// WorkerOptions.TaskQueueActivitiesPerSecond). A token bucket: `rate` tokens a second up to a
// burst of ceil(rate) (at least one; none at rate 0, which pauses the queue, as in the
// reference), full when the limit is first set; a new rate keeps the tokens left (capped to the
// new burst). Each hand-off of a task to a poller takes a token.
//
// Pure arithmetic on the times it is given (tests drive it without a clock).
//
// Thread-safety: none; the matcher's (engine thread).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>

namespace hdo::matching {

class DispatchRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `rate` >= 0 and finite (validated by the frontend); 0 dispatches nothing.
  DispatchRateLimiter(double rate, Clock::time_point now)
      : rate_(rate), burst_(BurstOf(rate)), tokens_(burst_), last_(now) {}

  double rate() const { return rate_; }
  double burst() const { return burst_; }

  void SetRate(double rate, Clock::time_point now) {
    Refill(now);
    rate_ = rate;
    burst_ = BurstOf(rate);
    tokens_ = std::min(tokens_, burst_);
  }

  // True when a task may be handed over now.
  bool Ready(Clock::time_point now) {
    Refill(now);
    return tokens_ >= 1;
  }
  // Takes the token of a task handed over (after Ready said yes at the same `now`).
  void Take(Clock::time_point now) {
    Refill(now);
    tokens_ = std::max(0.0, tokens_ - 1);
  }

  // When the next token is there (`now` when one is); Clock::time_point::max() at rate 0.
  Clock::time_point NextReady(Clock::time_point now) {
    Refill(now);
    if (tokens_ >= 1) return now;
    if (rate_ <= 0) return Clock::time_point::max();
    auto wait = std::chrono::duration<double>((1 - tokens_) / rate_);
    return now + std::chrono::ceil<Clock::duration>(wait);
  }

 private:
  static double BurstOf(double rate) { return rate > 0 ? std::max(1.0, std::ceil(rate)) : 0.0; }

  void Refill(Clock::time_point now) {
    if (now <= last_) return;
    tokens_ =
        std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
  }

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace hdo::matching
