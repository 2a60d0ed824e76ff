// UUIDs in their canonical text form: random (version 4), and time-ordered (version 7, RFC 9562)
// for keys the store indexes; and validation of that form. The generator is an explicit Rng (no
// hidden global randomness) and takes the time from its caller; IsUuid is pure. Thread-safety: a
// UuidGenerator is owned by one thread or guarded by its owner.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace hdo {

class UuidGenerator {
 public:
  // Seeded from std::random_device; tests pass a fixed seed.
  UuidGenerator();
  explicit UuidGenerator(uint64_t seed) : rng_(seed) {}
  std::string Next();
  // A version-7 UUID: the 48-bit Unix time in milliseconds `unix_ms`, then a 12-bit counter that
  // goes up within one millisecond (RFC 9562 §6.2 method 1, restarting at a random value below
  // 2048 each new millisecond), then 62 random bits. Ids made later sort after earlier ones (as
  // text too), so rows keyed by them are appended to the end of a B-tree instead of scattered
  // over it: run ids, which key the history, state and visibility rows.
  std::string NextTimeOrdered(int64_t unix_ms);

 private:
  std::mt19937_64 rng_;
  int64_t last_ms_ = -1;
  uint32_t counter_ = 0;
};

// True for "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" with hex digits (any case), as Temporal's
// frontend accepts for run ids.
bool IsUuid(std::string_view text);

}  // namespace hdo
