#include "measure.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

namespace hdo::bench {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The fields of /proc/PID/stat after the command name (which may hold spaces); field 3 is [0].
std::vector<std::string> StatFields(const std::string& path) {
  std::string s = ReadAll(path);
  size_t paren = s.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream in(s.substr(paren + 1));
  return std::vector<std::string>(std::istream_iterator<std::string>(in),
                                  std::istream_iterator<std::string>());
}

// "1.5" with `unit` nanoseconds per unit, trailing zeros of the fraction dropped.
std::string Fraction(int64_t value, int64_t unit) {
  std::string out = std::to_string(value / unit);
  int64_t rest = value % unit;
  if (rest == 0) return out;
  std::string digits = std::to_string(rest + unit).substr(1);  // zero-padded to the unit's width
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

}  // namespace

std::optional<Nanos> ParseGoDuration(const std::string& text) {
  if (text == "0") return Nanos(0);
  size_t i = 0;
  double total = 0;
  if (text.empty()) return std::nullopt;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (i == start) return std::nullopt;
    double value = std::stod(text.substr(start, i - start));
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "µs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      return std::nullopt;
    total += value * scale;
  }
  return Nanos(static_cast<int64_t>(std::llround(total)));
}

std::string GoDurationString(Nanos d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  ns = std::llabs(ns);
  if (ns < 1'000) return sign + std::to_string(ns) + "ns";
  if (ns < 1'000'000) return sign + Fraction(ns, 1'000) + "µs";
  if (ns < 1'000'000'000) return sign + Fraction(ns, 1'000'000) + "ms";
  int64_t hours = ns / 3'600'000'000'000;
  int64_t minutes = ns / 60'000'000'000 % 60;
  std::string seconds = Fraction(ns % 60'000'000'000, 1'000'000'000) + "s";
  if (hours > 0)
    return sign + std::to_string(hours) + "h" + std::to_string(minutes) + "m" + seconds;
  if (minutes > 0) return sign + std::to_string(minutes) + "m" + seconds;
  return sign + seconds;
}

double ReadCpuTicks(const std::string& stat_path) {
  auto f = StatFields(stat_path);
  if (f.size() < 13) return -1;
  return std::stod(f[11]) + std::stod(f[12]);
}

double ReadSysTicks(const std::string& stat_path) {
  auto f = StatFields(stat_path);
  if (f.size() < 13) return -1;
  return std::stod(f[12]);
}

std::optional<ProcStatus> ReadStatus(int pid) {
  std::istringstream in(ReadAll("/proc/" + std::to_string(pid) + "/status"));
  if (in.str().empty()) return std::nullopt;
  ProcStatus st;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    double kib = 0;
    if (!(fields >> key >> kib)) continue;
    if (key == "VmHWM:") st.hwm_mib = kib / 1024;
    if (key == "VmRSS:") st.rss_mib = kib / 1024;
  }
  return st;
}

double ReadPsiSome(const std::string& resource) {
  std::string s = ReadAll("/proc/pressure/" + resource);
  std::istringstream first(s.substr(0, s.find('\n')));
  std::string field;
  while (first >> field) {
    if (field.rfind("total=", 0) == 0) return std::stod(field.substr(6));
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double ReadLoad1() {
  std::string s = ReadAll("/proc/loadavg");
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::stod(s);
}

LogScan ScanServerLog(const std::string& path) {
  LogScan scan;
  std::istringstream in(ReadAll(path));
  std::string line;
  while (std::getline(in, line)) {
    std::string l;
    for (char c : line) {
      if (c != '"') l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto has = [&l](const char* needle) { return l.find(needle) != std::string::npos; };
    bool is_warn = has("level=warn") || has("level:warn");
    bool is_err = has("level=error") || has("level:error") || has("level=fatal") ||
                  has("level:fatal") || has("panic");
    scan.warn += is_warn;
    scan.errors += is_err;
    if ((is_warn || is_err) && scan.first.empty()) scan.first = Truncate(line, 300);
  }
  return scan;
}

double PercentileMs(const std::vector<Nanos>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  auto i = static_cast<int64_t>(std::ceil(q * static_cast<double>(sorted.size()))) - 1;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(sorted[std::max<int64_t>(i, 0)]);
  return static_cast<double>(us.count()) / 1000;
}

std::string Truncate(const std::string& s, size_t n) {
  return s.size() > n ? s.substr(0, n) + "…" : s;
}

}  // namespace hdo::bench
