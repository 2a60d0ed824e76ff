#include "common/process_metrics.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/metrics.h"

namespace hdo::metrics {
namespace {

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> Fields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t at = 0;
  while (at < text.size()) {
    size_t start = text.find_first_not_of(" \n", at);
    if (start == std::string_view::npos) break;
    size_t end = text.find_first_of(" \n", start);
    if (end == std::string_view::npos) end = text.size();
    fields.push_back(text.substr(start, end - start));
    at = end;
  }
  return fields;
}

}  // namespace

std::optional<ProcessStats> ParseProcessStats(std::string_view proc_self_stat,
                                              std::string_view proc_stat, long ticks_per_second,
                                              long page_size_bytes) {
  if (ticks_per_second <= 0 || page_size_bytes <= 0) return std::nullopt;
  // "pid (comm) state ...": comm may hold spaces and parentheses, so fields count from the last
  // ')'. After it, field 3 (state) is index 0; utime (14) is index 11, stime 12, starttime (22)
  // 19, rss (24) 21.
  size_t close = proc_self_stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> fields = Fields(proc_self_stat.substr(close + 1));
  if (fields.size() < 22) return std::nullopt;
  auto utime = ParseNumber(fields[11]);
  auto stime = ParseNumber(fields[12]);
  auto start_ticks = ParseNumber(fields[19]);
  auto rss_pages = ParseNumber(fields[21]);
  size_t btime_at = proc_stat.find("btime ");
  if (btime_at == std::string_view::npos || (btime_at != 0 && proc_stat[btime_at - 1] != '\n')) {
    return std::nullopt;
  }
  std::string_view btime_text = proc_stat.substr(btime_at + 6);
  btime_text = btime_text.substr(0, btime_text.find('\n'));
  auto boot_time = ParseNumber(btime_text);
  if (!utime || !stime || !start_ticks || !rss_pages || !boot_time) return std::nullopt;
  const double ticks = static_cast<double>(ticks_per_second);
  ProcessStats stats;
  stats.cpu_seconds = (*utime + *stime) / ticks;
  stats.resident_bytes = *rss_pages * static_cast<double>(page_size_bytes);
  stats.start_time_seconds = *boot_time + *start_ticks / ticks;
  return stats;
}

std::string RenderProcessStats(const ProcessStats& stats) {
  return "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
         "# TYPE process_cpu_seconds_total counter\n"
         "process_cpu_seconds_total " +
         FormatValue(stats.cpu_seconds) +
         "\n"
         "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
         "# TYPE process_resident_memory_bytes gauge\n"
         "process_resident_memory_bytes " +
         FormatValue(stats.resident_bytes) +
         "\n"
         "# HELP process_start_time_seconds Start time of the process since unix epoch in "
         "seconds.\n"
         "# TYPE process_start_time_seconds gauge\n"
         "process_start_time_seconds " +
         FormatValue(stats.start_time_seconds) + "\n";
}

std::string RenderProcessMetrics() {
  auto self_stat = ReadFile("/proc/self/stat");
  auto stat = ReadFile("/proc/stat");
  if (!self_stat || !stat) return {};
  auto stats =
      ParseProcessStats(*self_stat, *stat, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE));
  return stats ? RenderProcessStats(*stats) : std::string();
}

}  // namespace hdo::metrics
