// Prometheus metrics for the whole server: counters, gauges and histograms kept in a Registry that
// renders the text exposition format 0.0.4 (what GET /metrics answers; see
// docs/architecture/metrics.md for every metric hdo exports).
//
// Owner: the process owns DefaultRegistry(); a test may own a Registry of its own. A component
// gets its instruments once (GetCounter, GetGauge, GetHistogram) and keeps the pointers: the
// registry owns every instrument, never removes one, and pointers stay valid for its lifetime.
//
// Thread safety: everything is thread-safe. Registration and Render take the registry's mutex;
// Add, Set and Observe are lock-free atomic updates (relaxed: a scrape sees every update that
// happened before it, not a consistent cut across instruments).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hdo::metrics {

// Label name → value. Order does not matter: a series is identified, and rendered, with its
// labels sorted by name.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count (Prometheus counter). Names end in `_total` by convention.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // n ≥ 0: a counter never goes down.
  void Add(int64_t n = 1);
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// A value that goes up and down (Prometheus gauge).
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A distribution over buckets fixed at creation (Prometheus histogram).
class Histogram {
 public:
  // `buckets`: upper bounds (inclusive), finite and strictly increasing; +Inf is implicit.
  explicit Histogram(std::vector<double> buckets);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose bound is ≥ value (NaN: the +Inf bucket only).
  void Observe(double value);

  struct Snapshot {
    // Cumulative counts, one per bound and a last one for +Inf (== count).
    std::vector<uint64_t> cumulative;
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& Buckets() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  // Per bucket, not cumulative: bounds_.size() + 1 entries, the last for +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Same name+labels → same object. Pointers stay valid for the registry's lifetime. A name
  // registered twice with another kind or help (or, for a histogram, other buckets) is a
  // programming error (CHECK), and so are invalid metric or label names and a label named twice.
  Counter* GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge* GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram* GetHistogram(std::string_view name, std::string_view help, std::vector<double> buckets,
                          const Labels& labels = {});

  // Prometheus text exposition format 0.0.4: HELP/TYPE once per family, label values escaped,
  // histograms as _bucket{le=...} (cumulative, +Inf), _sum, _count. Families sorted by name,
  // series by their sorted labels, so the text is deterministic.
  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Family;
  // Finds or creates the family; CHECKs that it is the same kind, help and buckets. Mutex held.
  Family& FamilyFor(std::string_view name, std::string_view help, Kind kind,
                    const std::vector<double>& buckets);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

// The process-wide registry that /metrics renders.
Registry& DefaultRegistry();

// Bounds for latencies in seconds: 100 µs to 10 s in 1-2.5-5 steps.
std::vector<double> LatencyBucketsSeconds();

// A number as the exposition format writes it: shortest round-trip text ("0.25", "1e-05"),
// "+Inf", "-Inf", "NaN". Exposed for tests and for other renderers.
std::string FormatValue(double value);

}  // namespace hdo::metrics
