#include "hdo/search_attributes.h"

#include <cstdio>
#include <ctime>

namespace hdo {

std::string_view SearchAttributeTypeName(SearchAttributeType type) {
  switch (type) {
    case SearchAttributeType::kText:
      return "Text";
    case SearchAttributeType::kKeyword:
      return "Keyword";
    case SearchAttributeType::kInt:
      return "Int";
    case SearchAttributeType::kDouble:
      return "Double";
    case SearchAttributeType::kBool:
      return "Bool";
    case SearchAttributeType::kDatetime:
      return "Datetime";
    case SearchAttributeType::kKeywordList:
      return "KeywordList";
  }
  return "Unspecified";
}

std::string FormatSearchAttributeTime(SearchAttributeTime time) {
  using namespace std::chrono;
  const auto since = time.time_since_epoch();
  auto seconds = duration_cast<std::chrono::seconds>(since);
  auto nanos = duration_cast<nanoseconds>(since - seconds).count();
  if (nanos < 0) {  // before 1970: the fraction counts forward from the second below
    seconds -= std::chrono::seconds(1);
    nanos += 1'000'000'000;
  }
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  std::string out = text;
  if (nanos > 0) {
    char fraction[32];
    std::snprintf(fraction, sizeof(fraction), ".%09lld", static_cast<long long>(nanos));
    std::string f = fraction;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::optional<SearchAttributeTime> ParseSearchAttributeTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  auto digits = [&](size_t at, size_t n, int& value) {
    if (at + n > text.size()) return false;
    value = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      value = value * 10 + (text[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !digits(0, 4, year) || text[4] != '-' || !digits(5, 2, month) ||
      text[7] != '-' || !digits(8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !digits(11, 2, hour) || text[13] != ':' || !digits(14, 2, minute) || text[16] != ':' ||
      !digits(17, 2, second)) {
    return std::nullopt;
  }
  size_t at = 19;
  int64_t nanos = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int count = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (count < 9) {
        nanos = nanos * 10 + (text[at] - '0');
        ++count;
      }
      ++at;
    }
    if (count == 0) return std::nullopt;
    for (; count < 9; ++count) nanos *= 10;
  }
  int offset_seconds = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh = 0, om = 0;
    if (!digits(at + 1, 2, oh) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits(at + 4, 2, om)) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = timegm(&tm) - offset_seconds;
  return SearchAttributeTime(std::chrono::duration_cast<SearchAttributeTime::duration>(
      std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos)));
}

}  // namespace hdo
