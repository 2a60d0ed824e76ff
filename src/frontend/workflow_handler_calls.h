// The call shapes of WorkflowHandler's RPCs (Serve, ServeOnNamespace), shared by the files that
// implement them (workflow_handler.cc, workflow_handler_schedules.cc). Private to src/frontend.
#pragma once

#include <optional>

#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "frontend/reply.h"
#include "frontend/store_queue.h"
#include "frontend/workflow_handler.h"

namespace hdo::frontend {

// reference (grpc-go's server default): a request above 4 MiB is refused ResourceExhausted in
// grpc-go's words, which the SDKs recognize: the Go SDK then fails the workflow task with cause
// GRPC_MESSAGE_TOO_LARGE instead of retrying the completion until its deadline. The server's
// gRPC receive limit is above this (server.cc) so that the request reaches the frontend.
inline constexpr size_t kRequestBytesMax = size_t{4} * 1024 * 1024;

// That refusal when `request` is too large; nullopt otherwise.
inline std::optional<grpc::Status> TooLarge(const google::protobuf::Message& request) {
  const size_t bytes = request.ByteSizeLong();
  if (bytes <= kRequestBytesMax) return std::nullopt;
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "grpc: received message larger than max (" + std::to_string(bytes) + " vs. " +
                          std::to_string(kRequestBytesMax) + ")");
}

// Finishes `call` with that refusal when `request` is too large; whether it did.
template <class Call>
bool RefuseIfTooLarge(Call* call, const google::protobuf::Message& request) {
  std::optional<grpc::Status> refusal = TooLarge(request);
  if (!refusal.has_value()) return false;
  call->Finish(*refusal);
  return true;
}

template <class Reply, class Response, class Run>
void WorkflowHandler::Serve(Reply* reply, const google::protobuf::Message* request,
                            Response* response, Run run) {
  if (RefuseIfTooLarge(reply, *request)) return;
  // The request and response live until Finish, so the posted work may use them.
  PostToStore(*store_io_, [this, reply, response, run = std::move(run)]() mutable {
    auto result = run();
    if (result.IsFailure()) {
      FinishDurable(durability_, reply, ToGrpcStatus(result.Error()));
      return;
    }
    *response = std::move(result).Value();
    FinishDurable(durability_, reply, grpc::Status::OK);
  });
}

template <class Reply, class Request, class Response, class Validate, class Run>
void WorkflowHandler::ServeOnNamespace(Reply* reply, const Request* request, Response* response,
                                       Validate validate, Run run, bool starts_run) {
  Serve(reply, request, response,
        [this, request, validate = std::move(validate), run = std::move(run),
         starts_run]() -> hugo::Result<Response> {
          auto valid = validate(*request);
          if (valid.IsFailure()) return valid.Error();
          auto namespace_id = starts_run ? namespaces_->ResolveIdToStart(request->namespace_())
                                         : namespaces_->ResolveId(request->namespace_());
          if (namespace_id.IsFailure()) return namespace_id.Error();
          return run(namespace_id.Value());
        });
}

}  // namespace hdo::frontend
