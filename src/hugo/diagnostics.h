// hugo::Diagnostics: the one registry of Hugo's instruments (Hugo's GoDiagnostics), with their
// exact names, units and tags, so that the Prometheus and OTLP exporters that come later only have
// to read Collect(). Meter and activity source name "Hugo.Go", schema 1.27.0.
//
// Each instrument is a set of series, one per distinct tag set. Counters and up-down counters hold
// a sum; histograms hold count, sum, min and max (bucketing is the exporter's job). Series are
// never removed (except by Reset), so a component may keep a Series& for its lifetime and record
// into it without a lookup.
//
// An instrument keeps at most kCardinalityLimit series, as an OpenTelemetry SDK does (its default
// limit, 2000): once it holds kCardinalityLimit - 1 tag sets, every new tag set records into one
// overflow series tagged {"otel.metric.overflow": "true"}, so totals stay right and memory stays
// bounded. Hugo tags the workflow.* instruments with the workflow and run id; without the limit a
// long-running worker would keep a series per run it ever ran.
//
// Owner: the process (Instance()). Thread safety: everything is thread-safe; recording into a
// Series is lock-free.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hugo {

inline constexpr std::string_view kMeterName = "Hugo.Go";
inline constexpr std::string_view kActivitySourceName = "Hugo.Go";
inline constexpr std::string_view kTelemetrySchemaUrl = "https://opentelemetry.io/schemas/1.27.0";

enum class InstrumentKind { kCounter, kUpDownCounter, kHistogram };

struct InstrumentDescriptor {
  std::string_view name;
  InstrumentKind kind;
  std::string_view unit;
  bool is_double;  // Histogram<double> / Counter<double>; otherwise long
};

// Every instrument Hugo creates, in Hugo's words (research note §3).
inline constexpr std::array<InstrumentDescriptor, 41> kInstruments{{
    {"waitgroup.additions", InstrumentKind::kCounter, "operations", false},
    {"waitgroup.completions", InstrumentKind::kCounter, "operations", false},
    {"waitgroup.outstanding", InstrumentKind::kUpDownCounter, "tasks", false},
    {"result.successes", InstrumentKind::kCounter, "events", false},
    {"result.failures", InstrumentKind::kCounter, "events", false},
    {"channel.select.attempts", InstrumentKind::kCounter, "operations", false},
    {"channel.select.completions", InstrumentKind::kCounter, "operations", false},
    {"channel.select.timeouts", InstrumentKind::kCounter, "operations", false},
    {"channel.select.cancellations", InstrumentKind::kCounter, "operations", false},
    {"channel.select.latency", InstrumentKind::kHistogram, "ms", true},
    {"channel.depth", InstrumentKind::kHistogram, "items", false},
    {"taskqueue.enqueued", InstrumentKind::kCounter, "items", false},
    {"taskqueue.leased", InstrumentKind::kCounter, "leases", false},
    {"taskqueue.completed", InstrumentKind::kCounter, "leases", false},
    {"taskqueue.failed", InstrumentKind::kCounter, "leases", false},
    {"taskqueue.expired", InstrumentKind::kCounter, "leases", false},
    {"taskqueue.requeued", InstrumentKind::kCounter, "items", false},
    {"taskqueue.deadlettered", InstrumentKind::kCounter, "items", false},
    {"taskqueue.heartbeats", InstrumentKind::kCounter, "leases", false},
    {"taskqueue.lease.duration", InstrumentKind::kHistogram, "ms", true},
    {"taskqueue.heartbeat.extension", InstrumentKind::kHistogram, "ms", true},
    {"taskqueue.pending", InstrumentKind::kUpDownCounter, "items", false},
    {"taskqueue.active", InstrumentKind::kUpDownCounter, "leases", false},
    {"taskqueue.pending.depth", InstrumentKind::kHistogram, "items", false},
    {"taskqueue.active.depth", InstrumentKind::kHistogram, "leases", false},
    {"hugo.taskqueue.backpressure.active", InstrumentKind::kUpDownCounter, "queues", false},
    {"hugo.taskqueue.backpressure.pending", InstrumentKind::kHistogram, "items", false},
    {"hugo.taskqueue.backpressure.transitions", InstrumentKind::kCounter, "events", false},
    {"hugo.taskqueue.backpressure.duration", InstrumentKind::kHistogram, "ms", true},
    {"taskqueue.replication.events", InstrumentKind::kCounter, "events", false},
    {"taskqueue.replication.sequence_lag", InstrumentKind::kHistogram, "events", false},
    {"taskqueue.replication.wall_clock_lag", InstrumentKind::kHistogram, "ms", true},
    {"workflow.started", InstrumentKind::kCounter, "workflows", false},
    {"workflow.completed", InstrumentKind::kCounter, "workflows", false},
    {"workflow.failed", InstrumentKind::kCounter, "workflows", false},
    {"workflow.canceled", InstrumentKind::kCounter, "workflows", false},
    {"workflow.terminated", InstrumentKind::kCounter, "workflows", false},
    {"workflow.active", InstrumentKind::kUpDownCounter, "workflows", false},
    {"workflow.replay.count", InstrumentKind::kHistogram, "replays", false},
    {"workflow.logical.clock", InstrumentKind::kHistogram, "ticks", false},
    {"workflow.duration", InstrumentKind::kHistogram, "ms", true},
}};

// Tag sets are ordered maps (keys are Hugo's exact tag names, e.g. "taskqueue.name").
using Tags = std::map<std::string, std::string>;

class Series {
 public:
  void Add(double delta) { sum_.fetch_add(delta, std::memory_order_relaxed); }
  void Record(double value);
  double Sum() const { return sum_.load(std::memory_order_relaxed); }
  int64_t Count() const { return count_.load(std::memory_order_relaxed); }
  double Min() const { return min_.load(std::memory_order_relaxed); }
  double Max() const { return max_.load(std::memory_order_relaxed); }
  void Clear() {
    sum_.store(0, std::memory_order_relaxed);
    count_.store(0, std::memory_order_relaxed);
    min_.store(0, std::memory_order_relaxed);
    max_.store(0, std::memory_order_relaxed);
  }

 private:
  std::atomic<double> sum_{0};
  std::atomic<int64_t> count_{0};
  std::atomic<double> min_{0};
  std::atomic<double> max_{0};
};

struct SeriesSnapshot {
  InstrumentDescriptor instrument;
  Tags tags;
  double sum;       // counters: the total; histograms: the sum of recorded values
  int64_t count;    // histograms only
  double min, max;  // histograms only
};

class Diagnostics {
 public:
  static constexpr size_t kCardinalityLimit = 2000;
  static constexpr std::string_view kOverflowTag = "otel.metric.overflow";

  static Diagnostics& Instance();

  // The series of `instrument` for `tags`. An unknown instrument name is a programming error and
  // lands in a catch-all "hugo.unknown" series instead of crashing.
  Series& Get(std::string_view instrument, const Tags& tags = {});
  // The value of a series, or 0 when it was never recorded or its tag set went to the overflow
  // series (for tests and health checks).
  double SumOf(std::string_view instrument, const Tags& tags = {}) const;
  int64_t CountOf(std::string_view instrument, const Tags& tags = {}) const;
  std::vector<SeriesSnapshot> Collect() const;
  void Reset();

  // Shortcuts for the untagged hot-path instruments.
  void SelectAttempt() { select_attempts_->Add(1); }
  void SelectCompleted(double latency_ms) {
    select_completions_->Add(1);
    select_latency_->Record(latency_ms);
  }
  void SelectTimeout() { select_timeouts_->Add(1); }
  void SelectCancellation() { select_cancellations_->Add(1); }

 private:
  Diagnostics();
  // The series of one instrument by tag set; index kInstruments.size() is "hugo.unknown". Keyed
  // by the tag set's flat encoding (TagKey): one hash and one string compare per lookup, where a
  // map keyed by the tag maps compared whole maps at every step (workflow.* series carry the
  // workflow and run ids, so an instrument holds up to kCardinalityLimit of them).
  struct TaggedSeries {
    Tags tags;
    std::unique_ptr<Series> series;
  };
  using SeriesByTags = std::unordered_map<std::string, TaggedSeries>;
  static std::string TagKey(const Tags& tags);
  const Series* Find(std::string_view instrument, const Tags& tags) const;

  mutable std::mutex mutex_;
  std::array<SeriesByTags, kInstruments.size() + 1> series_;
  std::array<Series*, kInstruments.size() + 1> overflow_{};  // in series_ once the limit is reached
  Series* select_attempts_;
  Series* select_completions_;
  Series* select_timeouts_;
  Series* select_cancellations_;
  Series* select_latency_;
};

// `snapshot` (Collect()) in the Prometheus text exposition format 0.0.4, each instrument named as
// OpenTelemetry's Prometheus exporters name it: characters outside [a-zA-Z0-9_:] become '_' (runs
// of them one '_'), the unit is appended unless the name already ends in it ("ms" as
// "milliseconds", an annotation unit such as "{items}" dropped), and counters end in "_total".
// Up-down counters are gauges; histograms, for which Hugo keeps no buckets, are summaries with
// only _sum and _count. Tags become labels the same way ("workflow.id" -> workflow_id; the
// overflow series' tag -> otel_metric_overflow), values escaped. One HELP and TYPE per family,
// families in the snapshot's order of first appearance.
std::string RenderPrometheus(const std::vector<SeriesSnapshot>& snapshot);

// Appends `value` as the text of a Prometheus label value: backslash, double quote and newline
// escaped (the exposition format's rule; hdo's server metrics use it too).
void AppendPrometheusLabelValue(std::string& out, std::string_view value);

}  // namespace hugo
