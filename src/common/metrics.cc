#include "common/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/log.h"
#include "hugo/diagnostics.h"

namespace hdo::metrics {
namespace {

// Always on: a registration that contradicts an earlier one would export two meanings under one
// name, which every dashboard reading it would silently get wrong.
void Check(bool condition, std::string_view what, std::string_view name) {
  if (condition) return;
  log::Error("metrics registration is a programming error", {{"what", what}, {"name", name}});
  std::abort();
}

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsMetricName(std::string_view name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsNameChar(c) || c == ':'; });
}

// [a-zA-Z_][a-zA-Z0-9_]*, and names starting with "__" are reserved for Prometheus.
bool IsLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0]) || name.rfind("__", 0) == 0) return false;
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

Labels SortedLabels(std::string_view metric, const Labels& labels, bool histogram) {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    Check(IsLabelName(sorted[i].first), "invalid label name", metric);
    Check(i == 0 || sorted[i].first != sorted[i - 1].first, "label given twice", metric);
    Check(!histogram || sorted[i].first != "le", "histograms own the label 'le'", metric);
  }
  return sorted;
}

// HELP text: backslash and newline escaped.
void AppendHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// `name{a="x",b="y",le="0.5"} ` — the braces only when there is a label.
void AppendSeries(std::string& out, std::string_view name, const Labels& labels,
                  std::string_view le = {}) {
  out += name;
  if (labels.empty() && le.empty()) {
    out += ' ';
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& [label, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += label;
    out += "=\"";
    hugo::AppendPrometheusLabelValue(out, value);
    out += '"';
  }
  if (!le.empty()) {
    if (!first) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += "} ";
}

}  // namespace

void Counter::Add(int64_t n) {
  assert(n >= 0);
  value_.fetch_add(n, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> buckets)
    : bounds_(std::move(buckets)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    Check(std::isfinite(bounds_[i]), "histogram bucket bound not finite", "");
    Check(i == 0 || bounds_[i - 1] < bounds_[i], "histogram buckets not increasing", "");
  }
}

void Histogram::Observe(double value) {
  size_t bucket = bounds_.size();  // NaN compares false with every bound: +Inf only
  if (!std::isnan(value)) {
    bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                 bounds_.begin());
  }
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  // The count is the +Inf bucket by construction, so a scrape never sees them disagree.
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

struct Registry::Family {
  Kind kind = Kind::kCounter;
  std::string help;
  std::vector<double> buckets;  // histograms only
  std::map<Labels, std::unique_ptr<Counter>> counters;
  std::map<Labels, std::unique_ptr<Gauge>> gauges;
  std::map<Labels, std::unique_ptr<Histogram>> histograms;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family& Registry::FamilyFor(std::string_view name, std::string_view help, Kind kind,
                                      const std::vector<double>& buckets) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    Check(IsMetricName(name), "invalid metric name", name);
    auto family = std::make_unique<Family>();
    family->kind = kind;
    family->help = std::string(help);
    family->buckets = buckets;
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  Family& family = *it->second;
  Check(family.kind == kind, "name registered again with another kind", name);
  Check(family.help == help, "name registered again with another help", name);
  Check(family.buckets == buckets, "histogram registered again with other buckets", name);
  return family;
}

Counter* Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  Labels key = SortedLabels(name, labels, false);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& series = FamilyFor(name, help, Kind::kCounter, {}).counters[std::move(key)];
  if (series == nullptr) series = std::make_unique<Counter>();
  return series.get();
}

Gauge* Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  Labels key = SortedLabels(name, labels, false);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& series = FamilyFor(name, help, Kind::kGauge, {}).gauges[std::move(key)];
  if (series == nullptr) series = std::make_unique<Gauge>();
  return series.get();
}

Histogram* Registry::GetHistogram(std::string_view name, std::string_view help,
                                  std::vector<double> buckets, const Labels& labels) {
  Labels key = SortedLabels(name, labels, true);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& series = FamilyFor(name, help, Kind::kHistogram, buckets).histograms[std::move(key)];
  if (series == nullptr) series = std::make_unique<Histogram>(std::move(buckets));
  return series.get();
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, family] : families_) {
    out += "# HELP ";
    out += name;
    out += ' ';
    AppendHelp(out, family->help);
    out += "\n# TYPE ";
    out += name;
    switch (family->kind) {
      case Kind::kCounter:
        out += " counter\n";
        for (const auto& [labels, counter] : family->counters) {
          AppendSeries(out, name, labels);
          out += std::to_string(counter->Value());
          out += '\n';
        }
        break;
      case Kind::kGauge:
        out += " gauge\n";
        for (const auto& [labels, gauge] : family->gauges) {
          AppendSeries(out, name, labels);
          out += FormatValue(gauge->Value());
          out += '\n';
        }
        break;
      case Kind::kHistogram:
        out += " histogram\n";
        for (const auto& [labels, histogram] : family->histograms) {
          Histogram::Snapshot snapshot = histogram->Read();
          for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
            bool last = i == family->buckets.size();
            AppendSeries(out, name + "_bucket", labels,
                         last ? "+Inf" : FormatValue(family->buckets[i]));
            out += std::to_string(snapshot.cumulative[i]);
            out += '\n';
          }
          AppendSeries(out, name + "_sum", labels);
          out += FormatValue(snapshot.sum);
          out += '\n';
          AppendSeries(out, name + "_count", labels);
          out += std::to_string(snapshot.count);
          out += '\n';
        }
        break;
    }
  }
  return out;
}

Registry& DefaultRegistry() {
  // Never destroyed: instruments may be updated by threads still running during exit.
  static Registry* registry = new Registry();
  return *registry;
}

std::vector<double> LatencyBucketsSeconds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  // Shortest text that reads back as the same double, in %g style ("0.0001", "1e-05", "1e+06"),
  // as Prometheus's own Go clients write numbers.
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::general);
  return std::string(buffer, result.ptr);
}

}  // namespace hdo::metrics
