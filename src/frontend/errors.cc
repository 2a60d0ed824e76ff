#include "frontend/errors.h"

#include "google/rpc/status.pb.h"
#include "persistence/namespace_store.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace hdo::frontend {
namespace {

namespace details = temporal::api::errordetails::v1;

grpc::Status WithDetail(grpc::StatusCode code, const std::string& message,
                        const google::protobuf::Message& detail) {
  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  status.set_message(message);
  status.add_details()->PackFrom(detail);
  return grpc::Status(code, message, status.SerializeAsString());
}

std::string MetadataText(const hugo::Error& error, std::string_view key) {
  auto value = error.TryGetMetadata(key);
  if (!value.has_value()) return {};
  if (const auto* text = std::get_if<std::string>(&*value)) return *text;
  return {};
}

}  // namespace

hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), kErrorInvalidArgument);
}

hugo::Error NamespaceNotFound(const std::string& name) {
  return hugo::Error::From("Namespace " + name + " is not found.", kErrorNamespaceNotFound)
      .WithMetadata("namespace", name);
}

hugo::Error NamespaceAlreadyExists(const std::string& name) {
  return hugo::Error::From("Namespace " + name + " already exists", kErrorNamespaceAlreadyExists)
      .WithMetadata("namespace", name);
}

grpc::Status ToGrpcStatus(const hugo::Error& error) {
  const std::string& code = error.Code();
  const std::string& message = error.Message();
  if (code == kErrorInvalidArgument) return {grpc::StatusCode::INVALID_ARGUMENT, message};
  if (code == kErrorNotFound) return {grpc::StatusCode::NOT_FOUND, message};
  if (code == kErrorUnavailable) return {grpc::StatusCode::UNAVAILABLE, message};
  if (code == kErrorNamespaceNotFound) {
    details::NamespaceNotFoundFailure detail;
    detail.set_namespace_(MetadataText(error, "namespace"));
    return WithDetail(grpc::StatusCode::NOT_FOUND, message, detail);
  }
  if (code == errors::kUnimplemented) return {grpc::StatusCode::UNIMPLEMENTED, message};
  if (code == errors::kWorkflowAlreadyStarted) {
    details::WorkflowExecutionAlreadyStartedFailure detail;
    detail.set_start_request_id(MetadataText(error, "start_request_id"));
    detail.set_run_id(MetadataText(error, "run_id"));
    return WithDetail(grpc::StatusCode::ALREADY_EXISTS, message, detail);
  }
  if (code == errors::kActivityAlreadyStarted) {
    details::ActivityExecutionAlreadyStartedFailure detail;
    detail.set_start_request_id(MetadataText(error, "start_request_id"));
    detail.set_run_id(MetadataText(error, "run_id"));
    return WithDetail(grpc::StatusCode::ALREADY_EXISTS, message, detail);
  }
  if (code == errors::kNexusOperationAlreadyStarted) {
    details::NexusOperationExecutionAlreadyStartedFailure detail;
    detail.set_start_request_id(MetadataText(error, "start_request_id"));
    detail.set_run_id(MetadataText(error, "run_id"));
    return WithDetail(grpc::StatusCode::ALREADY_EXISTS, message, detail);
  }
  if (code == errors::kQueryFailed) {
    return WithDetail(grpc::StatusCode::INVALID_ARGUMENT, message, details::QueryFailedFailure());
  }
  if (code == errors::kWorkflowNotReady) {
    return WithDetail(grpc::StatusCode::FAILED_PRECONDITION, message,
                      details::WorkflowNotReadyFailure());
  }
  if (code == errors::kResourceExhausted) {
    details::ResourceExhaustedFailure detail;
    detail.set_cause(temporal::api::enums::v1::RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT);
    detail.set_scope(temporal::api::enums::v1::RESOURCE_EXHAUSTED_SCOPE_NAMESPACE);
    return WithDetail(grpc::StatusCode::RESOURCE_EXHAUSTED, message, detail);
  }
  if (code == errors::kFailedPrecondition) return {grpc::StatusCode::FAILED_PRECONDITION, message};
  if (code == errors::kNewerBuildExists) {
    details::NewerBuildExistsFailure detail;
    detail.set_default_build_id(MetadataText(error, "default_build_id"));
    return WithDetail(grpc::StatusCode::OUT_OF_RANGE, message, detail);
  }
  if (code == errors::kPermissionDenied) {
    return WithDetail(grpc::StatusCode::PERMISSION_DENIED, message,
                      details::PermissionDeniedFailure());
  }
  if (code == errors::kDeadlineExceeded) return {grpc::StatusCode::DEADLINE_EXCEEDED, message};
  if (code == errors::kAlreadyExists) return {grpc::StatusCode::ALREADY_EXISTS, message};
  if (code == kErrorNamespaceAlreadyExists) {
    return WithDetail(grpc::StatusCode::ALREADY_EXISTS, message,
                      details::NamespaceAlreadyExistsFailure());
  }
  // A store failure that says whether it committed (every engine's errors do; SQL drivers also
  // use their own codes: connection lost, deadlock, shard ownership lost) is Unavailable: the
  // client retries, and retries are deduplicated by request id.
  const std::string commit_state = MetadataText(error, "commit_state");
  if (commit_state == "not_committed") {
    return {grpc::StatusCode::UNAVAILABLE, "persistence unavailable: " + message};
  }
  if (commit_state == "unknown") {
    return {grpc::StatusCode::UNAVAILABLE,
            "persistence unavailable, the outcome is unknown (retrying is safe): " + message};
  }
  return {grpc::StatusCode::INTERNAL, message};
}

}  // namespace hdo::frontend
