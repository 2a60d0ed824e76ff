// Private helper of the SDK sources: one unary call (Call: WorkflowService; CallOn: any stub on
// the connection's channel, e.g. OperatorService; CallAsync: WorkflowService, without a thread
// held) with the connection's headers, a deadline and its retry policy (Connection::Invoke,
// internal::InvokeAsync), its gRPC failure as StatusToError's hugo::Error.
//
// Owner: src/sdk. Thread safety: as the Connection (thread-safe).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "async_call.h"
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

// Call without a thread held: `send(async, context, request, response, answered)` calls the
// method on the stub's async interface (`async.StartWorkflowExecution(&context, request,
// response, std::move(answered))`); `done` gets the response or the error, on the gRPC thread
// that read the last answer (or this thread when the request cannot be encoded). Retried as
// Call, the waits on the connection's async_timers().
template <class Response, class Request, class Send>
void CallAsync(std::shared_ptr<const Connection> connection, Send send, Request request,
               std::string what, std::function<void(hugo::Result<Response>)> done,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
  if (connection->HasCodecs()) {
    auto encoding = connection->EncodeOutbound(request);
    if (encoding.IsFailure()) {
      done(encoding.Error());
      return;
    }
  }
  struct State {
    Request request;
    Response response;
    std::string what;
    std::function<void(hugo::Result<Response>)> done;
  };
  auto state = std::make_shared<State>(
      State{std::move(request), Response(), std::move(what), std::move(done)});
  auto timers = connection->async_timers();
  internal::InvokeAsync(
      connection, std::move(timers),
      [connection, state, send](grpc::ClientContext& context,
                                std::function<void(grpc::Status)> answered) {
        state->response.Clear();
        send(*connection->stub().async(), context, &state->request, &state->response,
             std::move(answered));
      },
      [connection, state](const grpc::Status& status) {
        if (!status.ok()) {
          state->done(StatusToError(status, state->what));
          return;
        }
        auto decoding = connection->DecodeInbound(state->response);
        if (decoding.IsFailure()) {
          state->done(decoding.Error());
          return;
        }
        state->done(hugo::Result<Response>::Ok(std::move(state->response)));
      },
      timeout);
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
