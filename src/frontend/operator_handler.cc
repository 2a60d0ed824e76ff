#include "frontend/operator_handler.h"

#include <google/protobuf/generated_message_reflection.h>

#include <asio/post.hpp>
#include <set>
#include <string>

#include "common/error_codes.h"
#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "frontend/reply.h"
#include "frontend/store_queue.h"
#include "frontend/visibility.h"
#include "temporal/api/operatorservice/v1/service.pb.h"

namespace hdo::frontend {

namespace op = temporal::api::operatorservice::v1;

OperatorHandler::OperatorHandler(NamespaceHandler* namespaces, Visibility* visibility,
                                 asio::thread_pool* store_io, persistence::Durability* durability)
    : namespaces_(namespaces),
      visibility_(visibility),
      store_io_(store_io),
      durability_(durability) {
  // As in WorkflowHandler: the RPCs not implemented here are left to the generic service.
  static const std::set<std::string> kImplemented = {
      "AddSearchAttributes", "RemoveSearchAttributes", "ListSearchAttributes"};
  google::protobuf::internal::AssignDescriptors(
      &descriptor_table_temporal_2fapi_2foperatorservice_2fv1_2fservice_2eproto);
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "temporal.api.operatorservice.v1.OperatorService");
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    if (kImplemented.count(service->method(i)->name()) == 0) MarkMethodGeneric(i);
  }
}

template <class Request, class Response, class Call>
grpc::ServerUnaryReactor* OperatorHandler::OnNamespace(grpc::CallbackServerContext* context,
                                                       const Request* request, Response* response,
                                                       Call call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  PostToStore(*store_io_, [this, reactor, request, response, call = std::move(call)] {
    auto result = [&]() -> hugo::Result<Response> {
      // OperatorService words it differently from WorkflowService ("Namespace not set ...").
      if (request->namespace_().empty()) {
        return hugo::Error::From("Namespace is not set on request.", errors::kInvalidArgument);
      }
      auto namespace_id = namespaces_->ResolveId(request->namespace_());
      if (namespace_id.IsFailure()) return namespace_id.Error();
      return call(namespace_id.Value());
    }();
    if (result.IsFailure()) {
      FinishDurable(durability_, reactor, ToGrpcStatus(result.Error()));
      return;
    }
    *response = std::move(result).Value();
    FinishDurable(durability_, reactor, grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* OperatorHandler::AddSearchAttributes(
    grpc::CallbackServerContext* context, const op::AddSearchAttributesRequest* request,
    op::AddSearchAttributesResponse* response) {
  return OnNamespace(context, request, response, [this, request](const std::string& namespace_id) {
    return visibility_->AddSearchAttributes(namespace_id, *request);
  });
}

grpc::ServerUnaryReactor* OperatorHandler::RemoveSearchAttributes(
    grpc::CallbackServerContext* context, const op::RemoveSearchAttributesRequest* request,
    op::RemoveSearchAttributesResponse* response) {
  return OnNamespace(context, request, response, [this, request](const std::string& namespace_id) {
    return visibility_->RemoveSearchAttributes(namespace_id, *request);
  });
}

grpc::ServerUnaryReactor* OperatorHandler::ListSearchAttributes(
    grpc::CallbackServerContext* context, const op::ListSearchAttributesRequest* request,
    op::ListSearchAttributesResponse* response) {
  return OnNamespace(context, request, response, [this](const std::string& namespace_id) {
    return visibility_->ListSearchAttributes(namespace_id);
  });
}

}  // namespace hdo::frontend
