#include "worker/schedule_spec.h"

#include <algorithm>
#include <array>
#include <limits>
#include <regex>
#include <string>

#include "common/error_codes.h"
#include "history/cron.h"

namespace hdo::worker {
namespace {

namespace sched = temporal::api::schedule::v1;

// reference: calendar.go minCalendarYear, maxCalendarYear, maxCommentLen.
constexpr int kMinCalendarYear = 2000;
constexpr int kMaxCalendarYear = 2100;
constexpr size_t kMaxCommentLength = 200;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kNanosPerSecond = 1'000'000'000;

enum class ParseMode { kInt, kYear, kMonth, kDayOfWeek };

constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
constexpr std::array<std::string_view, 7> kDaysOfWeek = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

hugo::Error Invalid(const std::string& what) {
  return hugo::Error::From("Invalid schedule spec: " + what, errors::kInvalidArgument);
}

std::string_view Trim(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t at = s.find(separator);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    size_t start = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i > start) fields.push_back(s.substr(start, i - start));
  }
  return fields;
}

// Go's strconv.Atoi for the values a calendar holds.
std::optional<int> Atoi(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s.front() == '+' || s.front() == '-') {
    negative = s.front() == '-';
    s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
  }
  int64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > std::numeric_limits<int>::max()) return std::nullopt;
  }
  return static_cast<int>(negative ? -value : value);
}

std::string Lower(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// reference: calendar.go parseValue. nullopt: not a value or out of [min, max].
std::optional<int> ParseValue(std::string_view s, int min, int max, ParseMode mode) {
  std::optional<int> value;
  if (mode == ParseMode::kMonth && s.size() >= 3) {
    std::string lower = Lower(s);
    for (size_t i = 0; i < kMonths.size() && !value; ++i) {
      if (kMonths[i].starts_with(lower)) value = static_cast<int>(i) + 1;
    }
  } else if (mode == ParseMode::kDayOfWeek && s.size() >= 2) {
    std::string lower = Lower(s);
    for (size_t i = 0; i < kDaysOfWeek.size() && !value; ++i) {
      if (kDaysOfWeek[i].starts_with(lower)) value = static_cast<int>(i);
    }
  }
  if (!value) value = Atoi(s);
  if (!value || *value < min || *value > max) return std::nullopt;
  return value;
}

using Ranges = google::protobuf::RepeatedPtrField<sched::Range>;

void AddRange(Ranges& ranges, int start, int end, int step) {
  sched::Range* range = ranges.Add();
  range->set_start(start);
  range->set_end(start == end ? 0 : end);  // the reference's compact form
  range->set_step(step == 1 ? 0 : step);
}

// reference: calendar.go makeRange. Fills `ranges` from a field written as text.
hugo::Result<hugo::Unit> MakeRange(std::string_view text, std::string_view field,
                                   std::string_view fallback, int min, int max, ParseMode mode,
                                   Ranges& ranges) {
  std::string name(field);
  std::string_view s = Trim(text);
  if (s.empty()) s = fallback;
  if (s == "*" && mode == ParseMode::kYear) return hugo::Ok();  // every year: no ranges
  for (std::string_view part : Split(s, ',')) {
    int step = 1;
    bool has_step = false;
    size_t slashes = std::count(part.begin(), part.end(), '/');
    if (slashes > 1) return hugo::Error::From(name + " has too many slashes");
    if (slashes == 1) {
      size_t at = part.find('/');
      std::string_view step_text = part.substr(at + 1);
      if (step_text.empty()) return hugo::Error::From(name + " missing step value");
      auto parsed = Atoi(step_text);
      if (!parsed) {
        return hugo::Error::From("strconv.Atoi: parsing \"" + std::string(step_text) +
                                 "\": invalid syntax");
      }
      if (*parsed < 1) return hugo::Error::From(name + " has invalid Step");
      step = *parsed;
      has_step = true;
      part = part.substr(0, at);
    }
    int start = min;
    int end = max;
    std::string bounds = "[" + std::to_string(min) + "-" + std::to_string(max) + "]";
    if (part != "*") {
      if (part.find('-') != std::string_view::npos) {
        if (std::count(part.begin(), part.end(), '-') > 1) {
          return hugo::Error::From(name + " has too many dashes");
        }
        size_t dash = part.find('-');
        auto first = ParseValue(part.substr(0, dash), min, max, mode);
        if (!first) return hugo::Error::From(name + " Start is not in range " + bounds);
        start = *first;
        auto last = ParseValue(part.substr(dash + 1), start, max, mode);
        if (!last) {
          return hugo::Error::From(name + " End is before Start or not in range " + bounds);
        }
        end = *last;
      } else {
        auto value = ParseValue(part, min, max, mode);
        if (!value) return hugo::Error::From(name + " is not in range " + bounds);
        start = *value;
        if (!has_step) end = start;  // "x/y" runs to the maximum; "x" is x alone
      }
    }
    // Sunday written 7 becomes 0, which may need a range of its own (reference's comment).
    if (mode == ParseMode::kDayOfWeek && end == 7) {
      if ((7 - start) % step == 0 && (step > 1 || (step == 1 && start > 1))) {
        AddRange(ranges, 0, 0, 1);
        if (start == 7) continue;
      }
      end = 6;
    }
    AddRange(ranges, start, end, step);
  }
  return hugo::Ok();
}

// reference: calendar.go parseCalendarToStructured (its errors joined by ", ").
hugo::Result<sched::StructuredCalendarSpec> Structured(const sched::CalendarSpec& calendar) {
  sched::StructuredCalendarSpec structured;
  std::string errors;
  auto field = [&](const std::string& text, std::string_view name, std::string_view fallback,
                   int min, int max, ParseMode mode, Ranges* ranges) {
    auto made = MakeRange(text, name, fallback, min, max, mode, *ranges);
    if (made.IsFailure()) {
      ranges->Clear();
      errors += (errors.empty() ? "" : ", ") + made.Error().Message();
    }
  };
  field(calendar.second(), "Second", "0", 0, 59, ParseMode::kInt, structured.mutable_second());
  field(calendar.minute(), "Minute", "0", 0, 59, ParseMode::kInt, structured.mutable_minute());
  field(calendar.hour(), "Hour", "0", 0, 23, ParseMode::kInt, structured.mutable_hour());
  field(calendar.day_of_week(), "DayOfWeek", "*", 0, 7, ParseMode::kDayOfWeek,
        structured.mutable_day_of_week());
  field(calendar.day_of_month(), "DayOfMonth", "*", 1, 31, ParseMode::kInt,
        structured.mutable_day_of_month());
  field(calendar.month(), "Month", "*", 1, 12, ParseMode::kMonth, structured.mutable_month());
  field(calendar.year(), "Year", "*", kMinCalendarYear, kMaxCalendarYear, ParseMode::kYear,
        structured.mutable_year());
  structured.set_comment(calendar.comment());
  if (!errors.empty()) return hugo::Error::From(errors);
  return hugo::Ok(std::move(structured));
}

// Temporal's timestamp.ParseDuration: Go's time.ParseDuration plus a "d" (24 h) unit.
std::optional<int64_t> ParseDurationNanos(std::string_view text) {
  static const std::regex kDays(R"((\d+(\.\d*)?|(\.\d+))d)");
  std::string rest;
  double days = 0;
  std::string s(text);
  auto begin = std::sregex_iterator(s.begin(), s.end(), kDays);
  size_t copied = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    rest += s.substr(copied, static_cast<size_t>(it->position()) - copied);
    std::string number = it->str();
    number.pop_back();
    days += std::stod(number);
    copied = static_cast<size_t>(it->position() + it->length());
  }
  rest += s.substr(copied);
  int64_t nanos = static_cast<int64_t>(days * 24.0 * 3600.0 * static_cast<double>(kNanosPerSecond));
  if (rest.empty()) return copied == 0 ? std::nullopt : std::optional<int64_t>(nanos);
  auto parsed = history::ParseGoDurationNanos(rest);
  if (!parsed) return std::nullopt;
  return nanos + *parsed;
}

google::protobuf::Duration DurationOfNanos(int64_t nanos) {
  google::protobuf::Duration duration;
  duration.set_seconds(nanos / kNanosPerSecond);
  duration.set_nanos(static_cast<int32_t>(nanos % kNanosPerSecond));
  return duration;
}

int64_t NanosOf(const google::protobuf::Duration& duration) {
  return duration.seconds() * kNanosPerSecond + duration.nanos();
}

// reference: calendar.go parseCronString: the calendar or interval and the time zone it names.
struct ParsedCron {
  std::optional<sched::StructuredCalendarSpec> calendar;
  std::optional<sched::IntervalSpec> interval;
  std::string time_zone;
};

hugo::Result<ParsedCron> ParseCron(std::string_view text) {
  ParsedCron parsed;
  std::string_view c = Trim(text);
  if (c.starts_with("TZ=") || c.starts_with("CRON_TZ=")) {
    size_t space = c.find(' ');
    if (space == std::string_view::npos) {
      return hugo::Error::From("CronString has time zone but missing fields");
    }
    std::string_view zone = c.substr(0, space);
    parsed.time_zone = std::string(zone.substr(zone.find('=') + 1));
    c = c.substr(space + 1);
  }
  std::string comment;
  if (size_t hash = c.find('#'); hash != std::string_view::npos) {
    comment = std::string(Trim(c.substr(hash + 1)));
    c = c.substr(0, hash);
  }
  c = Trim(c);
  if (c.starts_with("@every")) {
    size_t space = c.find(' ');
    if (space == std::string_view::npos) {
      return hugo::Error::From("CronString does not have interval after @every");
    }
    std::string_view every = c.substr(space + 1);
    std::string_view phase;
    if (size_t slash = every.find('/'); slash != std::string_view::npos) {
      phase = every.substr(slash + 1);
      every = every.substr(0, slash);
    }
    auto interval = ParseDurationNanos(every);
    if (!interval)
      return hugo::Error::From("time: invalid duration \"" + std::string(every) + "\"");
    sched::IntervalSpec spec;
    *spec.mutable_interval() = DurationOfNanos(*interval);
    if (!phase.empty()) {
      auto offset = ParseDurationNanos(phase);
      if (!offset)
        return hugo::Error::From("time: invalid duration \"" + std::string(phase) + "\"");
      *spec.mutable_phase() = DurationOfNanos(*offset);
    }
    parsed.interval = std::move(spec);
    parsed.time_zone.clear();  // the reference drops the zone of an @every string
    return hugo::Ok(std::move(parsed));
  }
  std::string expanded(c);
  if (c == "@yearly" || c == "@annually") expanded = "0 0 1 1 *";
  if (c == "@monthly") expanded = "0 0 1 * *";
  if (c == "@weekly") expanded = "0 0 * * 0";
  if (c == "@daily" || c == "@midnight") expanded = "0 0 * * *";
  if (c == "@hourly") expanded = "0 * * * *";
  std::vector<std::string_view> fields = Fields(expanded);
  sched::CalendarSpec calendar;
  calendar.set_comment(comment);
  size_t n = fields.size();
  if (n < 5 || n > 7) return hugo::Error::From("CronString does not have 5-7 fields");
  size_t i = 0;
  if (n == 7) calendar.set_second(std::string(fields[i++]));
  calendar.set_minute(std::string(fields[i++]));
  calendar.set_hour(std::string(fields[i++]));
  calendar.set_day_of_month(std::string(fields[i++]));
  calendar.set_month(std::string(fields[i++]));
  calendar.set_day_of_week(std::string(fields[i++]));
  if (n >= 6) calendar.set_year(std::string(fields[i++]));
  auto structured = Structured(calendar);
  if (structured.IsFailure()) return structured.Error();
  parsed.calendar = std::move(structured).Value();
  return hugo::Ok(std::move(parsed));
}

// reference: spec.go validateStructuredCalendar.
std::string CalendarErrors(const sched::StructuredCalendarSpec& calendar) {
  std::string errors;
  auto check = [&](const Ranges& ranges, const std::string& field, int min, int max) {
    std::string bounds = "[" + std::to_string(min) + "-" + std::to_string(max) + "]";
    for (const sched::Range& range : ranges) {
      auto add = [&](const std::string& error) { errors += (errors.empty() ? "" : ", ") + error; };
      if (range.start() < min || range.start() > max)
        add(field + " Start is not in range " + bounds);
      if (range.end() != 0 && (range.end() < range.start() || range.end() > max)) {
        add(field + " End is before Start or not in range " + bounds);
      }
      if (range.step() < 0) add(field + " has invalid Step");
    }
  };
  check(calendar.second(), "Second", 0, 59);
  check(calendar.minute(), "Minute", 0, 59);
  check(calendar.hour(), "Hour", 0, 23);
  check(calendar.day_of_month(), "DayOfMonth", 1, 31);
  check(calendar.month(), "Month", 1, 12);
  check(calendar.year(), "Year", kMinCalendarYear, kMaxCalendarYear);
  check(calendar.day_of_week(), "DayOfWeek", 0, 6);
  if (calendar.comment().size() > kMaxCommentLength) {
    errors += (errors.empty() ? "" : ", ") + std::string("comment is too long");
  }
  return errors.empty() ? errors : "invalid calendar spec: " + errors;
}

// reference: spec.go validateInterval.
std::string IntervalError(const sched::IntervalSpec& interval) {
  int64_t every = NanosOf(interval.interval());
  int64_t phase = NanosOf(interval.phase());
  if (every < kNanosPerSecond) return "interval is too small";
  if (phase < 0) return "phase is negative";
  if (phase >= every) return "phase cannot be greater than Interval";
  return "";
}

uint64_t RangeBits(const Ranges& ranges) {
  uint64_t bits = 0;
  for (const sched::Range& range : ranges) {
    int start = range.start();
    int end = std::max(range.end(), start);
    int step = range.step() == 0 ? 1 : range.step();
    for (int value = start; value <= end && value < 64; value += step) {
      if (value >= 0) bits |= uint64_t{1} << value;
    }
  }
  return bits;
}

std::vector<int> RangeValues(const Ranges& ranges) {
  std::vector<int> values;
  for (const sched::Range& range : ranges) {
    int end = std::max(range.end(), range.start());
    int step = range.step() == 0 ? 1 : range.step();
    for (int value = range.start(); value <= end; value += step) values.push_back(value);
  }
  return values;
}

bool Has(uint64_t bits, int64_t value) { return value >= 0 && value < 64 && ((bits >> value) & 1); }

int DaysInMonth(int64_t month, int64_t year) {
  if (month == 2) return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
  constexpr int kBits = 0b1010110101010;
  return 30 + ((kBits >> month) & 1);
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t quotient = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient;
}

int64_t SecondsOf(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t m, int64_t s) {
  return history::DaysFromCivilDate(y, mo, d) * kSecondsPerDay + h * 3600 + m * 60 + s;
}

int WeekdayOf(int64_t seconds) {
  int64_t days = FloorDiv(seconds, kSecondsPerDay);
  return static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
}

// ---- The jitter's fingerprint: farmhash's Fingerprint32 (farmhashmk Hash32, the function the
// reference's dgryski/go-farm computes) over Go's Time.MarshalBinary of the nominal time followed
// by the seed, so that jittered times are the reference's to the millisecond.

constexpr uint32_t kC1 = 0xcc9e2d51;
constexpr uint32_t kC2 = 0x1b873593;

uint32_t RotateRight(uint32_t value, int shift) {
  return (value >> shift) | (value << (32 - shift));
}

uint32_t Fetch32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}

uint32_t Fmix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

uint32_t Mur(uint32_t a, uint32_t h) {
  a *= kC1;
  a = RotateRight(a, 17);
  a *= kC2;
  h ^= a;
  h = RotateRight(h, 19);
  return h * 5 + 0xe6546b64;
}

uint32_t Hash32Len0To4(const std::string& s) {
  uint32_t b = 0;
  uint32_t c = 9;
  for (char byte : s) {
    b = b * kC1 + static_cast<uint32_t>(static_cast<int8_t>(byte));
    c ^= b;
  }
  return Fmix(Mur(b, Mur(static_cast<uint32_t>(s.size()), c)));
}

uint32_t Hash32Len5To12(const std::string& s) {
  const size_t n = s.size();
  uint32_t a = static_cast<uint32_t>(n), b = static_cast<uint32_t>(n * 5), c = 9, d = b;
  a += Fetch32(s, 0);
  b += Fetch32(s, n - 4);
  c += Fetch32(s, (n >> 1) & 4);
  return Fmix(Mur(c, Mur(b, Mur(a, d))));
}

uint32_t Hash32Len13To24(const std::string& s) {
  const size_t n = s.size();
  uint32_t a = Fetch32(s, (n >> 1) - 4), b = Fetch32(s, 4), c = Fetch32(s, n - 8);
  uint32_t d = Fetch32(s, n >> 1), e = Fetch32(s, 0), f = Fetch32(s, n - 4);
  uint32_t h = d * kC1 + static_cast<uint32_t>(n);
  a = RotateRight(a, 12) + f;
  h = Mur(c, h) + a;
  a = RotateRight(a, 3) + c;
  h = Mur(e, h) + a;
  a = RotateRight(a + f, 12) + d;
  h = Mur(b, h) + a;
  return Fmix(h);
}

uint32_t FarmFingerprint32(const std::string& s) {
  const size_t n = s.size();
  if (n <= 4) return Hash32Len0To4(s);
  if (n <= 12) return Hash32Len5To12(s);
  if (n <= 24) return Hash32Len13To24(s);
  uint32_t h = static_cast<uint32_t>(n), g = kC1 * static_cast<uint32_t>(n), f = g;
  auto tail = [&](size_t back) { return RotateRight(Fetch32(s, n - back) * kC1, 17) * kC2; };
  const uint32_t a0 = tail(4), a1 = tail(8), a2 = tail(16), a3 = tail(12), a4 = tail(20);
  h ^= a0;
  h = RotateRight(h, 19) * 5 + 0xe6546b64;
  h ^= a2;
  h = RotateRight(h, 19) * 5 + 0xe6546b64;
  g ^= a1;
  g = RotateRight(g, 19) * 5 + 0xe6546b64;
  g ^= a3;
  g = RotateRight(g, 19) * 5 + 0xe6546b64;
  f += a4;
  f = RotateRight(f, 19) + 113;
  for (size_t at = 0; n - at > 20; at += 20) {
    const uint32_t a = Fetch32(s, at), b = Fetch32(s, at + 4), c = Fetch32(s, at + 8);
    const uint32_t d = Fetch32(s, at + 12), e = Fetch32(s, at + 16);
    h += a;
    g += b;
    f += c;
    h = Mur(d, h) + e;
    g = Mur(c, g) + a;
    f = Mur(b + e * kC1, f) + d;
    f += g;
    g += f;
  }
  g = RotateRight(g, 11) * kC1;
  g = RotateRight(g, 17) * kC1;
  f = RotateRight(f, 11) * kC1;
  f = RotateRight(f, 17) * kC1;
  h = RotateRight(h + g, 19) * 5 + 0xe6546b64;
  h = RotateRight(h, 17) * kC1;
  h = RotateRight(h + f, 19) * 5 + 0xe6546b64;
  h = RotateRight(h, 17) * kC1;
  return h;
}

// Go's Time.MarshalBinary of a whole UTC second (version 1: seconds since year 1, nanoseconds,
// offset -1 for UTC), then the seed.
uint32_t Fingerprint(int64_t nominal_s, std::string_view seed) {
  constexpr int64_t kUnixToGo = 62'135'596'800;
  std::string bytes(1, '\x01');
  const uint64_t seconds = static_cast<uint64_t>(nominal_s + kUnixToGo);
  for (int shift = 56; shift >= 0; shift -= 8) bytes += static_cast<char>(seconds >> shift);
  bytes.append(4, '\0');    // nanoseconds
  bytes.append(2, '\xff');  // UTC
  bytes.append(seed);
  return FarmFingerprint32(bytes);
}

}  // namespace

bool CompiledSpec::Calendar::Matches(int64_t seconds, const TimeZone& zone) const {
  const int64_t wall = zone.ToWall(seconds);
  int64_t days = FloorDiv(wall, kSecondsPerDay);
  int64_t in_day = wall - days * kSecondsPerDay;
  history::CivilDate date = history::CivilDateFromDays(days);
  bool year = years.empty() || std::find(years.begin(), years.end(), date.year) != years.end();
  return year && Has(bits[4], date.month) && Has(bits[3], date.day) &&
         Has(bits[5], WeekdayOf(wall)) && Has(bits[2], in_day / 3600) &&
         Has(bits[1], (in_day / 60) % 60) && Has(bits[0], in_day % 60);
}

// reference: calendar.go compiledCalendar.next, wall times in `zone`, with its handling of the
// hour a daylight saving change repeats (`dst`: 1 h while in the second copy) or skips.
std::optional<int64_t> CompiledSpec::Calendar::Next(int64_t after_s, const TimeZone& zone) const {
  const int64_t wall = zone.ToWall(after_s);
  int64_t days = FloorDiv(wall, kSecondsPerDay);
  int64_t in_day = wall - days * kSecondsPerDay;
  history::CivilDate date = history::CivilDateFromDays(days);
  int64_t y = date.year, mo = date.month, d = date.day;
  int64_t h = in_day / 3600, m = (in_day / 60) % 60, s = in_day % 60 + 1;
  auto hour_of = [&](int64_t instant) {
    int64_t w = zone.ToWall(instant);
    return (w - FloorDiv(w, kSecondsPerDay) * kSecondsPerDay) / 3600;
  };
  int64_t dst = hour_of(after_s - 3600) == h ? 3600 : 0;
  auto year_ok = [&](int64_t year) {
    return years.empty() || std::find(years.begin(), years.end(), year) != years.end();
  };
  while (true) {
    if (s >= 60) m += 1, s = 0;
    if (m >= 60) {
      int64_t previous = zone.FromWall(SecondsOf(y, mo, d, h, 0, 0));
      h += 1, m = 0;
      int64_t next = zone.FromWall(SecondsOf(y, mo, d, h, 0, 0));
      if (dst == 0 && next - previous > 3600) {
        h -= 1, dst = 3600;  // the hour just passed comes again
      } else {
        dst = 0;
      }
    }
    if (h >= 24) d += 1, h = 0;
    if (d > DaysInMonth(mo, y)) mo += 1, d = 1;
    if (mo > 12) y += 1, mo = 1;
    if (y > kMaxCalendarYear) return std::nullopt;
    if (!year_ok(y)) {
      y += 1, mo = 1, d = 1, h = 0, m = 0, s = 0, dst = 0;
      continue;
    }
    bool carried = false;
    while (!carried && !Has(bits[4], mo)) {
      mo += 1, d = 1, h = 0, m = 0, s = 0, dst = 0;
      carried = mo > 12;
    }
    while (!carried &&
           (!Has(bits[3], d) || !Has(bits[5], WeekdayOf(SecondsOf(y, mo, d, 0, 0, 0))))) {
      d += 1, h = 0, m = 0, s = 0, dst = 0;
      carried = d > DaysInMonth(mo, y);
    }
    while (!carried && !Has(bits[2], h)) {
      h += 1, m = 0, s = 0, dst = 0;
      carried = h >= 24;
    }
    while (!carried && !Has(bits[1], m)) {
      m += 1, s = 0;
      carried = m >= 60;
    }
    while (!carried && !Has(bits[0], s)) {
      s += 1;
      carried = s >= 60;
    }
    if (carried) continue;
    int64_t instant = zone.FromWall(SecondsOf(y, mo, d, h, m, s));
    if (hour_of(instant) != h) {
      h += 1, m = 0, s = 0;  // a wall time the change skipped
      continue;
    }
    return instant + dst;
  }
}

hugo::Result<CompiledSpec> CompiledSpec::Compile(const sched::ScheduleSpec& input) {
  CompiledSpec compiled;
  sched::ScheduleSpec& spec = compiled.spec_;
  spec = input;
  for (const sched::CalendarSpec& calendar : input.calendar()) {
    auto structured = Structured(calendar);
    if (structured.IsFailure()) return Invalid(structured.Error().Message());
    *spec.add_structured_calendar() = std::move(structured).Value();
  }
  spec.clear_calendar();
  // exclude_calendar is deprecated in the API, still accepted (the reference reads it too).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  for (const sched::CalendarSpec& calendar : input.exclude_calendar()) {
    auto structured = Structured(calendar);
    if (structured.IsFailure()) return Invalid(structured.Error().Message());
    *spec.add_exclude_structured_calendar() = std::move(structured).Value();
  }
  spec.clear_exclude_calendar();
#pragma GCC diagnostic pop
  std::optional<std::string> cron_zone;
  for (const std::string& cron : input.cron_string()) {
    auto parsed = ParseCron(cron);
    if (parsed.IsFailure()) return Invalid(parsed.Error().Message());
    if (cron_zone && *cron_zone != parsed.Value().time_zone) {
      return Invalid("conflicting timezone names");
    }
    cron_zone = parsed.Value().time_zone;
    if (parsed.Value().calendar) *spec.add_structured_calendar() = *parsed.Value().calendar;
    if (parsed.Value().interval) *spec.add_interval() = *parsed.Value().interval;
  }
  spec.clear_cron_string();
  if (cron_zone && !cron_zone->empty()) {
    if ((!spec.timezone_name().empty() && spec.timezone_name() != *cron_zone) ||
        !spec.timezone_data().empty()) {
      return Invalid("conflicting timezone names");
    }
    spec.set_timezone_name(*cron_zone);
  }
  for (const auto& calendar : spec.structured_calendar()) {
    if (std::string errors = CalendarErrors(calendar); !errors.empty()) return Invalid(errors);
  }
  for (const auto& interval : spec.interval()) {
    if (std::string error = IntervalError(interval); !error.empty()) return Invalid(error);
  }
  auto zone = TimeZone::Load(spec.timezone_name(), spec.timezone_data());
  if (zone.IsFailure()) return Invalid(zone.Error().Message());
  compiled.zone_ = std::move(zone).Value();
  auto compile = [](const sched::StructuredCalendarSpec& calendar) {
    Calendar compiled_calendar;
    compiled_calendar.bits = {RangeBits(calendar.second()), RangeBits(calendar.minute()),
                              RangeBits(calendar.hour()),   RangeBits(calendar.day_of_month()),
                              RangeBits(calendar.month()),  RangeBits(calendar.day_of_week())};
    compiled_calendar.years = RangeValues(calendar.year());
    return compiled_calendar;
  };
  for (const auto& calendar : spec.structured_calendar()) {
    compiled.calendars_.push_back(compile(calendar));
  }
  for (const auto& calendar : spec.exclude_structured_calendar()) {
    compiled.excludes_.push_back(compile(calendar));
  }
  return hugo::Ok(std::move(compiled));
}

std::optional<int64_t> CompiledSpec::RawNext(int64_t after_s) const {
  std::optional<int64_t> earliest;
  for (const Calendar& calendar : calendars_) {
    auto next = calendar.Next(after_s, zone_);
    if (next && (!earliest || *next < *earliest)) earliest = next;
  }
  for (const sched::IntervalSpec& interval : spec_.interval()) {
    int64_t every = std::max<int64_t>(1, interval.interval().seconds());
    int64_t phase = std::max<int64_t>(0, interval.phase().seconds());
    int64_t next = (FloorDiv(after_s - phase, every) + 1) * every + phase;
    if (!earliest || next < *earliest) earliest = next;
  }
  return earliest;
}

bool CompiledSpec::Excluded(int64_t seconds) const {
  return std::any_of(excludes_.begin(), excludes_.end(),
                     [&](const Calendar& calendar) { return calendar.Matches(seconds, zone_); });
}

std::optional<CompiledSpec::NextTime> CompiledSpec::Next(std::string_view jitter_seed,
                                                         int64_t after_ms) const {
  int64_t after_s = FloorDiv(after_ms, 1000);
  if (spec_.has_start_time()) after_s = std::max(after_s, spec_.start_time().seconds() - 1);
  auto past_end = [&](int64_t seconds) {
    if (history::CivilDateFromDays(FloorDiv(seconds, kSecondsPerDay)).year > kMaxCalendarYear) {
      return true;
    }
    if (!spec_.has_end_time()) return false;
    return seconds > spec_.end_time().seconds() ||
           (seconds == spec_.end_time().seconds() && spec_.end_time().nanos() < 0);
  };
  std::optional<int64_t> nominal;
  do {
    nominal = RawNext(after_s);
    if (!nominal || past_end(*nominal)) return std::nullopt;
    after_s = *nominal;
  } while (Excluded(*nominal));
  int64_t jitter_ms = NanosOf(spec_.jitter()) / 1'000'000;
  if (auto following = RawNext(*nominal)) {
    jitter_ms = std::min(jitter_ms, (*following - *nominal) * 1000);
  }
  jitter_ms = std::clamp<int64_t>(jitter_ms, 0, std::numeric_limits<uint32_t>::max());
  uint64_t offset = (uint64_t{Fingerprint(*nominal, jitter_seed)} * uint64_t(jitter_ms)) >> 32;
  return NextTime{*nominal, *nominal * 1000 + static_cast<int64_t>(offset)};
}

std::vector<CompiledSpec::NextTime> CompiledSpec::NextTimes(std::string_view jitter_seed,
                                                            int64_t after_ms, int count) const {
  std::vector<NextTime> times;
  while (static_cast<int>(times.size()) < count) {
    auto next = Next(jitter_seed, after_ms);
    if (!next) break;
    times.push_back(*next);
    after_ms = next->nominal_s * 1000;
  }
  return times;
}

}  // namespace hdo::worker
