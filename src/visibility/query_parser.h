// The lexer and recursive-descent parser of the list filter language (query.h): text to a syntax
// tree, with the byte offset of every node for error messages. It accepts the MySQL expression
// shapes the reference's parser accepts and the translator then refuses with the reference's
// words (a value on the left, a function call, IS TRUE, LIKE, ...), so that both give the same
// answer; anything else is a syntax error.
//
// Internal to src/visibility. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"

namespace hdo::visibility::internal {

enum class NodeKind {
  kAnd,         // children: two or more operands
  kOr,          // children: two or more operands
  kNot,         // children: [operand]
  kParen,       // children: [inner]
  kComparison,  // text: operator; children: [left, right] (right is a kTuple for in / not in)
  kBetween,     // negated: NOT BETWEEN; children: [left, from, to]
  kIs,          // text: "null", "true" or "false"; negated: IS NOT; children: [operand]
  kColumn,      // text: the name as written (qualified names joined with '.')
  kString,      // text: the value, unescaped
  kInt,         // text: the literal, sign folded in ("-5")
  kFloat,       // text: the literal, sign folded in
  kBool,        // text: "true" or "false"
  kNull,
  kTuple,     // children: the values of ( ..., ... )
  kFunction,  // text: the name; children: arguments
};

struct Node {
  NodeKind kind;
  size_t offset = 0;  // byte offset in the query of the node's first token
  std::string text;
  bool negated = false;
  std::vector<std::unique_ptr<Node>> children;
};

struct ParsedQuery {
  std::unique_ptr<Node> where;  // null when the query has no condition
  std::vector<std::unique_ptr<Node>> group_by;
  bool has_order_by = false;
  size_t order_by_offset = 0;
  bool has_limit = false;
  size_t limit_offset = 0;
};

// Comparison operators as the tree spells them (lower case, "<>" as "!=").
inline constexpr std::string_view kComparisonOperators[] = {"=",
                                                            "!=",
                                                            "<",
                                                            ">",
                                                            "<=",
                                                            ">=",
                                                            "<=>",
                                                            "in",
                                                            "not in",
                                                            "like",
                                                            "not like",
                                                            "starts_with",
                                                            "not starts_with",
                                                            "regexp",
                                                            "not regexp"};

// Syntax errors carry code kErrorInvalidQuery and the column (query.h).
hugo::Result<ParsedQuery> Parse(std::string_view query);

// The 1-based character column (UTF-8 code points) of a byte offset.
size_t ColumnOf(std::string_view query, size_t offset);
// An error of kErrorInvalidQuery: "invalid query: <detail> at column N".
hugo::Error QueryError(std::string_view query, size_t offset, std::string detail);

// How the reference's parser prints a node (sqlparser.String): for messages.
std::string Format(const Node& node);
// The Go type the reference's parser gives a node (%T): "*sqlparser.SQLVal", ...
std::string GoTypeName(const Node& node);
// A string as sqlparser prints it: '...' with MySQL backslash escapes.
std::string QuoteString(std::string_view value);

}  // namespace hdo::visibility::internal
