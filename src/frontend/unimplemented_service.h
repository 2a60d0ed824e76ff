// The catch-all gRPC service: every call to a method that no registered service handles (an
// unimplemented WorkflowService or OperatorService RPC, or an unknown service) ends here with
// UNIMPLEMENTED and the message "method <Name> not implemented". The Temporal SDKs look for the
// words "not implemented" when they probe optional RPCs such as GetSystemInfo.
//
// Served on the completion-queue API like every other call (frontend/async_unary.h). Owned by the
// server; register service() before the server starts, then Serve once it has.
#pragma once

#include <grpcpp/generic/async_generic_service.h>

namespace hdo::frontend {

class UnimplementedService final {
 public:
  grpc::AsyncGenericService* service() { return &service_; }
  // Arms the calls on `queue`, whose threads run RunCompletionQueue.
  void Serve(grpc::ServerCompletionQueue* queue);

 private:
  grpc::AsyncGenericService service_;
};

}  // namespace hdo::frontend
