// The activity operator RPCs of WorkflowHandler (PauseActivity, UnpauseActivity, ResetActivity,
// UpdateActivityOptions): the reference's request checks, then the engine on its thread
// (history/engine_activity_ops.cc).
#include "frontend/validation.h"
#include "frontend/workflow_handler.h"
#include "frontend/workflow_handler_calls.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;

namespace {

// reference: the frontend's checks common to the four calls, in its order.
template <class Request>
hugo::Result<hugo::Unit> ValidateActivityOperation(const Request& request) {
  auto named = ValidateNamespaceName(request.namespace_());
  if (named.IsFailure()) return named;
  if (request.execution().workflow_id().empty()) {
    return InvalidArgument("WorkflowId is not set on request.");
  }
  if (request.activity_case() == Request::ACTIVITY_NOT_SET) {
    return InvalidArgument("Either Activity.Id or Activity.Type should be set on request.");
  }
  return hugo::Ok();
}

}  // namespace

void WorkflowHandler::PauseActivity(Call<wf::PauseActivityRequest, wf::PauseActivityResponse>* call,
                                    const wf::PauseActivityRequest* request,
                                    wf::PauseActivityResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::PauseActivityRequest& r) { return ValidateActivityOperation(r); },
      [this, request](const std::string& namespace_id) {
        return engine_->PauseActivity(namespace_id, *request);
      });
}

void WorkflowHandler::UnpauseActivity(
    Call<wf::UnpauseActivityRequest, wf::UnpauseActivityResponse>* call,
    const wf::UnpauseActivityRequest* request, wf::UnpauseActivityResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::UnpauseActivityRequest& r) { return ValidateActivityOperation(r); },
      [this, request](const std::string& namespace_id) {
        return engine_->UnpauseActivity(namespace_id, *request);
      });
}

void WorkflowHandler::ResetActivity(Call<wf::ResetActivityRequest, wf::ResetActivityResponse>* call,
                                    const wf::ResetActivityRequest* request,
                                    wf::ResetActivityResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ResetActivityRequest& r) { return ValidateActivityOperation(r); },
      [this, request](const std::string& namespace_id) {
        return engine_->ResetActivity(namespace_id, *request);
      });
}

void WorkflowHandler::UpdateActivityOptions(
    Call<wf::UpdateActivityOptionsRequest, wf::UpdateActivityOptionsResponse>* call,
    const wf::UpdateActivityOptionsRequest* request, wf::UpdateActivityOptionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::UpdateActivityOptionsRequest& r) { return ValidateActivityOperation(r); },
      [this, request](const std::string& namespace_id) {
        return engine_->UpdateActivityOptions(namespace_id, *request);
      });
}

}  // namespace hdo::frontend
