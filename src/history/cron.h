// Cron schedules of workflows (StartWorkflowExecution's `cron_schedule`): the parser and evaluator
// of robfig/cron v3 `cron.ParseStandard`, as the reference uses it (common/backoff/cron.go
// ValidateSchedule and GetBackoffForNextSchedule).
//
// A spec is either five fields "minute hour day-of-month month day-of-week" (each `*`, `?`, a
// number or name, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (= a-max/n), or a comma list of
// those), a descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly), or
// `@every <Go duration>`. Quirks of robfig are kept on purpose, because a spec the reference
// accepts must fire at the same instants here: empty list items are dropped ("1,,2"), a day field
// that is `*` or `?` makes the day rule "dom AND dow" while two restricted day fields mean
// "dom OR dow", a six-field (seconds) spec is refused, descriptors are case-sensitive.
//
// Time zones: the reference evaluates in UTC (it passes UTC times and no zone). A `CRON_TZ=` or
// `TZ=` prefix is accepted when it names UTC ("UTC", "Etc/UTC", their tzdata aliases, "Local",
// which robfig resolves to the zone of the time given, i.e. UTC, and "", which Go loads as UTC).
// Any other zone is refused with InvalidArgument: hdo does not carry a time zone database.
//
// Owner: the history engine (cron runs of a workflow) and the frontend (validation). Pure
// functions over immutable values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "hugo/result.h"

namespace hdo::history {

// reference: robfig's SpecSchedule.Next gives up after five years.
inline constexpr int64_t kCronSearchYearsMax = 5;

class CronSchedule {
 public:
  // errors::kInvalidArgument "invalid CronSchedule." for a spec robfig's ParseStandard refuses
  // (including ""; the reference does not parse an empty cron_schedule at all), "invalid
  // CronSchedule, no time can be found to satisfy the schedule" when no activation exists within
  // five years (e.g. "0 0 30 2 *"), and a message naming the zone for a non-UTC CRON_TZ/TZ.
  // The reference checks the second case from the current time; this check starts at the Unix
  // epoch so that Parse stays pure (the answers differ only for Feb 29 schedules around 2100).
  static hugo::Result<CronSchedule> Parse(std::string_view spec);

  // robfig's Schedule.Next: the first activation strictly after `after_ms` (milliseconds since the
  // Unix epoch, UTC), always on a whole second; nullopt when none is found within five years (or
  // the answer would not fit in int64 milliseconds).
  std::optional<int64_t> NextMs(int64_t after_ms) const;

  // The delay of an `@every` schedule in whole seconds (at least 1); 0 for a field schedule.
  int64_t EveryDelaySeconds() const { return every_delay_s_; }

 private:
  CronSchedule() = default;

  // One of robfig's descriptors ("@daily", "@every 1h", ...); false when it is none.
  bool ParseDescriptor(std::string_view spec);
  std::optional<int64_t> NextSpecSeconds(int64_t first_s) const;
  bool DayMatches(int64_t days_since_epoch) const;
  // True when consecutive activations are always less than two years apart (all but Feb 29-only
  // schedules), so the first activation at or after a time can be found with one Next.
  bool FiresEveryYear() const;

  friend std::optional<int64_t> CronBackoffMs(const CronSchedule& schedule, int64_t scheduled_ms,
                                              int64_t now_ms);

  // Bit i set: value i activates. Bit 63 (the star bit) marks a field written `*` or `?`.
  uint64_t second_bits_ = 1;
  uint64_t minute_bits_ = 0;
  uint64_t hour_bits_ = 0;
  uint64_t dom_bits_ = 0;
  uint64_t month_bits_ = 0;
  uint64_t dow_bits_ = 0;
  // > 0: an `@every` schedule (robfig's ConstantDelaySchedule); the bit sets are unused.
  int64_t every_delay_s_ = 0;
};

// The reference's GetBackoffForNextSchedule(cron, scheduledTime, now): the time from `now_ms` to
// the next activation, rounded up to whole seconds, in milliseconds. The next activation is
// `scheduled_ms` itself when now is before it; otherwise the first activation after
// `scheduled_ms` that is not before now. nullopt (the reference's NoBackoff) when there is none.
std::optional<int64_t> CronBackoffMs(const CronSchedule& schedule, int64_t scheduled_ms,
                                     int64_t now_ms);

// Go time helpers the schedules' specs share with cron (worker/schedule_spec.h).
// time.ParseDuration, in nanoseconds; nullopt when Go refuses the text.
std::optional<int64_t> ParseGoDurationNanos(std::string_view text);
// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivilDate(int64_t year, int64_t month, int64_t day);
struct CivilDate {
  int64_t year;
  int64_t month;  // 1..12
  int64_t day;    // 1..31
};
CivilDate CivilDateFromDays(int64_t days);

}  // namespace hdo::history
