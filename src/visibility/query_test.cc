#include "visibility/query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace hdo::visibility {
namespace {

namespace enums = temporal::api::enums::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kDivision[] = "namespace_division IS NULL";

std::string Json(std::string_view name) {
  return "json_extract(search_attributes, '$.\"" + std::string(name) + "\"')";
}

// The condition a user condition becomes with the implicit division filter.
std::string Where(const std::string& user) { return "(" + user + ") AND " + kDivision; }

const SearchAttributeSet& Set() {
  static const auto* set = new SearchAttributeSet({
      {"CustomKeyword", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"CustomText", enums::INDEXED_VALUE_TYPE_TEXT},
      {"CustomInt", enums::INDEXED_VALUE_TYPE_INT},
      {"CustomDouble", enums::INDEXED_VALUE_TYPE_DOUBLE},
      {"CustomBool", enums::INDEXED_VALUE_TYPE_BOOL},
      {"CustomDatetime", enums::INDEXED_VALUE_TYPE_DATETIME},
      {"CustomKeywordList", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"Custom Kw", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"O'Brien", enums::INDEXED_VALUE_TYPE_KEYWORD},
  });
  return *set;
}

SqlFilter Translate(std::string_view query, QueryUse use = QueryUse::kList,
                    const SearchAttributeSet& set = Set()) {
  auto filter = TranslateQuery(query, set, Dialect::kSqlite, use);
  EXPECT_TRUE(filter.IsSuccess()) << query << ": " << filter.Error().Message();
  return filter.IsSuccess() ? filter.Value() : SqlFilter{};
}

std::string ErrorOf(std::string_view query, QueryUse use = QueryUse::kList) {
  auto filter = TranslateQuery(query, Set(), Dialect::kSqlite, use);
  EXPECT_TRUE(filter.IsFailure()) << query << " was accepted: " << filter.Value().where;
  if (filter.IsSuccess()) return {};
  EXPECT_EQ(filter.Error().Code(), kErrorInvalidQuery) << query;
  EXPECT_TRUE(filter.Error().TryGetMetadata<int64_t>("column").has_value()) << query;
  return filter.Error().Message();
}

std::vector<SqlValue> Params(std::initializer_list<SqlValue> values) { return values; }

TEST(TranslateQuery, AnEmptyQueryKeepsOnlyTheDefaultNamespaceDivision) {
  for (const char* query : {"", "   ", "\t\n", "-- nothing"}) {
    SqlFilter filter = Translate(query);
    EXPECT_EQ(filter.where, kDivision) << query;
    EXPECT_THAT(filter.params, IsEmpty());
    EXPECT_EQ(filter.group_by_column, "");
  }
}

TEST(TranslateQuery, AKeywordSystemAttributeComparesItsColumnWithEveryOperator) {
  const std::pair<const char*, const char*> cases[] = {
      {"=", "="}, {"!=", "!="}, {"<>", "!="}, {"<", "<"}, {"<=", "<="}, {">", ">"}, {">=", ">="}};
  for (const auto& [written, sql] : cases) {
    SqlFilter filter = Translate(std::string("WorkflowId ") + written + " 'w1'");
    EXPECT_EQ(filter.where, Where(std::string("workflow_id ") + sql + " ?")) << written;
    EXPECT_EQ(filter.params, Params({std::string("w1")}));
  }
}

TEST(TranslateQuery, EverySystemAttributeHasItsColumn) {
  const std::pair<const char*, const char*> cases[] = {
      {"WorkflowId", "workflow_id"},
      {"RunId", "run_id"},
      {"WorkflowType", "workflow_type_name"},
      {"TaskQueue", "task_queue"},
      {"ParentWorkflowId", "parent_workflow_id"},
      {"ParentRunId", "parent_run_id"},
      {"RootWorkflowId", "root_workflow_id"},
      {"RootRunId", "root_run_id"},
      {"ExecutionStatus", "status"},
      {"StartTime", "start_time"},
      {"ExecutionTime", "execution_time"},
      {"HistoryLength", "history_length"},
      {"HistorySizeBytes", "history_size_bytes"},
      {"ExecutionDuration", "execution_duration"},
      {"StateTransitionCount", "state_transition_count"},
  };
  for (const auto& [name, column] : cases) {
    EXPECT_EQ(Translate(std::string(name) + " IS NOT NULL").where,
              Where(std::string(column) + " IS NOT NULL"));
  }
}

TEST(TranslateQuery, InAndNotInBindEveryValue) {
  SqlFilter filter = Translate("WorkflowId IN ('a', 'b', \"c\")");
  EXPECT_EQ(filter.where, Where("workflow_id IN (?, ?, ?)"));
  EXPECT_EQ(filter.params, Params({std::string("a"), std::string("b"), std::string("c")}));
  filter = Translate("TaskQueue not in ('q')");
  EXPECT_EQ(filter.where, Where("task_queue NOT IN (?)"));
  EXPECT_EQ(filter.params, Params({std::string("q")}));
}

TEST(TranslateQuery, BetweenAndNotBetween) {
  SqlFilter filter = Translate("WorkflowId BETWEEN 'a' AND 'm'");
  EXPECT_EQ(filter.where, Where("workflow_id BETWEEN ? AND ?"));
  EXPECT_EQ(filter.params, Params({std::string("a"), std::string("m")}));
  filter = Translate("HistoryLength NOT BETWEEN 10 AND 20");
  EXPECT_EQ(filter.where, Where("history_length NOT BETWEEN ? AND ?"));
  EXPECT_EQ(filter.params, Params({int64_t{10}, int64_t{20}}));
  filter = Translate("CustomDouble between -1.5 and 2e3");
  EXPECT_EQ(filter.where, Where(Json("CustomDouble") + " BETWEEN ? AND ?"));
  EXPECT_EQ(filter.params, Params({-1.5, 2000.0}));
}

TEST(TranslateQuery, StartsWithIsACaseSensitiveGlobOnAnEscapedPrefix) {
  SqlFilter filter = Translate("WorkflowId STARTS_WITH 'a*b?[c]%_'");
  EXPECT_EQ(filter.where, Where("workflow_id GLOB ?"));
  EXPECT_EQ(filter.params, Params({std::string("a[*]b[?][[]c]%_*")}));
  filter = Translate("CustomKeyword NOT STARTS_WITH 'x'");
  EXPECT_EQ(filter.where, Where(Json("CustomKeyword") + " NOT GLOB ?"));
  EXPECT_EQ(filter.params, Params({std::string("x*")}));
}

TEST(TranslateQuery, IsNullAndIsNotNull) {
  EXPECT_EQ(Translate("ParentWorkflowId IS NULL").where, Where("parent_workflow_id IS NULL"));
  EXPECT_EQ(Translate("CustomInt is not null").where, Where(Json("CustomInt") + " IS NOT NULL"));
  // IS NULL sees an open run's missing close time, unlike the comparisons.
  EXPECT_EQ(Translate("CloseTime IS NULL").where, Where("close_time IS NULL"));
}

TEST(TranslateQuery, CloseTimeComparesAnOpenRunAsClosedAtTheEndOfTime) {
  SqlFilter filter = Translate("CloseTime > 0");
  EXPECT_EQ(filter.where, Where("COALESCE(close_time, 9223372036854775807) > ?"));
  filter = Translate("CloseTime BETWEEN 1 AND 2");
  EXPECT_EQ(filter.where, Where("COALESCE(close_time, 9223372036854775807) BETWEEN ? AND ?"));
}

TEST(TranslateQuery, PredefinedAndCustomAttributesReadTheJsonColumn) {
  SqlFilter filter = Translate("CustomKeyword = 'x' AND BatcherUser = 'u'");
  EXPECT_EQ(filter.where,
            Where(Json("CustomKeyword") + " = ? AND " + Json("BatcherUser") + " = ?"));
  EXPECT_EQ(filter.params, Params({std::string("x"), std::string("u")}));
}

TEST(TranslateQuery, KeywordListOperatorsMeanMembership) {
  const std::string each =
      "EXISTS (SELECT 1 FROM json_each(search_attributes, '$.\"CustomKeywordList\"') WHERE ";
  SqlFilter filter = Translate("CustomKeywordList = 'a'");
  EXPECT_EQ(filter.where, Where(each + "value = ?)"));
  EXPECT_EQ(filter.params, Params({std::string("a")}));
  EXPECT_EQ(Translate("CustomKeywordList != 'a'").where, Where("NOT " + each + "value = ?)"));
  filter = Translate("CustomKeywordList IN ('a', 'b')");
  EXPECT_EQ(filter.where, Where(each + "value IN (?, ?))"));
  EXPECT_EQ(Translate("CustomKeywordList NOT IN ('a', 'b')").where,
            Where("NOT " + each + "value IN (?, ?))"));
}

TEST(TranslateQuery, TextOperatorsCallTheStoresWordMatch) {
  SqlFilter filter = Translate("CustomText = 'hello world'");
  EXPECT_EQ(filter.where, Where("hdo_text_match(" + Json("CustomText") + ", ?)"));
  EXPECT_EQ(filter.params, Params({std::string("hello world")}));
  EXPECT_EQ(Translate("CustomText != 'bye'").where,
            Where("NOT hdo_text_match(" + Json("CustomText") + ", ?)"));
}

TEST(TranslateQuery, NumbersAndBooleansBindTypedValues) {
  EXPECT_EQ(Translate("CustomInt = -3").params, Params({int64_t{-3}}));
  EXPECT_EQ(Translate("CustomInt = +3").params, Params({int64_t{3}}));
  EXPECT_EQ(Translate("CustomInt = '42'").params, Params({int64_t{42}}));
  EXPECT_EQ(Translate("CustomInt = 2.5").params, Params({2.5}));
  EXPECT_EQ(Translate("CustomInt = 99999999999999999999").params, Params({1e20}));
  EXPECT_EQ(Translate("CustomDouble = .5").params, Params({0.5}));
  EXPECT_EQ(Translate("CustomDouble = -1.5e-3").params, Params({-0.0015}));
  EXPECT_EQ(Translate("CustomDouble = 7").params, Params({int64_t{7}}));
  EXPECT_EQ(Translate("CustomDouble = '7.25'").params, Params({7.25}));
  EXPECT_EQ(Translate("CustomBool = true").params, Params({int64_t{1}}));
  EXPECT_EQ(Translate("CustomBool = FALSE").params, Params({int64_t{0}}));
  EXPECT_EQ(Translate("CustomBool = 1").params, Params({int64_t{1}}));
  EXPECT_EQ(Translate("CustomBool != 'True'").params, Params({int64_t{1}}));
  EXPECT_EQ(Translate("CustomBool IN (true, false)").params, Params({int64_t{1}, int64_t{0}}));
  // A number compared with a Keyword stands for its text, as in the reference's SQL.
  EXPECT_EQ(Translate("WorkflowId = 5").params, Params({std::string("5")}));
  EXPECT_EQ(Translate("WorkflowId = 1.50").params, Params({std::string("1.5")}));
}

TEST(TranslateQuery, DatetimeTakesRfc3339OrNanosecondsInUtc) {
  EXPECT_EQ(Translate("StartTime > '2024-01-02T03:04:05.123456789+05:30'").params,
            Params({int64_t{1704144845123456789}}));
  EXPECT_EQ(Translate("StartTime > '2024-01-01T21:34:05.123456789Z'").params,
            Params({int64_t{1704144845123456789}}));
  EXPECT_EQ(Translate("CustomDatetime <= '1970-01-01T00:00:01Z'").params,
            Params({int64_t{1000000000}}));
  EXPECT_EQ(Translate("ExecutionTime = 1704144845123456789").params,
            Params({int64_t{1704144845123456789}}));
  EXPECT_EQ(Translate("StartTime < '1969-12-31T23:59:59.5Z'").params,
            Params({int64_t{-500000000}}));
  // Beyond int64 nanoseconds: the nearest int64, which no stored time reaches.
  EXPECT_EQ(Translate("StartTime < '9999-12-31T00:00:00Z'").params,
            Params({int64_t{9223372036854775807}}));
  EXPECT_EQ(Translate("CustomDatetime BETWEEN '2024-01-01T00:00:00Z' AND 1").params,
            Params({int64_t{1704067200000000000}, int64_t{1}}));
}

TEST(TranslateQuery, ExecutionStatusTakesNamesAndNumbers) {
  const std::pair<const char*, int64_t> cases[] = {
      {"'Running'", 1},
      {"'Completed'", 2},
      {"'Failed'", 3},
      {"'Canceled'", 4},
      {"'Terminated'", 5},
      {"'ContinuedAsNew'", 6},
      {"'TimedOut'", 7},
      {"3", 3},
      {"'WORKFLOW_EXECUTION_STATUS_TIMED_OUT'", 7},
      {"'Unspecified'", 0},
  };
  for (const auto& [value, number] : cases) {
    SqlFilter filter = Translate(std::string("ExecutionStatus = ") + value);
    EXPECT_EQ(filter.where, Where("status = ?")) << value;
    EXPECT_EQ(filter.params, Params({number})) << value;
  }
  EXPECT_EQ(Translate("ExecutionStatus IN ('Running', 2)").params,
            Params({int64_t{1}, int64_t{2}}));
  EXPECT_EQ(Translate("ExecutionStatus BETWEEN 'Running' AND 'Failed'").params,
            Params({int64_t{1}, int64_t{3}}));
}

TEST(TranslateQuery, ExecutionDurationTakesNanosGoDurationsAndClockTimes) {
  const std::pair<const char*, SqlValue> cases[] = {
      {"1000", int64_t{1000}},
      {"'1000'", int64_t{1000}},
      {"'300ms'", int64_t{300'000'000}},
      {"'2h45m'", int64_t{9'900'000'000'000}},
      {"'1.5h'", int64_t{5'400'000'000'000}},
      {"'-1.5h'", int64_t{-5'400'000'000'000}},
      {"'1d'", int64_t{86'400'000'000'000}},
      {"'1d2h'", int64_t{93'600'000'000'000}},
      {"'1µs'", int64_t{1000}},
      {"'01:02:03'", int64_t{3'723'000'000'000}},
      {"'100:00:00'", int64_t{360'000'000'000'000}},
      {"1.5", 1.5},
  };
  for (const auto& [value, nanos] : cases) {
    SqlFilter filter = Translate(std::string("ExecutionDuration > ") + value);
    EXPECT_EQ(filter.where, Where("execution_duration > ?")) << value;
    EXPECT_EQ(filter.params, std::vector<SqlValue>{nanos}) << value;
  }
}

TEST(TranslateQuery, ScheduleIdMeansTheScheduleWorkflowsId) {
  for (const char* name : {"ScheduleId", "TemporalScheduleId"}) {
    SqlFilter filter = Translate(std::string(name) + " IN ('nightly', 7)");
    EXPECT_EQ(filter.where, Where("workflow_id IN (?, ?)"));
    EXPECT_EQ(filter.params, Params({std::string("temporal-sys-scheduler:nightly"),
                                     std::string("temporal-sys-scheduler:7")}));
  }
  SqlFilter filter = Translate("ScheduleId STARTS_WITH 'night'");
  EXPECT_EQ(filter.params, Params({std::string("temporal-sys-scheduler:night*")}));
  // A namespace that defines its own ScheduleId queries that attribute.
  SearchAttributeSet own({{"ScheduleId", enums::INDEXED_VALUE_TYPE_KEYWORD}});
  filter = Translate("ScheduleId = 'nightly'", QueryUse::kList, own);
  EXPECT_EQ(filter.where, Where(Json("ScheduleId") + " = ?"));
  EXPECT_EQ(filter.params, Params({std::string("nightly")}));
}

TEST(TranslateQuery, ThePrefixTemporalMayBeLeftOutOrAdded) {
  EXPECT_EQ(Translate("ScheduledById = 'x'").where, Where(Json("TemporalScheduledById") + " = ?"));
  EXPECT_EQ(Translate("TemporalWorkflowId = 'x'").where, Where("workflow_id = ?"));
  EXPECT_EQ(Translate("TemporalCustomInt = 1").where, Where(Json("CustomInt") + " = ?"));
}

TEST(TranslateQuery, NamingTheNamespaceDivisionDropsTheImplicitFilter) {
  SqlFilter filter = Translate("TemporalNamespaceDivision = 'TemporalScheduler'");
  // The division is a column (generated from the JSON) that the list indexes lead with.
  EXPECT_EQ(filter.where, "namespace_division = ?");
  filter = Translate(
      "WorkflowId = 'a' AND (TemporalNamespaceDivision IS NULL OR "
      "TemporalNamespaceDivision IS NOT NULL)");
  EXPECT_EQ(filter.where,
            "workflow_id = ? AND (namespace_division IS NULL OR namespace_division IS NOT NULL)");
  EXPECT_EQ(Translate("NamespaceDivision IS NOT NULL").where, "namespace_division IS NOT NULL");
}

TEST(TranslateQuery, AndBindsTighterThanOrAndNotNegatesAComparison) {
  EXPECT_EQ(Translate("WorkflowId = 'a' OR RunId = 'b' AND TaskQueue = 'c'").where,
            Where("workflow_id = ? OR (run_id = ? AND task_queue = ?)"));
  EXPECT_EQ(Translate("(WorkflowId = 'a' OR RunId = 'b') AND TaskQueue = 'c'").where,
            Where("(workflow_id = ? OR run_id = ?) AND task_queue = ?"));
  EXPECT_EQ(Translate("NOT WorkflowId = 'a'").where, Where("NOT (workflow_id = ?)"));
  EXPECT_EQ(Translate("NOT NOT WorkflowId = 'a'").where, Where("NOT (NOT (workflow_id = ?))"));
  EXPECT_EQ(Translate("WorkflowId = 'a' && RunId = 'b' || TaskQueue = 'c'").where,
            Where("(workflow_id = ? AND run_id = ?) OR task_queue = ?"));
  EXPECT_EQ(Translate("((WorkflowId = 'a'))").where, Where("((workflow_id = ?))"));
  EXPECT_EQ(Translate("WorkflowId = 'a';").where, Where("workflow_id = ?"));
}

TEST(TranslateQuery, KeywordsAreCaseInsensitiveButNamesAreNot) {
  SqlFilter filter = Translate(
      "WorkflowId = 'a' and RunId In ('b') oR TaskQueue starts_with 'c' AnD "
      "CustomInt not Between 1 and 2 and CustomText iS nOt NuLl");
  EXPECT_EQ(filter.where, Where("(workflow_id = ? AND run_id IN (?)) OR (task_queue GLOB ? AND " +
                                Json("CustomInt") + " NOT BETWEEN ? AND ? AND " +
                                Json("CustomText") + " IS NOT NULL)"));
  EXPECT_THAT(ErrorOf("workflowId = 'a'"), HasSubstr("column name 'workflowId' is not a valid"));
}

TEST(TranslateQuery, StringsUnescapeBackslashesAndDoubledQuotes) {
  const std::pair<const char*, const char*> cases[] = {
      {R"('it''s')", "it's"},
      {R"("say ""hi""")", "say \"hi\""},
      {R"('a\'b')", "a'b"},
      {R"("a\"b")", "a\"b"},
      {R"('tab\there')", "tab\there"},
      {R"('nl\nx\r')", "nl\nx\r"},
      {R"('back\\slash')", "back\\slash"},
      {R"('\%\_\q')", "%_q"},
      {R"('\Z\b')", "\x1a\b"},
      {R"("'single' inside")", "'single' inside"},
      {R"('é ☃ 𝄞')", "é ☃ 𝄞"},
  };
  for (const auto& [literal, value] : cases) {
    SqlFilter filter = Translate(std::string("WorkflowId = ") + literal);
    EXPECT_EQ(filter.params, Params({std::string(value)})) << literal;
  }
  EXPECT_EQ(Translate(std::string("WorkflowId = 'nul\\0x'")).params,
            Params({std::string("nul\0x", 5)}));
}

TEST(TranslateQuery, BackquotedNamesMayHoldAnyCharacter) {
  EXPECT_EQ(Translate("`WorkflowId` = 'a'").where, Where("workflow_id = ?"));
  EXPECT_EQ(Translate("`Custom Kw` = 'a'").where, Where(Json("Custom Kw") + " = ?"));
  // A quote in a name is doubled inside the SQL string of the JSON path.
  EXPECT_EQ(Translate("`O'Brien` = 'a'").where,
            Where("json_extract(search_attributes, '$.\"O''Brien\"') = ?"));
  EXPECT_THAT(ErrorOf("`In` = 'a'"), HasSubstr("column name 'In' is not a valid"));
}

TEST(TranslateQuery, CommentsAreIgnored) {
  EXPECT_EQ(Translate("WorkflowId = 'a' -- and more").where, Where("workflow_id = ?"));
  EXPECT_EQ(Translate("WorkflowId = 'a' # and more").where, Where("workflow_id = ?"));
  EXPECT_EQ(Translate("WorkflowId /* the id */ = 'a'").where, Where("workflow_id = ?"));
  EXPECT_EQ(Translate("WorkflowId = '-- not a comment'").params,
            Params({std::string("-- not a comment")}));
}

TEST(TranslateQuery, CountsGroupByExecutionStatusOnly) {
  SqlFilter filter = Translate("GROUP BY ExecutionStatus", QueryUse::kCount);
  EXPECT_EQ(filter.where, kDivision);
  EXPECT_EQ(filter.group_by_column, "status");
  EXPECT_EQ(filter.group_by_attribute, "ExecutionStatus");
  filter = Translate("WorkflowType = 't' group by `ExecutionStatus`", QueryUse::kCount);
  EXPECT_EQ(filter.where, Where("workflow_type_name = ?"));
  EXPECT_EQ(filter.group_by_column, "status");
  EXPECT_EQ(Translate("WorkflowId = 'a'", QueryUse::kCount).group_by_column, "");
  EXPECT_EQ(ErrorOf("GROUP BY ExecutionStatus"),
            "invalid query: operation is not supported: 'group by' clause at column 10");
  EXPECT_EQ(ErrorOf("GROUP BY WorkflowId", QueryUse::kCount),
            "invalid query: operation is not supported: 'group by' clause is only supported for "
            "ExecutionStatus search attribute at column 10");
  EXPECT_EQ(ErrorOf("GROUP BY TemporalNamespaceDivision", QueryUse::kCount),
            "invalid query: operation is not supported: 'group by' clause is only supported for "
            "ExecutionStatus search attribute at column 10");
  EXPECT_EQ(ErrorOf("GROUP BY ExecutionStatus, WorkflowId", QueryUse::kCount),
            "invalid query: operation is not supported: 'group by' clause supports only a single "
            "field at column 10");
  EXPECT_EQ(ErrorOf("GROUP BY Nope", QueryUse::kCount),
            "invalid query: invalid expression: column name 'Nope' is not a valid search "
            "attribute at column 10");
}

TEST(TranslateQuery, OrderByAndLimitAreRefusedAsTheReferenceSqlStoreDoes) {
  EXPECT_EQ(ErrorOf("WorkflowId = 'a' ORDER BY StartTime DESC"),
            "invalid query: operation is not supported: 'order by' clause at column 18");
  EXPECT_EQ(ErrorOf("order by StartTime"),
            "invalid query: operation is not supported: 'order by' clause at column 1");
  EXPECT_EQ(ErrorOf("GROUP BY ExecutionStatus ORDER BY StartTime", QueryUse::kCount),
            "invalid query: operation is not supported: 'order by' clause at column 26");
  EXPECT_EQ(ErrorOf("WorkflowId = 'a' LIMIT 5"),
            "invalid query: operation is not supported: 'limit' clause at column 18");
  EXPECT_EQ(ErrorOf("WorkflowId = 'a' LIMIT 5, 10", QueryUse::kCount),
            "invalid query: operation is not supported: 'limit' clause at column 18");
}

TEST(TranslateQuery, SyntaxErrorsNameTheColumn) {
  const std::pair<const char*, const char*> cases[] = {
      {"WorkflowId = ", "at column 14: expected a value after '=', found the end of the query"},
      {"WorkflowId = 'a' AND", "at column 21: expected a condition, found the end of the query"},
      {"(WorkflowId = 'a'", "at column 18: missing ')'"},
      {"WorkflowId == 'a'", "at column 13: expected a value after '=', found '='"},
      {"WorkflowId IS 'a'", "at column 15: expected NULL or NOT NULL after IS"},
      {"WorkflowId = 'a", "at column 14: unterminated string"},
      {"WorkflowId = \"a\\\"", "at column 14: unterminated string"},
      {"WorkflowId IN ()", "at column 16: expected a value in the IN list, found ')'"},
      {"WorkflowId IN 'a'", "at column 15: expected '(' after IN"},
      {"WorkflowId IN ('a',)", "at column 20: expected a value in the IN list, found ')'"},
      {"WorkflowId IN ('a' 'b')", "at column 20: expected ',' or ')' in the IN list"},
      {"WorkflowId = 'a' 'b'", "at column 18: unexpected 'b'"},
      {"WorkflowId = 5abc", "at column 14: unexpected '5abc'"},
      {"`` = 'a'", "at column 1: empty quoted name"},
      {"`WorkflowId = 'a'", "at column 1: unterminated quoted name"},
      {"WorkflowId = 'a' /* x", "at column 18: unterminated comment"},
      {"WorkflowId ~ 'a'", "at column 12: unexpected '~'"},
      {"WorkflowId = ?", "at column 14: unexpected '?'"},
      {"WorkflowId BETWEEN 'a' 'b'", "at column 24: expected AND in BETWEEN"},
      {"WorkflowId = -'a'", "at column 15: expected a number after '-'"},
      {"WorkflowId = --5", "at column 17: expected a value after '=', found the end of the query"},
      {"WorkflowId NOT = 'a'", "at column 12: unexpected 'NOT'"},
      {"WorkflowId = 'a' GROUP ExecutionStatus", "at column 24: expected BY after GROUP"},
      {"WorkflowId = 'a' LIMIT x", "at column 24: expected a number after LIMIT"},
      {"select * from t", "at column 8: unexpected '*'"},
      {"where WorkflowId = 'a'", "at column 7: unexpected 'WorkflowId'"},
      {"WorkflowId = 'a' AND AND", "at column 22: expected a condition, found 'AND'"},
      {"WorkflowId = 'é' AND ~", "at column 22: unexpected '~'"},
      {"WorkflowId = 'a' \x01", "at column 18: unexpected control character"},
      {"WorkflowId = 'a' é", "at column 18: unexpected non-ASCII character (quote names with `)"},
  };
  for (const auto& [query, detail] : cases) {
    EXPECT_EQ(ErrorOf(query),
              std::string("invalid query: malformed SQL query: syntax error ") + detail)
        << query;
  }
}

TEST(TranslateQuery, SemanticErrorsUseTheReferenceWordsAndNameTheColumn) {
  const std::pair<const char*, const char*> cases[] = {
      {"Foo = 'a'",
       "invalid expression: column name 'Foo' is not a valid search attribute at "
       "column 1"},
      {"WorkflowId = 'a' AND Foo = 'b'",
       "invalid expression: column name 'Foo' is not a valid search attribute at column 22"},
      {"WorkflowId = 'é' AND Foo = 'b'",
       "invalid expression: column name 'Foo' is not a valid search attribute at column 22"},
      {"t.WorkflowId = 'a'",
       "invalid expression: column name 't.WorkflowId' is not a valid search attribute at column "
       "1"},
      {"WorkflowId LIKE 'a%'",
       "invalid expression: invalid operator 'like' in `WorkflowId like 'a%'` at column 1"},
      {"WorkflowId NOT REGEXP 'a'",
       "invalid expression: invalid operator 'not regexp' in `WorkflowId not regexp 'a'` at "
       "column 1"},
      {"WorkflowId <=> 'a'",
       "invalid expression: invalid operator '<=>' in `WorkflowId <=> 'a'` at column 1"},
      {"'a' = WorkflowId",
       "invalid expression: must be a column name but was *sqlparser.SQLVal "
       "at column 1"},
      {"lower(WorkflowId) = 'a'",
       "invalid expression: must be a column name but was *sqlparser.FuncExpr at column 1"},
      {"(WorkflowId) = 'a'",
       "invalid expression: must be a column name but was *sqlparser.ParenExpr at column 1"},
      {"true = WorkflowId",
       "invalid expression: must be a column name but was sqlparser.BoolVal at column 1"},
      {"WorkflowId", "invalid expression: incomplete expression at column 1"},
      {"WorkflowId = 'a' OR (RunId)", "invalid expression: incomplete expression at column 22"},
      {"lower(WorkflowId)", "operation is not supported: function expression at column 1"},
      {"1", "operation is not supported: expression of type *sqlparser.SQLVal at column 1"},
      {"null", "operation is not supported: expression of type *sqlparser.NullVal at column 1"},
      {"('a', 'b')",
       "operation is not supported: expression of type sqlparser.ValTuple at column 1"},
      {"WorkflowId = abc",
       "operation is not supported: column name on the right side of comparison expression (did "
       "you forget to quote 'abc'?) at column 14"},
      {"WorkflowId = lower('a')", "operation is not supported: nested func at column 14"},
      {"WorkflowId = null",
       "invalid expression: unexpected value type *sqlparser.NullVal at column 14"},
      {"WorkflowId = ('a')",
       "invalid expression: unexpected value type *sqlparser.ParenExpr at column 14"},
      {"WorkflowId = ('a', 'b')",
       "invalid expression: unexpected value type sqlparser.ValTuple at column 14"},
      {"WorkflowId IN (('a'))",
       "invalid expression: unexpected value type *sqlparser.ParenExpr at column 16"},
      {"WorkflowId = true",
       "invalid expression: unexpected value type bool for search attribute WorkflowId at column "
       "14"},
      {"WorkflowId IS TRUE",
       "invalid expression: 'IS' operator can only be used with 'NULL' or 'NOT NULL' at column 1"},
      {"WorkflowId IS NOT FALSE",
       "invalid expression: 'IS' operator can only be used with 'NULL' or 'NOT NULL' at column 1"},
      {"CustomText > 'a'",
       "invalid expression: operator '>' not supported for Text type search attribute in "
       "`CustomText > 'a'` at column 1"},
      {"CustomText IN ('a')",
       "invalid expression: operator 'in' not supported for Text type search attribute in "
       "`CustomText in ('a')` at column 1"},
      {"CustomKeywordList STARTS_WITH 'a'",
       "invalid expression: operator 'starts_with' not supported for KeywordList type search "
       "attribute in `CustomKeywordList starts_with 'a'` at column 1"},
      {"CustomKeywordList <= 'a'",
       "invalid expression: operator '<=' not supported for KeywordList type search attribute in "
       "`CustomKeywordList <= 'a'` at column 1"},
      {"CustomInt STARTS_WITH 'a'",
       "invalid expression: operator 'starts_with' not supported for Int type search attribute "
       "in `CustomInt starts_with 'a'` at column 1"},
      {"CustomInt STARTS_WITH 1",
       "invalid expression: right-hand side of 'starts_with' must be a literal string (got: 1) at "
       "column 23"},
      {"CustomBool NOT STARTS_WITH 'a'",
       "invalid expression: operator 'not starts_with' not supported for Bool type search "
       "attribute in `CustomBool not starts_with 'a'` at column 1"},
      {"CustomBool BETWEEN 1 AND 2",
       "invalid expression: cannot do range condition on search attribute 'CustomBool' of type "
       "Bool at column 1"},
      {"CustomText BETWEEN 'a' AND 'b'",
       "invalid expression: cannot do range condition on search attribute 'CustomText' of type "
       "Text at column 1"},
      {"CustomKeywordList NOT BETWEEN 'a' AND 'b'",
       "invalid expression: cannot do range condition on search attribute 'CustomKeywordList' of "
       "type KeywordList at column 1"},
      {"CustomText = '   '",
       "invalid expression: unexpected value for Text type search attribute (no tokens found in "
       "'   ') at column 14"},
      {"CustomText = '-- !'",
       "invalid expression: unexpected value for Text type search attribute (no tokens found in "
       "'-- !') at column 14"},
      {"CustomText = 1",
       "invalid expression: unexpected value type (expected string, got 1) at column 14"},
      {"CustomKeywordList != true",
       "invalid expression: unexpected value type (expected string, got true) at column 22"},
      {"CustomKeywordList IN ('a', 1)",
       "invalid expression: unexpected value type in tuple (expected string, got 1) at column 28"},
      {"ExecutionStatus = 'Bogus'",
       "invalid expression: invalid ExecutionStatus value 'Bogus' at column 19"},
      {"ExecutionStatus = 'running'",
       "invalid expression: invalid ExecutionStatus value 'running' at column 19"},
      {"ExecutionStatus = 1.5",
       "invalid expression: unexpected value type float64 for search attribute ExecutionStatus "
       "at column 19"},
      {"ExecutionStatus STARTS_WITH 'Running'",
       "invalid expression: right-hand side of 'starts_with' must be a literal string (got: 1) at "
       "column 29"},
      {"StartTime > 'yesterday'",
       "invalid expression: unable to parse datetime 'yesterday' at column 13"},
      {"StartTime > '2024-01-01'",
       "invalid expression: unable to parse datetime '2024-01-01' at column 13"},
      {"CustomDatetime > 1.5",
       "invalid expression: unexpected value type float64 for search attribute CustomDatetime at "
       "column 18"},
      {"CustomDatetime = false",
       "invalid expression: unexpected value type bool for search attribute CustomDatetime at "
       "column 18"},
      {"ExecutionDuration > 'abc'",
       "invalid value for search attribute ExecutionDuration: abc (invalid duration) at column "
       "21"},
      {"ExecutionDuration > '01:60:00'",
       "invalid value for search attribute ExecutionDuration: 01:60:00 (invalid duration: minutes "
       "must be from 0 to 59) at column 21"},
      {"ExecutionDuration > '-1:00:00'",
       "invalid value for search attribute ExecutionDuration: -1:00:00 (invalid duration: hours "
       "must be a positive number) at column 21"},
      {"CustomInt = true",
       "invalid expression: unexpected value type bool for search attribute CustomInt at column "
       "13"},
      {"CustomBool = 2",
       "invalid expression: invalid value 2 for search attribute CustomBool of type Bool at "
       "column 14"},
      {"CustomInt = 0x10", "invalid expression: unable to parse 0x10 at column 13"},
      {"CustomInt = 1e400", "invalid expression: unable to parse 1e400 at column 13"},
      {"CustomInt = 1e", "invalid expression: unable to parse 1e at column 13"},
  };
  for (const auto& [query, detail] : cases) {
    EXPECT_EQ(ErrorOf(query), std::string("invalid query: ") + detail) << query;
  }
}

// The reference hands a string that is no number (or boolean) to SQL as text, where it equals
// no stored value: the query is accepted, not refused.
TEST(TranslateQuery, TextForANumberOrBooleanIsComparedAsText) {
  for (const char* query : {"CustomInt = 'x'", "CustomDouble IN (1, 'y')", "CustomBool = 'yes'"}) {
    auto filter = TranslateQuery(query, Set(), Dialect::kSqlite, QueryUse::kList);
    ASSERT_TRUE(filter.IsSuccess()) << query << ": " << filter.Error().ToString();
    bool text = false;
    for (const SqlValue& value : filter.Value().params) {
      text = text || (std::holds_alternative<std::string>(value) &&
                      (std::get<std::string>(value) == "x" || std::get<std::string>(value) == "y" ||
                       std::get<std::string>(value) == "yes"));
    }
    EXPECT_TRUE(text) << query;
  }
}

TEST(TranslateQuery, TheColumnOfAnErrorCountsCharactersNotBytes) {
  auto filter = TranslateQuery("CustomKeyword = 'ééé' AND Nope = 1", Set(), Dialect::kSqlite,
                               QueryUse::kList);
  ASSERT_TRUE(filter.IsFailure());
  EXPECT_EQ(filter.Error().TryGetMetadata<int64_t>("column"), int64_t{27});
  EXPECT_THAT(filter.Error().Message(), testing::EndsWith(" at column 27"));
}

TEST(TranslateQuery, LimitsOnSizeNestingAndValues) {
  std::string deep(kQueryNestingMax + 1, '(');
  deep += "WorkflowId = 'a'" + std::string(kQueryNestingMax + 1, ')');
  EXPECT_THAT(ErrorOf(deep), HasSubstr("parentheses and NOTs nest deeper than 100"));
  std::string nested(kQueryNestingMax, '(');
  nested += "WorkflowId = 'a'" + std::string(kQueryNestingMax, ')');
  Translate(nested);
  std::string nots;
  for (size_t i = 0; i <= kQueryNestingMax; ++i) nots += "NOT ";
  EXPECT_THAT(ErrorOf(nots + "WorkflowId = 'a'"), HasSubstr("nest deeper than 100"));
  EXPECT_THAT(ErrorOf(std::string(kQueryBytesMax + 1, ' ')),
              HasSubstr("the query is longer than 262144 bytes"));
  std::string many = "WorkflowId IN ('0'";
  for (size_t i = 1; i <= kQueryValuesMax; ++i) many += ",'" + std::to_string(i) + "'";
  EXPECT_THAT(ErrorOf(many + ")"), HasSubstr("the query holds more than 10000 values"));
  // A long chain of ORs is no deeper than one.
  std::string chain = "WorkflowId = '0'";
  for (int i = 1; i < 5000; ++i) chain += " OR WorkflowId = '" + std::to_string(i) + "'";
  EXPECT_EQ(Translate(chain).params.size(), 5000u);
}

TEST(TranslateQuery, AValueThatNamesNoDialectIsRefused) {
  auto filter = TranslateQuery("WorkflowId = 'a'", Set(), static_cast<Dialect>(7), QueryUse::kList);
  ASSERT_TRUE(filter.IsFailure());
  EXPECT_EQ(filter.Error().Code(), kErrorUnsupportedDialect);
}

// Values chosen to look like SQL never reach the SQL text: each is a parameter.
TEST(TranslateQuery, ValuesNeverAppearInTheSqlText) {
  std::mt19937 random(20240601);
  const std::string alphabet = "abcXYZ019 '\"\\%_*?[]();-=<>`$.#/\n\t";
  auto pick = [&](size_t length) {
    std::string value = "zq";  // never part of a column, keyword or function name
    for (size_t i = 0; i < length; ++i) value += alphabet[random() % alphabet.size()];
    return value;
  };
  auto quote = [](const std::string& value) {
    std::string out = "'";
    for (char c : value) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  };
  const char* templates[] = {
      "WorkflowId = %",
      "CustomKeyword != %",
      "TaskQueue IN (%, %)",
      "CustomKeyword BETWEEN % AND %",
      "WorkflowType STARTS_WITH %",
      "CustomKeywordList = %",
      "CustomKeywordList NOT IN (%, %)",
      "CustomText = %",
      "ScheduleId = %",
  };
  for (int round = 0; round < 300; ++round) {
    std::string query = templates[random() % std::size(templates)];
    std::vector<std::string> values;
    for (size_t at = query.find('%'); at != std::string::npos; at = query.find('%', at)) {
      values.push_back(pick(1 + random() % 12));
      std::string literal = quote(values.back());
      query.replace(at, 1, literal);
      at += literal.size();
    }
    auto filter = TranslateQuery(query, Set(), Dialect::kSqlite, QueryUse::kList);
    if (filter.IsFailure()) {
      // Only a Text value without a word may be refused.
      EXPECT_THAT(filter.Error().Message(), HasSubstr("no tokens found")) << query;
      continue;
    }
    const std::string& where = filter.Value().where;
    for (const std::string& value : values) {
      EXPECT_EQ(where.find(value), std::string::npos) << query << " -> " << where;
    }
    EXPECT_EQ(static_cast<size_t>(std::count(where.begin(), where.end(), '?')),
              filter.Value().params.size());
  }
}

TEST(TextMatches, AnyWordOfTheQueryIsAWordOfTheField) {
  EXPECT_TRUE(TextMatches("Hello big-World", "hello"));
  EXPECT_TRUE(TextMatches("Hello big-World", "WORLD"));
  EXPECT_TRUE(TextMatches("Hello big-World", "nothere hello"));
  EXPECT_TRUE(TextMatches("Hello big-World", "big-world"));
  EXPECT_TRUE(TextMatches("order #42 shipped", "42"));
  EXPECT_FALSE(TextMatches("Hello big-World", "wor"));
  EXPECT_FALSE(TextMatches("Hello big-World", "bigworld"));
  EXPECT_FALSE(TextMatches("Hello", ""));
  EXPECT_FALSE(TextMatches("Hello", " -- "));
  EXPECT_FALSE(TextMatches("", "hello"));
  EXPECT_FALSE(TextMatches("snake_case", "cases snakes"));
  EXPECT_TRUE(TextMatches("snake_case", "case"));
  // Bytes >= 0x80 are letters; only ASCII case is folded.
  EXPECT_TRUE(TextMatches("crème brûlée", "BRÛLÉE brûlée"));
  EXPECT_TRUE(TextMatches("naïve", "naïve"));
  EXPECT_FALSE(TextMatches("naïve", "na ve"));
}

// ---------------------------------------------------------------------------------------------
// The translations run on a real SQLite table: which runs match, not just which text comes out.

class SqliteTable {
 public:
  SqliteTable() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    sqlite3_create_function_v2(db_, "hdo_text_match", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                               nullptr, &TextMatch, nullptr, nullptr, nullptr);
    Exec(R"(CREATE TABLE executions_visibility (
      namespace_id TEXT NOT NULL, run_id TEXT NOT NULL, workflow_id TEXT NOT NULL,
      workflow_type_name TEXT NOT NULL, task_queue TEXT NOT NULL, status INTEGER NOT NULL,
      start_time INTEGER NOT NULL, execution_time INTEGER NOT NULL, close_time INTEGER,
      execution_duration INTEGER, history_length INTEGER NOT NULL,
      history_size_bytes INTEGER NOT NULL, state_transition_count INTEGER NOT NULL,
      parent_workflow_id TEXT, parent_run_id TEXT, root_workflow_id TEXT, root_run_id TEXT,
      search_attributes TEXT NOT NULL DEFAULT '{}',
      namespace_division TEXT GENERATED ALWAYS AS
        (json_extract(search_attributes, '$."TemporalNamespaceDivision"')) STORED,
      PRIMARY KEY (namespace_id, run_id)))");
  }
  ~SqliteTable() { sqlite3_close(db_); }

  void Insert(const std::string& workflow_id, int status, int64_t start_time,
              std::optional<int64_t> close_time, const std::string& search_attributes,
              const std::string& parent_workflow_id = "") {
    std::string sql =
        "INSERT INTO executions_visibility VALUES ('ns', '" + workflow_id + "-run', '" +
        workflow_id + "', 'Type-" + workflow_id + "', 'tq', " + std::to_string(status) + ", " +
        std::to_string(start_time) + ", " + std::to_string(start_time) + ", " +
        (close_time ? std::to_string(*close_time) : "NULL") + ", " +
        (close_time ? std::to_string(*close_time - start_time) : "NULL") + ", 10, 100, 5, " +
        (parent_workflow_id.empty() ? "NULL" : "'" + parent_workflow_id + "'") + ", NULL, '" +
        workflow_id + "', '" + workflow_id + "-run', '" + search_attributes + "')";
    Exec(sql);
  }

  // The workflow ids the translated query selects, in id order.
  std::vector<std::string> Matching(const std::string& query) {
    SqlFilter filter = Translate(query);
    std::vector<std::string> ids;
    sqlite3_stmt* statement = Prepare("SELECT workflow_id FROM executions_visibility WHERE " +
                                          filter.where + " ORDER BY workflow_id",
                                      filter.params);
    if (statement == nullptr) return {"<prepare failed>"};
    while (sqlite3_step(statement) == SQLITE_ROW) {
      ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
    }
    sqlite3_finalize(statement);
    return ids;
  }

  // status -> count of a count grouped by the filter's column.
  std::map<int64_t, int64_t> Counts(const std::string& query) {
    SqlFilter filter = Translate(query, QueryUse::kCount);
    std::map<int64_t, int64_t> counts;
    sqlite3_stmt* statement = Prepare("SELECT " + filter.group_by_column +
                                          ", count(*) FROM executions_visibility WHERE " +
                                          filter.where + " GROUP BY " + filter.group_by_column,
                                      filter.params);
    if (statement == nullptr) return {};
    while (sqlite3_step(statement) == SQLITE_ROW) {
      counts[sqlite3_column_int64(statement, 0)] = sqlite3_column_int64(statement, 1);
    }
    sqlite3_finalize(statement);
    return counts;
  }

 private:
  static void TextMatch(sqlite3_context* context, int argc, sqlite3_value** argv) {
    if (argc != 2 || sqlite3_value_type(argv[0]) == SQLITE_NULL ||
        sqlite3_value_type(argv[1]) == SQLITE_NULL) {
      sqlite3_result_int(context, 0);
      return;
    }
    auto text = [](sqlite3_value* value) {
      const auto* bytes = reinterpret_cast<const char*>(sqlite3_value_text(value));
      return std::string_view(bytes, static_cast<size_t>(sqlite3_value_bytes(value)));
    };
    sqlite3_result_int(context, TextMatches(text(argv[0]), text(argv[1])) ? 1 : 0);
  }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "") << "\n"
        << sql;
    sqlite3_free(error);
  }

  sqlite3_stmt* Prepare(const std::string& sql, const std::vector<SqlValue>& params) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_) << "\n" << sql;
      return nullptr;
    }
    EXPECT_EQ(sqlite3_bind_parameter_count(statement), static_cast<int>(params.size())) << sql;
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i + 1);
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        sqlite3_bind_int64(statement, index, *n);
      } else if (const auto* d = std::get_if<double>(&params[i])) {
        sqlite3_bind_double(statement, index, *d);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        sqlite3_bind_text(statement, index, s->data(), static_cast<int>(s->size()),
                          SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(statement, index);
      }
    }
    return statement;
  }

  sqlite3* db_ = nullptr;
};

class TranslatedQueryOnSqlite : public ::testing::Test {
 protected:
  void SetUp() override {
    // w1 running with every custom attribute; w2 completed with a few; w3 failed with none;
    // w4 running in the scheduler's namespace division; "A*b?[c" and a schedule's workflow.
    table_.Insert("w1", 1, 1000, std::nullopt,
                  R"({"CustomKeyword":"alpha","CustomText":"Hello big-World","CustomInt":5,)"
                  R"("CustomDouble":1.5,"CustomBool":true,"CustomDatetime":1704164645123456789,)"
                  R"("CustomKeywordList":["Alpha","beta gamma"],"BinaryChecksums":["x"]})");
    table_.Insert("w2", 2, 2000, 5000,
                  R"({"CustomKeyword":"beta","CustomInt":-3,"CustomDouble":2,)"
                  R"("CustomBool":false,"CustomKeywordList":["gamma"]})",
                  "w1");
    table_.Insert("w3", 3, 3000, 9000, "{}");
    table_.Insert("w4", 1, 4000, std::nullopt,
                  R"({"TemporalNamespaceDivision":"TemporalScheduler"})");
    table_.Insert("A*b?[c", 2, 5000, 6000, R"({"CustomKeyword":"A*b"})");
    table_.Insert("temporal-sys-scheduler:nightly", 1, 6000, std::nullopt, "{}");
  }

  std::vector<std::string> Matching(const std::string& query) { return table_.Matching(query); }

  SqliteTable table_;
};

TEST_F(TranslatedQueryOnSqlite, TheDefaultDivisionHidesSchedulerRuns) {
  EXPECT_THAT(Matching(""),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w2", "w3"));
  EXPECT_THAT(Matching("TemporalNamespaceDivision = 'TemporalScheduler'"), ElementsAre("w4"));
  EXPECT_THAT(Matching("TemporalNamespaceDivision IS NULL OR TemporalNamespaceDivision IS NOT "
                       "NULL"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w2", "w3", "w4"));
}

TEST_F(TranslatedQueryOnSqlite, SystemColumns) {
  EXPECT_THAT(Matching("WorkflowId = 'w2'"), ElementsAre("w2"));
  EXPECT_THAT(Matching("WorkflowId != 'w2' AND ExecutionStatus = 'Running'"),
              ElementsAre("temporal-sys-scheduler:nightly", "w1"));
  EXPECT_THAT(Matching("ExecutionStatus IN ('Completed', 3)"), ElementsAre("A*b?[c", "w2", "w3"));
  EXPECT_THAT(Matching("StartTime BETWEEN 2000 AND 3000"), ElementsAre("w2", "w3"));
  EXPECT_THAT(Matching("StartTime > '1970-01-01T00:00:00.000002Z'"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w3"));
  EXPECT_THAT(Matching("ParentWorkflowId = 'w1'"), ElementsAre("w2"));
  EXPECT_THAT(Matching("ParentWorkflowId IS NULL AND WorkflowId < 'w2'"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1"));
  EXPECT_THAT(Matching("WorkflowType = 'Type-w3'"), ElementsAre("w3"));
}

TEST_F(TranslatedQueryOnSqlite, AnOpenRunHasNoCloseTimeButComparesAsClosingLast) {
  EXPECT_THAT(Matching("CloseTime IS NULL"), ElementsAre("temporal-sys-scheduler:nightly", "w1"));
  EXPECT_THAT(Matching("CloseTime > 5500"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w3"));
  EXPECT_THAT(Matching("CloseTime < 5500"), ElementsAre("w2"));
  EXPECT_THAT(Matching("ExecutionDuration > '3us'"), ElementsAre("w3"));
  EXPECT_THAT(Matching("ExecutionDuration IS NULL"),
              ElementsAre("temporal-sys-scheduler:nightly", "w1"));
}

TEST_F(TranslatedQueryOnSqlite, KeywordComparisonsSkipRunsWithoutTheAttribute) {
  EXPECT_THAT(Matching("CustomKeyword = 'alpha'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeyword != 'alpha'"), ElementsAre("A*b?[c", "w2"));
  EXPECT_THAT(Matching("NOT CustomKeyword = 'alpha'"), ElementsAre("A*b?[c", "w2"));
  EXPECT_THAT(Matching("CustomKeyword NOT IN ('beta')"), ElementsAre("A*b?[c", "w1"));
  EXPECT_THAT(Matching("CustomKeyword BETWEEN 'a' AND 'b'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeyword IS NULL"),
              ElementsAre("temporal-sys-scheduler:nightly", "w3"));
}

TEST_F(TranslatedQueryOnSqlite, StartsWithIsACaseSensitivePrefix) {
  EXPECT_THAT(Matching("CustomKeyword STARTS_WITH 'al'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeyword STARTS_WITH 'AL'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeyword STARTS_WITH 'A*'"), ElementsAre("A*b?[c"));
  EXPECT_THAT(Matching("WorkflowId STARTS_WITH 'A*b?['"), ElementsAre("A*b?[c"));
  EXPECT_THAT(Matching("WorkflowId STARTS_WITH 'A?'"), IsEmpty());
  EXPECT_THAT(Matching("WorkflowId STARTS_WITH 'w%'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeyword NOT STARTS_WITH 'al'"), ElementsAre("A*b?[c", "w2"));
  EXPECT_THAT(Matching("ScheduleId STARTS_WITH 'night'"),
              ElementsAre("temporal-sys-scheduler:nightly"));
  EXPECT_THAT(Matching("ScheduleId = 'nightly'"), ElementsAre("temporal-sys-scheduler:nightly"));
}

TEST_F(TranslatedQueryOnSqlite, NumbersBooleansAndTimes) {
  EXPECT_THAT(Matching("CustomInt > 0"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomInt = -3"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomInt = '5'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomInt < 5.5 AND CustomInt > -3.5"), ElementsAre("w1", "w2"));
  EXPECT_THAT(Matching("CustomInt IN (5, 7)"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomDouble >= 2"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomDouble = 1.5"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomBool = true"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomBool = false"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomBool != 'TRUE'"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomDatetime = '2024-01-02T03:04:05.123456789Z'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomDatetime = '2024-01-02T04:04:05.123456789+01:00'"),
              ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomDatetime > '2024-01-02T03:04:05.123456790Z'"), IsEmpty());
  EXPECT_THAT(Matching("CustomDatetime BETWEEN '2024-01-01T00:00:00Z' AND 1704164645123456789"),
              ElementsAre("w1"));
}

TEST_F(TranslatedQueryOnSqlite, KeywordListMembership) {
  EXPECT_THAT(Matching("CustomKeywordList = 'Alpha'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeywordList = 'alpha'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeywordList = 'beta'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeywordList = 'beta gamma'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeywordList IN ('gamma', 'beta gamma')"), ElementsAre("w1", "w2"));
  // != and NOT IN match runs without the attribute, as the reference's do.
  EXPECT_THAT(Matching("CustomKeywordList != 'gamma'"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w3"));
  EXPECT_THAT(Matching("CustomKeywordList NOT IN ('gamma', 'Alpha')"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w3"));
  EXPECT_THAT(Matching("BinaryChecksums = 'x'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeywordList IS NOT NULL"), ElementsAre("w1", "w2"));
}

TEST_F(TranslatedQueryOnSqlite, TextMatchesWords) {
  EXPECT_THAT(Matching("CustomText = 'hello'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomText = 'WORLD nothere'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomText = 'wor'"), IsEmpty());
  EXPECT_THAT(Matching("CustomText != 'hello'"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w2", "w3"));
}

TEST_F(TranslatedQueryOnSqlite, BooleanStructure) {
  EXPECT_THAT(Matching("WorkflowId = 'w1' OR WorkflowId = 'w2' AND CustomInt = 5"),
              ElementsAre("w1"));
  EXPECT_THAT(Matching("(WorkflowId = 'w1' OR WorkflowId = 'w2') AND CustomInt < 0"),
              ElementsAre("w2"));
  EXPECT_THAT(Matching("NOT (ExecutionStatus = 'Running' OR ExecutionStatus = 'Failed')"),
              ElementsAre("A*b?[c", "w2"));
}

TEST_F(TranslatedQueryOnSqlite, CountsGroupedByStatus) {
  EXPECT_EQ(table_.Counts("GROUP BY ExecutionStatus"),
            (std::map<int64_t, int64_t>{{1, 2}, {2, 2}, {3, 1}}));
  EXPECT_EQ(table_.Counts("CustomInt IS NOT NULL GROUP BY ExecutionStatus"),
            (std::map<int64_t, int64_t>{{1, 1}, {2, 1}}));
}

TEST(TranslateQuery, ActivityQueriesReadTheStandaloneActivitiesDivisionOnly) {
  auto translate = [](std::string_view query, QueryUse use = QueryUse::kList) {
    auto filter = TranslateQuery(query, Set(), Dialect::kSqlite, use, QueryTarget::kActivities);
    EXPECT_TRUE(filter.IsSuccess()) << query << ": " << filter.Error().Message();
    return filter.IsSuccess() ? filter.Value() : SqlFilter{};
  };
  SqlFilter all = translate("");
  EXPECT_EQ(all.where, "namespace_division = ?");
  EXPECT_EQ(all.params, Params({std::string(kStandaloneActivityDivision)}));
  // ActivityId and ActivityType are the workflow id and type columns of an activity's row; the
  // division's parameter comes after the query's.
  SqlFilter by_id = translate("ActivityId = 'a1' OR ActivityType = \"Echo\"");
  EXPECT_EQ(by_id.where, "(workflow_id = ? OR workflow_type_name = ?) AND namespace_division = ?");
  EXPECT_EQ(by_id.params, Params({std::string("a1"), std::string("Echo"),
                                  std::string(kStandaloneActivityDivision)}));
  SqlFilter grouped = translate("ActivityId = 'a1' GROUP BY ExecutionStatus", QueryUse::kCount);
  EXPECT_EQ(grouped.group_by_column, "status");
  // Workflow queries do not know the activity names.
  EXPECT_THAT(ErrorOf("ActivityId = 'a1'"),
              HasSubstr("'ActivityId' is not a valid search attribute"));
}

TEST(TranslateQuery, NexusOperationQueriesReadTheStandaloneNexusDivisionOnly) {
  auto translate = [](std::string_view query, QueryUse use = QueryUse::kList) {
    auto filter =
        TranslateQuery(query, Set(), Dialect::kSqlite, use, QueryTarget::kNexusOperations);
    EXPECT_TRUE(filter.IsSuccess()) << query << ": " << filter.Error().Message();
    return filter.IsSuccess() ? filter.Value() : SqlFilter{};
  };
  SqlFilter all = translate("");
  EXPECT_EQ(all.where, "namespace_division = ?");
  EXPECT_EQ(all.params, Params({std::string(kStandaloneNexusDivision)}));
  // OperationId is the workflow id column; Endpoint, Service, Operation and RequestId are read
  // from the row's JSON attributes.
  SqlFilter by_fields = translate("OperationId = 'o1' AND Endpoint = 'ep' AND Service = 's'");
  EXPECT_EQ(by_fields.where,
            "(workflow_id = ? AND json_extract(search_attributes, '$.\"Endpoint\"') = ? AND "
            "json_extract(search_attributes, '$.\"Service\"') = ?) AND namespace_division = ?");
  EXPECT_EQ(by_fields.params, Params({std::string("o1"), std::string("ep"), std::string("s"),
                                      std::string(kStandaloneNexusDivision)}));
  SqlFilter grouped = translate("Operation = 'echo' GROUP BY ExecutionStatus", QueryUse::kCount);
  EXPECT_EQ(grouped.group_by_column, "status");
  // Workflow and activity queries do not know the operation names.
  EXPECT_THAT(ErrorOf("Endpoint = 'ep'"), HasSubstr("'Endpoint' is not a valid search attribute"));
  auto activity = TranslateQuery("OperationId = 'o1'", Set(), Dialect::kSqlite, QueryUse::kList,
                                 QueryTarget::kActivities);
  ASSERT_TRUE(activity.IsFailure());
}

}  // namespace
}  // namespace hdo::visibility
