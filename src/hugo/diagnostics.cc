#include "hugo/diagnostics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "hugo/result.h"

namespace hugo {
namespace {

constexpr InstrumentDescriptor kUnknown{"hugo.unknown", InstrumentKind::kCounter, "1", false};

// The index of an instrument in kInstruments, kInstruments.size() for an unknown name.
size_t IndexOf(std::string_view name) {
  for (size_t i = 0; i < kInstruments.size(); ++i) {
    if (kInstruments[i].name == name) return i;
  }
  return kInstruments.size();
}

const InstrumentDescriptor& DescriptorAt(size_t index) {
  return index < kInstruments.size() ? kInstruments[index] : kUnknown;
}

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

std::string Diagnostics::TagKey(const Tags& tags) {
  // Length-prefixed, so that no two tag sets share a key whatever their characters.
  size_t size = 0;
  for (const auto& [name, value] : tags) size += name.size() + value.size() + 2 * sizeof(uint32_t);
  std::string key;
  key.reserve(size);
  auto append_length = [&key](size_t length) {
    const auto value = static_cast<uint32_t>(length);
    key.append(reinterpret_cast<const char*>(&value), sizeof(value));
  };
  for (const auto& [name, value] : tags) {
    append_length(name.size());
    key += name;
    append_length(value.size());
    key += value;
  }
  return key;
}

Series& Diagnostics::Get(std::string_view instrument, const Tags& tags) {
  const size_t index = IndexOf(instrument);
  SeriesByTags& series = series_[index];
  std::string key = TagKey(tags);
  std::lock_guard lock(mutex_);
  auto it = series.find(key);
  if (it != series.end()) return *it->second.series;
  // The last place under the limit is the overflow series'.
  if (series.size() + 1 < kCardinalityLimit) {
    return *series.emplace(std::move(key), TaggedSeries{tags, std::make_unique<Series>()})
                .first->second.series;
  }
  Series*& overflow = overflow_[index];
  if (overflow == nullptr) {
    Tags overflow_tags{{std::string(kOverflowTag), "true"}};
    std::string overflow_key = TagKey(overflow_tags);
    overflow = series
                   .emplace(std::move(overflow_key),
                            TaggedSeries{std::move(overflow_tags), std::make_unique<Series>()})
                   .first->second.series.get();
  }
  return *overflow;
}

const Series* Diagnostics::Find(std::string_view instrument, const Tags& tags) const {
  const SeriesByTags& series = series_[IndexOf(instrument)];
  auto it = series.find(TagKey(tags));
  return it == series.end() ? nullptr : it->second.series.get();
}

double Diagnostics::SumOf(std::string_view instrument, const Tags& tags) const {
  if (IsResultCounter(instrument) && tags.empty()) {
    return static_cast<double>(SumShards(instrument == "result.successes"));
  }
  std::lock_guard lock(mutex_);
  const Series* series = Find(instrument, tags);
  return series == nullptr ? 0 : series->Sum();
}

int64_t Diagnostics::CountOf(std::string_view instrument, const Tags& tags) const {
  std::lock_guard lock(mutex_);
  const Series* series = Find(instrument, tags);
  return series == nullptr ? 0 : series->Count();
}

std::vector<SeriesSnapshot> Diagnostics::Collect() const {
  std::vector<SeriesSnapshot> out;
  for (std::string_view name : {"result.successes", "result.failures"}) {
    out.push_back(SeriesSnapshot{DescriptorAt(IndexOf(name)),
                                 {},
                                 static_cast<double>(SumShards(name == "result.successes")),
                                 0,
                                 0,
                                 0});
  }
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < series_.size(); ++i) {
    const size_t first = out.size();
    for (const auto& [key, entry] : series_[i]) {
      const Series& series = *entry.series;
      out.push_back(SeriesSnapshot{DescriptorAt(i), entry.tags, series.Sum(), series.Count(),
                                   series.Min(), series.Max()});
    }
    // An instrument's series in the order of their tag sets, as exporters and tests expect.
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
              [](const SeriesSnapshot& a, const SeriesSnapshot& b) { return a.tags < b.tags; });
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
  for (SeriesByTags& by_tags : series_) {
    for (auto& [key, entry] : by_tags) entry.series->Clear();
  }
}

namespace {

// OpenTelemetry's Prometheus name rules: invalid characters (and runs of them) become one '_';
// a label name may not hold ':' and neither may start with a digit.
std::string PrometheusName(std::string_view name, bool label) {
  std::string out;
  for (char c : name) {
    const bool valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || (c == ':' && !label);
    if (valid) {
      out += c;
    } else if (out.empty() || out.back() != '_') {
      out += '_';
    }
  }
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');
  return out;
}

std::string UnitSuffix(std::string_view unit) {
  if (unit.empty() || unit.front() == '{') return {};
  if (unit == "ms") return "milliseconds";
  if (unit == "s") return "seconds";
  if (unit == "By") return "bytes";
  if (unit == "1") return {};
  return PrometheusName(unit, false);
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string FamilyName(const InstrumentDescriptor& instrument) {
  std::string name = PrometheusName(instrument.name, false);
  if (std::string unit = UnitSuffix(instrument.unit);
      !unit.empty() && !EndsWith(name, "_" + unit)) {
    name += "_" + unit;
  }
  if (instrument.kind == InstrumentKind::kCounter && !EndsWith(name, "_total")) name += "_total";
  return name;
}

std::string PrometheusNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::array<char, 32> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc()) return "NaN";
  return std::string(buffer.data(), end);
}

std::string PrometheusLabels(const Tags& tags) {
  if (tags.empty()) return {};
  std::string out = "{";
  for (const auto& [key, value] : tags) {
    if (out.size() > 1) out += ',';
    out += PrometheusName(key, true);
    out += "=\"";
    AppendPrometheusLabelValue(out, value);
    out += '"';
  }
  return out + "}";
}

}  // namespace

void AppendPrometheusLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

std::string RenderPrometheus(const std::vector<SeriesSnapshot>& snapshot) {
  // Family name -> its lines, in the order families first appear (the exposition format wants
  // a family's series together).
  std::vector<std::string> order;
  std::unordered_map<std::string, std::string> families;
  for (const SeriesSnapshot& series : snapshot) {
    const std::string name = FamilyName(series.instrument);
    auto [it, inserted] = families.try_emplace(name);
    std::string& text = it->second;
    if (inserted) {
      order.push_back(name);
      const char* type = series.instrument.kind == InstrumentKind::kCounter         ? "counter"
                         : series.instrument.kind == InstrumentKind::kUpDownCounter ? "gauge"
                                                                                    : "summary";
      text += "# HELP " + name + " Hugo instrument " + std::string(series.instrument.name);
      if (!series.instrument.unit.empty()) text += " (" + std::string(series.instrument.unit) + ")";
      text += "\n# TYPE " + name + " " + type + "\n";
    }
    const std::string labels = PrometheusLabels(series.tags);
    if (series.instrument.kind == InstrumentKind::kHistogram) {
      text += name + "_sum" + labels + " " + PrometheusNumber(series.sum) + "\n";
      text += name + "_count" + labels + " " + std::to_string(series.count) + "\n";
    } else {
      text += name + labels + " " + PrometheusNumber(series.sum) + "\n";
    }
  }
  std::string out;
  for (const std::string& name : order) out += families[name];
  return out;
}

}  // namespace hugo
