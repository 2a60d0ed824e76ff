#include "worker/schedule_spec.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/error_codes.h"

// Canonical forms and error messages follow the reference's scheduler (service/worker/scheduler
// calendar.go and spec.go of Temporal server 1.29.1); times were worked out by hand from its rules.

namespace hdo::worker {
namespace {

namespace sched = temporal::api::schedule::v1;

int64_t Ms(int year, unsigned month, unsigned day, int hour = 0, int minute = 0, int second = 0) {
  using namespace std::chrono;
  sys_days date =
      year_month_day{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  return duration_cast<milliseconds>(date.time_since_epoch()).count() +
         ((hour * 60 + minute) * 60 + second) * int64_t{1000};
}

CompiledSpec MustCompile(const sched::ScheduleSpec& spec) {
  auto compiled = CompiledSpec::Compile(spec);
  EXPECT_TRUE(compiled.IsSuccess()) << compiled.Error().Message();
  return std::move(compiled).Value();
}

std::vector<int64_t> Nominal(const CompiledSpec& spec, int64_t after_ms, int count) {
  std::vector<int64_t> times;
  for (const auto& next : spec.NextTimes("seed", after_ms, count)) {
    times.push_back(next.nominal_s * 1000);
  }
  return times;
}

std::string Ranges(const google::protobuf::RepeatedPtrField<sched::Range>& ranges) {
  std::string text;
  for (const auto& range : ranges) {
    text += "{" + std::to_string(range.start()) + "," + std::to_string(range.end()) + "," +
            std::to_string(range.step()) + "}";
  }
  return text;
}

TEST(ScheduleSpecTest, ACronStringBecomesAStructuredCalendarInTheCompactForm) {
  sched::ScheduleSpec spec;
  spec.add_cron_string("0 12 * * MON");
  CompiledSpec compiled = MustCompile(spec);
  ASSERT_EQ(compiled.canonical().cron_string_size(), 0);
  ASSERT_EQ(compiled.canonical().structured_calendar_size(), 1);
  const auto& calendar = compiled.canonical().structured_calendar(0);
  EXPECT_EQ(Ranges(calendar.second()), "{0,0,0}");
  EXPECT_EQ(Ranges(calendar.minute()), "{0,0,0}");
  EXPECT_EQ(Ranges(calendar.hour()), "{12,0,0}");
  EXPECT_EQ(Ranges(calendar.day_of_month()), "{1,31,0}");
  EXPECT_EQ(Ranges(calendar.month()), "{1,12,0}");
  EXPECT_EQ(Ranges(calendar.year()), "");
  EXPECT_EQ(Ranges(calendar.day_of_week()), "{1,0,0}");
  // Mondays at noon: 2024-01-01 was a Monday.
  EXPECT_EQ(Nominal(compiled, Ms(2024, 1, 1), 2),
            (std::vector<int64_t>{Ms(2024, 1, 1, 12), Ms(2024, 1, 8, 12)}));
}

TEST(ScheduleSpecTest, CalendarStringsTakeTheReferenceDefaultsAndNames) {
  sched::ScheduleSpec spec;
  sched::CalendarSpec* calendar = spec.add_calendar();
  calendar->set_hour("9-17/4");
  calendar->set_day_of_week("mon-fri");
  calendar->set_month("jan,Jul");
  calendar->set_comment("office hours");
  CompiledSpec compiled = MustCompile(spec);
  ASSERT_EQ(compiled.canonical().calendar_size(), 0);
  const auto& structured = compiled.canonical().structured_calendar(0);
  EXPECT_EQ(Ranges(structured.hour()), "{9,17,4}");
  EXPECT_EQ(Ranges(structured.day_of_week()), "{1,5,0}");
  EXPECT_EQ(Ranges(structured.month()), "{1,0,0}{7,0,0}");
  EXPECT_EQ(structured.comment(), "office hours");
  // 09:00, 13:00, 17:00 on weekdays of January 2024 (Jan 6 and 7 are a weekend).
  EXPECT_EQ(Nominal(compiled, Ms(2024, 1, 5, 17), 2),
            (std::vector<int64_t>{Ms(2024, 1, 8, 9), Ms(2024, 1, 8, 13)}));
}

TEST(ScheduleSpecTest, SundayWrittenSevenIsZero) {
  sched::ScheduleSpec spec;
  spec.add_calendar()->set_day_of_week("3-7");
  spec.add_calendar()->set_day_of_week("7");
  CompiledSpec compiled = MustCompile(spec);
  EXPECT_EQ(Ranges(compiled.canonical().structured_calendar(0).day_of_week()), "{0,0,0}{3,6,0}");
  EXPECT_EQ(Ranges(compiled.canonical().structured_calendar(1).day_of_week()), "{0,0,0}");
}

TEST(ScheduleSpecTest, IntervalsCountFromTheEpochShiftedByTheirPhase) {
  sched::ScheduleSpec spec;
  sched::IntervalSpec* interval = spec.add_interval();
  interval->mutable_interval()->set_seconds(3600);
  interval->mutable_phase()->set_seconds(60);
  CompiledSpec compiled = MustCompile(spec);
  EXPECT_EQ(Nominal(compiled, Ms(2024, 1, 1, 0, 1), 2),
            (std::vector<int64_t>{Ms(2024, 1, 1, 1, 1), Ms(2024, 1, 1, 2, 1)}));
  EXPECT_EQ(Nominal(compiled, Ms(2024, 1, 1, 0, 0, 59), 1),
            (std::vector<int64_t>{Ms(2024, 1, 1, 0, 1)}));
}

TEST(ScheduleSpecTest, EveryAndPredefinedCronStrings) {
  sched::ScheduleSpec spec;
  spec.add_cron_string("@every 90m/30m");
  CompiledSpec every = MustCompile(spec);
  ASSERT_EQ(every.canonical().interval_size(), 1);
  EXPECT_EQ(every.canonical().interval(0).interval().seconds(), 5400);
  EXPECT_EQ(every.canonical().interval(0).phase().seconds(), 1800);

  sched::ScheduleSpec hourly;
  hourly.add_cron_string("@hourly");
  EXPECT_EQ(Nominal(MustCompile(hourly), Ms(2024, 3, 1, 10, 30), 1),
            (std::vector<int64_t>{Ms(2024, 3, 1, 11)}));

  sched::ScheduleSpec days;
  days.add_cron_string("@every 2d");
  EXPECT_EQ(MustCompile(days).canonical().interval(0).interval().seconds(), 2 * 86'400);
}

TEST(ScheduleSpecTest, ExcludedTimesStartAndEndBoundTheTimes) {
  sched::ScheduleSpec spec;
  spec.add_interval()->mutable_interval()->set_seconds(86'400);
  // The deprecated string form of excludes is still accepted (the SDKs send structured ones).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  sched::CalendarSpec* weekend = spec.add_exclude_calendar();
#pragma GCC diagnostic pop
  weekend->set_day_of_week("sat,sun");
  spec.mutable_start_time()->set_seconds(Ms(2024, 1, 3) / 1000);  // a Wednesday
  spec.mutable_end_time()->set_seconds(Ms(2024, 1, 9) / 1000);
  CompiledSpec compiled = MustCompile(spec);
  // The start time itself is included; the weekend is skipped; nothing after the end time.
  EXPECT_EQ(Nominal(compiled, Ms(2024, 1, 1), 10),
            (std::vector<int64_t>{Ms(2024, 1, 3), Ms(2024, 1, 4), Ms(2024, 1, 5), Ms(2024, 1, 8),
                                  Ms(2024, 1, 9)}));
}

TEST(ScheduleSpecTest, JitterStaysBelowItsBoundAndTheGapToTheNextTime) {
  sched::ScheduleSpec spec;
  spec.add_interval()->mutable_interval()->set_seconds(10);
  spec.mutable_jitter()->set_seconds(3600);  // larger than the gap: bounded by it
  CompiledSpec compiled = MustCompile(spec);
  bool some_jitter = false;
  for (const auto& next : compiled.NextTimes("ns-schedule", Ms(2024, 1, 1), 50)) {
    EXPECT_GE(next.actual_ms, next.nominal_s * 1000);
    EXPECT_LT(next.actual_ms, next.nominal_s * 1000 + 10'000);
    some_jitter = some_jitter || next.actual_ms != next.nominal_s * 1000;
  }
  EXPECT_TRUE(some_jitter);
  // Deterministic: the same seed gives the same times.
  auto first = compiled.Next("ns-schedule", Ms(2024, 1, 1));
  auto again = compiled.Next("ns-schedule", Ms(2024, 1, 1));
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->actual_ms, again->actual_ms);
}

// The reference's jitter, to the millisecond (its spec.go run on these inputs).
TEST(ScheduleSpecTest, JitterIsTheReferencesToTheMillisecond) {
  sched::ScheduleSpec daily;
  daily.add_interval()->mutable_interval()->set_seconds(86'400);
  daily.mutable_jitter()->set_seconds(3600);
  CompiledSpec compiled = MustCompile(daily);
  auto empty_seed = compiled.Next("", Ms(2023, 12, 31, 12));
  ASSERT_TRUE(empty_seed.has_value());
  EXPECT_EQ(empty_seed->nominal_s * 1000, Ms(2024, 1, 1));
  EXPECT_EQ(empty_seed->actual_ms, Ms(2024, 1, 1, 0, 50, 58) + 745);
  auto abc = compiled.Next("abc", Ms(2023, 12, 31, 12));
  ASSERT_TRUE(abc.has_value());
  EXPECT_EQ(abc->actual_ms, Ms(2024, 1, 1, 0, 56, 46) + 640);

  sched::ScheduleSpec minutely;
  minutely.add_interval()->mutable_interval()->set_seconds(60);
  minutely.mutable_jitter()->set_seconds(3600);  // capped below the minute to the next time
  std::vector<int64_t> actual;
  for (const auto& next : MustCompile(minutely).NextTimes("nsid-sched", Ms(2025, 1, 1), 3)) {
    actual.push_back(next.actual_ms);
  }
  EXPECT_EQ(actual,
            (std::vector<int64_t>{Ms(2025, 1, 1, 0, 1, 41) + 537, Ms(2025, 1, 1, 0, 2, 2) + 379,
                                  Ms(2025, 1, 1, 0, 3, 50) + 798}));
}

TEST(ScheduleSpecTest, BadSpecsAreRefusedWithTheReferenceMessages) {
  auto message = [](const sched::ScheduleSpec& spec) {
    auto compiled = CompiledSpec::Compile(spec);
    EXPECT_TRUE(compiled.IsFailure());
    if (compiled.IsSuccess()) return std::string();
    EXPECT_EQ(compiled.Error().Code(), errors::kInvalidArgument);
    return compiled.Error().Message();
  };
  sched::ScheduleSpec fields;
  fields.add_cron_string("0 12 * *");
  EXPECT_EQ(message(fields), "Invalid schedule spec: CronString does not have 5-7 fields");
  sched::ScheduleSpec hour;
  hour.add_cron_string("0 25 * * *");
  EXPECT_EQ(message(hour), "Invalid schedule spec: Hour is not in range [0-23]");
  sched::ScheduleSpec small;
  small.add_interval()->mutable_interval()->set_nanos(500'000'000);
  EXPECT_EQ(message(small), "Invalid schedule spec: interval is too small");
  sched::ScheduleSpec phase;
  phase.add_interval()->mutable_interval()->set_seconds(60);
  phase.mutable_interval(0)->mutable_phase()->set_seconds(60);
  EXPECT_EQ(message(phase), "Invalid schedule spec: phase cannot be greater than Interval");
  sched::ScheduleSpec structured;
  structured.add_structured_calendar()->add_minute()->set_start(61);
  EXPECT_EQ(message(structured),
            "Invalid schedule spec: invalid calendar spec: Minute Start is not in range [0-59]");
  sched::ScheduleSpec zones;
  zones.add_cron_string("CRON_TZ=UTC 0 * * * *");
  zones.add_cron_string("0 * * * *");
  EXPECT_EQ(message(zones), "Invalid schedule spec: conflicting timezone names");
  sched::ScheduleSpec zone;
  zone.set_timezone_name("Mars/Olympus");
  EXPECT_EQ(message(zone), "Invalid schedule spec: unknown time zone Mars/Olympus");
  sched::ScheduleSpec folder;
  folder.set_timezone_name("America");
  EXPECT_EQ(message(folder), "Invalid schedule spec: unknown time zone America");
  sched::ScheduleSpec escape;
  escape.set_timezone_name("../etc/passwd");
  EXPECT_EQ(message(escape), "Invalid schedule spec: time: invalid location name");
}

// Daylight saving time as the reference's calendar handles it (the times were produced by the
// reference's calendar.go run with Go's time zone database).
TEST(ScheduleSpecTest, CalendarsFollowTheirTimeZoneThroughDaylightSavingChanges) {
  auto times = [](const std::string& zone, const std::string& cron, int64_t after_ms, int count) {
    sched::ScheduleSpec spec;
    spec.add_cron_string(cron);
    spec.set_timezone_name(zone);
    return Nominal(MustCompile(spec), after_ms, count);
  };
  // New York, 2024-11-03: 01:30 comes twice (EDT, then EST); both are taken.
  EXPECT_EQ(times("America/New_York", "30 1 * * *", Ms(2024, 11, 2, 12), 3),
            (std::vector<int64_t>{Ms(2024, 11, 3, 5, 30), Ms(2024, 11, 3, 6, 30),
                                  Ms(2024, 11, 4, 6, 30)}));
  // New York, 2025-03-09: 02:30 does not exist that day; it is skipped.
  EXPECT_EQ(times("America/New_York", "30 2 * * *", Ms(2025, 3, 8, 12), 1),
            (std::vector<int64_t>{Ms(2025, 3, 10, 6, 30)}));
  // Berlin, 2025-10-26: of the two 02:30s only the second (CET) is taken.
  EXPECT_EQ(times("Europe/Berlin", "30 2 * * *", Ms(2025, 10, 25, 12), 2),
            (std::vector<int64_t>{Ms(2025, 10, 26, 1, 30), Ms(2025, 10, 27, 1, 30)}));
  // A CRON_TZ prefix names the zone; far beyond the file's transitions its POSIX rule applies.
  sched::ScheduleSpec tokyo;
  tokyo.add_cron_string("CRON_TZ=Asia/Tokyo 0 9 * * *");
  EXPECT_EQ(Nominal(MustCompile(tokyo), Ms(2023, 12, 31, 12), 1),
            (std::vector<int64_t>{Ms(2024, 1, 1)}));
  EXPECT_EQ(times("America/New_York", "0 12 * * *", Ms(2060, 7, 1), 1),
            (std::vector<int64_t>{Ms(2060, 7, 1, 16)}));
  EXPECT_EQ(times("Australia/Sydney", "0 12 * * *", Ms(2060, 1, 1), 1),
            (std::vector<int64_t>{Ms(2060, 1, 1, 1)}));
}

TEST(ScheduleSpecTest, UtcIsTheDefaultZone) {
  sched::ScheduleSpec spec;
  spec.add_cron_string("CRON_TZ=UTC 30 2 * * *");
  CompiledSpec compiled = MustCompile(spec);
  EXPECT_EQ(compiled.canonical().timezone_name(), "UTC");
  EXPECT_EQ(Nominal(compiled, Ms(2024, 5, 1), 1), (std::vector<int64_t>{Ms(2024, 5, 1, 2, 30)}));
}

TEST(ScheduleSpecTest, AnEmptySpecNamesNoTime) {
  CompiledSpec compiled = MustCompile(sched::ScheduleSpec());
  EXPECT_FALSE(compiled.Next("seed", Ms(2024, 1, 1)).has_value());
}

TEST(ScheduleSpecTest, CanonicalizingTwiceChangesNothing) {
  sched::ScheduleSpec spec;
  spec.add_cron_string("*/15 9-17 * * 1-5");
  spec.add_interval()->mutable_interval()->set_seconds(7200);
  CompiledSpec once = MustCompile(spec);
  CompiledSpec twice = MustCompile(once.canonical());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(once.canonical(), twice.canonical()));
}

}  // namespace
}  // namespace hdo::worker
