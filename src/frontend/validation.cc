#include "frontend/validation.h"

#include "common/error_codes.h"
#include "common/uuid.h"
#include "frontend/errors.h"

namespace hdo::frontend {
namespace {

bool IsNegative(const google::protobuf::Duration& duration) {
  return duration.seconds() < 0 || duration.nanos() < 0;
}

}  // namespace

hugo::Result<hugo::Unit> ValidateTaskQueue(const temporal::api::taskqueue::v1::TaskQueue& queue) {
  if (queue.name().empty()) return InvalidArgument("TaskQueue is not set on request.");
  if (queue.name().size() > kIdLengthMax) {
    return InvalidArgument("TaskQueue length exceeds limit.");
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> ValidateExecution(const temporal::api::common::v1::WorkflowExecution& e) {
  if (e.workflow_id().empty()) return InvalidArgument("WorkflowId is not set on request.");
  if (e.workflow_id().size() > kIdLengthMax) {
    return InvalidArgument("WorkflowId length exceeds limit.");
  }
  if (!e.run_id().empty() && !IsUuid(e.run_id())) return InvalidArgument("Invalid RunId.");
  return hugo::Ok();
}

hugo::Result<hugo::Unit> ValidateStartWorkflow(
    const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request) {
  if (request.workflow_id().empty()) return InvalidArgument("WorkflowId is not set on request.");
  if (request.workflow_id().size() > kIdLengthMax) {
    return InvalidArgument("WorkflowId length exceeds limit.");
  }
  if (request.workflow_type().name().empty()) {
    return InvalidArgument("WorkflowType is not set on request.");
  }
  if (request.workflow_type().name().size() > kIdLengthMax) {
    return InvalidArgument("WorkflowType length exceeds limit.");
  }
  auto queue_ok = ValidateTaskQueue(request.task_queue());
  if (queue_ok.IsFailure()) return queue_ok;
  if (request.request_id().size() > kIdLengthMax) {
    return InvalidArgument("RequestId length exceeds limit.");
  }
  if (request.identity().size() > kIdLengthMax) {
    return InvalidArgument("Identity length exceeds limit.");
  }
  if (IsNegative(request.workflow_execution_timeout())) {
    return InvalidArgument("Invalid WorkflowExecutionTimeout.");
  }
  if (IsNegative(request.workflow_run_timeout())) {
    return InvalidArgument("Invalid WorkflowRunTimeout.");
  }
  if (IsNegative(request.workflow_task_timeout())) {
    return InvalidArgument("Invalid WorkflowTaskTimeout.");
  }
  if (IsNegative(request.workflow_start_delay())) {
    return InvalidArgument("Invalid WorkflowStartDelay.");
  }
  // Accepted by the reference and not yet built here: refuse rather than silently ignore.
  if (!request.cron_schedule().empty()) {
    return hugo::Error::From("cron_schedule is not implemented yet", errors::kUnimplemented);
  }
  if (request.workflow_start_delay().seconds() > 0 || request.workflow_start_delay().nanos() > 0) {
    return hugo::Error::From("workflow_start_delay is not implemented yet", errors::kUnimplemented);
  }
  return hugo::Ok();
}

}  // namespace hdo::frontend
