// The PostgreSQL and MySQL/MariaDB dialects of the list filter translator: the SQL shape and the
// parameters of each operator family. Which runs those conditions select on real servers is
// tested by the SQL visibility store's tests (persistence/sql/visibility_store_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "visibility/query.h"

namespace hdo::visibility {
namespace {

namespace enums = temporal::api::enums::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kDivision[] = "namespace_division IS NULL";

std::string Where(const std::string& user) { return "(" + user + ") AND " + kDivision; }

std::vector<SqlValue> Params(std::initializer_list<SqlValue> values) { return values; }

const SearchAttributeSet& Set() {
  static const auto* set = new SearchAttributeSet({
      {"CustomKeyword", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"CustomText", enums::INDEXED_VALUE_TYPE_TEXT},
      {"CustomInt", enums::INDEXED_VALUE_TYPE_INT},
      {"CustomDouble", enums::INDEXED_VALUE_TYPE_DOUBLE},
      {"CustomBool", enums::INDEXED_VALUE_TYPE_BOOL},
      {"CustomDatetime", enums::INDEXED_VALUE_TYPE_DATETIME},
      {"CustomKeywordList", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"O'Brien?", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"back\\slash", enums::INDEXED_VALUE_TYPE_INT},
  });
  return *set;
}

SqlFilter Translate(Dialect dialect, std::string_view query, QueryUse use = QueryUse::kList) {
  auto filter = TranslateQuery(query, Set(), dialect, use);
  EXPECT_TRUE(filter.IsSuccess()) << query << ": " << filter.Error().Message();
  return filter.IsSuccess() ? filter.Value() : SqlFilter{};
}

SqlFilter Pg(std::string_view query, QueryUse use = QueryUse::kList) {
  return Translate(Dialect::kPostgres, query, use);
}
SqlFilter My(std::string_view query, QueryUse use = QueryUse::kList) {
  return Translate(Dialect::kMysql, query, use);
}

std::string PgText(std::string_view name) {
  return "((search_attributes ->> '" + std::string(name) + "') COLLATE \"C\")";
}
std::string PgJson(std::string_view name) {
  return "(search_attributes -> '" + std::string(name) + "')";
}
std::string MyText(std::string_view name) {
  return "JSON_UNQUOTE(JSON_EXTRACT(search_attributes, '$.\"" + std::string(name) + "\"'))";
}

// The placeholders in a condition: as many as the parameters, and no other '?' (the PostgreSQL
// driver rewrites every '?' to $n).
size_t Placeholders(const std::string& sql) {
  return static_cast<size_t>(std::count(sql.begin(), sql.end(), '?'));
}

TEST(TranslateQueryDialects, AnEmptyQueryKeepsOnlyTheDefaultNamespaceDivision) {
  for (Dialect dialect : {Dialect::kPostgres, Dialect::kMysql}) {
    SqlFilter filter = Translate(dialect, "");
    EXPECT_EQ(filter.where, kDivision);
    EXPECT_THAT(filter.params, IsEmpty());
  }
  EXPECT_EQ(Pg("TemporalNamespaceDivision = 'TemporalScheduler'").where,
            "namespace_division = ?::text");
}

TEST(TranslateQueryDialects, PostgresCastsEveryPlaceholderToItsValuesType) {
  SqlFilter filter = Pg("WorkflowId = 'w1' AND HistoryLength > 3 AND ExecutionStatus = 'Running'");
  EXPECT_EQ(filter.where,
            Where("workflow_id = ?::text AND history_length > ?::bigint AND status = ?::bigint"));
  EXPECT_EQ(filter.params, Params({std::string("w1"), int64_t{3}, int64_t{1}}));
  EXPECT_EQ(Pg("HistoryLength < 2.5").where, Where("history_length < ?::float8"));
  EXPECT_EQ(Pg("WorkflowId IN ('a', 'b')").where, Where("workflow_id IN (?::text, ?::text)"));
  EXPECT_EQ(Pg("TaskQueue NOT IN ('q')").where, Where("task_queue NOT IN (?::text)"));
  EXPECT_EQ(Pg("StartTime NOT BETWEEN 1 AND 2").where,
            Where("start_time NOT BETWEEN ?::bigint AND ?::bigint"));
}

TEST(TranslateQueryDialects, MysqlBindsPlainPlaceholders) {
  SqlFilter filter = My("WorkflowId = 'w1' AND HistoryLength > 3 AND ExecutionStatus = 'Running'");
  EXPECT_EQ(filter.where, Where("workflow_id = ? AND history_length > ? AND status = ?"));
  EXPECT_EQ(filter.params, Params({std::string("w1"), int64_t{3}, int64_t{1}}));
  EXPECT_EQ(My("WorkflowId IN ('a', 'b')").where, Where("workflow_id IN (?, ?)"));
  EXPECT_EQ(My("StartTime BETWEEN 1 AND 2").where, Where("start_time BETWEEN ? AND ?"));
}

TEST(TranslateQueryDialects, CloseTimeComparesAnOpenRunAsClosedAtTheEndOfTime) {
  EXPECT_EQ(Pg("CloseTime > 0").where,
            Where("COALESCE(close_time, 9223372036854775807) > ?::bigint"));
  // MySQL reads the generated column its order index holds.
  EXPECT_EQ(My("CloseTime > 0").where, Where("close_time_or_end > ?"));
  EXPECT_EQ(My("CloseTime BETWEEN 1 AND 2").where, Where("close_time_or_end BETWEEN ? AND ?"));
  for (Dialect dialect : {Dialect::kPostgres, Dialect::kMysql}) {
    EXPECT_EQ(Translate(dialect, "CloseTime IS NULL").where, Where("close_time IS NULL"));
    EXPECT_EQ(Translate(dialect, "ExecutionDuration > '2h'").params,
              Params({int64_t{7200} * 1000000000}));
  }
}

TEST(TranslateQueryDialects, KeywordAttributesReadTheJsonAsText) {
  SqlFilter filter = Pg("CustomKeyword = 'x' AND BatcherUser >= 'u'");
  EXPECT_EQ(filter.where, Where(PgText("CustomKeyword") + " = ?::text AND " +
                                PgText("BatcherUser") + " >= ?::text"));
  EXPECT_EQ(filter.params, Params({std::string("x"), std::string("u")}));
  filter = My("CustomKeyword = 'x' AND BatcherUser >= 'u'");
  EXPECT_EQ(filter.where,
            Where(MyText("CustomKeyword") + " = ? AND " + MyText("BatcherUser") + " >= ?"));
  EXPECT_EQ(Pg("CustomKeyword IS NULL").where, Where(PgText("CustomKeyword") + " IS NULL"));
  EXPECT_EQ(My("CustomKeyword IS NOT NULL").where, Where(MyText("CustomKeyword") + " IS NOT NULL"));
}

TEST(TranslateQueryDialects, PostgresComparesOtherTypesAsJsonb) {
  EXPECT_EQ(Pg("CustomInt > 5").where, Where(PgJson("CustomInt") + " > to_jsonb(?::bigint)"));
  EXPECT_EQ(Pg("CustomDouble <= 1.5").where,
            Where(PgJson("CustomDouble") + " <= to_jsonb(?::float8)"));
  EXPECT_EQ(
      Pg("CustomDatetime BETWEEN '2024-01-01T00:00:00Z' AND 5").where,
      Where(PgJson("CustomDatetime") + " BETWEEN to_jsonb(?::bigint) AND to_jsonb(?::bigint)"));
  SqlFilter filter = Pg("CustomBool = true");
  EXPECT_EQ(filter.where, Where(PgJson("CustomBool") + " = to_jsonb(?::bigint <> 0)"));
  EXPECT_EQ(filter.params, Params({int64_t{1}}));
  EXPECT_EQ(Pg("CustomInt IN (1, 2)").where,
            Where(PgJson("CustomInt") + " IN (to_jsonb(?::bigint), to_jsonb(?::bigint))"));
  EXPECT_EQ(Pg("CustomInt IS NOT NULL").where, Where(PgJson("CustomInt") + " IS NOT NULL"));
}

TEST(TranslateQueryDialects, MysqlConvertsOtherTypesFromTheJsonText) {
  EXPECT_EQ(My("CustomInt > 5").where, Where("CAST(" + MyText("CustomInt") + " AS SIGNED) > ?"));
  EXPECT_EQ(My("CustomDatetime = 5").where,
            Where("CAST(" + MyText("CustomDatetime") + " AS SIGNED) = ?"));
  EXPECT_EQ(My("CustomDouble <= 1.5").where,
            Where("CAST(" + MyText("CustomDouble") + " AS DOUBLE) <= ?"));
  EXPECT_EQ(
      My("CustomBool = false").where,
      Where("(CASE " + MyText("CustomBool") + " WHEN 'true' THEN 1 WHEN 'false' THEN 0 END) = ?"));
  EXPECT_EQ(My("CustomKeywordList IS NULL").where,
            Where("JSON_EXTRACT(search_attributes, '$.\"CustomKeywordList\"') IS NULL"));
}

TEST(TranslateQueryDialects, KeywordListOperatorsMeanMembershipAndAbsentMeansHasNone) {
  const std::string pg_has = PgJson("CustomKeywordList") + " @> jsonb_build_array(?::text)";
  SqlFilter filter = Pg("CustomKeywordList = 'a'");
  EXPECT_EQ(filter.where, Where("COALESCE(" + pg_has + ", false)"));
  EXPECT_EQ(filter.params, Params({std::string("a")}));
  EXPECT_EQ(Pg("CustomKeywordList != 'a'").where, Where("NOT COALESCE(" + pg_has + ", false)"));
  filter = Pg("CustomKeywordList NOT IN ('a', 'b')");
  EXPECT_EQ(filter.where, Where("NOT COALESCE(" + pg_has + " OR " + pg_has + ", false)"));
  EXPECT_EQ(filter.params, Params({std::string("a"), std::string("b")}));

  const std::string my_has =
      "JSON_CONTAINS(search_attributes, JSON_QUOTE(?), '$.\"CustomKeywordList\"')";
  EXPECT_EQ(My("CustomKeywordList = 'a'").where, Where("COALESCE(" + my_has + ", 0)"));
  EXPECT_EQ(My("CustomKeywordList IN ('a', 'b')").where,
            Where("COALESCE(" + my_has + " OR " + my_has + ", 0)"));
  EXPECT_EQ(My("CustomKeywordList NOT IN ('a')").where, Where("NOT COALESCE(" + my_has + ", 0)"));
}

TEST(TranslateQueryDialects, TextOperatorsCallTheSchemasWordMatch) {
  SqlFilter filter = Pg("CustomText = 'hello world'");
  EXPECT_EQ(filter.where, Where("hdo_text_match(" + PgText("CustomText") + ", ?::text)"));
  EXPECT_EQ(filter.params, Params({std::string("hello world")}));
  EXPECT_EQ(Pg("CustomText != 'bye'").where,
            Where("NOT hdo_text_match(" + PgText("CustomText") + ", ?::text)"));
  EXPECT_EQ(My("CustomText = 'hello'").where,
            Where("hdo_text_match(" + MyText("CustomText") + ", ?)"));
  EXPECT_EQ(My("CustomText != 'bye'").where,
            Where("NOT hdo_text_match(" + MyText("CustomText") + ", ?)"));
}

TEST(TranslateQueryDialects, StartsWithIsALikeOnAPrefixEscapedWithAnExclamationMark) {
  SqlFilter filter = Pg("WorkflowId STARTS_WITH 'a%b_c!d*'");
  EXPECT_EQ(filter.where, Where("workflow_id LIKE ?::text ESCAPE '!'"));
  EXPECT_EQ(filter.params, Params({std::string("a!%b!_c!!d*%")}));
  EXPECT_EQ(Pg("CustomKeyword NOT STARTS_WITH 'x'").where,
            Where(PgText("CustomKeyword") + " NOT LIKE ?::text ESCAPE '!'"));
  filter = My("CustomKeyword STARTS_WITH 'x_'");
  EXPECT_EQ(filter.where, Where(MyText("CustomKeyword") + " LIKE ? ESCAPE '!'"));
  EXPECT_EQ(filter.params, Params({std::string("x!_%")}));
  EXPECT_EQ(My("ScheduleId STARTS_WITH 'n'").params,
            Params({std::string("temporal-sys-scheduler:n%")}));
}

// SQLite sorts every number before any text; MySQL would convert the text to 0 and PostgreSQL
// would refuse it, so the translator answers without a parameter, NULL for runs without the
// attribute as any comparison.
TEST(TranslateQueryDialects, TextComparedWithANumberIsAnsweredWithoutTheEngine) {
  for (Dialect dialect : {Dialect::kPostgres, Dialect::kMysql}) {
    std::string field = dialect == Dialect::kPostgres
                            ? PgJson("CustomInt")
                            : "CAST(" + MyText("CustomInt") + " AS SIGNED)";
    std::string never = "(" + field + " IS NULL AND NULL)";
    std::string always = "(" + field + " IS NOT NULL OR NULL)";
    for (const char* query :
         {"CustomInt = 'x'", "CustomInt > 'x'", "CustomInt >= 'x'", "CustomInt IN ('x', 'y')"}) {
      SqlFilter filter = Translate(dialect, query);
      EXPECT_EQ(filter.where, Where(never)) << query;
      EXPECT_THAT(filter.params, IsEmpty()) << query;
    }
    for (const char* query :
         {"CustomInt != 'x'", "CustomInt < 'x'", "CustomInt <= 'x'", "CustomInt NOT IN ('x')"}) {
      EXPECT_EQ(Translate(dialect, query).where, Where(always)) << query;
    }
    SqlFilter filter = Translate(dialect, "CustomInt IN (1, 'x', 2)");
    EXPECT_EQ(filter.params, Params({int64_t{1}, int64_t{2}}));
    filter = Translate(dialect, "CustomInt BETWEEN 1 AND 'x'");
    EXPECT_THAT(filter.where, HasSubstr(" >= "));
    EXPECT_THAT(filter.where, HasSubstr(always));
    EXPECT_EQ(filter.params, Params({int64_t{1}}));
    EXPECT_THAT(Translate(dialect, "HistoryLength NOT BETWEEN 'a' AND 'b'").where,
                HasSubstr("NOT ((history_length IS NULL AND NULL) AND (history_length IS NOT NULL "
                          "OR NULL))"));
    EXPECT_THAT(Translate(dialect, "CustomBool = 'yes'").params, IsEmpty());
  }
}

TEST(TranslateQueryDialects, CountsGroupByTheStatusColumn) {
  for (Dialect dialect : {Dialect::kPostgres, Dialect::kMysql}) {
    SqlFilter filter = Translate(dialect, "GROUP BY ExecutionStatus", QueryUse::kCount);
    EXPECT_EQ(filter.group_by_column, "status");
    EXPECT_EQ(filter.where, kDivision);
    auto list = TranslateQuery("GROUP BY ExecutionStatus", Set(), dialect, QueryUse::kList);
    EXPECT_TRUE(list.IsFailure());
  }
}

TEST(TranslateQueryDialects, ErrorsAreTheSameInEveryDialect) {
  for (const char* query : {"Nope = 1", "CustomKeywordList > 'a'", "CustomText STARTS_WITH 'a'",
                            "CustomBool BETWEEN 1 AND 2", "WorkflowId = ", "ORDER BY StartTime",
                            "CustomText = '  '", "StartTime = 'yesterday'"}) {
    auto sqlite = TranslateQuery(query, Set(), Dialect::kSqlite, QueryUse::kList);
    ASSERT_TRUE(sqlite.IsFailure()) << query;
    for (Dialect dialect : {Dialect::kPostgres, Dialect::kMysql}) {
      auto other = TranslateQuery(query, Set(), dialect, QueryUse::kList);
      ASSERT_TRUE(other.IsFailure()) << query;
      EXPECT_EQ(other.Error().Message(), sqlite.Error().Message()) << query;
      EXPECT_EQ(other.Error().Code(), kErrorInvalidQuery) << query;
    }
  }
}

// A name may hold a quote, a backslash or a '?': none reaches the SQL as a stray quote or a
// placeholder.
TEST(TranslateQueryDialects, AttributeNamesAreQuotedWithoutAQuestionMark) {
  SqlFilter filter = Pg("`O'Brien?` = 'a'");
  EXPECT_EQ(filter.where,
            Where("((search_attributes ->> U&'O''Brien\\003F') COLLATE \"C\") = ?::text"));
  EXPECT_EQ(Placeholders(filter.where), filter.params.size());
  EXPECT_EQ(Pg("`back\\slash` = 1").where,
            Where("(search_attributes -> 'back\\slash') = to_jsonb(?::bigint)"));
  filter = My("`O'Brien?` = 'a'");
  // $."O'Brien?" in hexadecimal.
  EXPECT_EQ(filter.where, Where("JSON_UNQUOTE(JSON_EXTRACT(search_attributes, _utf8mb4 "
                                "X'242e224f27427269656e3f22')) = ?"));
  EXPECT_EQ(Placeholders(filter.where), filter.params.size());
  // $."back\\slash": the backslash escaped for the JSON path.
  EXPECT_THAT(My("`back\\slash` = 1").where,
              HasSubstr("_utf8mb4 X'242e226261636b5c5c736c61736822'"));
  EXPECT_EQ(PostgresJsonField("a'b", enums::INDEXED_VALUE_TYPE_INT),
            "(search_attributes -> 'a''b')");
  EXPECT_EQ(MysqlJsonField("k", enums::INDEXED_VALUE_TYPE_KEYWORD), MyText("k"));
}

// Values never reach the SQL text, whatever they hold, in any dialect.
TEST(TranslateQueryDialects, ValuesAreAlwaysParameters) {
  const char* query =
      "CustomKeyword = 'x''; DROP TABLE t; --' AND CustomText = 'a?b' AND WorkflowId IN ('?', "
      "'\\\\') AND CustomKeywordList != 'q?' AND CustomKeyword STARTS_WITH '?%'";
  for (Dialect dialect : {Dialect::kPostgres, Dialect::kMysql}) {
    SqlFilter filter = Translate(dialect, query);
    EXPECT_THAT(filter.where, Not(HasSubstr("DROP")));
    EXPECT_EQ(Placeholders(filter.where), filter.params.size());
    EXPECT_EQ(filter.params.size(), 6u);
  }
}

}  // namespace
}  // namespace hdo::visibility
