// The activity operator RPCs of WorkflowHandler (PauseActivity, UnpauseActivity, ResetActivity,
// UpdateActivityOptions): the reference's request checks, then the engine on its thread
// (history/engine_activity_ops.cc). Their newer forms (Pause/Unpause/ResetActivityExecution,
// UpdateActivityExecutionOptions) name the activity by id beside its workflow and serve a
// workflow's activity through the same engine calls (reference: chasm/lib/activity handler.go,
// which forwards them to history's PauseActivity etc.); a standalone activity's (no workflow id)
// are refused as the reference refuses them by default
// (history.enableStandaloneActivityOperatorCommands).
#include <cctype>
#include <string>
#include <string_view>

#include "common/error_codes.h"
#include "common/uuid.h"
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

constexpr size_t kIdMax = 1000;  // reference: MaxIDLengthLimit

std::string LengthOf(size_t length) {
  return "Length=" + std::to_string(length) + " Limit=" + std::to_string(kIdMax);
}

// reference: the checks common to the four *ActivityExecution calls (chasm/lib/activity
// validator.go), in its order; a standalone activity's call is refused first.
template <class Request>
hugo::Result<hugo::Unit> ValidateActivityExecutionOperation(const Request& request) {
  auto named = ValidateNamespaceName(request.namespace_());
  if (named.IsFailure()) return named;
  if (request.workflow_id().empty()) {
    return hugo::Error::From("Standalone activity operator commands are disabled",
                             errors::kUnimplemented);
  }
  if (request.request_id().size() > kIdMax) {
    return InvalidArgument("request ID exceeds length limit. " +
                           LengthOf(request.request_id().size()));
  }
  if (request.activity_id().empty()) return InvalidArgument("activity ID is required");
  if (request.activity_id().size() > kIdMax) {
    return InvalidArgument("activity ID exceeds length limit. " +
                           LengthOf(request.activity_id().size()));
  }
  if (request.identity().size() > kIdMax) {
    return InvalidArgument("identity exceeds length limit. " + LengthOf(request.identity().size()));
  }
  if (!request.run_id().empty() && !IsUuid(request.run_id())) {
    return InvalidArgument("invalid run id: must be a valid UUID");
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> ValidateJitter(const google::protobuf::Duration& jitter) {
  if ((jitter.seconds() > 0 && jitter.nanos() < 0) ||
      (jitter.seconds() < 0 && jitter.nanos() > 0)) {
    return InvalidArgument("invalid jitter: duration has seconds and nanos of mismatched signs");
  }
  if (jitter.seconds() < 0 || jitter.nanos() < 0) {
    return InvalidArgument("invalid jitter: negative duration");
  }
  return hugo::Ok();
}

// "task_queue.name" as the reference's allowlist spells it ("taskQueue.name").
std::string CamelPath(std::string_view path) {
  std::string camel;
  bool upper = false;
  for (char c : path) {
    if (c == '_') {
      upper = true;
      continue;
    }
    camel += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return camel;
}

hugo::Result<hugo::Unit> ValidateUpdateActivityExecutionOptions(
    const wf::UpdateActivityExecutionOptionsRequest& request) {
  auto common = ValidateActivityExecutionOperation(request);
  if (common.IsFailure()) return common;
  if (request.update_mask().paths_size() > 0 && request.restore_original()) {
    return InvalidArgument("Both UpdateMask and RestoreOriginal are provided");
  }
  if (request.restore_original()) return hugo::Ok();
  if (!request.has_activity_options()) return InvalidArgument("ActivityOptions are not provided");
  if (!request.has_update_mask()) return InvalidArgument("UpdateMask is not provided");
  if (request.update_mask().paths_size() == 0) {
    return InvalidArgument("UpdateMask must specify at least one path");
  }
  static const char* const kSupported[] = {"taskQueue.name",
                                           "scheduleToCloseTimeout",
                                           "scheduleToStartTimeout",
                                           "startToCloseTimeout",
                                           "heartbeatTimeout",
                                           "priority",
                                           "priority.priorityKey",
                                           "priority.fairnessKey",
                                           "priority.fairnessWeight",
                                           "retryPolicy",
                                           "retryPolicy.initialInterval",
                                           "retryPolicy.backoffCoefficient",
                                           "retryPolicy.maximumInterval",
                                           "retryPolicy.maximumAttempts",
                                           "startDelay"};
  for (const std::string& path : request.update_mask().paths()) {
    const std::string camel = CamelPath(path);
    bool supported = false;
    for (const char* known : kSupported) supported = supported || camel == known;
    if (!supported) return InvalidArgument("unsupported update_mask path: \"" + path + "\"");
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

// --- the *ActivityExecution forms: a workflow's activity by id, through the calls above

void WorkflowHandler::PauseActivityExecution(
    Call<wf::PauseActivityExecutionRequest, wf::PauseActivityExecutionResponse>* call,
    const wf::PauseActivityExecutionRequest* request,
    wf::PauseActivityExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::PauseActivityExecutionRequest& r) -> hugo::Result<hugo::Unit> {
        auto valid = ValidateActivityExecutionOperation(r);
        if (valid.IsFailure()) return valid;
        if (r.reason().size() > kBlobSizeLimitError) {
          return InvalidArgument("reason exceeds length limit");
        }
        return hugo::Ok();
      },
      [this, request](
          const std::string& namespace_id) -> hugo::Result<wf::PauseActivityExecutionResponse> {
        wf::PauseActivityRequest pause;
        pause.set_namespace_(request->namespace_());
        pause.mutable_execution()->set_workflow_id(request->workflow_id());
        pause.mutable_execution()->set_run_id(request->run_id());
        pause.set_id(request->activity_id());
        pause.set_identity(request->identity());
        pause.set_reason(request->reason());
        pause.set_request_id(request->request_id());
        auto paused = engine_->PauseActivity(namespace_id, pause);
        if (paused.IsFailure()) return paused.Error();
        return hugo::Ok(wf::PauseActivityExecutionResponse());
      });
}

void WorkflowHandler::UnpauseActivityExecution(
    Call<wf::UnpauseActivityExecutionRequest, wf::UnpauseActivityExecutionResponse>* call,
    const wf::UnpauseActivityExecutionRequest* request,
    wf::UnpauseActivityExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::UnpauseActivityExecutionRequest& r) -> hugo::Result<hugo::Unit> {
        auto valid = ValidateActivityExecutionOperation(r);
        if (valid.IsFailure()) return valid;
        return ValidateJitter(r.jitter());
      },
      [this, request](
          const std::string& namespace_id) -> hugo::Result<wf::UnpauseActivityExecutionResponse> {
        wf::UnpauseActivityRequest unpause;
        unpause.set_namespace_(request->namespace_());
        unpause.mutable_execution()->set_workflow_id(request->workflow_id());
        unpause.mutable_execution()->set_run_id(request->run_id());
        unpause.set_id(request->activity_id());
        unpause.set_identity(request->identity());
        if (request->has_jitter()) *unpause.mutable_jitter() = request->jitter();
        auto unpaused = engine_->UnpauseActivity(namespace_id, unpause);
        if (unpaused.IsFailure()) return unpaused.Error();
        return hugo::Ok(wf::UnpauseActivityExecutionResponse());
      });
}

void WorkflowHandler::ResetActivityExecution(
    Call<wf::ResetActivityExecutionRequest, wf::ResetActivityExecutionResponse>* call,
    const wf::ResetActivityExecutionRequest* request,
    wf::ResetActivityExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ResetActivityExecutionRequest& r) -> hugo::Result<hugo::Unit> {
        auto valid = ValidateActivityExecutionOperation(r);
        if (valid.IsFailure()) return valid;
        return ValidateJitter(r.jitter());
      },
      [this, request](
          const std::string& namespace_id) -> hugo::Result<wf::ResetActivityExecutionResponse> {
        wf::ResetActivityRequest reset;
        reset.set_namespace_(request->namespace_());
        reset.mutable_execution()->set_workflow_id(request->workflow_id());
        reset.mutable_execution()->set_run_id(request->run_id());
        reset.set_id(request->activity_id());
        reset.set_identity(request->identity());
        reset.set_reset_heartbeat(request->reset_heartbeat());
        reset.set_keep_paused(request->keep_paused());
        reset.set_restore_original_options(request->restore_original_options());
        if (request->has_jitter()) *reset.mutable_jitter() = request->jitter();
        auto done = engine_->ResetActivity(namespace_id, reset);
        if (done.IsFailure()) return done.Error();
        return hugo::Ok(wf::ResetActivityExecutionResponse());
      });
}

void WorkflowHandler::UpdateActivityExecutionOptions(
    Call<wf::UpdateActivityExecutionOptionsRequest, wf::UpdateActivityExecutionOptionsResponse>*
        call,
    const wf::UpdateActivityExecutionOptionsRequest* request,
    wf::UpdateActivityExecutionOptionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::UpdateActivityExecutionOptionsRequest& r) {
        return ValidateUpdateActivityExecutionOptions(r);
      },
      [this, request](const std::string& namespace_id)
          -> hugo::Result<wf::UpdateActivityExecutionOptionsResponse> {
        wf::UpdateActivityOptionsRequest update;
        update.set_namespace_(request->namespace_());
        update.mutable_execution()->set_workflow_id(request->workflow_id());
        update.mutable_execution()->set_run_id(request->run_id());
        update.set_id(request->activity_id());
        update.set_identity(request->identity());
        if (request->has_activity_options()) {
          *update.mutable_activity_options() = request->activity_options();
        }
        if (request->has_update_mask()) *update.mutable_update_mask() = request->update_mask();
        update.set_restore_original(request->restore_original());
        auto updated = engine_->UpdateActivityOptions(namespace_id, update);
        if (updated.IsFailure()) return updated.Error();
        wf::UpdateActivityExecutionOptionsResponse answer;
        *answer.mutable_activity_options() = updated.Value().activity_options();
        return hugo::Ok(std::move(answer));
      });
}

}  // namespace hdo::frontend
