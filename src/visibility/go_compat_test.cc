#include "visibility/go_compat.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hdo::visibility::go {
namespace {

// The expected strings are what Go 1.26 prints for the same values (fmt, encoding/json, time).

TEST(GoCompat, FloatsPrintAsFmtV) {
  const std::vector<std::pair<double, std::string>> cases = {
      {1000000, "1e+06"},
      {123456, "123456"},
      {1234567, "1.234567e+06"},
      {1.5e30, "1.5e+30"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {2, "2"},
      {1e21, "1e+21"},
      {1e20, "1e+20"},
      {123456789012, "1.23456789012e+11"},
      {-0.5, "-0.5"},
      {0, "0"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(FloatV(value), text) << text;
}

TEST(GoCompat, FloatsEncodeAsEncodingJson) {
  const std::vector<std::pair<double, std::string>> cases = {
      {1000000, "1000000"},
      {1.5e30, "1.5e+30"},
      {0.00001, "0.00001"},
      {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {123456789012, "123456789012"},
      {1e-7, "1e-7"},
      {1.5e-7, "1.5e-7"},
      {0.000001, "0.000001"},
      {5e-324, "5e-324"},
      {-0.5, "-0.5"},
      {2, "2"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(JsonFloat(value), text) << text;
  EXPECT_EQ(FixedFloat(1e20), "100000000000000000000");
  EXPECT_EQ(FixedFloat(1.5), "1.5");
}

TEST(GoCompat, StringsEncodeAsEncodingJson) {
  std::string out;
  AppendJsonString(out, "<a&b>\u2028\x01\"\\\xc3\xa9\b\f\x7f\x1f");
  EXPECT_EQ(out, "\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\\\"\\\\\xc3\xa9\\b\\f\x7f\\u001f\"");
  out.clear();
  AppendJsonString(out, std::string("\xff"
                                    "a"));
  EXPECT_EQ(out, "\"\\ufffda\"");
  EXPECT_TRUE(IsValidUtf8("é ☃ 𝄞"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong
}

TEST(GoCompat, DecodedJsonPrintsAsFmtV) {
  EXPECT_EQ(FormatV(nlohmann::json::parse(R"({"b":[1,"x",true,null],"a":{"z":1.5}})")),
            "map[a:map[z:1.5] b:[1 x true <nil>]]");
  EXPECT_EQ(FormatV(nlohmann::json(nullptr)), "<nil>");
  EXPECT_EQ(FormatV(nlohmann::json::parse("12345678901234567890")), "1.2345678901234567e+19");
}

TEST(GoCompat, Rfc3339AsTimeParse) {
  const std::vector<std::pair<std::string, std::optional<int64_t>>> cases = {
      {"2024-01-01T00:00:00Z", 1704067200000000000},
      {"2024-01-01T00:00:00.1234567891Z", 1704067200123456789},
      {"2024-01-01T00:00:00+05:30", 1704067200000000000 - 19800000000000},
      {"2024-01-01T00:00:00,5Z", 1704067200500000000},
      {"2024-01-01T00:00:00-00:00", 1704067200000000000},
      {"2024-02-29T00:00:00Z", 1709164800000000000},
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59.999999999Z", -1},
      {"2024-01-01t00:00:00z", std::nullopt},
      {"2024-01-01T00:00:00.Z", std::nullopt},
      {"2024-01-01T24:00:00Z", std::nullopt},
      {"2023-02-29T00:00:00Z", std::nullopt},
      {"2024-01-01T00:00:60Z", std::nullopt},
      {"2024-01-01T00:00:00+0530", std::nullopt},
      {"2024-01-01 00:00:00Z", std::nullopt},
      {"+2024-01-01T00:00:00Z", std::nullopt},
      {"2024-01-01T00:00:00", std::nullopt},
      {"2024-01-01T00:00:00Zx", std::nullopt},
      {"0001-01-01T00:00:00Z", std::nullopt},
      {"2262-04-11T23:47:16.854775807Z", std::numeric_limits<int64_t>::max()},
      {"2262-04-11T23:47:16.854775808Z", std::nullopt},
  };
  for (const auto& [text, nanos] : cases) EXPECT_EQ(ParseRfc3339(text), nanos) << text;
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z", true), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ParseRfc3339("9999-01-01T00:00:00Z", true), std::numeric_limits<int64_t>::max());
}

TEST(GoCompat, Rfc3339NanoFormatsAsTimeFormat) {
  EXPECT_EQ(FormatRfc3339Nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(1704164645120000000), "2024-01-02T03:04:05.12Z");
  EXPECT_EQ(FormatRfc3339Nano(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatRfc3339Nano(std::numeric_limits<int64_t>::max()),
            "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(FormatRfc3339Nano(std::numeric_limits<int64_t>::min()),
            "1677-09-21T00:12:43.145224192Z");
}

TEST(GoCompat, DurationsAsTimeParseDurationWithDays) {
  const std::vector<std::pair<std::string, std::optional<int64_t>>> cases = {
      {"300ms", 300000000},
      {"2h45m", 9900000000000},
      {"1.5h", 5400000000000},
      {"-1.5h", -5400000000000},
      {"0", 0},
      {".5s", 500000000},
      {"5.s", 5000000000},
      {"1µs", 1000},
      {"1μs", 1000},
      {"1us", 1000},
      {"+3s", 3000000000},
      {"1d", 86400000000000},
      {"1d2h", 93600000000000},
      {"9223372036854775807ns", std::numeric_limits<int64_t>::max()},
      {"-9223372036854775808ns", std::numeric_limits<int64_t>::min()},
      {"2562047h", 9223369200000000000},
      {"", std::nullopt},
      {"1", std::nullopt},
      {"1h1", std::nullopt},
      {"9223372036854775808ns", std::nullopt},
      {"2562048h", std::nullopt},
      {"1x", std::nullopt},
      {".s", std::nullopt},
      {"-", std::nullopt},
  };
  for (const auto& [text, nanos] : cases) EXPECT_EQ(ParseDuration(text), nanos) << text;
}

TEST(GoCompat, ClockDurations) {
  EXPECT_EQ(ParseHhMmSs("01:02:03").nanos, int64_t{3723000000000});
  EXPECT_EQ(ParseHhMmSs("1:2:3 trailing").nanos, int64_t{3723000000000});
  EXPECT_EQ(ParseHhMmSs("abc").error, "invalid duration");
  EXPECT_EQ(ParseHhMmSs("1:2").error, "invalid duration");
  EXPECT_EQ(ParseHhMmSs("-1:00:00").error, "invalid duration: hours must be a positive number");
  EXPECT_EQ(ParseHhMmSs("1:60:00").error, "invalid duration: minutes must be from 0 to 59");
  EXPECT_EQ(ParseHhMmSs("1:00:-1").error, "invalid duration: seconds must be from 0 to 59");
}

TEST(GoCompat, IntegersAndFloatsAsStrconv) {
  EXPECT_EQ(ParseInt64("42"), 42);
  EXPECT_EQ(ParseInt64("+42"), 42);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ParseInt64("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseInt64("4.2"), std::nullopt);
  EXPECT_EQ(ParseInt64(""), std::nullopt);
  EXPECT_EQ(ParseInt64("-"), std::nullopt);
  EXPECT_EQ(ParseFloat64("1."), 1.0);
  EXPECT_EQ(ParseFloat64(".5"), 0.5);
  EXPECT_EQ(ParseFloat64("-1.5e-3"), -0.0015);
  EXPECT_EQ(ParseFloat64("+2E2"), 200.0);
  EXPECT_EQ(ParseFloat64("1e-400"), 0.0);
  EXPECT_EQ(ParseFloat64("1e400"), std::nullopt);
  EXPECT_EQ(ParseFloat64("0.001e400"), std::nullopt);
  EXPECT_EQ(ParseFloat64("1e"), std::nullopt);
  EXPECT_EQ(ParseFloat64("0x10"), std::nullopt);
  EXPECT_EQ(ParseFloat64("inf"), std::nullopt);
  EXPECT_EQ(ParseFloat64("."), std::nullopt);
  EXPECT_EQ(ParseFloat64(""), std::nullopt);
}

}  // namespace
}  // namespace hdo::visibility::go
