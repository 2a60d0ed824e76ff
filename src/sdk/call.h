// Private helper of the SDK sources: one unary call (Call: WorkflowService; CallOn: any stub on
// the connection's channel, e.g. OperatorService) with the connection's headers, a deadline and
// its retry policy (Connection::Invoke), its gRPC failure as StatusToError's hugo::Error.
//
// Owner: src/sdk. Thread safety: as the Connection (thread-safe).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include "hdo/connection.h"
#include "hdo/propagation.h"
#include "hugo/error_codes.h"
#include "hugo/result.h"

namespace hdo {

// `method` is a member of `stub` (a stub on the connection's channel: the WorkflowService's, or
// another service's such as the OperatorService). A zero `timeout` means the connection's
// rpc_timeout.
template <class Response, class Stub, class Request, class Method>
hugo::Result<Response> CallOn(const Connection& connection, Stub& stub, Method method,
                              const Request& request, std::string_view what,
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
  // With payload codecs the request is sent encoded (a copy) and the response read decoded.
  const Request* sent = &request;
  std::optional<Request> encoded;
  if (connection.HasCodecs()) {
    encoded.emplace(request);
    auto encoding = connection.EncodeOutbound(*encoded);
    if (encoding.IsFailure()) return encoding.Error();
    sent = &*encoded;
  }
  Response response;
  grpc::Status status = connection.Invoke(
      [&](grpc::ClientContext& context) {
        response.Clear();
        return (stub.*method)(&context, *sent, &response);
      },
      timeout);
  if (!status.ok()) return StatusToError(status, what);
  auto decoding = connection.DecodeInbound(response);
  if (decoding.IsFailure()) return decoding.Error();
  return hugo::Result<Response>::Ok(std::move(response));
}

// CallOn the WorkflowService: `method` is e.g. &Connection::Stub::StartWorkflowExecution.
template <class Response, class Request, class Method>
hugo::Result<Response> Call(const Connection& connection, Method method, const Request& request,
                            std::string_view what,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
  return CallOn<Response>(connection, connection.stub(), method, request, what, timeout);
}

inline hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), std::string(hugo::ErrorCodes::kValidation));
}

inline bool IsDeadlineExceeded(const hugo::Error& error) {
  return error.HasCode("grpc.deadline_exceeded");
}

namespace internal {
// What the connection's context propagators write for a client call from this thread (empty
// without propagators): the `header` a client interceptor's call starts with.
hugo::Result<HeaderFields> PropagatedHeader(const Connection& connection);
}  // namespace internal

}  // namespace hdo
