// A schedule's spec (temporal.api.schedule.v1.ScheduleSpec): its canonical form and the times it
// names, as the reference's scheduler computes them (service/worker/scheduler/spec.go and
// calendar.go).
//
// Canonical form: calendars written as strings (CalendarSpec) and cron strings become structured
// calendars (a field left empty takes the reference's default: second, minute and hour "0", the
// others "*"; a year of "*" is the empty list, which matches every year), `@every` cron strings
// become intervals, a cron string's CRON_TZ/TZ becomes the spec's time zone. Ranges are kept in
// the reference's compact form (end 0 when it equals start, step 0 for 1).
//
// Times: whole seconds. A calendar matches a second when every field does (an empty list of
// ranges matches nothing, except for the year). An interval matches every `interval` seconds
// from the Unix epoch shifted by `phase`. The next time of a spec is the earliest of its
// calendars' and intervals' next times that no exclude calendar matches, within start_time and
// end_time; jitter then delays it by a deterministic amount below min(jitter, the gap to the
// following time), derived from the time and a seed exactly as the reference derives it
// (farmhash's Fingerprint32 of Go's binary time encoding and the seed).
//
// Time zones: calendars are evaluated in timezone_name (or the TZif bytes of timezone_data), read
// as Go reads them (worker/time_zone.h), with the reference's handling of daylight saving time:
// a wall time a change skips is not taken, both copies of a repeated wall time may be.
//
// Owner: the scheduler and the frontend (validation). Pure functions over immutable values;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "hugo/result.h"
#include "temporal/api/schedule/v1/message.pb.h"
#include "worker/time_zone.h"

namespace hdo::worker {

class CompiledSpec {
 public:
  struct NextTime {
    int64_t nominal_s = 0;  // the time the spec names, in seconds since the Unix epoch
    int64_t actual_ms = 0;  // with jitter, in milliseconds
  };

  // errors::kInvalidArgument "Invalid schedule spec: <what>" (the reference's words) for a spec
  // the reference refuses, and for a time zone other than UTC.
  static hugo::Result<CompiledSpec> Compile(const temporal::api::schedule::v1::ScheduleSpec& spec);

  // What DescribeSchedule shows.
  const temporal::api::schedule::v1::ScheduleSpec& canonical() const { return spec_; }

  // The first time strictly after `after_ms` (jitter excluded from the comparison: nominal times
  // are compared), or nullopt when the spec names none (past end_time, after the year 2100).
  std::optional<NextTime> Next(std::string_view jitter_seed, int64_t after_ms) const;

  // Up to `count` next times after `after_ms`, nominal times strictly after it.
  std::vector<NextTime> NextTimes(std::string_view jitter_seed, int64_t after_ms, int count) const;

 private:
  struct Calendar {
    std::vector<uint64_t> bits;  // second, minute, hour, day of month, month, day of week
    std::vector<int> years;      // empty: every year
    bool Matches(int64_t seconds, const TimeZone& zone) const;
    std::optional<int64_t> Next(int64_t after_s, const TimeZone& zone) const;
  };
  CompiledSpec() = default;
  std::optional<int64_t> RawNext(int64_t after_s) const;
  bool Excluded(int64_t seconds) const;

  temporal::api::schedule::v1::ScheduleSpec spec_;
  TimeZone zone_ = TimeZone::Utc();
  std::vector<Calendar> calendars_;
  std::vector<Calendar> excludes_;
};

}  // namespace hdo::worker
