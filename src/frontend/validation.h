// Request validation of the frontend: each check returns InvalidArgument with the reference
// server's wording (SDKs and tools match on some of it) and never touches state. Pure; thread-safe.
#pragma once

#include <google/protobuf/message.h>

#include <cstddef>
#include <optional>
#include <string>

#include "hugo/result.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::frontend {

inline constexpr size_t kIdLengthMax = 1000;  // reference: limit.maxIDLength

hugo::Result<hugo::Unit> ValidateStartWorkflow(
    const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request);
// A workflow execution reference: workflow id set and bounded; run id empty or a UUID.
hugo::Result<hugo::Unit> ValidateExecution(const temporal::api::common::v1::WorkflowExecution& e);
hugo::Result<hugo::Unit> ValidateTaskQueue(const temporal::api::taskqueue::v1::TaskQueue& queue);

// --- the RPCs of workers, signals, queries, cancellation and description -------------------------
// Each mirrors the checks of the reference's handler of the same name (service/frontend/
// workflow_handler.go, errors.go, validators.go), the namespace/task-token checks of its
// NamespaceValidatorInterceptor (common/rpc/interceptor/namespace_validator.go) and, for task
// queues, tqid.NormalizeAndValidate (common/tqid/task_queue_validator.go), in the reference's
// order, so the first failing rule gives the reference's message. Task tokens are opaque here:
// only their presence is checked; the engine decodes them.

// reference: limit.blobSize.error / limit.blobSize.warn (per payload field of a request).
inline constexpr size_t kBlobSizeLimitError = size_t{2} * 1024 * 1024;
inline constexpr size_t kBlobSizeLimitWarn = size_t{512} * 1024;

// common.CheckEventBlobSizeLimit: InvalidArgument "Blob data size exceeds limit." when `size_bytes`
// is over kBlobSizeLimitError. Where the reference turns an oversized blob into a failure instead
// (activity results, heartbeat details, workflow-task failures, query answers) the caller decides;
// this only measures.
hugo::Result<hugo::Unit> CheckBlobSize(size_t size_bytes);
// The serialized size of a payload field (an absent message is 0 bytes).
hugo::Result<hugo::Unit> CheckBlobSize(const google::protobuf::Message& payloads);
bool BlobSizeExceedsWarnLimit(size_t size_bytes);

// The namespace of a request addressed by name: "Namespace not set on request.",
// "Namespace length exceeds limit.".
hugo::Result<hugo::Unit> ValidateNamespaceName(const std::string& name);
// "Task token not set on request." for an empty token.
hugo::Result<hugo::Unit> ValidateTaskToken(const std::string& task_token);

hugo::Result<hugo::Unit> ValidateSignalWorkflow(
    const temporal::api::workflowservice::v1::SignalWorkflowExecutionRequest& request);
// The reference's RequestValidator.ValidateSignalWithStartRequest (its own wording: "signal not
// set", "workflow type not set", ...); conflict policy FAIL is refused, cron_schedule and
// workflow_start_delay are Unimplemented here as for ValidateStartWorkflow.
hugo::Result<hugo::Unit> ValidateSignalWithStartWorkflow(
    const temporal::api::workflowservice::v1::SignalWithStartWorkflowExecutionRequest& request);
hugo::Result<hugo::Unit> ValidateRequestCancelWorkflow(
    const temporal::api::workflowservice::v1::RequestCancelWorkflowExecutionRequest& request);
hugo::Result<hugo::Unit> ValidateQueryWorkflow(
    const temporal::api::workflowservice::v1::QueryWorkflowRequest& request);
// --- updates: the reference's prepareUpdateWorkflowRequest (an empty update id is filled by
// the handler, an unset wait stage means COMPLETED; waiting for ADMITTED is PermissionDenied).
hugo::Result<hugo::Unit> ValidateUpdateWorkflow(
    const temporal::api::workflowservice::v1::UpdateWorkflowExecutionRequest& request);
hugo::Result<hugo::Unit> ValidatePollWorkflowExecutionUpdate(
    const temporal::api::workflowservice::v1::PollWorkflowExecutionUpdateRequest& request);
// Exactly [Start, Update] (a plain InvalidArgument otherwise, as the reference's).
hugo::Result<hugo::Unit> ValidateExecuteMultiOperation(
    const temporal::api::workflowservice::v1::ExecuteMultiOperationRequest& request);
// The refusals of each operation of a [Start, Update] (unset: valid), which the reference answers
// in a MultiOperationExecutionFailure, the other operation's status "aborted": the start's own,
// the update's own and a workflow id that is not the start's.
struct MultiOperationFaults {
  std::optional<hugo::Error> start;
  std::optional<hugo::Error> update;
  bool Any() const { return start.has_value() || update.has_value(); }
};
MultiOperationFaults ValidateMultiOperations(
    const temporal::api::workflowservice::v1::ExecuteMultiOperationRequest& request);
hugo::Result<hugo::Unit> ValidateRespondQueryTaskCompleted(
    const temporal::api::workflowservice::v1::RespondQueryTaskCompletedRequest& request);
hugo::Result<hugo::Unit> ValidateRespondWorkflowTaskCompleted(
    const temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedRequest& request);
hugo::Result<hugo::Unit> ValidateRespondWorkflowTaskFailed(
    const temporal::api::workflowservice::v1::RespondWorkflowTaskFailedRequest& request);
// Poll task queues: "taskQueue is not set", "missing task queue name", "taskQueue length exceeds
// limit", "task queue name cannot start with reserved prefix /_sys/"; identity length.
hugo::Result<hugo::Unit> ValidatePollWorkflowTaskQueue(
    const temporal::api::workflowservice::v1::PollWorkflowTaskQueueRequest& request);
hugo::Result<hugo::Unit> ValidatePollActivityTaskQueue(
    const temporal::api::workflowservice::v1::PollActivityTaskQueueRequest& request);
// Nexus tasks: the poll as the other polls; an answer needs its task token and what it answers
// (a response, or a handler error with its type).
hugo::Result<hugo::Unit> ValidatePollNexusTaskQueue(
    const temporal::api::workflowservice::v1::PollNexusTaskQueueRequest& request);
hugo::Result<hugo::Unit> ValidateRespondNexusTaskCompleted(
    const temporal::api::workflowservice::v1::RespondNexusTaskCompletedRequest& request);
hugo::Result<hugo::Unit> ValidateRespondNexusTaskFailed(
    const temporal::api::workflowservice::v1::RespondNexusTaskFailedRequest& request);
hugo::Result<hugo::Unit> ValidateRecordActivityTaskHeartbeat(
    const temporal::api::workflowservice::v1::RecordActivityTaskHeartbeatRequest& request);
hugo::Result<hugo::Unit> ValidateRespondActivityTaskCompleted(
    const temporal::api::workflowservice::v1::RespondActivityTaskCompletedRequest& request);
// Also: "Failure must have ApplicationFailureInfo." and a valid next_retry_delay in the chain.
hugo::Result<hugo::Unit> ValidateRespondActivityTaskFailed(
    const temporal::api::workflowservice::v1::RespondActivityTaskFailedRequest& request);
hugo::Result<hugo::Unit> ValidateRespondActivityTaskCanceled(
    const temporal::api::workflowservice::v1::RespondActivityTaskCanceledRequest& request);
// ById forms: namespace, "ActivityId is not set on request.", identity length (not for the
// heartbeat, as in the reference), "WorkflowId is not set on request.", run id a UUID when set.
hugo::Result<hugo::Unit> ValidateRecordActivityTaskHeartbeatById(
    const temporal::api::workflowservice::v1::RecordActivityTaskHeartbeatByIdRequest& request);
hugo::Result<hugo::Unit> ValidateRespondActivityTaskCompletedById(
    const temporal::api::workflowservice::v1::RespondActivityTaskCompletedByIdRequest& request);
hugo::Result<hugo::Unit> ValidateRespondActivityTaskFailedById(
    const temporal::api::workflowservice::v1::RespondActivityTaskFailedByIdRequest& request);
hugo::Result<hugo::Unit> ValidateRespondActivityTaskCanceledById(
    const temporal::api::workflowservice::v1::RespondActivityTaskCanceledByIdRequest& request);
hugo::Result<hugo::Unit> ValidateDescribeWorkflowExecution(
    const temporal::api::workflowservice::v1::DescribeWorkflowExecutionRequest& request);
hugo::Result<hugo::Unit> ValidateResetStickyTaskQueue(
    const temporal::api::workflowservice::v1::ResetStickyTaskQueueRequest& request);
// --- reset and delete: the reference's order (request id, then the execution); the reset
// point is checked by history, which knows the run's last event.
hugo::Result<hugo::Unit> ValidateResetWorkflowExecution(
    const temporal::api::workflowservice::v1::ResetWorkflowExecutionRequest& request);
hugo::Result<hugo::Unit> ValidateDeleteWorkflowExecution(
    const temporal::api::workflowservice::v1::DeleteWorkflowExecutionRequest& request);
// --- end of reset and delete
// The task queue as a partition (tqid.NormalizeAndValidatePartition: no reserved-prefix rule).
hugo::Result<hugo::Unit> ValidateDescribeTaskQueue(
    const temporal::api::workflowservice::v1::DescribeTaskQueueRequest& request);
// The task queue as tqid.NormalizeAndValidate takes it (no default name).
hugo::Result<hugo::Unit> ValidateListTaskQueuePartitions(
    const temporal::api::workflowservice::v1::ListTaskQueuePartitionsRequest& request);

// --- standalone activities (reference chasm/lib/activity/validator.go): the checks in the
// reference's order and words; Normalize* also fill what the reference fills (a request id when
// empty, the retry policy's defaults, the timeouts from one another, the id policies' defaults).
hugo::Result<hugo::Unit> NormalizeStartActivityExecution(
    temporal::api::workflowservice::v1::StartActivityExecutionRequest* request,
    const std::string& generated_request_id);
hugo::Result<hugo::Unit> ValidateDescribeActivityExecution(
    const temporal::api::workflowservice::v1::DescribeActivityExecutionRequest& request);
hugo::Result<hugo::Unit> ValidatePollActivityExecution(
    const temporal::api::workflowservice::v1::PollActivityExecutionRequest& request);
hugo::Result<hugo::Unit> NormalizeRequestCancelActivityExecution(
    temporal::api::workflowservice::v1::RequestCancelActivityExecutionRequest* request,
    const std::string& generated_request_id);
hugo::Result<hugo::Unit> NormalizeTerminateActivityExecution(
    temporal::api::workflowservice::v1::TerminateActivityExecutionRequest* request,
    const std::string& generated_request_id);
hugo::Result<hugo::Unit> ValidateDeleteActivityExecution(
    const temporal::api::workflowservice::v1::DeleteActivityExecutionRequest& request);

// Standalone Nexus operations (reference chasm/lib/nexusoperation/validator.go): the request id
// generated when empty, the id policies defaulted (ALLOW_DUPLICATE, FAIL), the header's keys
// lower-cased, the schedule-to-close bounding the other timeouts; the reference's messages.
hugo::Result<hugo::Unit> NormalizeStartNexusOperationExecution(
    temporal::api::workflowservice::v1::StartNexusOperationExecutionRequest* request,
    const std::string& generated_request_id);
hugo::Result<hugo::Unit> ValidateDescribeNexusOperationExecution(
    const temporal::api::workflowservice::v1::DescribeNexusOperationExecutionRequest& request);
// STARTED and CLOSED accepted (UNSPECIFIED means CLOSED).
hugo::Result<hugo::Unit> ValidatePollNexusOperationExecution(
    const temporal::api::workflowservice::v1::PollNexusOperationExecutionRequest& request);
hugo::Result<hugo::Unit> NormalizeRequestCancelNexusOperationExecution(
    temporal::api::workflowservice::v1::RequestCancelNexusOperationExecutionRequest* request,
    const std::string& generated_request_id);
hugo::Result<hugo::Unit> NormalizeTerminateNexusOperationExecution(
    temporal::api::workflowservice::v1::TerminateNexusOperationExecutionRequest* request,
    const std::string& generated_request_id);
hugo::Result<hugo::Unit> ValidateDeleteNexusOperationExecution(
    const temporal::api::workflowservice::v1::DeleteNexusOperationExecutionRequest& request);

}  // namespace hdo::frontend
