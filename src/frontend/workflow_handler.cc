#include "frontend/workflow_handler.h"

#include <asio/post.hpp>
#include <cstdlib>

#include "common/version.h"
#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "temporal/api/workflowservice/v1/service.pb.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;

WorkflowHandler::WorkflowHandler(NamespaceHandler* namespaces, asio::thread_pool* store_io)
    : namespaces_(namespaces), store_io_(store_io) {
  // The generated service registers a handler for every RPC, in the order of service.proto.
  // Methods we do not implement are marked generic, i.e. left unregistered, so that the server's
  // generic service answers them with the wording SDKs expect (an unregistered method would
  // otherwise get an UNIMPLEMENTED with an empty message).
  const google::protobuf::ServiceDescriptor& service = Descriptor();
  for (int i = 0; i < service.method_count(); ++i) {
    if (ImplementedMethods().count(service.method(i)->name()) == 0) {
      MarkMethodGeneric(i);
    }
  }
}

const std::set<std::string>& WorkflowHandler::ImplementedMethods() {
  static const std::set<std::string> methods = {"GetSystemInfo", "RegisterNamespace",
                                                "DescribeNamespace", "ListNamespaces",
                                                "UpdateNamespace"};
  return methods;
}

const google::protobuf::ServiceDescriptor& WorkflowHandler::Descriptor() {
  // The descriptor is registered by service.pb.cc's static initializer, which the linker keeps
  // only when something refers to that object file: this reference does. Its absence would be a
  // build error, never an input problem.
  static const void* const keep_linked =
      &descriptor_table_temporal_2fapi_2fworkflowservice_2fv1_2fservice_2eproto;
  (void)keep_linked;
  static const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "temporal.api.workflowservice.v1.WorkflowService");
  if (descriptor == nullptr) std::abort();
  return *descriptor;
}

grpc::ServerUnaryReactor* WorkflowHandler::GetSystemInfo(
    grpc::CallbackServerContext* context, const wf::GetSystemInfoRequest* /*request*/,
    wf::GetSystemInfoResponse* response) {
  response->set_server_version(std::string(Version()));
  // Only capabilities hdo really implements are advertised (SDKs change behaviour on each one);
  // the message itself is always present.
  response->mutable_capabilities();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace hdo::frontend

namespace hdo::frontend {

template <class Response, class Call>
grpc::ServerUnaryReactor* WorkflowHandler::OnStore(grpc::CallbackServerContext* context,
                                                   Response* response, Call call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The request and response live until Finish, so the posted work may use them.
  asio::post(*store_io_, [reactor, response, call = std::move(call)]() mutable {
    auto result = call();
    if (result.IsFailure()) {
      reactor->Finish(ToGrpcStatus(result.Error()));
      return;
    }
    *response = std::move(result).Value();
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* WorkflowHandler::RegisterNamespace(
    grpc::CallbackServerContext* context, const wf::RegisterNamespaceRequest* request,
    wf::RegisterNamespaceResponse* response) {
  return OnStore(context, response, [this, request] { return namespaces_->Register(*request); });
}

grpc::ServerUnaryReactor* WorkflowHandler::DescribeNamespace(
    grpc::CallbackServerContext* context, const wf::DescribeNamespaceRequest* request,
    wf::DescribeNamespaceResponse* response) {
  return OnStore(context, response, [this, request] { return namespaces_->Describe(*request); });
}

grpc::ServerUnaryReactor* WorkflowHandler::ListNamespaces(grpc::CallbackServerContext* context,
                                                          const wf::ListNamespacesRequest* request,
                                                          wf::ListNamespacesResponse* response) {
  return OnStore(context, response, [this, request] { return namespaces_->List(*request); });
}

grpc::ServerUnaryReactor* WorkflowHandler::UpdateNamespace(
    grpc::CallbackServerContext* context, const wf::UpdateNamespaceRequest* request,
    wf::UpdateNamespaceResponse* response) {
  return OnStore(context, response, [this, request] { return namespaces_->Update(*request); });
}

}  // namespace hdo::frontend
