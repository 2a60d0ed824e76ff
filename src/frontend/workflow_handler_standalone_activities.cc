// Standalone activities and Nexus operations: the WorkflowService RPCs of activities and Nexus
// operations a client starts on their own (history/engine_standalone_activity.cc and
// engine_standalone_nexus.cc for the engine's side, frontend/visibility.h for lists and counts).
// Every call runs on the engine thread; Describe and Poll may wait there for the activity or
// operation to change, up to the reference's long-poll window.
#include <algorithm>

#include "frontend/errors.h"
#include "frontend/validation.h"
#include "frontend/visibility.h"
#include "frontend/workflow_handler.h"
#include "frontend/workflow_handler_calls.h"
#include "history/engine.h"

namespace hdo::frontend {

namespace {

// How long a Describe with a long-poll token or a Poll waits: the reference's
// activity.longPollTimeout (60 s), ending a second before the client's deadline
// (activity.longPollBuffer) so that the empty answer reaches it.
std::chrono::milliseconds ActivityWait(std::chrono::system_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::system_clock::now());
  return std::clamp(left - std::chrono::milliseconds(1000), std::chrono::milliseconds(0),
                    std::chrono::milliseconds(60000));
}

}  // namespace

void WorkflowHandler::StartActivityExecution(
    Call<wf::StartActivityExecutionRequest, wf::StartActivityExecutionResponse>* call,
    const wf::StartActivityExecutionRequest* request,
    wf::StartActivityExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::StartActivityExecutionRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](
          const std::string& namespace_id) -> hugo::Result<wf::StartActivityExecutionResponse> {
        wf::StartActivityExecutionRequest normalized = *request;
        auto valid = NormalizeStartActivityExecution(&normalized, update_ids_.Next());
        if (valid.IsFailure()) return valid.Error();
        return engine_->StartActivityExecution(namespace_id, normalized);
      });
}

// Describe and Poll: validated, the namespace resolved, then the engine's wait; the call is
// finished from the engine's answer (at once, or when the activity changes or the wait ends).
template <class Request, class Response, class Validate, class Wait>
void WorkflowHandler::ServeActivityWait(Call<Request, Response>* call, const Request* request,
                                        Response* response, Validate validate, Wait wait_for) {
  auto wait = ActivityWait(call->deadline());
  PostToStore(*store_io_, [this, call, request, response, wait, validate, wait_for] {
    auto valid = ValidateNamespaceName(request->namespace_());
    if (valid.IsSuccess()) valid = validate(*request);
    auto namespace_id = valid.IsSuccess() ? namespaces_->ResolveId(request->namespace_())
                                          : hugo::Result<std::string>(valid.Error());
    if (namespace_id.IsFailure()) {
      FinishDurable(durability_, call, ToGrpcStatus(namespace_id.Error()));
      return;
    }
    uint64_t wait_id = wait_for(namespace_id.Value(), *request, wait,
                                [this, call, response](hugo::Result<Response> result) {
                                  if (result.IsFailure()) {
                                    FinishDurable(durability_, call, ToGrpcStatus(result.Error()));
                                    return;
                                  }
                                  *response = std::move(result).Value();
                                  FinishDurable(durability_, call, grpc::Status::OK);
                                });
    if (wait_id != 0) call->SetWaitId(wait_id);
  });
}

void WorkflowHandler::DescribeActivityExecution(
    Call<wf::DescribeActivityExecutionRequest, wf::DescribeActivityExecutionResponse>* call,
    const wf::DescribeActivityExecutionRequest* request,
    wf::DescribeActivityExecutionResponse* response) {
  ServeActivityWait(
      call, request, response, ValidateDescribeActivityExecution, [this](auto&&... args) {
        return engine_->DescribeActivityExecution(std::forward<decltype(args)>(args)...);
      });
}

void WorkflowHandler::PollActivityExecution(
    Call<wf::PollActivityExecutionRequest, wf::PollActivityExecutionResponse>* call,
    const wf::PollActivityExecutionRequest* request, wf::PollActivityExecutionResponse* response) {
  ServeActivityWait(call, request, response, ValidatePollActivityExecution, [this](auto&&... args) {
    return engine_->PollActivityExecution(std::forward<decltype(args)>(args)...);
  });
}

void WorkflowHandler::CancelActivityWait(uint64_t id) { engine_->CancelActivityWait(id); }

void WorkflowHandler::RequestCancelActivityExecution(
    Call<wf::RequestCancelActivityExecutionRequest, wf::RequestCancelActivityExecutionResponse>*
        call,
    const wf::RequestCancelActivityExecutionRequest* request,
    wf::RequestCancelActivityExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RequestCancelActivityExecutionRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id)
          -> hugo::Result<wf::RequestCancelActivityExecutionResponse> {
        wf::RequestCancelActivityExecutionRequest normalized = *request;
        auto valid = NormalizeRequestCancelActivityExecution(&normalized, update_ids_.Next());
        if (valid.IsFailure()) return valid.Error();
        return engine_->RequestCancelActivityExecution(namespace_id, normalized);
      });
}

void WorkflowHandler::TerminateActivityExecution(
    Call<wf::TerminateActivityExecutionRequest, wf::TerminateActivityExecutionResponse>* call,
    const wf::TerminateActivityExecutionRequest* request,
    wf::TerminateActivityExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::TerminateActivityExecutionRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](
          const std::string& namespace_id) -> hugo::Result<wf::TerminateActivityExecutionResponse> {
        wf::TerminateActivityExecutionRequest normalized = *request;
        auto valid = NormalizeTerminateActivityExecution(&normalized, update_ids_.Next());
        if (valid.IsFailure()) return valid.Error();
        return engine_->TerminateActivityExecution(namespace_id, normalized);
      });
}

void WorkflowHandler::DeleteActivityExecution(
    Call<wf::DeleteActivityExecutionRequest, wf::DeleteActivityExecutionResponse>* call,
    const wf::DeleteActivityExecutionRequest* request,
    wf::DeleteActivityExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DeleteActivityExecutionRequest& r) {
        auto valid = ValidateNamespaceName(r.namespace_());
        if (valid.IsFailure()) return valid;
        return ValidateDeleteActivityExecution(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->DeleteActivityExecution(namespace_id, *request);
      });
}

void WorkflowHandler::ListActivityExecutions(
    Call<wf::ListActivityExecutionsRequest, wf::ListActivityExecutionsResponse>* call,
    const wf::ListActivityExecutionsRequest* request,
    wf::ListActivityExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListActivityExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->ListActivities(namespace_id, *request);
      });
}

void WorkflowHandler::CountActivityExecutions(
    Call<wf::CountActivityExecutionsRequest, wf::CountActivityExecutionsResponse>* call,
    const wf::CountActivityExecutionsRequest* request,
    wf::CountActivityExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::CountActivityExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->CountActivities(namespace_id, *request);
      });
}

// --- standalone Nexus operations -----------------------------------------------------------------

void WorkflowHandler::StartNexusOperationExecution(
    Call<wf::StartNexusOperationExecutionRequest, wf::StartNexusOperationExecutionResponse>* call,
    const wf::StartNexusOperationExecutionRequest* request,
    wf::StartNexusOperationExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::StartNexusOperationExecutionRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id)
          -> hugo::Result<wf::StartNexusOperationExecutionResponse> {
        wf::StartNexusOperationExecutionRequest normalized = *request;
        auto valid = NormalizeStartNexusOperationExecution(&normalized, update_ids_.Next());
        if (valid.IsFailure()) return valid.Error();
        return engine_->StartNexusOperationExecution(namespace_id, normalized);
      });
}

void WorkflowHandler::DescribeNexusOperationExecution(
    Call<wf::DescribeNexusOperationExecutionRequest, wf::DescribeNexusOperationExecutionResponse>*
        call,
    const wf::DescribeNexusOperationExecutionRequest* request,
    wf::DescribeNexusOperationExecutionResponse* response) {
  ServeActivityWait(
      call, request, response, ValidateDescribeNexusOperationExecution, [this](auto&&... args) {
        return engine_->DescribeNexusOperationExecution(std::forward<decltype(args)>(args)...);
      });
}

void WorkflowHandler::PollNexusOperationExecution(
    Call<wf::PollNexusOperationExecutionRequest, wf::PollNexusOperationExecutionResponse>* call,
    const wf::PollNexusOperationExecutionRequest* request,
    wf::PollNexusOperationExecutionResponse* response) {
  ServeActivityWait(
      call, request, response, ValidatePollNexusOperationExecution, [this](auto&&... args) {
        return engine_->PollNexusOperationExecution(std::forward<decltype(args)>(args)...);
      });
}

void WorkflowHandler::RequestCancelNexusOperationExecution(
    Call<wf::RequestCancelNexusOperationExecutionRequest,
         wf::RequestCancelNexusOperationExecutionResponse>* call,
    const wf::RequestCancelNexusOperationExecutionRequest* request,
    wf::RequestCancelNexusOperationExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RequestCancelNexusOperationExecutionRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id)
          -> hugo::Result<wf::RequestCancelNexusOperationExecutionResponse> {
        wf::RequestCancelNexusOperationExecutionRequest normalized = *request;
        auto valid = NormalizeRequestCancelNexusOperationExecution(&normalized, update_ids_.Next());
        if (valid.IsFailure()) return valid.Error();
        return engine_->RequestCancelNexusOperationExecution(namespace_id, normalized);
      });
}

void WorkflowHandler::TerminateNexusOperationExecution(
    Call<wf::TerminateNexusOperationExecutionRequest, wf::TerminateNexusOperationExecutionResponse>*
        call,
    const wf::TerminateNexusOperationExecutionRequest* request,
    wf::TerminateNexusOperationExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::TerminateNexusOperationExecutionRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id)
          -> hugo::Result<wf::TerminateNexusOperationExecutionResponse> {
        wf::TerminateNexusOperationExecutionRequest normalized = *request;
        auto valid = NormalizeTerminateNexusOperationExecution(&normalized, update_ids_.Next());
        if (valid.IsFailure()) return valid.Error();
        return engine_->TerminateNexusOperationExecution(namespace_id, normalized);
      });
}

void WorkflowHandler::DeleteNexusOperationExecution(
    Call<wf::DeleteNexusOperationExecutionRequest, wf::DeleteNexusOperationExecutionResponse>* call,
    const wf::DeleteNexusOperationExecutionRequest* request,
    wf::DeleteNexusOperationExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DeleteNexusOperationExecutionRequest& r) {
        auto valid = ValidateNamespaceName(r.namespace_());
        if (valid.IsFailure()) return valid;
        return ValidateDeleteNexusOperationExecution(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->DeleteNexusOperationExecution(namespace_id, *request);
      });
}

void WorkflowHandler::ListNexusOperationExecutions(
    Call<wf::ListNexusOperationExecutionsRequest, wf::ListNexusOperationExecutionsResponse>* call,
    const wf::ListNexusOperationExecutionsRequest* request,
    wf::ListNexusOperationExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListNexusOperationExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->ListNexusOperations(namespace_id, *request);
      });
}

void WorkflowHandler::CountNexusOperationExecutions(
    Call<wf::CountNexusOperationExecutionsRequest, wf::CountNexusOperationExecutionsResponse>* call,
    const wf::CountNexusOperationExecutionsRequest* request,
    wf::CountNexusOperationExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::CountNexusOperationExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->CountNexusOperations(namespace_id, *request);
      });
}

}  // namespace hdo::frontend
