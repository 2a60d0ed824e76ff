#include "frontend/system_nexus.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/error_codes.h"
#include "frontend/errors.h"
#include "frontend/validation.h"

namespace hdo::frontend {
namespace {

namespace wf = temporal::api::workflowservice::v1;
using Call = history::Engine::SystemNexusCall;
using Answer = history::Engine::SystemNexusAnswer;

constexpr const char* kService = "temporal.api.workflowservice.v1.WorkflowService";
constexpr const char* kSignalWithStart = "SignalWithStartWorkflowExecution";

hugo::Error NotFound(std::string message) {
  return hugo::Error::From(std::move(message), errors::kNotFound);
}

// The input as the request (reference: the SDK's proto-preferring data converter, which reads
// binary/protobuf and the JSON encodings of a message).
hugo::Result<wf::SignalWithStartWorkflowExecutionRequest> Decode(
    const temporal::api::common::v1::Payload& input) {
  wf::SignalWithStartWorkflowExecutionRequest request;
  auto encoding = input.metadata().find("encoding");
  if (encoding == input.metadata().end()) {
    return InvalidArgument("failed to decode input payload: payload encoding metadata is not set");
  }
  const std::string& name = encoding->second;
  if (name == "binary/protobuf") {
    if (!request.ParseFromString(input.data())) {
      return InvalidArgument(
          "failed to decode input payload: the data is not a "
          "temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionRequest");
    }
  } else if (name == "json/protobuf" || name == "json/plain") {
    auto parsed = google::protobuf::util::JsonStringToMessage(input.data(), &request);
    if (!parsed.ok()) {
      return InvalidArgument("failed to decode input payload: " + std::string(parsed.message()));
    }
  } else if (name != "binary/null") {
    return InvalidArgument("failed to decode input payload: payload encoding " + name +
                           ": encoding is not supported");
  }
  return hugo::Ok(std::move(request));
}

// The serviceerror type a Temporal client names an error by (reference: the "%T" of the Go
// serviceerror in executors.go callErrToFailure).
std::string ServiceErrorType(const hugo::Error& error, const grpc::Status& status) {
  const std::string& code = error.Code();
  if (code == errors::kWorkflowAlreadyStarted) return "WorkflowExecutionAlreadyStarted";
  if (code == errors::kNamespaceNotFound) return "NamespaceNotFound";
  if (code == errors::kWorkflowNotReady) return "WorkflowNotReady";
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    default:
      return "Internal";
  }
}

// Whether a client would retry the error (reference: common.IsRetryableRPCError).
bool Retryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
      return true;
    default:
      return false;
  }
}

// An error of the request or of its run as the operation's end (or an attempt's, when retrying
// may change it): a server failure "<Type>: <message>".
Answer FromError(const hugo::Error& error) {
  const grpc::Status status = ToGrpcStatus(error);
  Answer answer;
  const bool retryable = Retryable(status.error_code());
  answer.kind = retryable ? Answer::Kind::kRetry : Answer::Kind::kFailed;
  answer.failure.set_message(ServiceErrorType(error, status) + ": " + status.error_message());
  answer.failure.mutable_server_failure_info()->set_non_retryable(!retryable);
  return answer;
}

// Whether a message of this type may hold Temporal payloads, at any depth: what the system
// payload mark announces (the SDKs then decode the envelope to reach them through the user's
// codec).
bool HoldsPayloads(const google::protobuf::Descriptor* type,
                   std::vector<const google::protobuf::Descriptor*>& seen) {
  const std::string& name = type->full_name();
  if (name == "temporal.api.common.v1.Payload" || name == "temporal.api.common.v1.Payloads") {
    return true;
  }
  if (std::find(seen.begin(), seen.end(), type) != seen.end()) return false;
  seen.push_back(type);
  for (int i = 0; i < type->field_count(); ++i) {
    const auto* field = type->field(i);
    if (field->message_type() != nullptr && HoldsPayloads(field->message_type(), seen)) {
      return true;
    }
  }
  return false;
}

}  // namespace

hugo::Result<wf::SignalWithStartWorkflowExecutionRequest> SystemNexusRequest(const Call& call) {
  // reference: NexusEndpointProcessor.ProcessInput, then SignalWithStartOperationProcessor.
  if (call.service != kService) return NotFound("service \"" + call.service + "\" not found");
  if (call.operation != kSignalWithStart) {
    return NotFound("operation \"" + call.operation + "\" not found");
  }
  auto decoded = Decode(call.input);
  if (decoded.IsFailure()) return decoded.Error();
  wf::SignalWithStartWorkflowExecutionRequest request = std::move(decoded.Value());
  if (request.namespace_().empty()) {
    request.set_namespace_(call.namespace_name);
  } else if (request.namespace_() != call.namespace_name) {
    return InvalidArgument("Namespace in request \"" + request.namespace_() +
                           "\" does not match namespace in context \"" + call.namespace_name +
                           "\"");
  }
  if (!request.request_id().empty()) {
    return InvalidArgument("RequestID should not be set on the request");
  }
  request.set_request_id(call.request_id);
  if (request.links_size() > 0) return InvalidArgument("Links should not be set on the request");
  for (const auto& link : call.links) *request.add_links() = link;
  auto valid = ValidateSignalWithStartWorkflow(request);
  if (valid.IsFailure()) return valid.Error();
  return hugo::Ok(std::move(request));
}

hugo::Result<hugo::Unit> CheckSystemNexus(const Call& call) {
  auto request = SystemNexusRequest(call);
  if (request.IsFailure()) return request.Error();
  return hugo::Ok();
}

Answer StartSystemNexus(history::Engine& engine, const Call& call) {
  auto request = SystemNexusRequest(call);
  if (request.IsFailure()) {
    // Judged when the command was accepted; what fails now fails for good (reference: the
    // processor's handler and service errors are not retried).
    Answer answer;
    answer.kind = Answer::Kind::kFailed;
    const bool not_found = request.Error().Code() == errors::kNotFound;
    answer.failure.set_message(request.Error().Message());
    auto* info = answer.failure.mutable_nexus_handler_failure_info();
    info->set_type(not_found ? "NOT_FOUND" : "BAD_REQUEST");
    info->set_retry_behavior(
        temporal::api::enums::v1::NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE);
    return answer;
  }
  auto response = engine.SignalWithStart(call.namespace_id, request.Value());
  if (response.IsFailure()) return FromError(response.Error());
  Answer answer;
  answer.kind = Answer::Kind::kCompleted;
  auto& metadata = *answer.result.mutable_metadata();
  metadata["encoding"] = "binary/protobuf";
  metadata["messageType"] = response.Value().GetDescriptor()->full_name();
  // Marked when the result embeds payloads (the intent of the reference's change that added the
  // mark, #10948; its code marks every result, which SDKs whose payload visitor does not know
  // the result's type refuse, e.g. sdk-python's for SignalWithStartWorkflowExecutionResponse).
  std::vector<const google::protobuf::Descriptor*> seen;
  if (HoldsPayloads(response.Value().GetDescriptor(), seen))
    metadata[kSystemNexusPayloadKey] = "true";
  answer.result.set_data(response.Value().SerializeAsString());
  if (response.Value().has_signal_link()) answer.links.push_back(response.Value().signal_link());
  return answer;
}

}  // namespace hdo::frontend
