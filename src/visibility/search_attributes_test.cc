#include "visibility/search_attributes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error_codes.h"

namespace hdo::visibility {
namespace {

namespace enums = temporal::api::enums::v1;
using temporal::api::common::v1::Payload;
using temporal::api::common::v1::SearchAttributes;
using ::testing::HasSubstr;

constexpr IndexedValueType kKeyword = enums::INDEXED_VALUE_TYPE_KEYWORD;
constexpr IndexedValueType kText = enums::INDEXED_VALUE_TYPE_TEXT;
constexpr IndexedValueType kInt = enums::INDEXED_VALUE_TYPE_INT;
constexpr IndexedValueType kDouble = enums::INDEXED_VALUE_TYPE_DOUBLE;
constexpr IndexedValueType kBool = enums::INDEXED_VALUE_TYPE_BOOL;
constexpr IndexedValueType kDatetime = enums::INDEXED_VALUE_TYPE_DATETIME;
constexpr IndexedValueType kKeywordList = enums::INDEXED_VALUE_TYPE_KEYWORD_LIST;

Payload JsonPayload(const std::string& data, const std::string& type = "") {
  Payload payload;
  (*payload.mutable_metadata())["encoding"] = "json/plain";
  if (!type.empty()) (*payload.mutable_metadata())["type"] = type;
  payload.set_data(data);
  return payload;
}

const SearchAttributeSet& Set() {
  static const auto* set = new SearchAttributeSet({
      {"CustomKeyword", kKeyword},
      {"CustomText", kText},
      {"CustomInt", kInt},
      {"CustomDouble", kDouble},
      {"CustomBool", kBool},
      {"CustomDatetime", kDatetime},
      {"CustomKeywordList", kKeywordList},
      {"WorkflowId", kText},  // a built-in name: ignored
  });
  return *set;
}

TEST(SearchAttributeSet, HoldsTheReferenceSystemAndPredefinedAttributesThenTheCustomOnes) {
  const auto& all = Set().All();
  ASSERT_EQ(all.size(), 16u + 13u + 7u);
  std::vector<std::string> system;
  for (size_t i = 0; i < 16; ++i) {
    EXPECT_EQ(all[i].kind, AttributeDef::Kind::kSystem) << all[i].name;
    EXPECT_FALSE(all[i].column.empty()) << all[i].name;
    system.push_back(all[i].name);
  }
  EXPECT_THAT(system, ::testing::ElementsAre(
                          "CloseTime", "ExecutionDuration", "ExecutionStatus", "ExecutionTime",
                          "HistoryLength", "HistorySizeBytes", "ParentRunId", "ParentWorkflowId",
                          "RootRunId", "RootWorkflowId", "RunId", "StartTime",
                          "StateTransitionCount", "TaskQueue", "WorkflowId", "WorkflowType"));
  for (size_t i = 16; i < 29; ++i) {
    EXPECT_EQ(all[i].kind, AttributeDef::Kind::kPredefined) << all[i].name;
    // The division is also a column, for the implicit filter of every list.
    EXPECT_EQ(all[i].column.empty(), all[i].name != "TemporalNamespaceDivision") << all[i].name;
  }
  for (size_t i = 29; i < all.size(); ++i) EXPECT_EQ(all[i].kind, AttributeDef::Kind::kCustom);

  const std::vector<std::tuple<std::string, IndexedValueType, std::string>> system_defs = {
      {"WorkflowId", kKeyword, "workflow_id"},
      {"RunId", kKeyword, "run_id"},
      {"WorkflowType", kKeyword, "workflow_type_name"},
      {"ExecutionStatus", kKeyword, "status"},
      {"TaskQueue", kKeyword, "task_queue"},
      {"ParentWorkflowId", kKeyword, "parent_workflow_id"},
      {"ParentRunId", kKeyword, "parent_run_id"},
      {"RootWorkflowId", kKeyword, "root_workflow_id"},
      {"RootRunId", kKeyword, "root_run_id"},
      {"StartTime", kDatetime, "start_time"},
      {"ExecutionTime", kDatetime, "execution_time"},
      {"CloseTime", kDatetime, "close_time"},
      {"HistoryLength", kInt, "history_length"},
      {"HistorySizeBytes", kInt, "history_size_bytes"},
      {"ExecutionDuration", kInt, "execution_duration"},
      {"StateTransitionCount", kInt, "state_transition_count"},
  };
  for (const auto& [name, type, column] : system_defs) {
    const AttributeDef* def = Set().FindExact(name);
    ASSERT_NE(def, nullptr) << name;
    EXPECT_EQ(def->type, type) << name;
    EXPECT_EQ(def->column, column) << name;
  }
  const std::vector<std::pair<std::string, IndexedValueType>> predefined = {
      {"TemporalChangeVersion", kKeywordList},
      {"BinaryChecksums", kKeywordList},
      {"BuildIds", kKeywordList},
      {"BatcherNamespace", kKeyword},
      {"BatcherUser", kKeyword},
      {"TemporalScheduledStartTime", kDatetime},
      {"TemporalScheduledById", kKeyword},
      {"TemporalSchedulePaused", kBool},
      {"TemporalNamespaceDivision", kKeyword},
      {"TemporalPauseInfo", kKeywordList},
      {"TemporalWorkerDeploymentVersion", kKeyword},
      {"TemporalWorkflowVersioningBehavior", kKeyword},
      {"TemporalWorkerDeployment", kKeyword},
  };
  for (const auto& [name, type] : predefined) {
    const AttributeDef* def = Set().FindExact(name);
    ASSERT_NE(def, nullptr) << name;
    EXPECT_EQ(def->type, type) << name;
    EXPECT_EQ(def->kind, AttributeDef::Kind::kPredefined);
  }
  // A custom attribute named like a built-in one does not replace it.
  EXPECT_EQ(Set().FindExact("WorkflowId")->kind, AttributeDef::Kind::kSystem);
}

TEST(SearchAttributeSet, FindResolvesTheReferenceAliases) {
  EXPECT_EQ(Set().Find("CustomInt")->name, "CustomInt");
  EXPECT_EQ(Set().Find("ScheduleId")->name, "WorkflowId");
  EXPECT_EQ(Set().Find("TemporalScheduleId")->name, "WorkflowId");
  EXPECT_EQ(Set().Find("ChangeVersion")->name, "TemporalChangeVersion");
  EXPECT_EQ(Set().Find("NamespaceDivision")->name, "TemporalNamespaceDivision");
  EXPECT_EQ(Set().Find("TemporalWorkflowId")->name, "WorkflowId");
  EXPECT_EQ(Set().Find("TemporalCustomInt")->name, "CustomInt");
  EXPECT_EQ(Set().Find("workflowid"), nullptr);
  EXPECT_EQ(Set().Find("Nope"), nullptr);
  EXPECT_EQ(Set().Find(""), nullptr);
  EXPECT_EQ(Set().FindExact("ScheduleId"), nullptr);
  EXPECT_EQ(Set().FindExact("ChangeVersion"), nullptr);
  SearchAttributeSet own({{"ScheduleId", kKeyword}});
  EXPECT_EQ(own.Find("ScheduleId")->kind, AttributeDef::Kind::kCustom);
}

TEST(SearchAttributeTypes, HaveTheReferenceNames) {
  const std::vector<std::pair<IndexedValueType, std::string>> cases = {
      {kText, "Text"},
      {kKeyword, "Keyword"},
      {kInt, "Int"},
      {kDouble, "Double"},
      {kBool, "Bool"},
      {kDatetime, "Datetime"},
      {kKeywordList, "KeywordList"},
      {enums::INDEXED_VALUE_TYPE_UNSPECIFIED, "Unspecified"}};
  for (const auto& [type, name] : cases) {
    EXPECT_EQ(TypeName(type), name);
    if (type != enums::INDEXED_VALUE_TYPE_UNSPECIFIED) {
      EXPECT_EQ(TypeFromName(name), type);
      EXPECT_EQ(TypeFromName(enums::IndexedValueType_Name(type)), type);
    }
  }
  EXPECT_EQ(TypeFromName("keyword"), enums::INDEXED_VALUE_TYPE_UNSPECIFIED);
  EXPECT_EQ(ExecutionStatusName(1), "Running");
  EXPECT_EQ(ExecutionStatusName(6), "ContinuedAsNew");
  EXPECT_EQ(ExecutionStatusName(7), "TimedOut");
  EXPECT_EQ(ExecutionStatusName(99), "Unspecified");
}

struct DecodeCase {
  IndexedValueType type;
  std::string data;
  nlohmann::json expected;  // discarded: refused
};

TEST(DecodeValue, NormalizesWhatTheReferenceAccepts) {
  const nlohmann::json refused = nlohmann::json::value_t::discarded;
  const std::vector<DecodeCase> cases = {
      {kKeyword, R"("abc")", "abc"},
      {kKeyword, R"(["abc"])", "abc"},
      {kKeyword, R"(["a","b"])", refused},
      {kKeyword, R"([])", nullptr},
      {kKeyword, "null", nullptr},
      {kKeyword, "5", refused},
      {kKeyword, R"({"a":1})", refused},
      {kKeyword, R"("\u00e9\ud834\udd1e")", "\u00e9\U0001D11E"},
      {kText, R"("Hello big World")", "Hello big World"},
      {kInt, "42", 42},
      {kInt, "-9223372036854775808", std::numeric_limits<int64_t>::min()},
      {kInt, "9223372036854775808", refused},
      {kInt, "5.0", refused},
      {kInt, "1e3", refused},
      {kInt, R"("5")", refused},
      {kInt, "[7]", 7},
      {kInt, "[7,8]", refused},
      {kDouble, "1.5", 1.5},
      {kDouble, "2", 2.0},
      {kDouble, "1e400", refused},
      {kDouble, R"("1.5")", refused},
      {kBool, "true", true},
      {kBool, "false", false},
      {kBool, R"("true")", refused},
      {kBool, "1", refused},
      {kDatetime, R"("2024-01-02T03:04:05.123456789Z")", int64_t{1704164645123456789}},
      {kDatetime, R"("2024-01-02T04:04:05+01:00")", int64_t{1704164645000000000}},
      {kDatetime, R"("2024-01-02T03:04:05.1234567891Z")", int64_t{1704164645123456789}},
      {kDatetime, R"("2024-01-02")", refused},
      {kDatetime, R"("2024-01-02t03:04:05z")", refused},
      {kDatetime, R"("0001-01-01T00:00:00Z")", refused},  // outside int64 nanoseconds
      {kDatetime, "12345", refused},
      {kKeywordList, R"(["a","b c"])", nlohmann::json::array({"a", "b c"})},
      {kKeywordList, R"([])", nlohmann::json::array()},
      {kKeywordList, R"(["a",null])", nlohmann::json::array({"a", ""})},
      {kKeywordList, R"([["a","b"]])", nlohmann::json::array({"a", "b"})},
      {kKeywordList, R"("a")", refused},
      {kKeywordList, R"([1])", refused},
      {kKeywordList, "null", nullptr},
      {kKeyword, "not json", refused},
      {kKeyword, "\"a\" \"b\"", refused},
  };
  for (const auto& c : cases) {
    auto decoded = DecodeValue(JsonPayload(c.data), c.type);
    if (c.expected.is_discarded()) {
      EXPECT_TRUE(decoded.IsFailure())
          << TypeName(c.type) << " " << c.data << " -> " << decoded.Value().dump();
      if (decoded.IsFailure()) {
        EXPECT_EQ(decoded.Error().Code(), errors::kInvalidArgument);
      }
      continue;
    }
    ASSERT_TRUE(decoded.IsSuccess())
        << TypeName(c.type) << " " << c.data << ": " << decoded.Error().Message();
    EXPECT_EQ(decoded.Value(), c.expected) << TypeName(c.type) << " " << c.data;
    EXPECT_EQ(decoded.Value().type(), c.expected.type()) << TypeName(c.type) << " " << c.data;
  }
}

TEST(DecodeValue, EncodingsAndTheTypeInTheMetadata) {
  Payload null_payload;
  (*null_payload.mutable_metadata())["encoding"] = "binary/null";
  EXPECT_TRUE(DecodeValue(null_payload, kInt).Value().is_null());
  EXPECT_TRUE(DecodeValue(Payload(), kInt).Value().is_null());
  EXPECT_TRUE(DecodeValue(JsonPayload(""), kInt).Value().is_null());
  Payload binary;
  (*binary.mutable_metadata())["encoding"] = "binary/plain";
  binary.set_data("x");
  EXPECT_TRUE(DecodeValue(binary, kKeyword).IsFailure());
  Payload no_encoding;
  no_encoding.set_data("\"x\"");
  EXPECT_TRUE(DecodeValue(no_encoding, kKeyword).IsFailure());
  // Without a type, the payload's metadata names it.
  EXPECT_EQ(DecodeValue(JsonPayload("5", "Int"), enums::INDEXED_VALUE_TYPE_UNSPECIFIED).Value(), 5);
  EXPECT_EQ(DecodeValue(JsonPayload("5", "INDEXED_VALUE_TYPE_DOUBLE"),
                        enums::INDEXED_VALUE_TYPE_UNSPECIFIED)
                .Value(),
            5.0);
  EXPECT_TRUE(DecodeValue(JsonPayload("5"), enums::INDEXED_VALUE_TYPE_UNSPECIFIED).IsFailure());
  // The type given wins over the metadata.
  EXPECT_EQ(DecodeValue(JsonPayload("\"x\"", "Int"), kKeyword).Value(), "x");
}

TEST(EncodeValue, WritesWhatTheReferenceReturns) {
  struct Case {
    nlohmann::json value;
    IndexedValueType type;
    std::string data;
  };
  const std::vector<Case> cases = {
      {"k1", kKeyword, R"("k1")"},
      {"<a&b> \"q\" \\ \n", kText, R"("\u003ca\u0026b\u003e \"q\" \\ \n")"},
      {"\u2028é", kKeyword, R"("\u2028é")"},
      {5, kInt, "5"},
      {-9, kInt, "-9"},
      {1.5, kDouble, "1.5"},
      {2.0, kDouble, "2"},
      {1e21, kDouble, "1e+21"},
      {1e20, kDouble, "100000000000000000000"},
      {1e-7, kDouble, "1e-7"},
      {0.000001, kDouble, "0.000001"},
      {true, kBool, "true"},
      {int64_t{1704164645120000000}, kDatetime, R"("2024-01-02T03:04:05.12Z")"},
      {int64_t{1704164645000000000}, kDatetime, R"("2024-01-02T03:04:05Z")"},
      {int64_t{-1}, kDatetime, R"("1969-12-31T23:59:59.999999999Z")"},
      {nlohmann::json::array({"a", "b c"}), kKeywordList, R"(["a","b c"])"},
      {nlohmann::json::array(), kKeywordList, "[]"},
  };
  for (const auto& c : cases) {
    Payload payload = EncodeValue(c.value, c.type);
    EXPECT_EQ(payload.data(), c.data) << c.value.dump();
    EXPECT_EQ(payload.metadata().at("encoding"), "json/plain");
    EXPECT_EQ(payload.metadata().at("type"), TypeName(c.type));
    auto decoded = DecodeValue(payload, c.type);
    ASSERT_TRUE(decoded.IsSuccess()) << c.data;
    EXPECT_EQ(decoded.Value(), c.value) << c.data;
  }
  Payload null_payload = EncodeValue(nullptr, kKeyword);
  EXPECT_EQ(null_payload.metadata().at("encoding"), "binary/null");
  EXPECT_EQ(null_payload.data(), "");
  EXPECT_EQ(EncodeValue("x", enums::INDEXED_VALUE_TYPE_UNSPECIFIED).metadata().count("type"), 0u);
}

SearchAttributes Attributes(const std::vector<std::pair<std::string, Payload>>& fields) {
  SearchAttributes attributes;
  for (const auto& [name, payload] : fields) (*attributes.mutable_indexed_fields())[name] = payload;
  return attributes;
}

std::string ValidationError(const SearchAttributes& attributes,
                            const ValidateOptions& options = {}) {
  auto result = ValidateSearchAttributes(attributes, Set(), options);
  EXPECT_TRUE(result.IsFailure());
  if (result.IsSuccess()) return result.Value().dump();
  EXPECT_EQ(result.Error().Code(), errors::kInvalidArgument);
  return result.Error().Message();
}

TEST(ValidateSearchAttributes, ReturnsTheNormalizedValuesAndNullsForRemovals) {
  auto result = ValidateSearchAttributes(
      Attributes({{"CustomKeyword", JsonPayload(R"("k")")},
                  {"CustomInt", JsonPayload("7")},
                  {"CustomDatetime", JsonPayload(R"("1970-01-01T00:00:01Z")")},
                  {"CustomKeywordList", JsonPayload(R"(["x"])")},
                  {"CustomBool", JsonPayload("null")},
                  {"BinaryChecksums", JsonPayload(R"(["b"])")},
                  {"TemporalChangeVersion", JsonPayload(R"(["v-1"])")}}),
      Set());
  ASSERT_TRUE(result.IsSuccess()) << result.Error().Message();
  EXPECT_EQ(result.Value(), nlohmann::json::parse(R"({
    "CustomKeyword": "k", "CustomInt": 7, "CustomDatetime": 1000000000,
    "CustomKeywordList": ["x"], "CustomBool": null, "BinaryChecksums": ["b"],
    "TemporalChangeVersion": ["v-1"]})"));
  EXPECT_EQ(ValidateSearchAttributes(SearchAttributes(), Set()).Value(), nlohmann::json::object());
}

TEST(ValidateSearchAttributes, RefusesAsTheReferenceDoesAndInItsWords) {
  EXPECT_EQ(ValidationError(Attributes({{"WorkflowId", JsonPayload(R"("x")")}})),
            "WorkflowId attribute can't be set in SearchAttributes");
  EXPECT_EQ(ValidationError(Attributes({{"TemporalWorkerDeployment", JsonPayload(R"("x")")}})),
            "TemporalWorkerDeployment attribute can't be set in SearchAttributes");
  EXPECT_EQ(ValidationError(Attributes({{"Nope", JsonPayload(R"("x")")}})),
            "search attribute Nope is not defined");
  ValidateOptions dev_server;
  dev_server.namespace_name = "default";
  EXPECT_EQ(ValidationError(Attributes({{"Nope", JsonPayload(R"("x")")}}), dev_server),
            "Namespace default has no mapping defined for search attribute Nope");
  // Aliases are for queries: setting needs the exact name.
  EXPECT_EQ(ValidationError(Attributes({{"ChangeVersion", JsonPayload(R"(["x"])")}})),
            "search attribute ChangeVersion is not defined");
  const std::vector<std::tuple<std::string, std::string, std::string>> values = {
      {"CustomInt", R"("abc")", "invalid value for search attribute CustomInt of type Int: abc"},
      {"CustomInt", "1.5", "invalid value for search attribute CustomInt of type Int: 1.5"},
      {"CustomKeyword", R"(["a","b"])",
       "invalid value for search attribute CustomKeyword of type Keyword: [a b]"},
      {"CustomKeyword", R"({"a":1,"b":[true,null]})",
       "invalid value for search attribute CustomKeyword of type Keyword: map[a:1 b:[true "
       "<nil>]]"},
      {"CustomKeywordList", R"("a")",
       "invalid value for search attribute CustomKeywordList of type KeywordList: a"},
      {"CustomDatetime", R"("2024-01-01")",
       "invalid value for search attribute CustomDatetime of type Datetime: 2024-01-01"},
      {"CustomDatetime", "12345",
       "invalid value for search attribute CustomDatetime of type Datetime: 12345"},
      {"CustomDouble", "[1.5e30, 2]",
       "invalid value for search attribute CustomDouble of type Double: [1.5e+30 2]"},
      {"CustomBool", R"("true")",
       "invalid value for search attribute CustomBool of type Bool: true"},
      {"CustomInt", "1000000.5",
       "invalid value for search attribute CustomInt of type Int: 1.0000005e+06"},
  };
  for (const auto& [name, data, message] : values) {
    EXPECT_EQ(ValidationError(Attributes({{name, JsonPayload(data)}})), message) << data;
  }
  EXPECT_THAT(ValidationError(Attributes({{"CustomInt", JsonPayload("{")}})),
              HasSubstr("invalid value for search attribute CustomInt of type Int: value from <"));
}

TEST(ValidateSearchAttributes, EnforcesTheReferenceLimits) {
  std::vector<std::pair<std::string, Payload>> many;
  many.reserve(101);
  for (int i = 0; i < 101; ++i) many.push_back({"CustomInt" + std::to_string(i), JsonPayload("1")});
  EXPECT_EQ(ValidationError(Attributes(many)), "number of search attributes 101 exceeds limit 100");
  std::string big = "\"" + std::string(3000, 'a') + "\"";
  EXPECT_EQ(ValidationError(Attributes({{"CustomKeyword", JsonPayload(big)}})),
            "search attribute CustomKeyword value size 3002 exceeds size limit 2048");
  ValidateOptions small;
  small.limits.total_size_bytes_max = 60;
  std::string message =
      ValidationError(Attributes({{"CustomKeyword", JsonPayload(R"("abcdefghij")")},
                                  {"CustomText", JsonPayload(R"("abcdefghij")")}}),
                      small);
  EXPECT_THAT(message, ::testing::MatchesRegex(
                           "total size of search attributes [0-9]+ exceeds size limit 60"));
  // Upserts check sizes on the merged attributes instead.
  small.check_size = false;
  EXPECT_TRUE(
      ValidateSearchAttributes(Attributes({{"CustomKeyword", JsonPayload(big)}}), Set(), small)
          .IsSuccess());
  EXPECT_TRUE(
      ValidateSearchAttributesSize(Attributes({{"CustomKeyword", JsonPayload(big)}})).IsFailure());
  EXPECT_TRUE(ValidateSearchAttributesSize(Attributes({{"CustomKeyword", JsonPayload("\"a\"")}}))
                  .IsSuccess());
}

TEST(CustomAttributeNames, TheReferenceReservesBuiltInAndTemporalNames) {
  for (const char* name :
       {"WorkflowId", "ExecutionStatus", "BuildIds", "BatcherUser", "TemporalAnything", "Temporal",
        "NamespaceId", "Memo", "MemoEncoding", "VisibilityTaskKey"}) {
    auto result = ValidateCustomAttributeName(name);
    ASSERT_TRUE(result.IsFailure()) << name;
    EXPECT_EQ(result.Error().Message(),
              "Search attribute " + std::string(name) + " is reserved by system.");
    EXPECT_EQ(result.Error().Code(), errors::kInvalidArgument);
  }
  for (const char* name :
       {"CustomKeyword", "ScheduleId", "temporalLower", "With space", "é", "O'Brien"}) {
    EXPECT_TRUE(ValidateCustomAttributeName(name).IsSuccess()) << name;
  }
  for (const std::string& name :
       {std::string(""), std::string("a\"b"), std::string("tab\there"), std::string("bad\xff")}) {
    auto result = ValidateCustomAttributeName(name);
    ASSERT_TRUE(result.IsFailure()) << name;
    EXPECT_THAT(result.Error().Message(), HasSubstr("is not valid"));
  }
}

TEST(CustomAttributeTypes, RulesAndMessagesOfTheReference) {
  EXPECT_TRUE(ValidateCustomAttributeType(enums::INDEXED_VALUE_TYPE_KEYWORD).IsSuccess());
  EXPECT_TRUE(ValidateCustomAttributeType(enums::INDEXED_VALUE_TYPE_UNSPECIFIED).IsSuccess());
  EXPECT_EQ(ValidateCustomAttributeType(99).Error().Message(),
            "Unknown search attribute type: 99.");
  EXPECT_EQ(CustomAttributeCountMax(kKeyword), 10u);
  EXPECT_EQ(CustomAttributeCountMax(kKeywordList), 3u);
  EXPECT_EQ(CustomAttributeCountMax(enums::INDEXED_VALUE_TYPE_UNSPECIFIED), 0u);
  EXPECT_EQ(TooManyCustomAttributesMessage(3, kInt),
            "Unable to create search attributes: cannot have more than 3 search attribute of "
            "type Int.");
  EXPECT_EQ(SearchAttributeAlreadyExistsMessage("X"), "Search attribute X already exists.");
  EXPECT_EQ(SearchAttributeDoesNotExistMessage("X"), "Search attribute X doesn't exist.");
}

}  // namespace
}  // namespace hdo::visibility
