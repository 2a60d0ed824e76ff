#include "visibility/query_memory.h"

#include <gtest/gtest.h>

#include "common/error_codes.h"

namespace hdo::visibility {
namespace {

namespace enums = temporal::api::enums::v1;

SearchAttributeSet Set() {
  return SearchAttributeSet({{"Team", enums::INDEXED_VALUE_TYPE_KEYWORD},
                             {"Notes", enums::INDEXED_VALUE_TYPE_TEXT},
                             {"Priority", enums::INDEXED_VALUE_TYPE_INT},
                             {"Tags", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
                             {"Due", enums::INDEXED_VALUE_TYPE_DATETIME}});
}

bool Matches(std::string_view query, const nlohmann::json& attributes, std::string_view id = "s1") {
  auto filter = MemoryFilter::Compile(query, Set());
  EXPECT_TRUE(filter.IsSuccess()) << query << ": " << filter.Error().Message();
  if (filter.IsFailure()) return false;
  return filter.Value().Matches({&attributes, id});
}

TEST(MemoryFilterTest, ComparesEachTypeAsTheListFilterDoes) {
  nlohmann::json row = {{"Team", "payments"},
                        {"Notes", "nightly Billing run"},
                        {"Priority", 3},
                        {"Tags", {"a", "b"}},
                        {"Due", int64_t{1'704'067'200'000'000'000}},  // 2024-01-01T00:00:00Z
                        {"TemporalSchedulePaused", true}};
  EXPECT_TRUE(Matches("Team = 'payments'", row));
  EXPECT_FALSE(Matches("Team = 'search'", row));
  EXPECT_TRUE(Matches("`Team` STARTS_WITH 'pay' AND Priority >= 3", row));
  EXPECT_TRUE(Matches("Notes = 'billing'", row));  // a word, any case
  EXPECT_TRUE(Matches("Tags = 'b' AND Tags NOT IN ('c')", row));
  EXPECT_TRUE(Matches("Priority BETWEEN 1 AND 5 OR Team = 'x'", row));
  EXPECT_TRUE(Matches("Due < '2024-01-02T00:00:00Z'", row));
  EXPECT_TRUE(Matches("TemporalSchedulePaused = true", row));
  EXPECT_TRUE(Matches("NOT (Priority > 3)", row));
  EXPECT_TRUE(Matches("ScheduleId = 's1'", row));
  EXPECT_FALSE(Matches("ScheduleId IN ('s2', 's3')", row));
}

TEST(MemoryFilterTest, AMissingAttributeMatchesOnlyIsNullAndTheNegatedListAndTextForms) {
  nlohmann::json row = nlohmann::json::object();
  EXPECT_FALSE(Matches("Team != 'x'", row));
  EXPECT_TRUE(Matches("Team IS NULL", row));
  EXPECT_TRUE(Matches("Tags != 'x'", row));
  EXPECT_TRUE(Matches("Notes != 'x'", row));
  EXPECT_TRUE(Matches("", row));
}

TEST(MemoryFilterTest, RefusesAttributesTheSchedulesListCannotFilterOn) {
  auto system = MemoryFilter::Compile("WorkflowId = 'x'", Set());
  ASSERT_TRUE(system.IsFailure());
  EXPECT_EQ(system.Error().Code(), errors::kInvalidArgument);
  EXPECT_EQ(system.Error().Message(),
            "invalid query filter for schedules: cannot filter on \"WorkflowId\"");
  auto unknown = MemoryFilter::Compile("Nope = 'x'", Set());
  ASSERT_TRUE(unknown.IsFailure());
  EXPECT_EQ(unknown.Error().Message(), "invalid query: invalid search attribute: Nope");
  auto syntax = MemoryFilter::Compile("Team = ", Set());
  ASSERT_TRUE(syntax.IsFailure());
  EXPECT_EQ(syntax.Error().Code(), errors::kInvalidArgument);
}

}  // namespace
}  // namespace hdo::visibility
