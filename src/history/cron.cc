#include "history/cron.h"

#include <array>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/error_codes.h"

namespace hdo::history {
namespace {

constexpr uint64_t kStarBit = uint64_t{1} << 63;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

constexpr char kInvalidMessage[] = "invalid CronSchedule.";
constexpr char kUnsatisfiableMessage[] =
    "invalid CronSchedule, no time can be found to satisfy the schedule";

hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t quotient = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient;
}

int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

bool Has(uint64_t bits, int64_t value) { return ((bits >> value) & 1) != 0; }

// ---- Go's text primitives (strings.Fields, strings.TrimSpace, strconv.Atoi, time.ParseDuration).

// The byte length of the Unicode white space rune (Go's unicode.IsSpace) at `pos`, or 0.
size_t SpaceWidth(std::string_view s, size_t pos) {
  // U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
  static constexpr std::array<std::string_view, 19> kMultiByteSpaces = {
      "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81",
      "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86",
      "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8",
      "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};
  char c = s[pos];
  if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
  if (static_cast<unsigned char>(c) < 0x80) return 0;
  std::string_view rest = s.substr(pos);
  for (std::string_view space : kMultiByteSpaces) {
    if (rest.starts_with(space)) return space.size();
  }
  return 0;
}

std::vector<std::string_view> SplitFields(std::string_view s) {
  std::vector<std::string_view> fields;
  size_t start = std::string_view::npos;
  for (size_t pos = 0; pos < s.size();) {
    size_t width = SpaceWidth(s, pos);
    if (width == 0) {
      if (start == std::string_view::npos) start = pos;
      ++pos;
      continue;
    }
    if (start != std::string_view::npos) fields.push_back(s.substr(start, pos - start));
    start = std::string_view::npos;
    pos += width;
  }
  if (start != std::string_view::npos) fields.push_back(s.substr(start));
  return fields;
}

std::string_view TrimSpace(std::string_view s) {
  size_t begin = std::string_view::npos;
  size_t end = 0;
  for (size_t pos = 0; pos < s.size();) {
    size_t width = SpaceWidth(s, pos);
    if (width != 0) {
      pos += width;
      continue;
    }
    if (begin == std::string_view::npos) begin = pos;
    end = ++pos;
  }
  return begin == std::string_view::npos ? std::string_view() : s.substr(begin, end - begin);
}

// strconv.Atoi then robfig's "negative number not allowed".
std::optional<uint64_t> ParseNonNegativeInt(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value)) {
      return std::nullopt;
    }
  }
  // Atoi refuses what does not fit in an int64; robfig refuses negatives (but "-0" is 0).
  if (value > static_cast<uint64_t>(kInt64Max) || (negative && value != 0)) return std::nullopt;
  return value;
}

// time.ParseDuration, in nanoseconds: [-+]?([0-9]*(\.[0-9]*)?unit)+ or "0".
std::optional<int64_t> ParseGoDuration(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits = {{
      {"ns", 1},
      {"us", 1'000},
      {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
      {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  }};
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !is_digit(s[0])) return std::nullopt;
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (whole > kLimit / 10) return std::nullopt;
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kLimit) return std::nullopt;
    }
    bool digits_before = i > 0;
    s.remove_prefix(i);
    uint64_t fraction = 0;
    double scale = 1;
    bool digits_after = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      for (i = 0; i < s.size() && is_digit(s[i]); ++i) {
        if (overflow) continue;
        if (fraction > (kLimit - 1) / 10) {
          overflow = true;
          continue;
        }
        uint64_t next = fraction * 10 + static_cast<uint64_t>(s[i] - '0');
        if (next > kLimit) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      digits_after = i > 0;
      s.remove_prefix(i);
    }
    if (!digits_before && !digits_after) return std::nullopt;
    for (i = 0; i < s.size() && s[i] != '.' && !is_digit(s[i]); ++i) {
    }
    if (i == 0) return std::nullopt;
    std::string_view unit_name = s.substr(0, i);
    s.remove_prefix(i);
    uint64_t unit = 0;
    for (const auto& [name, nanos] : kUnits) {
      if (name == unit_name) unit = nanos;
    }
    if (unit == 0 || whole > kLimit / unit) return std::nullopt;
    whole *= unit;
    if (fraction > 0) {
      whole += static_cast<uint64_t>(static_cast<double>(fraction) *
                                     (static_cast<double>(unit) / scale));
      if (whole > kLimit) return std::nullopt;
    }
    total += whole;
    if (total > kLimit) return std::nullopt;
  }
  if (negative) return static_cast<int64_t>(0 - total);  // two's complement, as Go's -Duration(d)
  if (total > kLimit - 1) return std::nullopt;
  return static_cast<int64_t>(total);
}

// ---- robfig's field grammar (parser.go getField/getRange, spec.go bounds).

struct Bounds {
  uint64_t min;
  uint64_t max;
  // names[i] stands for min + i; empty when the field has no names.
  std::span<const std::string_view> names;
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                           "thu", "fri", "sat"};
constexpr Bounds kMinutes{0, 59, {}};
constexpr Bounds kHours{0, 23, {}};
constexpr Bounds kDaysOfMonth{1, 31, {}};
constexpr Bounds kMonths{1, 12, kMonthNames};
constexpr Bounds kDaysOfWeek{0, 6, kWeekdayNames};

uint64_t GetBits(uint64_t min, uint64_t max, uint64_t step) {
  if (step == 1) return ~(~uint64_t{0} << (max + 1)) & (~uint64_t{0} << min);
  uint64_t bits = 0;
  for (uint64_t i = min; i <= max; i += step) bits |= uint64_t{1} << i;
  return bits;
}

uint64_t All(const Bounds& bounds) { return GetBits(bounds.min, bounds.max, 1) | kStarBit; }

// Go's strings.ToLower as far as it can produce a name: ASCII, and U+0130 (İ) which lowers to 'i'.
std::string LowerForNames(std::string_view s) {
  std::string lower;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i).starts_with("\xC4\xB0")) {
      lower += 'i';
      ++i;
    } else {
      char c = s[i];
      lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  return lower;
}

std::optional<uint64_t> ParseIntOrName(std::string_view expr, const Bounds& bounds) {
  if (!bounds.names.empty()) {
    std::string lower = LowerForNames(expr);
    for (size_t i = 0; i < bounds.names.size(); ++i) {
      if (bounds.names[i] == lower) return bounds.min + i;
    }
  }
  return ParseNonNegativeInt(expr);
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (size_t pos = s.find(separator); pos != std::string_view::npos; pos = s.find(separator)) {
    parts.push_back(s.substr(0, pos));
    s.remove_prefix(pos + 1);
  }
  parts.push_back(s);
  return parts;
}

// number | name | `*` | `?` | a "-" b, then optionally "/" step. `*` and `?` ignore anything
// after a hyphen, as robfig does.
std::optional<uint64_t> GetRange(std::string_view expr, const Bounds& bounds) {
  std::vector<std::string_view> range_and_step = Split(expr, '/');
  std::vector<std::string_view> low_and_high = Split(range_and_step[0], '-');
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t extra = 0;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    start = bounds.min;
    end = bounds.max;
    extra = kStarBit;
  } else {
    std::optional<uint64_t> low = ParseIntOrName(low_and_high[0], bounds);
    if (!low || low_and_high.size() > 2) return std::nullopt;
    std::optional<uint64_t> high =
        low_and_high.size() == 2 ? ParseIntOrName(low_and_high[1], bounds) : low;
    if (!high) return std::nullopt;
    start = *low;
    end = *high;
  }
  uint64_t step = 1;
  if (range_and_step.size() > 2) return std::nullopt;
  if (range_and_step.size() == 2) {
    std::optional<uint64_t> parsed = ParseNonNegativeInt(range_and_step[1]);
    if (!parsed) return std::nullopt;
    step = *parsed;
    if (low_and_high.size() == 1) end = bounds.max;  // "N/step" means "N-max/step"
    if (step > 1) extra = 0;
  }
  if (start < bounds.min || end > bounds.max || start > end || step == 0) return std::nullopt;
  return GetBits(start, end, step) | extra;
}

// A comma list of ranges; empty items are dropped (Go's strings.FieldsFunc), so "," is no value.
std::optional<uint64_t> GetField(std::string_view field, const Bounds& bounds) {
  uint64_t bits = 0;
  for (std::string_view expr : Split(field, ',')) {
    if (expr.empty()) continue;
    std::optional<uint64_t> range = GetRange(expr, bounds);
    if (!range) return std::nullopt;
    bits |= *range;
  }
  return bits;
}

// Zones that Go's time.LoadLocation accepts and that evaluate exactly as UTC does: UTC and GMT
// with their tzdata aliases (offset 0, no transitions), "" (loaded as UTC) and "Local" (robfig then
// uses the zone of the time given, which the reference always passes in UTC).
bool IsUtcZone(std::string_view zone) {
  static constexpr std::array<std::string_view, 20> kUtcZones = {
      "",         "UTC",       "Local",         "Etc/UTC",   "Etc/UCT",
      "UCT",      "Universal", "Etc/Universal", "Zulu",      "Etc/Zulu",
      "GMT",      "Etc/GMT",   "GMT0",          "GMT+0",     "GMT-0",
      "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0",     "Greenwich", "Etc/Greenwich"};
  for (std::string_view utc : kUtcZones) {
    if (zone == utc) return true;
  }
  return false;
}

// ---- Civil calendar (proleptic Gregorian, UTC); H. Hinnant's days_from_civil / civil_from_days.

struct Date {
  int64_t year;
  int64_t month;  // 1..12
  int64_t day;    // 1..31
};

int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  int64_t era = FloorDiv(year, 400);
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146'097 + day_of_era - 719'468;
}

Date CivilFromDays(int64_t days) {
  days += 719'468;
  int64_t era = FloorDiv(days, 146'097);
  int64_t day_of_era = days - era * 146'097;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t mp = (5 * day_of_year + 2) / 153;
  int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return Date{year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

Date DateOf(int64_t seconds) { return CivilFromDays(FloorDiv(seconds, kSecondsPerDay)); }

// Go's t.AddDate(0, 1, 0) in UTC: the same day and time one month on, normalised (Jan 31 → Mar 3).
int64_t AddOneMonth(int64_t seconds) {
  Date date = DateOf(seconds);
  int64_t year = date.month == 12 ? date.year + 1 : date.year;
  int64_t month = date.month == 12 ? 1 : date.month + 1;
  int64_t days = DaysFromCivil(year, month, 1) + date.day - 1;
  return days * kSecondsPerDay + FloorMod(seconds, kSecondsPerDay);
}

// The search position of SpecSchedule.Next: `added` is robfig's flag "a field has been
// incremented", after which the lower fields start from zero.
struct Cursor {
  int64_t seconds;
  bool added;
};

// Advances to a second whose `unit`-sized field (value = seconds / unit mod modulus) is in `bits`.
// False when the field wrapped to 0, so the search restarts from the month.
bool SeekUnit(Cursor& cursor, int64_t unit, int64_t modulus, uint64_t bits) {
  auto value = [&] { return FloorMod(FloorDiv(cursor.seconds, unit), modulus); };
  while (!Has(bits, value())) {
    if (!cursor.added) {
      cursor.added = true;
      cursor.seconds = FloorDiv(cursor.seconds, unit) * unit;
    }
    cursor.seconds += unit;
    if (value() == 0) return false;
  }
  return true;
}

}  // namespace

hugo::Result<CronSchedule> CronSchedule::Parse(std::string_view spec) {
  if (spec.empty()) return InvalidArgument(kInvalidMessage);
  if (spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=")) {
    size_t space = spec.find(' ');
    // robfig slices spec[eq+1:-1] and panics; refuse instead.
    if (space == std::string_view::npos) return InvalidArgument(kInvalidMessage);
    size_t equals = spec.find('=');
    std::string_view zone = spec.substr(equals + 1, space - equals - 1);
    if (!IsUtcZone(zone)) {
      return InvalidArgument("invalid CronSchedule, time zone \"" + std::string(zone) +
                             "\" is not supported: cron schedules are evaluated in UTC only");
    }
    spec = TrimSpace(spec.substr(space));
  }

  CronSchedule schedule;
  if (spec.starts_with('@')) {
    if (!schedule.ParseDescriptor(spec)) return InvalidArgument(kInvalidMessage);
  } else {
    std::vector<std::string_view> fields = SplitFields(spec);
    if (fields.size() != 5) return InvalidArgument(kInvalidMessage);  // six fields included
    std::optional<uint64_t> minute = GetField(fields[0], kMinutes);
    std::optional<uint64_t> hour = GetField(fields[1], kHours);
    std::optional<uint64_t> dom = GetField(fields[2], kDaysOfMonth);
    std::optional<uint64_t> month = GetField(fields[3], kMonths);
    std::optional<uint64_t> dow = GetField(fields[4], kDaysOfWeek);
    if (!minute || !hour || !dom || !month || !dow) return InvalidArgument(kInvalidMessage);
    schedule.minute_bits_ = *minute;
    schedule.hour_bits_ = *hour;
    schedule.dom_bits_ = *dom;
    schedule.month_bits_ = *month;
    schedule.dow_bits_ = *dow;
  }
  if (!schedule.NextMs(0)) return InvalidArgument(kUnsatisfiableMessage);
  return hugo::Ok(schedule);
}

bool CronSchedule::ParseDescriptor(std::string_view spec) {
  minute_bits_ = 1;  // every descriptor fires at minute 0, hour 0 unless @hourly
  hour_bits_ = 1;
  dom_bits_ = All(kDaysOfMonth);
  month_bits_ = All(kMonths);
  dow_bits_ = All(kDaysOfWeek);
  if (spec == "@yearly" || spec == "@annually") {
    dom_bits_ = uint64_t{1} << 1;
    month_bits_ = uint64_t{1} << 1;
  } else if (spec == "@monthly") {
    dom_bits_ = uint64_t{1} << 1;
  } else if (spec == "@weekly") {
    dow_bits_ = uint64_t{1} << 0;
  } else if (spec == "@daily" || spec == "@midnight") {
  } else if (spec == "@hourly") {
    hour_bits_ = All(kHours);
  } else if (spec.starts_with("@every ")) {
    std::optional<int64_t> nanos = ParseGoDuration(spec.substr(7));
    if (!nanos) return false;
    // robfig's Every: at least one second, fractions of a second dropped.
    every_delay_s_ = *nanos < kNanosPerSecond ? 1 : *nanos / kNanosPerSecond;
  } else {
    return false;
  }
  return true;
}

bool CronSchedule::DayMatches(int64_t days_since_epoch) const {
  Date date = CivilFromDays(days_since_epoch);
  int64_t weekday = FloorMod(days_since_epoch + 4, 7);  // 1970-01-01 was a Thursday
  bool dom_match = Has(dom_bits_, date.day);
  bool dow_match = Has(dow_bits_, weekday);
  if ((dom_bits_ & kStarBit) != 0 || (dow_bits_ & kStarBit) != 0) return dom_match && dow_match;
  return dom_match || dow_match;
}

bool CronSchedule::FiresEveryYear() const {
  if (every_delay_s_ > 0) return true;
  bool dom_star = (dom_bits_ & kStarBit) != 0;
  bool dow_star = (dow_bits_ & kStarBit) != 0;
  // Some weekday activates in every week of every month: OR with a weekday, or AND with any day.
  bool weekly = (dow_bits_ & ~kStarBit) != 0 && (dom_star || !dow_star);
  if (weekly) return true;
  // Otherwise the day of month decides alone: some (month, day) other than Feb 29 must exist.
  static constexpr std::array<int64_t, 13> kDaysInMonth = {0,  31, 28, 31, 30, 31, 30,
                                                           31, 31, 30, 31, 30, 31};
  for (int64_t month = 1; month <= 12; ++month) {
    for (int64_t day = 1; day <= kDaysInMonth[month]; ++day) {
      if (Has(month_bits_, month) && Has(dom_bits_, day)) return true;
    }
  }
  return false;
}

// SpecSchedule.Next from `first_s` (the second after the time given), in UTC.
std::optional<int64_t> CronSchedule::NextSpecSeconds(int64_t first_s) const {
  // A field with no value never matches: robfig would search all five years, then give up.
  if ((second_bits_ & ~kStarBit) == 0 || (minute_bits_ & ~kStarBit) == 0 ||
      (hour_bits_ & ~kStarBit) == 0 || (month_bits_ & ~kStarBit) == 0) {
    return std::nullopt;
  }
  Cursor cursor{first_s, false};
  const int64_t year_limit = DateOf(first_s).year + kCronSearchYearsMax;
  for (;;) {  // robfig's WRAP label
    Date date = DateOf(cursor.seconds);
    if (date.year > year_limit) return std::nullopt;
    bool wrapped = false;
    while (!wrapped && !Has(month_bits_, date.month)) {
      if (!cursor.added) {
        cursor.added = true;
        cursor.seconds = DaysFromCivil(date.year, date.month, 1) * kSecondsPerDay;
      }
      cursor.seconds = AddOneMonth(cursor.seconds);
      date = DateOf(cursor.seconds);
      wrapped = date.month == 1;
    }
    if (wrapped) continue;
    while (!wrapped && !DayMatches(FloorDiv(cursor.seconds, kSecondsPerDay))) {
      if (!cursor.added) {
        cursor.added = true;
        cursor.seconds = FloorDiv(cursor.seconds, kSecondsPerDay) * kSecondsPerDay;
      }
      cursor.seconds += kSecondsPerDay;
      wrapped = DateOf(cursor.seconds).day == 1;
    }
    if (wrapped) continue;
    if (SeekUnit(cursor, 3600, 24, hour_bits_) && SeekUnit(cursor, 60, 60, minute_bits_) &&
        SeekUnit(cursor, 1, 60, second_bits_)) {
      return cursor.seconds;
    }
  }
}

std::optional<int64_t> CronSchedule::NextMs(int64_t after_ms) const {
  // Both of robfig's schedules first drop the fraction of a second.
  int64_t after_s = FloorDiv(after_ms, 1000);
  std::optional<int64_t> next_s;
  if (every_delay_s_ > 0) {
    if (after_s <= kInt64Max / 1000 - every_delay_s_) next_s = after_s + every_delay_s_;
  } else {
    next_s = NextSpecSeconds(after_s + 1);
  }
  if (!next_s || *next_s > kInt64Max / 1000) return std::nullopt;
  return *next_s * 1000;
}

std::optional<int64_t> CronBackoffMs(const CronSchedule& schedule, int64_t scheduled_ms,
                                     int64_t now_ms) {
  int64_t next_ms = scheduled_ms;
  if (now_ms >= scheduled_ms) {
    // The reference calls Next from each activation until one is not before now. The same answer
    // comes at once when activations are never five years apart: an @every repeats exactly, and
    // the first activation at or after now is Next(now - 1ms) (activations are whole seconds).
    std::optional<int64_t> next = schedule.NextMs(scheduled_ms);
    int64_t delay_ms = schedule.every_delay_s_ * 1000;
    if (next && *next < now_ms && delay_ms > 0) {
      int64_t gap_ms = 0;
      if (__builtin_sub_overflow(now_ms, *next, &gap_ms)) return std::nullopt;
      int64_t missed = gap_ms / delay_ms + (gap_ms % delay_ms != 0 ? 1 : 0);
      int64_t jumped = 0;
      if (__builtin_mul_overflow(missed, delay_ms, &jumped) ||
          __builtin_add_overflow(*next, jumped, &jumped)) {
        return std::nullopt;
      }
      next = jumped;
    } else if (next && *next < now_ms && schedule.FiresEveryYear()) {
      next = schedule.NextMs(now_ms - 1);
    }
    while (next && *next < now_ms) next = schedule.NextMs(*next);  // Feb 29-only schedules
    if (!next) return std::nullopt;
    next_ms = *next;
  }
  // next_ms >= now_ms here, so the difference is not negative.
  int64_t backoff_ms = 0;
  if (__builtin_sub_overflow(next_ms, now_ms, &backoff_ms)) return std::nullopt;
  int64_t seconds = backoff_ms / 1000 + (backoff_ms % 1000 != 0 ? 1 : 0);
  return seconds * 1000;
}

std::optional<int64_t> ParseGoDurationNanos(std::string_view text) { return ParseGoDuration(text); }

int64_t DaysFromCivilDate(int64_t year, int64_t month, int64_t day) {
  return DaysFromCivil(year, month, day);
}

CivilDate CivilDateFromDays(int64_t days) {
  Date date = CivilFromDays(days);
  return CivilDate{date.year, date.month, date.day};
}

}  // namespace hdo::history
