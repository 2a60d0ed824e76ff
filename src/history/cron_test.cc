#include "history/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/error_codes.h"

// Expected activations were produced by github.com/robfig/cron/v3 v3.0.1 (cron.ParseStandard then
// Schedule.Next on UTC times), the library the reference uses.

namespace hdo::history {
namespace {

// Milliseconds since the Unix epoch of a UTC civil time.
int64_t Ms(int year, unsigned month, unsigned day, int hour = 0, int minute = 0, int second = 0,
           int millis = 0) {
  using namespace std::chrono;
  sys_days date =
      year_month_day{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  return duration_cast<milliseconds>(date.time_since_epoch()).count() +
         ((hour * 60 + minute) * 60 + second) * int64_t{1000} + millis;
}

CronSchedule MustParse(std::string_view spec) {
  hugo::Result<CronSchedule> parsed = CronSchedule::Parse(spec);
  EXPECT_TRUE(parsed.IsSuccess()) << spec << ": " << parsed.Error().Message();
  return std::move(parsed).Value();
}

// The first `count` activations after `after_ms`, each from the previous one.
std::vector<int64_t> Activations(std::string_view spec, int64_t after_ms, int count) {
  CronSchedule schedule = MustParse(spec);
  std::vector<int64_t> activations;
  std::optional<int64_t> next = after_ms;
  for (int i = 0; i < count; ++i) {
    next = schedule.NextMs(*next);
    if (!next) break;
    activations.push_back(*next);
  }
  return activations;
}

using Times = std::vector<int64_t>;

TEST(CronDescriptorTest, YearlyAndAnnuallyFireAtMidnightOfJanuaryFirst) {
  EXPECT_EQ(Activations("@yearly", Ms(2024, 3, 15, 10), 2),
            (Times{Ms(2025, 1, 1), Ms(2026, 1, 1)}));
  EXPECT_EQ(Activations("@annually", Ms(2024, 12, 31, 23, 59, 59, 999), 1), Times{Ms(2025, 1, 1)});
}

TEST(CronDescriptorTest, MonthlyFiresOnTheFirst) {
  EXPECT_EQ(Activations("@monthly", Ms(2024, 1, 31, 12), 2),
            (Times{Ms(2024, 2, 1), Ms(2024, 3, 1)}));
}

TEST(CronDescriptorTest, WeeklyFiresOnSundayMidnight) {
  // 2024-03-13 is a Wednesday.
  EXPECT_EQ(Activations("@weekly", Ms(2024, 3, 13, 10), 2),
            (Times{Ms(2024, 3, 17), Ms(2024, 3, 24)}));
}

TEST(CronDescriptorTest, DailyAndMidnightFireEachMidnightAcrossALeapDay) {
  EXPECT_EQ(Activations("@daily", Ms(2024, 2, 28, 23, 59, 59), 2),
            (Times{Ms(2024, 2, 29), Ms(2024, 3, 1)}));
  EXPECT_EQ(Activations("@midnight", Ms(2024, 12, 31), 1), Times{Ms(2025, 1, 1)});
}

TEST(CronDescriptorTest, HourlyFiresOnTheHourAcrossAYearEnd) {
  EXPECT_EQ(Activations("@hourly", Ms(2024, 12, 31, 23, 0, 0, 1), 2),
            (Times{Ms(2025, 1, 1), Ms(2025, 1, 1, 1)}));
}

TEST(CronDescriptorTest, EveryAddsTheDelayToTheTimeRoundedDownToTheSecond) {
  EXPECT_EQ(Activations("@every 2s", Ms(2024, 1, 1, 0, 0, 0, 700), 2),
            (Times{Ms(2024, 1, 1, 0, 0, 2), Ms(2024, 1, 1, 0, 0, 4)}));
  EXPECT_EQ(Activations("@every 1h30m", Ms(2024, 1, 1), 2),
            (Times{Ms(2024, 1, 1, 1, 30), Ms(2024, 1, 1, 3)}));
  EXPECT_EQ(Activations("@every 1.5h", Ms(2024, 1, 1), 1), Times{Ms(2024, 1, 1, 1, 30)});
  EXPECT_EQ(MustParse("@every 1h30m").EveryDelaySeconds(), 5400);
}

TEST(CronDescriptorTest, EveryBelowOneSecondBecomesOneSecondAndFractionsAreDropped) {
  EXPECT_EQ(Activations("@every 500ms", Ms(2024, 1, 1, 0, 0, 0, 999), 2),
            (Times{Ms(2024, 1, 1, 0, 0, 1), Ms(2024, 1, 1, 0, 0, 2)}));
  EXPECT_EQ(MustParse("@every 1.9s").EveryDelaySeconds(), 1);
  EXPECT_EQ(MustParse("@every 2999ms").EveryDelaySeconds(), 2);
  EXPECT_EQ(MustParse("@every 0").EveryDelaySeconds(), 1);
  EXPECT_EQ(MustParse("@every -5s").EveryDelaySeconds(), 1);
}

TEST(CronDescriptorTest, EveryAcceptsGoDurationSyntax) {
  EXPECT_EQ(MustParse("@every +3s").EveryDelaySeconds(), 3);
  EXPECT_EQ(MustParse("@every .5m").EveryDelaySeconds(), 30);
  EXPECT_EQ(MustParse("@every 1.s").EveryDelaySeconds(), 1);
  EXPECT_EQ(MustParse("@every 1h1m1s1ms1us1ns").EveryDelaySeconds(), 3661);
  EXPECT_EQ(MustParse("@every 3000000\xC2\xB5s").EveryDelaySeconds(), 3);  // micro sign
  EXPECT_EQ(MustParse("@every 3000000\xCE\xBCs").EveryDelaySeconds(), 3);  // Greek mu
  EXPECT_EQ(MustParse("@every 2562047h").EveryDelaySeconds(), int64_t{2562047} * 3600);
}

TEST(CronFieldTest, EveryMinuteFiresAtTheNextWholeMinuteAcrossAMonthEnd) {
  EXPECT_EQ(Activations("* * * * *", Ms(2024, 2, 29, 23, 59, 59, 999), 2),
            (Times{Ms(2024, 3, 1), Ms(2024, 3, 1, 0, 1)}));
}

TEST(CronFieldTest, TimesBeforeTheEpochWork) {
  EXPECT_EQ(Activations("* * * * *", Ms(1969, 12, 31, 23, 59, 30, 500), 1), Times{0});
  EXPECT_EQ(Activations("0 0 * * *", Ms(1969, 6, 15, 13), 1), Times{Ms(1969, 6, 16)});
}

TEST(CronFieldTest, NextIsStrictlyAfterAnActivation) {
  CronSchedule schedule = MustParse("0 0 * * *");
  EXPECT_EQ(schedule.NextMs(Ms(2024, 5, 1)), Ms(2024, 5, 2));
  EXPECT_EQ(schedule.NextMs(Ms(2024, 5, 1) - 1), Ms(2024, 5, 1));
}

TEST(CronFieldTest, StepsFromStarFromARangeAndFromASingleValue) {
  EXPECT_EQ(Activations("*/5 * * * *", Ms(2024, 3, 13, 10, 2, 30), 2),
            (Times{Ms(2024, 3, 13, 10, 5), Ms(2024, 3, 13, 10, 10)}));
  // "5/10" is 5-59/10.
  EXPECT_EQ(Activations("5/10 * * * *", Ms(2024, 3, 13, 10, 56), 3),
            (Times{Ms(2024, 3, 13, 11, 5), Ms(2024, 3, 13, 11, 15), Ms(2024, 3, 13, 11, 25)}));
  EXPECT_EQ(Activations("1-30/2 * * * *", Ms(2024, 3, 13, 10, 29), 2),
            (Times{Ms(2024, 3, 13, 11, 1), Ms(2024, 3, 13, 11, 3)}));
  EXPECT_EQ(Activations("0 0 1 */3 *", Ms(2024, 2, 15), 3),
            (Times{Ms(2024, 4, 1), Ms(2024, 7, 1), Ms(2024, 10, 1)}));
  EXPECT_EQ(Activations("0 0 * feb/3 *", Ms(2024, 6, 15), 1), Times{Ms(2024, 8, 1)});
}

TEST(CronFieldTest, ListsOfRangesWithSteps) {
  EXPECT_EQ(Activations("0,30 9-17/4 * * *", Ms(2024, 3, 13, 17, 30), 3),
            (Times{Ms(2024, 3, 14, 9), Ms(2024, 3, 14, 9, 30), Ms(2024, 3, 14, 13)}));
  // Empty list items are dropped, as robfig's FieldsFunc does.
  EXPECT_EQ(Activations("0 0 1,,15 * *", Ms(2024, 6, 2), 1), Times{Ms(2024, 6, 15)});
}

TEST(CronFieldTest, MonthAndWeekdayNamesAreCaseInsensitive) {
  EXPECT_EQ(Activations("0 0 * JAN,jul mon", Ms(2024, 2, 1), 2),
            (Times{Ms(2024, 7, 1), Ms(2024, 7, 8)}));
  EXPECT_EQ(Activations("15 10 * * mon-FRI", Ms(2024, 3, 15, 10, 15), 2),
            (Times{Ms(2024, 3, 18, 10, 15), Ms(2024, 3, 19, 10, 15)}));
  EXPECT_EQ(Activations("0 0 * * Sun-Sat", Ms(2024, 2, 1), 1), Times{Ms(2024, 2, 2)});
}

TEST(CronFieldTest, StarAndQuestionMarkAreTheSame) {
  EXPECT_EQ(Activations("0 12 ? * FRI", Ms(2024, 9, 1), 2),
            (Times{Ms(2024, 9, 6, 12), Ms(2024, 9, 13, 12)}));
  EXPECT_EQ(Activations("0 0 1 * ?", Ms(2024, 6, 2), 1), Times{Ms(2024, 7, 1)});
}

TEST(CronFieldTest, StarIgnoresWhatFollowsAHyphen) {
  EXPECT_EQ(Activations("*-5 0 1 1 *", Ms(2024, 6, 2), 2),
            (Times{Ms(2025, 1, 1), Ms(2025, 1, 1, 0, 1)}));
}

TEST(CronDayRuleTest, TwoRestrictedDayFieldsMeanDomOrDow) {
  // The 13th or any Friday; 2024-10-13 is a Sunday.
  EXPECT_EQ(Activations("0 12 13 * 5", Ms(2024, 10, 1), 4),
            (Times{Ms(2024, 10, 4, 12), Ms(2024, 10, 11, 12), Ms(2024, 10, 13, 12),
                   Ms(2024, 10, 18, 12)}));
  // The 1st/15th or any Monday; 2024-03-15 is a Friday.
  EXPECT_EQ(Activations("30 4 1,15 * 1", Ms(2024, 3, 1, 5), 4),
            (Times{Ms(2024, 3, 4, 4, 30), Ms(2024, 3, 11, 4, 30), Ms(2024, 3, 15, 4, 30),
                   Ms(2024, 3, 18, 4, 30)}));
}

TEST(CronDayRuleTest, AStarDayFieldMeansDomAndDow) {
  EXPECT_EQ(Activations("0 12 13 * *", Ms(2024, 9, 1), 2),
            (Times{Ms(2024, 9, 13, 12), Ms(2024, 10, 13, 12)}));
  EXPECT_EQ(Activations("0 0 ? * 1", Ms(2024, 6, 2), 1), Times{Ms(2024, 6, 3)});
  // "*/1" keeps the star, so only Mondays.
  EXPECT_EQ(Activations("0 0 */1 * 1", Ms(2024, 6, 2), 2),
            (Times{Ms(2024, 6, 3), Ms(2024, 6, 10)}));
}

TEST(CronDayRuleTest, AStepOrAFullRangeIsNotAStar) {
  // "1-31" is every day written out: OR with Monday, so every day.
  EXPECT_EQ(Activations("0 0 1-31 * 1", Ms(2024, 6, 2), 2),
            (Times{Ms(2024, 6, 3), Ms(2024, 6, 4)}));
  // "*/2" is odd days, OR Mondays.
  EXPECT_EQ(Activations("0 0 */2 * 1", Ms(2024, 6, 2), 3),
            (Times{Ms(2024, 6, 3), Ms(2024, 6, 5), Ms(2024, 6, 7)}));
}

TEST(CronCalendarTest, The31stSkipsShortMonths) {
  EXPECT_EQ(Activations("0 0 31 * *", Ms(2024, 1, 31), 3),
            (Times{Ms(2024, 3, 31), Ms(2024, 5, 31), Ms(2024, 7, 31)}));
}

TEST(CronCalendarTest, YearRollover) {
  EXPECT_EQ(Activations("59 23 31 12 *", Ms(2024, 12, 31, 23, 59), 1),
            Times{Ms(2025, 12, 31, 23, 59)});
  EXPECT_EQ(Activations("0 0 1 1 *", Ms(2099, 6, 1), 2), (Times{Ms(2100, 1, 1), Ms(2101, 1, 1)}));
}

TEST(CronCalendarTest, Feb29FiresOnlyInLeapYears) {
  EXPECT_EQ(Activations("0 0 29 2 *", Ms(2023, 1, 1), 1), Times{Ms(2024, 2, 29)});
  EXPECT_EQ(Activations("0 0 29 2 *", Ms(2024, 3, 1), 2),
            (Times{Ms(2028, 2, 29), Ms(2032, 2, 29)}));
  EXPECT_EQ(Activations("0 0 29 feb *", Ms(2000, 1, 1), 1), Times{Ms(2000, 2, 29)});
}

TEST(CronCalendarTest, NextGivesUpAfterFiveYears) {
  CronSchedule leap_day = MustParse("0 0 29 2 *");
  // 2100 is not a leap year: from 2097 the next Feb 29 (2104) is past 2097 + 5.
  EXPECT_EQ(leap_day.NextMs(Ms(2097, 1, 1)), std::nullopt);
  EXPECT_EQ(leap_day.NextMs(Ms(2099, 1, 1)), Ms(2104, 2, 29));
  EXPECT_EQ(leap_day.NextMs(Ms(2096, 2, 29)), std::nullopt);
}

TEST(CronParseTest, ImpossibleSchedulesAreRefusedWithTheReferenceMessage) {
  for (std::string_view spec : {"0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30,31 feb *", "0 0 , * *",
                                ", * * * *", "0 0 * , *"}) {
    hugo::Result<CronSchedule> parsed = CronSchedule::Parse(spec);
    ASSERT_TRUE(parsed.IsFailure()) << spec;
    EXPECT_EQ(parsed.Error().Code(), errors::kInvalidArgument);
    EXPECT_EQ(parsed.Error().Message(),
              "invalid CronSchedule, no time can be found to satisfy the schedule")
        << spec;
  }
  // OR with a weekday rescues an impossible day of month: Mondays in February.
  EXPECT_EQ(Activations("0 0 31 2 mon", Ms(2024, 6, 2), 2),
            (Times{Ms(2025, 2, 3), Ms(2025, 2, 10)}));
  // An empty weekday list leaves the day of month alone (OR with nothing).
  EXPECT_EQ(Activations("0 0 1 * ,", Ms(2024, 6, 2), 1), Times{Ms(2024, 7, 1)});
}

TEST(CronParseTest, WhitespaceBetweenFieldsIsFlexible) {
  EXPECT_EQ(Activations("  0\t0  *\n* *  ", Ms(2024, 6, 2), 1), Times{Ms(2024, 6, 3)});
  // Go's strings.Fields splits on Unicode spaces too (here U+00A0 and U+3000).
  EXPECT_EQ(Activations("0\xC2\xA0"
                        "0 * *\xE3\x80\x80*",
                        Ms(2024, 6, 2), 1),
            Times{Ms(2024, 6, 3)});
}

TEST(CronParseTest, UtcTimeZonePrefixesAreAccepted) {
  EXPECT_EQ(Activations("CRON_TZ=UTC @daily", Ms(2024, 6, 2, 5), 1), Times{Ms(2024, 6, 3)});
  EXPECT_EQ(Activations("TZ=UTC 0 0 * * *", Ms(2024, 6, 2, 5), 1), Times{Ms(2024, 6, 3)});
  EXPECT_EQ(Activations("CRON_TZ=Etc/UTC   */2 * * * *  ", Ms(2024, 6, 2, 5, 1), 1),
            Times{Ms(2024, 6, 2, 5, 2)});
  EXPECT_EQ(Activations("CRON_TZ= 0 0 * * *", Ms(2024, 6, 2, 5), 1), Times{Ms(2024, 6, 3)});
  EXPECT_EQ(Activations("CRON_TZ=Local @hourly", Ms(2024, 6, 2, 5), 1), Times{Ms(2024, 6, 2, 6)});
  EXPECT_EQ(Activations("TZ=GMT @hourly", Ms(2024, 6, 2, 5), 1), Times{Ms(2024, 6, 2, 6)});
}

TEST(CronParseTest, OtherTimeZonesAreRefusedByName) {
  hugo::Result<CronSchedule> parsed = CronSchedule::Parse("CRON_TZ=America/New_York 0 9 * * *");
  ASSERT_TRUE(parsed.IsFailure());
  EXPECT_EQ(parsed.Error().Code(), errors::kInvalidArgument);
  EXPECT_EQ(parsed.Error().Message(),
            "invalid CronSchedule, time zone \"America/New_York\" is not supported: cron "
            "schedules are evaluated in UTC only");
}

TEST(CronParseTest, RefusedSpecs) {
  const std::vector<std::string> refused = {
      "",                              // robfig: empty spec string
      " ",                             // no fields
      "0 0 * *",                       // four fields
      "0 0 * * * *",                   // six fields: ParseStandard has no seconds
      "0 0 0 * * * *",                 // seven fields
      "60 * * * *",                    // minute above 59
      "0 24 * * *",                    // hour above 23
      "0 0 0 * *",                     // day of month below 1
      "0 0 32 * *",                    // day of month above 31
      "0 0 * 0 *",                     // month below 1
      "0 0 * 13 *",                    // month above 12
      "0 0 * * 7",                     // weekday above 6 (no 7 for Sunday)
      "0 0 * * 1-7",                   // range end above 6
      "5-1 * * * *",                   // range backwards
      "1-2-3 * * * *",                 // too many hyphens
      "*/2/3 * * * *",                 // too many slashes
      "*/0 * * * *",                   // zero step
      "*/-1 * * * *",                  // negative step
      "-5 * * * *",                    // negative number
      "5- * * * *",                    // missing range end
      "/5 * * * *",                    // missing range start
      "5/ * * * *",                    // missing step
      "0x10 * * * *",                  // not decimal
      "1_0 * * * *",                   // underscores
      "99999999999999999999 * * * *",  // beyond int64
      "a * * * *",                     // not a number
      "0 0 * * L",                     // Quartz L
      "0 0 * * 1#2",                   // Quartz #
      "0 0 * jan-feb-mar *",           // too many hyphens with names
      "0 0 * sun *",                   // weekday name in the month field
      "0 0 jan * *",                   // month name in the day-of-month field
      "0 0 * * monday",                // only three-letter names
      "@DAILY",                        // descriptors are case-sensitive
      "@daily ",                       // and exact
      " @daily",                       // a leading space makes it a one-field spec
      "@reboot",                       // unknown descriptor
      "@",                             // unknown descriptor
      "@every",                        // no duration
      "@every ",                       // empty duration
      "@every\t1s",                    // the separator is one space
      "@every  1s",                    // one space only
      "@every 1 s",                    // no space inside the duration
      "@every 1s ",                    // nothing after it
      "@every 1",                      // missing unit
      "@every 1h1",                    // missing unit at the end
      "@every 1d",                     // unknown unit
      "@every 1m-1s",                  // the unit runs to the next digit: "m-"
      "@every 1e3s",                   // no exponent
      "@every -",                      // sign alone
      "@every .s",                     // no digits
      "@every 2562048h",               // beyond int64 nanoseconds
      "@every 9223372036854775808ns",  // beyond int64 nanoseconds
      "TZ=UTC",                        // a zone without a spec (robfig panics)
      "TZ=UTC@daily",                  // no space after the zone
      "TZ=UTC\t0 0 * * *",             // the zone ends at the first space only
      "CRON_TZ=UTC",                   // a zone without a spec
      "CRON_TZ=UTC ",                  // a zone with an empty spec
      "TZ=utc 0 0 * * *",              // zone names are case-sensitive
      "TZ=Bogus/Zone 0 0 * * *",
  };
  for (const std::string& spec : refused) {
    hugo::Result<CronSchedule> parsed = CronSchedule::Parse(spec);
    ASSERT_TRUE(parsed.IsFailure()) << "\"" << spec << "\" was accepted";
    EXPECT_EQ(parsed.Error().Code(), errors::kInvalidArgument) << spec;
  }
  EXPECT_EQ(CronSchedule::Parse("0 0 * * * *").Error().Message(), "invalid CronSchedule.");
}

TEST(CronParseTest, AcceptedOddities) {
  // All accepted by robfig: plus signs, leading zeros, steps past the end, a star's ignored
  // range end, huge steps, star days in every field.
  for (std::string_view spec :
       {"+5 * * * *", "05 * * * *", "*/+5 * * * *", "0 0 * * 0-6", "*/100 * * * *", "0/100 * * * *",
        "?-x-y * * * *", "*/9223372036854775807 * * * *", "0 0 ? ? ?", "0 0 * * FR\xC4\xB0"}) {
    EXPECT_TRUE(CronSchedule::Parse(spec).IsSuccess()) << spec;
  }
  // Go lowercases U+0130 (capital I with dot) to 'i', so "FRİ" is Friday.
  EXPECT_EQ(Activations("0 0 * * FR\xC4\xB0", Ms(2024, 6, 2), 1), Times{Ms(2024, 6, 7)});
}

TEST(CronBackoffTest, BeforeTheScheduledTimeWaitsForIt) {
  CronSchedule schedule = MustParse("0 * * * *");
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5, 30), Ms(2024, 6, 2, 5, 29, 30)), 30'000);
  // Even when the scheduled time is not an activation, and rounded up to a second.
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5, 30), Ms(2024, 6, 2, 5, 29, 30, 1)), 30'000);
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5, 30), Ms(2024, 6, 2, 5, 29, 29, 999)), 31'000);
}

TEST(CronBackoffTest, AtOrAfterTheScheduledTimeWaitsForTheNextActivation) {
  CronSchedule schedule = MustParse("0 * * * *");
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5), Ms(2024, 6, 2, 5)), 3'600'000);
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5), Ms(2024, 6, 2, 5, 10)), 3'000'000);
  // The remainder is rounded up to whole seconds.
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5), Ms(2024, 6, 2, 5, 10, 0, 1)), 3'000'000);
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5), Ms(2024, 6, 2, 5, 59, 59, 1)), 1'000);
}

TEST(CronBackoffTest, MissedActivationsAreSkipped) {
  CronSchedule schedule = MustParse("*/15 * * * *");
  // Run scheduled 05:00 finished at 07:20: the next run is 07:30, not 05:15.
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5), Ms(2024, 6, 2, 7, 20)), 600'000);
  // Exactly on an activation: no wait.
  EXPECT_EQ(CronBackoffMs(schedule, Ms(2024, 6, 2, 5), Ms(2024, 6, 2, 7, 30)), 0);
  // Years of missed activations.
  EXPECT_EQ(CronBackoffMs(MustParse("* * * * *"), Ms(2020, 1, 1), Ms(2024, 6, 2, 7, 20, 15)),
            45'000);
}

TEST(CronBackoffTest, EveryCountsFromTheScheduledTime) {
  CronSchedule schedule = MustParse("@every 2s");
  EXPECT_EQ(CronBackoffMs(schedule, 1'500, 10'001), 1'000);  // 3s, 5s, ... 11s
  EXPECT_EQ(CronBackoffMs(schedule, 1'500, 1'500), 2'000);   // 3s, 1.5s rounded up
  EXPECT_EQ(CronBackoffMs(schedule, 1'500, 1'000), 1'000);   // now before scheduled: 0.5s
  EXPECT_EQ(
      CronBackoffMs(MustParse("@every 1h"), Ms(2024, 1, 1, 0, 0, 0, 250), Ms(2024, 3, 1, 12, 30)),
      1'800'000);
}

TEST(CronBackoffTest, NoNextActivationMeansNoBackoff) {
  CronSchedule leap_day = MustParse("0 0 29 2 *");
  // After Feb 29 2096 the next is 2104: more than five years on.
  EXPECT_EQ(CronBackoffMs(leap_day, Ms(2096, 2, 29), Ms(2096, 3, 1)), std::nullopt);
  EXPECT_EQ(CronBackoffMs(leap_day, Ms(2095, 6, 1), Ms(2101, 6, 1)), std::nullopt);
  EXPECT_EQ(CronBackoffMs(leap_day, Ms(2024, 3, 1), Ms(2024, 3, 1)),
            Ms(2028, 2, 29) - Ms(2024, 3, 1));
}

}  // namespace
}  // namespace hdo::history
