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
// A dialect not implemented yet.
inline constexpr char kErrorUnsupportedDialect[] = "hdo.visibility.unsupported_dialect";

// The most of each thing one query may hold.
inline constexpr size_t kQueryBytesMax = size_t{256} * 1024;
inline constexpr size_t kQueryNestingMax = 100;  // parentheses and NOTs
inline constexpr size_t kQueryValuesMax = 10000;

enum class Dialect { kSqlite, kPostgres, kMysql };  // kSqlite only for now

using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

struct SqlFilter {
  // A condition over executions_visibility with `?` placeholders (SQLite); "" means no filter
  // (never for a translated query: the implicit namespace division filter is always there).
  std::string where;
  std::vector<SqlValue> params;    // in placeholder order
  std::string group_by_column;     // counts with GROUP BY only, e.g. "status"
  std::string group_by_attribute;  // its canonical attribute name, e.g. "ExecutionStatus"
};

enum class QueryUse { kList, kCount };

// Translates a list filter. User values only ever reach the SQL as parameters; attribute names
// only as known column names or JSON paths of defined attributes. For SQLite the condition calls
// hdo_text_match(field, query), which the store registers (TextMatches; 0 when either is NULL).
hugo::Result<SqlFilter> TranslateQuery(std::string_view query, const SearchAttributeSet& set,
                                       Dialect dialect, QueryUse use);

// The Text match of the filter (hdo_text_match): both sides are cut into words, runs of ASCII
// letters and digits and bytes >= 0x80, compared without ASCII case; true when any word of `query`
// is a word of `field`, as the reference's full-text match (SQLite FTS5 `"a" OR "b"`, MySQL
// natural language mode, Elasticsearch match) answers. False when `query` has no word.
bool TextMatches(std::string_view field, std::string_view query);

// The SQLite expression a translated filter reads a JSON-held attribute with, e.g.
// json_extract(search_attributes, '$."CustomerId"'): the store indexes exactly this expression.
std::string SqliteJsonField(std::string_view name);

}  // namespace hdo::visibility
