#include "visibility/query.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "temporal/api/enums/v1/workflow.pb.h"
#include "visibility/go_compat.h"
#include "visibility/query_parser.h"

namespace hdo::visibility {
namespace {

namespace enums = temporal::api::enums::v1;
using internal::Node;
using internal::NodeKind;

// How one SQL engine spells the pieces of a translated condition. Values are always
// placeholders; names are known columns or the JSON keys of defined attributes.
class SqlDialect {
 public:
  virtual ~SqlDialect() = default;
  // The placeholder of the index-th parameter (1-based).
  virtual std::string Placeholder(size_t index) const = 0;
  // The value of a predefined or custom attribute of `type` in the JSON column.
  virtual std::string JsonField(std::string_view name, IndexedValueType type) const = 0;
  // What a field of `type` is compared with for a value: its placeholder, with what the engine
  // needs around it (`json`: the field is a JsonField).
  virtual std::string Operand(const std::string& placeholder, const SqlValue& /*value*/,
                              IndexedValueType /*type*/, bool /*json*/) const {
    return placeholder;
  }
  // SQLite compares a number with text as the spec says (every number sorts before any text);
  // the other engines convert the text or refuse, so the translator decides those comparisons
  // itself (Translator::NumberWithText).
  virtual bool ComparesNumbersWithText() const { return false; }
  // close_time, or the end of time while the run is open.
  virtual std::string CloseTimeOrEndOfTime() const = 0;
  // The KeywordList attribute `name` holds one of the values (none of them when negated).
  virtual std::string KeywordListHasAny(std::string_view name,
                                        const std::vector<std::string>& placeholders,
                                        bool negated) const = 0;
  // The Text field shares a word with the value (none when negated).
  virtual std::string TextMatch(const std::string& field, const std::string& placeholder,
                                bool negated) const = 0;
  // The field starts with a prefix: the condition over the placeholder of Prefix(prefix).
  virtual std::string StartsWith(const std::string& field, const std::string& placeholder,
                                 bool negated) const = 0;
  virtual std::string PrefixPattern(std::string_view prefix) const = 0;
};

std::string Join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

// A LIKE pattern matching the strings that start with `prefix`, with '!' as the escape
// character (ESCAPE '!': the same in every engine and SQL mode, unlike a backslash).
std::string EscapedLikePrefix(std::string_view prefix) {
  std::string pattern;
  for (char c : prefix) {
    if (c == '!' || c == '%' || c == '_') pattern += '!';
    pattern += c;
  }
  return pattern + "%";
}

class SqliteDialect final : public SqlDialect {
 public:
  std::string Placeholder(size_t) const override { return "?"; }

  // json_extract(search_attributes, '$."Name"'): the name is quoted as a JSON path key (it holds
  // no '"': ValidateCustomAttributeName) inside an SQL string ('' for ').
  std::string JsonField(std::string_view name, IndexedValueType /*type*/) const override {
    return "json_extract(search_attributes, " + JsonPath(name) + ")";
  }
  bool ComparesNumbersWithText() const override { return true; }

  std::string CloseTimeOrEndOfTime() const override {
    return "COALESCE(close_time, " + std::to_string(std::numeric_limits<int64_t>::max()) + ")";
  }

  // json_each of an absent key yields no rows, so NOT EXISTS matches runs without the attribute,
  // as the reference's NOT IN over its full-text table does.
  std::string KeywordListHasAny(std::string_view name, const std::vector<std::string>& placeholders,
                                bool negated) const override {
    std::string values = placeholders.size() == 1 ? "value = " + placeholders[0]
                                                  : "value IN (" + Join(placeholders) + ")";
    return std::string(negated ? "NOT " : "") +
           "EXISTS (SELECT 1 FROM json_each(search_attributes, " + JsonPath(name) + ") WHERE " +
           values + ")";
  }

  // hdo_text_match is 0 (not NULL) for an absent field, so != matches runs without it, as the
  // reference's NOT IN over its full-text table does.
  std::string TextMatch(const std::string& field, const std::string& placeholder,
                        bool negated) const override {
    return std::string(negated ? "NOT " : "") + "hdo_text_match(" + field + ", " + placeholder +
           ")";
  }

  // GLOB, not LIKE: SQLite's LIKE ignores ASCII case, and a prefix is case-sensitive (the
  // reference's Elasticsearch prefix query and PostgreSQL LIKE are).
  std::string StartsWith(const std::string& field, const std::string& placeholder,
                         bool negated) const override {
    return field + (negated ? " NOT GLOB " : " GLOB ") + placeholder;
  }
  std::string PrefixPattern(std::string_view prefix) const override {
    std::string pattern;
    for (char c : prefix) {
      if (c == '*' || c == '?' || c == '[') {
        pattern += '[';
        pattern += c;
        pattern += ']';
      } else {
        pattern += c;
      }
    }
    return pattern + "*";
  }

 private:
  static std::string JsonPath(std::string_view name) {
    std::string path = "'$.\"";
    for (char c : name) {
      path += c;
      if (c == '\'') path += '\'';
    }
    return path + "\"'";
  }
};

bool IsTextType(IndexedValueType type) {
  return type == enums::INDEXED_VALUE_TYPE_KEYWORD || type == enums::INDEXED_VALUE_TYPE_TEXT;
}

std::string Hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// PostgreSQL: search_attributes is JSONB. Keyword and Text attributes are read as text (->>),
// compared bytewise (COLLATE "C"); the other types stay JSONB (->) and are compared with JSONB
// values, which compare numbers as numbers and never fail on another namespace's value of another
// type (a cast of the text would). Every placeholder is cast to the type of its value, so the
// statement does not depend on how the driver declares parameter types.
class PostgresDialect final : public SqlDialect {
 public:
  std::string Placeholder(size_t) const override { return "?"; }

  std::string JsonField(std::string_view name, IndexedValueType type) const override {
    if (IsTextType(type)) return "((search_attributes ->> " + Key(name) + ") COLLATE \"C\")";
    return "(search_attributes -> " + Key(name) + ")";
  }

  std::string Operand(const std::string& placeholder, const SqlValue& value, IndexedValueType type,
                      bool json) const override {
    std::string typed = placeholder + Cast(value);
    if (!json || IsTextType(type)) return typed;
    // Bool values are 0 and 1 here (Translator::Bool); JSON holds true and false.
    if (type == enums::INDEXED_VALUE_TYPE_BOOL && std::holds_alternative<int64_t>(value)) {
      return "to_jsonb(" + typed + " <> 0)";
    }
    return "to_jsonb(" + typed + ")";
  }

  std::string CloseTimeOrEndOfTime() const override {
    return "COALESCE(close_time, " + std::to_string(std::numeric_limits<int64_t>::max()) + ")";
  }

  // @> on the JSONB array (a GIN index on the attribute serves it); COALESCE makes an absent
  // attribute "has none", so NOT matches runs without it.
  std::string KeywordListHasAny(std::string_view name, const std::vector<std::string>& placeholders,
                                bool negated) const override {
    std::vector<std::string> any;
    for (const std::string& placeholder : placeholders) {
      any.push_back("(search_attributes -> " + Key(name) + ") @> jsonb_build_array(" + placeholder +
                    "::text)");
    }
    return std::string(negated ? "NOT " : "") + "COALESCE(" + Join(any, " OR ") + ", false)";
  }

  // hdo_text_match (schema/postgres/V2__visibility.sql) is false, not NULL, for an absent field.
  std::string TextMatch(const std::string& field, const std::string& placeholder,
                        bool negated) const override {
    return std::string(negated ? "NOT " : "") + "hdo_text_match(" + field + ", " + placeholder +
           "::text)";
  }

  // LIKE is case-sensitive in PostgreSQL.
  std::string StartsWith(const std::string& field, const std::string& placeholder,
                         bool negated) const override {
    return field + (negated ? " NOT LIKE " : " LIKE ") + placeholder + "::text ESCAPE '!'";
  }
  std::string PrefixPattern(std::string_view prefix) const override {
    return EscapedLikePrefix(prefix);
  }

  // The JSON key as an SQL string. A '?' would be taken for a placeholder by the driver, so a
  // name holding one is written as a Unicode-escaped string (U&'...\003F...').
  static std::string Key(std::string_view name) {
    bool escape = name.find('?') != std::string_view::npos;
    std::string key = escape ? "U&'" : "'";
    for (char c : name) {
      if (c == '\'') {
        key += "''";
      } else if (escape && c == '?') {
        key += "\\003F";
      } else if (escape && c == '\\') {
        key += "\\\\";
      } else {
        key += c;
      }
    }
    return key + "'";
  }

 private:
  static std::string Cast(const SqlValue& value) {
    if (std::holds_alternative<int64_t>(value)) return "::bigint";
    if (std::holds_alternative<double>(value)) return "::float8";
    return "::text";
  }
};

// MySQL 8.0.19+ and MariaDB 10.11: search_attributes is JSON (MariaDB: utf8mb4_bin text). Values
// are read with JSON_UNQUOTE(JSON_EXTRACT()) (MariaDB has no ->>) and converted to their type,
// so that comparisons do not depend on the engine's JSON comparison rules (MariaDB compares the
// text); Bool as 1 and 0. KeywordList membership with JSON_CONTAINS; Text with the stored
// function hdo_text_match (schema/mysql/V2__visibility.sql).
class MysqlDialect final : public SqlDialect {
 public:
  std::string Placeholder(size_t) const override { return "?"; }

  std::string JsonField(std::string_view name, IndexedValueType type) const override {
    std::string value = "JSON_UNQUOTE(JSON_EXTRACT(search_attributes, " + Path(name) + "))";
    switch (type) {
      case enums::INDEXED_VALUE_TYPE_INT:
      case enums::INDEXED_VALUE_TYPE_DATETIME:
        return "CAST(" + value + " AS SIGNED)";
      case enums::INDEXED_VALUE_TYPE_DOUBLE:
        return "CAST(" + value + " AS DOUBLE)";
      case enums::INDEXED_VALUE_TYPE_BOOL:
        return "(CASE " + value + " WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)";
      case enums::INDEXED_VALUE_TYPE_KEYWORD_LIST:
        return "JSON_EXTRACT(search_attributes, " + Path(name) + ")";
      default:
        return value;
    }
  }

  // The generated column of the default order's index.
  std::string CloseTimeOrEndOfTime() const override { return "close_time_or_end"; }

  // JSON_CONTAINS is NULL for an absent attribute: COALESCE makes it "has none", so NOT matches
  // runs without it.
  std::string KeywordListHasAny(std::string_view name, const std::vector<std::string>& placeholders,
                                bool negated) const override {
    std::vector<std::string> any;
    for (const std::string& placeholder : placeholders) {
      any.push_back("JSON_CONTAINS(search_attributes, JSON_QUOTE(" + placeholder + "), " +
                    Path(name) + ")");
    }
    return std::string(negated ? "NOT " : "") + "COALESCE(" + Join(any, " OR ") + ", 0)";
  }

  std::string TextMatch(const std::string& field, const std::string& placeholder,
                        bool negated) const override {
    return std::string(negated ? "NOT " : "") + "hdo_text_match(" + field + ", " + placeholder +
           ")";
  }

  // Case-sensitive: the columns and the JSON text are utf8mb4_bin.
  std::string StartsWith(const std::string& field, const std::string& placeholder,
                         bool negated) const override {
    return field + (negated ? " NOT LIKE " : " LIKE ") + placeholder + " ESCAPE '!'";
  }
  std::string PrefixPattern(std::string_view prefix) const override {
    return EscapedLikePrefix(prefix);
  }

  // The JSON path $."name" as an SQL string ('\' escaped for the path). A name holding a quote,
  // a backslash or a '?' (which the driver would take for a placeholder) is written as a
  // hexadecimal utf8mb4 literal, which needs no escaping in any SQL mode.
  static std::string Path(std::string_view name) {
    std::string path = "$.\"";
    for (char c : name) {
      if (c == '\\') path += '\\';
      path += c;
    }
    path += '"';
    if (name.find_first_of("'\\?") != std::string_view::npos) {
      return "_utf8mb4 X'" + Hex(path) + "'";
    }
    return "'" + path + "'";
  }
};

bool IsOneOf(std::string_view value, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), value) != options.end();
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The words of a Text value: runs of ASCII letters and digits and bytes >= 0x80, ASCII lowered.
template <class F>
void ForEachWord(std::string_view text, F&& f) {
  auto in_word = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !in_word(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && in_word(text[i])) ++i;
    if (i == start) break;
    std::string word(text.substr(start, i - start));
    std::transform(word.begin(), word.end(), word.begin(), LowerAscii);
    if (f(std::move(word))) return;
  }
}

std::optional<int64_t> ExecutionStatusFromName(std::string_view name) {
  // WorkflowExecutionStatusFromString: the enum name or its PascalCase short form.
  static constexpr std::pair<std::string_view, int64_t> kNames[] = {
      {"Unspecified", 0}, {"Running", 1},    {"Completed", 2},      {"Failed", 3},
      {"Canceled", 4},    {"Terminated", 5}, {"ContinuedAsNew", 6}, {"TimedOut", 7},
  };
  for (const auto& [short_name, number] : kNames) {
    if (name == short_name) return number;
  }
  enums::WorkflowExecutionStatus value = enums::WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
  if (enums::WorkflowExecutionStatus_Parse(std::string(name), &value)) return value;
  return std::nullopt;
}

std::string FormatValue(const SqlValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) return go::FixedFloat(*d);
  if (const auto* s = std::get_if<std::string>(&value)) return internal::QuoteString(*s);
  return "null";
}

class Translator {
 public:
  Translator(std::string_view query, const SearchAttributeSet& set, const SqlDialect& dialect,
             QueryTarget target)
      : query_(query), set_(set), dialect_(dialect), target_(target) {}

  hugo::Result<SqlFilter> Run(const internal::ParsedQuery& parsed, QueryUse use) {
    if (parsed.has_order_by) {
      return internal::QueryError(query_, parsed.order_by_offset,
                                  "operation is not supported: 'order by' clause");
    }
    if (parsed.has_limit) {
      return internal::QueryError(query_, parsed.limit_offset,
                                  "operation is not supported: 'limit' clause");
    }
    SqlFilter filter;
    std::string user;
    if (parsed.where) {
      auto condition = Condition(*parsed.where);
      if (condition.IsFailure()) return condition.Error();
      user = std::move(condition).Value();
    }
    if (params_.size() > kQueryValuesMax) {
      return internal::QueryError(
          query_, values_max_offset_,
          "the query holds more than " + std::to_string(kQueryValuesMax) + " values");
    }
    // The reference's implicit filter: runs of the default namespace division only, unless the
    // query names the division.
    const AttributeDef* division_def = set_.FindExact(kTemporalNamespaceDivision);
    const std::string division_field =
        division_def != nullptr && !division_def->column.empty()
            ? division_def->column
            : dialect_.JsonField(kTemporalNamespaceDivision, enums::INDEXED_VALUE_TYPE_KEYWORD);
    if (target_ != QueryTarget::kWorkflows) {
      // Standalone activities or Nexus operations: their division, whatever the query names
      // (its parameter last, as its placeholder is).
      params_.emplace_back(std::string(target_ == QueryTarget::kActivities
                                           ? kStandaloneActivityDivision
                                           : kStandaloneNexusDivision));
      const bool json = division_def == nullptr || division_def->column.empty();
      const std::string division =
          division_field + " = " +
          dialect_.Operand(dialect_.Placeholder(params_.size()), params_.back(),
                           enums::INDEXED_VALUE_TYPE_KEYWORD, json);
      filter.where = user.empty() ? division : "(" + user + ") AND " + division;
    } else {
      const std::string division = division_field + " IS NULL";
      if (user.empty()) {
        filter.where = division;
      } else {
        filter.where = seen_division_ ? user : "(" + user + ") AND " + division;
      }
    }
    if (!parsed.group_by.empty()) {
      const Node& first = *parsed.group_by.front();
      if (parsed.group_by.size() > 1) {
        return NotSupported(first, "'group by' clause supports only a single field");
      }
      auto column = ResolveColumn(first);
      if (column.IsFailure()) return column.Error();
      if (column.Value().def->name != kExecutionStatus) {
        return NotSupported(first, std::string("'group by' clause is only supported for ") +
                                       kExecutionStatus + " search attribute");
      }
      if (use == QueryUse::kList) return NotSupported(first, "'group by' clause");
      filter.group_by_column = column.Value().def->column;
      filter.group_by_attribute = column.Value().def->name;
    }
    filter.params = std::move(params_);
    return hugo::Ok(std::move(filter));
  }

 private:
  struct Column {
    const AttributeDef* def;
    std::string alias;  // as the query names it
    bool schedule_id;   // ScheduleId standing for WorkflowId
  };

  hugo::Error Invalid(const Node& at, const std::string& detail) const {
    return internal::QueryError(query_, at.offset, "invalid expression: " + detail);
  }
  hugo::Error NotSupported(const Node& at, const std::string& detail) const {
    return internal::QueryError(query_, at.offset, "operation is not supported: " + detail);
  }

  std::string Param(SqlValue value, const Node& at) {
    params_.push_back(std::move(value));
    if (params_.size() == kQueryValuesMax + 1) values_max_offset_ = at.offset;
    return dialect_.Placeholder(params_.size());
  }

  // convertWhereExpr: a condition.
  hugo::Result<std::string> Condition(const Node& node) {
    switch (node.kind) {
      case NodeKind::kParen:
      case NodeKind::kNot: {
        auto inner = Condition(*node.children[0]);
        if (inner.IsFailure()) return inner;
        return hugo::Ok((node.kind == NodeKind::kNot ? "NOT (" : "(") + inner.Value() + ")");
      }
      case NodeKind::kAnd:
      case NodeKind::kOr: {
        std::string out;
        for (const auto& child : node.children) {
          auto part = Condition(*child);
          if (part.IsFailure()) return part;
          bool wrap = child->kind == NodeKind::kAnd || child->kind == NodeKind::kOr;
          if (!out.empty()) out += node.kind == NodeKind::kAnd ? " AND " : " OR ";
          out += wrap ? "(" + part.Value() + ")" : part.Value();
        }
        return hugo::Ok(std::move(out));
      }
      case NodeKind::kComparison:
        return Comparison(node);
      case NodeKind::kBetween:
        return Between(node);
      case NodeKind::kIs:
        return Is(node);
      case NodeKind::kFunction:
        return NotSupported(node, "function expression");
      case NodeKind::kColumn:
        return Invalid(node, "incomplete expression");
      default:
        return NotSupported(node, "expression of type " + internal::GoTypeName(node));
    }
  }

  hugo::Result<Column> ResolveColumn(const Node& node) {
    if (node.kind != NodeKind::kColumn) {
      return Invalid(node, "must be a column name but was " + internal::GoTypeName(node));
    }
    const AttributeDef* def = set_.Find(node.text);
    if (target_ == QueryTarget::kActivities) {
      // An activity's row keeps its id and type in the workflow columns.
      if (node.text == "ActivityId") def = set_.FindExact(kWorkflowId);
      if (node.text == "ActivityType") def = set_.FindExact("WorkflowType");
    }
    if (target_ == QueryTarget::kNexusOperations) {
      // An operation's row keeps its id in the WorkflowId column, its other fields in the JSON.
      static const AttributeDef kNexusFields[] = {
          {kNexusEndpointAttribute, enums::INDEXED_VALUE_TYPE_KEYWORD, AttributeDef::Kind::kSystem,
           ""},
          {kNexusServiceAttribute, enums::INDEXED_VALUE_TYPE_KEYWORD, AttributeDef::Kind::kSystem,
           ""},
          {kNexusOperationAttribute, enums::INDEXED_VALUE_TYPE_KEYWORD, AttributeDef::Kind::kSystem,
           ""},
          {kNexusRequestIdAttribute, enums::INDEXED_VALUE_TYPE_KEYWORD, AttributeDef::Kind::kSystem,
           ""},
      };
      if (node.text == "OperationId") def = set_.FindExact(kWorkflowId);
      for (const AttributeDef& field : kNexusFields) {
        if (node.text == field.name) def = &field;
      }
    }
    // A JSON key with '"' cannot be addressed (ValidateCustomAttributeName refuses such names).
    if (def == nullptr ||
        (def->kind != AttributeDef::Kind::kSystem && def->name.find('"') != std::string::npos)) {
      return Invalid(node, "column name '" + node.text + "' is not a valid search attribute");
    }
    if (def->name == kTemporalNamespaceDivision) seen_division_ = true;
    std::string_view alias = node.text;
    if (alias.substr(0, 8) == "Temporal") alias.remove_prefix(8);
    bool schedule_id = def->name == kWorkflowId && alias == kScheduleId;
    return hugo::Ok(Column{def, node.text, schedule_id});
  }

  std::string Field(const Column& column, bool close_time_open_as_end) const {
    const AttributeDef& def = *column.def;
    if (def.column.empty()) return dialect_.JsonField(def.name, def.type);
    if (def.name == kCloseTime && close_time_open_as_end) return dialect_.CloseTimeOrEndOfTime();
    return def.column;
  }

  hugo::Result<std::string> Comparison(const Node& node) {
    const std::string& op = node.text;
    if (!IsOneOf(op, {"=", "!=", "<", ">", "<=", ">=", "in", "not in", "starts_with",
                      "not starts_with"})) {
      return Invalid(node, "invalid operator '" + op + "' in `" + internal::Format(node) + "`");
    }
    auto resolved = ResolveColumn(*node.children[0]);
    if (resolved.IsFailure()) return resolved.Error();
    const Column& column = resolved.Value();
    IndexedValueType type = column.def->type;
    bool starts_with = op == "starts_with" || op == "not starts_with";
    bool in = op == "in" || op == "not in";
    bool operator_fits = true;
    if (type == enums::INDEXED_VALUE_TYPE_KEYWORD_LIST) {
      operator_fits = IsOneOf(op, {"=", "!=", "in", "not in"});
    } else if (type == enums::INDEXED_VALUE_TYPE_TEXT) {
      operator_fits = IsOneOf(op, {"=", "!="});
    } else if (starts_with && type != enums::INDEXED_VALUE_TYPE_KEYWORD) {
      // hdo: the reference runs LIKE on any other type; it only refuses a value not a string.
      const Node& right = *node.children[1];
      if (right.kind != NodeKind::kString) {
        return Invalid(right, "right-hand side of '" + op + "' must be a literal string (got: " +
                                  internal::Format(right) + ")");
      }
      operator_fits = false;
    }
    if (!operator_fits) {
      return Invalid(node, "operator '" + op + "' not supported for " +
                               std::string(TypeName(type)) + " type search attribute in `" +
                               internal::Format(node) + "`");
    }
    const Node& right = *node.children[1];
    std::vector<const Node*> items;
    if (in) {
      for (const auto& item : right.children) items.push_back(item.get());
    } else {
      items.push_back(&right);
    }
    std::vector<SqlValue> values;
    for (const Node* item : items) {
      auto value = Value(*item, column, in);
      if (value.IsFailure()) return value.Error();
      values.push_back(std::move(value).Value());
    }
    bool negated = IsOneOf(op, {"!=", "not in", "not starts_with"});
    std::string field = Field(column, /*close_time_open_as_end=*/true);
    if (in && DecidesNumberWithText(column)) {
      // A text value is in no numeric field's list: it drops out of IN and NOT IN alike.
      std::vector<SqlValue> numbers;
      std::vector<const Node*> number_items;
      for (size_t i = 0; i < values.size(); ++i) {
        if (std::holds_alternative<std::string>(values[i])) continue;
        numbers.push_back(std::move(values[i]));
        number_items.push_back(items[i]);
      }
      if (numbers.empty()) return hugo::Ok(WhenPresent(field, negated));
      values = std::move(numbers);
      items = std::move(number_items);
    }
    if (type == enums::INDEXED_VALUE_TYPE_KEYWORD_LIST) {
      std::vector<std::string> placeholders;
      for (size_t i = 0; i < values.size(); ++i) {
        placeholders.push_back(Param(std::move(values[i]), *items[i]));
      }
      return hugo::Ok(dialect_.KeywordListHasAny(column.def->name, placeholders, negated));
    }
    if (type == enums::INDEXED_VALUE_TYPE_TEXT) {
      const std::string& text = std::get<std::string>(values[0]);
      bool has_word = false;
      ForEachWord(text, [&](const std::string&) { return has_word = true; });
      if (!has_word) {
        return Invalid(right,
                       "unexpected value for Text type search attribute (no tokens found in " +
                           internal::QuoteString(text) + ")");
      }
      return hugo::Ok(dialect_.TextMatch(field, Param(std::move(values[0]), right), negated));
    }
    if (starts_with) {
      const auto* prefix = std::get_if<std::string>(&values[0]);
      if (prefix == nullptr) {
        return Invalid(right, "right-hand side of '" + op + "' must be a literal string (got: " +
                                  FormatValue(values[0]) + ")");
      }
      return hugo::Ok(
          dialect_.StartsWith(field, Param(dialect_.PrefixPattern(*prefix), right), negated));
    }
    if (in) {
      std::string list;
      for (size_t i = 0; i < values.size(); ++i) {
        list += (i > 0 ? ", " : "") + Operand(std::move(values[i]), *items[i], column);
      }
      return hugo::Ok(field + (negated ? " NOT IN (" : " IN (") + list + ")");
    }
    return hugo::Ok(Compare(field, op, std::move(values[0]), right, column));
  }

  // `field op value`.
  std::string Compare(const std::string& field, const std::string& op, SqlValue value,
                      const Node& at, const Column& column) {
    if (DecidesNumberWithText(column) && std::holds_alternative<std::string>(value)) {
      // Every number sorts before any text: true for != < <=, false for = > >=.
      return WhenPresent(field, IsOneOf(op, {"!=", "<", "<="}));
    }
    return field + " " + op + " " + Operand(std::move(value), at, column);
  }

  // The placeholder of a value compared with the column, as the dialect writes it.
  std::string Operand(SqlValue value, const Node& at, const Column& column) {
    std::string placeholder = Param(std::move(value), at);
    return dialect_.Operand(placeholder, params_.back(), column.def->type,
                            column.def->column.empty());
  }

  // Whether the translator answers a comparison of this numeric column with text itself
  // (SqlDialect::ComparesNumbersWithText). Translator::Number and Bool pass text that is no
  // number through, as the reference does.
  bool DecidesNumberWithText(const Column& column) const {
    IndexedValueType type = column.def->type;
    return !dialect_.ComparesNumbersWithText() &&
           (type == enums::INDEXED_VALUE_TYPE_INT || type == enums::INDEXED_VALUE_TYPE_DOUBLE ||
            type == enums::INDEXED_VALUE_TYPE_BOOL);
  }

  // A comparison whose answer is `result` for every run with the field and NULL (not true) for
  // the others, as SQL's comparison with an absent value is.
  static std::string WhenPresent(const std::string& field, bool result) {
    return result ? "(" + field + " IS NOT NULL OR NULL)" : "(" + field + " IS NULL AND NULL)";
  }

  hugo::Result<std::string> Between(const Node& node) {
    auto resolved = ResolveColumn(*node.children[0]);
    if (resolved.IsFailure()) return resolved.Error();
    const Column& column = resolved.Value();
    IndexedValueType type = column.def->type;
    if (!IsOneOf(TypeName(type), {"Datetime", "Double", "Int", "Keyword"})) {
      return Invalid(node, "cannot do range condition on search attribute '" + column.alias +
                               "' of type " + std::string(TypeName(type)));
    }
    auto from = Value(*node.children[1], column);
    if (from.IsFailure()) return from.Error();
    auto to = Value(*node.children[2], column);
    if (to.IsFailure()) return to.Error();
    std::string field = Field(column, /*close_time_open_as_end=*/true);
    if (DecidesNumberWithText(column) && (std::holds_alternative<std::string>(from.Value()) ||
                                          std::holds_alternative<std::string>(to.Value()))) {
      // BETWEEN is >= AND <=, each decided as Compare does.
      std::string sql = Compare(field, ">=", std::move(from).Value(), *node.children[1], column);
      sql += " AND " + Compare(field, "<=", std::move(to).Value(), *node.children[2], column);
      return hugo::Ok(node.negated ? "NOT (" + sql + ")" : "(" + sql + ")");
    }
    std::string sql = field + (node.negated ? " NOT BETWEEN " : " BETWEEN ");
    sql += Operand(std::move(from).Value(), *node.children[1], column);
    sql += " AND " + Operand(std::move(to).Value(), *node.children[2], column);
    return hugo::Ok(std::move(sql));
  }

  hugo::Result<std::string> Is(const Node& node) {
    auto resolved = ResolveColumn(*node.children[0]);
    if (resolved.IsFailure()) return resolved.Error();
    if (node.text != "null") {
      return Invalid(node, "'IS' operator can only be used with 'NULL' or 'NOT NULL'");
    }
    return hugo::Ok(Field(resolved.Value(), /*close_time_open_as_end=*/false) +
                    (node.negated ? " IS NOT NULL" : " IS NULL"));
  }

  // convertValueExpr and parseSQLVal: the parameter of one value for the column's type.
  hugo::Result<SqlValue> Value(const Node& item, const Column& column, bool in_tuple = false) {
    switch (item.kind) {
      case NodeKind::kString:
      case NodeKind::kInt:
      case NodeKind::kFloat:
      case NodeKind::kBool:
        break;
      case NodeKind::kFunction:
        return NotSupported(item, "nested func");
      case NodeKind::kColumn:
        return NotSupported(item,
                            "column name on the right side of comparison expression (did you "
                            "forget to quote '" +
                                item.text + "'?)");
      default:
        return Invalid(item, "unexpected value type " + internal::GoTypeName(item));
    }
    IndexedValueType type = column.def->type;
    if ((type == enums::INDEXED_VALUE_TYPE_KEYWORD_LIST ||
         type == enums::INDEXED_VALUE_TYPE_TEXT) &&
        item.kind != NodeKind::kString) {
      return Invalid(item, std::string("unexpected value type ") + (in_tuple ? "in tuple " : "") +
                               "(expected string, got " + internal::Format(item) + ")");
    }
    // The literal as the reference's sqlquery.ParseValue reads it: int64, else float64.
    SqlValue literal;
    if (item.kind == NodeKind::kString) {
      literal = item.text;
    } else if (item.kind == NodeKind::kInt || item.kind == NodeKind::kFloat) {
      std::optional<int64_t> integer;
      if (item.kind == NodeKind::kInt) integer = go::ParseInt64(item.text);
      if (integer) {
        literal = *integer;
      } else if (std::optional<double> real = go::ParseFloat64(item.text)) {
        literal = *real;
      } else {
        return Invalid(item, "unable to parse " + item.text);
      }
    }
    const std::string& name = column.def->name;
    if (type == enums::INDEXED_VALUE_TYPE_DATETIME) return Datetime(item, literal, column);
    if (name == kExecutionStatus) return Status(item, literal, column);
    if (name == kExecutionDuration) return Duration(item, literal, column);
    switch (type) {
      case enums::INDEXED_VALUE_TYPE_INT:
      case enums::INDEXED_VALUE_TYPE_DOUBLE:
        return Number(item, literal, column);
      case enums::INDEXED_VALUE_TYPE_BOOL:
        return Bool(item, literal, column);
      default:
        return Keyword(item, literal, column);
    }
  }

  hugo::Error UnexpectedType(const Node& item, const SqlValue& literal,
                             const Column& column) const {
    std::string go_type = item.kind == NodeKind::kBool               ? "bool"
                          : std::holds_alternative<double>(literal)  ? "float64"
                          : std::holds_alternative<int64_t>(literal) ? "int64"
                                                                     : "string";
    return Invalid(item,
                   "unexpected value type " + go_type + " for search attribute " + column.alias);
  }

  hugo::Result<SqlValue> Datetime(const Node& item, const SqlValue& literal,
                                  const Column& column) const {
    if (const auto* nanos = std::get_if<int64_t>(&literal)) return hugo::Ok(SqlValue(*nanos));
    if (const auto* text = std::get_if<std::string>(&literal)) {
      // Times past int64 nanoseconds compare as the nearest int64 (no stored time is there).
      if (std::optional<int64_t> nanos = go::ParseRfc3339(*text, /*saturate=*/true)) {
        return hugo::Ok(SqlValue(*nanos));
      }
      return Invalid(item, "unable to parse datetime '" + *text + "'");
    }
    return UnexpectedType(item, literal, column);
  }

  hugo::Result<SqlValue> Status(const Node& item, const SqlValue& literal,
                                const Column& column) const {
    if (const auto* number = std::get_if<int64_t>(&literal)) return hugo::Ok(SqlValue(*number));
    if (const auto* text = std::get_if<std::string>(&literal)) {
      if (std::optional<int64_t> status = ExecutionStatusFromName(*text)) {
        return hugo::Ok(SqlValue(*status));
      }
      return Invalid(item, "invalid ExecutionStatus value '" + *text + "'");
    }
    return UnexpectedType(item, literal, column);
  }

  hugo::Result<SqlValue> Duration(const Node& item, const SqlValue& literal,
                                  const Column& column) const {
    if (item.kind == NodeKind::kBool) return UnexpectedType(item, literal, column);
    const auto* text = std::get_if<std::string>(&literal);
    if (text == nullptr) return hugo::Ok(literal);
    // query.ParseExecutionDurationStr: nanoseconds, a Go duration, then hh:mm:ss.
    if (std::optional<int64_t> nanos = go::ParseInt64(*text)) return hugo::Ok(SqlValue(*nanos));
    if (std::optional<int64_t> nanos = go::ParseDuration(*text)) return hugo::Ok(SqlValue(*nanos));
    go::HhMmSs hms = go::ParseHhMmSs(*text);
    if (hms.nanos) return hugo::Ok(SqlValue(*hms.nanos));
    return internal::QueryError(query_, item.offset,
                                "invalid value for search attribute " + column.alias + ": " +
                                    *text + " (" + hms.error + ")");
  }

  // Int and Double: a number, or a string holding one (the reference's SQLite compares '5' with
  // an Int column as 5).
  hugo::Result<SqlValue> Number(const Node& item, const SqlValue& literal,
                                const Column& column) const {
    if (item.kind == NodeKind::kBool) return UnexpectedType(item, literal, column);
    const auto* text = std::get_if<std::string>(&literal);
    if (text == nullptr) return hugo::Ok(literal);
    if (std::optional<int64_t> integer = go::ParseInt64(*text)) {
      return hugo::Ok(SqlValue(*integer));
    }
    if (std::optional<double> real = go::ParseFloat64(*text)) return hugo::Ok(SqlValue(*real));
    // Not a number: the reference hands it to SQL as text, where it equals no number (and sorts
    // after every number). The query is accepted and compares the same way here.
    return hugo::Ok(SqlValue(*text));
  }

  // Bool: TRUE/FALSE, 1/0, or 'true'/'false' in any case; JSON booleans read as 1 and 0.
  hugo::Result<SqlValue> Bool(const Node& item, const SqlValue& literal,
                              const Column& column) const {
    if (item.kind == NodeKind::kBool) return hugo::Ok(SqlValue(int64_t{item.text == "true"}));
    if (const auto* number = std::get_if<int64_t>(&literal);
        number && (*number == 0 || *number == 1)) {
      return hugo::Ok(SqlValue(*number));
    }
    if (const auto* text = std::get_if<std::string>(&literal)) {
      std::string lower(*text);
      std::transform(lower.begin(), lower.end(), lower.begin(), LowerAscii);
      if (lower == "true" || lower == "false") return hugo::Ok(SqlValue(int64_t{lower == "true"}));
      // As for numbers: other text reaches SQL as text and matches no stored boolean.
      return hugo::Ok(SqlValue(*text));
    }
    return Invalid(item, "invalid value " + internal::Format(item) + " for search attribute " +
                             column.alias + " of type Bool");
  }

  // Keyword (and the strings of Text and KeywordList): a number stands for its decimal text, as
  // the reference's SQL compares it with a text column.
  hugo::Result<SqlValue> Keyword(const Node& item, const SqlValue& literal,
                                 const Column& column) const {
    if (item.kind == NodeKind::kBool) return UnexpectedType(item, literal, column);
    std::string text;
    if (const auto* s = std::get_if<std::string>(&literal)) {
      text = *s;
    } else if (const auto* i = std::get_if<int64_t>(&literal)) {
      text = std::to_string(*i);
    } else {
      text = go::FixedFloat(std::get<double>(literal));
    }
    if (column.schedule_id) text = kScheduleWorkflowIdPrefix + text;
    return hugo::Ok(SqlValue(std::move(text)));
  }

  std::string_view query_;
  const SearchAttributeSet& set_;
  const SqlDialect& dialect_;
  std::vector<SqlValue> params_;
  size_t values_max_offset_ = 0;
  bool seen_division_ = false;
  QueryTarget target_ = QueryTarget::kWorkflows;
};

}  // namespace

hugo::Result<SqlFilter> TranslateQuery(std::string_view query, const SearchAttributeSet& set,
                                       Dialect dialect, QueryUse use, QueryTarget target) {
  static const SqliteDialect sqlite_dialect;
  static const PostgresDialect postgres_dialect;
  static const MysqlDialect mysql_dialect;
  const SqlDialect* sql_dialect = nullptr;
  switch (dialect) {
    case Dialect::kSqlite:
      sql_dialect = &sqlite_dialect;
      break;
    case Dialect::kPostgres:
      sql_dialect = &postgres_dialect;
      break;
    case Dialect::kMysql:
      sql_dialect = &mysql_dialect;
      break;
  }
  if (sql_dialect == nullptr) {
    return hugo::Error::From(
        "visibility: unknown SQL dialect " + std::to_string(static_cast<int>(dialect)),
        kErrorUnsupportedDialect);
  }
  auto parsed = internal::Parse(query);
  if (parsed.IsFailure()) return parsed.Error();
  return Translator(query, set, *sql_dialect, target).Run(parsed.Value(), use);
}

std::string SqliteJsonField(std::string_view name) {
  return SqliteDialect().JsonField(name, enums::INDEXED_VALUE_TYPE_UNSPECIFIED);
}

std::string PostgresJsonField(std::string_view name, IndexedValueType type) {
  return PostgresDialect().JsonField(name, type);
}

std::string MysqlJsonField(std::string_view name, IndexedValueType type) {
  return MysqlDialect().JsonField(name, type);
}

bool TextMatches(std::string_view field, std::string_view query) {
  std::set<std::string> wanted;
  ForEachWord(query, [&](std::string word) {
    wanted.insert(std::move(word));
    return false;
  });
  if (wanted.empty()) return false;
  bool found = false;
  ForEachWord(field, [&](const std::string& word) { return found = wanted.count(word) > 0; });
  return found;
}

}  // namespace hdo::visibility
