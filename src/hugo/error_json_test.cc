// Goal: the JSON form of Error has Hugo's shape and round-trips code, message, cause and metadata.
// Method: serialise, compare against literal JSON, parse back.
#include "hugo/error_json.h"

#include <gtest/gtest.h>

namespace hugo {
namespace {

using nlohmann::json;

TEST(ErrorJsonTest, WritesHugosShape) {
  Error error = Error::From("too slow", "app.slow")
                    .WithMetadata("attempt", int64_t{2})
                    .WithMetadata("ratio", 0.5)
                    .WithMetadata("retry", true)
                    .WithMetadata("duration", std::chrono::milliseconds(1500))
                    .WithCause(Error::From("inner"));
  json expected = json::parse(R"({
    "message": "too slow", "code": "app.slow", "cause": {"message": "inner"},
    "metadata": {"attempt": 2, "ratio": 0.5, "retry": true, "duration": "00:00:01.5000000"}})");
  EXPECT_EQ(ErrorToJson(error), expected);
}

TEST(ErrorJsonTest, RoundTripsNestedErrorsAndAggregates) {
  Error aggregate = Error::Aggregate("all failed", {Error::Canceled(), Error::From("x", "app.x")})
                        .WithMetadata("nested", Error::From("n"));
  Result<Error> back = ErrorFromJson(json::parse(ErrorToJson(aggregate).dump()));
  ASSERT_TRUE(back.IsSuccess());
  EXPECT_EQ(back.Value().Code(), "error.aggregate");
  auto errors = back.Value().TryGetMetadata<ErrorList>("errors");
  ASSERT_TRUE(errors.has_value());
  ASSERT_EQ(errors->size(), 2u);
  EXPECT_EQ((*errors)[0].Code(), "error.canceled");
  EXPECT_EQ((*errors)[1].Message(), "x");
  EXPECT_EQ(back.Value().TryGetMetadata<Error>("nested")->Message(), "n");
  EXPECT_EQ(ErrorToJson(back.Value()), ErrorToJson(aggregate));
}

TEST(ErrorJsonTest, ReadsADotNetExceptionCause) {
  auto back = ErrorFromJson(json::parse(
      R"({"message":"m","cause":{"type":"System.IO.IOException","message":"disk","stackTrace":"at"}})"));
  ASSERT_TRUE(back.IsSuccess());
  ASSERT_NE(back.Value().Cause(), nullptr);
  EXPECT_EQ(back.Value().Cause()->Message(), "disk");
  EXPECT_EQ(back.Value().Cause()->TryGetMetadata<std::string>("exceptionType"),
            "System.IO.IOException");
}

TEST(ErrorJsonTest, RejectsAnObjectWithoutMessage) {
  EXPECT_EQ(ErrorFromJson(json::parse(R"({"code":"x"})")).Error().Code(), "error.validation");
  EXPECT_EQ(ErrorFromJson(json(42)).Error().Code(), "error.validation");
}

TEST(ErrorJsonTest, DurationsUseDotNetConstantFormat) {
  using namespace std::chrono;
  EXPECT_EQ(FormatDotNetDuration(seconds(1)), "00:00:01");
  EXPECT_EQ(FormatDotNetDuration(hours(26) + minutes(3) + milliseconds(250)), "1.02:03:00.2500000");
  EXPECT_EQ(FormatDotNetDuration(-milliseconds(1)), "-00:00:00.0010000");
  EXPECT_EQ(ParseDotNetDuration("1.02:03:00.25"), hours(26) + minutes(3) + milliseconds(250));
  EXPECT_EQ(ParseDotNetDuration("-00:00:00.0010000"), -milliseconds(1));
  EXPECT_FALSE(ParseDotNetDuration("soon").has_value());
}

}  // namespace
}  // namespace hugo
