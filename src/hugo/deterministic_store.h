// hugo deterministic state stores (Hugo's IDeterministicStateStore): a key/value store of
// DeterministicRecord {kind, version, payload bytes, recorded_at} under which VersionGate and
// DeterministicEffectStore persist their decisions. TryAdd (insert only if the key is absent) is
// the one atomic compare-and-set every implementation must provide. Implementations: in memory
// (here) and SQLite (hugo/deterministic_sqlite.h); both use Hugo's five columns Key, Kind,
// Version, RecordedAt, Payload.
//
// Owner: shared (std::shared_ptr) by the gates that use it. Thread safety: implementations are
// thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hugo/clock.h"
#include "hugo/result.h"

namespace hugo {

struct DeterministicRecord {
  std::string kind;     // "hugo.version", "hugo.effect"; never blank
  int32_t version = 0;  // the decided version for hugo.version; 0 for effects
  std::string payload;  // opaque bytes (JSON in practice)
  Clock::WallTime recorded_at;
  friend bool operator==(const DeterministicRecord&, const DeterministicRecord&) = default;
};

inline constexpr size_t kDeterministicKeyMax = 256;  // Hugo's column sizes
inline constexpr size_t kDeterministicKindMax = 128;

class DeterministicStateStore {
 public:
  virtual ~DeterministicStateStore() = default;
  // nullopt when absent.
  virtual Result<std::optional<DeterministicRecord>> TryGet(std::string_view key) = 0;
  // Upsert.
  virtual Result<Unit> Set(std::string_view key, const DeterministicRecord& record) = 0;
  // Inserts only if `key` is absent; true when this call inserted.
  virtual Result<bool> TryAdd(std::string_view key, const DeterministicRecord& record) = 0;
};

// error.validation for a blank or over-long key or kind.
Result<Unit> ValidateDeterministicRecord(std::string_view key, const DeterministicRecord& record);

// A map with ordinal (case-sensitive) keys.
class InMemoryDeterministicStateStore final : public DeterministicStateStore {
 public:
  Result<std::optional<DeterministicRecord>> TryGet(std::string_view key) override;
  Result<Unit> Set(std::string_view key, const DeterministicRecord& record) override;
  Result<bool> TryAdd(std::string_view key, const DeterministicRecord& record) override;
  size_t Size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, DeterministicRecord> records_;
};

// ISO-8601 in .NET's round-trip form, UTC: "2026-11-26T15:23:11.1234567+00:00".
std::string FormatIso8601(Clock::WallTime time);
// Accepts "Z" or "+hh:mm"/"-hh:mm" offsets and 0-7 fraction digits.
std::optional<Clock::WallTime> ParseIso8601(std::string_view text);

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace hugo
