#include "hugo/deterministic_store.h"

#include <array>
#include <cstdio>

namespace hugo {
namespace {

Error Validation(std::string message) {
  return Error::From(std::move(message), std::string(ErrorCodes::kValidation));
}

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

Result<Unit> ValidateDeterministicRecord(std::string_view key, const DeterministicRecord& record) {
  if (Blank(key)) return Validation("A deterministic key must not be blank.");
  if (key.size() > kDeterministicKeyMax) return Validation("A deterministic key is too long.");
  if (Blank(record.kind)) return Validation("A deterministic record kind must not be blank.");
  if (record.kind.size() > kDeterministicKindMax) return Validation("The record kind is too long.");
  return Ok();
}

Result<std::optional<DeterministicRecord>> InMemoryDeterministicStateStore::TryGet(
    std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(std::string(key));
  if (it == records_.end()) return Ok(std::optional<DeterministicRecord>());
  return Ok(std::optional<DeterministicRecord>(it->second));
}

Result<Unit> InMemoryDeterministicStateStore::Set(std::string_view key,
                                                  const DeterministicRecord& record) {
  Result<Unit> valid = ValidateDeterministicRecord(key, record);
  if (valid.IsFailure()) return valid;
  std::lock_guard lock(mutex_);
  records_.insert_or_assign(std::string(key), record);
  return Ok();
}

Result<bool> InMemoryDeterministicStateStore::TryAdd(std::string_view key,
                                                     const DeterministicRecord& record) {
  Result<Unit> valid = ValidateDeterministicRecord(key, record);
  if (valid.IsFailure()) return valid.Error();
  std::lock_guard lock(mutex_);
  return Ok(records_.emplace(std::string(key), record).second);
}

size_t InMemoryDeterministicStateStore::Size() const {
  std::lock_guard lock(mutex_);
  return records_.size();
}

std::string FormatIso8601(Clock::WallTime time) {
  using namespace std::chrono;
  auto exact = time_point_cast<nanoseconds>(time);
  sys_days day = floor<days>(exact);
  int64_t ticks = (exact - day).count() / 100;  // .NET ticks within the day
  int64_t second_of_day = ticks / 10'000'000;
  year_month_day ymd{day};
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02lld:%02lld:%02lld.%07lld+00:00",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(second_of_day / 3600),
                static_cast<long long>(second_of_day / 60 % 60),
                static_cast<long long>(second_of_day % 60),
                static_cast<long long>(ticks % 10'000'000));
  return buffer;
}

std::optional<Clock::WallTime> ParseIso8601(std::string_view text) {
  using namespace std::chrono;
  std::string s(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(s).substr(n);
  int64_t fraction = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 7) fraction = fraction * 10 + (rest.front() - '0'), ++digits;
      rest.remove_prefix(1);
    }
    for (; digits < 7; ++digits) fraction *= 10;
  }
  int offset_minutes = 0;
  if (rest == "Z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = (rest[1] - '0') * 10 + (rest[2] - '0');
    int om = (rest[4] - '0') * 10 + (rest[5] - '0');
    offset_minutes = (rest[0] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{se} - minutes{offset_minutes};
  return Clock::WallTime(duration_cast<Clock::WallTime::duration>(t.time_since_epoch()) +
                         duration_cast<Clock::WallTime::duration>(nanoseconds{fraction * 100}));
}

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::array<int, 256> value;
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kAlphabet[i])] = i;
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      if (pad > 0 || value[static_cast<unsigned char>(c)] < 0) return std::nullopt;
      v = (v << 6) | value[static_cast<unsigned char>(c)];
    }
    out.push_back(static_cast<char>((v >> 16) & 255));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 255));
    if (pad < 1) out.push_back(static_cast<char>(v & 255));
  }
  return out;
}

}  // namespace hugo
