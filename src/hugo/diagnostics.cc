#include "hugo/diagnostics.h"

namespace hugo {
namespace {

const InstrumentDescriptor* Find(std::string_view name) {
  for (const InstrumentDescriptor& d : kInstruments) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

constexpr InstrumentDescriptor kUnknown{"hugo.unknown", InstrumentKind::kCounter, "1", false};

}  // namespace

void Series::Record(double value) {
  int64_t previous = count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  double seen = min_.load(std::memory_order_relaxed);
  while ((previous == 0 || value < seen) &&
         !min_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
  seen = max_.load(std::memory_order_relaxed);
  while ((previous == 0 || value > seen) &&
         !max_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

Diagnostics& Diagnostics::Instance() {
  static Diagnostics* instance = new Diagnostics();  // never destroyed: used from any thread
  return *instance;
}

Diagnostics::Diagnostics()
    : select_attempts_(&Get("channel.select.attempts")),
      select_completions_(&Get("channel.select.completions")),
      select_timeouts_(&Get("channel.select.timeouts")),
      select_cancellations_(&Get("channel.select.cancellations")),
      select_latency_(&Get("channel.select.latency")) {}

Series& Diagnostics::Get(std::string_view instrument, const Tags& tags) {
  const InstrumentDescriptor* d = Find(instrument);
  Key key{std::string(d != nullptr ? d->name : kUnknown.name), tags};
  std::lock_guard lock(mutex_);
  auto it = series_.find(key);
  if (it == series_.end()) it = series_.emplace(std::move(key), std::make_unique<Series>()).first;
  return *it->second;
}

double Diagnostics::SumOf(std::string_view instrument, const Tags& tags) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(Key{std::string(instrument), tags});
  return it == series_.end() ? 0 : it->second->Sum();
}

int64_t Diagnostics::CountOf(std::string_view instrument, const Tags& tags) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(Key{std::string(instrument), tags});
  return it == series_.end() ? 0 : it->second->Count();
}

std::vector<SeriesSnapshot> Diagnostics::Collect() const {
  std::lock_guard lock(mutex_);
  std::vector<SeriesSnapshot> out;
  for (const auto& [key, series] : series_) {
    const InstrumentDescriptor* d = Find(key.instrument);
    out.push_back(SeriesSnapshot{d != nullptr ? *d : kUnknown, key.tags, series->Sum(),
                                 series->Count(), series->Min(), series->Max()});
  }
  return out;
}

void Diagnostics::Reset() {
  std::lock_guard lock(mutex_);
  // Series stay allocated (components hold references); only their values restart.
  for (auto& [key, series] : series_) series->Clear();
}

}  // namespace hugo
