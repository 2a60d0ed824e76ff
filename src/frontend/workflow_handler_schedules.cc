// The schedule RPCs of WorkflowHandler: validated namespace, then the scheduler on the engine
// thread (worker/scheduler.h), which validates the rest and answers.
#include "frontend/validation.h"
#include "frontend/workflow_handler.h"
#include "frontend/workflow_handler_calls.h"
#include "worker/scheduler.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;

void WorkflowHandler::CreateSchedule(
    Call<wf::CreateScheduleRequest, wf::CreateScheduleResponse>* call,
    const wf::CreateScheduleRequest* request, wf::CreateScheduleResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::CreateScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Create(namespace_id, *request);
      });
}

void WorkflowHandler::DescribeSchedule(
    Call<wf::DescribeScheduleRequest, wf::DescribeScheduleResponse>* call,
    const wf::DescribeScheduleRequest* request, wf::DescribeScheduleResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DescribeScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Describe(namespace_id, *request);
      });
}

void WorkflowHandler::UpdateSchedule(
    Call<wf::UpdateScheduleRequest, wf::UpdateScheduleResponse>* call,
    const wf::UpdateScheduleRequest* request, wf::UpdateScheduleResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::UpdateScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Update(namespace_id, *request);
      });
}

void WorkflowHandler::PatchSchedule(Call<wf::PatchScheduleRequest, wf::PatchScheduleResponse>* call,
                                    const wf::PatchScheduleRequest* request,
                                    wf::PatchScheduleResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::PatchScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Patch(namespace_id, *request);
      });
}

void WorkflowHandler::DeleteSchedule(
    Call<wf::DeleteScheduleRequest, wf::DeleteScheduleResponse>* call,
    const wf::DeleteScheduleRequest* request, wf::DeleteScheduleResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DeleteScheduleRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Delete(namespace_id, *request);
      });
}

void WorkflowHandler::ListSchedules(Call<wf::ListSchedulesRequest, wf::ListSchedulesResponse>* call,
                                    const wf::ListSchedulesRequest* request,
                                    wf::ListSchedulesResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListSchedulesRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->List(namespace_id, *request);
      });
}

void WorkflowHandler::CountSchedules(
    Call<wf::CountSchedulesRequest, wf::CountSchedulesResponse>* call,
    const wf::CountSchedulesRequest* request, wf::CountSchedulesResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::CountSchedulesRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) {
        return scheduler_->Count(namespace_id, *request);
      });
}

void WorkflowHandler::ListScheduleMatchingTimes(
    Call<wf::ListScheduleMatchingTimesRequest, wf::ListScheduleMatchingTimesResponse>* call,
    const wf::ListScheduleMatchingTimesRequest* request,
    wf::ListScheduleMatchingTimesResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListScheduleMatchingTimesRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return scheduler_->MatchingTimes(namespace_id, *request);
      });
}

}  // namespace hdo::frontend
