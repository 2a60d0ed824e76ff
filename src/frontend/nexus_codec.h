// The Nexus HTTP API's encodings and their Temporal counterparts, as the reference converts them
// (temporal common/nexus: payload_serializer.go, failure.go; components/nexusoperations:
// link_converter.go; nexus-rpc sdk-go: api.go): a message's content (Content-* headers and body)
// and a temporal Payload; the Nexus failure JSON and a temporal Failure; Nexus-Link header values
// and temporal Links; the Request-Timeout duration; the HTTP date of Nexus-Operation-Start-Time.
// Used by the Nexus HTTP handler (nexus_http.h), and by anything that sends Nexus requests or
// completions to another server.
//
// Pure functions; thread-safe.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_message.h"
#include "hugo/result.h"
#include "temporal/api/common/v1/message.pb.h"
#include "temporal/api/failure/v1/message.pb.h"
#include "temporal/api/nexus/v1/message.pb.h"

namespace hdo::frontend {

// A Nexus header: lower-case names, one value each.
using NexusHeader = std::map<std::string, std::string>;

// A message's content: its Content-* headers without the prefix ("type", "length", "encoding")
// and its body.
struct NexusContent {
  NexusHeader header;
  std::string data;
};

// The content of an HTTP message: its Content-* fields (first value of each), lower-cased and
// stripped of "content-", and `body`.
NexusContent NexusContentFromHttp(const std::vector<http::HeaderField>& headers, std::string body);
// Content as HTTP header fields ("type" → Content-Type), without Content-Length (the listener
// writes it from the body).
std::vector<http::HeaderField> NexusContentHttpHeaders(const NexusContent& content);

// Content to a Payload (reference: payloadSerializer.Deserialize): JSON, protobuf (binary or JSON)
// and octet-stream media types map to their standard encodings, no content to binary/null,
// application/x-temporal-payload is a serialized Payload (InvalidArgument when it does not
// parse), anything else is kept as metadata with encoding unknown/nexus-content.
hugo::Result<temporal::api::common::v1::Payload> PayloadFromNexusContent(
    const NexusContent& content);
// A Payload to content (reference: payloadSerializer.Serialize): the inverse of the above; a
// Payload no media type describes goes whole as application/x-temporal-payload; null (no payload
// at all) is empty content.
NexusContent NexusContentFromPayload(const temporal::api::common::v1::Payload* payload);

// A Nexus failure: the JSON body of failed answers and completions.
struct NexusFailure {
  std::string message;
  std::map<std::string, std::string> metadata;
  std::string details;  // JSON text; empty when absent
};

// {"message":…,"metadata":{…},"details":…} (metadata and details omitted when empty), as Go's
// encoding/json writes it; InvalidArgument when `details` is not JSON.
hugo::Result<std::string> NexusFailureJson(const NexusFailure& failure);
// The JSON above read as Go's encoding/json reads it (field names matched without case, unknown
// fields ignored, null as absent); InvalidArgument when it is not such an object.
hugo::Result<NexusFailure> ParseNexusFailure(std::string_view json);

NexusFailure NexusFailureFromProto(const temporal::api::nexus::v1::Failure& failure);
temporal::api::nexus::v1::Failure NexusFailureToProto(const NexusFailure& failure);

// The metadata "type" a Nexus failure carries when its details are a temporal Failure's JSON.
inline constexpr char kNexusFailureTypeTemporal[] = "temporal.api.failure.v1.Failure";

// A temporal Failure as a Nexus failure (reference: APIFailureToNexusFailure): its message, the
// metadata type above, and the failure's protobuf JSON without the message as details.
NexusFailure NexusFailureFromTemporal(const temporal::api::failure::v1::Failure& failure);
// A Nexus failure as a temporal Failure (reference: NexusFailureToAPIFailure): the Failure its
// details carry when its type says so (InvalidArgument when they do not parse), else an
// application failure of type "NexusFailure" with the failure's metadata and details as JSON
// payload; the message is the Nexus failure's in both cases.
hugo::Result<temporal::api::failure::v1::Failure> TemporalFailureFromNexus(
    const NexusFailure& failure, bool retryable);
// The failure of an operation that ended failed or canceled (reference:
// OperationErrorToTemporalFailure): as above for failed; for canceled a canceled failure (the one
// the details carry, or one made of the message with the metadata and details as payload).
hugo::Result<temporal::api::failure::v1::Failure> OperationFailureFromNexus(
    const NexusFailure& failure, bool canceled);

// A link between a Nexus caller and handler: a URL and the type that reads it.
struct NexusLink {
  std::string url;
  std::string type;  // letters, digits, '_', '.', '/'
};
// `<url>; type="type"` (the Nexus-Link header value); InvalidArgument for an empty URL, a URL
// whose query is not percent-encoded, or a type with other characters.
hugo::Result<std::string> EncodeNexusLink(const NexusLink& link);
// Every link of the Nexus-Link header values (each may hold several, comma-separated);
// InvalidArgument for any malformed one.
hugo::Result<std::vector<NexusLink>> DecodeNexusLinks(const std::vector<std::string_view>& values);
// A link of type temporal.api.common.v1.Link.WorkflowEvent as a temporal Link
// (temporal:///namespaces/{ns}/workflows/{id}/{run}/history?referenceType=…); InvalidArgument
// for another type or a malformed URL.
hugo::Result<temporal::api::common::v1::Link> LinkFromNexusLink(const NexusLink& link);
NexusLink NexusLinkFromWorkflowEvent(const temporal::api::common::v1::Link::WorkflowEvent& event);

// "100ms", "1.5s", "2m" (Request-Timeout, Operation-Timeout); nullopt for anything else.
std::optional<std::chrono::milliseconds> ParseNexusDuration(std::string_view text);
// Milliseconds: "1500ms".
std::string FormatNexusDuration(std::chrono::milliseconds duration);

// "Mon, 02 Jan 2006 15:04:05 GMT" (HTTP's IMF-fixdate, Nexus-Operation-Start-Time).
std::optional<google::protobuf::Timestamp> ParseHttpDate(std::string_view text);
std::string FormatHttpDate(const google::protobuf::Timestamp& time);

// Go's mime.ParseMediaType: the lower-case media type and its parameters (names lower-case);
// nullopt when malformed.
struct MediaType {
  std::string type;
  std::map<std::string, std::string> parameters;
};
std::optional<MediaType> ParseMediaType(std::string_view text);

}  // namespace hdo::frontend
