// The call shapes of WorkflowHandler's RPCs (OnStore, OnNamespace), shared by the files that
// implement them (workflow_handler.cc, workflow_handler_schedules.cc). Private to src/frontend.
#pragma once

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

// A reactor finished with that refusal when `request` is too large; nullptr otherwise.
inline grpc::ServerUnaryReactor* RefuseIfTooLarge(grpc::CallbackServerContext* context,
                                                  const google::protobuf::Message& request) {
  const size_t bytes = request.ByteSizeLong();
  if (bytes <= kRequestBytesMax) return nullptr;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "grpc: received message larger than max (" + std::to_string(bytes) +
                                   " vs. " + std::to_string(kRequestBytesMax) + ")"));
  return reactor;
}

template <class Response, class Call>
grpc::ServerUnaryReactor* WorkflowHandler::OnStore(grpc::CallbackServerContext* context,
                                                   const google::protobuf::Message* request,
                                                   Response* response, Call call) {
  if (grpc::ServerUnaryReactor* refused = RefuseIfTooLarge(context, *request)) return refused;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The request and response live until Finish, so the posted work may use them.
  PostToStore(*store_io_, [this, reactor, response, call = std::move(call)]() mutable {
    auto result = call();
    if (result.IsFailure()) {
      FinishDurable(durability_, reactor, ToGrpcStatus(result.Error()));
      return;
    }
    *response = std::move(result).Value();
    FinishDurable(durability_, reactor, grpc::Status::OK);
  });
  return reactor;
}

template <class Request, class Response, class Validate, class Call>
grpc::ServerUnaryReactor* WorkflowHandler::OnNamespace(grpc::CallbackServerContext* context,
                                                       const Request* request, Response* response,
                                                       Validate validate, Call call) {
  return OnStore(context, request, response,
                 [this, request, validate = std::move(validate),
                  call = std::move(call)]() -> hugo::Result<Response> {
                   auto valid = validate(*request);
                   if (valid.IsFailure()) return valid.Error();
                   auto namespace_id = namespaces_->ResolveId(request->namespace_());
                   if (namespace_id.IsFailure()) return namespace_id.Error();
                   return call(namespace_id.Value());
                 });
}

}  // namespace hdo::frontend
