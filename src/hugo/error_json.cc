#include "hugo/error_json.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace hugo {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 32;  // nested causes/errors deeper than this are cut off

json ErrorToJsonAt(const Error& error, int depth);

json MetadataValueToJson(const MetadataValue& value, int depth) {
  return std::visit(
      [depth](const auto& v) -> json {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, Duration>) {
          return FormatDotNetDuration(v);
        } else if constexpr (std::is_same_v<V, Error>) {
          return ErrorToJsonAt(v, depth + 1);
        } else if constexpr (std::is_same_v<V, ErrorList>) {
          json array = json::array();
          for (const Error& e : v) array.push_back(ErrorToJsonAt(e, depth + 1));
          return array;
        } else {
          return v;
        }
      },
      value);
}

json ErrorToJsonAt(const Error& error, int depth) {
  json out = json::object();
  out["message"] = error.Message();
  if (depth >= kMaxDepth) return out;
  if (!error.Code().empty()) out["code"] = error.Code();
  if (error.Cause() != nullptr) out["cause"] = ErrorToJsonAt(*error.Cause(), depth + 1);
  if (!error.GetMetadata().empty()) {
    json metadata = json::object();
    for (const auto& [key, value] : error.GetMetadata()) {
      metadata[key] = MetadataValueToJson(value, depth);
    }
    out["metadata"] = std::move(metadata);
  }
  return out;
}

bool LooksLikeError(const json& j) {
  return j.is_object() && j.contains("message") && j["message"].is_string();
}

Result<Error> ErrorFromJsonAt(const json& j, int depth);

std::optional<MetadataValue> MetadataValueFromJson(const json& j, int depth) {
  if (j.is_string()) return MetadataValue(j.get<std::string>());
  if (j.is_boolean()) return MetadataValue(j.get<bool>());
  if (j.is_number_integer()) return MetadataValue(j.get<int64_t>());
  if (j.is_number_float()) return MetadataValue(j.get<double>());
  if (j.is_null()) return std::nullopt;
  if (LooksLikeError(j)) {
    Result<Error> nested = ErrorFromJsonAt(j, depth + 1);
    if (nested.IsSuccess()) return MetadataValue(std::move(nested).Value());
  }
  if (j.is_array() && !j.empty() && std::all_of(j.begin(), j.end(), LooksLikeError)) {
    ErrorList errors;
    for (const json& item : j) {
      Result<Error> nested = ErrorFromJsonAt(item, depth + 1);
      if (nested.IsFailure()) return MetadataValue(j.dump());
      errors.push_back(std::move(nested).Value());
    }
    return MetadataValue(std::move(errors));
  }
  return MetadataValue(j.dump());
}

Result<Error> ErrorFromJsonAt(const json& j, int depth) {
  if (!LooksLikeError(j) || depth > kMaxDepth) {
    return Error::From("An error object needs a string 'message'.",
                       std::string(ErrorCodes::kValidation));
  }
  std::string code;
  if (j.contains("code") && j["code"].is_string()) code = j["code"].get<std::string>();
  Error error = Error::From(j["message"].get<std::string>(), code);
  if (j.contains("metadata") && j["metadata"].is_object()) {
    Metadata metadata;
    for (const auto& [key, value] : j["metadata"].items()) {
      std::optional<MetadataValue> converted = MetadataValueFromJson(value, depth);
      if (converted) metadata.insert_or_assign(key, std::move(*converted));
    }
    error = error.WithMetadata(metadata);
  }
  if (j.contains("cause") && LooksLikeError(j["cause"])) {
    Result<Error> cause = ErrorFromJsonAt(j["cause"], depth + 1);
    if (cause.IsSuccess()) {
      Error value = std::move(cause).Value();
      const json& type = j["cause"].contains("type") ? j["cause"]["type"] : json();
      if (type.is_string()) value = value.WithMetadata("exceptionType", type.get<std::string>());
      error = error.WithCause(std::move(value));
    }
  }
  // Not `return error;`: for Result<Error> the implicit constructor from Error means failure.
  return Result<Error>::Ok(std::move(error));
}

}  // namespace

json ErrorToJson(const Error& error) { return ErrorToJsonAt(error, 0); }

Result<Error> ErrorFromJson(const json& json) { return ErrorFromJsonAt(json, 0); }

std::string FormatDotNetDuration(Duration duration) {
  bool negative = duration < Duration::zero();
  // .NET ticks are 100 ns.
  int64_t ticks = (negative ? -duration.count() : duration.count()) / 100;
  int64_t fraction = ticks % 10'000'000;
  int64_t seconds = ticks / 10'000'000;
  int64_t days = seconds / 86400;
  char buffer[64];
  int n = std::snprintf(buffer, sizeof(buffer), "%s", negative ? "-" : "");
  if (days > 0) n += std::snprintf(buffer + n, sizeof(buffer) - n, "%lld.", (long long)days);
  n += std::snprintf(buffer + n, sizeof(buffer) - n, "%02lld:%02lld:%02lld",
                     (long long)(seconds / 3600 % 24), (long long)(seconds / 60 % 60),
                     (long long)(seconds % 60));
  if (fraction > 0) std::snprintf(buffer + n, sizeof(buffer) - n, ".%07lld", (long long)fraction);
  return buffer;
}

std::optional<Duration> ParseDotNetDuration(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  long long days = 0, hours = 0, minutes = 0, seconds = 0;
  std::string s(text);
  std::string::size_type colon = s.find(':');
  std::string::size_type dot = s.find('.');
  if (colon == std::string::npos) return std::nullopt;
  int consumed = 0;
  if (dot != std::string::npos && dot < colon) {
    if (std::sscanf(s.c_str(), "%lld.%lld:%lld:%lld%n", &days, &hours, &minutes, &seconds,
                    &consumed) != 4) {
      return std::nullopt;
    }
  } else if (std::sscanf(s.c_str(), "%lld:%lld:%lld%n", &hours, &minutes, &seconds, &consumed) !=
             3) {
    return std::nullopt;
  }
  int64_t ticks = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 10'000'000;
  std::string_view rest = std::string_view(s).substr(consumed);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() > 8) return std::nullopt;
    std::string digits(rest.substr(1));
    digits.resize(7, '0');
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    ticks += std::stoll(digits);
  }
  Duration value{ticks * 100};
  return negative ? -value : value;
}

}  // namespace hugo
