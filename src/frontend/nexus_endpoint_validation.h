// Request validation of the Nexus endpoint RPCs of OperatorService, in the reference server's
// words (service/frontend/nexus_endpoint_client.go of temporalio/temporal v1.29): every problem
// of a request is collected and reported at once as InvalidArgument "issue, issue, ...", as the
// reference's rpc.RequestIssues does. Its messages quote values the way Go's %q does and name
// the errors of Go's url.Parse and uuid.Parse, so the checks of those are reproduced here too.
//
// Pure functions (the target namespace is looked up through the caller's function); thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hugo/result.h"
#include "temporal/api/nexus/v1/message.pb.h"

namespace hdo::frontend {

struct NexusEndpointLimits {
  // reference: limit.endpointNameMaxLength (bytes).
  size_t name_length_max = 200;
  // reference: limit.maxIDLength, the task queue's.
  size_t task_queue_length_max = 1000;
  // reference: limit.endpointDescriptionMaxSize: the serialized description payload, in bytes.
  size_t description_size_max = 20000;
  // reference: limit.endpointExternalURLMaxLength.
  size_t external_url_length_max = 4 * 1024;
};

// What an endpoint name must match (quoted in the message of a name that does not).
inline constexpr char kEndpointNamePattern[] = "^[a-zA-Z][a-zA-Z0-9\\-]*[a-zA-Z0-9]$";

// Resolves a namespace name to its id (NamespaceHandler::ResolveId): NamespaceNotFound when there
// is none.
using ResolveNamespaceFn = std::function<hugo::Result<std::string>(const std::string& name)>;

// A spec of CreateNexusEndpoint and UpdateNexusEndpoint: the name (set, at most name_length_max,
// kEndpointNamePattern), a target (a worker target's namespace set and existing, its task queue
// valid; an external target's URL set, bounded, parsed by Go's rules and http or https) and the
// description's size. An unknown target namespace is FailedPrecondition "could not verify
// namespace referenced by target exists: Namespace <name> is not found.", as in the reference.
hugo::Result<hugo::Unit> ValidateNexusEndpointSpec(
    const temporal::api::nexus::v1::EndpointSpec& spec, const NexusEndpointLimits& limits,
    const ResolveNamespaceFn& resolve_namespace);

// The endpoint id of GetNexusEndpoint and DeleteNexusEndpoint: set, and a UUID that Go's
// uuid.Parse accepts; for a delete also a positive version.
hugo::Result<hugo::Unit> ValidateNexusEndpointId(std::string_view id);
hugo::Result<hugo::Unit> ValidateNexusEndpointDelete(std::string_view id, int64_t version);

// --- the Go behaviours the messages depend on --------------------------------------------------

// `text` as Go's %q (strconv.Quote) prints it: in double quotes, with \" \\ \n \t ... and \xNN
// for other control bytes and bytes that are not UTF-8.
std::string QuoteLikeGo(std::string_view text);

// Why Go's url.Parse refuses `url` ("parse \"http://a b\": invalid character \" \" in host
// name"); nullopt when it accepts it, and then `*scheme` is its scheme, lower case ("" for a
// relative reference).
std::optional<std::string> UrlParseError(std::string_view url, std::string* scheme);

// Why github.com/google/uuid's Parse refuses `text` ("invalid UUID length: 3", "invalid UUID
// format"); nullopt when it accepts it (the canonical form in any case, {...}, urn:uuid:..., or
// 32 hex digits).
std::optional<std::string> UuidParseError(std::string_view text);
// The canonical lower-case form ("xxxxxxxx-xxxx-...") of a text UuidParseError accepts.
std::string CanonicalUuid(std::string_view text);

}  // namespace hdo::frontend
