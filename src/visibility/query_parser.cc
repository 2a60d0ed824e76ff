#include "visibility/query_parser.h"

#include <array>
#include <optional>
#include <utility>

#include "visibility/query.h"

namespace hdo::visibility::internal {
namespace {

enum class Tok {
  kEnd,
  kIdent,        // a name or a keyword
  kQuotedIdent,  // `name`
  kString,
  kNumber,
  kOperator,  // = != <> < <= > >= <=>
  kLParen,
  kRParen,
  kComma,
  kSemicolon,
  kDot,
  kAndAnd,  // &&
  kOrOr,    // ||
  kMinus,
  kPlus,
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t offset = 0;
  size_t end = 0;
  std::string text;  // names and strings unescaped; everything else as written
};

// Words the parser reads as keywords, in any case; a name spelled like one needs backquotes.
constexpr std::string_view kKeywords[] = {
    "and",   "or",   "not",   "in",   "between", "starts_with", "is",
    "null",  "true", "false", "like", "regexp",  "rlike",       "group",
    "order", "by",   "limit", "asc",  "desc",    "xor",         "offset"};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != b[i]) return false;
  }
  return true;
}

bool IsKeywordText(std::string_view text) {
  for (std::string_view k : kKeywords) {
    if (EqualsIgnoreCase(text, k)) return true;
  }
  return false;
}

bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The unescaped form of a backslash escape (sqltypes.SQLDecodeMap; others stand for themselves).
char Unescape(char c) {
  switch (c) {
    case '0':
      return '\0';
    case 'b':
      return '\b';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'Z':
      return '\x1a';
    default:
      return c;
  }
}

hugo::Error SyntaxError(std::string_view query, size_t offset, const std::string& detail) {
  size_t column = ColumnOf(query, offset);
  return hugo::Error::From("invalid query: malformed SQL query: syntax error at column " +
                               std::to_string(column) + ": " + detail,
                           kErrorInvalidQuery)
      .WithMetadata("column", static_cast<int64_t>(column));
}

class Lexer {
 public:
  explicit Lexer(std::string_view query) : query_(query) {}

  // Every token, the last one kEnd; or the first lexical error.
  hugo::Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      std::optional<hugo::Error> error = SkipBlanksAndComments();
      if (error) return *error;
      Token token;
      token.offset = pos_;
      if (pos_ >= query_.size()) {
        token.end = pos_;
        tokens.push_back(std::move(token));
        return hugo::Ok(std::move(tokens));
      }
      error = Next(token);
      if (error) return *error;
      token.end = pos_;
      tokens.push_back(std::move(token));
    }
  }

 private:
  char At(size_t i) const { return i < query_.size() ? query_[i] : '\0'; }

  std::optional<hugo::Error> SkipBlanksAndComments() {
    while (pos_ < query_.size()) {
      char c = query_[pos_];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        ++pos_;
      } else if (c == '#' || (c == '-' && At(pos_ + 1) == '-')) {
        while (pos_ < query_.size() && query_[pos_] != '\n') ++pos_;
      } else if (c == '/' && At(pos_ + 1) == '*') {
        size_t close = query_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) {
          return SyntaxError(query_, pos_, "unterminated comment");
        }
        pos_ = close + 2;
      } else {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::optional<hugo::Error> Next(Token& token) {
    char c = query_[pos_];
    if (IsLetter(c)) {
      size_t start = pos_;
      while (IsLetter(At(pos_)) || IsDigit(At(pos_))) ++pos_;
      token.kind = Tok::kIdent;
      token.text = std::string(query_.substr(start, pos_ - start));
      return std::nullopt;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(At(pos_ + 1)))) return Number(token);
    if (c == '\'' || c == '"') return String(token, c);
    if (c == '`') return QuotedName(token);
    ++pos_;
    token.text = std::string(1, c);
    switch (c) {
      case '(':
        token.kind = Tok::kLParen;
        return std::nullopt;
      case ')':
        token.kind = Tok::kRParen;
        return std::nullopt;
      case ',':
        token.kind = Tok::kComma;
        return std::nullopt;
      case ';':
        token.kind = Tok::kSemicolon;
        return std::nullopt;
      case '.':
        token.kind = Tok::kDot;
        return std::nullopt;
      case '-':
        token.kind = Tok::kMinus;
        return std::nullopt;
      case '+':
        token.kind = Tok::kPlus;
        return std::nullopt;
      case '=':
        token.kind = Tok::kOperator;
        return std::nullopt;
      case '&':
      case '|':
        if (At(pos_) == c) {
          ++pos_;
          token.kind = c == '&' ? Tok::kAndAnd : Tok::kOrOr;
          token.text += c;
          return std::nullopt;
        }
        break;
      case '!':
        if (At(pos_) == '=') {
          ++pos_;
          token.kind = Tok::kOperator;
          token.text = "!=";
          return std::nullopt;
        }
        break;
      case '<':
        token.kind = Tok::kOperator;
        if (At(pos_) == '>' || At(pos_) == '=') token.text += query_[pos_++];
        if (token.text == "<=" && At(pos_) == '>') token.text += query_[pos_++];
        return std::nullopt;
      case '>':
        token.kind = Tok::kOperator;
        if (At(pos_) == '=') token.text += query_[pos_++];
        return std::nullopt;
      default:
        break;
    }
    auto byte = static_cast<unsigned char>(c);
    std::string shown = byte < 0x20 || byte == 0x7F ? "control character"
                        : byte >= 0x80              ? "non-ASCII character (quote names with `)"
                                                    : "'" + token.text + "'";
    return SyntaxError(query_, token.offset, "unexpected " + shown);
  }

  // sqlparser's scanNumber: digits, an optional fraction and exponent; 0x hex digits. A letter
  // right after a number is an error.
  std::optional<hugo::Error> Number(Token& token) {
    size_t start = pos_;
    if (query_[pos_] == '0' && (At(pos_ + 1) == 'x' || At(pos_ + 1) == 'X')) {
      pos_ += 2;
      while (IsDigit(At(pos_)) || (Lower(At(pos_)) >= 'a' && Lower(At(pos_)) <= 'f')) ++pos_;
    } else {
      while (IsDigit(At(pos_))) ++pos_;
      if (At(pos_) == '.') {
        ++pos_;
        while (IsDigit(At(pos_))) ++pos_;
      }
      if (At(pos_) == 'e' || At(pos_) == 'E') {
        ++pos_;
        if (At(pos_) == '+' || At(pos_) == '-') ++pos_;
        while (IsDigit(At(pos_))) ++pos_;
      }
    }
    if (IsLetter(At(pos_))) {
      while (IsLetter(At(pos_)) || IsDigit(At(pos_))) ++pos_;
      return SyntaxError(query_, start,
                         "unexpected '" + std::string(query_.substr(start, pos_ - start)) + "'");
    }
    token.kind = Tok::kNumber;
    token.text = std::string(query_.substr(start, pos_ - start));
    return std::nullopt;
  }

  // '...' or "...": a backslash escapes the next character, a doubled delimiter is one.
  std::optional<hugo::Error> String(Token& token, char delimiter) {
    size_t start = pos_++;
    std::string value;
    while (true) {
      if (pos_ >= query_.size()) return SyntaxError(query_, start, "unterminated string");
      char c = query_[pos_++];
      if (c == '\\') {
        if (pos_ >= query_.size()) return SyntaxError(query_, start, "unterminated string");
        value += Unescape(query_[pos_++]);
      } else if (c == delimiter) {
        if (At(pos_) != delimiter) break;
        value += delimiter;
        ++pos_;
      } else {
        value += c;
      }
    }
    token.kind = Tok::kString;
    token.text = std::move(value);
    return std::nullopt;
  }

  // `name`: a doubled backquote is one.
  std::optional<hugo::Error> QuotedName(Token& token) {
    size_t start = pos_++;
    std::string name;
    while (true) {
      if (pos_ >= query_.size()) return SyntaxError(query_, start, "unterminated quoted name");
      char c = query_[pos_++];
      if (c == '`') {
        if (At(pos_) != '`') break;
        ++pos_;
      }
      name += c;
    }
    if (name.empty()) return SyntaxError(query_, start, "empty quoted name");
    token.kind = Tok::kQuotedIdent;
    token.text = std::move(name);
    return std::nullopt;
  }

  std::string_view query_;
  size_t pos_ = 0;
};

std::unique_ptr<Node> MakeNode(NodeKind kind, size_t offset, std::string text = {}) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->offset = offset;
  node->text = std::move(text);
  return node;
}

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens)
      : query_(query), tokens_(std::move(tokens)) {}

  hugo::Result<ParsedQuery> Run() {
    ParsedQuery parsed;
    if (!IsKeyword(Peek(), "group") && !IsKeyword(Peek(), "order") && Peek().kind != Tok::kEnd) {
      parsed.where = ParseOr();
      if (error_) return *error_;
    }
    if (IsKeyword(Peek(), "group")) {
      Take();
      if (!ExpectKeyword("by", "expected BY after GROUP")) return *error_;
      do {
        auto column = RequireOperand("expected a search attribute name after GROUP BY");
        if (!column) return *error_;
        parsed.group_by.push_back(std::move(column));
      } while (TakeIf(Tok::kComma));
    }
    if (IsKeyword(Peek(), "order")) {
      parsed.has_order_by = true;
      parsed.order_by_offset = Take().offset;
      if (!ExpectKeyword("by", "expected BY after ORDER")) return *error_;
      do {
        if (!RequireOperand("expected a search attribute name after ORDER BY")) return *error_;
        if (IsKeyword(Peek(), "asc") || IsKeyword(Peek(), "desc")) Take();
      } while (TakeIf(Tok::kComma));
    }
    if (IsKeyword(Peek(), "limit")) {
      parsed.has_limit = true;
      parsed.limit_offset = Take().offset;
      if (!ExpectNumber("expected a number after LIMIT")) return *error_;
      if (TakeIf(Tok::kComma) || (IsKeyword(Peek(), "offset") && (Take(), true))) {
        if (!ExpectNumber("expected a number in LIMIT")) return *error_;
      }
    }
    TakeIf(Tok::kSemicolon);
    if (Peek().kind != Tok::kEnd) {
      Fail(Peek(), "unexpected " + Describe(Peek()));
      return *error_;
    }
    return hugo::Ok(std::move(parsed));
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(next_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& Take() {
    const Token& token = tokens_[next_];
    if (next_ + 1 < tokens_.size()) ++next_;
    return token;
  }
  bool TakeIf(Tok kind) {
    if (Peek().kind != kind) return false;
    Take();
    return true;
  }
  static bool IsKeyword(const Token& token, std::string_view keyword) {
    return token.kind == Tok::kIdent && EqualsIgnoreCase(token.text, keyword);
  }
  bool TakeKeyword(std::string_view keyword) {
    if (!IsKeyword(Peek(), keyword)) return false;
    Take();
    return true;
  }
  bool ExpectKeyword(std::string_view keyword, const std::string& detail) {
    if (TakeKeyword(keyword)) return true;
    Fail(Peek(), detail);
    return false;
  }
  bool ExpectNumber(const std::string& detail) {
    if (TakeIf(Tok::kNumber)) return true;
    Fail(Peek(), detail);
    return false;
  }
  std::string Describe(const Token& token) const {
    if (token.kind == Tok::kEnd) return "end of query";
    std::string written(query_.substr(token.offset, token.end - token.offset));
    return token.kind == Tok::kString ? written : "'" + written + "'";
  }
  void Fail(const Token& token, const std::string& detail) {
    if (!error_) error_ = SyntaxError(query_, token.offset, detail);
  }
  bool Enter(const Token& token) {
    if (++depth_ <= kQueryNestingMax) return true;
    Fail(token, "parentheses and NOTs nest deeper than " + std::to_string(kQueryNestingMax));
    return false;
  }

  // or := and { (OR | ||) and }
  std::unique_ptr<Node> ParseOr() {
    size_t offset = Peek().offset;
    auto first = ParseAnd();
    if (!first) return nullptr;
    if (!IsKeyword(Peek(), "or") && Peek().kind != Tok::kOrOr) return first;
    auto node = MakeNode(NodeKind::kOr, offset);
    node->children.push_back(std::move(first));
    while (TakeKeyword("or") || TakeIf(Tok::kOrOr)) {
      auto next = ParseAnd();
      if (!next) return nullptr;
      node->children.push_back(std::move(next));
    }
    return node;
  }

  // and := not { (AND | &&) not }
  std::unique_ptr<Node> ParseAnd() {
    size_t offset = Peek().offset;
    auto first = ParseNot();
    if (!first) return nullptr;
    if (!IsKeyword(Peek(), "and") && Peek().kind != Tok::kAndAnd) return first;
    auto node = MakeNode(NodeKind::kAnd, offset);
    node->children.push_back(std::move(first));
    while (TakeKeyword("and") || TakeIf(Tok::kAndAnd)) {
      auto next = ParseNot();
      if (!next) return nullptr;
      node->children.push_back(std::move(next));
    }
    return node;
  }

  // not := NOT not | predicate
  std::unique_ptr<Node> ParseNot() {
    if (!IsKeyword(Peek(), "not")) return ParsePredicate();
    const Token& token = Take();
    if (!Enter(token)) return nullptr;
    auto node = MakeNode(NodeKind::kNot, token.offset);
    auto operand = ParseNot();
    --depth_;
    if (!operand) return nullptr;
    node->children.push_back(std::move(operand));
    return node;
  }

  // predicate := operand [ comparison | [NOT] IN (...) | [NOT] BETWEEN a AND b
  //                        | [NOT] STARTS_WITH v | [NOT] LIKE v | IS [NOT] NULL ]
  std::unique_ptr<Node> ParsePredicate() {
    size_t offset = Peek().offset;
    auto left = RequireOperand("expected a condition");
    if (!left) return nullptr;
    if (Peek().kind == Tok::kOperator) {
      std::string op = Take().text;
      if (op == "<>") op = "!=";
      auto right = RequireOperand("expected a value after '" + op + "'");
      if (!right) return nullptr;
      return Binary(NodeKind::kComparison, offset, op, std::move(left), std::move(right));
    }
    bool negated = false;
    if (IsKeyword(Peek(), "not") && IsPredicateKeyword(Peek(1))) {
      Take();
      negated = true;
    }
    const Token& token = Peek();
    std::string prefix = negated ? "not " : "";
    if (IsKeyword(token, "in")) {
      Take();
      auto tuple = ParseInList();
      if (!tuple) return nullptr;
      return Binary(NodeKind::kComparison, offset, prefix + "in", std::move(left),
                    std::move(tuple));
    }
    if (IsKeyword(token, "between")) {
      Take();
      auto node = MakeNode(NodeKind::kBetween, offset);
      node->negated = negated;
      auto from = RequireOperand("expected a value after BETWEEN");
      if (!from || !ExpectKeyword("and", "expected AND in BETWEEN")) return nullptr;
      auto to = RequireOperand("expected a value after AND");
      if (!to) return nullptr;
      node->children.push_back(std::move(left));
      node->children.push_back(std::move(from));
      node->children.push_back(std::move(to));
      return node;
    }
    for (std::string_view keyword : {"starts_with", "like", "regexp", "rlike"}) {
      if (!IsKeyword(token, keyword)) continue;
      Take();
      std::string op = prefix + std::string(keyword == "rlike" ? "regexp" : keyword);
      auto right = RequireOperand("expected a value after " + std::string(keyword));
      if (!right) return nullptr;
      return Binary(NodeKind::kComparison, offset, op, std::move(left), std::move(right));
    }
    if (IsKeyword(token, "is")) {
      Take();
      auto node = MakeNode(NodeKind::kIs, offset);
      node->negated = TakeKeyword("not");
      for (std::string_view keyword : {"null", "true", "false"}) {
        if (TakeKeyword(keyword)) node->text = std::string(keyword);
      }
      if (node->text.empty()) {
        Fail(Peek(), "expected NULL or NOT NULL after IS");
        return nullptr;
      }
      node->children.push_back(std::move(left));
      return node;
    }
    return left;
  }

  static bool IsPredicateKeyword(const Token& token) {
    for (std::string_view k : {"in", "between", "starts_with", "like", "regexp", "rlike"}) {
      if (IsKeyword(token, k)) return true;
    }
    return false;
  }

  static std::unique_ptr<Node> Binary(NodeKind kind, size_t offset, std::string op,
                                      std::unique_ptr<Node> left, std::unique_ptr<Node> right) {
    auto node = MakeNode(kind, offset, std::move(op));
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
  }

  // ( value {, value} )
  std::unique_ptr<Node> ParseInList() {
    const Token& open = Peek();
    if (!TakeIf(Tok::kLParen)) {
      Fail(open, "expected '(' after IN");
      return nullptr;
    }
    auto tuple = MakeNode(NodeKind::kTuple, open.offset);
    do {
      auto value = RequireOperand("expected a value in the IN list");
      if (!value) return nullptr;
      tuple->children.push_back(std::move(value));
    } while (TakeIf(Tok::kComma));
    if (!TakeIf(Tok::kRParen)) {
      Fail(Peek(), "expected ',' or ')' in the IN list");
      return nullptr;
    }
    return tuple;
  }

  std::unique_ptr<Node> RequireOperand(const std::string& detail) {
    auto operand = ParseOperand();
    if (!operand && !error_) {
      Fail(Peek(), Peek().kind == Tok::kEnd ? detail + ", found the end of the query"
                                            : detail + ", found " + Describe(Peek()));
    }
    return operand;
  }

  // operand := name | name(args) | string | [+-]number | TRUE | FALSE | NULL | ( or {, or} )
  // nullptr without an error when the next token starts no operand.
  std::unique_ptr<Node> ParseOperand() {
    const Token& token = Peek();
    switch (token.kind) {
      case Tok::kIdent:
        if (IsKeyword(token, "true") || IsKeyword(token, "false")) {
          Take();
          return MakeNode(NodeKind::kBool, token.offset,
                          Lower(token.text[0]) == 't' ? "true" : "false");
        }
        if (IsKeyword(token, "null")) {
          Take();
          return MakeNode(NodeKind::kNull, token.offset);
        }
        if (IsKeywordText(token.text)) return nullptr;
        if (Peek(1).kind == Tok::kLParen) return ParseFunction();
        return ParseName();
      case Tok::kQuotedIdent:
        return ParseName();
      case Tok::kString:
        Take();
        return MakeNode(NodeKind::kString, token.offset, token.text);
      case Tok::kNumber:
        Take();
        return MakeNode(IsFloatLiteral(token.text) ? NodeKind::kFloat : NodeKind::kInt,
                        token.offset, token.text);
      case Tok::kMinus:
      case Tok::kPlus:
        return ParseSignedNumber();
      case Tok::kLParen:
        return ParseParenthesized();
      default:
        return nullptr;
    }
  }

  static bool IsFloatLiteral(std::string_view text) {
    if (text.size() > 1 && (text[1] == 'x' || text[1] == 'X')) return false;
    return text.find_first_of(".eE") != std::string_view::npos;
  }

  // name {. name}: the reference reads a qualified name as a column named "a.b".
  std::unique_ptr<Node> ParseName() {
    const Token& first = Take();
    auto node = MakeNode(NodeKind::kColumn, first.offset, first.text);
    while (Peek().kind == Tok::kDot &&
           (Peek(1).kind == Tok::kIdent || Peek(1).kind == Tok::kQuotedIdent)) {
      Take();
      node->text += "." + Take().text;
    }
    return node;
  }

  std::unique_ptr<Node> ParseFunction() {
    const Token& name = Take();
    const Token& open = Take();
    if (!Enter(open)) return nullptr;
    auto node = MakeNode(NodeKind::kFunction, name.offset, name.text);
    if (!TakeIf(Tok::kRParen)) {
      do {
        auto argument = RequireOperand("expected an argument");
        if (!argument) return nullptr;
        node->children.push_back(std::move(argument));
      } while (TakeIf(Tok::kComma));
      if (!TakeIf(Tok::kRParen)) {
        Fail(Peek(), "expected ',' or ')' after an argument");
        return nullptr;
      }
    }
    --depth_;
    return node;
  }

  std::unique_ptr<Node> ParseSignedNumber() {
    const Token& first = Peek();
    bool negative = false;
    while (Peek().kind == Tok::kMinus || Peek().kind == Tok::kPlus) {
      negative = negative != (Take().kind == Tok::kMinus);
    }
    const Token& number = Peek();
    if (number.kind != Tok::kNumber) {
      Fail(number, "expected a number after '" + first.text + "'");
      return nullptr;
    }
    Take();
    return MakeNode(IsFloatLiteral(number.text) ? NodeKind::kFloat : NodeKind::kInt, first.offset,
                    (negative ? "-" : "") + number.text);
  }

  // ( condition ) or a tuple ( value, value, ... ).
  std::unique_ptr<Node> ParseParenthesized() {
    const Token& open = Take();
    if (!Enter(open)) return nullptr;
    auto first = ParseOr();
    if (!first) return nullptr;
    std::unique_ptr<Node> node;
    if (Peek().kind == Tok::kComma) {
      node = MakeNode(NodeKind::kTuple, open.offset);
      node->children.push_back(std::move(first));
      while (TakeIf(Tok::kComma)) {
        auto next = ParseOr();
        if (!next) return nullptr;
        node->children.push_back(std::move(next));
      }
    } else {
      node = MakeNode(NodeKind::kParen, open.offset);
      node->children.push_back(std::move(first));
    }
    if (!TakeIf(Tok::kRParen)) {
      Fail(Peek(),
           Peek().kind == Tok::kEnd ? "missing ')'" : "expected ')', found " + Describe(Peek()));
      return nullptr;
    }
    --depth_;
    return node;
  }

  std::string_view query_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  size_t depth_ = 0;
  std::optional<hugo::Error> error_;
};

std::string Join(const std::vector<std::unique_ptr<Node>>& nodes, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) out += separator;
    out += Format(*nodes[i]);
  }
  return out;
}

}  // namespace

hugo::Result<ParsedQuery> Parse(std::string_view query) {
  if (query.size() > kQueryBytesMax) {
    return SyntaxError(query, kQueryBytesMax,
                       "the query is longer than " + std::to_string(kQueryBytesMax) + " bytes");
  }
  auto tokens = Lexer(query).Run();
  if (tokens.IsFailure()) return tokens.Error();
  return Parser(query, std::move(tokens).Value()).Run();
}

size_t ColumnOf(std::string_view query, size_t offset) {
  size_t column = 1;
  for (size_t i = 0; i < offset && i < query.size(); ++i) {
    if ((static_cast<unsigned char>(query[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

hugo::Error QueryError(std::string_view query, size_t offset, std::string detail) {
  size_t column = ColumnOf(query, offset);
  return hugo::Error::From(
             "invalid query: " + std::move(detail) + " at column " + std::to_string(column),
             kErrorInvalidQuery)
      .WithMetadata("column", static_cast<int64_t>(column));
}

std::string QuoteString(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    switch (c) {
      case '\0':
        out += "\\0";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
  return out + "'";
}

std::string Format(const Node& node) {
  switch (node.kind) {
    case NodeKind::kAnd:
      return Join(node.children, " and ");
    case NodeKind::kOr:
      return Join(node.children, " or ");
    case NodeKind::kNot:
      return "not " + Format(*node.children[0]);
    case NodeKind::kParen:
      return "(" + Format(*node.children[0]) + ")";
    case NodeKind::kComparison:
      return Format(*node.children[0]) + " " + node.text + " " + Format(*node.children[1]);
    case NodeKind::kBetween:
      return Format(*node.children[0]) + (node.negated ? " not between " : " between ") +
             Format(*node.children[1]) + " and " + Format(*node.children[2]);
    case NodeKind::kIs:
      return Format(*node.children[0]) + " is " + (node.negated ? "not " : "") + node.text;
    case NodeKind::kString:
      return QuoteString(node.text);
    case NodeKind::kNull:
      return "null";
    case NodeKind::kTuple:
      return "(" + Join(node.children, ", ") + ")";
    case NodeKind::kFunction:
      return node.text + "(" + Join(node.children, ", ") + ")";
    case NodeKind::kColumn:
    case NodeKind::kInt:
    case NodeKind::kFloat:
    case NodeKind::kBool:
      return node.text;
  }
  return node.text;
}

std::string GoTypeName(const Node& node) {
  switch (node.kind) {
    case NodeKind::kAnd:
      return "*sqlparser.AndExpr";
    case NodeKind::kOr:
      return "*sqlparser.OrExpr";
    case NodeKind::kNot:
      return "*sqlparser.NotExpr";
    case NodeKind::kParen:
      return "*sqlparser.ParenExpr";
    case NodeKind::kComparison:
      return "*sqlparser.ComparisonExpr";
    case NodeKind::kBetween:
      return "*sqlparser.RangeCond";
    case NodeKind::kIs:
      return "*sqlparser.IsExpr";
    case NodeKind::kColumn:
      return "*sqlparser.ColName";
    case NodeKind::kString:
    case NodeKind::kInt:
    case NodeKind::kFloat:
      return "*sqlparser.SQLVal";
    case NodeKind::kBool:
      return "sqlparser.BoolVal";
    case NodeKind::kNull:
      return "*sqlparser.NullVal";
    case NodeKind::kTuple:
      return "sqlparser.ValTuple";
    case NodeKind::kFunction:
      return "*sqlparser.FuncExpr";
  }
  return "sqlparser.Expr";
}

}  // namespace hdo::visibility::internal
