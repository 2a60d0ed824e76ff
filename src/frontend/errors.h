// The errors the frontend returns, and their conversion to the gRPC status a Temporal client
// expects: the canonical code, the message, and for typed failures the
// temporal.api.errordetails.v1 message in the status details (grpc-status-details-bin), which the
// SDKs turn into their error classes (e.g. Go's serviceerror.NamespaceNotFound).
//
// Pure functions; thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "common/error_codes.h"
#include "hugo/result.h"

namespace hdo::frontend {

// Error codes (Error::Code()) of frontend errors, one per gRPC code or Temporal failure type.
inline constexpr const char* kErrorInvalidArgument = errors::kInvalidArgument;
inline constexpr const char* kErrorNotFound = errors::kNotFound;
inline constexpr const char* kErrorNamespaceNotFound = errors::kNamespaceNotFound;
inline constexpr const char* kErrorNamespaceAlreadyExists = errors::kNamespaceAlreadyExists;
inline constexpr const char* kErrorUnavailable = errors::kUnavailable;
inline constexpr const char* kErrorInternal = errors::kInternal;

hugo::Error InvalidArgument(std::string message);
// "Namespace <name> is not found." with NamespaceNotFoundFailure{namespace}.
hugo::Error NamespaceNotFound(const std::string& name);
// "Namespace <name> already exists" with NamespaceAlreadyExistsFailure.
hugo::Error NamespaceAlreadyExists(const std::string& name);

// Maps any error to a gRPC status. Frontend codes map as named; store errors map to
// UNAVAILABLE (not committed: the client may retry) or INTERNAL; anything else is INTERNAL.
grpc::Status ToGrpcStatus(const hugo::Error& error);

}  // namespace hdo::frontend
