// The frontend's handler of temporal.api.operatorservice.v1.OperatorService: the custom search
// attributes of a namespace (Add/List/RemoveSearchAttributes) and the cluster's Nexus endpoints
// (Create/Update/Delete/Get/ListNexusEndpoints, answered by NexusEndpoints). Every other
// OperatorService RPC is left to UnimplementedService.
//
// Owned by the server; thread-safe like WorkflowHandler, and like it on gRPC's completion-queue
// API: its calls are posted to the store IO thread, which finishes them.
#pragma once

#include <asio/thread_pool.hpp>
#include <memory>
#include <string>
#include <vector>

#include "frontend/async_unary.h"
#include "frontend/cluster_info.h"
#include "persistence/durability.h"
#include "temporal/api/operatorservice/v1/service.grpc.pb.h"

namespace hdo::frontend {

class NamespaceHandler;
class NexusEndpoints;
class Visibility;

class OperatorHandler final {
 public:
  // `namespaces`, `visibility` and `nexus_endpoints` run only on `store_io`; all outlive the gRPC
  // server.
  OperatorHandler(NamespaceHandler* namespaces, Visibility* visibility,
                  NexusEndpoints* nexus_endpoints, asio::thread_pool* store_io,
                  persistence::Durability* durability);

  // As WorkflowHandler's: the service to register, and its calls armed once the server started.
  grpc::Service* service() { return &service_; }
  void ServeAsync(grpc::ServerCompletionQueue* queue);

  void AddSearchAttributes(
      AsyncUnary<temporal::api::operatorservice::v1::AddSearchAttributesRequest,
                 temporal::api::operatorservice::v1::AddSearchAttributesResponse>* call);
  void RemoveSearchAttributes(
      AsyncUnary<temporal::api::operatorservice::v1::RemoveSearchAttributesRequest,
                 temporal::api::operatorservice::v1::RemoveSearchAttributesResponse>* call);
  void ListSearchAttributes(
      AsyncUnary<temporal::api::operatorservice::v1::ListSearchAttributesRequest,
                 temporal::api::operatorservice::v1::ListSearchAttributesResponse>* call);
  void CreateNexusEndpoint(
      AsyncUnary<temporal::api::operatorservice::v1::CreateNexusEndpointRequest,
                 temporal::api::operatorservice::v1::CreateNexusEndpointResponse>* call);
  void UpdateNexusEndpoint(
      AsyncUnary<temporal::api::operatorservice::v1::UpdateNexusEndpointRequest,
                 temporal::api::operatorservice::v1::UpdateNexusEndpointResponse>* call);
  void DeleteNexusEndpoint(
      AsyncUnary<temporal::api::operatorservice::v1::DeleteNexusEndpointRequest,
                 temporal::api::operatorservice::v1::DeleteNexusEndpointResponse>* call);
  void GetNexusEndpoint(
      AsyncUnary<temporal::api::operatorservice::v1::GetNexusEndpointRequest,
                 temporal::api::operatorservice::v1::GetNexusEndpointResponse>* call);
  void ListNexusEndpoints(
      AsyncUnary<temporal::api::operatorservice::v1::ListNexusEndpointsRequest,
                 temporal::api::operatorservice::v1::ListNexusEndpointsResponse>* call);
  // The first step of a namespace's deletion (NamespaceHandler::MarkDeleted); the retention
  // sweep removes its runs and record after (worker/namespace_reclaimer.h).
  void DeleteNamespace(
      AsyncUnary<temporal::api::operatorservice::v1::DeleteNamespaceRequest,
                 temporal::api::operatorservice::v1::DeleteNamespaceResponse>* call);
  // The one cluster this server is (SetClusterInfo).
  void ListClusters(AsyncUnary<temporal::api::operatorservice::v1::ListClustersRequest,
                               temporal::api::operatorservice::v1::ListClustersResponse>* call);
  // What ListClusters answers (set before serving).
  void SetClusterInfo(ClusterInfo cluster) { cluster_ = std::move(cluster); }

 private:
  // Resolves the request's namespace and runs `run(namespace_id)` on the store IO thread, which
  // finishes `call` with its result.
  template <class Request, class Response, class Run>
  void OnNamespace(AsyncUnary<Request, Response>* call, Run run);
  // Runs `run(request)` on the store IO thread, which finishes `call` with its result once
  // durable.
  template <class Request, class Response, class Run>
  void OnStore(AsyncUnary<Request, Response>* call, Run run);
  template <class Request, class Response>
  void Add(const std::string& name, grpc::ServerCompletionQueue* queue,
           void (OperatorHandler::*serve)(AsyncUnary<Request, Response>*));

  NamespaceHandler* namespaces_;
  Visibility* visibility_;
  NexusEndpoints* nexus_endpoints_;
  asio::thread_pool* store_io_;
  persistence::Durability* durability_;
  CompletionQueueService<temporal::api::operatorservice::v1::OperatorService::Service> service_;
  std::vector<std::shared_ptr<void>> methods_;  // ServeAsync's, alive as long as their calls
  ClusterInfo cluster_;
};

}  // namespace hdo::frontend
