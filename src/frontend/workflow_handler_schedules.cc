// The schedule RPCs of WorkflowHandler: validated namespace, then the scheduler on the engine
// thread (worker/scheduler.h), which validates the rest and answers.
#include "frontend/validation.h"
#include "frontend/workflow_handler.h"
#include "frontend/workflow_handler_calls.h"
#include "worker/scheduler.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;

grpc::ServerUnaryReactor* WorkflowHandler::CreateSchedule(grpc::CallbackServerContext* context,
                                                          const wf::CreateScheduleRequest* request,
                                                          wf::CreateScheduleResponse* response) {
  return OnNamespace(
      context, request, response,
      [](const wf::CreateScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Create(namespace_id, *request);
      });
}

grpc::ServerUnaryReactor* WorkflowHandler::DescribeSchedule(
    grpc::CallbackServerContext* context, const wf::DescribeScheduleRequest* request,
    wf::DescribeScheduleResponse* response) {
  return OnNamespace(
      context, request, response,
      [](const wf::DescribeScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Describe(namespace_id, *request);
      });
}

grpc::ServerUnaryReactor* WorkflowHandler::UpdateSchedule(grpc::CallbackServerContext* context,
                                                          const wf::UpdateScheduleRequest* request,
                                                          wf::UpdateScheduleResponse* response) {
  return OnNamespace(
      context, request, response,
      [](const wf::UpdateScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Update(namespace_id, *request);
      });
}

grpc::ServerUnaryReactor* WorkflowHandler::PatchSchedule(grpc::CallbackServerContext* context,
                                                         const wf::PatchScheduleRequest* request,
                                                         wf::PatchScheduleResponse* response) {
  return OnNamespace(
      context, request, response,
      [](const wf::PatchScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Patch(namespace_id, *request);
      });
}

grpc::ServerUnaryReactor* WorkflowHandler::DeleteSchedule(grpc::CallbackServerContext* context,
                                                          const wf::DeleteScheduleRequest* request,
                                                          wf::DeleteScheduleResponse* response) {
  return OnNamespace(
      context, request, response,
      [](const wf::DeleteScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Delete(namespace_id, *request);
      });
}

grpc::ServerUnaryReactor* WorkflowHandler::ListSchedules(grpc::CallbackServerContext* context,
                                                         const wf::ListSchedulesRequest* request,
                                                         wf::ListSchedulesResponse* response) {
  return OnNamespace(
      context, request, response,
      [](const wf::ListSchedulesRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->List(namespace_id, *request);
      });
}

grpc::ServerUnaryReactor* WorkflowHandler::ListScheduleMatchingTimes(
    grpc::CallbackServerContext* context, const wf::ListScheduleMatchingTimesRequest* request,
    wf::ListScheduleMatchingTimesResponse* response) {
  return OnNamespace(
      context, request, response,
      [](const wf::ListScheduleMatchingTimesRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return scheduler_->MatchingTimes(namespace_id, *request);
      });
}

}  // namespace hdo::frontend
