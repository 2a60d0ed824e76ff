// The call shapes of WorkflowHandler's RPCs (OnStore, OnNamespace), shared by the files that
// implement them (workflow_handler.cc, workflow_handler_schedules.cc). Private to src/frontend.
#pragma once

#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "frontend/reply.h"
#include "frontend/store_queue.h"
#include "frontend/workflow_handler.h"

namespace hdo::frontend {

template <class Response, class Call>
grpc::ServerUnaryReactor* WorkflowHandler::OnStore(grpc::CallbackServerContext* context,
                                                   Response* response, Call call) {
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
  return OnStore(context, response,
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
