// The Go renderings and parsers the reference applies to search attribute values and list filter
// literals, reproduced so that hdo's replies and messages read the same: encoding/json strings and
// numbers, fmt's %v of decoded JSON, time.RFC3339Nano times, time.ParseDuration (with the
// reference's "d" for days) and strconv's integer and float syntax.
//
// Internal to src/visibility. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace hdo::visibility::go {

// utf8.ValidString.
bool IsValidUtf8(std::string_view text);
// encoding/json of a string: HTML-safe (\u003c \u003e \u0026), \u2028 and \u2029 escaped,
// invalid UTF-8 as \ufffd.
void AppendJsonString(std::string& out, std::string_view text);
// encoding/json of a float64: shortest digits, plain between 1e-6 and 1e21, else exponent form
// ("1e+21", "1e-7"). Precondition: finite.
std::string JsonFloat(double value);
// strconv.FormatFloat(value, 'f', -1, 64): shortest digits, never an exponent.
std::string FixedFloat(double value);
// fmt's %v of a float64 (%g with shortest digits: "1e+06", "123456", "1.5e-05").
std::string FloatV(double value);
// fmt's %v of a JSON value decoded into interface{}: strings bare, numbers as float64, lists
// "[a b]", objects "map[k:v]" (keys sorted), null "<nil>".
std::string FormatV(const nlohmann::json& value);

// time.Parse(time.RFC3339Nano, text) as nanoseconds since the Unix epoch: "2006-01-02T15:04:05Z",
// optional fraction ('.' or ',', digits past the ninth ignored), "Z" or "+hh:mm"/"-hh:mm".
// nullopt when the text is not such a time. A time that does not fit int64 nanoseconds
// (1677-09-21 .. 2262-04-11) is nullopt too, or with `saturate` the nearest int64.
std::optional<int64_t> ParseRfc3339(std::string_view text, bool saturate = false);
// time.Time.Format(time.RFC3339Nano) in UTC: "2024-01-02T03:04:05.12Z".
std::string FormatRfc3339Nano(int64_t unix_nanos);

// The reference's timestamp.ParseDuration: time.ParseDuration plus the unit "d" (24 hours).
// Nanoseconds; nullopt when invalid or out of int64.
std::optional<int64_t> ParseDuration(std::string_view text);
// timestamp.ParseHHMMSSDuration: "h:m:s" (minutes and seconds 0..59). On failure, the reference's
// error text ("invalid duration", "invalid duration: minutes must be from 0 to 59", ...).
struct HhMmSs {
  std::optional<int64_t> nanos;
  std::string error;
};
HhMmSs ParseHhMmSs(std::string_view text);

// strconv.ParseInt(text, 10, 64).
std::optional<int64_t> ParseInt64(std::string_view text);
// strconv.ParseFloat(text, 64) for decimal syntax ([+-]digits[.digits][e[+-]digits]); out of
// range is an error as in Go.
std::optional<double> ParseFloat64(std::string_view text);

}  // namespace hdo::visibility::go
