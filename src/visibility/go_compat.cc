#include "visibility/go_compat.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>

namespace hdo::visibility::go {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr uint64_t kTwo63 = uint64_t{1} << 63;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Decodes one UTF-8 sequence at text[i]; returns its length, 0 when invalid (Go's RuneError, 1).
size_t Utf8Length(std::string_view text, size_t i, uint32_t* rune) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  size_t n = 0;
  uint32_t r = 0;
  uint32_t min = 0;
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, r = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, r = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    r = (r << 6) | (byte(i + k) & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return 0;
  *rune = r;
  return n;
}

void AppendHex4(std::string& out, uint32_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xF];
}

// Shortest round-trip digits of `value` in the given format.
std::string ToChars(double value, std::chars_format format) {
  std::array<char, 400> buffer{};
  auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, format);
  return std::string(buffer.data(), result.ptr);
}

// The decimal exponent of the shortest scientific rendering ("1.5e+30" -> 30).
int DecimalExponent(const std::string& scientific) {
  size_t e = scientific.find('e');
  int exponent = 0;
  std::from_chars(scientific.data() + e + (scientific[e + 1] == '+' ? 2 : 1),
                  scientific.data() + scientific.size(), exponent);
  return exponent;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year;
  int64_t month;
  int64_t day;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2), m, d};
}

bool IsLeap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int64_t DaysIn(int64_t year, int64_t month) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Reads exactly `width` digits at text[*pos].
std::optional<int64_t> Digits(std::string_view text, size_t* pos, size_t width) {
  if (*pos + width > text.size()) return std::nullopt;
  int64_t value = 0;
  for (size_t k = 0; k < width; ++k) {
    char c = text[*pos + k];
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  *pos += width;
  return value;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

std::optional<uint64_t> DurationUnit(std::string_view unit) {
  constexpr uint64_t kNano = 1;
  constexpr uint64_t kMicro = 1000 * kNano;
  constexpr uint64_t kMilli = 1000 * kMicro;
  constexpr uint64_t kSecond = 1000 * kMilli;
  constexpr uint64_t kMinute = 60 * kSecond;
  constexpr uint64_t kHour = 60 * kMinute;
  if (unit == "ns") return kNano;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return kMicro;
  if (unit == "ms") return kMilli;
  if (unit == "s") return kSecond;
  if (unit == "m") return kMinute;
  if (unit == "h") return kHour;
  if (unit == "d") return 24 * kHour;
  return std::nullopt;
}

// The decimal order of magnitude of a well-formed decimal number without sign ("123" -> 3,
// "0.05" -> -1, "1e-400" -> -399): negative when below 1.
int64_t DecimalOrder(std::string_view body) {
  size_t e = body.find_first_of("eE");
  std::string_view mantissa = body.substr(0, e);
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view digits = body.substr(e + 1);
    bool negative = !digits.empty() && digits[0] == '-';
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
    for (char c : digits) exponent = std::min<int64_t>(exponent * 10 + (c - '0'), 1'000'000);
    if (negative) exponent = -exponent;
  }
  size_t point = mantissa.find('.');
  std::string_view whole = mantissa.substr(0, point);
  size_t first = whole.find_first_not_of('0');
  if (first != std::string_view::npos) return static_cast<int64_t>(whole.size() - first) + exponent;
  std::string_view fraction = point == std::string_view::npos ? "" : mantissa.substr(point + 1);
  size_t nonzero = fraction.find_first_not_of('0');
  if (nonzero == std::string_view::npos) return 0;  // zero: never out of range
  return -static_cast<int64_t>(nonzero) + exponent;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  uint32_t rune = 0;
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8Length(text, i, &rune);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    unsigned char b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      switch (b) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
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
        case '<':
        case '>':
        case '&':
          AppendHex4(out, b);
          break;
        default:
          if (b < 0x20) {
            AppendHex4(out, b);
          } else {
            out += static_cast<char>(b);
          }
      }
      ++i;
      continue;
    }
    uint32_t rune = 0;
    size_t n = Utf8Length(text, i, &rune);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else if (rune == 0x2028 || rune == 0x2029) {
      AppendHex4(out, rune);
      i += n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

std::string JsonFloat(double value) {
  double magnitude = std::fabs(value);
  if (magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)) {
    std::string text = ToChars(value, std::chars_format::scientific);
    // Go writes e-7, not e-07.
    size_t n = text.size();
    if (n >= 4 && text[n - 4] == 'e' && text[n - 3] == '-' && text[n - 2] == '0') {
      text.erase(n - 2, 1);
    }
    return text;
  }
  return ToChars(value, std::chars_format::fixed);
}

std::string FixedFloat(double value) { return ToChars(value, std::chars_format::fixed); }

std::string FloatV(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::string scientific = ToChars(value, std::chars_format::scientific);
  int exponent = DecimalExponent(scientific);
  if (exponent < -4 || exponent >= 6) return scientific;
  return ToChars(value, std::chars_format::fixed);
}

std::string FormatV(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "<nil>";
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return FloatV(value.get<double>());
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    case nlohmann::json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ' ';
        out += FormatV(value[i]);
      }
      return out + "]";
    }
    case nlohmann::json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) out += ' ';
        first = false;
        out += key + ":" + FormatV(item);
      }
      return out + "]";
    }
    default:
      return value.dump();
  }
}

std::optional<int64_t> ParseRfc3339(std::string_view text, bool saturate) {
  size_t pos = 0;
  auto year = Digits(text, &pos, 4);
  if (!year || !Expect(text, &pos, '-')) return std::nullopt;
  auto month = Digits(text, &pos, 2);
  if (!month || !Expect(text, &pos, '-')) return std::nullopt;
  auto day = Digits(text, &pos, 2);
  if (!day || !Expect(text, &pos, 'T')) return std::nullopt;
  auto hour = Digits(text, &pos, 2);
  if (!hour || !Expect(text, &pos, ':')) return std::nullopt;
  auto minute = Digits(text, &pos, 2);
  if (!minute || !Expect(text, &pos, ':')) return std::nullopt;
  auto second = Digits(text, &pos, 2);
  if (!second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > DaysIn(*year, *month) || *hour > 23 ||
      *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  int64_t fraction = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (digits < 9) fraction = fraction * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t k = digits; k < 9; ++k) fraction *= 10;
  }
  int64_t offset_seconds = 0;
  if (Expect(text, &pos, 'Z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int64_t sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    auto offset_hours = Digits(text, &pos, 2);
    if (!offset_hours || !Expect(text, &pos, ':')) return std::nullopt;
    auto offset_minutes = Digits(text, &pos, 2);
    if (!offset_minutes || *offset_hours > 24 || *offset_minutes > 59) return std::nullopt;
    offset_seconds = sign * (*offset_hours * 3600 + *offset_minutes * 60);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  int64_t seconds = DaysFromCivil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 +
                    *second - offset_seconds;
  int64_t nanos = 0;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &nanos) ||
      __builtin_add_overflow(nanos, fraction, &nanos)) {
    if (!saturate) return std::nullopt;
    return seconds < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return nanos;
}

std::string FormatRfc3339Nano(int64_t unix_nanos) {
  int64_t seconds = FloorDiv(unix_nanos, kNanosPerSecond);
  int64_t fraction = unix_nanos % kNanosPerSecond;
  if (fraction < 0) fraction += kNanosPerSecond;
  int64_t days = FloorDiv(seconds, 86400);
  int64_t in_day = seconds - days * 86400;
  Civil civil = CivilFromDays(days);
  std::array<char, 64> buffer{};
  int n =
      std::snprintf(buffer.data(), buffer.size(), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                    static_cast<long long>(civil.year), static_cast<long long>(civil.month),
                    static_cast<long long>(civil.day), static_cast<long long>(in_day / 3600),
                    static_cast<long long>(in_day / 60 % 60), static_cast<long long>(in_day % 60));
  std::string out(buffer.data(), static_cast<size_t>(n));
  if (fraction != 0) {
    std::array<char, 16> digits{};
    std::snprintf(digits.data(), digits.size(), "%09lld", static_cast<long long>(fraction));
    std::string text(digits.data());
    while (!text.empty() && text.back() == '0') text.pop_back();
    out += "." + text;
  }
  return out + "Z";
}

std::optional<int64_t> ParseDuration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  uint64_t total = 0;
  while (!text.empty()) {
    if (!(text[0] == '.' || IsDigit(text[0]))) return std::nullopt;
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      if (whole > kTwo63 / 10) return std::nullopt;
      whole = whole * 10 + static_cast<uint64_t>(text[i] - '0');
      if (whole > kTwo63) return std::nullopt;
    }
    bool pre = i > 0;
    text.remove_prefix(i);
    uint64_t fraction = 0;
    double scale = 1;
    bool post = false;
    if (!text.empty() && text[0] == '.') {
      text.remove_prefix(1);
      bool overflow = false;
      size_t k = 0;
      for (; k < text.size() && IsDigit(text[k]); ++k) {
        if (overflow) continue;
        if (fraction > (kTwo63 - 1) / 10) {
          overflow = true;
          continue;
        }
        uint64_t next = fraction * 10 + static_cast<uint64_t>(text[k] - '0');
        if (next > kTwo63) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      post = k > 0;
      text.remove_prefix(k);
    }
    if (!pre && !post) return std::nullopt;
    size_t u = 0;
    while (u < text.size() && text[u] != '.' && !IsDigit(text[u])) ++u;
    if (u == 0) return std::nullopt;
    std::optional<uint64_t> unit = DurationUnit(text.substr(0, u));
    text.remove_prefix(u);
    if (!unit || whole > kTwo63 / *unit) return std::nullopt;
    whole *= *unit;
    if (fraction > 0) {
      whole += static_cast<uint64_t>(static_cast<double>(fraction) *
                                     (static_cast<double>(*unit) / scale));
      if (whole > kTwo63) return std::nullopt;
    }
    total += whole;
    if (total > kTwo63) return std::nullopt;
  }
  if (negative) return static_cast<int64_t>(0 - total);
  if (total > kTwo63 - 1) return std::nullopt;
  return static_cast<int64_t>(total);
}

HhMmSs ParseHhMmSs(std::string_view text) {
  HhMmSs result;
  result.error = "invalid duration";
  int64_t parts[3] = {0, 0, 0};
  size_t pos = 0;
  for (int k = 0; k < 3; ++k) {
    if (k > 0 && !Expect(text, &pos, ':')) return result;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    size_t start = pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    size_t digits = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    if (pos == digits) return result;
    std::optional<int64_t> value = ParseInt64(text.substr(start, pos - start));
    if (!value) return result;
    parts[k] = *value;
  }
  if (parts[0] < 0) {
    result.error = "invalid duration: hours must be a positive number";
    return result;
  }
  if (parts[1] < 0 || parts[1] > 59) {
    result.error = "invalid duration: minutes must be from 0 to 59";
    return result;
  }
  if (parts[2] < 0 || parts[2] > 59) {
    result.error = "invalid duration: seconds must be from 0 to 59";
    return result;
  }
  int64_t seconds = 0;
  int64_t nanos = 0;
  if (__builtin_mul_overflow(parts[0], int64_t{3600}, &seconds) ||
      __builtin_add_overflow(seconds, parts[1] * 60 + parts[2], &seconds) ||
      __builtin_mul_overflow(seconds, kNanosPerSecond, &nanos)) {
    return result;
  }
  result.nanos = nanos;
  result.error.clear();
  return result;
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty() || (text[0] == '-' && text.size() == 1)) return std::nullopt;
  int64_t value = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ParseFloat64(std::string_view text) {
  std::string_view body = text;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  // Decimal syntax only: digits[.digits] or .digits, then an optional exponent.
  size_t i = 0;
  size_t mantissa_digits = 0;
  while (i < body.size() && IsDigit(body[i])) ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && IsDigit(body[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exponent_start = i;
    while (i < body.size() && IsDigit(body[i])) ++i;
    if (i == exponent_start) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  std::string_view number = text[0] == '+' ? text.substr(1) : text;
  double value = 0;
  auto result = std::from_chars(number.data(), number.data() + number.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    // Go returns ±Inf with an error when the number is too large, and ±0 when it is too small.
    return DecimalOrder(body) < 0 ? std::optional<double>(text[0] == '-' ? -0.0 : 0.0)
                                  : std::nullopt;
  }
  if (result.ec != std::errc() || result.ptr != number.data() + number.size()) return std::nullopt;
  return value;
}

}  // namespace hdo::visibility::go
