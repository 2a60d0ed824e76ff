#include "hugo/diagnostics.h"

#include "hugo/result.h"

namespace hugo {
namespace {

const InstrumentDescriptor* Find(std::string_view name) {
  for (const InstrumentDescriptor& d : kInstruments) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

constexpr InstrumentDescriptor kUnknown{"hugo.unknown", InstrumentKind::kCounter, "1", false};

// Per-thread counts of created Results. Only the owning thread writes its shard (a plain
// load/store, no lock prefix); readers sum every shard. Shards are never freed (one per thread
// that ever created a Result), so a reader never sees a dangling one.
struct ResultShard {
  std::atomic<int64_t> successes{0};
  std::atomic<int64_t> failures{0};
};

std::mutex& ShardMutex() {
  static std::mutex* mutex = new std::mutex();
  return *mutex;
}
std::vector<ResultShard*>& Shards() {
  static auto* shards = new std::vector<ResultShard*>();
  return *shards;
}

ResultShard* LocalShard() {
  thread_local ResultShard* shard = [] {
    auto* s = new ResultShard();
    std::lock_guard lock(ShardMutex());
    Shards().push_back(s);
    return s;
  }();
  return shard;
}

int64_t SumShards(bool successes) {
  std::lock_guard lock(ShardMutex());
  int64_t total = 0;
  for (ResultShard* s : Shards()) {
    total += (successes ? s->successes : s->failures).load(std::memory_order_relaxed);
  }
  return total;
}

bool IsResultCounter(std::string_view name) {
  return name == "result.successes" || name == "result.failures";
}

}  // namespace

namespace detail {
void CountResult(bool success) noexcept {
  ResultShard* shard = LocalShard();
  std::atomic<int64_t>& counter = success ? shard->successes : shard->failures;
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}
}  // namespace detail

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
  if (IsResultCounter(instrument) && tags.empty()) {
    return static_cast<double>(SumShards(instrument == "result.successes"));
  }
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
  std::vector<SeriesSnapshot> out;
  for (std::string_view name : {"result.successes", "result.failures"}) {
    out.push_back(SeriesSnapshot{
        *Find(name), {}, static_cast<double>(SumShards(name == "result.successes")), 0, 0, 0});
  }
  std::lock_guard lock(mutex_);
  for (const auto& [key, series] : series_) {
    const InstrumentDescriptor* d = Find(key.instrument);
    out.push_back(SeriesSnapshot{d != nullptr ? *d : kUnknown, key.tags, series->Sum(),
                                 series->Count(), series->Min(), series->Max()});
  }
  return out;
}

void Diagnostics::Reset() {
  {
    std::lock_guard lock(ShardMutex());
    for (ResultShard* shard : Shards()) {
      shard->successes.store(0, std::memory_order_relaxed);
      shard->failures.store(0, std::memory_order_relaxed);
    }
  }
  std::lock_guard lock(mutex_);
  // Series stay allocated (components hold references); only their values restart.
  for (auto& [key, series] : series_) series->Clear();
}

}  // namespace hugo
