// Search attributes: the catalogue a namespace can list on and set (system, predefined and custom
// attributes, as in reference server 1.29, common/searchattribute/defs.go), the codec between SDK
// payloads and the normalized JSON values the visibility row stores, and the validation of the
// attributes a start, signal-with-start or upsert sets (common/searchattribute/validator.go).
//
// Normalized values, one JSON value per attribute in the `search_attributes` column of
// `executions_visibility`: Keyword and Text a string, Int an integer, Double a number, Bool
// true/false, Datetime integer nanoseconds since the Unix epoch (UTC), KeywordList an array of
// strings. JSON null means "remove this attribute" (an upsert of a null or empty payload).
//
// Owner: src/visibility. Thread safety: a SearchAttributeSet is immutable after construction and
// safe to share between threads; the functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"
#include "temporal/api/common/v1/message.pb.h"
#include "temporal/api/enums/v1/common.pb.h"

namespace hdo::visibility {

using IndexedValueType = temporal::api::enums::v1::IndexedValueType;

// Names of the attributes the translator and the visibility row treat specially.
inline constexpr char kWorkflowId[] = "WorkflowId";
inline constexpr char kCloseTime[] = "CloseTime";
inline constexpr char kExecutionStatus[] = "ExecutionStatus";
inline constexpr char kExecutionDuration[] = "ExecutionDuration";
inline constexpr char kTemporalNamespaceDivision[] = "TemporalNamespaceDivision";
// The division of standalone activities' rows (history/engine_standalone_activity.cc): lists of
// workflows leave them out, ListActivityExecutions and CountActivityExecutions read only them.
inline constexpr char kStandaloneActivityDivision[] = "TemporalStandaloneActivity";
// The division of standalone Nexus operations' rows (history/engine_standalone_nexus.cc), read
// only by ListNexusOperationExecutions and CountNexusOperationExecutions. Their rows keep the
// endpoint, service, operation and the handler's request id in the JSON attributes under these
// names (the reference's Endpoint, Service, Operation and RequestId); OperationId is WorkflowId.
inline constexpr char kStandaloneNexusDivision[] = "TemporalStandaloneNexusOperation";
inline constexpr char kNexusEndpointAttribute[] = "Endpoint";
inline constexpr char kNexusServiceAttribute[] = "Service";
inline constexpr char kNexusOperationAttribute[] = "Operation";
inline constexpr char kNexusRequestIdAttribute[] = "RequestId";
// A query may name a schedule by ScheduleId (or TemporalScheduleId): it means WorkflowId with this
// prefix on every value, unless the namespace defines a custom ScheduleId.
inline constexpr char kScheduleId[] = "ScheduleId";
inline constexpr char kScheduleWorkflowIdPrefix[] = "temporal-sys-scheduler:";

struct AttributeDef {
  std::string name;  // canonical name
  IndexedValueType type;
  enum class Kind { kSystem, kPredefined, kCustom } kind;
  // The column of executions_visibility for kSystem, and for TemporalNamespaceDivision (kept in
  // both: the JSON for replies, the column for the implicit filter's index); empty for the
  // others, which live in the JSON column `search_attributes` under `name`.
  std::string column;
};

// The attributes one namespace knows: the system and predefined ones of the reference, and the
// namespace's custom ones.
class SearchAttributeSet {
 public:
  // Custom attributes whose name is a system or predefined one are ignored (AddSearchAttributes
  // refuses such names; see ValidateCustomAttributeName).
  explicit SearchAttributeSet(std::map<std::string, IndexedValueType> custom = {});

  // The attribute a query names, by the reference's resolution (exact and case-sensitive): a
  // custom attribute first, then a system or predefined one; then ScheduleId and
  // TemporalScheduleId mean WorkflowId; then the name with its "Temporal" prefix removed, or with
  // it added (reference 1.30+: "ChangeVersion" finds TemporalChangeVersion). nullptr when none.
  const AttributeDef* Find(std::string_view name) const;
  // The attribute of exactly this name, without aliases (what setting an attribute requires).
  const AttributeDef* FindExact(std::string_view name) const;
  // System, predefined, then custom attributes, each group in name order.
  const std::vector<AttributeDef>& All() const { return all_; }

 private:
  std::vector<AttributeDef> all_;
  std::map<std::string, size_t, std::less<>> index_;
};

// "Keyword", "Text", "Int", "Double", "Bool", "Datetime", "KeywordList" ("Unspecified" for
// anything else): the reference's name of a type (its enum String()).
std::string_view TypeName(IndexedValueType type);
// The type a name means: the short names above or the enum names ("INDEXED_VALUE_TYPE_INT").
// INDEXED_VALUE_TYPE_UNSPECIFIED when unknown.
IndexedValueType TypeFromName(std::string_view name);

// The short name of a temporal.api.enums.v1.WorkflowExecutionStatus ("Running", "Completed",
// ...): the value a count grouped by ExecutionStatus reports. "Unspecified" for unknown numbers.
std::string_view ExecutionStatusName(int32_t status);

// Decodes an SDK payload of an attribute of `type` (when INDEXED_VALUE_TYPE_UNSPECIFIED, the type
// named by the payload's "type" metadata) into its normalized value, as the reference's
// searchattribute.DecodeValue does for the SQL stores: `json/plain` data (or `binary/null`); a
// JSON null, an empty payload or an empty list is JSON null (remove); a list of one value stands
// for that value; Int takes only integral JSON numbers in int64; Datetime takes an RFC 3339
// string (nanosecond precision, stored in UTC; times outside 1677..2262 are refused because they
// do not fit int64 nanoseconds); KeywordList takes an array of strings (not a single string, as in
// the reference). Strings must be valid UTF-8. Error code errors::kInvalidArgument.
hugo::Result<nlohmann::json> DecodeValue(const temporal::api::common::v1::Payload& payload,
                                         IndexedValueType type);

// The payload the reference returns for a normalized value in ListWorkflowExecutions and
// DescribeWorkflowExecution: `json/plain` encoded as Go's encoding/json does, metadata "type" set
// to TypeName(type) (absent for INDEXED_VALUE_TYPE_UNSPECIFIED), Datetime as an RFC 3339 string in
// UTC with nanoseconds (trailing zeros trimmed). JSON null gives a `binary/null` payload.
temporal::api::common::v1::Payload EncodeValue(const nlohmann::json& normalized,
                                               IndexedValueType type);

// The reference's limits on the attributes of one request (dynamic config defaults).
struct SearchAttributeLimits {
  size_t keys_max = 100;                            // frontend.searchAttributesNumberOfKeysLimit
  size_t value_size_bytes_max = size_t{2} * 1024;   // frontend.searchAttributesSizeOfValueLimit
  size_t total_size_bytes_max = size_t{40} * 1024;  // frontend.searchAttributesTotalSizeLimit
};

struct ValidateOptions {
  SearchAttributeLimits limits;
  // Check the value and total sizes too (the reference checks them at start and signal-with-start;
  // an upsert is validated without them and the merged attributes are checked with
  // ValidateSearchAttributesSize).
  bool check_size = true;
  // When set, an undefined name is answered as the reference's SQL visibility (the dev server)
  // answers it: "Namespace <namespace_name> has no mapping defined for search attribute <name>".
  // When empty, with validator.go's "search attribute <name> is not defined".
  std::string namespace_name;
};

// Validates the attributes a start, signal-with-start or upsert sets and returns their normalized
// values as a JSON object keyed by name (JSON null: remove the attribute). In the reference's
// order and wording: more than keys_max attributes; a system attribute ("<name> attribute can't be
// set in SearchAttributes"); an undefined name; a predefined attribute users may not set (only
// the reference's predefinedWhiteList may be set); a value that does not decode ("invalid value
// for search attribute <name> of type <type>: <value as Go prints it>"); then the sizes. Names
// are exact (no aliases). Error code errors::kInvalidArgument.
hugo::Result<nlohmann::json> ValidateSearchAttributes(
    const temporal::api::common::v1::SearchAttributes& attributes, const SearchAttributeSet& set,
    const ValidateOptions& options = {});

// The reference's Validator.ValidateSize: each value's data at most value_size_bytes_max ("search
// attribute <name> value size <n> exceeds size limit <max>"), the serialized message at most
// total_size_bytes_max ("total size of search attributes <n> exceeds size limit <max>").
hugo::Result<hugo::Unit> ValidateSearchAttributesSize(
    const temporal::api::common::v1::SearchAttributes& attributes,
    const SearchAttributeLimits& limits = {});

// OperatorService.AddSearchAttributes: a name the reference reserves ("Search attribute <name> is
// reserved by system.": system, predefined and internal names, and any name starting with
// "Temporal"). hdo also refuses names the JSON column cannot hold as a key a query can address:
// empty, not UTF-8, or holding '"' or a control character. Error code errors::kInvalidArgument.
hugo::Result<hugo::Unit> ValidateCustomAttributeName(std::string_view name);
// The type of an added attribute: "Unknown search attribute type: <n>." for a number that is no
// IndexedValueType (as the reference, INDEXED_VALUE_TYPE_UNSPECIFIED passes here; the SQL
// reference then refuses it as TooManyCustomAttributesMessage(0, UNSPECIFIED) does).
hugo::Result<hugo::Unit> ValidateCustomAttributeType(int32_t type);
// The most custom attributes of a type one namespace may have on the reference's SQL visibility
// (its pre-allocated columns): 10 Keyword, 3 of each other type, 0 for UNSPECIFIED.
size_t CustomAttributeCountMax(IndexedValueType type);
// "Unable to create search attributes: cannot have more than <n> search attribute of type <t>."
std::string TooManyCustomAttributesMessage(size_t count, IndexedValueType type);
// "Search attribute <name> already exists." The reference only logs this when an added name is
// already defined, and AddSearchAttributes succeeds (the attribute is left as it is).
std::string SearchAttributeAlreadyExistsMessage(std::string_view name);
// "Search attribute <name> doesn't exist." (RemoveSearchAttributes of an undefined name.)
std::string SearchAttributeDoesNotExistMessage(std::string_view name);

}  // namespace hdo::visibility
