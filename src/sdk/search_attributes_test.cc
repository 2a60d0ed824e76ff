// Typed search attributes without a server: each type's payload (the default converter's, with
// metadata `type` as the other SDKs write it), unsetting, reading payloads of other SDKs, and the
// RFC 3339 times Go writes and reads.
#include "hdo/search_attributes.h"

#include <gtest/gtest.h>

namespace hdo {
namespace {

using namespace std::chrono_literals;

std::string TypeOf(const SearchAttributes& attributes, const std::string& name) {
  const auto& payload = attributes.payloads().at(name);
  auto it = payload.metadata().find("type");
  return it == payload.metadata().end() ? "<none>" : it->second;
}

TEST(SearchAttributes, EachTypeIsItsJsonPayloadWithTheTypeNamed) {
  const auto customer = KeywordSearchAttribute("Customer");
  const auto note = TextSearchAttribute("Note");
  const auto total = IntSearchAttribute("Total");
  const auto ratio = DoubleSearchAttribute("Ratio");
  const auto rush = BoolSearchAttribute("Rush");
  const auto tags = KeywordListSearchAttribute("Tags");
  SearchAttributes attributes;
  attributes.Set(customer, std::string("c-42"))
      .Set(note, std::string("fragile"))
      .Set(total, int64_t{42})
      .Set(ratio, 0.5)
      .Set(rush, true)
      .Set(tags, std::vector<std::string>{"a", "b"});
  EXPECT_EQ(attributes.size(), 6u);
  EXPECT_EQ(TypeOf(attributes, "Customer"), "Keyword");
  EXPECT_EQ(TypeOf(attributes, "Note"), "Text");
  EXPECT_EQ(TypeOf(attributes, "Total"), "Int");
  EXPECT_EQ(TypeOf(attributes, "Ratio"), "Double");
  EXPECT_EQ(TypeOf(attributes, "Rush"), "Bool");
  EXPECT_EQ(TypeOf(attributes, "Tags"), "KeywordList");
  EXPECT_EQ(attributes.payloads().at("Customer").data(), "\"c-42\"");
  EXPECT_EQ(attributes.payloads().at("Tags").data(), "[\"a\",\"b\"]");
  EXPECT_EQ(attributes.Get(customer).Value(), "c-42");
  EXPECT_EQ(attributes.Get(total).Value(), 42);
  EXPECT_EQ(attributes.Get(ratio).Value(), 0.5);
  EXPECT_EQ(attributes.Get(rush).Value(), true);
  EXPECT_EQ(attributes.Get(tags).Value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(attributes.Get(IntSearchAttribute("Absent")).Value(), std::nullopt);
}

TEST(SearchAttributes, UnsetIsANullPayloadAndReadsAsAbsent) {
  const auto rush = BoolSearchAttribute("Rush");
  SearchAttributes attributes;
  attributes.Set(rush, true).Unset(rush);
  ASSERT_TRUE(attributes.Contains("Rush"));
  EXPECT_EQ(PayloadEncoding(attributes.payloads().at("Rush")), "binary/null");
  EXPECT_EQ(TypeOf(attributes, "Rush"), "Bool");
  EXPECT_EQ(attributes.Get(rush).Value(), std::nullopt);
}

TEST(SearchAttributes, PayloadsOfOtherSdksReadBackAndAWrongShapeIsADecodeError) {
  std::map<std::string, Payload> raw;
  raw["Tags"] = ToPayload(std::string("only")).Value();  // one keyword, not a list
  raw["Total"] = ToPayload(std::string("not a number")).Value();
  SearchAttributes attributes(raw);
  EXPECT_EQ(attributes.Get(KeywordListSearchAttribute("Tags")).Value(),
            (std::vector<std::string>{"only"}));
  auto total = attributes.Get(IntSearchAttribute("Total"));
  ASSERT_TRUE(total.IsFailure());
  EXPECT_EQ(total.Error().Code(), ConverterCodes::kDecode);
}

TEST(SearchAttributes, DatetimesAreRfc3339InUtcAsGoWritesThem) {
  using std::chrono::system_clock;
  const SearchAttributeTime whole = system_clock::time_point(1764867600s);  // 2025-12-04T17:00:00Z
  EXPECT_EQ(FormatSearchAttributeTime(whole), "2025-12-04T17:00:00Z");
  EXPECT_EQ(FormatSearchAttributeTime(whole + 500ms), "2025-12-04T17:00:00.5Z");
  EXPECT_EQ(FormatSearchAttributeTime(whole + 123456789ns), "2025-12-04T17:00:00.123456789Z");
  EXPECT_EQ(ParseSearchAttributeTime("2025-12-04T17:00:00.123456789Z"), whole + 123456789ns);
  EXPECT_EQ(ParseSearchAttributeTime("2025-12-04T18:30:00.5+01:30"), whole + 500ms);
  EXPECT_EQ(ParseSearchAttributeTime("2025-12-04T17:00:00Z"), whole);
  EXPECT_EQ(ParseSearchAttributeTime("2025-12-04 17:00:00"), std::nullopt);
  EXPECT_EQ(ParseSearchAttributeTime("2025-12-04T17:00:00.Z"), std::nullopt);
  const auto shipped = DatetimeSearchAttribute("ShippedAt");
  SearchAttributes attributes;
  attributes.Set(shipped, whole + 250ms);
  EXPECT_EQ(TypeOf(attributes, "ShippedAt"), "Datetime");
  EXPECT_EQ(attributes.payloads().at("ShippedAt").data(), "\"2025-12-04T17:00:00.25Z\"");
  EXPECT_EQ(attributes.Get(shipped).Value(), whole + 250ms);
}

}  // namespace
}  // namespace hdo
