// The list filter language of ListWorkflowExecutions and CountWorkflowExecutions (Temporal's
// "List Filter", a SQL WHERE clause), translated to a parameterized SQL condition over the table
// `executions_visibility` (columns named in search_attributes.h; predefined and custom attributes
// in the JSON column `search_attributes`).
//
// The language and its errors follow reference server 1.29 with SQL visibility
// (common/persistence/visibility/store/sql/query_converter.go and the MySQL-dialect parser it
// uses): AND, OR, NOT (also && and ||), parentheses; = != <> < <= > >=; [NOT] IN (...);
// [NOT] BETWEEN a AND b; [NOT] STARTS_WITH 'prefix'; IS [NOT] NULL; keywords in any case; strings
// in '...' or "..." with backslash escapes and doubled quotes; names plain or in backquotes;
// integer and float literals (negative too); -- # and /* */ comments. ORDER BY and LIMIT are
// refused; GROUP BY ExecutionStatus only in counts. Per type:
//   Keyword     all comparisons, IN, BETWEEN, STARTS_WITH (case-sensitive prefix)
//   KeywordList =, != (membership: has / has not the value), IN, NOT IN (has any / has none)
//   Text        =, != (TextMatches: shares a word with the value / shares none)
//   Int, Double, Datetime, Bool   comparisons and IN; BETWEEN except for Bool
// Values: Datetime as an RFC 3339 string or integer nanoseconds (normalized to int64 nanoseconds
// UTC); ExecutionStatus as a name ('Running', ...) or a number; ExecutionDuration as nanoseconds,
// a Go duration ("300ms", "2h45m", "1d") or "hh:mm:ss"; ScheduleId means WorkflowId with the
// scheduler's prefix. Unless the query names TemporalNamespaceDivision, only runs without one
// match (the reference's implicit `TemporalNamespaceDivision IS NULL`).
//
// NULL semantics are the reference SQL store's: a comparison with an attribute a run does not
// have is not true, so `X != 'a'` and `NOT X = 'a'` skip runs without X; but KeywordList and Text
// `!=` / NOT IN match runs without the attribute (the reference answers those from its full-text
// tables with NOT IN, which an absent value satisfies). CloseTime compares as the end of time
// while a run is open (the reference's COALESCE), except in IS [NOT] NULL.
//
// Owner: src/visibility. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hugo/result.h"
#include "visibility/search_attributes.h"

namespace hdo::visibility {

// A query the language refuses. The message is what the frontend returns as gRPC
// InvalidArgument, as is: it starts like the reference's ("invalid query: malformed SQL query:
// syntax error at column N: ...", "invalid query: invalid expression: ...", "invalid query:
// operation is not supported: ...") and names the 1-based character column of the offending
// token (metadata "column", int64).
inline constexpr char kErrorInvalidQuery[] = "hdo.visibility.invalid_query";
// A Dialect value that names no dialect.
inline constexpr char kErrorUnsupportedDialect[] = "hdo.visibility.unsupported_dialect";

// The most of each thing one query may hold.
inline constexpr size_t kQueryBytesMax = size_t{256} * 1024;
inline constexpr size_t kQueryNestingMax = 100;  // parentheses and NOTs
inline constexpr size_t kQueryValuesMax = 10000;

// The SQL engine the condition is written for. The three answer the same runs for the same query
// over the same rows; the schemas are schema/{sqlite,postgres,mysql}/.
//   kSqlite    json_extract over the JSON text column; hdo_text_match registered by the store.
//   kPostgres  JSONB: Keyword and Text as ->> text COLLATE "C", other types as -> JSONB compared
//              with to_jsonb(value); KeywordList with @>; every placeholder cast to its value's
//              type (?::bigint, ?::float8, ?::text); the SQL function hdo_text_match of the schema.
//   kMysql     MySQL 8.0.19+ and MariaDB 10.11: JSON_UNQUOTE(JSON_EXTRACT()) converted to the
//              attribute's type, KeywordList with JSON_CONTAINS, CloseTime's sort key as the
//              generated column close_time_or_end; the stored function hdo_text_match.
// Where an engine would convert text compared with a number (MySQL) or refuse it (PostgreSQL),
// the translator answers the comparison as SQLite does (numbers sort before text) without a
// parameter.
enum class Dialect { kSqlite, kPostgres, kMysql };

using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

struct SqlFilter {
  // A condition over executions_visibility with `?` placeholders (every dialect); "" means no
  // filter (never for a translated query: the implicit namespace division filter is always there).
  std::string where;
  std::vector<SqlValue> params;    // in placeholder order
  std::string group_by_column;     // counts with GROUP BY only, e.g. "status"
  std::string group_by_attribute;  // its canonical attribute name, e.g. "ExecutionStatus"
};

enum class QueryUse { kList, kCount };

// Translates a list filter. User values only ever reach the SQL as parameters; attribute names
// only as known column names or JSON paths of defined attributes (never holding a `?`). The
// condition calls hdo_text_match(field, query) for Text (TextMatches; false when either is NULL):
// the SQLite store registers it, the PostgreSQL and MySQL schemas create it.
// What a query lists: workflows (the runs of no namespace division), standalone activities
// (ListActivityExecutions: the runs of kStandaloneActivityDivision, always; ActivityId and
// ActivityType name the WorkflowId and WorkflowType columns their rows use), or standalone Nexus
// operations (ListNexusOperationExecutions: the runs of kStandaloneNexusDivision, always;
// OperationId names WorkflowId, and Endpoint, Service, Operation and RequestId the Keyword
// fields their rows keep in the JSON attributes).
enum class QueryTarget { kWorkflows, kActivities, kNexusOperations };

hugo::Result<SqlFilter> TranslateQuery(std::string_view query, const SearchAttributeSet& set,
                                       Dialect dialect, QueryUse use,
                                       QueryTarget target = QueryTarget::kWorkflows);

// The Text match of the filter (hdo_text_match): both sides are cut into words, runs of ASCII
// letters and digits and bytes >= 0x80, compared without ASCII case; true when any word of `query`
// is a word of `field`, as the reference's full-text match (SQLite FTS5 `"a" OR "b"`, MySQL
// natural language mode, Elasticsearch match) answers. False when `query` has no word.
bool TextMatches(std::string_view field, std::string_view query);

// The SQLite expression a translated filter reads a JSON-held attribute with, e.g.
// json_extract(search_attributes, '$."CustomerId"'): the store indexes exactly this expression.
std::string SqliteJsonField(std::string_view name);

// The PostgreSQL expression a translated filter reads an attribute of `type` with:
// ((search_attributes ->> 'Name') COLLATE "C") for Keyword and Text, (search_attributes -> 'Name')
// for the others. The store indexes exactly this expression (btree; GIN for KeywordList).
std::string PostgresJsonField(std::string_view name, IndexedValueType type);

// The MySQL/MariaDB expression a translated filter reads an attribute of `type` with, e.g.
// CAST(JSON_UNQUOTE(JSON_EXTRACT(search_attributes, '$."Name"')) AS SIGNED) for Int.
std::string MysqlJsonField(std::string_view name, IndexedValueType type);

}  // namespace hdo::visibility
