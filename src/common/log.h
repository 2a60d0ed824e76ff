// Structured logging for the whole server: a static message plus key=value fields, one line per
// record on stderr, in logfmt (`ts=... level=info msg="server started" grpc_address=...`) or, as
// the reference CLI's `--log-format json`, one JSON object per line
// (`{"ts":"...","level":"info","msg":"server started","grpc_address":"..."}`).
// Thread-safe: records from different threads never interleave within a line. The level is
// process-wide and set once at startup (SetLevel); records below it cost one atomic load.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace hdo::log {

// kNever writes nothing (the reference CLI's `--log-level never`).
enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kNever = 4 };

// How records are written; process-wide, set once at startup like the level.
enum class Encoding { kLogfmt, kJson };

// One key=value field. Values are rendered as text; they are quoted when they contain spaces,
// quotes or '='.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, uint32_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  std::string_view key;
  std::string value;
};

void SetLevel(Level level);
Level GetLevel();
// Parses "debug", "info", "warn", "error" or "never"; false on anything else.
bool ParseLevel(std::string_view text, Level* level);
std::string_view LevelName(Level level);

void SetEncoding(Encoding encoding);
Encoding GetEncoding();
// Parses the reference CLI's `--log-format` values: "text" and "pretty" (logfmt, also "logfmt")
// or "json"; false on anything else.
bool ParseEncoding(std::string_view text, Encoding* encoding);

// Renders one record as it is written (without the trailing newline), in `encoding` (by
// default the process's). Exposed for tests.
std::string Format(Level level, std::string_view message, std::initializer_list<Field> fields);
std::string Format(Encoding encoding, Level level, std::string_view message,
                   std::initializer_list<Field> fields);

void Write(Level level, std::string_view message, std::initializer_list<Field> fields);

inline void Debug(std::string_view message, std::initializer_list<Field> fields = {}) {
  if (GetLevel() <= Level::kDebug) Write(Level::kDebug, message, fields);
}
inline void Info(std::string_view message, std::initializer_list<Field> fields = {}) {
  if (GetLevel() <= Level::kInfo) Write(Level::kInfo, message, fields);
}
inline void Warn(std::string_view message, std::initializer_list<Field> fields = {}) {
  if (GetLevel() <= Level::kWarn) Write(Level::kWarn, message, fields);
}
inline void Error(std::string_view message, std::initializer_list<Field> fields = {}) {
  if (GetLevel() <= Level::kError) Write(Level::kError, message, fields);
}

}  // namespace hdo::log
