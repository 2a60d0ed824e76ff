#include "hugo/deterministic.h"

#include <cctype>

namespace hugo {
namespace {

using nlohmann::json;

Error Validation(std::string message) {
  return Error::From(std::move(message), std::string(ErrorCodes::kValidation));
}

Error Conflict(std::string message, const std::string& change_id, int32_t min_version,
               int32_t max_version) {
  return Error::From(std::move(message), std::string(ErrorCodes::kVersionConflict))
      .WithMetadata("changeId", change_id)
      .WithMetadata("minVersion", int64_t{min_version})
      .WithMetadata("maxVersion", int64_t{max_version});
}

}  // namespace

std::string TrimDeterministicId(std::string_view id) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  auto first = std::find_if(id.begin(), id.end(), not_space);
  auto last = std::find_if(id.rbegin(), id.rend(), not_space).base();
  return first < last ? std::string(first, last) : std::string();
}

Result<VersionDecision> VersionGate::FromRecord(const std::string& change_id,
                                                const DeterministicRecord& r, int32_t min_version,
                                                int32_t max_version) {
  if (r.kind != kVersionRecordKind) {
    return Error::From("The record under this change id is not a version marker.",
                       std::string(ErrorCodes::kDeterministicReplay))
        .WithMetadata("changeId", change_id)
        .WithMetadata("kind", r.kind);
  }
  if (r.version < min_version || r.version > max_version) {
    return Conflict("The recorded version lies outside the supported range.", change_id,
                    min_version, max_version)
        .WithMetadata("persistedVersion", int64_t{r.version});
  }
  return Ok(VersionDecision{change_id, r.version, false, r.recorded_at});
}

Result<VersionDecision> VersionGate::Require(std::string_view change_id_view, int32_t min_version,
                                             int32_t max_version, InitialVersionProvider provider) {
  std::string change_id = TrimDeterministicId(change_id_view);
  if (change_id.empty()) return Validation("The change id must not be blank.");
  if (min_version > max_version) return Validation("The min version must not exceed the max.");
  Result<std::optional<DeterministicRecord>> existing = store_->TryGet(change_id);
  if (existing.IsFailure()) return existing.Error();
  if (existing.Value()) return FromRecord(change_id, *existing.Value(), min_version, max_version);

  Result<int32_t> initial = provider ? Try([&] { return provider(change_id); }) : Ok(max_version);
  if (initial.IsFailure()) return initial.Error().WithMetadata("changeId", change_id);
  int32_t version = initial.Value();
  if (version < min_version || version > max_version) {
    return Conflict("The initial version lies outside the supported range.", change_id, min_version,
                    max_version)
        .WithMetadata("initialVersion", int64_t{version});
  }
  DeterministicRecord record{std::string(kVersionRecordKind), version,
                             json{{"version", version}}.dump(), clock_->UtcNow()};
  Result<bool> added = store_->TryAdd(change_id, record);
  if (added.IsFailure()) return added.Error();
  if (added.Value()) return Ok(VersionDecision{change_id, version, true, record.recorded_at});
  // Another writer won: use its record.
  Result<std::optional<DeterministicRecord>> winner = store_->TryGet(change_id);
  if (winner.IsFailure() || !winner.Value()) {
    return Conflict("Another writer recorded this change id, but its record cannot be read.",
                    change_id, min_version, max_version);
  }
  return FromRecord(change_id, *winner.Value(), min_version, max_version);
}

std::string EffectEnvelope::ToJson() const {
  json j{{"isSuccess", is_success},
         {"typeName", type_name},
         {"serializedValue", serialized_value ? json(*serialized_value) : json(nullptr)},
         {"error", error ? ErrorToJson(*error) : json(nullptr)},
         {"recordedAt", FormatIso8601(recorded_at)}};
  return j.dump();
}

Result<EffectEnvelope> EffectEnvelope::FromJson(std::string_view payload) {
  json j = json::parse(payload, nullptr, false);
  auto bad = [] {
    return Error::From("The effect record's payload is not an effect envelope.",
                       std::string(ErrorCodes::kDeterministicReplay));
  };
  if (!j.is_object() || !j.contains("isSuccess") || !j["isSuccess"].is_boolean() ||
      !j.contains("typeName") || !j["typeName"].is_string()) {
    return bad();
  }
  EffectEnvelope e;
  e.is_success = j["isSuccess"].get<bool>();
  e.type_name = j["typeName"].get<std::string>();
  if (j.contains("serializedValue") && j["serializedValue"].is_string()) {
    e.serialized_value = j["serializedValue"].get<std::string>();
  }
  if (j.contains("error") && j["error"].is_object()) {
    Result<Error> error = ErrorFromJson(j["error"]);
    if (error.IsSuccess()) e.error = error.Value();
  }
  if (j.contains("recordedAt") && j["recordedAt"].is_string()) {
    e.recorded_at = ParseIso8601(j["recordedAt"].get<std::string>()).value_or(Clock::WallTime());
  }
  return Result<EffectEnvelope>::Ok(std::move(e));
}

Result<bool> DeterministicEffectStore::Contains(std::string_view effect_id) {
  Result<std::optional<DeterministicRecord>> existing = store_->TryGet(effect_id);
  if (existing.IsFailure()) return existing.Error();
  return Ok(existing.Value().has_value());
}

void DeterministicEffectStore::Claim(const std::string& effect_id) {
  std::unique_lock lock(mutex_);
  released_.wait(lock, [&] { return !in_flight_.contains(effect_id); });
  in_flight_.insert(effect_id);
}

void DeterministicEffectStore::Release(const std::string& effect_id) {
  {
    std::lock_guard lock(mutex_);
    in_flight_.erase(effect_id);
  }
  released_.notify_all();
}

namespace detail {
Error ReplayMismatch(const std::string& effect_id, std::string_view stored,
                     std::string_view requested) {
  return Error::From("The recorded effect does not match the requested type.",
                     std::string(ErrorCodes::kDeterministicReplay))
      .WithMetadata("effectId", effect_id)
      .WithMetadata("storedType", std::string(stored))
      .WithMetadata("requestedType", std::string(requested));
}
}  // namespace detail

Result<std::string> DeterministicWorkflowContext::CreateEffectId(std::string_view step_id) const {
  std::string step = TrimDeterministicId(step_id);
  if (step.empty()) return Validation("A step id must not be blank.");
  return Ok(DeterministicGate::EffectIdFor(decision_) + "::" + step);
}

std::shared_ptr<DeterministicGate> DeterministicGate::CreateDefault(
    std::shared_ptr<DeterministicStateStore> store, std::shared_ptr<Clock> clock) {
  return std::make_shared<DeterministicGate>(
      std::make_shared<VersionGate>(store, clock),
      std::make_shared<DeterministicEffectStore>(store, clock));
}

}  // namespace hugo
