// The catch-all gRPC service: every call to a method that no registered service handles (an
// unserved WorkflowService or OperatorService RPC, or an unknown service) ends here.
//
// A method of a feature the reference ships switched off or retired answers as the reference's
// dev server does (RefusedAnswer): deployments v1 and the worker commands UNIMPLEMENTED with the
// reference's reason, archived visibility INVALID_ARGUMENT. Every other method answers
// UNIMPLEMENTED "method <Name> not implemented": the Temporal SDKs look for the words "not
// implemented" when they probe optional RPCs such as GetSystemInfo.
//
// Served on the completion-queue API like every other call (frontend/async_unary.h). Owned by the
// server; register service() before the server starts, then Serve once it has.
#pragma once

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/support/status.h>

#include <optional>
#include <string>

namespace hdo::frontend {

class UnimplementedService final {
 public:
  grpc::AsyncGenericService* service() { return &service_; }
  // Arms the calls on `queue`, whose threads run RunCompletionQueue.
  void Serve(grpc::ServerCompletionQueue* queue);

  // The answer to a call of the WorkflowService method `method` (the bare name, e.g.
  // "GetWorkerBuildIdCompatibility") when its feature is one the reference refuses by default;
  // nullopt for a method simply not built.
  static std::optional<grpc::Status> RefusedAnswer(const std::string& method);
  // The answer to any call that reaches this service; `path` is the full method path,
  // "/package.Service/Method".
  static grpc::Status Answer(const std::string& path);

 private:
  grpc::AsyncGenericService service_;
};

}  // namespace hdo::frontend
