#include "common/log.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace hdo::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Encoding> g_encoding{Encoding::kLogfmt};
std::mutex g_write_mutex;

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

// `value` as a JSON string, quotes included.
void AppendJsonString(std::string& out, std::string_view value) {
  out.push_back('"');
  for (char c : value) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\r':
        out.append("\\r");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          std::array<char, 8> escaped{};
          std::snprintf(escaped.data(), escaped.size(), "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out.append(escaped.data());
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// A logfmt value: as it is, or quoted with the JSON string escapes where it needs quotes.
void AppendValue(std::string& out, std::string_view value) {
  if (!NeedsQuotes(value)) {
    out.append(value);
    return;
  }
  AppendJsonString(out, value);
}

// RFC 3339 UTC with milliseconds. Logging is the one place that reads the wall clock directly:
// records are for operators, never for logic.
std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buffer.data();
}

}  // namespace

void SetLevel(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level GetLevel() { return g_level.load(std::memory_order_relaxed); }

bool ParseLevel(std::string_view text, Level* level) {
  if (text == "debug")
    *level = Level::kDebug;
  else if (text == "info")
    *level = Level::kInfo;
  else if (text == "warn")
    *level = Level::kWarn;
  else if (text == "error")
    *level = Level::kError;
  else if (text == "never")
    *level = Level::kNever;
  else
    return false;
  return true;
}

void SetEncoding(Encoding encoding) { g_encoding.store(encoding, std::memory_order_relaxed); }
Encoding GetEncoding() { return g_encoding.load(std::memory_order_relaxed); }

bool ParseEncoding(std::string_view text, Encoding* encoding) {
  if (text == "text" || text == "pretty" || text == "logfmt") {
    *encoding = Encoding::kLogfmt;
  } else if (text == "json") {
    *encoding = Encoding::kJson;
  } else {
    return false;
  }
  return true;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kNever:
      return "never";
  }
  return "unknown";
}

std::string Format(Level level, std::string_view message, std::initializer_list<Field> fields) {
  return Format(GetEncoding(), level, message, fields);
}

std::string Format(Encoding encoding, Level level, std::string_view message,
                   std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(128);
  if (encoding == Encoding::kJson) {
    line.append("{\"ts\":\"").append(Timestamp());
    line.append("\",\"level\":\"").append(LevelName(level));
    line.append("\",\"msg\":");
    AppendJsonString(line, message);
    for (const Field& field : fields) {
      line.push_back(',');
      AppendJsonString(line, field.key);
      line.push_back(':');
      AppendJsonString(line, field.value);
    }
    line.push_back('}');
    return line;
  }
  line.append("ts=").append(Timestamp());
  line.append(" level=").append(LevelName(level));
  line.append(" msg=");
  AppendValue(line, message);
  for (const Field& field : fields) {
    line.push_back(' ');
    line.append(field.key).push_back('=');
    AppendValue(line, field.value);
  }
  return line;
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  std::string line = Format(level, message, fields);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace hdo::log
