// The frontend's handler of temporal.api.workflowservice.v1.WorkflowService (gRPC callback API:
// no thread is held while a call waits).
//
// Owned by the server; one instance serves every connection and is thread-safe (its state is
// immutable after construction). RPCs that hdo does not implement yet are not registered here:
// they reach UnimplementedService, which answers UNIMPLEMENTED "method X not implemented", the
// wording the SDKs test for when they probe optional RPCs.
#pragma once

#include <google/protobuf/descriptor.h>

#include <set>
#include <string>

#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace hdo::frontend {

class WorkflowHandler final
    : public temporal::api::workflowservice::v1::WorkflowService::CallbackService {
 public:
  WorkflowHandler();

  // The RPC names this handler answers; every other WorkflowService method is unimplemented.
  static const std::set<std::string>& ImplementedMethods();
  // The protobuf descriptor of WorkflowService (every RPC, in service.proto order).
  static const google::protobuf::ServiceDescriptor& Descriptor();

  grpc::ServerUnaryReactor* GetSystemInfo(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::GetSystemInfoRequest* request,
      temporal::api::workflowservice::v1::GetSystemInfoResponse* response) override;
};

}  // namespace hdo::frontend
