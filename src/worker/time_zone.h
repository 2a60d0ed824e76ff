// A time zone as Go's time.Location reads one, for schedules' specs (the reference evaluates a
// ScheduleSpec in its timezone_name, or in the TZif bytes of timezone_data): the transitions of a
// TZif file (version 1 to 4) and, after the last one, the rule of its POSIX TZ footer
// ("EST5EDT,M3.2.0,M11.1.0"), as Go's lookup and tzset answer them.
//
// Names are read from the zone database (/usr/share/zoneinfo, Debian's tzdata; the ZONEINFO
// environment variable names another folder, as for Go). "", "UTC" and "Local" are UTC (the
// reference server's "Local" is its host's zone, UTC on the hosts it runs on).
//
// Owner: worker/schedule_spec.h. Immutable after Load; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"

namespace hdo::worker {

class TimeZone {
 public:
  static TimeZone Utc() { return TimeZone(); }
  // `data` (TZif bytes) when not empty, else the zone database's file of `name`. Errors (code
  // errors::kInvalidArgument) in Go's words: "unknown time zone <name>", "time: invalid location
  // name", "malformed time zone information".
  static hugo::Result<TimeZone> Load(std::string_view name, std::string_view data = {});

  // Seconds east of UTC in effect at the instant `unix_s`.
  int32_t OffsetAt(int64_t unix_s) const;
  // The wall clock at an instant, as seconds since 1970-01-01 00:00 "as if UTC".
  int64_t ToWall(int64_t unix_s) const { return unix_s + OffsetAt(unix_s); }
  // Go's time.Date: the instant of a wall time. A wall time a transition skipped, or repeated,
  // resolves as Go resolves it (the offset in effect just before the transition's instant).
  int64_t FromWall(int64_t wall_s) const;
  bool IsUtc() const { return transitions_.empty() && !rule_ && fixed_offset_ == 0; }

 private:
  // The footer's rule: standard and daylight offsets (seconds east) and the two changes.
  struct PosixRule {
    enum class Kind { kJulian, kDayOfYear, kMonthWeekDay };
    struct Change {
      Kind kind = Kind::kMonthWeekDay;
      int day = 0, week = 0, month = 0;
      int32_t time = 7200;  // seconds after local midnight
    };
    int32_t std_offset = 0;
    int32_t dst_offset = 0;
    bool has_dst = false;
    Change start, end;
  };
  TimeZone() = default;
  static std::optional<PosixRule> ParsePosix(std::string_view text);
  static int64_t ChangeTime(int64_t year, const PosixRule::Change& change, int32_t offset);
  int32_t RuleOffsetAt(int64_t unix_s) const;

  std::vector<int64_t> transitions_;    // instants, ascending
  std::vector<int32_t> offsets_after_;  // the offset from each transition on
  int32_t fixed_offset_ = 0;            // before the first transition (or always, with none)
  std::optional<PosixRule> rule_;       // after the last transition
};

}  // namespace hdo::worker
