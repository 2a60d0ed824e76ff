// Measurement helpers of hdo-bench-cpp, the same as the Go load program's (bench/workflows
// main.go): /proc counters, pressure stall totals, the server log's warn/error lines, nearest-rank
// percentiles, and Go-style durations (flags are parsed and printed as Go's time.Duration does,
// so bench/compare passes the same values and the report shows the same text).
//
// Owner: bench/cpp. Thread safety: pure functions and file reads; safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hdo::bench {

using Nanos = std::chrono::nanoseconds;

// "20s", "1m30s", "500ms", "1h"; nullopt when malformed.
std::optional<Nanos> ParseGoDuration(const std::string& text);
// time.Duration.String(): "20s", "1m0s", "1.5s", "500ms", "0s".
std::string GoDurationString(Nanos d);

// utime+stime (clock ticks) of a /proc/PID/stat file; negative when unreadable.
double ReadCpuTicks(const std::string& stat_path);
// stime (clock ticks) alone.
double ReadSysTicks(const std::string& stat_path);
struct ProcStatus {
  double hwm_mib = 0;
  double rss_mib = 0;
};
std::optional<ProcStatus> ReadStatus(int pid);
// The "some" total (µs) of /proc/pressure/<resource>; NaN when absent.
double ReadPsiSome(const std::string& resource);
double ReadLoad1();

struct LogScan {
  int warn = 0;
  int errors = 0;
  std::string first;
};
// hdo logs logfmt `level=warn`, the reference JSON `"level":"warn"`.
LogScan ScanServerLog(const std::string& path);

// Nearest rank over sorted latencies, in ms with µs resolution (as the Go program); NaN if empty.
double PercentileMs(const std::vector<Nanos>& sorted, double q);

std::string Truncate(const std::string& s, size_t n);

}  // namespace hdo::bench
