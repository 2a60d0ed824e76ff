// Goal: log records are one logfmt line with the level, the message and the fields, quoted only
// when needed. Method: format records and read the text back.
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

TEST(LogTest, ParseLevelAcceptsTheFourNamesOnly) {
  Level level = Level::kInfo;
  EXPECT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_TRUE(ParseLevel("error", &level));
  EXPECT_EQ(level, Level::kError);
  EXPECT_FALSE(ParseLevel("verbose", &level));
  EXPECT_EQ(level, Level::kError);
}

}  // namespace
}  // namespace hdo::log
