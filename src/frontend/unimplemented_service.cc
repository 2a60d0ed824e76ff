#include "frontend/unimplemented_service.h"

#include <map>
#include <string>

#include "common/log.h"
#include "frontend/async_unary.h"

namespace hdo::frontend {
namespace {

// One call of an unknown method: armed, answered on arrival (the next one armed first), deleted
// when the answer has gone.
class UnimplementedCall final {
 public:
  static void Arm(grpc::AsyncGenericService* service, grpc::ServerCompletionQueue* queue) {
    auto* call = new UnimplementedCall(service, queue);
    service->RequestCall(&call->context_, &call->stream_, queue, queue, &call->arrived_);
  }

 private:
  UnimplementedCall(grpc::AsyncGenericService* service, grpc::ServerCompletionQueue* queue)
      : service_(service), queue_(queue) {}

  void Arrived(bool ok) {
    // Not ok: the server is shutting down and this call never started.
    if (!ok) {
      delete this;
      return;
    }
    Arm(service_, queue_);
    const std::string& method = context_.method();
    log::Debug("unimplemented method called", {{"method", method}});
    stream_.Finish(UnimplementedService::Answer(method), &finished_);
  }
  void Finished(bool /*ok*/) { delete this; }

  grpc::AsyncGenericService* service_;
  grpc::ServerCompletionQueue* queue_;
  grpc::GenericServerContext context_;
  grpc::GenericServerAsyncReaderWriter stream_{&context_};
  StepTag<UnimplementedCall> arrived_{this, &UnimplementedCall::Arrived};
  StepTag<UnimplementedCall> finished_{this, &UnimplementedCall::Finished};
};

}  // namespace

std::optional<grpc::Status> UnimplementedService::RefusedAnswer(const std::string& method) {
  using grpc::StatusCode;
  // The reference's words (service/frontend/errors.go and workflow_handler.go) under its default
  // dynamic config, which the dev server keeps.
  static const std::string kDeploymentsV1 =
      "Deployments are deprecated and no longer supported, use Worker Deployments instead";
  static const std::map<std::string, grpc::Status> kRefused = {
      // Deployments v1, retired.
      {"DescribeDeployment", {StatusCode::UNIMPLEMENTED, kDeploymentsV1}},
      {"ListDeployments", {StatusCode::UNIMPLEMENTED, kDeploymentsV1}},
      {"GetCurrentDeployment", {StatusCode::UNIMPLEMENTED, kDeploymentsV1}},
      {"SetCurrentDeployment", {StatusCode::UNIMPLEMENTED, kDeploymentsV1}},
      {"GetDeploymentReachability", {StatusCode::UNIMPLEMENTED, kDeploymentsV1}},
      // Worker commands (frontend.WorkerCommandsEnabled, off by default).
      {"FetchWorkerConfig",
       {StatusCode::UNIMPLEMENTED, "FetchWorkerConfig command is not enabled."}},
      {"UpdateWorkerConfig",
       {StatusCode::UNIMPLEMENTED, "UpdateWorkerConfig command is not enabled."}},
      // No archival is configured: nothing archived to list.
      {"ListArchivedWorkflowExecutions",
       {StatusCode::INVALID_ARGUMENT, "Cluster is not configured for visibility archival."}},
  };
  auto refused = kRefused.find(method);
  if (refused == kRefused.end()) return std::nullopt;
  return refused->second;
}

grpc::Status UnimplementedService::Answer(const std::string& path) {
  // A full method path is "/package.Service/Method"; the message names the method alone.
  const size_t slash = path.rfind('/');
  const std::string name = path.substr(slash + 1);
  if (path.substr(0, slash) == "/temporal.api.workflowservice.v1.WorkflowService") {
    if (auto refused = RefusedAnswer(name)) return *refused;
  }
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "method " + name + " not implemented");
}

void UnimplementedService::Serve(grpc::ServerCompletionQueue* queue) {
  // Rare calls: two waiting is plenty (gRPC holds the calls that arrive meanwhile).
  for (int i = 0; i < 2; ++i) UnimplementedCall::Arm(&service_, queue);
}

}  // namespace hdo::frontend
