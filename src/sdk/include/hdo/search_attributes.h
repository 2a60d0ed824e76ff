// Typed search attributes (the Go SDK's SearchAttributeKey* and SearchAttributes): a key names an
// attribute and its indexed type, and each value is sent as the default converter's payload with
// metadata `type` naming that type ("Keyword", "Text", "Int", "Double", "Bool", "Datetime",
// "KeywordList"), as the other SDKs write them, so the server checks it against the attribute's
// registered type. Datetimes are RFC 3339 strings in UTC with nanoseconds, trailing zeros trimmed
// (Go's time.Time JSON).
//
//   const auto kCustomer = hdo::KeywordSearchAttribute("CustomerId");
//   hdo::SearchAttributes attributes;
//   attributes.Set(kCustomer, std::string("c-42"));
//   start_options.typed_search_attributes = attributes;      // on start
//   ctx.UpsertTypedSearchAttributes(attributes);             // from workflow code
//   ctx.TypedSearchAttributes().Get(kCustomer);              // as the run sees them
//
// Owner: value types. Thread safety: as std::map (no shared state).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hdo/converter.h"
#include "hugo/result.h"

namespace hdo {

enum class SearchAttributeType { kText, kKeyword, kInt, kDouble, kBool, kDatetime, kKeywordList };

// "Text", "Keyword", "Int", "Double", "Bool", "Datetime", "KeywordList".
std::string_view SearchAttributeTypeName(SearchAttributeType type);

template <class T>
struct SearchAttributeKey {
  std::string name;
  SearchAttributeType type;
};

using SearchAttributeTime = std::chrono::system_clock::time_point;

inline SearchAttributeKey<std::string> TextSearchAttribute(std::string name) {
  return {std::move(name), SearchAttributeType::kText};
}
inline SearchAttributeKey<std::string> KeywordSearchAttribute(std::string name) {
  return {std::move(name), SearchAttributeType::kKeyword};
}
inline SearchAttributeKey<int64_t> IntSearchAttribute(std::string name) {
  return {std::move(name), SearchAttributeType::kInt};
}
inline SearchAttributeKey<double> DoubleSearchAttribute(std::string name) {
  return {std::move(name), SearchAttributeType::kDouble};
}
inline SearchAttributeKey<bool> BoolSearchAttribute(std::string name) {
  return {std::move(name), SearchAttributeType::kBool};
}
inline SearchAttributeKey<SearchAttributeTime> DatetimeSearchAttribute(std::string name) {
  return {std::move(name), SearchAttributeType::kDatetime};
}
inline SearchAttributeKey<std::vector<std::string>> KeywordListSearchAttribute(std::string name) {
  return {std::move(name), SearchAttributeType::kKeywordList};
}

// RFC 3339 in UTC with the nanoseconds Go prints ("2026-12-04T17:00:00.5Z"), and its reading
// (any offset, 0 to 9 fraction digits).
std::string FormatSearchAttributeTime(SearchAttributeTime time);
std::optional<SearchAttributeTime> ParseSearchAttributeTime(std::string_view text);

class SearchAttributes {
 public:
  SearchAttributes() = default;
  // As they arrive (WorkflowInfo::search_attributes, a Describe): payloads of any SDK.
  explicit SearchAttributes(std::map<std::string, Payload> payloads)
      : payloads_(std::move(payloads)) {}

  template <class T>
  SearchAttributes& Set(const SearchAttributeKey<T>& key, const T& value) {
    Payload payload;
    if constexpr (std::is_same_v<T, SearchAttributeTime>) {
      payload = ToPayload(FormatSearchAttributeTime(value)).Value();
    } else {
      payload = ToPayload(value).Value();  // strings, numbers, bools, lists: JSON, never fails
    }
    (*payload.mutable_metadata())["type"] = std::string(SearchAttributeTypeName(key.type));
    payloads_[key.name] = std::move(payload);
    return *this;
  }
  // On an upsert, removes the attribute from the workflow (a binary/null payload, as Go's
  // ValueUnset).
  template <class T>
  SearchAttributes& Unset(const SearchAttributeKey<T>& key) {
    Payload payload = ToPayload(nullptr).Value();
    (*payload.mutable_metadata())["type"] = std::string(SearchAttributeTypeName(key.type));
    payloads_[key.name] = std::move(payload);
    return *this;
  }
  // The value, std::nullopt when absent or unset; a value of another shape is a decode error.
  template <class T>
  hugo::Result<std::optional<T>> Get(const SearchAttributeKey<T>& key) const {
    auto it = payloads_.find(key.name);
    if (it == payloads_.end() || PayloadEncoding(it->second) == Encodings::kNull) {
      return hugo::Result<std::optional<T>>::Ok(std::nullopt);
    }
    if constexpr (std::is_same_v<T, SearchAttributeTime>) {
      auto text = FromPayload<std::string>(it->second);
      if (text.IsFailure()) return text.Error();
      auto time = ParseSearchAttributeTime(text.Value());
      if (!time) {
        return hugo::Error::From(
            "search attribute " + key.name + " is not an RFC 3339 time: " + text.Value(),
            std::string(ConverterCodes::kDecode));
      }
      return hugo::Result<std::optional<T>>::Ok(*time);
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      // A keyword list with one value may arrive as that value alone.
      auto list = FromPayload<T>(it->second);
      if (list.IsSuccess()) return hugo::Result<std::optional<T>>::Ok(std::move(list).Value());
      auto one = FromPayload<std::string>(it->second);
      if (one.IsFailure()) return list.Error();
      return hugo::Result<std::optional<T>>::Ok(T{one.Value()});
    } else {
      auto value = FromPayload<T>(it->second);
      if (value.IsFailure()) return value.Error();
      return hugo::Result<std::optional<T>>::Ok(std::move(value).Value());
    }
  }

  bool Contains(std::string_view name) const { return payloads_.count(std::string(name)) > 0; }
  bool empty() const { return payloads_.empty(); }
  size_t size() const { return payloads_.size(); }
  const std::map<std::string, Payload>& payloads() const { return payloads_; }

 private:
  std::map<std::string, Payload> payloads_;
};

}  // namespace hdo
