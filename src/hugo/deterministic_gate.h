// hugo::DeterministicGate and its workflow builder (Hugo's DeterministicGate,
// DeterministicWorkflowBuilder, DeterministicWorkflowContext): Require a version for a change id,
// then run (once; replayed afterwards) the branch for that version, captured as one effect under
// "{changeId}::v{version}"; steps inside a branch are captured under
// "{changeId}::v{version}::{stepId}".
//
// Owner: the workflow code. Thread safety: the gate is thread-safe; a builder is used by one
// thread and executed once. Included through hugo/deterministic.h.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hugo/deterministic.h"

namespace hugo {

class DeterministicWorkflowContext {
 public:
  DeterministicWorkflowContext(VersionDecision decision, DeterministicEffectStore* effects)
      : decision_(std::move(decision)), effects_(effects) {}

  const VersionDecision& Decision() const { return decision_; }
  const std::string& ChangeId() const { return decision_.change_id; }
  int32_t Version() const { return decision_.version; }
  bool IsNew() const { return decision_.is_new; }
  Clock::WallTime RecordedAt() const { return decision_.recorded_at; }

  // "{changeId}::v{version}::{trimmed stepId}"; error.validation for a blank step id.
  Result<std::string> CreateEffectId(std::string_view step_id) const;

  template <class T, class F>
  Result<T> Capture(std::string_view step_id, F effect) {
    Result<std::string> id = CreateEffectId(step_id);
    if (id.IsFailure()) return id.Error();
    return effects_->Capture<T>(id.Value(), std::move(effect));
  }

 private:
  VersionDecision decision_;
  DeterministicEffectStore* effects_;
};

template <class T>
class DeterministicWorkflowBuilder;

class DeterministicGate {
 public:
  DeterministicGate(std::shared_ptr<VersionGate> versions,
                    std::shared_ptr<DeterministicEffectStore> effects)
      : versions_(std::move(versions)), effects_(std::move(effects)) {}
  // A gate with a VersionGate and an effect store on one state store.
  static std::shared_ptr<DeterministicGate> CreateDefault(
      std::shared_ptr<DeterministicStateStore> store, std::shared_ptr<Clock> clock);

  // Require, then capture on_execute(decision) under "{changeId}::v{version}".
  template <class T, class F>
  Result<T> Execute(std::string_view change_id, int32_t min_version, int32_t max_version,
                    F on_execute, VersionGate::InitialVersionProvider provider = {}) {
    Result<VersionDecision> decision =
        versions_->Require(change_id, min_version, max_version, std::move(provider));
    if (decision.IsFailure()) return decision.Error();
    std::string effect_id = EffectIdFor(decision.Value());
    return effects_->Capture<T>(effect_id, [&] { return on_execute(decision.Value()); });
  }
  // Runs `upgraded` when the version is max_version, `legacy` otherwise.
  template <class T, class U, class L>
  Result<T> Execute(std::string_view change_id, int32_t min_version, int32_t max_version,
                    U upgraded, L legacy) {
    return Execute<T>(
        change_id, min_version, max_version, [&](const VersionDecision& d) -> Result<T> {
          return detail::ToResultOf<T>(d.version >= max_version ? upgraded(d) : legacy(d));
        });
  }

  template <class T>
  DeterministicWorkflowBuilder<T> Workflow(std::string_view change_id, int32_t min_version,
                                           int32_t max_version,
                                           VersionGate::InitialVersionProvider provider = {});

  static std::string EffectIdFor(const VersionDecision& d) {
    return d.change_id + "::v" + std::to_string(d.version);
  }
  VersionGate& Versions() { return *versions_; }
  DeterministicEffectStore& Effects() { return *effects_; }

 private:
  std::shared_ptr<VersionGate> versions_;
  std::shared_ptr<DeterministicEffectStore> effects_;
};

std::string TrimDeterministicId(std::string_view id);

// Branches are checked in declaration order, the first match wins, the fallback comes last.
template <class T>
class DeterministicWorkflowBuilder {
 public:
  using Branch = std::function<Result<T>(DeterministicWorkflowContext&)>;

  DeterministicWorkflowBuilder& ForVersion(int32_t version, Branch exec) {
    return ForRange(version, version, std::move(exec));
  }
  DeterministicWorkflowBuilder& ForRange(int32_t low, int32_t high, Branch exec) {
    if (low > high || low < min_ || high > max_) {
      Invalidate("A branch's versions must lie within [min, max].");
    }
    return For(
        [low, high](const VersionDecision& d) { return d.version >= low && d.version <= high; },
        std::move(exec));
  }
  DeterministicWorkflowBuilder& For(std::function<bool(const VersionDecision&)> predicate,
                                    Branch exec) {
    branches_.push_back({std::move(predicate), std::move(exec)});
    return *this;
  }
  DeterministicWorkflowBuilder& WithFallback(Branch exec) {
    fallback_ = std::move(exec);
    return *this;
  }

  // error.validation for an invalid shape; error.version.conflict when no branch matches (not
  // recorded, so that adding the missing branch later works).
  Result<T> Execute() {
    if (invalid_) return *invalid_;
    Result<VersionDecision> decision = gate_->Versions().Require(change_id_, min_, max_, provider_);
    if (decision.IsFailure()) return decision.Error();
    Branch* branch = Match(decision.Value());
    if (branch == nullptr) return NoMatch(decision.Value());
    DeterministicWorkflowContext context(decision.Value(), &gate_->Effects());
    return gate_->Effects().Capture<T>(DeterministicGate::EffectIdFor(decision.Value()),
                                       [&] { return (*branch)(context); });
  }

 private:
  friend class DeterministicGate;
  DeterministicWorkflowBuilder(DeterministicGate* gate, std::string_view change_id,
                               int32_t min_version, int32_t max_version,
                               VersionGate::InitialVersionProvider provider)
      : gate_(gate),
        change_id_(TrimDeterministicId(change_id)),
        min_(min_version),
        max_(max_version),
        provider_(std::move(provider)) {
    if (change_id_.empty()) Invalidate("The change id must not be blank.");
    if (min_ <= 0) Invalidate("The workflow builder needs min version > 0.");
    if (max_ < min_) Invalidate("The max version must be >= the min version.");
  }
  void Invalidate(const char* message) {
    if (!invalid_) invalid_ = Error::From(message, std::string(ErrorCodes::kValidation));
  }
  Branch* Match(const VersionDecision& d) {
    for (auto& [predicate, exec] : branches_) {
      if (predicate(d)) return &exec;
    }
    return fallback_ ? &fallback_ : nullptr;
  }
  Error NoMatch(const VersionDecision& d) const {
    return Error::From("No workflow branch matches the version.",
                       std::string(ErrorCodes::kVersionConflict))
        .WithMetadata("changeId", d.change_id)
        .WithMetadata("version", int64_t{d.version})
        .WithMetadata("minVersion", int64_t{min_})
        .WithMetadata("maxVersion", int64_t{max_});
  }

  DeterministicGate* gate_;
  std::string change_id_;
  int32_t min_, max_;
  VersionGate::InitialVersionProvider provider_;
  std::vector<std::pair<std::function<bool(const VersionDecision&)>, Branch>> branches_;
  Branch fallback_;
  std::optional<Error> invalid_;
};

template <class T>
DeterministicWorkflowBuilder<T> DeterministicGate::Workflow(
    std::string_view change_id, int32_t min_version, int32_t max_version,
    VersionGate::InitialVersionProvider provider) {
  return DeterministicWorkflowBuilder<T>(this, change_id, min_version, max_version,
                                         std::move(provider));
}

}  // namespace hugo
