// Goal: header lookups ignore case and keep repeated fields, and the URL helpers decode and encode
// as Go's net/url does for the pieces Nexus uses (path segments, the callback query parameter).
#include "common/http_message.h"

#include <gtest/gtest.h>

namespace hdo::http {
namespace {

TEST(HttpMessageTest, HeaderLookupIgnoresCaseAndKeepsRepeatedFieldsInOrder) {
  Request request;
  request.headers = {{"Nexus-Link", "<a>; type=\"x\""},
                     {"content-type", "application/json"},
                     {"NEXUS-LINK", "<b>; type=\"y\""}};
  EXPECT_EQ(request.Header("Content-Type"), "application/json");
  EXPECT_EQ(request.Header("nexus-link"), "<a>; type=\"x\"");
  EXPECT_EQ(request.HeaderValues("Nexus-Link").size(), 2u);
  EXPECT_EQ(request.HeaderValues("Nexus-Link")[1], "<b>; type=\"y\"");
  EXPECT_FALSE(request.Header("Request-Timeout").has_value());
}

TEST(HttpMessageTest, SetHeaderReplacesEveryFieldOfThatNameAndAddHeaderAppends) {
  Response response;
  response.AddHeader("Nexus-Link", "a");
  response.AddHeader("nexus-link", "b");
  response.SetHeader("NEXUS-LINK", "c");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.Header("Nexus-Link"), "c");
}

TEST(HttpMessageTest, CanonicalHeaderNamesCapitalizeEachDashSeparatedWord) {
  EXPECT_EQ(CanonicalHeaderName("content-type"), "Content-Type");
  EXPECT_EQ(CanonicalHeaderName("NEXUS-OPERATION-STATE"), "Nexus-Operation-State");
  EXPECT_EQ(CanonicalHeaderName("x y"), "x y");  // not a token: unchanged, as Go leaves it
}

TEST(HttpMessageTest, PercentDecodingRefusesMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%2Fb%20c"), "a/b c");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", /*plus_is_space=*/true), "a b");
  EXPECT_FALSE(PercentDecode("%2").has_value());
  EXPECT_FALSE(PercentDecode("%zz").has_value());
  EXPECT_FALSE(PercentDecode("abc%").has_value());
}

TEST(HttpMessageTest, PercentEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("a/b c~_.-"), "a%2Fb%20c~_.-");
  EXPECT_EQ(PercentDecode(PercentEncode("ns:é/x")), "ns:é/x");
}

TEST(HttpMessageTest, QueryValueIsTheFirstFormDecodedValueOfItsKey) {
  EXPECT_EQ(QueryValue("callback=http%3A%2F%2Fh%2Fp%3Fa%3Db&x=1", "callback"), "http://h/p?a=b");
  EXPECT_EQ(QueryValue("a=1&a=2", "a"), "1");
  EXPECT_EQ(QueryValue("a=x+y", "a"), "x y");
  EXPECT_EQ(QueryValue("flag&b=2", "flag"), "");
  EXPECT_FALSE(QueryValue("a=1", "b").has_value());
  EXPECT_FALSE(QueryValue("", "a").has_value());
}

}  // namespace
}  // namespace hdo::http
