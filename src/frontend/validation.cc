#include "frontend/validation.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>

#include "common/error_codes.h"
#include "common/uuid.h"
#include "frontend/errors.h"
#include "history/commands.h"
#include "history/cron.h"

namespace hdo::frontend {
namespace {

namespace workflowservice = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using Status = hugo::Result<hugo::Unit>;

constexpr char kReservedTaskQueuePrefix[] = "/_sys/";
// WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING, deprecated in the API but still checked by the
// reference (named by value to keep -Werror=deprecated-declarations quiet).
constexpr auto kReuseTerminateIfRunning = static_cast<enums::WorkflowIdReusePolicy>(4);

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// "(<length>/<limit>)" of the reference's RequestValidator messages.
std::string LengthOfLimit(size_t length) {
  return "(" + std::to_string(length) + "/" + std::to_string(kIdLengthMax) + ")";
}

Status IdentityLength(const std::string& identity) {
  if (identity.size() > kIdLengthMax) return InvalidArgument("Identity length exceeds limit.");
  return hugo::Ok();
}

// validateExecution of the reference frontend, plus the existing workflow id length rule.
Status ExecutionOf(bool present, const temporal::api::common::v1::WorkflowExecution& execution) {
  if (!present) return InvalidArgument("Execution is not set on request.");
  return ValidateExecution(execution);
}

// tqid.normalizeAndValidate with no default name; `root` adds the reserved-prefix rule.
Status TaskQueueOf(bool present, const temporal::api::taskqueue::v1::TaskQueue& queue, bool root) {
  if (!present) return InvalidArgument("taskQueue is not set");
  if (queue.name().empty()) return InvalidArgument("missing task queue name");
  if (queue.name().size() > kIdLengthMax) return InvalidArgument("taskQueue length exceeds limit");
  if (root && StartsWith(queue.name(), kReservedTaskQueuePrefix)) {
    return InvalidArgument(std::string("task queue name cannot start with reserved prefix ") +
                           kReservedTaskQueuePrefix);
  }
  if (queue.kind() == enums::TASK_QUEUE_KIND_STICKY && queue.normal_name().size() > kIdLengthMax) {
    return InvalidArgument("taskQueue length exceeds limit");
  }
  return hugo::Ok();
}

// primitives.CheckInternalPerNsTaskQueueAllowed for a request with no parent task queue.
Status UserTaskQueueOf(bool present, const temporal::api::taskqueue::v1::TaskQueue& queue) {
  auto valid = TaskQueueOf(present, queue, /*root=*/true);
  if (valid.IsFailure()) return valid;
  if (StartsWith(queue.name(), "temporal-sys-per-ns-") ||
      queue.name() == "temporal-sys-worker-controller-per-ns-tq") {
    return InvalidArgument("cannot use internal per-namespace task queue:" + queue.name());
  }
  return hugo::Ok();
}

// RequestValidator.ValidateWorkflowTimeouts / ValidateWorkflowStartDelay wording.
Status DurationOf(const google::protobuf::Duration& duration, const char* invalid_message) {
  google::protobuf::Duration copy = duration;
  if (auto error = history::ValidateAndCapDuration(&copy)) {
    return InvalidArgument(std::string(invalid_message) + " cause: " + *error);
  }
  return hugo::Ok();
}

// The three workflow timeouts of a start or signal-with-start request.
template <class Request>
Status WorkflowTimeoutsOf(const Request& request) {
  for (auto [duration, message] :
       {std::pair{&request.workflow_execution_timeout(),
                  "An invalid WorkflowExecutionTimeoutSeconds is set on request."},
        std::pair{&request.workflow_run_timeout(),
                  "An invalid WorkflowRunTimeoutSeconds is set on request."},
        std::pair{&request.workflow_task_timeout(),
                  "An invalid WorkflowTaskTimeoutSeconds is set on request."}}) {
    auto valid = DurationOf(*duration, message);
    if (valid.IsFailure()) return valid;
  }
  return hugo::Ok();
}

// The id reuse and conflict policies of a start or signal-with-start request go together.
template <class Request>
Status IdPoliciesOf(const Request& request) {
  auto reuse = request.workflow_id_reuse_policy();
  auto conflict = request.workflow_id_conflict_policy();
  if (conflict != enums::WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED &&
      reuse == kReuseTerminateIfRunning) {
    return InvalidArgument(
        "Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be "
        "used together with a WorkflowIDConflictPolicy");
  }
  if (conflict == enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING &&
      reuse == enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE) {
    return InvalidArgument(
        "Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE cannot be used "
        "together with WorkflowIdConflictPolicy WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING");
  }
  return hugo::Ok();
}

// The workflow retry policy of a request, checked with the server defaults filled in.
template <class Request>
Status RetryPolicyOf(const Request& request) {
  if (!request.has_retry_policy()) return hugo::Ok();
  auto policy = request.retry_policy();
  history::FillRetryPolicyDefaults(&policy, history::DefaultRetrySettings{});
  auto valid = history::ValidateRetryPolicy(&policy);
  if (valid.IsFailure()) return InvalidArgument(valid.Error().Message());
  return hugo::Ok();
}

// validateActivityFailureNextRetryDelays: durationpb.CheckValid on every next_retry_delay.
Status NextRetryDelays(const temporal::api::failure::v1::Failure* failure) {
  constexpr int64_t kSecondsMax = int64_t{315'576'000'000};  // ±10000 years
  for (int depth = 0; failure != nullptr && depth < 100; ++depth) {
    if (failure->application_failure_info().has_next_retry_delay()) {
      const auto& delay = failure->application_failure_info().next_retry_delay();
      std::string problem;
      if (delay.seconds() > kSecondsMax || delay.seconds() < -kSecondsMax) {
        problem = "duration exceeds 10000 years";
      } else if (delay.nanos() <= -1'000'000'000 || delay.nanos() >= 1'000'000'000) {
        problem = "duration has out-of-range nanos";
      } else if ((delay.seconds() > 0 && delay.nanos() < 0) ||
                 (delay.seconds() < 0 && delay.nanos() > 0)) {
        problem = "duration has seconds and nanos with different signs";
      }
      if (!problem.empty()) {
        return InvalidArgument("NextRetryDelay is not a valid duration: " + problem);
      }
    }
    failure = failure->has_cause() ? &failure->cause() : nullptr;
  }
  return hugo::Ok();
}

// The common part of the ById activity requests.
Status ActivityById(const std::string& name_space, const std::string& workflow_id,
                    const std::string& run_id, const std::string& activity_id,
                    const std::string* identity) {
  auto valid = ValidateNamespaceName(name_space);
  if (valid.IsFailure()) return valid;
  if (activity_id.empty()) return InvalidArgument("ActivityId is not set on request.");
  if (identity != nullptr) {
    valid = IdentityLength(*identity);
    if (valid.IsFailure()) return valid;
  }
  // An empty workflow id names a standalone activity (run_id: its run).
  (void)workflow_id;
  if (!run_id.empty() && !IsUuid(run_id)) return InvalidArgument("RunId is not valid UUID.");
  return hugo::Ok();
}

// A Nexus completion callback's URL and header (reference callbacks validator; every address is
// allowed, as on the reference's dev server).
Status NexusCallbackOf(const temporal::api::common::v1::Callback& callback) {
  constexpr size_t kUrlMax = 1000;
  constexpr size_t kHeaderMax = 8192;
  if (!callback.has_nexus()) {
    return hugo::Error::From("unknown callback variant", errors::kUnimplemented);
  }
  const std::string& url = callback.nexus().url();
  if (url == "temporal://system") return hugo::Ok();  // the server's own, in-process (1.30)
  if (url.size() > kUrlMax) {
    return InvalidArgument("invalid url: url length longer than max length allowed of 1000");
  }
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument("invalid url: unknown scheme: " + url);
  }
  if (scheme_end + 3 >= url.size() || url[scheme_end + 3] == '/') {
    return InvalidArgument("invalid url: missing host: " + url);
  }
  size_t header_bytes = 0;
  for (const auto& [key, value] : callback.nexus().header()) {
    header_bytes += key.size() + value.size();
  }
  if (header_bytes > kHeaderMax) {
    return InvalidArgument("invalid header: header size longer than max allowed size of 8192");
  }
  return hugo::Ok();
}

// A request's links (reference common/links/validator.go): at most `count_max`, each at most
// `size_max` bytes, each variant with the fields it needs.
Status LinksOf(const google::protobuf::RepeatedPtrField<temporal::api::common::v1::Link>& links,
               int count_max, size_t size_max) {
  if (links.size() > count_max) {
    return InvalidArgument("cannot attach more than " + std::to_string(count_max) +
                           " links per request, got " + std::to_string(links.size()));
  }
  for (const auto& link : links) {
    if (link.ByteSizeLong() > size_max) {
      return InvalidArgument("link exceeds allowed size of " + std::to_string(size_max) + ", got " +
                             std::to_string(link.ByteSizeLong()));
    }
    auto require = [](const std::string& value, const char* message) -> Status {
      if (value.empty()) return InvalidArgument(message);
      return hugo::Ok();
    };
    Status valid = hugo::Ok();
    if (link.has_workflow_event()) {
      const auto& event = link.workflow_event();
      valid =
          require(event.namespace_(), "workflow event link must not have an empty namespace field");
      if (valid.IsSuccess()) {
        valid = require(event.workflow_id(),
                        "workflow event link must not have an empty workflow ID field");
      }
      if (valid.IsSuccess()) {
        valid = require(event.run_id(), "workflow event link must not have an empty run ID field");
      }
      if (valid.IsSuccess() &&
          event.event_ref().event_type() == temporal::api::enums::v1::EVENT_TYPE_UNSPECIFIED &&
          event.event_ref().event_id() != 0) {
        valid = InvalidArgument(
            "workflow event link ref cannot have an unspecified event type and a non-zero event "
            "ID");
      }
    } else if (link.has_batch_job()) {
      valid = require(link.batch_job().job_id(), "batch job link must not have an empty job ID");
    } else if (link.has_nexus_operation()) {
      const auto& operation = link.nexus_operation();
      valid = require(operation.namespace_(),
                      "nexus operation link must not have an empty namespace field");
      if (valid.IsSuccess()) {
        valid = require(operation.operation_id(),
                        "nexus operation link must not have an empty operation ID field");
      }
      if (valid.IsSuccess()) {
        valid =
            require(operation.run_id(), "nexus operation link must not have an empty run ID field");
      }
    } else if (link.has_activity()) {
      const auto& activity = link.activity();
      valid =
          require(activity.namespace_(), "activity link must not have an empty namespace field");
      if (valid.IsSuccess()) {
        valid = require(activity.activity_id(),
                        "activity link must not have an empty activity ID field");
      }
      if (valid.IsSuccess()) {
        valid = require(activity.run_id(), "activity link must not have an empty run ID field");
      }
    } else if (link.has_workflow()) {
      const auto& workflow = link.workflow();
      valid =
          require(workflow.namespace_(), "workflow link must not have an empty namespace field");
      if (valid.IsSuccess()) {
        valid = require(workflow.workflow_id(),
                        "workflow link must not have an empty workflow ID field");
      }
      if (valid.IsSuccess()) {
        valid = require(workflow.run_id(), "workflow link must not have an empty run ID field");
      }
    } else {
      valid = InvalidArgument("unsupported link variant");
    }
    if (valid.IsFailure()) return valid;
  }
  return hugo::Ok();
}

// A start's completion callbacks (a Nexus handler's) and links, with the reference's limits
// (frontend workflow_handler.go validateWorkflowCompletionCallbacks and validateLinks). Every
// callback address is allowed, as on the reference's dev server (allowedAddresses "*").
Status CallbacksOf(const workflowservice::StartWorkflowExecutionRequest& request) {
  constexpr int kCallbacksMax = 32;
  if (request.completion_callbacks_size() > kCallbacksMax) {
    return InvalidArgument("cannot attach more than 32 callbacks to a workflow");
  }
  for (const auto& callback : request.completion_callbacks()) {
    if (callback.has_internal()) continue;
    auto valid = NexusCallbackOf(callback);
    if (valid.IsFailure()) return valid;
  }
  constexpr int kLinksMax = 10;
  constexpr size_t kLinkMax = 4000;
  return LinksOf(request.links(), kLinksMax, kLinkMax);
}

// backoff.ValidateSchedule: a cron schedule the reference's parser accepts and that fires.
Status CronScheduleOf(const std::string& cron_schedule) {
  if (cron_schedule.empty()) return hugo::Ok();
  auto schedule = history::CronSchedule::Parse(cron_schedule);
  if (schedule.IsFailure()) return InvalidArgument(schedule.Error().Message());
  return hugo::Ok();
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
  auto valid = UserTaskQueueOf(request.has_task_queue(), request.task_queue());
  if (valid.IsFailure()) return valid;
  if (request.request_id().size() > kIdLengthMax) {
    return InvalidArgument("RequestId length exceeds limit.");
  }
  if (request.identity().size() > kIdLengthMax) {
    return InvalidArgument("Identity length exceeds limit.");
  }
  valid = WorkflowTimeoutsOf(request);
  if (valid.IsFailure()) return valid;
  // As the reference: a start delay that is present, even zero, cannot go with a cron schedule.
  if (!request.cron_schedule().empty() && request.has_workflow_start_delay()) {
    return InvalidArgument("CronSchedule and WorkflowStartDelay may not be used together.");
  }
  valid = DurationOf(request.workflow_start_delay(),
                     "An invalid WorkflowStartDelay is set on request.");
  if (valid.IsFailure()) return valid;
  valid = IdPoliciesOf(request);
  if (valid.IsFailure()) return valid;
  valid = RetryPolicyOf(request);
  if (valid.IsFailure()) return valid;
  valid = CheckBlobSize(request.input());
  if (valid.IsFailure()) return valid;
  valid = CallbacksOf(request);
  if (valid.IsFailure()) return valid;
  return CronScheduleOf(request.cron_schedule());
}

Status CheckBlobSize(size_t size_bytes) {
  if (size_bytes > kBlobSizeLimitError) return InvalidArgument("Blob data size exceeds limit.");
  return hugo::Ok();
}

Status CheckBlobSize(const google::protobuf::Message& payloads) {
  return CheckBlobSize(payloads.ByteSizeLong());
}

bool BlobSizeExceedsWarnLimit(size_t size_bytes) { return size_bytes > kBlobSizeLimitWarn; }

Status ValidateNamespaceName(const std::string& name) {
  if (name.empty()) return InvalidArgument("Namespace not set on request.");
  if (name.size() > kIdLengthMax) return InvalidArgument("Namespace length exceeds limit.");
  return hugo::Ok();
}

Status ValidateTaskToken(const std::string& task_token) {
  if (task_token.empty()) return InvalidArgument("Task token not set on request.");
  return hugo::Ok();
}

Status ValidateSignalWorkflow(const workflowservice::SignalWorkflowExecutionRequest& request) {
  // The reference has no workflow id length rule here: a long id is simply not found.
  const auto& execution = request.workflow_execution();
  if (!request.has_workflow_execution()) return InvalidArgument("Execution is not set on request.");
  if (execution.workflow_id().empty()) return InvalidArgument("WorkflowId is not set on request.");
  if (!execution.run_id().empty() && !IsUuid(execution.run_id())) {
    return InvalidArgument("Invalid RunId.");
  }
  if (request.signal_name().empty()) return InvalidArgument("SignalName is not set on request.");
  if (request.signal_name().size() > kIdLengthMax) {
    return InvalidArgument("SignalName length exceeds limit.");
  }
  if (request.request_id().size() > kIdLengthMax) {
    return InvalidArgument("RequestId length exceeds limit.");
  }
  return CheckBlobSize(request.input());
}

Status ValidateSignalWithStartWorkflow(
    const workflowservice::SignalWithStartWorkflowExecutionRequest& request) {
  const std::string& workflow_id = request.workflow_id();
  if (workflow_id.empty()) return InvalidArgument("WorkflowId is not set on request.");
  if (workflow_id.size() > kIdLengthMax) {
    return InvalidArgument("WorkflowId exceeds maximum allowed length " +
                           LengthOfLimit(workflow_id.size()));
  }
  if (request.signal_name().empty()) return InvalidArgument("SignalName is not set on request.");
  if (request.signal_name().size() > kIdLengthMax) {
    return InvalidArgument("signal name exceeds maximum allowed length " +
                           LengthOfLimit(request.signal_name().size()));
  }
  const std::string& type = request.workflow_type().name();
  if (type.empty()) return InvalidArgument("WorkflowType is not set on request.");
  if (type.size() > kIdLengthMax) {
    return InvalidArgument("workflow type name exceeds maximum allowed length " +
                           LengthOfLimit(type.size()));
  }
  auto valid = UserTaskQueueOf(request.has_task_queue(), request.task_queue());
  if (valid.IsFailure()) return valid;
  if (request.request_id().size() > kIdLengthMax) {
    return InvalidArgument("Request ID exceeds maximum allowed length " +
                           LengthOfLimit(request.request_id().size()));
  }
  valid = WorkflowTimeoutsOf(request);
  if (valid.IsFailure()) return valid;
  valid = RetryPolicyOf(request);
  if (valid.IsFailure()) return valid;
  if (!request.cron_schedule().empty() && request.has_workflow_start_delay()) {
    return InvalidArgument("CronSchedule and WorkflowStartDelay may not be used together.");
  }
  valid = DurationOf(request.workflow_start_delay(),
                     "An invalid WorkflowStartDelaySeconds is set on request.");
  if (valid.IsFailure()) return valid;
  valid = IdPoliciesOf(request);
  if (valid.IsFailure()) return valid;
  auto conflict = request.workflow_id_conflict_policy();
  if (conflict == enums::WORKFLOW_ID_CONFLICT_POLICY_FAIL) {
    return InvalidArgument(
        "Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for "
        "this operation.");
  }
  if (request.priority().priority_key() < 0) {
    return InvalidArgument("priority key can't be negative");
  }
  if (request.priority().fairness_key().size() > 64) {
    return InvalidArgument("fairness key length exceeds limit");
  }
  if (request.priority().fairness_weight() < 0) return InvalidArgument("must be greater than zero");
  valid = CheckBlobSize(request.input());
  if (valid.IsFailure()) return valid;
  valid = CheckBlobSize(request.signal_input());
  if (valid.IsFailure()) return valid;
  return CronScheduleOf(request.cron_schedule());
}

Status ValidateRequestCancelWorkflow(
    const workflowservice::RequestCancelWorkflowExecutionRequest& request) {
  return ExecutionOf(request.has_workflow_execution(), request.workflow_execution());
}

Status ValidateQueryWorkflow(const workflowservice::QueryWorkflowRequest& request) {
  auto valid = ExecutionOf(request.has_execution(), request.execution());
  if (valid.IsFailure()) return valid;
  if (!request.has_query()) return InvalidArgument("WorkflowQuery is not set on request.");
  if (request.query().query_type().empty()) {
    return InvalidArgument("QueryType is not set on request.");
  }
  return CheckBlobSize(request.query().query_args());
}

// --- updates

namespace {

// An update's own fields (its meta, input and wait stage), whatever workflow it names.
Status ValidateUpdateBody(const workflowservice::UpdateWorkflowExecutionRequest& request) {
  if (!request.request().has_meta()) return InvalidArgument("Update meta is not set on request.");
  if (request.request().meta().update_id().size() > kIdLengthMax) {
    return InvalidArgument("UpdateId length exceeds limit.");
  }
  if (!request.request().has_input()) {
    return InvalidArgument("Update input is not set on request.");
  }
  if (request.request().input().name().empty()) {
    return InvalidArgument("Update name is not set on request.");
  }
  if (request.wait_policy().lifecycle_stage() ==
      enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED) {
    return hugo::Error::From(
        "UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not "
        "supported.",
        errors::kPermissionDenied);
  }
  return CheckBlobSize(request.request().input().args());
}

}  // namespace

Status ValidateUpdateWorkflow(const workflowservice::UpdateWorkflowExecutionRequest& request) {
  auto valid = ExecutionOf(request.has_workflow_execution(), request.workflow_execution());
  if (valid.IsFailure()) return valid;
  return ValidateUpdateBody(request);
}

Status ValidatePollWorkflowExecutionUpdate(
    const workflowservice::PollWorkflowExecutionUpdateRequest& request) {
  if (!request.has_update_ref()) return InvalidArgument("UpdateRef is not set on request.");
  return ExecutionOf(request.update_ref().has_workflow_execution(),
                     request.update_ref().workflow_execution());
}

Status ValidateExecuteMultiOperation(const workflowservice::ExecuteMultiOperationRequest& request) {
  if (request.operations_size() != 2 || !request.operations(0).has_start_workflow() ||
      !request.operations(1).has_update_workflow()) {
    return InvalidArgument("Operations have to be exactly [Start, Update].");
  }
  return hugo::Ok();
}

MultiOperationFaults ValidateMultiOperations(
    const workflowservice::ExecuteMultiOperationRequest& request) {
  MultiOperationFaults faults;
  const auto& start = request.operations(0).start_workflow();
  const auto& update = request.operations(1).update_workflow();
  auto start_fault = [&]() -> Status {
    if (!start.cron_schedule().empty()) return InvalidArgument("CronSchedule is not allowed.");
    if (start.request_eager_execution()) {
      return InvalidArgument("RequestEagerExecution is not supported.");
    }
    if (start.has_workflow_start_delay() &&
        (start.workflow_start_delay().seconds() > 0 || start.workflow_start_delay().nanos() > 0)) {
      return InvalidArgument("WorkflowStartDelay is not supported.");
    }
    return ValidateStartWorkflow(start);
  }();
  if (start_fault.IsFailure()) faults.start = start_fault.Error();
  auto update_fault = [&]() -> Status {
    if (!update.first_execution_run_id().empty()) {
      return InvalidArgument("FirstExecutionRunId is not allowed.");
    }
    if (!update.workflow_execution().run_id().empty()) {
      return InvalidArgument("RunId is not allowed.");
    }
    // The reference checks the update's workflow id is there, not its length (the start's
    // check reports that).
    if (update.workflow_execution().workflow_id().empty()) {
      return ExecutionOf(update.has_workflow_execution(), update.workflow_execution());
    }
    auto valid = ValidateUpdateBody(update);
    if (valid.IsFailure()) return valid;
    // The reference compares ids only of operations that converted.
    if (!faults.start.has_value() &&
        update.workflow_execution().workflow_id() != start.workflow_id()) {
      return InvalidArgument("WorkflowId is not consistent with previous operation(s).");
    }
    return hugo::Ok();
  }();
  if (update_fault.IsFailure()) faults.update = update_fault.Error();
  return faults;
}

Status ValidateRespondQueryTaskCompleted(
    const workflowservice::RespondQueryTaskCompletedRequest& request) {
  return ValidateTaskToken(request.task_token());
}

Status ValidateRespondWorkflowTaskCompleted(
    const workflowservice::RespondWorkflowTaskCompletedRequest& request) {
  auto valid = ValidateTaskToken(request.task_token());
  if (valid.IsFailure()) return valid;
  return IdentityLength(request.identity());
}

Status ValidateRespondWorkflowTaskFailed(
    const workflowservice::RespondWorkflowTaskFailedRequest& request) {
  auto valid = ValidateTaskToken(request.task_token());
  if (valid.IsFailure()) return valid;
  return IdentityLength(request.identity());
}

Status ValidatePollWorkflowTaskQueue(const workflowservice::PollWorkflowTaskQueueRequest& request) {
  if (request.namespace_().empty()) return InvalidArgument("Namespace is empty.");
  auto valid = IdentityLength(request.identity());
  if (valid.IsFailure()) return valid;
  return TaskQueueOf(request.has_task_queue(), request.task_queue(), /*root=*/true);
}

Status ValidatePollNexusTaskQueue(const workflowservice::PollNexusTaskQueueRequest& request) {
  if (request.namespace_().empty()) return InvalidArgument("Namespace is empty.");
  auto valid = IdentityLength(request.identity());
  if (valid.IsFailure()) return valid;
  return TaskQueueOf(request.has_task_queue(), request.task_queue(), /*root=*/true);
}

Status ValidateRespondNexusTaskCompleted(
    const workflowservice::RespondNexusTaskCompletedRequest& request) {
  if (request.namespace_().empty()) return InvalidArgument("Namespace is empty.");
  auto valid = ValidateTaskToken(request.task_token());
  if (valid.IsFailure()) return valid;
  if (!request.has_response()) return InvalidArgument("Response is not set on request.");
  if (request.response().variant_case() == temporal::api::nexus::v1::Response::VARIANT_NOT_SET) {
    return InvalidArgument("Response variant (start_operation or cancel_operation) is not set.");
  }
  return IdentityLength(request.identity());
}

Status ValidateRespondNexusTaskFailed(
    const workflowservice::RespondNexusTaskFailedRequest& request) {
  if (request.namespace_().empty()) return InvalidArgument("Namespace is empty.");
  auto valid = ValidateTaskToken(request.task_token());
  if (valid.IsFailure()) return valid;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  // reference: WorkflowHandler.RespondNexusTaskFailed.
  if (!request.has_error() && !request.has_failure()) {
    return InvalidArgument("request must contain error or failure");
  }
  if (request.has_error() && !request.error().failure().details().empty() &&
      !nlohmann::json::accept(request.error().failure().details())) {
    return InvalidArgument("failure details must be JSON serializable");
  }
  if (!request.has_error() && !request.failure().has_nexus_handler_failure_info()) {
    return InvalidArgument(
        "request Failure must contain error or failure with NexusHandlerFailureInfo");
  }
#pragma GCC diagnostic pop
  return IdentityLength(request.identity());
}

Status ValidatePollActivityTaskQueue(const workflowservice::PollActivityTaskQueueRequest& request) {
  if (request.namespace_().empty()) return InvalidArgument("Namespace is empty.");
  auto valid = TaskQueueOf(request.has_task_queue(), request.task_queue(), /*root=*/true);
  if (valid.IsFailure()) return valid;
  if (request.task_queue_metadata().has_max_tasks_per_second()) {
    double rate = request.task_queue_metadata().max_tasks_per_second().value();
    if (!std::isfinite(rate) || rate < 0) {
      return InvalidArgument(
          "TaskQueueMetadata.MaxTasksPerSecond must be a finite number of tasks per second, 0 or "
          "more (got " +
          std::to_string(rate) + "); leave it unset for no limit.");
    }
  }
  return IdentityLength(request.identity());
}

Status ValidateRecordActivityTaskHeartbeat(
    const workflowservice::RecordActivityTaskHeartbeatRequest& request) {
  return ValidateTaskToken(request.task_token());
}

Status ValidateRespondActivityTaskCompleted(
    const workflowservice::RespondActivityTaskCompletedRequest& request) {
  auto valid = ValidateTaskToken(request.task_token());
  if (valid.IsFailure()) return valid;
  return IdentityLength(request.identity());
}

Status ValidateRespondActivityTaskFailed(
    const workflowservice::RespondActivityTaskFailedRequest& request) {
  auto valid = ValidateTaskToken(request.task_token());
  if (valid.IsFailure()) return valid;
  if (request.has_failure() && !request.failure().has_application_failure_info()) {
    return InvalidArgument("Failure must have ApplicationFailureInfo.");
  }
  valid = NextRetryDelays(request.has_failure() ? &request.failure() : nullptr);
  if (valid.IsFailure()) return valid;
  return IdentityLength(request.identity());
}

Status ValidateRespondActivityTaskCanceled(
    const workflowservice::RespondActivityTaskCanceledRequest& request) {
  auto valid = ValidateTaskToken(request.task_token());
  if (valid.IsFailure()) return valid;
  return IdentityLength(request.identity());
}

Status ValidateRecordActivityTaskHeartbeatById(
    const workflowservice::RecordActivityTaskHeartbeatByIdRequest& request) {
  return ActivityById(request.namespace_(), request.workflow_id(), request.run_id(),
                      request.activity_id(), /*identity=*/nullptr);
}

Status ValidateRespondActivityTaskCompletedById(
    const workflowservice::RespondActivityTaskCompletedByIdRequest& request) {
  return ActivityById(request.namespace_(), request.workflow_id(), request.run_id(),
                      request.activity_id(), &request.identity());
}

Status ValidateRespondActivityTaskFailedById(
    const workflowservice::RespondActivityTaskFailedByIdRequest& request) {
  auto valid = ActivityById(request.namespace_(), request.workflow_id(), request.run_id(),
                            request.activity_id(), &request.identity());
  if (valid.IsFailure()) return valid;
  return NextRetryDelays(request.has_failure() ? &request.failure() : nullptr);
}

Status ValidateRespondActivityTaskCanceledById(
    const workflowservice::RespondActivityTaskCanceledByIdRequest& request) {
  return ActivityById(request.namespace_(), request.workflow_id(), request.run_id(),
                      request.activity_id(), &request.identity());
}

Status ValidateDescribeWorkflowExecution(
    const workflowservice::DescribeWorkflowExecutionRequest& request) {
  return ExecutionOf(request.has_execution(), request.execution());
}

Status ValidateResetStickyTaskQueue(const workflowservice::ResetStickyTaskQueueRequest& request) {
  return ExecutionOf(request.has_execution(), request.execution());
}

Status ValidateListTaskQueuePartitions(
    const workflowservice::ListTaskQueuePartitionsRequest& request) {
  return TaskQueueOf(request.has_task_queue(), request.task_queue(), /*root=*/false);
}

Status ValidateDescribeTaskQueue(const workflowservice::DescribeTaskQueueRequest& request) {
  Status queue = TaskQueueOf(request.has_task_queue(), request.task_queue(), /*root=*/false);
  if (queue.IsFailure()) return queue;
    // The enhanced mode is deprecated in the API and still served by the reference.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const bool enhanced =
      request.api_mode() == temporal::api::enums::v1::DESCRIBE_TASK_QUEUE_MODE_ENHANCED;
#pragma GCC diagnostic pop
  if (enhanced && request.task_queue().kind() == temporal::api::enums::v1::TASK_QUEUE_KIND_STICKY) {
    return InvalidArgument(
        "Enhanced DescribeTaskQueue is not valid for a sticky queue, use api_mode=UNSPECIFIED or "
        "a normal queue.");
  }
  return queue;
}

// --- reset and delete
Status ValidateResetWorkflowExecution(
    const workflowservice::ResetWorkflowExecutionRequest& request) {
  if (request.request_id().empty()) return InvalidArgument("RequestId is not set on request.");
  if (request.request_id().size() > kIdLengthMax) {
    return InvalidArgument("RequestId length exceeds limit.");
  }
  return ExecutionOf(request.has_workflow_execution(), request.workflow_execution());
}

Status ValidateDeleteWorkflowExecution(
    const workflowservice::DeleteWorkflowExecutionRequest& request) {
  return ExecutionOf(request.has_workflow_execution(), request.workflow_execution());
}
// --- end of reset and delete

// --- standalone activities (reference chasm/lib/activity/validator.go) --------------------------

namespace {

std::string LengthLimit(size_t length, size_t limit) {
  return "Length=" + std::to_string(length) + " Limit=" + std::to_string(limit);
}

// A timeout of the start: "invalid <Name>: <problem>" when it is not a valid duration.
Status ActivityDuration(google::protobuf::Duration* duration, const char* name) {
  if (auto error = history::ValidateAndCapDuration(duration)) {
    return InvalidArgument(std::string("invalid ") + name + ": " + *error);
  }
  return hugo::Ok();
}

bool Positive(const google::protobuf::Duration& duration) {
  return duration.seconds() > 0 || (duration.seconds() == 0 && duration.nanos() > 0);
}

google::protobuf::Duration Shorter(const google::protobuf::Duration& a,
                                   const google::protobuf::Duration& b) {
  return history::ToNanos(a) <= history::ToNanos(b) ? a : b;
}

Status ActivityIdOf(const std::string& activity_id) {
  if (activity_id.empty()) return InvalidArgument("activity ID is required");
  if (activity_id.size() > kIdLengthMax) {
    return InvalidArgument("activity ID exceeds length limit. " +
                           LengthLimit(activity_id.size(), kIdLengthMax));
  }
  return hugo::Ok();
}

Status ActivityRunIdOf(const std::string& run_id) {
  if (!run_id.empty() && !IsUuid(run_id)) {
    return InvalidArgument("invalid run id: must be a valid UUID");
  }
  return hugo::Ok();
}

// request_id (generated when empty), identity and reason of a cancel or terminate.
template <class Request>
Status ActivityChangeOf(Request* request, const std::string& generated_request_id) {
  auto valid = ActivityIdOf(request->activity_id());
  if (valid.IsFailure()) return valid;
  if (request->request_id().empty()) request->set_request_id(generated_request_id);
  if (request->request_id().size() > kIdLengthMax) {
    return InvalidArgument("request ID exceeds length limit. " +
                           LengthLimit(request->request_id().size(), kIdLengthMax));
  }
  if (request->identity().size() > kIdLengthMax) {
    return InvalidArgument("identity exceeds length limit. " +
                           LengthLimit(request->identity().size(), kIdLengthMax));
  }
  valid = ActivityRunIdOf(request->run_id());
  if (valid.IsFailure()) return valid;
  valid = CheckBlobSize(request->reason().size());
  if (valid.IsFailure()) return InvalidArgument("reason exceeds length limit");
  return hugo::Ok();
}

}  // namespace

Status NormalizeStartActivityExecution(workflowservice::StartActivityExecutionRequest* request,
                                       const std::string& generated_request_id) {
  if (request->request_id().empty()) request->set_request_id(generated_request_id);
  if (!request->has_retry_policy()) request->mutable_retry_policy();
  auto valid = ActivityDuration(request->mutable_start_delay(), "StartDelay");
  if (valid.IsFailure()) return valid;
  valid = UserTaskQueueOf(request->has_task_queue(), request->task_queue());
  if (valid.IsFailure()) return valid;
  request->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  if (request->activity_id().empty()) return InvalidArgument("activityId is not set");
  if (request->activity_type().name().empty()) return InvalidArgument("activityType is not set");
  history::FillRetryPolicyDefaults(request->mutable_retry_policy(),
                                   history::DefaultRetrySettings{});
  auto policy = history::ValidateRetryPolicy(request->mutable_retry_policy());
  if (policy.IsFailure()) return InvalidArgument(policy.Error().Message());
  if (request->activity_id().size() > kIdLengthMax) {
    return InvalidArgument("activityId exceeds length limit. " +
                           LengthLimit(request->activity_id().size(), kIdLengthMax));
  }
  if (request->activity_type().name().size() > kIdLengthMax) {
    return InvalidArgument("activityType exceeds length limit. " +
                           LengthLimit(request->activity_type().name().size(), kIdLengthMax));
  }
  const auto& priority = request->priority();
  if (priority.priority_key() < 0) {
    return InvalidArgument("invalid priorities: priority key can't be negative");
  }
  if (priority.fairness_key().size() > 64) {
    return InvalidArgument("invalid priorities: fairness key length exceeds limit");
  }
  if (priority.fairness_weight() < 0) {
    return InvalidArgument("invalid priorities: must be greater than zero");
  }
  for (auto [duration, name] :
       {std::pair{request->mutable_schedule_to_close_timeout(), "ScheduleToCloseTimeout"},
        std::pair{request->mutable_schedule_to_start_timeout(), "ScheduleToStartTimeout"},
        std::pair{request->mutable_start_to_close_timeout(), "StartToCloseTimeout"},
        std::pair{request->mutable_heartbeat_timeout(), "HeartbeatTimeout"}}) {
    valid = ActivityDuration(duration, name);
    if (valid.IsFailure()) return valid;
  }
  // The reference's normalization: the schedule-to-close bounds the others and fills them; with
  // only a start-to-close there is no schedule-to-close or schedule-to-start deadline.
  auto* s2c = request->mutable_schedule_to_close_timeout();
  auto* s2s = request->mutable_schedule_to_start_timeout();
  auto* stc = request->mutable_start_to_close_timeout();
  if (Positive(*s2c)) {
    *s2s = Positive(*s2s) ? Shorter(*s2s, *s2c) : *s2c;
    *stc = Positive(*stc) ? Shorter(*stc, *s2c) : *s2c;
  } else if (Positive(*stc)) {
    s2c->Clear();
    if (!Positive(*s2s)) s2s->Clear();
  } else {
    return InvalidArgument(
        "a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. "
        "ActivityId=" +
        request->activity_id() + " ActivityType=" + request->activity_type().name());
  }
  auto* heartbeat = request->mutable_heartbeat_timeout();
  *heartbeat = Positive(*heartbeat) ? Shorter(*heartbeat, *stc) : google::protobuf::Duration();
  if (request->request_id().size() > kIdLengthMax) {
    return InvalidArgument("request ID exceeds length limit. " +
                           LengthLimit(request->request_id().size(), kIdLengthMax));
  }
  if (request->identity().size() > kIdLengthMax) {
    return InvalidArgument("identity exceeds length limit. " +
                           LengthLimit(request->identity().size(), kIdLengthMax));
  }
  if (request->id_reuse_policy() == enums::ACTIVITY_ID_REUSE_POLICY_UNSPECIFIED) {
    request->set_id_reuse_policy(enums::ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE);
  }
  if (request->id_conflict_policy() == enums::ACTIVITY_ID_CONFLICT_POLICY_UNSPECIFIED) {
    request->set_id_conflict_policy(enums::ACTIVITY_ID_CONFLICT_POLICY_FAIL);
  }
  if (!enums::ActivityIdReusePolicy_IsValid(request->id_reuse_policy())) {
    return InvalidArgument("unsupported ID reuse policy: " +
                           std::to_string(request->id_reuse_policy()));
  }
  if (!enums::ActivityIdConflictPolicy_IsValid(request->id_conflict_policy())) {
    return InvalidArgument("unsupported ID conflict policy: " +
                           std::to_string(request->id_conflict_policy()));
  }
  if (request->has_input() && CheckBlobSize(*request->mutable_input()).IsFailure()) {
    return InvalidArgument("input exceeds length limit");
  }
  constexpr size_t kSummaryMax = 400;
  constexpr size_t kDetailsMax = 20000;
  const auto& metadata = request->user_metadata();
  if (metadata.has_summary() && metadata.summary().ByteSizeLong() > kSummaryMax) {
    return InvalidArgument("user_metadata.summary exceeds size limit. " +
                           LengthLimit(metadata.summary().ByteSizeLong(), kSummaryMax));
  }
  if (metadata.has_details() && metadata.details().ByteSizeLong() > kDetailsMax) {
    return InvalidArgument("user_metadata.details exceeds size limit. " +
                           LengthLimit(metadata.details().ByteSizeLong(), kDetailsMax));
  }
  // Completion callbacks (a Nexus operation backed by the activity): Nexus ones only.
  constexpr int kCallbacksMax = 2000;  // reference: callback.maxPerExecution
  if (request->completion_callbacks_size() > kCallbacksMax) {
    return InvalidArgument("cannot attach more than " + std::to_string(kCallbacksMax) +
                           " callbacks to an activity");
  }
  for (const auto& callback : request->completion_callbacks()) {
    if (!callback.has_nexus()) return InvalidArgument("unsupported callback variant");
    valid = NexusCallbackOf(callback);
    if (valid.IsFailure()) return valid;
  }
  constexpr int kLinksMax = 10;
  constexpr size_t kLinkSizeMax = 4000;
  if (request->links_size() > kLinksMax) {
    return InvalidArgument("cannot attach more than " + std::to_string(kLinksMax) + " links");
  }
  for (const auto& link : request->links()) {
    if (link.ByteSizeLong() > kLinkSizeMax) {
      return InvalidArgument("link exceeds allowed size of " + std::to_string(kLinkSizeMax));
    }
  }
  const auto& on_conflict = request->on_conflict_options();
  if (on_conflict.attach_completion_callbacks() && !on_conflict.attach_request_id()) {
    return InvalidArgument(
        "on_conflict_options: attach_completion_callbacks requires attach_request_id to be set");
  }
  if (on_conflict.attach_request_id() && request->completion_callbacks_size() == 0 &&
      request->links_size() == 0) {
    return InvalidArgument(
        "on_conflict_options: attach_request_id requires at least one completion callback or "
        "link");
  }
  return hugo::Ok();
}

Status ValidateDescribeActivityExecution(
    const workflowservice::DescribeActivityExecutionRequest& request) {
  auto valid = ActivityIdOf(request.activity_id());
  if (valid.IsFailure()) return valid;
  if (!request.long_poll_token().empty() && request.run_id().empty()) {
    return InvalidArgument("run id is required when long poll token is provided");
  }
  return ActivityRunIdOf(request.run_id());
}

Status ValidatePollActivityExecution(const workflowservice::PollActivityExecutionRequest& request) {
  auto valid = ActivityIdOf(request.activity_id());
  if (valid.IsFailure()) return valid;
  return ActivityRunIdOf(request.run_id());
}

Status NormalizeRequestCancelActivityExecution(
    workflowservice::RequestCancelActivityExecutionRequest* request,
    const std::string& generated_request_id) {
  return ActivityChangeOf(request, generated_request_id);
}

Status NormalizeTerminateActivityExecution(
    workflowservice::TerminateActivityExecutionRequest* request,
    const std::string& generated_request_id) {
  return ActivityChangeOf(request, generated_request_id);
}

Status ValidateDeleteActivityExecution(
    const workflowservice::DeleteActivityExecutionRequest& request) {
  auto valid = ActivityIdOf(request.activity_id());
  if (valid.IsFailure()) return valid;
  return ActivityRunIdOf(request.run_id());
}

// --- standalone Nexus operations (reference chasm/lib/nexusoperation/validator.go) -------------

namespace {

Status OperationIdOf(const std::string& operation_id) {
  if (operation_id.empty()) return InvalidArgument("operation_id is required");
  if (operation_id.size() > kIdLengthMax) {
    return InvalidArgument("operation_id exceeds length limit. " +
                           LengthLimit(operation_id.size(), kIdLengthMax));
  }
  return hugo::Ok();
}

Status OperationRunIdOf(const std::string& run_id) {
  if (!run_id.empty() && !IsUuid(run_id)) return InvalidArgument("run_id is not a valid UUID");
  return hugo::Ok();
}

Status OperationLengthOf(const std::string& value, const char* name) {
  if (value.size() > kIdLengthMax) {
    return InvalidArgument(std::string(name) + " exceeds length limit. " +
                           LengthLimit(value.size(), kIdLengthMax));
  }
  return hugo::Ok();
}

// request_id (generated when empty), identity and reason of a cancel or terminate.
template <class Request>
Status OperationChangeOf(Request* request, const std::string& generated_request_id) {
  if (request->request_id().empty()) request->set_request_id(generated_request_id);
  auto valid = OperationLengthOf(request->request_id(), "request_id");
  if (valid.IsFailure()) return valid;
  valid = OperationIdOf(request->operation_id());
  if (valid.IsFailure()) return valid;
  valid = OperationRunIdOf(request->run_id());
  if (valid.IsFailure()) return valid;
  valid = OperationLengthOf(request->identity(), "identity");
  if (valid.IsFailure()) return valid;
  return OperationLengthOf(request->reason(), "reason");
}

}  // namespace

Status NormalizeStartNexusOperationExecution(
    workflowservice::StartNexusOperationExecutionRequest* request,
    const std::string& generated_request_id) {
  if (request->request_id().empty()) request->set_request_id(generated_request_id);
  auto valid = OperationLengthOf(request->request_id(), "request_id");
  if (valid.IsFailure()) return valid;
  valid = OperationIdOf(request->operation_id());
  if (valid.IsFailure()) return valid;
  valid = OperationLengthOf(request->identity(), "identity");
  if (valid.IsFailure()) return valid;
  if (request->endpoint().empty()) return InvalidArgument("endpoint is required");
  if (request->service().empty()) return InvalidArgument("service is required");
  valid = OperationLengthOf(request->service(), "service");
  if (valid.IsFailure()) return valid;
  if (request->operation().empty()) return InvalidArgument("operation is required");
  valid = OperationLengthOf(request->operation(), "operation");
  if (valid.IsFailure()) return valid;
  for (auto [duration, name] :
       {std::pair{request->mutable_schedule_to_close_timeout(), "schedule_to_close_timeout"},
        std::pair{request->mutable_schedule_to_start_timeout(), "schedule_to_start_timeout"},
        std::pair{request->mutable_start_to_close_timeout(), "start_to_close_timeout"}}) {
    if (auto error = history::ValidateAndCapDuration(duration)) {
      return InvalidArgument(std::string(name) + " is invalid: " + *error);
    }
  }
  // The schedule-to-close bounds the other two (no default when unset, as the reference's).
  const auto& s2c = request->schedule_to_close_timeout();
  if (Positive(s2c)) {
    for (auto* other : {request->mutable_schedule_to_start_timeout(),
                        request->mutable_start_to_close_timeout()}) {
      if (Positive(*other)) *other = Shorter(*other, s2c);
    }
  }
  if (request->has_input() && request->input().ByteSizeLong() > kBlobSizeLimitError) {
    return InvalidArgument("input exceeds size limit. " +
                           LengthLimit(request->input().ByteSizeLong(), kBlobSizeLimitError));
  }
  constexpr size_t kSummaryMax = 400;
  constexpr size_t kDetailsMax = 20000;
  const auto& metadata = request->user_metadata();
  if (metadata.has_summary() && metadata.summary().ByteSizeLong() > kSummaryMax) {
    return InvalidArgument("user_metadata.summary exceeds size limit. " +
                           LengthLimit(metadata.summary().ByteSizeLong(), kSummaryMax));
  }
  if (metadata.has_details() && metadata.details().ByteSizeLong() > kDetailsMax) {
    return InvalidArgument("user_metadata.details exceeds size limit. " +
                           LengthLimit(metadata.details().ByteSizeLong(), kDetailsMax));
  }
  // Header keys compare without case: kept lower-cased; the ones the server sets are refused.
  static const std::set<std::string> kDisallowed = {"request-timeout",
                                                    "xdc-redirection",
                                                    "xdc-redirection-api",
                                                    "xdc-redirection-source-cell",
                                                    "caller-name",
                                                    "caller-type",
                                                    "call-initiation",
                                                    "temporal-principal-type",
                                                    "temporal-principal-name"};
  constexpr size_t kHeaderSizeMax = 8192;
  google::protobuf::Map<std::string, std::string> lowered;
  size_t header_bytes = 0;
  for (const auto& [key, value] : request->nexus_header()) {
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (kDisallowed.count(lower) > 0) {
      return InvalidArgument("nexus_header contains a disallowed key: \"" + key + "\"");
    }
    header_bytes += key.size() + value.size();
    lowered[lower] = value;
  }
  if (header_bytes > kHeaderSizeMax) return InvalidArgument("nexus_header exceeds size limit");
  *request->mutable_nexus_header() = std::move(lowered);
  if (request->id_reuse_policy() == enums::NEXUS_OPERATION_ID_REUSE_POLICY_UNSPECIFIED) {
    request->set_id_reuse_policy(enums::NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE);
  }
  if (request->id_conflict_policy() == enums::NEXUS_OPERATION_ID_CONFLICT_POLICY_UNSPECIFIED) {
    request->set_id_conflict_policy(enums::NEXUS_OPERATION_ID_CONFLICT_POLICY_FAIL);
  }
  if (!enums::NexusOperationIdReusePolicy_IsValid(request->id_reuse_policy())) {
    return InvalidArgument("unsupported ID reuse policy: " +
                           std::to_string(request->id_reuse_policy()));
  }
  if (!enums::NexusOperationIdConflictPolicy_IsValid(request->id_conflict_policy())) {
    return InvalidArgument("unsupported ID conflict policy: " +
                           std::to_string(request->id_conflict_policy()));
  }
  return hugo::Ok();
}

Status ValidateDescribeNexusOperationExecution(
    const workflowservice::DescribeNexusOperationExecutionRequest& request) {
  auto valid = OperationIdOf(request.operation_id());
  if (valid.IsFailure()) return valid;
  if (!request.long_poll_token().empty() && request.run_id().empty()) {
    return InvalidArgument("run_id is required when long_poll_token is provided");
  }
  return OperationRunIdOf(request.run_id());
}

Status ValidatePollNexusOperationExecution(
    const workflowservice::PollNexusOperationExecutionRequest& request) {
  // UNSPECIFIED waits for the close (the reference's default).
  if (request.wait_stage() != enums::NEXUS_OPERATION_WAIT_STAGE_UNSPECIFIED &&
      request.wait_stage() != enums::NEXUS_OPERATION_WAIT_STAGE_STARTED &&
      request.wait_stage() != enums::NEXUS_OPERATION_WAIT_STAGE_CLOSED) {
    std::string name = enums::NexusOperationWaitStage_Name(request.wait_stage());
    if (name.empty()) name = std::to_string(request.wait_stage());
    return InvalidArgument("unsupported wait_stage: " + name);
  }
  auto valid = OperationIdOf(request.operation_id());
  if (valid.IsFailure()) return valid;
  return OperationRunIdOf(request.run_id());
}

Status NormalizeRequestCancelNexusOperationExecution(
    workflowservice::RequestCancelNexusOperationExecutionRequest* request,
    const std::string& generated_request_id) {
  return OperationChangeOf(request, generated_request_id);
}

Status NormalizeTerminateNexusOperationExecution(
    workflowservice::TerminateNexusOperationExecutionRequest* request,
    const std::string& generated_request_id) {
  return OperationChangeOf(request, generated_request_id);
}

Status ValidateDeleteNexusOperationExecution(
    const workflowservice::DeleteNexusOperationExecutionRequest& request) {
  auto valid = OperationIdOf(request.operation_id());
  if (valid.IsFailure()) return valid;
  return OperationRunIdOf(request.run_id());
}

}  // namespace hdo::frontend
