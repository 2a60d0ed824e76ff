#include "worker/time_zone.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/error_codes.h"
#include "history/cron.h"

namespace hdo::worker {
namespace {

constexpr int64_t kSecondsPerDay = 86'400;

hugo::Error Invalid(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

hugo::Error Malformed() { return Invalid("malformed time zone information"); }

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t quotient = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient;
}

bool IsLeap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

// Big-endian reads over the TZif bytes; false once past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Take(size_t n, std::string_view* out) {
    if (data_.size() - pos_ < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Int(size_t width, int64_t* out) {
    std::string_view bytes;
    if (!Take(width, &bytes)) return false;
    uint64_t value = 0;
    for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
    // Sign-extend from `width` bytes.
    if (width < 8 && (value >> (width * 8 - 1)) != 0) value |= ~uint64_t{0} << (width * 8);
    *out = static_cast<int64_t>(value);
    return true;
  }
  std::string_view Rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// A POSIX TZ offset "[+-]hh[:mm[:ss]]" (west positive, as POSIX writes it); nullopt if absent.
std::optional<int32_t> ParseOffset(std::string_view& s) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  int32_t total = 0;
  for (int part = 0; part < 3; ++part) {
    if (part > 0) {
      if (s.empty() || s[0] != ':') break;
      s.remove_prefix(1);
    }
    size_t digits = 0;
    int32_t value = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9' && digits < 3) {
      value = value * 10 + (s[digits] - '0');
      ++digits;
    }
    if (digits == 0) return part == 0 ? std::nullopt : std::optional<int32_t>(sign * total);
    s.remove_prefix(digits);
    total += value * (part == 0 ? 3600 : part == 1 ? 60 : 1);
  }
  return sign * total;
}

bool SkipName(std::string_view& s) {
  if (!s.empty() && s[0] == '<') {
    size_t close = s.find('>');
    if (close == std::string_view::npos) return false;
    s.remove_prefix(close + 1);
    return true;
  }
  size_t n = 0;
  while (n < s.size() && ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))) ++n;
  if (n < 3) return false;
  s.remove_prefix(n);
  return true;
}

std::optional<int> ParseNumber(std::string_view& s) {
  size_t n = 0;
  int value = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') value = value * 10 + (s[n++] - '0');
  if (n == 0) return std::nullopt;
  s.remove_prefix(n);
  return value;
}

struct TzifBlock {
  std::vector<int64_t> transitions;
  std::vector<int32_t> offsets_after;
  int32_t fixed_offset = 0;
};

// One data block of a TZif file (RFC 8536): 4-byte times in version 1's, 8-byte ones after it.
// False when it is malformed.
bool ReadTzifBlock(Reader& reader, size_t time_width, TzifBlock& block) {
  std::string_view magic;
  if (!reader.Take(4, &magic) || magic != "TZif") return false;
  std::string_view header;
  if (!reader.Take(16, &header)) return false;
  int64_t isut = 0, isstd = 0, leap = 0, times = 0, types = 0, chars = 0;
  if (!reader.Int(4, &isut) || !reader.Int(4, &isstd) || !reader.Int(4, &leap) ||
      !reader.Int(4, &times) || !reader.Int(4, &types) || !reader.Int(4, &chars) || types < 1 ||
      times < 0 || types > 256 || times > 1'000'000) {
    return false;
  }
  std::vector<int64_t> instants(static_cast<size_t>(times));
  for (auto& instant : instants) {
    if (!reader.Int(time_width, &instant)) return false;
  }
  std::vector<int64_t> indexes(static_cast<size_t>(times));
  for (auto& index : indexes) {
    if (!reader.Int(1, &index)) return false;
    index &= 0xff;
    if (index >= types) return false;
  }
  std::vector<int32_t> offsets;
  std::vector<bool> dst;
  for (int64_t t = 0; t < types; ++t) {
    int64_t offset = 0, is_dst = 0, abbreviation = 0;
    if (!reader.Int(4, &offset) || !reader.Int(1, &is_dst) || !reader.Int(1, &abbreviation)) {
      return false;
    }
    offsets.push_back(static_cast<int32_t>(offset));
    dst.push_back((is_dst & 0xff) != 0);
  }
  std::string_view skipped;
  if (!reader.Take(static_cast<size_t>(chars + leap * (time_width + 4) + isstd + isut), &skipped)) {
    return false;
  }
  block = TzifBlock();  // a version 2+ file's second block replaces the first
  block.transitions = std::move(instants);
  for (int64_t index : indexes) block.offsets_after.push_back(offsets[static_cast<size_t>(index)]);
  // Go's lookupFirstZone: type 0 unless transitions use it, then the first standard type.
  bool zero_used = std::find(indexes.begin(), indexes.end(), 0) != indexes.end();
  block.fixed_offset = offsets[0];
  if (zero_used) {
    for (size_t t = 0; t < offsets.size(); ++t) {
      if (!dst[t]) {
        block.fixed_offset = offsets[t];
        break;
      }
    }
  }
  return true;
}

}  // namespace

std::optional<TimeZone::PosixRule> TimeZone::ParsePosix(std::string_view s) {
  PosixRule rule;
  if (!SkipName(s)) return std::nullopt;
  auto std_west = ParseOffset(s);
  if (!std_west) return std::nullopt;
  rule.std_offset = -*std_west;
  if (s.empty()) return rule;
  if (!SkipName(s)) return std::nullopt;
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + 3600;
  if (!s.empty() && s[0] != ',') {
    auto dst_west = ParseOffset(s);
    if (!dst_west) return std::nullopt;
    rule.dst_offset = -*dst_west;
  }
  // Without rules Go uses the US rules of 2007 ("M3.2.0,M11.1.0").
  if (s.empty()) s = ",M3.2.0,M11.1.0";
  auto change = [&](PosixRule::Change& c) {
    if (s.empty() || s[0] != ',') return false;
    s.remove_prefix(1);
    if (!s.empty() && s[0] == 'M') {
      s.remove_prefix(1);
      auto month = ParseNumber(s);
      if (!month || s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
      auto week = ParseNumber(s);
      if (!week || s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
      auto day = ParseNumber(s);
      if (!day || *month < 1 || *month > 12 || *week < 1 || *week > 5 || *day > 6) return false;
      c = {PosixRule::Kind::kMonthWeekDay, *day, *week, *month, 7200};
    } else if (!s.empty() && s[0] == 'J') {
      s.remove_prefix(1);
      auto day = ParseNumber(s);
      if (!day || *day < 1 || *day > 365) return false;
      c = {PosixRule::Kind::kJulian, *day, 0, 0, 7200};
    } else {
      auto day = ParseNumber(s);
      if (!day || *day > 365) return false;
      c = {PosixRule::Kind::kDayOfYear, *day, 0, 0, 7200};
    }
    if (!s.empty() && s[0] == '/') {
      s.remove_prefix(1);
      auto time = ParseOffset(s);
      if (!time) return false;
      c.time = *time;
    }
    return true;
  };
  if (!change(rule.start) || !change(rule.end) || !s.empty()) return std::nullopt;
  return rule;
}

hugo::Result<TimeZone> TimeZone::Load(std::string_view name, std::string_view data) {
  std::string bytes(data);
  if (bytes.empty()) {
    if (name.empty() || name == "UTC" || name == "Local") return hugo::Ok(Utc());
    // reference (Go's LoadLocation): no "..", no absolute paths.
    if (name.find("..") != std::string_view::npos || name[0] == '/' || name[0] == '\\') {
      return Invalid("time: invalid location name");
    }
    const char* folder = std::getenv("ZONEINFO");
    std::string path = std::string(folder != nullptr && *folder ? folder : "/usr/share/zoneinfo") +
                       "/" + std::string(name);
    std::ifstream file(path, std::ios::binary);
    if (!file) return Invalid("unknown time zone " + std::string(name));
    std::stringstream content;
    content << file.rdbuf();
    bytes = content.str();
    // A folder of the database ("America") opens but reads nothing.
    if (bytes.empty()) return Invalid("unknown time zone " + std::string(name));
  }
  if (bytes.size() < 44) return Malformed();
  Reader reader(bytes);
  TzifBlock block;
  if (!ReadTzifBlock(reader, 4, block)) return Malformed();
  const bool v2 = bytes[4] >= '2';
  if (v2 && !ReadTzifBlock(reader, 8, block)) return Malformed();
  TimeZone zone;
  zone.transitions_ = std::move(block.transitions);
  zone.offsets_after_ = std::move(block.offsets_after);
  zone.fixed_offset_ = block.fixed_offset;
  if (v2) {
    std::string_view footer = reader.Rest();
    if (footer.size() >= 2 && footer[0] == '\n') {
      footer.remove_prefix(1);
      footer = footer.substr(0, footer.find('\n'));
      if (!footer.empty()) {
        zone.rule_ = ParsePosix(footer);
        if (!zone.rule_) return Malformed();
      }
    }
  }
  return hugo::Ok(std::move(zone));
}

// Go's tzruleTime: seconds from the start of `year` (UTC) to the change, given the offset in
// effect before it.
int64_t TimeZone::ChangeTime(int64_t year, const PosixRule::Change& change, int32_t offset) {
  int64_t day = 0;
  switch (change.kind) {
    case PosixRule::Kind::kJulian:
      day = change.day - 1 + (IsLeap(year) && change.day >= 60 ? 1 : 0);
      break;
    case PosixRule::Kind::kDayOfYear:
      day = change.day;
      break;
    case PosixRule::Kind::kMonthWeekDay: {
      int64_t first = history::DaysFromCivilDate(year, change.month, 1);
      int64_t first_weekday = ((first % 7) + 11) % 7;  // 1970-01-01 was a Thursday
      int64_t d = change.day - first_weekday;
      if (d < 0) d += 7;
      int64_t days_in_month =
          history::DaysFromCivilDate(year + (change.month == 12 ? 1 : 0),
                                     change.month == 12 ? 1 : change.month + 1, 1) -
          first;
      for (int w = 1; w < change.week; ++w) {
        if (d + 7 >= days_in_month) break;
        d += 7;
      }
      day = first + d - history::DaysFromCivilDate(year, 1, 1);
      break;
    }
  }
  return day * kSecondsPerDay + change.time - offset;
}

// Go's tzset for an instant after the last transition.
int32_t TimeZone::RuleOffsetAt(int64_t unix_s) const {
  const PosixRule& rule = *rule_;
  if (!rule.has_dst) return rule.std_offset;
  int64_t days = FloorDiv(unix_s, kSecondsPerDay);
  int64_t year = history::CivilDateFromDays(days).year;
  int64_t year_seconds = unix_s - history::DaysFromCivilDate(year, 1, 1) * kSecondsPerDay;
  int64_t start = ChangeTime(year, rule.start, rule.std_offset);
  int64_t end = ChangeTime(year, rule.end, rule.dst_offset);
  bool dst_between = true;
  if (end < start) {
    std::swap(start, end);
    dst_between = false;  // southern hemisphere: daylight time spans the new year
  }
  bool between = year_seconds >= start && year_seconds < end;
  return between == dst_between ? rule.dst_offset : rule.std_offset;
}

int32_t TimeZone::OffsetAt(int64_t unix_s) const {
  if (transitions_.empty() || unix_s < transitions_.front()) {
    if (transitions_.empty() && rule_) return RuleOffsetAt(unix_s);
    return fixed_offset_;
  }
  if (rule_ && unix_s >= transitions_.back()) return RuleOffsetAt(unix_s);
  auto after = std::upper_bound(transitions_.begin(), transitions_.end(), unix_s);
  return offsets_after_[static_cast<size_t>(after - transitions_.begin()) - 1];
}

int64_t TimeZone::FromWall(int64_t wall_s) const {
  // Go's Date: the offset at the wall time read as an instant, then the offset at the instant
  // that gives.
  return wall_s - OffsetAt(wall_s - OffsetAt(wall_s));
}

}  // namespace hdo::worker
