#include "visibility/query_memory.h"

#include <map>
#include <optional>
#include <variant>

#include "common/error_codes.h"
#include "visibility/go_compat.h"
#include "visibility/query.h"
#include "visibility/query_parser.h"

namespace hdo::visibility {
namespace {

namespace enums = temporal::api::enums::v1;
using internal::Node;
using internal::NodeKind;

// What a column names: the item's id, or one attribute of a type.
struct Column {
  bool is_id = false;
  std::string name;
  IndexedValueType type = enums::INDEXED_VALUE_TYPE_KEYWORD;
};

hugo::Error Invalid(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

// A literal as the attribute's type reads it; nullopt when it can't be one.
std::optional<nlohmann::json> Literal(const Node& node, IndexedValueType type) {
  switch (node.kind) {
    case NodeKind::kString:
      if (type == enums::INDEXED_VALUE_TYPE_DATETIME) {
        auto nanos = go::ParseRfc3339(node.text);
        if (!nanos) return std::nullopt;
        return nlohmann::json(*nanos);
      }
      if (type == enums::INDEXED_VALUE_TYPE_INT || type == enums::INDEXED_VALUE_TYPE_DOUBLE) {
        auto number = nlohmann::json::parse(node.text, nullptr, false);
        if (!number.is_number()) return std::nullopt;
        return number;
      }
      if (type == enums::INDEXED_VALUE_TYPE_BOOL) {
        if (node.text == "true" || node.text == "false") return nlohmann::json(node.text == "true");
        return std::nullopt;
      }
      return nlohmann::json(node.text);
    case NodeKind::kInt:
    case NodeKind::kFloat: {
      auto number = nlohmann::json::parse(node.text, nullptr, false);
      if (!number.is_number()) return std::nullopt;
      if (type == enums::INDEXED_VALUE_TYPE_KEYWORD || type == enums::INDEXED_VALUE_TYPE_TEXT ||
          type == enums::INDEXED_VALUE_TYPE_KEYWORD_LIST) {
        return nlohmann::json(node.text);
      }
      return number;
    }
    case NodeKind::kBool:
      return nlohmann::json(node.text == "true");
    default:
      return std::nullopt;
  }
}

int Compare(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    if (a.is_number_integer() && b.is_number_integer()) {
      int64_t i = a.get<int64_t>(), j = b.get<int64_t>();
      return i < j ? -1 : (i > j ? 1 : 0);
    }
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get<std::string>().compare(b.get<std::string>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_boolean() && b.is_boolean()) return int(a.get<bool>()) - int(b.get<bool>());
  return 2;  // incomparable: no ordering holds
}

bool Holds(const std::string& op, int c) {
  if (c == 2) return false;
  if (op == "=") return c == 0;
  if (op == "!=") return c != 0;
  if (op == "<") return c < 0;
  if (op == ">") return c > 0;
  if (op == "<=") return c <= 0;
  if (op == ">=") return c >= 0;
  return false;
}

}  // namespace

struct MemoryFilter::Compiled {
  internal::ParsedQuery parsed;
  std::string query;
  std::map<const Node*, Column> columns;

  hugo::Result<hugo::Unit> Resolve(const Node& node, const SearchAttributeSet& set);
  bool Eval(const Node& node, const Item& item) const;
  bool EvalComparison(const Node& node, const Item& item) const;
  const nlohmann::json* ValueOf(const Column& column, const Item& item,
                                nlohmann::json& scratch) const;
};

hugo::Result<hugo::Unit> MemoryFilter::Compiled::Resolve(const Node& node,
                                                         const SearchAttributeSet& set) {
  if (node.kind == NodeKind::kFunction) {
    return internal::QueryError(query, node.offset,
                                "operation is not supported: function " + node.text);
  }
  if (node.kind == NodeKind::kComparison) {
    for (std::string_view unsupported : {"like", "not like", "regexp", "not regexp", "<=>"}) {
      if (node.text == unsupported) {
        return internal::QueryError(query, node.offset,
                                    "operation is not supported: operator " + node.text);
      }
    }
  }
  if (node.kind == NodeKind::kColumn) {
    Column column;
    if (node.text == kScheduleId || node.text == "TemporalScheduleId") {
      column.is_id = true;
    } else {
      const AttributeDef* def = set.Find(node.text);
      if (def == nullptr) return Invalid("invalid query: invalid search attribute: " + node.text);
      if (def->kind != AttributeDef::Kind::kCustom && def->name != "TemporalSchedulePaused") {
        return Invalid("invalid query filter for schedules: cannot filter on \"" + node.text +
                       "\"");
      }
      column.name = def->name;
      column.type = def->type;
    }
    columns[&node] = std::move(column);
    return hugo::Ok();
  }
  for (const auto& child : node.children) {
    auto resolved = Resolve(*child, set);
    if (resolved.IsFailure()) return resolved;
  }
  return hugo::Ok();
}

const nlohmann::json* MemoryFilter::Compiled::ValueOf(const Column& column, const Item& item,
                                                      nlohmann::json& scratch) const {
  if (column.is_id) {
    scratch = std::string(item.id);
    return &scratch;
  }
  if (item.attributes == nullptr || !item.attributes->is_object()) return nullptr;
  auto found = item.attributes->find(column.name);
  if (found == item.attributes->end() || found->is_null()) return nullptr;
  return &*found;
}

bool MemoryFilter::Compiled::EvalComparison(const Node& node, const Item& item) const {
  const Node& left = *node.children[0];
  auto column = columns.find(&left);
  if (column == columns.end()) return false;  // a value on the left: nothing matches
  nlohmann::json scratch;
  const nlohmann::json* value = ValueOf(column->second, item, scratch);
  const IndexedValueType type = column->second.type;
  const std::string& op = node.text;
  const bool negated_op = op == "!=" || op == "not in" || op == "not starts_with";
  // KeywordList and Text != / NOT IN match items without the attribute (query.h).
  if (value == nullptr) {
    return negated_op && (type == enums::INDEXED_VALUE_TYPE_KEYWORD_LIST ||
                          type == enums::INDEXED_VALUE_TYPE_TEXT);
  }
  std::vector<nlohmann::json> literals;
  const Node& right = *node.children[1];
  if (right.kind == NodeKind::kTuple) {
    for (const auto& element : right.children) {
      if (auto literal = Literal(*element, type)) literals.push_back(*literal);
    }
  } else if (auto literal = Literal(right, type)) {
    literals.push_back(*literal);
  }
  if (literals.empty()) return false;
  auto equals = [&](const nlohmann::json& literal) {
    if (type == enums::INDEXED_VALUE_TYPE_KEYWORD_LIST && value->is_array()) {
      for (const auto& element : *value) {
        if (element == literal) return true;
      }
      return false;
    }
    if (type == enums::INDEXED_VALUE_TYPE_TEXT && value->is_string() && literal.is_string()) {
      return TextMatches(value->get<std::string>(), literal.get<std::string>());
    }
    return Compare(*value, literal) == 0;
  };
  if (op == "in" || op == "not in") {
    bool any = std::any_of(literals.begin(), literals.end(), equals);
    return op == "in" ? any : !any;
  }
  if (op == "starts_with" || op == "not starts_with") {
    if (!value->is_string() || !literals[0].is_string()) return false;
    bool starts = value->get<std::string>().starts_with(literals[0].get<std::string>());
    return op == "starts_with" ? starts : !starts;
  }
  if (op == "=") return equals(literals[0]);
  if (op == "!=") return !equals(literals[0]);
  return Holds(op, Compare(*value, literals[0]));
}

bool MemoryFilter::Compiled::Eval(const Node& node, const Item& item) const {
  switch (node.kind) {
    case NodeKind::kAnd:
      for (const auto& child : node.children) {
        if (!Eval(*child, item)) return false;
      }
      return true;
    case NodeKind::kOr:
      for (const auto& child : node.children) {
        if (Eval(*child, item)) return true;
      }
      return false;
    case NodeKind::kNot:
      return !Eval(*node.children[0], item);
    case NodeKind::kParen:
      return Eval(*node.children[0], item);
    case NodeKind::kComparison:
      return EvalComparison(node, item);
    case NodeKind::kBetween: {
      auto column = columns.find(node.children[0].get());
      if (column == columns.end()) return false;
      nlohmann::json scratch;
      const nlohmann::json* value = ValueOf(column->second, item, scratch);
      auto from = Literal(*node.children[1], column->second.type);
      auto to = Literal(*node.children[2], column->second.type);
      if (value == nullptr || !from || !to) return false;
      bool inside = Holds(">=", Compare(*value, *from)) && Holds("<=", Compare(*value, *to));
      return node.negated ? !inside : inside;
    }
    case NodeKind::kIs: {
      auto column = columns.find(node.children[0].get());
      if (column == columns.end()) return false;
      nlohmann::json scratch;
      const nlohmann::json* value = ValueOf(column->second, item, scratch);
      bool result = false;
      if (node.text == "null") {
        result = value == nullptr;
      } else if (value != nullptr && value->is_boolean()) {
        result = value->get<bool>() == (node.text == "true");
      }
      return node.negated ? !result : result;
    }
    default:
      return false;
  }
}

MemoryFilter::MemoryFilter() = default;
MemoryFilter::MemoryFilter(MemoryFilter&&) noexcept = default;
MemoryFilter& MemoryFilter::operator=(MemoryFilter&&) noexcept = default;
MemoryFilter::~MemoryFilter() = default;

hugo::Result<MemoryFilter> MemoryFilter::Compile(std::string_view query,
                                                 const SearchAttributeSet& set) {
  MemoryFilter filter;
  filter.compiled_ = std::make_unique<Compiled>();
  filter.compiled_->query = std::string(query);
  auto parsed = internal::Parse(filter.compiled_->query);
  if (parsed.IsFailure()) return Invalid(parsed.Error().Message());
  filter.compiled_->parsed = std::move(parsed).Value();
  const internal::ParsedQuery& tree = filter.compiled_->parsed;
  if (tree.has_order_by || tree.has_limit || !tree.group_by.empty()) {
    return Invalid("invalid query: operation is not supported: ORDER BY, GROUP BY and LIMIT");
  }
  if (tree.where != nullptr) {
    auto resolved = filter.compiled_->Resolve(*tree.where, set);
    if (resolved.IsFailure()) return Invalid(resolved.Error().Message());
  }
  return hugo::Ok(std::move(filter));
}

bool MemoryFilter::Matches(const Item& item) const {
  if (compiled_ == nullptr || compiled_->parsed.where == nullptr) return true;
  return compiled_->Eval(*compiled_->parsed.where, item);
}

}  // namespace hdo::visibility
