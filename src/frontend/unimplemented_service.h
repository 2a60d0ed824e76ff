// The catch-all gRPC service: every call to a method that no registered service handles (an
// unimplemented WorkflowService or OperatorService RPC, or an unknown service) ends here with
// UNIMPLEMENTED and the message "method <Name> not implemented". The Temporal SDKs look for the
// words "not implemented" when they probe optional RPCs such as GetSystemInfo.
//
// Owned by the server; stateless and thread-safe.
#pragma once

#include <grpcpp/generic/async_generic_service.h>

namespace hdo::frontend {

class UnimplementedService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;
};

}  // namespace hdo::frontend
