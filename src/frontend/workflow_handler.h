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

namespace hdo::history {
class Engine;
}
namespace hdo::matching {
class Matcher;
}

namespace hdo::frontend {

class NamespaceHandler;

class WorkflowHandler final
    : public temporal::api::workflowservice::v1::WorkflowService::CallbackService {
 public:
  // `namespaces`, `engine` and `matcher` run only on `store_io` (the engine thread); all outlive
  // the handler's gRPC server.
  WorkflowHandler(NamespaceHandler* namespaces, history::Engine* engine, matching::Matcher* matcher,
                  asio::thread_pool* store_io);

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

  grpc::ServerUnaryReactor* StartWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::StartWorkflowExecutionResponse* response) override;
  grpc::ServerUnaryReactor* PollWorkflowTaskQueue(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::PollWorkflowTaskQueueRequest* request,
      temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse* response) override;
  grpc::ServerUnaryReactor* PollActivityTaskQueue(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::PollActivityTaskQueueRequest* request,
      temporal::api::workflowservice::v1::PollActivityTaskQueueResponse* response) override;
  grpc::ServerUnaryReactor* RespondWorkflowTaskCompleted(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedRequest* request,
      temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedResponse* response) override;
  grpc::ServerUnaryReactor* GetWorkflowExecutionHistory(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryRequest* request,
      temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryResponse* response) override;
  grpc::ServerUnaryReactor* TerminateWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::TerminateWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::TerminateWorkflowExecutionResponse* response) override;
  grpc::ServerUnaryReactor* ShutdownWorker(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ShutdownWorkerRequest* request,
      temporal::api::workflowservice::v1::ShutdownWorkerResponse* response) override;

 private:
  // Runs `call()` (returning hugo::Result<Response>) on the store IO thread and finishes the
  // reactor there with the response or the error's gRPC status.
  template <class Response, class Call>
  grpc::ServerUnaryReactor* OnStore(grpc::CallbackServerContext* context, Response* response,
                                    Call call);

  NamespaceHandler* namespaces_;
  history::Engine* engine_;
  matching::Matcher* matcher_;
  asio::thread_pool* store_io_;
};

}  // namespace hdo::frontend
