// Goal: log records are one logfmt line with the level, the message and the fields, quoted only
// when needed, or one JSON object per line (`--log-format json`); the level names are the
// reference CLI's. Method: format records and read the text back.
#include "common/log.h"

#include <gtest/gtest.h>

namespace hdo::log {
namespace {

TEST(LogTest, RecordCarriesLevelMessageAndFieldsInOrder) {
  std::string line =
      Format(Level::kInfo, "server started", {{"grpc_address", "127.0.0.1:7233"}, {"shards", 4}});
  EXPECT_NE(line.find(" level=info msg=\"server started\" grpc_address=127.0.0.1:7233 shards=4"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.rfind("ts=", 0), 0u);
}

TEST(LogTest, ValuesWithSpacesQuotesOrNewlinesAreQuotedAndEscaped) {
  std::string line = Format(Level::kWarn, "x", {{"path", "/tmp/a b"}, {"why", "say \"hi\"\n"}});
  EXPECT_NE(line.find("path=\"/tmp/a b\""), std::string::npos) << line;
  EXPECT_NE(line.find("why=\"say \\\"hi\\\"\\n\""), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(LogTest, EmptyValuesAreVisible) {
  std::string line = Format(Level::kError, "x", {{"namespace", ""}});
  EXPECT_NE(line.find("namespace=\"\""), std::string::npos) << line;
}

TEST(LogTest, ParseLevelAcceptsTheReferenceNamesOnly) {
  Level level = Level::kInfo;
  EXPECT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_TRUE(ParseLevel("error", &level));
  EXPECT_EQ(level, Level::kError);
  EXPECT_TRUE(ParseLevel("never", &level));
  EXPECT_EQ(level, Level::kNever);
  EXPECT_FALSE(ParseLevel("verbose", &level));
  EXPECT_EQ(level, Level::kNever);
}

TEST(LogTest, AJsonRecordIsOneObjectWithEveryFieldAsAString) {
  std::string line = Format(Encoding::kJson, Level::kWarn, "say \"hi\"",
                            {{"path", "/tmp/a b"}, {"why", "line\nbreak\ttab\x01"}, {"n", 4}});
  EXPECT_EQ(line.rfind("{\"ts\":\"", 0), 0u) << line;
  EXPECT_NE(line.find("\",\"level\":\"warn\",\"msg\":\"say \\\"hi\\\"\","
                      "\"path\":\"/tmp/a b\",\"why\":\"line\\nbreak\\ttab\\u0001\",\"n\":\"4\"}"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(LogTest, ParseEncodingTakesTheReferenceFormats) {
  Encoding encoding = Encoding::kJson;
  EXPECT_TRUE(ParseEncoding("text", &encoding));
  EXPECT_EQ(encoding, Encoding::kLogfmt);
  EXPECT_TRUE(ParseEncoding("json", &encoding));
  EXPECT_EQ(encoding, Encoding::kJson);
  EXPECT_TRUE(ParseEncoding("pretty", &encoding));
  EXPECT_EQ(encoding, Encoding::kLogfmt);
  EXPECT_FALSE(ParseEncoding("yaml", &encoding));
  EXPECT_EQ(encoding, Encoding::kLogfmt);
}

}  // namespace
}  // namespace hdo::log
