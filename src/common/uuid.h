// Random (version 4) UUIDs in their canonical text form, and validation of that form. The
// generator is an explicit Rng (no hidden global randomness); IsUuid is pure. Thread-safety: a
// UuidGenerator is owned by one thread or guarded by its owner.
#pragma once

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

 private:
  std::mt19937_64 rng_;
};

// True for "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" with hex digits (any case), as Temporal's
// frontend accepts for run ids.
bool IsUuid(std::string_view text);

}  // namespace hdo
