#include "frontend/operator_handler.h"

#include <google/protobuf/generated_message_reflection.h>

#include <asio/post.hpp>
#include <cstdlib>
#include <set>
#include <string>

#include "common/error_codes.h"
#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "frontend/nexus_endpoints.h"
#include "frontend/reply.h"
#include "frontend/store_queue.h"
#include "frontend/visibility.h"
#include "temporal/api/operatorservice/v1/service.pb.h"

namespace hdo::frontend {

namespace op = temporal::api::operatorservice::v1;

namespace {

const google::protobuf::ServiceDescriptor& OperatorDescriptor() {
  // Built by its file's static initializer, which this call keeps linked in.
  static const google::protobuf::ServiceDescriptor* descriptor = [] {
    google::protobuf::internal::AssignDescriptors(
        &descriptor_table_temporal_2fapi_2foperatorservice_2fv1_2fservice_2eproto);
    return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
        "temporal.api.operatorservice.v1.OperatorService");
  }();
  if (descriptor == nullptr) std::abort();
  return *descriptor;
}

// As in WorkflowHandler: the RPCs not implemented here are left to the generic service.
const std::set<std::string>& Implemented() {
  static const std::set<std::string> methods = {"AddSearchAttributes",  "RemoveSearchAttributes",
                                                "ListSearchAttributes", "CreateNexusEndpoint",
                                                "UpdateNexusEndpoint",  "DeleteNexusEndpoint",
                                                "GetNexusEndpoint",     "ListNexusEndpoints",
                                                "ListClusters",         "DeleteNamespace"};
  return methods;
}

}  // namespace

OperatorHandler::OperatorHandler(NamespaceHandler* namespaces, Visibility* visibility,
                                 NexusEndpoints* nexus_endpoints, asio::thread_pool* store_io,
                                 persistence::Durability* durability)
    : namespaces_(namespaces),
      visibility_(visibility),
      nexus_endpoints_(nexus_endpoints),
      store_io_(store_io),
      durability_(durability),
      service_(OperatorDescriptor(), Implemented()) {}

template <class Request, class Response>
void OperatorHandler::Add(const std::string& name, grpc::ServerCompletionQueue* queue,
                          void (OperatorHandler::*serve)(AsyncUnary<Request, Response>*)) {
  methods_.push_back(ServeUnary<Request, Response>(
      &service_, OperatorDescriptor(), name, queue, 2,
      [this, serve](AsyncUnary<Request, Response>* call) { (this->*serve)(call); }, {}, store_io_));
}

void OperatorHandler::ServeAsync(grpc::ServerCompletionQueue* queue) {
  Add("AddSearchAttributes", queue, &OperatorHandler::AddSearchAttributes);
  Add("RemoveSearchAttributes", queue, &OperatorHandler::RemoveSearchAttributes);
  Add("ListSearchAttributes", queue, &OperatorHandler::ListSearchAttributes);
  Add("CreateNexusEndpoint", queue, &OperatorHandler::CreateNexusEndpoint);
  Add("UpdateNexusEndpoint", queue, &OperatorHandler::UpdateNexusEndpoint);
  Add("DeleteNexusEndpoint", queue, &OperatorHandler::DeleteNexusEndpoint);
  Add("GetNexusEndpoint", queue, &OperatorHandler::GetNexusEndpoint);
  Add("ListNexusEndpoints", queue, &OperatorHandler::ListNexusEndpoints);
  Add("ListClusters", queue, &OperatorHandler::ListClusters);
  Add("DeleteNamespace", queue, &OperatorHandler::DeleteNamespace);
}

template <class Request, class Response, class Run>
void OperatorHandler::OnNamespace(AsyncUnary<Request, Response>* call, Run run) {
  PostToStore(*store_io_, [this, call, run = std::move(run)] {
    const Request* request = call->request();
    auto result = [&]() -> hugo::Result<Response> {
      // OperatorService words it differently from WorkflowService ("Namespace not set ...").
      if (request->namespace_().empty()) {
        return hugo::Error::From("Namespace is not set on request.", errors::kInvalidArgument);
      }
      auto namespace_id = namespaces_->ResolveId(request->namespace_());
      if (namespace_id.IsFailure()) return namespace_id.Error();
      return run(namespace_id.Value());
    }();
    if (result.IsFailure()) {
      FinishDurable(durability_, call, ToGrpcStatus(result.Error()));
      return;
    }
    *call->response() = std::move(result).Value();
    FinishDurable(durability_, call, grpc::Status::OK);
  });
}

template <class Request, class Response, class Run>
void OperatorHandler::OnStore(AsyncUnary<Request, Response>* call, Run run) {
  PostToStore(*store_io_, [this, call, run = std::move(run)] {
    hugo::Result<Response> result = run(*call->request());
    if (result.IsFailure()) {
      FinishDurable(durability_, call, ToGrpcStatus(result.Error()));
      return;
    }
    *call->response() = std::move(result).Value();
    FinishDurable(durability_, call, grpc::Status::OK);
  });
}

void OperatorHandler::AddSearchAttributes(
    AsyncUnary<op::AddSearchAttributesRequest, op::AddSearchAttributesResponse>* call) {
  const op::AddSearchAttributesRequest* request = call->request();
  OnNamespace(call, [this, request](const std::string& namespace_id) {
    return visibility_->AddSearchAttributes(namespace_id, *request);
  });
}

void OperatorHandler::RemoveSearchAttributes(
    AsyncUnary<op::RemoveSearchAttributesRequest, op::RemoveSearchAttributesResponse>* call) {
  const op::RemoveSearchAttributesRequest* request = call->request();
  OnNamespace(call, [this, request](const std::string& namespace_id) {
    return visibility_->RemoveSearchAttributes(namespace_id, *request);
  });
}

void OperatorHandler::ListSearchAttributes(
    AsyncUnary<op::ListSearchAttributesRequest, op::ListSearchAttributesResponse>* call) {
  OnNamespace(call, [this](const std::string& namespace_id) {
    return visibility_->ListSearchAttributes(namespace_id);
  });
}

void OperatorHandler::DeleteNamespace(
    AsyncUnary<op::DeleteNamespaceRequest, op::DeleteNamespaceResponse>* call) {
  OnStore(call,
          [this](const op::DeleteNamespaceRequest& request)
              -> hugo::Result<op::DeleteNamespaceResponse> {
            // reference: the delete-namespace workflow's checks, in its order.
            if (request.namespace_().empty() && request.namespace_id().empty()) {
              return InvalidArgument("namespace or namespace ID is required");
            }
            if (!request.namespace_().empty() && !request.namespace_id().empty()) {
              return InvalidArgument("only one of namespace or namespace ID must be set");
            }
            if (request.has_namespace_delete_delay() &&
                (request.namespace_delete_delay().seconds() < 0 ||
                 request.namespace_delete_delay().nanos() < 0)) {
              return InvalidArgument("NamespaceDeleteDelay must not be negative.");
            }
            temporal::api::workflowservice::v1::DescribeNamespaceRequest describe;
            describe.set_namespace_(request.namespace_());
            describe.set_id(request.namespace_id());
            auto described = namespaces_->Describe(describe);
            if (described.IsFailure()) return described.Error();
            const std::string& name = described.Value().namespace_info().name();
            if (name == "temporal-system") {
              return hugo::Error::From("unable to delete system namespace",
                                       errors::kFailedPrecondition);
            }
            std::string endpoint = nexus_endpoints_->TargetingNamespace(name);
            if (!endpoint.empty()) {
              return hugo::Error::From(
                  "cannot delete a namespace that is a target of a Nexus endpoint " + endpoint,
                  errors::kFailedPrecondition);
            }
            auto deleted = namespaces_->MarkDeleted(request.namespace_(), request.namespace_id());
            if (deleted.IsFailure()) return deleted.Error();
            visibility_->ForgetNamespace(deleted.Value().id);
            op::DeleteNamespaceResponse response;
            response.set_deleted_namespace(deleted.Value().name);
            return hugo::Ok(std::move(response));
          });
}

void OperatorHandler::ListClusters(
    AsyncUnary<op::ListClustersRequest, op::ListClustersResponse>* call) {
  op::ListClustersResponse response;
  FillClusterMetadata(cluster_, *response.add_clusters());
  *call->response() = std::move(response);
  call->Finish(grpc::Status::OK);
}

// The endpoint RPCs answer once durable like every other: a read must not show a change that a
// failed commit could still take back.
void OperatorHandler::CreateNexusEndpoint(
    AsyncUnary<op::CreateNexusEndpointRequest, op::CreateNexusEndpointResponse>* call) {
  OnStore(call, [this](const op::CreateNexusEndpointRequest& request) {
    return nexus_endpoints_->Create(request);
  });
}

void OperatorHandler::UpdateNexusEndpoint(
    AsyncUnary<op::UpdateNexusEndpointRequest, op::UpdateNexusEndpointResponse>* call) {
  OnStore(call, [this](const op::UpdateNexusEndpointRequest& request) {
    return nexus_endpoints_->Update(request);
  });
}

void OperatorHandler::DeleteNexusEndpoint(
    AsyncUnary<op::DeleteNexusEndpointRequest, op::DeleteNexusEndpointResponse>* call) {
  OnStore(call, [this](const op::DeleteNexusEndpointRequest& request) {
    return nexus_endpoints_->Delete(request);
  });
}

void OperatorHandler::GetNexusEndpoint(
    AsyncUnary<op::GetNexusEndpointRequest, op::GetNexusEndpointResponse>* call) {
  OnStore(call, [this](const op::GetNexusEndpointRequest& request) {
    return nexus_endpoints_->Get(request);
  });
}

void OperatorHandler::ListNexusEndpoints(
    AsyncUnary<op::ListNexusEndpointsRequest, op::ListNexusEndpointsResponse>* call) {
  OnStore(call, [this](const op::ListNexusEndpointsRequest& request) {
    return nexus_endpoints_->List(request);
  });
}

}  // namespace hdo::frontend
