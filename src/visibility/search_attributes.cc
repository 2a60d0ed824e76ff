#include "visibility/search_attributes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "common/error_codes.h"
#include "visibility/go_compat.h"

namespace hdo::visibility {
namespace {

namespace enums = temporal::api::enums::v1;
using temporal::api::common::v1::Payload;
using Kind = AttributeDef::Kind;

constexpr IndexedValueType kKeyword = enums::INDEXED_VALUE_TYPE_KEYWORD;
constexpr IndexedValueType kText = enums::INDEXED_VALUE_TYPE_TEXT;
constexpr IndexedValueType kInt = enums::INDEXED_VALUE_TYPE_INT;
constexpr IndexedValueType kDouble = enums::INDEXED_VALUE_TYPE_DOUBLE;
constexpr IndexedValueType kBool = enums::INDEXED_VALUE_TYPE_BOOL;
constexpr IndexedValueType kDatetime = enums::INDEXED_VALUE_TYPE_DATETIME;
constexpr IndexedValueType kKeywordList = enums::INDEXED_VALUE_TYPE_KEYWORD_LIST;

constexpr char kReservedPrefix[] = "Temporal";

struct Builtin {
  const char* name;
  IndexedValueType type;
  const char* column;  // system attributes only
};

// common/searchattribute/defs.go (v1.29.7): `system`, with sqlDbSystemNameToColName.
constexpr Builtin kSystem[] = {
    {"WorkflowId", kKeyword, "workflow_id"},
    {"RunId", kKeyword, "run_id"},
    {"WorkflowType", kKeyword, "workflow_type_name"},
    {"StartTime", kDatetime, "start_time"},
    {"ExecutionTime", kDatetime, "execution_time"},
    {"CloseTime", kDatetime, "close_time"},
    {"ExecutionStatus", kKeyword, "status"},
    {"TaskQueue", kKeyword, "task_queue"},
    {"HistoryLength", kInt, "history_length"},
    {"ExecutionDuration", kInt, "execution_duration"},
    {"StateTransitionCount", kInt, "state_transition_count"},
    {"HistorySizeBytes", kInt, "history_size_bytes"},
    {"ParentWorkflowId", kKeyword, "parent_workflow_id"},
    {"ParentRunId", kKeyword, "parent_run_id"},
    {"RootWorkflowId", kKeyword, "root_workflow_id"},
    {"RootRunId", kKeyword, "root_run_id"},
};

// `predefined`; the first ten are `predefinedWhiteList`, the ones users may set.
constexpr Builtin kPredefined[] = {
    {"TemporalChangeVersion", kKeywordList, ""},
    {"BinaryChecksums", kKeywordList, ""},
    {"BuildIds", kKeywordList, ""},
    {"BatcherNamespace", kKeyword, ""},
    {"BatcherUser", kKeyword, ""},
    {"TemporalScheduledStartTime", kDatetime, ""},
    {"TemporalScheduledById", kKeyword, ""},
    {"TemporalSchedulePaused", kBool, ""},
    // Also a column: every list filters on it implicitly (docs/architecture/visibility.md).
    {"TemporalNamespaceDivision", kKeyword, "namespace_division"},
    {"TemporalPauseInfo", kKeywordList, ""},
    {"TemporalWorkerDeploymentVersion", kKeyword, ""},
    {"TemporalWorkflowVersioningBehavior", kKeyword, ""},
    {"TemporalWorkerDeployment", kKeyword, ""},
};
constexpr size_t kPredefinedUserSettable = 10;

// `reserved`: internal field names that are no attribute and can't be one.
constexpr const char* kReserved[] = {"NamespaceId", "MemoEncoding", "Memo", "VisibilityTaskKey"};

bool IsBuiltin(std::string_view name) {
  for (const Builtin& b : kSystem) {
    if (name == b.name) return true;
  }
  for (const Builtin& b : kPredefined) {
    if (name == b.name) return true;
  }
  return false;
}

bool IsUserSettablePredefined(std::string_view name) {
  for (size_t i = 0; i < kPredefinedUserSettable; ++i) {
    if (name == kPredefined[i].name) return true;
  }
  return false;
}

hugo::Error Invalid(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

// Go's json.Unmarshal of one JSON value into a variable of the attribute's element type (a null
// element leaves the zero value). nullopt when it does not fit.
std::optional<nlohmann::json> DecodeScalar(const nlohmann::json& value, IndexedValueType type) {
  switch (type) {
    case kKeyword:
    case kText:
      if (value.is_null()) return nlohmann::json("");
      if (value.is_string() && go::IsValidUtf8(value.get_ref<const std::string&>())) return value;
      return std::nullopt;
    case kInt:
      if (value.is_null()) return nlohmann::json(0);
      if (value.is_number_integer() && !value.is_number_unsigned()) return value;
      if (value.is_number_unsigned() &&
          value.get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()}) {
        return nlohmann::json(static_cast<int64_t>(value.get<uint64_t>()));
      }
      return std::nullopt;
    case kDouble:
      if (value.is_null()) return nlohmann::json(0.0);
      if (value.is_number() && std::isfinite(value.get<double>())) {
        return nlohmann::json(value.get<double>());
      }
      return std::nullopt;
    case kBool:
      if (value.is_null()) return nlohmann::json(false);
      if (value.is_boolean()) return value;
      return std::nullopt;
    case kDatetime: {
      // The zero time.Time of a null element does not fit int64 nanoseconds.
      if (!value.is_string()) return std::nullopt;
      std::optional<int64_t> nanos = go::ParseRfc3339(value.get_ref<const std::string&>());
      if (!nanos) return std::nullopt;
      return nlohmann::json(*nanos);
    }
    case kKeywordList: {
      if (!value.is_array()) return std::nullopt;
      nlohmann::json list = nlohmann::json::array();
      for (const auto& item : value) {
        std::optional<nlohmann::json> text = DecodeScalar(item, kKeyword);
        if (!text) return std::nullopt;
        list.push_back(std::move(*text));
      }
      return list;
    }
    default:
      return std::nullopt;
  }
}

// searchattribute.decodeValueTyped with allowList false (the SQL stores' decoding): the value as
// the type, else a list of the type whose single element stands for it.
hugo::Result<nlohmann::json> DecodeTyped(const nlohmann::json& value, IndexedValueType type) {
  if (value.is_null()) return hugo::Ok(nlohmann::json(nullptr));
  if (std::optional<nlohmann::json> decoded = DecodeScalar(value, type)) {
    return hugo::Ok(std::move(*decoded));
  }
  auto invalid = [&] {
    return Invalid("invalid search attribute value of type " + std::string(TypeName(type)) + ": " +
                   go::FormatV(value));
  };
  if (!value.is_array()) return invalid();
  std::vector<nlohmann::json> items;
  for (const auto& item : value) {
    std::optional<nlohmann::json> decoded = DecodeScalar(item, type);
    if (!decoded) return invalid();
    items.push_back(std::move(*decoded));
  }
  if (items.empty()) return hugo::Ok(nlohmann::json(nullptr));
  if (items.size() > 1) {
    return Invalid("list of values not allowed for type " + std::string(TypeName(type)));
  }
  return hugo::Ok(std::move(items.front()));
}

std::string_view MetadataOf(const Payload& payload, const std::string& key) {
  auto it = payload.metadata().find(key);
  return it == payload.metadata().end() ? std::string_view() : std::string_view(it->second);
}

// The value Go's payload.Decode into interface{} reports in the validator's message.
std::string InvalidValueText(const Payload& payload) {
  std::string_view encoding = MetadataOf(payload, "encoding");
  if (encoding == "binary/null") return "<nil>";
  if (encoding == "json/plain") {
    nlohmann::json value = nlohmann::json::parse(payload.data(), nullptr, false);
    if (!value.is_discarded()) return go::FormatV(value);
  }
  return "value from <" + payload.ShortDebugString() + ">";
}

std::string SqlColumnOf(const Builtin& builtin) { return builtin.column; }

}  // namespace

SearchAttributeSet::SearchAttributeSet(std::map<std::string, IndexedValueType> custom) {
  auto add = [this](std::string name, IndexedValueType type, Kind kind, std::string column) {
    index_.emplace(name, all_.size());
    all_.push_back(AttributeDef{std::move(name), type, kind, std::move(column)});
  };
  std::vector<Builtin> system(std::begin(kSystem), std::end(kSystem));
  std::sort(system.begin(), system.end(),
            [](const Builtin& a, const Builtin& b) { return std::string_view(a.name) < b.name; });
  for (const Builtin& b : system) add(b.name, b.type, Kind::kSystem, SqlColumnOf(b));
  std::vector<Builtin> predefined(std::begin(kPredefined), std::end(kPredefined));
  std::sort(predefined.begin(), predefined.end(),
            [](const Builtin& a, const Builtin& b) { return std::string_view(a.name) < b.name; });
  for (const Builtin& b : predefined) add(b.name, b.type, Kind::kPredefined, SqlColumnOf(b));
  while (!custom.empty()) {
    auto entry = custom.extract(custom.begin());
    if (IsBuiltin(entry.key())) continue;
    add(std::move(entry.key()), entry.mapped(), Kind::kCustom, "");
  }
}

const AttributeDef* SearchAttributeSet::FindExact(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &all_[it->second];
}

const AttributeDef* SearchAttributeSet::Find(std::string_view name) const {
  if (const AttributeDef* exact = FindExact(name)) return exact;
  std::string_view unprefixed = name;
  bool prefixed = unprefixed.substr(0, sizeof(kReservedPrefix) - 1) == kReservedPrefix;
  if (prefixed) unprefixed.remove_prefix(sizeof(kReservedPrefix) - 1);
  if (unprefixed == kScheduleId) return FindExact(kWorkflowId);
  if (prefixed) return FindExact(unprefixed);
  return FindExact(std::string(kReservedPrefix) + std::string(name));
}

std::string_view TypeName(IndexedValueType type) {
  switch (type) {
    case kText:
      return "Text";
    case kKeyword:
      return "Keyword";
    case kInt:
      return "Int";
    case kDouble:
      return "Double";
    case kBool:
      return "Bool";
    case kDatetime:
      return "Datetime";
    case kKeywordList:
      return "KeywordList";
    default:
      return "Unspecified";
  }
}

IndexedValueType TypeFromName(std::string_view name) {
  for (IndexedValueType type : {kText, kKeyword, kInt, kDouble, kBool, kDatetime, kKeywordList}) {
    if (name == TypeName(type) || name == enums::IndexedValueType_Name(type)) return type;
  }
  return enums::INDEXED_VALUE_TYPE_UNSPECIFIED;
}

std::string_view ExecutionStatusName(int32_t status) {
  static constexpr std::string_view kNames[] = {"Unspecified",    "Running",  "Completed",
                                                "Failed",         "Canceled", "Terminated",
                                                "ContinuedAsNew", "TimedOut"};
  if (status < 0 || status >= static_cast<int32_t>(std::size(kNames))) return "Unspecified";
  return kNames[status];
}

hugo::Result<nlohmann::json> DecodeValue(const Payload& payload, IndexedValueType type) {
  if (type == enums::INDEXED_VALUE_TYPE_UNSPECIFIED) {
    type = TypeFromName(MetadataOf(payload, "type"));
    if (type == enums::INDEXED_VALUE_TYPE_UNSPECIFIED) {
      return Invalid("invalid search attribute type: " + std::string(MetadataOf(payload, "type")));
    }
  }
  if (TypeName(type) == "Unspecified") {
    return Invalid("invalid search attribute type: " + std::to_string(static_cast<int>(type)));
  }
  std::string_view encoding = MetadataOf(payload, "encoding");
  if (encoding == "binary/null") return hugo::Ok(nlohmann::json(nullptr));
  // An empty payload means null too (hdo: an SDK never sends one; the reference refuses one with
  // no encoding, and this makes "empty means remove" hold for upserts).
  if (payload.data().empty() && (encoding.empty() || encoding == "json/plain")) {
    return hugo::Ok(nlohmann::json(nullptr));
  }
  if (encoding.empty()) return Invalid("payload encoding metadata is not set");
  if (encoding != "json/plain") {
    return Invalid("payload encoding " + std::string(encoding) +
                   " is not supported for search attributes");
  }
  nlohmann::json value = nlohmann::json::parse(payload.data(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Invalid("search attribute value is not valid JSON");
  return DecodeTyped(value, type);
}

Payload EncodeValue(const nlohmann::json& normalized, IndexedValueType type) {
  Payload payload;
  auto& metadata = *payload.mutable_metadata();
  if (TypeName(type) != "Unspecified") metadata["type"] = std::string(TypeName(type));
  if (normalized.is_null()) {
    metadata["encoding"] = "binary/null";
    return payload;
  }
  metadata["encoding"] = "json/plain";
  std::string data;
  if (type == kDatetime && normalized.is_number_integer()) {
    go::AppendJsonString(data, go::FormatRfc3339Nano(normalized.get<int64_t>()));
  } else if (type == kDouble && normalized.is_number()) {
    double value = normalized.get<double>();
    data = std::isfinite(value) ? go::JsonFloat(value) : "null";
  } else if (normalized.is_string()) {
    go::AppendJsonString(data, normalized.get_ref<const std::string&>());
  } else if (normalized.is_array() &&
             std::all_of(normalized.begin(), normalized.end(),
                         [](const nlohmann::json& item) { return item.is_string(); })) {
    data = "[";
    for (size_t i = 0; i < normalized.size(); ++i) {
      if (i > 0) data += ',';
      go::AppendJsonString(data, normalized[i].get_ref<const std::string&>());
    }
    data += "]";
  } else {
    data = normalized.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  payload.set_data(std::move(data));
  return payload;
}

hugo::Result<nlohmann::json> ValidateSearchAttributes(
    const temporal::api::common::v1::SearchAttributes& attributes, const SearchAttributeSet& set,
    const ValidateOptions& options) {
  nlohmann::json normalized = nlohmann::json::object();
  const auto& fields = attributes.indexed_fields();
  if (fields.empty()) return hugo::Ok(std::move(normalized));
  if (static_cast<size_t>(fields.size()) > options.limits.keys_max) {
    return Invalid("number of search attributes " + std::to_string(fields.size()) +
                   " exceeds limit " + std::to_string(options.limits.keys_max));
  }
  // In name order, so that the first error reported does not depend on the map's order.
  std::map<std::string_view, const Payload*> sorted;
  for (const auto& [name, payload] : fields) sorted.emplace(name, &payload);
  for (const auto& [name, payload] : sorted) {
    const AttributeDef* def = set.FindExact(name);
    if (def != nullptr && def->kind == Kind::kSystem) {
      return Invalid(std::string(name) + " attribute can't be set in SearchAttributes");
    }
    if (def == nullptr) {
      if (!options.namespace_name.empty()) {
        return Invalid("Namespace " + options.namespace_name +
                       " has no mapping defined for search attribute " + std::string(name));
      }
      return Invalid("search attribute " + std::string(name) + " is not defined");
    }
    if (def->kind == Kind::kPredefined && !IsUserSettablePredefined(name)) {
      return Invalid(std::string(name) + " attribute can't be set in SearchAttributes");
    }
    auto value = DecodeValue(*payload, def->type);
    if (value.IsFailure()) {
      return Invalid("invalid value for search attribute " + std::string(name) + " of type " +
                     std::string(TypeName(def->type)) + ": " + InvalidValueText(*payload));
    }
    normalized[std::string(name)] = std::move(value).Value();
  }
  if (options.check_size) {
    auto sized = ValidateSearchAttributesSize(attributes, options.limits);
    if (sized.IsFailure()) return sized.Error();
  }
  return hugo::Ok(std::move(normalized));
}

hugo::Result<hugo::Unit> ValidateSearchAttributesSize(
    const temporal::api::common::v1::SearchAttributes& attributes,
    const SearchAttributeLimits& limits) {
  std::map<std::string_view, size_t> sizes;
  for (const auto& [name, payload] : attributes.indexed_fields()) {
    sizes.emplace(name, payload.data().size());
  }
  for (const auto& [name, size] : sizes) {
    if (size > limits.value_size_bytes_max) {
      return Invalid("search attribute " + std::string(name) + " value size " +
                     std::to_string(size) + " exceeds size limit " +
                     std::to_string(limits.value_size_bytes_max));
    }
  }
  size_t total = attributes.ByteSizeLong();
  if (total > limits.total_size_bytes_max) {
    return Invalid("total size of search attributes " + std::to_string(total) +
                   " exceeds size limit " + std::to_string(limits.total_size_bytes_max));
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> ValidateCustomAttributeName(std::string_view name) {
  bool reserved = IsBuiltin(name) || name.substr(0, sizeof(kReservedPrefix) - 1) == kReservedPrefix;
  for (const char* r : kReserved) reserved = reserved || name == r;
  if (reserved) {
    return Invalid("Search attribute " + std::string(name) + " is reserved by system.");
  }
  bool control = std::any_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '"';
  });
  if (name.empty() || control || !go::IsValidUtf8(name)) {
    return Invalid("Search attribute name '" + std::string(name) +
                   "' is not valid: it must be non-empty UTF-8 without '\"' or control "
                   "characters.");
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> ValidateCustomAttributeType(int32_t type) {
  if (!enums::IndexedValueType_IsValid(type)) {
    return Invalid("Unknown search attribute type: " + std::to_string(type) + ".");
  }
  return hugo::Ok();
}

size_t CustomAttributeCountMax(IndexedValueType type) {
  switch (type) {
    case kKeyword:
      return 10;
    case kText:
    case kInt:
    case kDouble:
    case kBool:
    case kDatetime:
    case kKeywordList:
      return 3;
    default:
      return 0;
  }
}

std::string TooManyCustomAttributesMessage(size_t count, IndexedValueType type) {
  return "Unable to create search attributes: cannot have more than " + std::to_string(count) +
         " search attribute of type " + std::string(TypeName(type)) + ".";
}

std::string SearchAttributeAlreadyExistsMessage(std::string_view name) {
  return "Search attribute " + std::string(name) + " already exists.";
}

std::string SearchAttributeDoesNotExistMessage(std::string_view name) {
  return "Search attribute " + std::string(name) + " doesn't exist.";
}

}  // namespace hdo::visibility
