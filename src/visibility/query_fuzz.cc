// libFuzzer target: arbitrary bytes as a list filter (TranslateQuery for lists and counts) and as
// the data of a search attribute payload of every type (DecodeValue, then EncodeValue and
// DecodeValue again must give the same value). Run by scripts/fuzz-visibility-query (ctest
// visibility_query_fuzz); any crash, leak, undefined behaviour or broken property fails it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "visibility/query.h"
#include "visibility/search_attributes.h"

namespace {

namespace enums = temporal::api::enums::v1;
using hdo::visibility::IndexedValueType;

const hdo::visibility::SearchAttributeSet& Set() {
  static const auto* set = new hdo::visibility::SearchAttributeSet({
      {"CustomKeyword", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"CustomText", enums::INDEXED_VALUE_TYPE_TEXT},
      {"CustomInt", enums::INDEXED_VALUE_TYPE_INT},
      {"CustomDouble", enums::INDEXED_VALUE_TYPE_DOUBLE},
      {"CustomBool", enums::INDEXED_VALUE_TYPE_BOOL},
      {"CustomDatetime", enums::INDEXED_VALUE_TYPE_DATETIME},
      {"CustomKeywordList", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"ScheduleIdLike", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"It's", enums::INDEXED_VALUE_TYPE_KEYWORD},
  });
  return *set;
}

void Check(bool condition) {
  if (!condition) std::abort();
}

void FuzzQuery(std::string_view query) {
  for (auto use : {hdo::visibility::QueryUse::kList, hdo::visibility::QueryUse::kCount}) {
    auto filter =
        hdo::visibility::TranslateQuery(query, Set(), hdo::visibility::Dialect::kSqlite, use);
    if (filter.IsFailure()) {
      // Every refusal is an invalid query that names a column.
      Check(filter.Error().Code() == hdo::visibility::kErrorInvalidQuery);
      Check(filter.Error().Message().rfind("invalid query: ", 0) == 0);
      Check(filter.Error().Message().find(" column ") != std::string::npos);
      continue;
    }
    // Values reach the SQL only as placeholders: one '?' per parameter (no name of the set holds
    // one), and never the implicit filter alone when the query has a condition.
    const std::string& where = filter.Value().where;
    size_t placeholders = 0;
    for (char c : where) placeholders += c == '?';
    Check(placeholders == filter.Value().params.size());
    Check(!where.empty());
  }
}

void FuzzPayload(std::string_view data) {
  for (int t = enums::INDEXED_VALUE_TYPE_TEXT; t <= enums::INDEXED_VALUE_TYPE_KEYWORD_LIST; ++t) {
    auto type = static_cast<IndexedValueType>(t);
    temporal::api::common::v1::Payload payload;
    (*payload.mutable_metadata())["encoding"] = "json/plain";
    payload.set_data(std::string(data));
    auto decoded = hdo::visibility::DecodeValue(payload, type);
    if (decoded.IsFailure()) continue;
    auto encoded = hdo::visibility::EncodeValue(decoded.Value(), type);
    auto again = hdo::visibility::DecodeValue(encoded, type);
    Check(again.IsSuccess());
    Check(again.Value() == decoded.Value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  FuzzQuery(input);
  FuzzPayload(input);
  return 0;
}
