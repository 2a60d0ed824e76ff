// hugo execution policies (Hugo's ResultRetryPolicy, ResultCompensationPolicy,
// ResultExecutionPolicy, Go.RetryAsync, Go.WithTimeoutAsync, Go.RaceAsync, Go.FanOutAsync and
// ResultSagaBuilder).
//
// Retry: fixed, exponential (delay = initial * multiplier^(attempt-1), capped) or cron (the next
// cron occurrence, UTC, no attempt limit); never after error.canceled. Compensation: a LIFO stack
// of actions run in reverse (SequentialReverse), all of them without stopping at a failure
// (Parallel), or not at all (None, the default, as in Hugo: research note §6.14).
//
// Owner: libhugo. Thread safety: policies are immutable values; the operations are coroutines that
// run on the awaiting coroutine's executor (Race and FanOut start their operations there too).
#pragma once

#include <array>
#include <bitset>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hugo/cancellation.h"
#include "hugo/clock.h"
#include "hugo/result.h"
#include "hugo/task.h"

namespace hugo {

// A parsed 5-field (minute hour day-of-month month day-of-week) or 6-field (second first) cron
// expression with *, lists, ranges and steps. Day-of-week 0 or 7 is Sunday.
class CronSchedule {
 public:
  // error.validation for a malformed expression.
  static Result<CronSchedule> Parse(std::string_view expression);
  // The first occurrence strictly after `after` (UTC); nullopt if none within 5 years.
  std::optional<Clock::WallTime> Next(Clock::WallTime after) const;

 private:
  std::bitset<60> seconds_, minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;
  std::bitset<13> months_;
  std::bitset<7> weekdays_;
  bool any_day_ = true, any_weekday_ = true;
};

struct RetryDecision {
  enum Kind { kStop, kRetryAfter, kRetryAt } kind = kStop;
  Duration delay{};
  Clock::WallTime at{};
};

class RetryPolicy {
 public:
  static RetryPolicy None() { return RetryPolicy(); }
  // `max_attempts` total attempts (>= 1), `delay` >= 0 between them.
  static Result<RetryPolicy> FixedDelay(int max_attempts, Duration delay);
  // multiplier must be > 1; max_delay caps the delay when given.
  static Result<RetryPolicy> Exponential(int max_attempts, Duration initial,
                                         double multiplier = 2.0,
                                         std::optional<Duration> max_delay = std::nullopt);
  static Result<RetryPolicy> Cron(std::string_view expression);

  // What to do after `attempt` (1-based) failed with `error`.
  RetryDecision Decide(int attempt, const Error& error, Clock::WallTime now) const;

 private:
  enum class Kind { kNone, kFixed, kExponential, kCron };
  Kind kind_ = Kind::kNone;
  int max_attempts_ = 1;
  Duration initial_{};
  double multiplier_ = 1;
  std::optional<Duration> max_delay_;
  std::shared_ptr<const CronSchedule> cron_;
};

enum class CompensationPolicy { kNone, kSequentialReverse, kParallel };

struct ExecutionPolicy {
  RetryPolicy retry = RetryPolicy::None();
  CompensationPolicy compensation = CompensationPolicy::kNone;
};

// A stack of compensating actions (Hugo's compensation scope).
class CompensationScope {
 public:
  using Action = std::function<Result<Unit>()>;
  void Register(Action action) { actions_.push_back(std::move(action)); }
  size_t Size() const { return actions_.size(); }
  void Clear() { actions_.clear(); }
  // Runs (and clears) the actions under `policy`: Ok, the single failure, or error.aggregate.
  Result<Unit> Run(CompensationPolicy policy);

 private:
  std::vector<Action> actions_;
};

// Runs op(attempt, token) until it succeeds or the policy stops; the delays use `clock`.
// Exceptions become error.exception (and are retried); error.canceled stops at once.
template <class T, class Op>
Task<Result<T>> Retry(Op op, RetryPolicy policy, std::shared_ptr<Clock> clock,
                      std::stop_token token = {});
// Hugo's Go.RetryAsync defaults: 3 attempts, exponential from 100 ms, multiplier 2, no cap.
RetryPolicy DefaultRetryPolicy();

// Races `op` against `timeout`: error.timeout (metadata duration) and the op is asked to stop;
// error.canceled when `token` stops; otherwise the op's result.
template <class T>
Task<Result<T>> WithTimeout(Task<Result<T>> op, Duration timeout, std::shared_ptr<Clock> clock,
                            std::stop_token token = {});

// Starts every op(token) concurrently; the first success wins and the others are asked to stop.
// All failed: error.aggregate ("All operations failed."); no ops: error.validation.
template <class T, class Op>
Task<Result<T>> Race(std::vector<Op> ops, std::stop_token token = {});

// Starts every op(token) concurrently and waits for all (a failure does not stop the others).
// All succeeded: the values in order. Otherwise `compensate(value)` runs for each success under
// `policy`, and the result is the single error or error.aggregate (metadata `errors`).
template <class T, class Op>
Task<Result<std::vector<T>>> FanOutAll(std::vector<Op> ops,
                                       std::function<Result<Unit>(const T&)> compensate = {},
                                       CompensationPolicy policy = CompensationPolicy::kNone,
                                       std::stop_token token = {});

// Saga state: step results by key (case-insensitive), as JSON values.
using SagaState = std::map<std::string, nlohmann::json, CaseInsensitiveLess>;

// Steps run one after another under the policy's retry; each success is stored under its key and
// its compensation registered; on the first failure every registered compensation runs in reverse
// and the failure is returned (error.aggregate when a compensation fails too).
class SagaBuilder {
 public:
  using Step = std::function<Task<Result<nlohmann::json>>(SagaState*, std::stop_token)>;
  using Compensation = std::function<Result<Unit>(const SagaState&)>;

  SagaBuilder& AddStep(std::string name, Step step, Compensation compensation = {},
                       std::string result_key = {});
  // error.validation for a saga without steps.
  Task<Result<SagaState>> Execute(ExecutionPolicy policy, std::shared_ptr<Clock> clock,
                                  std::stop_token token = {});

 private:
  struct Entry {
    std::string name;
    Step step;
    Compensation compensation;
    std::string result_key;
  };
  static Task<Result<SagaState>> Run(std::vector<Entry> steps, ExecutionPolicy policy,
                                     std::shared_ptr<Clock> clock, std::stop_token token);
  std::vector<Entry> steps_;
};

}  // namespace hugo

#include "hugo/policies_impl.h"  // IWYU pragma: export
