// The frontend's handler of temporal.api.operatorservice.v1.OperatorService: the custom search
// attributes of a namespace (Add/List/RemoveSearchAttributes). Every other OperatorService RPC
// is left to UnimplementedService.
//
// Owned by the server; thread-safe like WorkflowHandler: its calls are posted to the store IO
// thread, which finishes their reactors.
#pragma once

#include <asio/thread_pool.hpp>

#include "persistence/durability.h"
#include "temporal/api/operatorservice/v1/service.grpc.pb.h"

namespace hdo::frontend {

class NamespaceHandler;
class Visibility;

class OperatorHandler final
    : public temporal::api::operatorservice::v1::OperatorService::CallbackService {
 public:
  // `namespaces` and `visibility` run only on `store_io`; all outlive the gRPC server.
  OperatorHandler(NamespaceHandler* namespaces, Visibility* visibility, asio::thread_pool* store_io,
                  persistence::Durability* durability);

  grpc::ServerUnaryReactor* AddSearchAttributes(
      grpc::CallbackServerContext* context,
      const temporal::api::operatorservice::v1::AddSearchAttributesRequest* request,
      temporal::api::operatorservice::v1::AddSearchAttributesResponse* response) override;
  grpc::ServerUnaryReactor* RemoveSearchAttributes(
      grpc::CallbackServerContext* context,
      const temporal::api::operatorservice::v1::RemoveSearchAttributesRequest* request,
      temporal::api::operatorservice::v1::RemoveSearchAttributesResponse* response) override;
  grpc::ServerUnaryReactor* ListSearchAttributes(
      grpc::CallbackServerContext* context,
      const temporal::api::operatorservice::v1::ListSearchAttributesRequest* request,
      temporal::api::operatorservice::v1::ListSearchAttributesResponse* response) override;

 private:
  // Resolves the request's namespace and runs `call(namespace_id)` on the store IO thread.
  template <class Request, class Response, class Call>
  grpc::ServerUnaryReactor* OnNamespace(grpc::CallbackServerContext* context,
                                        const Request* request, Response* response, Call call);

  NamespaceHandler* namespaces_;
  Visibility* visibility_;
  asio::thread_pool* store_io_;
  persistence::Durability* durability_;
};

}  // namespace hdo::frontend
