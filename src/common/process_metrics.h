// The process metrics every Prometheus client exports (process_resident_memory_bytes,
// process_cpu_seconds_total, process_start_time_seconds), read from /proc at scrape time rather
// than kept in a Registry: they are the kernel's numbers, not ours.
//
// Owner: none (free functions). Thread safety: thread-safe; each call reads /proc afresh.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hdo::metrics {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  double resident_bytes = 0;      // resident set size
  double start_time_seconds = 0;  // since the Unix epoch
};

// Parses /proc/self/stat and /proc/stat's `btime` line. nullopt when the text is not what Linux
// writes (the caller then exports nothing rather than a wrong number).
std::optional<ProcessStats> ParseProcessStats(std::string_view proc_self_stat,
                                              std::string_view proc_stat, long ticks_per_second,
                                              long page_size_bytes);

// The three families in exposition format, HELP and TYPE included.
std::string RenderProcessStats(const ProcessStats& stats);

// Reads /proc now and renders it; empty when /proc cannot be read (not Linux, no procfs).
std::string RenderProcessMetrics();

}  // namespace hdo::metrics
