#include "common/uuid.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace hdo {

UuidGenerator::UuidGenerator() : rng_(std::random_device{}()) {}

namespace {

// The canonical text of the 128 bits high:low with the RFC 9562 variant set.
std::string Format(uint64_t high, uint64_t low) {
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 9562 variant
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xFFFF),
                static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text.data();
}

}  // namespace

std::string UuidGenerator::Next() {
  uint64_t high = rng_();
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  return Format(high, rng_());
}

std::string UuidGenerator::NextTimeOrdered(int64_t unix_ms) {
  if (unix_ms < 0) unix_ms = 0;
  // A clock that steps back keeps the last millisecond, so the order holds.
  if (unix_ms > last_ms_) {
    last_ms_ = unix_ms;
    counter_ = static_cast<uint32_t>(rng_() & 0x7FF);
  } else if (++counter_ > 0xFFF) {
    // 4,096 ids in one millisecond: borrow the next one (the timestamp runs ahead a little).
    ++last_ms_;
    counter_ = static_cast<uint32_t>(rng_() & 0x7FF);
  }
  const uint64_t high = (static_cast<uint64_t>(last_ms_) & 0xFFFFFFFFFFFFULL) << 16 |
                        0x7000ULL |  // version 7
                        counter_;
  return Format(high, rng_());
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

}  // namespace hdo
