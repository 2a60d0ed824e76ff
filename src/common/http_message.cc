#include "common/http_message.h"

#include <algorithm>

namespace hdo::http {
namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char UpperAscii(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

std::string CanonicalHeaderName(std::string_view name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) return std::string(name);
  std::string canonical(name);
  bool upper = true;
  for (char& c : canonical) {
    c = upper ? UpperAscii(c) : LowerAscii(c);
    upper = c == '-';
  }
  return canonical;
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const HeaderField& field : headers) {
    if (HeaderNameEquals(field.name, name)) return std::string_view(field.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Request::HeaderValues(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const HeaderField& field : headers) {
    if (HeaderNameEquals(field.name, name)) values.emplace_back(field.value);
  }
  return values;
}

void Response::SetHeader(std::string_view name, std::string value) {
  std::erase_if(headers,
                [name](const HeaderField& field) { return HeaderNameEquals(field.name, name); });
  AddHeader(name, std::move(value));
}

void Response::AddHeader(std::string_view name, std::string value) {
  headers.push_back({std::string(name), std::move(value)});
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  for (const HeaderField& field : headers) {
    if (HeaderNameEquals(field.name, name)) return std::string_view(field.value);
  }
  return std::nullopt;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      decoded.push_back(' ');
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      encoded.push_back('%');
      encoded.push_back(kHex[byte >> 4]);
      encoded.push_back(kHex[byte & 0xF]);
    }
  }
  return encoded;
}

std::optional<std::string> QueryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    size_t equals = pair.find('=');
    auto name = PercentDecode(pair.substr(0, equals), /*plus_is_space=*/true);
    if (!name.has_value() || *name != key) continue;
    if (equals == std::string_view::npos) return std::string();
    return PercentDecode(pair.substr(equals + 1), /*plus_is_space=*/true);
  }
  return std::nullopt;
}

}  // namespace hdo::http
