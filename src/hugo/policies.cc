#include "hugo/policies.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace hugo {
namespace {

Error Validation(std::string message) {
  return Error::From(std::move(message), std::string(ErrorCodes::kValidation));
}

std::optional<int> ParseInt(std::string_view s) {
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Parses one cron field ("*", "*/n", "a", "a-b", "a-b/n", comma lists) into `bits`.
template <size_t N>
bool ParseField(std::string_view field, int lo, int hi, std::bitset<N>& bits, bool& any) {
  any = field == "*";
  std::string f(field);
  std::stringstream parts(f);
  std::string part;
  while (std::getline(parts, part, ',')) {
    std::string_view p = part;
    int step = 1;
    if (auto slash = p.find('/'); slash != std::string_view::npos) {
      auto s = ParseInt(p.substr(slash + 1));
      if (!s || *s <= 0) return false;
      step = *s;
      p = p.substr(0, slash);
    }
    int first = lo, last = hi;
    if (p != "*") {
      auto dash = p.find('-');
      auto a = ParseInt(p.substr(0, dash));
      if (!a) return false;
      first = last = *a;
      if (dash != std::string_view::npos) {
        auto b = ParseInt(p.substr(dash + 1));
        if (!b) return false;
        last = *b;
      } else if (step != 1) {
        last = hi;
      }
    }
    if (first < lo || last > hi || first > last) return false;
    for (int v = first; v <= last; v += step) bits.set(static_cast<size_t>(v));
  }
  return true;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view expression) {
  std::vector<std::string> fields;
  std::stringstream in{std::string(expression)};
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5 && fields.size() != 6) {
    return Validation("A cron expression has 5 or 6 fields.");
  }
  CronSchedule c;
  size_t i = 0;
  bool ignored = false;
  if (fields.size() == 6) {
    if (!ParseField(fields[i++], 0, 59, c.seconds_, ignored))
      return Validation("Bad cron seconds.");
  } else {
    c.seconds_.set(0);
  }
  std::bitset<8> weekdays;
  bool ok = ParseField(fields[i], 0, 59, c.minutes_, ignored) &&
            ParseField(fields[i + 1], 0, 23, c.hours_, ignored) &&
            ParseField(fields[i + 2], 1, 31, c.days_, c.any_day_) &&
            ParseField(fields[i + 3], 1, 12, c.months_, ignored) &&
            ParseField(fields[i + 4], 0, 7, weekdays, c.any_weekday_);
  if (!ok) return Validation("Malformed cron expression: " + std::string(expression));
  for (size_t d = 0; d < 7; ++d) c.weekdays_[d] = weekdays[d];
  if (weekdays[7]) c.weekdays_.set(0);  // 7 is Sunday too
  return Result<CronSchedule>::Ok(c);
}

std::optional<Clock::WallTime> CronSchedule::Next(Clock::WallTime after) const {
  using namespace std::chrono;
  sys_seconds t = floor<seconds>(after) + seconds(1);
  const sys_seconds limit = t + hours(24 * 366 * 5);
  while (t < limit) {
    sys_days day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss<seconds> tod{t - day};
    unsigned month = static_cast<unsigned>(ymd.month());
    if (!months_[month]) {
      year_month ym = year_month{ymd.year(), ymd.month()} + months(1);
      t = sys_days{ym / 1};
      continue;
    }
    bool dom = days_[static_cast<unsigned>(ymd.day())];
    bool dow = weekdays_[weekday{day}.c_encoding()];
    bool day_ok = any_day_ ? (any_weekday_ || dow) : (any_weekday_ ? dom : (dom || dow));
    if (!day_ok) {
      t = day + days(1);
      continue;
    }
    if (!hours_[static_cast<size_t>(tod.hours().count())]) {
      t = day + tod.hours() + hours(1);
      continue;
    }
    if (!minutes_[static_cast<size_t>(tod.minutes().count())]) {
      t = day + tod.hours() + tod.minutes() + minutes(1);
      continue;
    }
    if (!seconds_[static_cast<size_t>(tod.seconds().count())]) {
      t += seconds(1);
      continue;
    }
    return Clock::WallTime(duration_cast<Clock::WallTime::duration>(t.time_since_epoch()));
  }
  return std::nullopt;
}

Result<RetryPolicy> RetryPolicy::FixedDelay(int max_attempts, Duration delay) {
  if (max_attempts < 1) return Validation("A retry policy needs at least one attempt.");
  if (delay < Duration::zero()) return Validation("A retry delay must not be negative.");
  RetryPolicy p;
  p.kind_ = Kind::kFixed;
  p.max_attempts_ = max_attempts;
  p.initial_ = delay;
  return Result<RetryPolicy>::Ok(p);
}

Result<RetryPolicy> RetryPolicy::Exponential(int max_attempts, Duration initial, double multiplier,
                                             std::optional<Duration> max_delay) {
  if (max_attempts < 1) return Validation("A retry policy needs at least one attempt.");
  if (initial < Duration::zero()) return Validation("A retry delay must not be negative.");
  if (!(multiplier > 1.0)) return Validation("The backoff multiplier must be greater than 1.");
  if (max_delay && *max_delay < Duration::zero()) return Validation("Bad maximum delay.");
  RetryPolicy p;
  p.kind_ = Kind::kExponential;
  p.max_attempts_ = max_attempts;
  p.initial_ = initial;
  p.multiplier_ = multiplier;
  p.max_delay_ = max_delay;
  return Result<RetryPolicy>::Ok(p);
}

Result<RetryPolicy> RetryPolicy::Cron(std::string_view expression) {
  Result<CronSchedule> schedule = CronSchedule::Parse(expression);
  if (schedule.IsFailure()) return schedule.Error();
  RetryPolicy p;
  p.kind_ = Kind::kCron;
  p.cron_ = std::make_shared<const CronSchedule>(schedule.Value());
  return Result<RetryPolicy>::Ok(p);
}

RetryDecision RetryPolicy::Decide(int attempt, const Error& error, Clock::WallTime now) const {
  if (error.HasCode(ErrorCodes::kCanceled) || kind_ == Kind::kNone) return {};
  if (kind_ == Kind::kCron) {
    std::optional<Clock::WallTime> next = cron_->Next(now);
    if (!next) return {};
    return RetryDecision{RetryDecision::kRetryAt, {}, *next};
  }
  if (attempt >= max_attempts_) return {};
  Duration delay = initial_;
  if (kind_ == Kind::kExponential) {
    double scaled = static_cast<double>(initial_.count()) * std::pow(multiplier_, attempt - 1);
    double cap = max_delay_ ? static_cast<double>(max_delay_->count()) : 9.0e18;
    delay = Duration(static_cast<Duration::rep>(std::min(scaled, cap)));
  }
  return RetryDecision{RetryDecision::kRetryAfter, delay, {}};
}

RetryPolicy DefaultRetryPolicy() {
  return RetryPolicy::Exponential(3, std::chrono::milliseconds(100)).Value();
}

Result<Unit> CompensationScope::Run(CompensationPolicy policy) {
  std::vector<Action> actions = std::move(actions_);
  actions_.clear();
  if (policy == CompensationPolicy::kNone) return Ok();
  ErrorList errors;
  // Sequential stops at nothing either: every compensation gets its chance; Parallel differs in
  // order only, since these actions are synchronous (forward order, as if started together).
  auto run = [&errors](Action& action) {
    Result<Unit> r = Try([&] { return action(); });
    if (r.IsFailure()) errors.push_back(r.Error());
  };
  if (policy == CompensationPolicy::kSequentialReverse) {
    for (auto it = actions.rbegin(); it != actions.rend(); ++it) run(*it);
  } else {
    for (Action& action : actions) run(action);
  }
  if (errors.empty()) return Ok();
  if (errors.size() == 1) return errors.front();
  return Error::Aggregate("Compensation failed.", std::move(errors));
}

SagaBuilder& SagaBuilder::AddStep(std::string name, Step step, Compensation compensation,
                                  std::string result_key) {
  steps_.push_back(
      {std::move(name), std::move(step), std::move(compensation), std::move(result_key)});
  return *this;
}

Task<Result<SagaState>> SagaBuilder::Execute(ExecutionPolicy policy, std::shared_ptr<Clock> clock,
                                             std::stop_token token) {
  return Run(std::move(steps_), std::move(policy), std::move(clock), std::move(token));
}

namespace {
struct SagaStepCall {
  SagaBuilder::Step* step;
  SagaState* state;
  Task<Result<nlohmann::json>> operator()(int, std::stop_token token) const {
    return (*step)(state, std::move(token));
  }
};
}  // namespace

Task<Result<SagaState>> SagaBuilder::Run(std::vector<Entry> steps, ExecutionPolicy policy,
                                         std::shared_ptr<Clock> clock, std::stop_token token) {
  if (steps.empty()) co_return Validation("A saga needs at least one step.");
  SagaState state;
  CompensationScope scope;
  for (Entry& entry : steps) {
    Result<nlohmann::json> r = co_await Retry<nlohmann::json>(SagaStepCall{&entry.step, &state},
                                                              policy.retry, clock, token);
    if (r.IsFailure()) {
      // A saga always compensates; the policy only chooses how (reverse order by default).
      CompensationPolicy how = policy.compensation == CompensationPolicy::kNone
                                   ? CompensationPolicy::kSequentialReverse
                                   : policy.compensation;
      Result<Unit> compensated = scope.Run(how);
      Error failure = r.Error().WithMetadata("sagaStep", entry.name);
      if (compensated.IsFailure()) {
        co_return Error::Aggregate("The saga failed and its compensation failed too.",
                                   {failure, compensated.Error()});
      }
      co_return failure;
    }
    state.insert_or_assign(entry.result_key.empty() ? entry.name : entry.result_key,
                           std::move(r).Value());
    if (entry.compensation) {
      scope.Register([compensation = entry.compensation, &state] { return compensation(state); });
    }
  }
  co_return Result<SagaState>::Ok(std::move(state));
}

}  // namespace hugo
