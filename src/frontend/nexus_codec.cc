#include "frontend/nexus_codec.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/error_codes.h"
#include "temporal/api/enums/v1/event_type.pb.h"

namespace hdo::frontend {
namespace {

namespace common_pb = temporal::api::common::v1;
namespace failure_pb = temporal::api::failure::v1;

hugo::Error Invalid(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         http::HeaderNameEquals(text.substr(0, prefix.size()), prefix);
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view TrimLeftSpace(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  return text;
}

// mime's token: printable ASCII but space and the tspecials.
bool IsMimeTokenChar(char c) {
  return c > 0x20 && c < 0x7f &&
         std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

bool IsTSpecial(char c) {
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos;
}

std::pair<std::string_view, std::string_view> ConsumeToken(std::string_view text) {
  size_t end = 0;
  while (end < text.size() && IsMimeTokenChar(text[end])) ++end;
  return {text.substr(0, end), text.substr(end)};
}

// A token or a quoted string; an empty value with `rest` unchanged when neither.
std::pair<std::string, std::string_view> ConsumeValue(std::string_view text) {
  if (text.empty()) return {"", text};
  if (text[0] != '"') {
    auto [token, rest] = ConsumeToken(text);
    return {std::string(token), rest};
  }
  std::string value;
  for (size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') return {value, text.substr(i + 1)};
    if (c == '\\' && i + 1 < text.size() && IsTSpecial(text[i + 1])) {
      value.push_back(text[++i]);
    } else if (c == '\r' || c == '\n') {
      return {"", text};
    } else {
      value.push_back(c);
    }
  }
  return {"", text};  // no closing quote
}

// Go's strconv.Quote for the ASCII a message type holds.
std::string GoQuote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          quoted += "\\x";
          quoted.push_back(kHex[(c >> 4) & 0xF]);
          quoted.push_back(kHex[c & 0xF]);
        } else {
          quoted.push_back(c);
        }
    }
  }
  return quoted + "\"";
}

void SetUnknownContent(const NexusHeader& header, common_pb::Payload* payload) {
  auto& metadata = *payload->mutable_metadata();
  for (const auto& [name, value] : header) metadata[name] = value;
  metadata["encoding"] = "unknown/nexus-content";
}

NexusContent TemporalPayloadContent(const common_pb::Payload& payload) {
  NexusContent content;
  content.header["type"] = "application/x-temporal-payload";
  content.data = payload.SerializeAsString();
  return content;
}

// Go's json.Marshal: invalid UTF-8 replaced rather than refused.
std::string DumpJson(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The failure's metadata and details (its message dropped) as one json/plain payload; none when
// it has neither (reference: nexusFailureMetadataToPayloads).
hugo::Result<std::optional<common_pb::Payloads>> MetadataAndDetailsPayloads(
    const NexusFailure& failure) {
  if (failure.metadata.empty() && failure.details.empty())
    return hugo::Ok(std::optional<common_pb::Payloads>());
  NexusFailure rest = failure;
  rest.message.clear();
  auto json = NexusFailureJson(rest);
  if (json.IsFailure()) return json.Error();
  common_pb::Payloads payloads;
  common_pb::Payload* payload = payloads.add_payloads();
  (*payload->mutable_metadata())["encoding"] = "json/plain";
  payload->set_data(std::move(json).Value());
  return hugo::Ok(std::optional<common_pb::Payloads>(std::move(payloads)));
}

bool IsValidLinkType(std::string_view type) {
  if (type.empty()) return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '/';
  });
}

// Go's url.ParseQuery succeeds: every escape is well-formed and no ';' separates pairs.
bool IsValidQuery(std::string_view query) {
  if (query.find(';') != std::string_view::npos) return false;
  while (!query.empty()) {
    size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    size_t equals = pair.find('=');
    if (!http::PercentDecode(pair.substr(0, equals), true).has_value()) return false;
    if (equals != std::string_view::npos && !http::PercentDecode(pair.substr(equals + 1), true)) {
      return false;
    }
  }
  return true;
}

// The parts of a URL a link needs: scheme, escaped path and raw query.
struct UrlParts {
  std::string scheme;
  std::string path;
  std::string query;
};

std::optional<UrlParts> SplitUrl(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ') return std::nullopt;
  }
  UrlParts parts;
  url = url.substr(0, url.find('#'));
  size_t question = url.find('?');
  if (question != std::string_view::npos) {
    parts.query = url.substr(question + 1);
    url = url.substr(0, question);
  }
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  if (colon != std::string_view::npos && colon > 0 &&
      (slash == std::string_view::npos || colon < slash)) {
    parts.scheme = Lower(url.substr(0, colon));
    url = url.substr(colon + 1);
  }
  if (url.substr(0, 2) == "//") {
    url = url.substr(2);
    size_t path_start = url.find('/');
    url = path_start == std::string_view::npos ? std::string_view() : url.substr(path_start);
  }
  parts.path = url;
  if (!http::PercentDecode(parts.path).has_value()) return std::nullopt;
  return parts;
}

std::optional<NexusLink> DecodeLink(std::string_view encoded) {
  encoded = TrimSpace(encoded);
  if (encoded.empty() || encoded[0] != '<') return std::nullopt;
  size_t url_end = encoded.find('>');
  if (url_end == std::string_view::npos) return std::nullopt;
  NexusLink link;
  link.url = TrimSpace(encoded.substr(1, url_end - 1));
  auto parts = SplitUrl(link.url);
  if (link.url.empty() || !parts.has_value() || !IsValidQuery(parts->query)) return std::nullopt;
  std::vector<std::string_view> params;
  std::string_view rest = encoded.substr(url_end + 1);
  while (true) {
    size_t semicolon = rest.find(';');
    params.push_back(rest.substr(0, semicolon));
    if (semicolon == std::string_view::npos) break;
    rest = rest.substr(semicolon + 1);
  }
  if (params.size() < 2 || !TrimSpace(params[0]).empty()) return std::nullopt;
  bool type_found = false;
  for (size_t i = 1; i < params.size(); ++i) {
    std::string_view param = TrimSpace(params[i]);
    size_t equals = param.find('=');
    if (param.empty() || equals == std::string_view::npos) return std::nullopt;
    std::string_view key = TrimSpace(param.substr(0, equals));
    std::string_view value = TrimSpace(param.substr(equals + 1));
    const bool opens = !value.empty() && value.front() == '"';
    const bool closes = !value.empty() && value.back() == '"';
    if (opens != closes) return std::nullopt;
    if (opens) value = value.size() >= 2 ? value.substr(1, value.size() - 2) : std::string_view();
    if (key == "type") {
      if (!IsValidLinkType(value)) return std::nullopt;
      link.type = value;
      type_found = true;
    }
  }
  if (!type_found) return std::nullopt;
  return link;
}

// "WorkflowExecutionStarted" or "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED" (Go's
// EventTypeFromString).
std::optional<temporal::api::enums::v1::EventType> EventTypeFromString(const std::string& text) {
  temporal::api::enums::v1::EventType type;
  if (temporal::api::enums::v1::EventType_Parse(text, &type)) return type;
  if (text.empty() || !(text[0] >= 'A' && text[0] <= 'Z')) return std::nullopt;
  std::string name = "EVENT_TYPE_";
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') {
      if (i > 0) name.push_back('_');
      name.push_back(c);
    } else if (c >= 'a' && c <= 'z') {
      name.push_back(static_cast<char>(c - 'a' + 'A'));
    } else {
      return std::nullopt;
    }
  }
  if (temporal::api::enums::v1::EventType_Parse(name, &type)) return type;
  return std::nullopt;
}

// EVENT_TYPE_WORKFLOW_EXECUTION_STARTED → "WorkflowExecutionStarted" (the Go API's String()).
std::string EventTypeShorthand(temporal::api::enums::v1::EventType type) {
  std::string name = temporal::api::enums::v1::EventType_Name(type);
  if (name.rfind("EVENT_TYPE_", 0) == 0) name = name.substr(11);
  std::string shorthand;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    shorthand.push_back(upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    upper = false;
  }
  return shorthand;
}

// Go's url.QueryEscape: unreserved kept, space as '+'.
std::string QueryEscape(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (c == ' ') {
      escaped.push_back('+');
    } else {
      escaped += http::PercentEncode(std::string_view(&c, 1));
    }
  }
  return escaped;
}

// Go's url.PathEscape: unreserved and the sub-delims a segment may hold kept.
std::string PathEscape(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (std::string_view("$&+,:;=@").find(c) != std::string_view::npos) {
      escaped.push_back(c);
    } else {
      escaped += http::PercentEncode(std::string_view(&c, 1));
    }
  }
  return escaped;
}

constexpr std::string_view kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<int> Digits(std::string_view text) {
  int value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

NexusContent NexusContentFromHttp(const std::vector<http::HeaderField>& headers, std::string body) {
  NexusContent content;
  for (const http::HeaderField& field : headers) {
    if (!StartsWithNoCase(field.name, "content-")) continue;
    // Nexus headers have one value: the first wins.
    content.header.emplace(Lower(std::string_view(field.name).substr(8)), field.value);
  }
  content.data = std::move(body);
  return content;
}

std::vector<http::HeaderField> NexusContentHttpHeaders(const NexusContent& content) {
  std::vector<http::HeaderField> fields;
  for (const auto& [name, value] : content.header) {
    if (name == "length") continue;
    fields.push_back({http::CanonicalHeaderName("content-" + name), value});
  }
  return fields;
}

hugo::Result<common_pb::Payload> PayloadFromNexusContent(const NexusContent& content) {
  common_pb::Payload payload;
  payload.set_data(content.data);
  NexusHeader header = content.header;
  // Encoding is the transport's (the body is decoded); the length is the body's.
  header.erase("encoding");
  header.erase("length");
  auto& metadata = *payload.mutable_metadata();
  if (header.size() > 1) {
    SetUnknownContent(header, &payload);
    return hugo::Ok(payload);
  }
  auto type = header.find("type");
  if (type == header.end() || type->second.empty()) {
    if (header.empty() && content.data.empty()) {
      metadata["encoding"] = "binary/null";
    } else {
      SetUnknownContent(header, &payload);
    }
    return hugo::Ok(payload);
  }
  std::optional<MediaType> media = ParseMediaType(type->second);
  if (!media.has_value()) {
    SetUnknownContent(header, &payload);
    return hugo::Ok(payload);
  }
  const auto& parameters = media->parameters;
  auto parameter = [&parameters](const std::string& name) {
    auto found = parameters.find(name);
    return found == parameters.end() ? std::string() : found->second;
  };
  if (media->type == "application/x-temporal-payload") {
    common_pb::Payload decoded;
    if (!decoded.ParseFromString(content.data)) {
      return Invalid("content of type application/x-temporal-payload is not a Payload");
    }
    return hugo::Ok(decoded);
  }
  if (media->type == "application/json" && parameters.empty()) {
    metadata["encoding"] = "json/plain";
  } else if (media->type == "application/json" && parameters.size() == 2 &&
             parameter("format") == "protobuf" && !parameter("message-type").empty()) {
    metadata["encoding"] = "json/protobuf";
    metadata["messageType"] = parameter("message-type");
  } else if (media->type == "application/x-protobuf" && parameters.size() == 1 &&
             !parameter("message-type").empty()) {
    metadata["encoding"] = "binary/protobuf";
    metadata["messageType"] = parameter("message-type");
  } else if (media->type == "application/octet-stream" && parameters.empty()) {
    metadata["encoding"] = "binary/plain";
  } else {
    SetUnknownContent(header, &payload);
  }
  return hugo::Ok(payload);
}

NexusContent NexusContentFromPayload(const common_pb::Payload* payload) {
  if (payload == nullptr) return {};
  if (payload->metadata().empty()) return TemporalPayloadContent(*payload);
  const auto& metadata = payload->metadata();
  auto value = [&metadata](const std::string& name) {
    auto found = metadata.find(name);
    return found == metadata.end() ? std::string() : found->second;
  };
  const std::string encoding = value("encoding");
  const std::string message_type = value("messageType");
  NexusContent content;
  content.data = payload->data();
  if (encoding == "unknown/nexus-content") {
    for (const auto& [name, field] : metadata) {
      if (name != "encoding") content.header[name] = field;
    }
  } else if (encoding == "json/protobuf" || encoding == "binary/protobuf") {
    if (metadata.size() != 2 || message_type.empty()) return TemporalPayloadContent(*payload);
    content.header["type"] = (encoding == "json/protobuf" ? "application/json; format=protobuf; "
                                                          : "application/x-protobuf; ") +
                             std::string("message-type=") + GoQuote(message_type);
  } else if (encoding == "json/plain") {
    content.header["type"] = "application/json";
  } else if (encoding == "binary/null") {
    if (metadata.size() != 1) return TemporalPayloadContent(*payload);
  } else if (encoding == "binary/plain") {
    if (metadata.size() != 1) return TemporalPayloadContent(*payload);
    content.header["type"] = "application/octet-stream";
  } else {
    return TemporalPayloadContent(*payload);
  }
  return content;
}

hugo::Result<std::string> NexusFailureJson(const NexusFailure& failure) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  json["message"] = failure.message;
  if (!failure.metadata.empty()) {
    nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
    for (const auto& [name, value] : failure.metadata) metadata[name] = value;
    json["metadata"] = std::move(metadata);
  }
  if (!failure.details.empty()) {
    auto details = nlohmann::ordered_json::parse(failure.details, nullptr, false);
    if (details.is_discarded()) return Invalid("failure details are not JSON");
    json["details"] = std::move(details);
  }
  return hugo::Ok(DumpJson(json));
}

hugo::Result<NexusFailure> ParseNexusFailure(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return Invalid("the failure is not JSON");
  NexusFailure failure;
  if (json.is_null()) return hugo::Ok(failure);
  if (!json.is_object()) return Invalid("the failure is not a JSON object");
  for (const auto& [key, value] : json.items()) {
    const std::string name = Lower(key);
    if (value.is_null()) continue;
    if (name == "message") {
      if (!value.is_string()) return Invalid("failure message is not a string");
      failure.message = value.get<std::string>();
    } else if (name == "metadata") {
      if (!value.is_object()) return Invalid("failure metadata is not an object");
      for (const auto& [metadata_key, metadata_value] : value.items()) {
        if (!metadata_value.is_string()) return Invalid("failure metadata value is not a string");
        failure.metadata[metadata_key] = metadata_value.get<std::string>();
      }
    } else if (name == "details") {
      failure.details = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  return hugo::Ok(failure);
}

NexusFailure NexusFailureFromProto(const temporal::api::nexus::v1::Failure& failure) {
  NexusFailure converted;
  converted.message = failure.message();
  converted.metadata.insert(failure.metadata().begin(), failure.metadata().end());
  converted.details = failure.details();
  return converted;
}

temporal::api::nexus::v1::Failure NexusFailureToProto(const NexusFailure& failure) {
  temporal::api::nexus::v1::Failure converted;
  converted.set_message(failure.message);
  converted.mutable_metadata()->insert(failure.metadata.begin(), failure.metadata.end());
  converted.set_details(failure.details);
  return converted;
}

NexusFailure NexusFailureFromTemporal(const failure_pb::Failure& failure) {
  failure_pb::Failure without_message = failure;
  without_message.clear_message();
  NexusFailure converted;
  converted.message = failure.message();
  converted.metadata["type"] = kNexusFailureTypeTemporal;
  // Serializing a message to JSON fails only for invalid UTF-8 in a string, which a Failure from
  // the API cannot hold.
  (void)google::protobuf::util::MessageToJsonString(without_message, &converted.details);
  return converted;
}

hugo::Result<failure_pb::Failure> TemporalFailureFromNexus(const NexusFailure& failure,
                                                           bool retryable) {
  failure_pb::Failure converted;
  auto type = failure.metadata.find("type");
  if (type != failure.metadata.end() && type->second == kNexusFailureTypeTemporal) {
    if (!google::protobuf::util::JsonStringToMessage(failure.details, &converted).ok()) {
      return Invalid("failure details are not a temporal.api.failure.v1.Failure");
    }
  } else {
    auto payloads = MetadataAndDetailsPayloads(failure);
    if (payloads.IsFailure()) return payloads.Error();
    auto* info = converted.mutable_application_failure_info();
    info->set_type("NexusFailure");
    if (payloads.Value().has_value()) *info->mutable_details() = std::move(*payloads.Value());
    info->set_non_retryable(!retryable);
  }
  converted.set_message(failure.message);
  return hugo::Ok(converted);
}

hugo::Result<failure_pb::Failure> OperationFailureFromNexus(const NexusFailure& failure,
                                                            bool canceled) {
  if (!canceled) return TemporalFailureFromNexus(failure, /*retryable=*/false);
  auto type = failure.metadata.find("type");
  if (type != failure.metadata.end() && type->second == kNexusFailureTypeTemporal) {
    auto converted = TemporalFailureFromNexus(failure, /*retryable=*/false);
    if (converted.IsFailure()) return converted.Error();
    if (converted.Value().has_canceled_failure_info()) return converted;
  }
  auto payloads = MetadataAndDetailsPayloads(failure);
  if (payloads.IsFailure()) return payloads.Error();
  failure_pb::Failure converted;
  converted.set_message(failure.message);
  auto* info = converted.mutable_canceled_failure_info();
  if (payloads.Value().has_value()) *info->mutable_details() = std::move(*payloads.Value());
  return hugo::Ok(converted);
}

hugo::Result<std::string> EncodeNexusLink(const NexusLink& link) {
  auto parts = SplitUrl(link.url);
  if (link.url.empty() || !parts.has_value() || !IsValidQuery(parts->query)) {
    return Invalid("failed to encode link: invalid url: " + link.url);
  }
  if (!IsValidLinkType(link.type)) {
    return Invalid(
        "failed to encode link: link type contains invalid char (valid chars: "
        "alphanumeric, '_', '.', '/')");
  }
  return hugo::Ok("<" + link.url + ">; type=\"" + link.type + "\"");
}

hugo::Result<std::vector<NexusLink>> DecodeNexusLinks(const std::vector<std::string_view>& values) {
  std::vector<NexusLink> links;
  if (values.empty()) return hugo::Ok(links);
  std::string joined;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) joined += ",";
    joined += values[i];
  }
  std::string_view rest(joined);
  while (true) {
    size_t comma = rest.find(',');
    std::optional<NexusLink> link = DecodeLink(rest.substr(0, comma));
    if (!link.has_value()) return Invalid("failed to parse link header");
    links.push_back(std::move(*link));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return hugo::Ok(links);
}

hugo::Result<common_pb::Link> LinkFromNexusLink(const NexusLink& link) {
  const std::string& expected = common_pb::Link::WorkflowEvent::descriptor()->full_name();
  if (link.type != expected) {
    return Invalid("cannot parse link type \"" + link.type + "\" to \"" + expected + "\"");
  }
  auto parts = SplitUrl(link.url);
  if (!parts.has_value() || parts->scheme != "temporal") {
    return Invalid("failed to parse link to Link_WorkflowEvent: invalid scheme");
  }
  // /namespaces/{namespace}/workflows/{workflow_id}/{run_id}/history, each segment escaped.
  std::vector<std::string_view> segments;
  std::string_view path(parts->path);
  if (path.empty() || path[0] != '/') {
    return Invalid("failed to parse link to Link_WorkflowEvent: malformed URL path");
  }
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path = path.substr(slash + 1);
  }
  if (segments.size() != 6 || segments[0] != "namespaces" || segments[2] != "workflows" ||
      segments[5] != "history" || segments[1].empty() || segments[3].empty() ||
      segments[4].empty()) {
    return Invalid("failed to parse link to Link_WorkflowEvent: malformed URL path");
  }
  auto namespace_name = http::PercentDecode(segments[1]);
  auto workflow_id = http::PercentDecode(segments[3]);
  auto run_id = http::PercentDecode(segments[4]);
  if (!namespace_name || !workflow_id || !run_id) {
    return Invalid("failed to parse link to Link_WorkflowEvent: invalid escape");
  }
  common_pb::Link converted;
  auto* event = converted.mutable_workflow_event();
  event->set_namespace_(*namespace_name);
  event->set_workflow_id(*workflow_id);
  event->set_run_id(*run_id);
  const std::string reference = http::QueryValue(parts->query, "referenceType").value_or("");
  auto event_type = EventTypeFromString(http::QueryValue(parts->query, "eventType").value_or(""));
  if (reference == "EventReference") {
    if (!event_type.has_value())
      return Invalid("failed to parse link to Link_WorkflowEvent: event type");
    auto* ref = event->mutable_event_ref();
    const std::string event_id = http::QueryValue(parts->query, "eventID").value_or("");
    if (!event_id.empty()) {
      int64_t id = 0;
      auto [end, error] = std::from_chars(event_id.data(), event_id.data() + event_id.size(), id);
      if (error != std::errc() || end != event_id.data() + event_id.size()) {
        return Invalid("failed to parse link to Link_WorkflowEvent: event id");
      }
      ref->set_event_id(id);
    }
    ref->set_event_type(*event_type);
  } else if (reference == "RequestIdReference") {
    if (!event_type.has_value())
      return Invalid("failed to parse link to Link_WorkflowEvent: event type");
    auto* ref = event->mutable_request_id_ref();
    ref->set_request_id(http::QueryValue(parts->query, "requestID").value_or(""));
    ref->set_event_type(*event_type);
  } else {
    return Invalid("failed to parse link to Link_WorkflowEvent: unknown reference type: \"" +
                   reference + "\"");
  }
  return hugo::Ok(converted);
}

NexusLink NexusLinkFromWorkflowEvent(const common_pb::Link::WorkflowEvent& event) {
  NexusLink link;
  link.type = common_pb::Link::WorkflowEvent::descriptor()->full_name();
  link.url = "temporal:///namespaces/" + PathEscape(event.namespace_()) + "/workflows/" +
             PathEscape(event.workflow_id()) + "/" + PathEscape(event.run_id()) + "/history";
  // Go's url.Values.Encode: keys sorted.
  std::map<std::string, std::string> query;
  if (event.has_event_ref()) {
    query["referenceType"] = "EventReference";
    if (event.event_ref().event_id() > 0) {
      query["eventID"] = std::to_string(event.event_ref().event_id());
    }
    query["eventType"] = EventTypeShorthand(event.event_ref().event_type());
  } else if (event.has_request_id_ref()) {
    query["referenceType"] = "RequestIdReference";
    query["requestID"] = event.request_id_ref().request_id();
    query["eventType"] = EventTypeShorthand(event.request_id_ref().event_type());
  }
  std::string encoded;
  for (const auto& [key, value] : query) {
    encoded += (encoded.empty() ? "" : "&") + QueryEscape(key) + "=" + QueryEscape(value);
  }
  if (!encoded.empty()) link.url += "?" + encoded;
  return link;
}

std::optional<std::chrono::milliseconds> ParseNexusDuration(std::string_view text) {
  // ^(\d+(?:\.\d+)?)(ms|s|m)$
  size_t unit_at = text.find_first_not_of("0123456789.");
  if (unit_at == 0 || unit_at == std::string_view::npos) return std::nullopt;
  std::string_view number = text.substr(0, unit_at);
  std::string_view unit = text.substr(unit_at);
  size_t dot = number.find('.');
  if (dot != std::string_view::npos && (dot == 0 || dot + 1 == number.size() ||
                                        number.find('.', dot + 1) != std::string_view::npos)) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  double ms = 0;
  if (unit == "ms") {
    ms = value;
  } else if (unit == "s") {
    ms = value * 1e3;
  } else if (unit == "m") {
    ms = value * 1e3 * 60;
  } else {
    return std::nullopt;
  }
  if (ms > 1e15) return std::nullopt;  // centuries: not a timeout
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

std::string FormatNexusDuration(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + "ms";
}

std::optional<google::protobuf::Timestamp> ParseHttpDate(std::string_view text) {
  // "Mon, 02 Jan 2006 15:04:05 GMT"
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(std::begin(kWeekdays), std::end(kWeekdays), text.substr(0, 3)) ==
      std::end(kWeekdays)) {
    return std::nullopt;
  }
  auto month = std::find(std::begin(kMonths), std::end(kMonths), text.substr(8, 3));
  auto day = Digits(text.substr(5, 2));
  auto year = Digits(text.substr(12, 4));
  auto hour = Digits(text.substr(17, 2));
  auto minute = Digits(text.substr(20, 2));
  auto second = Digits(text.substr(23, 2));
  if (month == std::end(kMonths) || !day || !year || !hour || !minute || !second || *day < 1 ||
      *day > 31 || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  std::tm time{};
  time.tm_year = *year - 1900;
  time.tm_mon = static_cast<int>(month - std::begin(kMonths));
  time.tm_mday = *day;
  time.tm_hour = *hour;
  time.tm_min = *minute;
  time.tm_sec = *second;
  google::protobuf::Timestamp parsed;
  parsed.set_seconds(timegm(&time));
  return parsed;
}

std::string FormatHttpDate(const google::protobuf::Timestamp& time) {
  std::time_t seconds = static_cast<std::time_t>(time.seconds());
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                std::string(kWeekdays[utc.tm_wday]).c_str(), utc.tm_mday,
                std::string(kMonths[utc.tm_mon]).c_str(), utc.tm_year + 1900, utc.tm_hour,
                utc.tm_min, utc.tm_sec);
  return text;
}

std::optional<MediaType> ParseMediaType(std::string_view text) {
  size_t semicolon = text.find(';');
  MediaType media;
  media.type = Lower(TrimSpace(text.substr(0, semicolon)));
  // type or type/subtype, both tokens.
  auto [main_type, after_main] = ConsumeToken(media.type);
  if (main_type.empty()) return std::nullopt;
  if (!after_main.empty()) {
    if (after_main[0] != '/') return std::nullopt;
    auto [subtype, after_sub] = ConsumeToken(after_main.substr(1));
    if (subtype.empty() || !after_sub.empty()) return std::nullopt;
  }
  std::string_view rest =
      semicolon == std::string_view::npos ? std::string_view() : text.substr(semicolon);
  while (!rest.empty()) {
    rest = TrimLeftSpace(rest);
    if (rest.empty()) break;
    // ; name = value
    std::string_view param = rest;
    bool valid = !param.empty() && param[0] == ';';
    std::string key;
    std::string value;
    if (valid) {
      param = TrimLeftSpace(param.substr(1));
      auto [name, after_name] = ConsumeToken(param);
      key = Lower(name);
      param = TrimLeftSpace(after_name);
      valid = !key.empty() && !param.empty() && param[0] == '=';
      if (valid) {
        param = TrimLeftSpace(param.substr(1));
        auto [parsed, after_value] = ConsumeValue(param);
        valid = !(parsed.empty() && after_value == param);
        value = std::move(parsed);
        param = after_value;
      }
    }
    if (!valid) {
      if (TrimSpace(rest) == ";") break;  // a trailing semicolon is allowed
      return std::nullopt;
    }
    auto existing = media.parameters.find(key);
    if (existing != media.parameters.end() && existing->second != value) return std::nullopt;
    media.parameters[key] = value;
    rest = param;
  }
  return media;
}

}  // namespace hdo::frontend
