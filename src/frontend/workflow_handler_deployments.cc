// Worker deployments (worker versioning): the WorkflowService RPCs of the deployment registry
// (frontend/worker_deployments.h) and UpdateWorkflowExecutionOptions (the run's versioning
// override, history/engine_versioning.cc). Every call runs on the engine thread.
#include "frontend/validation.h"
#include "frontend/worker_deployments.h"
#include "frontend/workflow_handler.h"
#include "frontend/workflow_handler_calls.h"

namespace hdo::frontend {

namespace {

// The registry is set once the server made it; a handler without one says so.
hugo::Result<hugo::Unit> Registry(const WorkerDeployments* deployments) {
  if (deployments != nullptr) return hugo::Ok();
  return hugo::Error::From("worker deployments are not available on this server",
                           errors::kUnimplemented);
}

}  // namespace

// Each RPC: the namespace checked and resolved, then the registry's method on the engine thread.
#define HDO_DEPLOYMENT_RPC(Method, Request, Response, Registry_method)                            \
  void WorkflowHandler::Method(Call<wf::Request, wf::Response>* call, const wf::Request* request, \
                               wf::Response* response) {                                          \
    ServeOnNamespace(                                                                             \
        call, request, response,                                                                  \
        [](const wf::Request& r) { return ValidateNamespaceName(r.namespace_()); },               \
        [this, request](const std::string& namespace_id) -> hugo::Result<wf::Response> {          \
          auto available = Registry(deployments_);                                                \
          if (available.IsFailure()) return available.Error();                                    \
          return deployments_->Registry_method(namespace_id, *request);                           \
        });                                                                                       \
  }

HDO_DEPLOYMENT_RPC(DescribeWorkerDeployment, DescribeWorkerDeploymentRequest,
                   DescribeWorkerDeploymentResponse, Describe)
HDO_DEPLOYMENT_RPC(ListWorkerDeployments, ListWorkerDeploymentsRequest,
                   ListWorkerDeploymentsResponse, List)
HDO_DEPLOYMENT_RPC(DescribeWorkerDeploymentVersion, DescribeWorkerDeploymentVersionRequest,
                   DescribeWorkerDeploymentVersionResponse, DescribeVersion)
HDO_DEPLOYMENT_RPC(SetWorkerDeploymentCurrentVersion, SetWorkerDeploymentCurrentVersionRequest,
                   SetWorkerDeploymentCurrentVersionResponse, SetCurrent)
HDO_DEPLOYMENT_RPC(SetWorkerDeploymentRampingVersion, SetWorkerDeploymentRampingVersionRequest,
                   SetWorkerDeploymentRampingVersionResponse, SetRamping)
HDO_DEPLOYMENT_RPC(DeleteWorkerDeploymentVersion, DeleteWorkerDeploymentVersionRequest,
                   DeleteWorkerDeploymentVersionResponse, DeleteVersion)
HDO_DEPLOYMENT_RPC(DeleteWorkerDeployment, DeleteWorkerDeploymentRequest,
                   DeleteWorkerDeploymentResponse, Delete)
HDO_DEPLOYMENT_RPC(UpdateWorkerDeploymentVersionMetadata,
                   UpdateWorkerDeploymentVersionMetadataRequest,
                   UpdateWorkerDeploymentVersionMetadataResponse, UpdateVersionMetadata)
HDO_DEPLOYMENT_RPC(SetWorkerDeploymentManager, SetWorkerDeploymentManagerRequest,
                   SetWorkerDeploymentManagerResponse, SetManager)

#undef HDO_DEPLOYMENT_RPC

void WorkflowHandler::UpdateWorkflowExecutionOptions(
    Call<wf::UpdateWorkflowExecutionOptionsRequest, wf::UpdateWorkflowExecutionOptionsResponse>*
        call,
    const wf::UpdateWorkflowExecutionOptionsRequest* request,
    wf::UpdateWorkflowExecutionOptionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::UpdateWorkflowExecutionOptionsRequest& r) -> hugo::Result<hugo::Unit> {
        auto named = ValidateNamespaceName(r.namespace_());
        if (named.IsFailure()) return named;
        if (r.workflow_execution().workflow_id().empty()) {
          return hugo::Error::From("WorkflowId is not set on request.", errors::kInvalidArgument);
        }
        return hugo::Ok();
      },
      [this, request](const std::string& namespace_id) {
        return engine_->UpdateWorkflowExecutionOptions(namespace_id, *request);
      });
}

}  // namespace hdo::frontend
