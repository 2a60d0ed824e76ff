// hugo deterministic replay helpers (Hugo's VersionGate, DeterministicEffectStore,
// DeterministicGate and its workflow builder): a version decided once per change id, and effect
// outcomes recorded once per effect id and replayed afterwards, on a DeterministicStateStore.
//
// Stored shapes (stable, documented in docs/hugo.md):
//   version  key = changeId, kind "hugo.version", Version = v, payload {"version":v}
//   effect   key = effectId, kind "hugo.effect",  Version = 0, payload
//            {"isSuccess":bool,"typeName":"<tag>","serializedValue":base64(JSON) | null,
//             "error":<Error JSON> | null,"recordedAt":"<ISO-8601>"}
//   gate     effect id "{changeId}::v{version}", step id "{changeId}::v{version}::{stepId}"
//
// Differences from Hugo, on purpose (research note §6.2-4, §6.13): effects are written with
// TryAdd (insert-if-absent), and concurrent first captures of one id in this process run the
// effect once (single flight); a loser across processes adopts the stored winner. Type names are
// stable language-neutral tags (DeterministicTypeName<T>), not CLR names. Failures are stored and
// replayed as failures (as Hugo does), except error.canceled, which is never stored.
//
// Owner: shared by the workflows that use them. Thread safety: all thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "hugo/clock.h"
#include "hugo/deterministic_store.h"
#include "hugo/error_json.h"
#include "hugo/result.h"

namespace hugo {

inline constexpr std::string_view kVersionRecordKind = "hugo.version";
inline constexpr std::string_view kEffectRecordKind = "hugo.effect";

// The stable type tag stored with an effect. Types of your own: give them a
// `static constexpr std::string_view kDeterministicTypeName` (and nlohmann to_json/from_json).
template <class T>
struct DeterministicTypeName {
  static constexpr std::string_view Value() { return T::kDeterministicTypeName; }
};
#define HUGO_DETERMINISTIC_TYPE(type, name)                    \
  template <>                                                  \
  struct DeterministicTypeName<type> {                         \
    static constexpr std::string_view Value() { return name; } \
  }
HUGO_DETERMINISTIC_TYPE(bool, "bool");
HUGO_DETERMINISTIC_TYPE(int32_t, "int32");
HUGO_DETERMINISTIC_TYPE(int64_t, "int64");
HUGO_DETERMINISTIC_TYPE(double, "double");
HUGO_DETERMINISTIC_TYPE(std::string, "string");
HUGO_DETERMINISTIC_TYPE(Unit, "unit");
HUGO_DETERMINISTIC_TYPE(std::vector<int64_t>, "list<int64>");
HUGO_DETERMINISTIC_TYPE(std::vector<std::string>, "list<string>");

inline void to_json(nlohmann::json& j, const Unit&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, Unit&) {}

struct VersionDecision {
  std::string change_id;
  int32_t version = 0;
  bool is_new = false;
  Clock::WallTime recorded_at;
};

class VersionGate {
 public:
  static constexpr int32_t kDefaultVersion = -1;
  using InitialVersionProvider = std::function<int32_t(std::string_view change_id)>;

  VersionGate(std::shared_ptr<DeterministicStateStore> store, std::shared_ptr<Clock> clock)
      : store_(std::move(store)), clock_(std::move(clock)) {}

  // The version for `change_id`: the recorded one (must lie in [min, max]), or a new decision
  // (the provider's, or max) recorded with TryAdd. Errors: error.validation (blank id, min > max),
  // error.version.conflict (out of range; a lost race whose winner cannot be read),
  // error.deterministic.replay (a record of another kind), error.exception (provider threw).
  Result<VersionDecision> Require(std::string_view change_id, int32_t min_version,
                                  int32_t max_version, InitialVersionProvider provider = {});

 private:
  Result<VersionDecision> FromRecord(const std::string& change_id, const DeterministicRecord& r,
                                     int32_t min_version, int32_t max_version);
  std::shared_ptr<DeterministicStateStore> store_;
  std::shared_ptr<Clock> clock_;
};

// The payload of an effect record.
struct EffectEnvelope {
  bool is_success = false;
  std::string type_name;
  std::optional<std::string> serialized_value;  // base64 of the JSON bytes
  std::optional<Error> error;
  Clock::WallTime recorded_at;

  std::string ToJson() const;
  static Result<EffectEnvelope> FromJson(std::string_view payload);
};

class DeterministicEffectStore {
 public:
  DeterministicEffectStore(std::shared_ptr<DeterministicStateStore> store,
                           std::shared_ptr<Clock> clock)
      : store_(std::move(store)), clock_(std::move(clock)) {}

  // Replays the recorded outcome of `effect_id`, or runs `effect()` (returning Result<T> or T;
  // exceptions become error.exception), records its outcome and returns it.
  template <class T, class F>
  Result<T> Capture(std::string_view effect_id, F effect);

  // Whether a record exists (for tests and diagnostics).
  Result<bool> Contains(std::string_view effect_id);

 private:
  template <class T>
  Result<T> Replay(const std::string& effect_id, const DeterministicRecord& record);
  template <class T>
  Result<T> Record(const std::string& effect_id, Result<T> outcome);
  // Single flight per effect id inside this process.
  void Claim(const std::string& effect_id);
  void Release(const std::string& effect_id);

  std::shared_ptr<DeterministicStateStore> store_;
  std::shared_ptr<Clock> clock_;
  std::mutex mutex_;
  std::condition_variable released_;
  std::set<std::string> in_flight_;
};

namespace detail {
Error ReplayMismatch(const std::string& effect_id, std::string_view stored,
                     std::string_view requested);
template <class T>
Result<T> ToResultOf(T value) {
  return Result<T>::Ok(std::move(value));
}
template <class T>
Result<T> ToResultOf(Result<T> value) {
  return value;
}
}  // namespace detail

template <class T, class F>
Result<T> DeterministicEffectStore::Capture(std::string_view effect_id_view, F effect) {
  std::string effect_id(effect_id_view);
  Claim(effect_id);
  struct ReleaseOnExit {
    DeterministicEffectStore* self;
    const std::string& id;
    ~ReleaseOnExit() { self->Release(id); }
  } release{this, effect_id};
  Result<std::optional<DeterministicRecord>> existing = store_->TryGet(effect_id);
  if (existing.IsFailure()) return existing.Error();
  if (existing.Value()) return Replay<T>(effect_id, *existing.Value());
  Result<T> outcome = Try([&] { return detail::ToResultOf<T>(effect()); });
  return Record<T>(effect_id, std::move(outcome));
}

template <class T>
Result<T> DeterministicEffectStore::Replay(const std::string& effect_id,
                                           const DeterministicRecord& record) {
  if (record.kind != kEffectRecordKind) {
    return detail::ReplayMismatch(effect_id, record.kind, kEffectRecordKind);
  }
  Result<EffectEnvelope> envelope = EffectEnvelope::FromJson(record.payload);
  if (envelope.IsFailure()) return envelope.Error();
  const EffectEnvelope& e = envelope.Value();
  if (e.type_name != DeterministicTypeName<T>::Value()) {
    return detail::ReplayMismatch(effect_id, e.type_name, DeterministicTypeName<T>::Value());
  }
  if (!e.is_success) return e.error ? *e.error : Error::Unspecified();
  std::optional<std::string> bytes = Base64Decode(e.serialized_value.value_or(""));
  if (!bytes) return detail::ReplayMismatch(effect_id, "undecodable value", e.type_name);
  return Try([&] { return nlohmann::json::parse(*bytes).get<T>(); });
}

template <class T>
Result<T> DeterministicEffectStore::Record(const std::string& effect_id, Result<T> outcome) {
  if (outcome.IsFailure() && outcome.Error().HasCode(ErrorCodes::kCanceled)) return outcome;
  EffectEnvelope envelope;
  envelope.is_success = outcome.IsSuccess();
  envelope.type_name = std::string(DeterministicTypeName<T>::Value());
  envelope.recorded_at = clock_->UtcNow();
  if (outcome.IsSuccess()) {
    envelope.serialized_value = Base64Encode(nlohmann::json(outcome.Value()).dump());
  } else {
    envelope.error = outcome.Error();
  }
  DeterministicRecord record{std::string(kEffectRecordKind), 0, envelope.ToJson(),
                             envelope.recorded_at};
  Result<bool> added = store_->TryAdd(effect_id, record);
  if (added.IsFailure()) return added.Error();
  if (added.Value()) return outcome;
  // Another process recorded first: its outcome is the one that counts.
  Result<std::optional<DeterministicRecord>> winner = store_->TryGet(effect_id);
  if (winner.IsFailure()) return winner.Error();
  if (!winner.Value()) return outcome;
  return Replay<T>(effect_id, *winner.Value());
}

}  // namespace hugo

#include "hugo/deterministic_gate.h"  // IWYU pragma: export
