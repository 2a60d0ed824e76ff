// The batch operation RPCs of WorkflowHandler: validated namespace, then the batcher on the engine
// thread (worker/batcher.h), which validates the rest and answers.
#include "frontend/validation.h"
#include "frontend/workflow_handler.h"
#include "frontend/workflow_handler_calls.h"
#include "worker/batcher.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;

void WorkflowHandler::StartBatchOperation(
    Call<wf::StartBatchOperationRequest, wf::StartBatchOperationResponse>* call,
    const wf::StartBatchOperationRequest* request, wf::StartBatchOperationResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::StartBatchOperationRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return batcher_->Start(namespace_id, *request);
      });
}

void WorkflowHandler::StopBatchOperation(
    Call<wf::StopBatchOperationRequest, wf::StopBatchOperationResponse>* call,
    const wf::StopBatchOperationRequest* request, wf::StopBatchOperationResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::StopBatchOperationRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return batcher_->StopJob(namespace_id, *request);
      });
}

void WorkflowHandler::DescribeBatchOperation(
    Call<wf::DescribeBatchOperationRequest, wf::DescribeBatchOperationResponse>* call,
    const wf::DescribeBatchOperationRequest* request,
    wf::DescribeBatchOperationResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DescribeBatchOperationRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return batcher_->Describe(namespace_id, *request);
      });
}

void WorkflowHandler::ListBatchOperations(
    Call<wf::ListBatchOperationsRequest, wf::ListBatchOperationsResponse>* call,
    const wf::ListBatchOperationsRequest* request, wf::ListBatchOperationsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListBatchOperationsRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return batcher_->List(namespace_id, *request);
      });
}

}  // namespace hdo::frontend
