// The frontend's handler of temporal.api.workflowservice.v1.WorkflowService (gRPC callback API:
// no thread is held while a call waits).
//
// Owned by the server; one instance serves every connection and is thread-safe (its own state is
// immutable after construction). Calls that touch the store are posted to the store IO executor,
// which finishes their reactors, so no gRPC thread waits on SQLite. RPCs that hdo does not
// implement yet are not registered here:
// they reach UnimplementedService, which answers UNIMPLEMENTED "method X not implemented", the
// wording the SDKs test for when they probe optional RPCs.
#pragma once

#include <google/protobuf/descriptor.h>

#include <asio/thread_pool.hpp>
#include <set>
#include <string>

#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace hdo::frontend {

class NamespaceHandler;

class WorkflowHandler final
    : public temporal::api::workflowservice::v1::WorkflowService::CallbackService {
 public:
  // `namespaces` runs only on `store_io`; both outlive the handler's gRPC server.
  WorkflowHandler(NamespaceHandler* namespaces, asio::thread_pool* store_io);

  // The RPC names this handler answers; every other WorkflowService method is unimplemented.
  static const std::set<std::string>& ImplementedMethods();
  // The protobuf descriptor of WorkflowService (every RPC, in service.proto order).
  static const google::protobuf::ServiceDescriptor& Descriptor();

  grpc::ServerUnaryReactor* GetSystemInfo(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::GetSystemInfoRequest* request,
      temporal::api::workflowservice::v1::GetSystemInfoResponse* response) override;

  grpc::ServerUnaryReactor* RegisterNamespace(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RegisterNamespaceRequest* request,
      temporal::api::workflowservice::v1::RegisterNamespaceResponse* response) override;
  grpc::ServerUnaryReactor* DescribeNamespace(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::DescribeNamespaceRequest* request,
      temporal::api::workflowservice::v1::DescribeNamespaceResponse* response) override;
  grpc::ServerUnaryReactor* ListNamespaces(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ListNamespacesRequest* request,
      temporal::api::workflowservice::v1::ListNamespacesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateNamespace(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::UpdateNamespaceRequest* request,
      temporal::api::workflowservice::v1::UpdateNamespaceResponse* response) override;

 private:
  // Runs `call()` (returning hugo::Result<Response>) on the store IO thread and finishes the
  // reactor there with the response or the error's gRPC status.
  template <class Response, class Call>
  grpc::ServerUnaryReactor* OnStore(grpc::CallbackServerContext* context, Response* response,
                                    Call call);

  NamespaceHandler* namespaces_;
  asio::thread_pool* store_io_;
};

}  // namespace hdo::frontend
