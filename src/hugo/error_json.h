// The JSON form of hugo::Error, the shape of Hugo's ErrorJsonConverter (errors are stored inside
// deterministic effect envelopes, so this format is a stable, documented contract):
//
//   {"message": "...", "code": "error.timeout",
//    "cause": {<a nested error object>},
//    "metadata": {"duration": "00:00:01.5000000", "attempt": 3, "errors": [{...}, ...]}}
//
// `message` is required; `code`, `cause` and `metadata` are omitted when empty. Metadata values map
// to JSON as: string, integer, double and bool as themselves; Duration as .NET TimeSpan "c" text
// ("[-][d.]hh:mm:ss[.fffffff]"); a nested Error as an error object; an ErrorList as an array of
// error objects. Reading is the inverse, except that a duration comes back as its string (JSON has
// no duration type), and any other nested array/object comes back as its compact JSON text. A cause
// written by .NET (`{type, message, stackTrace}`) reads as an Error with metadata `exceptionType`.
//
// Owner: libhugo. Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "hugo/result.h"

namespace hugo {

nlohmann::json ErrorToJson(const Error& error);
// error.validation when `json` is not an object with a string `message`.
Result<Error> ErrorFromJson(const nlohmann::json& json);

// .NET TimeSpan "c" format, e.g. "1.02:03:04.5000000" or "00:00:01".
std::string FormatDotNetDuration(Duration duration);
std::optional<Duration> ParseDotNetDuration(std::string_view text);

}  // namespace hugo
